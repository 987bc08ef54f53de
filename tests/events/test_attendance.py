"""Attendance per session at the door and from paper, and certificates only for those who meet the rule."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from events.choices import CheckInMethod, EventStatus, RegistrationStatus
from events.models import Attendance, Registration
from events.services.attendance import (
    certificates_issue,
    check_in,
    eligible,
    find_by_code,
    sessions_needed,
)
from events.services.registration import registration_create
from ikm_registry.choices import StaffRole
from tests.factories import SYSTEM, make_event, person, staff_user

pytestmark = pytest.mark.usefixtures("bali_regions")


def participants(event, count):
    return [registration_create(event=event, data=person(n), actor=SYSTEM) for n in range(1, count + 1)]


def test_the_80_percent_rule_counts_sessions_and_only_those_who_meet_it_get_numbered_certificates():
    event = make_event(status=EventStatus.ONGOING, days=5)  # the Probolinggo batik training: 5 days
    assert sessions_needed(event) == 4
    sessions = list(event.sessions.all())
    ayu, wira, sari = participants(event, 3)
    for session in sessions[:4]:
        check_in(session=session, registration=ayu, actor=SYSTEM)
    for session in sessions:
        check_in(session=session, registration=sari, actor=SYSTEM)
    for session in sessions[:3]:
        check_in(session=session, registration=wira, actor=SYSTEM)
    assert [r.pk for r in eligible(event)] == sorted(
        [ayu.pk, sari.pk], key=lambda pk: Registration.objects.get(pk=pk).name
    )
    assert certificates_issue(event, actor=SYSTEM) == 2
    numbers = dict(Registration.objects.values_list("name", "certificate_number"))
    assert numbers == {"Peserta 1": 1, "Peserta 2": None, "Peserta 3": 2}
    # issuing again numbers only newcomers, after the numbers given
    check_in(session=sessions[4], registration=wira, actor=SYSTEM)
    assert certificates_issue(event, actor=SYSTEM) == 1
    assert Registration.objects.get(pk=wira.pk).certificate_number == 3
    assert len(set(Registration.objects.values_list("certificate_code", flat=True))) == 3


def test_a_different_rule_per_event_and_no_certificate_before_the_event():
    event = make_event(status=EventStatus.OPEN, days=4, certificate_min_percent=50)
    assert sessions_needed(event) == 2
    with pytest.raises(ValidationError, match="setelah kegiatan"):
        certificates_issue(event, actor=SYSTEM)


def test_check_in_takes_confirmed_participants_of_this_event_once():
    event = make_event(status=EventStatus.ONGOING, quota=1)
    other = make_event(status=EventStatus.ONGOING)
    session = event.sessions.get()
    confirmed, waiting = (
        participants(event, 1)[0],
        registration_create(event=event, data=person(2), actor=SYSTEM, public=False),
    )
    assert waiting.status == RegistrationStatus.WAITLISTED
    stranger = registration_create(event=other, data=person(3), actor=SYSTEM)

    assert find_by_code(event, f" {confirmed.code[:4].lower()}-{confirmed.code[4:]} ") == confirmed
    first = check_in(session=session, registration=confirmed, actor=SYSTEM, method=CheckInMethod.SCAN)
    again = check_in(session=session, registration=confirmed, actor=SYSTEM)
    assert first.created and not again.created and again.attendance.pk == first.attendance.pk
    with pytest.raises(ValidationError, match="bukan peserta terdaftar"):
        check_in(session=session, registration=waiting, actor=SYSTEM)
    with pytest.raises(ValidationError, match="kegiatan lain"):
        check_in(session=session, registration=stranger, actor=SYSTEM)
    with pytest.raises(PermissionDenied):
        check_in(session=session, registration=confirmed, actor=staff_user(StaffRole.OPERATOR, "51.71"))
    assert Attendance.objects.count() == 1


def test_the_check_in_page_on_a_phone_takes_a_typed_code_and_says_when_it_was_done_already(client):
    event = make_event(status=EventStatus.ONGOING)
    ayu = participants(event, 1)[0]
    client.force_login(staff_user(StaffRole.OPERATOR, "51.03"))
    url = reverse("admin:events_event_checkin", args=[event.pk])
    page = client.get(url).content.decode()
    assert "0 dari 1 peserta hadir" in page and "autofocus" in page
    response = client.post(url, {"kode": ayu.code.lower(), "sesi": event.sessions.get().pk}, follow=True)
    assert f"{ayu.name} hadir" in response.content.decode()
    response = client.post(url, {"kode": ayu.code, "sesi": event.sessions.get().pk}, follow=True)
    assert "sudah tercatat hadir pukul" in response.content.decode()
    response = client.post(url, {"kode": "ZZZZZZZZ"}, follow=True)
    assert "tidak ditemukan" in response.content.decode()
    assert "1 dari 1 peserta hadir" in client.get(url).content.decode()
    # search by name, then a tap checks in
    page = client.get(url, {"q": "peserta"}).content.decode()
    assert ayu.name in page


def test_the_paper_sheet_sets_and_unsets_attendance_and_other_regions_get_404(client):
    event = make_event(status=EventStatus.ONGOING)
    ayu, wira = participants(event, 2)
    operator = staff_user(StaffRole.OPERATOR, "51.03")
    client.force_login(operator)
    url = reverse("admin:events_event_paper", args=[event.pk])
    client.post(url, {"hadir": [ayu.pk, wira.pk]})
    assert Attendance.objects.filter(method=CheckInMethod.PAPER).count() == 2
    client.post(url, {"hadir": [ayu.pk]})
    assert list(Attendance.objects.values_list("registration_id", flat=True)) == [ayu.pk]

    client.force_login(staff_user(StaffRole.OPERATOR, "51.71"))
    for name in ("events_event_checkin", "events_event_paper", "events_event_certificates"):
        assert client.get(reverse(f"admin:{name}", args=[event.pk])).status_code == 404
    client.force_login(staff_user(StaffRole.OFFICIAL, "51.03"))
    assert client.get(reverse("admin:events_event_checkin", args=[event.pk])).status_code == 403
    assert client.get(reverse("admin:events_event_certificates", args=[event.pk])).status_code == 200
    assert client.post(reverse("admin:events_event_certificates", args=[event.pk])).status_code == 403


def test_a_session_with_its_own_capacity_takes_no_more_people_than_the_room_holds():
    event = make_event(status=EventStatus.ONGOING, quota=5)
    session = event.sessions.get()
    session.capacity = 2
    session.save()
    people = participants(event, 3)
    for registration in people[:2]:
        check_in(session=session, registration=registration, actor=SYSTEM)
    with pytest.raises(ValidationError, match="Sesi ini penuh"):
        check_in(session=session, registration=people[2], actor=SYSTEM)
    assert not check_in(session=session, registration=people[0], actor=SYSTEM).created  # a second scan still answers
