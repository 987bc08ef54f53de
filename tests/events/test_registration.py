"""Registering for an event: the quota, the visible and fair waiting list, timed offers that move on when they lapse,
the participant's own steps through their personal link, and no over-booking under concurrency."""

import threading
from datetime import timedelta

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from events.choices import EventStatus, RegistrationStatus
from events.models import Registration
from events.services.registration import (
    holder_of,
    places_left,
    registration_create,
    registration_step,
    waiting_lists_process,
    waiting_position,
)
from events.services.workflow import EVENT_WORKFLOW
from ikm_registry.choices import StaffRole
from ikm_registry.models import TransitionLog
from tests.admin_forms import change_form_data
from tests.factories import SYSTEM, make_event, person, staff_user

R = RegistrationStatus
pytestmark = pytest.mark.usefixtures("bali_regions")


def register(event, number, *, public=True, **fields):
    return registration_create(
        event=event, data=person(number, **fields), actor=None if public else SYSTEM, public=public
    )


def statuses(event):
    return list(Registration.objects.filter(event=event).order_by("pk").values_list("name", "status"))


def test_places_are_given_until_the_quota_then_the_waiting_list_in_arrival_order(django_capture_on_commit_callbacks):
    event = make_event(quota=2)
    with django_capture_on_commit_callbacks(execute=True):
        first, second, third, fourth = (register(event, n, email=f"p{n}@contoh.id") for n in range(1, 5))
    assert [r.status for r in (first, second, third, fourth)] == [R.CONFIRMED, R.CONFIRMED, R.WAITLISTED, R.WAITLISTED]
    assert (waiting_position(third), waiting_position(fourth), waiting_position(first)) == (1, 2, None)
    assert places_left(event) == 0
    # each got an e-mail with their personal link; the waiting ones are told so
    assert len(mail.outbox) == 4
    assert first.secret in mail.outbox[0].body and first.code in mail.outbox[0].body
    assert "daftar tunggu" in mail.outbox[2].body


def test_a_freed_place_is_offered_to_the_first_waiting_and_nobody_jumps_the_list(django_capture_on_commit_callbacks):
    event = make_event(quota=2)
    first, _second, third, fourth = (register(event, n) for n in range(1, 5))
    before = timezone.now()
    with django_capture_on_commit_callbacks(execute=True):
        registration_step(first, "withdraw", holder_of(first))
    third.refresh_from_db()
    assert third.status == R.OFFERED
    assert timedelta(hours=47, minutes=59) < third.offer_expires_at - before < timedelta(hours=48, minutes=1)
    assert places_left(event) == 0  # the offer holds the place
    late = register(event, 5)
    assert late.status == R.WAITLISTED and waiting_position(late) == 2  # behind the fourth, who came first
    assert waiting_position(Registration.objects.get(pk=fourth.pk)) == 1

    registration_step(third, "accept", holder_of(third))
    assert Registration.objects.get(pk=third.pk).status == R.CONFIRMED


def test_an_offer_that_lapses_moves_to_the_next_person_and_cannot_be_accepted_late():
    event = make_event(quota=1)
    first, second, third = (register(event, n) for n in range(1, 4))
    registration_step(first, "withdraw", holder_of(first))
    Registration.objects.filter(pk=second.pk).update(offer_expires_at=timezone.now() - timedelta(minutes=1))

    with pytest.raises(ValidationError, match="lewat waktu"):
        registration_step(second, "accept", holder_of(second))
    assert waiting_lists_process() == (1, 1)
    second.refresh_from_db()
    third.refresh_from_db()
    assert (second.status, third.status) == (R.WITHDRAWN, R.OFFERED)
    lapse = TransitionLog.objects.for_object(second).get(action="lapse")
    assert (lapse.actor, lapse.actor_label) == (None, "sistem: daftar tunggu")
    assert waiting_lists_process() == (0, 0)  # nothing more to do


def test_declining_an_offer_or_leaving_the_list_frees_it_for_the_next():
    event = make_event(quota=1)
    first, second, third, fourth = (register(event, n) for n in range(1, 5))
    registration_step(first, "withdraw", holder_of(first))
    registration_step(third, "leave_waitlist", holder_of(third))
    registration_step(second, "decline", holder_of(second))
    assert statuses(event) == [
        ("Peserta 1", R.WITHDRAWN),
        ("Peserta 2", R.WITHDRAWN),
        ("Peserta 3", R.WITHDRAWN),
        ("Peserta 4", R.OFFERED),
    ]
    assert fourth.pk == Registration.objects.get(status=R.OFFERED).pk


def test_the_link_holder_takes_only_their_own_steps_on_their_own_registration():
    event = make_event(quota=5)
    mine, theirs = register(event, 1), register(event, 2)
    with pytest.raises(PermissionDenied):
        registration_step(theirs, "withdraw", holder_of(mine))
    with pytest.raises(PermissionDenied):
        registration_step(mine, "reject_confirmed", holder_of(mine), note="bukan saya")
    registration_step(mine, "withdraw", holder_of(mine))
    step = TransitionLog.objects.for_object(mine).get(action="withdraw")
    assert (step.actor, step.actor_label, step.region_code) == (None, "peserta (tautan pribadi)", "51.03")


