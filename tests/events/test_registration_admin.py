"""Registrations in the admin: adding one goes through the service (quota, waiting list), steps go through the
workflow, and staff mail the registrants or the waiting list, each with their own link."""

import pytest
from django.core import mail
from django.urls import reverse

from events.choices import EventStatus, RegistrationStatus
from events.models import Registration
from events.services.registration import registration_create
from ikm_registry.choices import StaffRole
from tests.factories import SYSTEM, make_event, person, staff_user

pytestmark = pytest.mark.usefixtures("bali_regions")
CHANGELIST = reverse("admin:events_registration_changelist")


def test_staff_add_a_registration_in_the_admin_and_the_quota_still_holds(client):
    event = make_event(quota=1)
    registration_create(event=event, data=person(1), actor=SYSTEM)
    client.force_login(staff_user(StaffRole.OPERATOR, "51.03"))
    data = {"event": event.pk, "name": "Tamu Dinas", "sex": "L", "category": "pemerintah", "phone": "081299990000"}
    response = client.post(reverse("admin:events_registration_add"), data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    added = Registration.objects.get(name="Tamu Dinas")
    assert added.status == RegistrationStatus.WAITLISTED and added.created_by is not None
    assert added.transitions.get().action == "create"
    response = client.post(reverse("admin:events_registration_add"), {**data, "name": "Lagi"})
    assert "sudah terdaftar" in response.content.decode()


def test_a_step_button_withdraws_and_the_waiting_person_is_offered_the_place(client):
    event = make_event(quota=1)
    first = registration_create(event=event, data=person(1), actor=SYSTEM)
    second = registration_create(event=event, data=person(2), actor=SYSTEM)
    client.force_login(staff_user(StaffRole.OPERATOR, "51.03"))
    url = reverse("admin:events_registration_change", args=[first.pk])
    page = client.get(url)
    from tests.admin_forms import form_data_from_response

    response = client.post(
        url, form_data_from_response(page, _workflow="reject_confirmed", _workflow_note_reject_confirmed="ganda")
    )
    assert response.status_code == 302
    assert Registration.objects.get(pk=first.pk).status == RegistrationStatus.REJECTED
    assert Registration.objects.get(pk=second.pk).status == RegistrationStatus.OFFERED


def test_staff_mail_the_selected_participants_each_with_their_own_link(client):
    event = make_event(status=EventStatus.OPEN, quota=1)
    with_mail = registration_create(event=event, data=person(1, email="ayu@contoh.id"), actor=SYSTEM)
    waiting = registration_create(event=event, data=person(2, email="wira@contoh.id"), actor=SYSTEM)
    registration_create(event=event, data=person(3), actor=SYSTEM)  # no e-mail
    other = registration_create(event=make_event("51.71"), data=person(4, email="lain@contoh.id"), actor=SYSTEM)
    mail.outbox.clear()
    client.force_login(staff_user(StaffRole.OPERATOR, "51.03"))
    chosen = [r.pk for r in Registration.objects.all()]  # the other region's id is ignored by the scoped queryset
    page = client.post(CHANGELIST, {"action": "send_mail", "_selected_action": chosen})
    text = page.content.decode()
    assert "2 peserta" in text and "1 peserta tanpa e-mail" in text
    response = client.post(CHANGELIST, {"action": "send_mail", "_selected_action": chosen, "apply": "1",
                                        "subject": "Perubahan tempat", "body": "Kegiatan pindah ke aula."})  # fmt: skip
    assert response.status_code == 302
    assert sorted(m.to[0] for m in mail.outbox) == ["ayu@contoh.id", "wira@contoh.id"]
    for message in mail.outbox:
        owner = with_mail if message.to == ["ayu@contoh.id"] else waiting
        assert owner.secret in message.body and "Kegiatan pindah ke aula." in message.body
    assert other.secret not in "".join(m.body for m in mail.outbox)


def test_officials_have_no_mail_action(client):
    make_event()
    client.force_login(staff_user(StaffRole.OFFICIAL, "51.03"))
    page = client.get(CHANGELIST)
    assert page.status_code == 200 and "send_mail" not in page.content.decode()


def test_an_operator_picks_a_venue_in_another_province_but_only_their_own_office(client):
    from tests.factories import make_region

    make_region("73.71", "Kota Makassar")
    operator = staff_user(StaffRole.OPERATOR, "51.03")
    client.force_login(operator)
    form = client.get(reverse("admin:events_event_add")).context["adminform"].form
    assert form.fields["venue_region"].queryset.filter(code="73.71").exists()
    assert [office.region_id for office in form.fields["office"].queryset] == ["51.03"]
    # the autocomplete offers it too (regions are public), but no kecamatan or desa
    params = {"app_label": "events", "model_name": "event", "field_name": "venue_region"}
    found = client.get(reverse("admin:autocomplete"), {**params, "term": "Makassar"}).json()["results"]
    assert [row["id"] for row in found] == ["73.71"]
    found = client.get(reverse("admin:autocomplete"), {**params, "term": "51.03.01"}).json()["results"]
    assert found == []
    # other foreign keys to regions stay within the user's region: a business's desa of Badung, not of Denpasar
    village = {"app_label": "businesses", "model_name": "business", "field_name": "village"}
    found = client.get(reverse("admin:autocomplete"), {**village, "term": "51.03.01"}).json()["results"]
    assert found and all(row["id"].startswith("51.03.01.") for row in found)
    assert client.get(reverse("admin:autocomplete"), {**village, "term": "51.71.01"}).json()["results"] == []