def test_staff_of_another_region_cannot_register_or_step_and_officials_cannot_write():
    event = make_event("51.03", quota=5)
    denpasar = staff_user(StaffRole.OPERATOR, "51.71")
    official = staff_user(StaffRole.OFFICIAL, "51.03")
    for actor in (denpasar, official):
        with pytest.raises(PermissionDenied):
            registration_create(event=event, data=person(1), actor=actor)
    registration = register(event, 2)
    with pytest.raises(PermissionDenied):
        registration_step(registration, "reject_confirmed", denpasar, note="salah wilayah")
    badung = staff_user(StaffRole.OPERATOR, "51.03")
    registration_step(registration, "reject_confirmed", badung, note="pendaftaran ganda")
    assert Registration.objects.get(pk=registration.pk).status == R.REJECTED


def test_the_same_person_cannot_register_twice_and_a_closed_event_takes_no_one():
    event = make_event(quota=5)
    register(event, 1, nik="5103014506900001", email="ani@contoh.id")
    for fields in ({"nik": "5103014506900001"}, {"email": "ANI@contoh.id"}, {"phone": person(1)["phone"]}):
        with pytest.raises(ValidationError, match="sudah terdaftar") as error:
            register(event, 2, **{**person(2), **fields})
        assert error.value.code == "duplicate"
    planned = make_event(status=EventStatus.PLANNED)
    with pytest.raises(ValidationError, match="tidak dibuka"):
        register(planned, 3)
    closed = make_event(registration_closes=timezone.now() - timedelta(hours=1))
    with pytest.raises(ValidationError, match="tidak dibuka"):
        register(closed, 4)
    assert register(closed, 5, public=False).status == R.CONFIRMED  # staff still add people by hand


def test_a_bad_field_is_named_and_nothing_is_written():
    event = make_event(quota=5)
    with pytest.raises(ValidationError) as error:
        register(event, 1, nik="123")
    assert "nik" in error.value.message_dict
    assert not Registration.objects.exists() and not TransitionLog.objects.filter(content_type__model="registration")


def test_a_larger_quota_saved_in_the_admin_offers_places_at_once(client):
    event = make_event(quota=1)
    register(event, 1)
    waiting = register(event, 2)
    client.force_login(staff_user(StaffRole.OPERATOR, "51.03"))
    url = reverse("admin:events_event_change", args=[event.pk])
    response = client.post(url, change_form_data(client, url, quota="2"))
    assert response.status_code == 302, response.context["adminform"].form.errors
    waiting.refresh_from_db()
    assert waiting.status == R.OFFERED
    assert TransitionLog.objects.for_object(waiting).get(action="offer").actor_label == "sistem: daftar tunggu"


def test_an_event_is_completed_only_with_its_report():
    event = make_event(status=EventStatus.ONGOING)
    operator = staff_user(StaffRole.OPERATOR, "51.03")
    with pytest.raises(ValidationError) as error:
        EVENT_WORKFLOW.perform(event, "complete", operator)
    assert set(error.value.message_dict) >= {"background", "purpose", "results"}
    event.background, event.purpose, event.results = "Latar", "Tujuan", "30 peserta dilatih membatik."
    event.save()
    EVENT_WORKFLOW.perform(event, "complete", operator)
    assert event.transitions.first().to_state == EventStatus.COMPLETED


@pytest.mark.django_db(transaction=True)
def test_fifty_people_registering_at_once_never_overbook(bali_regions):
    """50 threads register for 10 places at the same moment: exactly 10 confirmed, the other 40 waiting in the
    order they arrived (PostgreSQL's row lock on the event serialises them)."""
    from django.db import connection, connections

    if connection.vendor != "postgresql":
        pytest.skip("SQLite serialises all writes; the row lock is what is tested here")
    event = make_event(quota=10)
    barrier = threading.Barrier(50)
    errors = []

    def arrive(number):
        try:
            barrier.wait()
            registration_create(event=event, data=person(number), actor=None, public=True)
        except Exception as error:  # noqa: BLE001 (any failure is a failure of the test)
            errors.append(repr(error))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=arrive, args=(n,)) for n in range(1, 51)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    rows = list(Registration.objects.filter(event=event).order_by("registered_at", "pk"))
    assert [r.status for r in rows].count(R.CONFIRMED) == 10
    assert [r.status for r in rows[:10]] == [R.CONFIRMED] * 10  # the first ten to arrive got the places
    assert [waiting_position(r) for r in rows[10:]] == list(range(1, 41))


def test_the_command_lapses_offers_and_offers_the_places_on(django_capture_on_commit_callbacks):
    from io import StringIO

    from django.core.management import call_command

    event = make_event(quota=1)
    first, second, third = (register(event, n, email=f"p{n}@contoh.id") for n in range(1, 4))
    registration_step(first, "withdraw", holder_of(first))
    Registration.objects.filter(pk=second.pk).update(offer_expires_at=timezone.now() - timedelta(seconds=1))
    mail.outbox.clear()
    out = StringIO()
    with django_capture_on_commit_callbacks(execute=True):
        call_command("process_waiting_lists", stdout=out)
    assert out.getvalue().strip() == "1 offer(s) lapsed, 1 place(s) offered."
    assert Registration.objects.get(pk=third.pk).status == R.OFFERED
    assert [m.to for m in mail.outbox] == [["p3@contoh.id"]] and "ditahan untuk Anda sampai" in mail.outbox[0].body
