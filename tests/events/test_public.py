"""The public side of events: the agenda (without JavaScript), an event's page, registering, the personal page and
its steps, the iCalendar file, and /verifikasi/ — with nothing private on any of them."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from icalendar import Calendar

from events.choices import EventStatus, RegistrationStatus
from events.models import Registration
from events.services.attendance import certificates_issue, check_in
from tests.factories import SYSTEM, make_event, person

pytestmark = pytest.mark.usefixtures("bali_regions")
R = RegistrationStatus


def test_the_agenda_lists_public_events_by_time_kind_and_region(client):
    soon = make_event(title="Pelatihan Batik Dasar", kind="pelatihan")
    make_event(title="Rapat internal", is_public=False)
    past = make_event(title="Pameran Kriya 2025", kind="pameran", start_date=timezone.localdate() - timedelta(days=40))
    denpasar = make_event("51.71", title="Temu Usaha Denpasar", kind="temu_usaha")
    page = client.get(reverse("events:agenda")).content.decode()
    assert "Pelatihan Batik Dasar" in page and "Temu Usaha Denpasar" in page
    assert "Rapat internal" not in page and "Pameran Kriya 2025" not in page
    page = client.get(reverse("events:agenda"), {"waktu": "lalu"}).content.decode()
    assert "Pameran Kriya 2025" in page and "Pelatihan Batik Dasar" not in page
    page = client.get(reverse("events:agenda"), {"jenis": "temu_usaha"}).content.decode()
    assert "Temu Usaha Denpasar" in page and "Pelatihan Batik Dasar" not in page
    page = client.get(reverse("events:agenda"), {"wilayah": "51.71"}).content.decode()
    assert "Temu Usaha Denpasar" in page and "Pelatihan Batik Dasar" not in page
    assert (
        f'href="{reverse("events:event_detail", args=[soon.pk])}"'
        in client.get(reverse("events:agenda")).content.decode()
    )
    assert past.pk and denpasar.pk


def test_an_internal_event_has_no_public_page(client):
    internal = make_event(is_public=False)
    for name in ("event_detail", "event_ics", "event_register"):
        assert client.get(reverse(f"events:{name}", args=[internal.pk])).status_code == 404


def test_register_on_the_public_form_then_follow_and_withdraw_through_the_personal_link(client):
    event = make_event(quota=1)
    page = client.get(reverse("events:event_detail", args=[event.pk])).content.decode()
    assert "sisa 1 tempat" in page
    form = {"name": "Ni Luh Ayu", "sex": "P", "category": "pelaku_ikm", "phone": "081234567890", "consent": "on"}
    response = client.post(reverse("events:event_register", args=[event.pk]), form)
    assert response.status_code == 302
    ayu = Registration.objects.get()
    assert response["Location"] == reverse("events:registration", args=[ayu.secret])
    personal = client.get(response["Location"])
    assert personal["Cache-Control"].startswith("private") and "no-store" in personal["Cache-Control"]
    assert personal["Referrer-Policy"] == "same-origin"
    text = personal.content.decode()
    assert "Terdaftar" in text and ayu.code in text and "<svg" in text

    # the event is full now: the next person is put on the waiting list and told where they stand
    page = client.get(reverse("events:event_detail", args=[event.pk])).content.decode()
    assert "penuh" in page
    second = {**form, "name": "I Made Wira", "sex": "L", "phone": "081298765432"}
    response = client.post(reverse("events:event_register", args=[event.pk]), second)
    wira = Registration.objects.get(name="I Made Wira")
    assert wira.status == R.WAITLISTED
    assert "urutan ke-1 di daftar tunggu" in client.get(response["Location"]).content.decode()

    # Ayu withdraws: Wira is offered the place and accepts it from his own page
    client.post(reverse("events:registration", args=[ayu.secret]), {"action": "withdraw"})
    wira.refresh_from_db()
    assert wira.status == R.OFFERED
    assert "Terima tawaran" in client.get(reverse("events:registration", args=[wira.secret])).content.decode()
    client.post(reverse("events:registration", args=[wira.secret]), {"action": "accept"})
    assert Registration.objects.get(pk=wira.pk).status == R.CONFIRMED
    # an action the status does not offer changes nothing
    client.post(reverse("events:registration", args=[ayu.secret]), {"action": "accept"})
    assert Registration.objects.get(pk=ayu.pk).status == R.WITHDRAWN


def test_a_wrong_link_is_not_found_and_nothing_private_is_on_the_event_page(client):
    event = make_event()
    registered = Registration.objects.create(
        event=event, **person(7, email="rahasia@contoh.id", nik="5103014506900001")
    )
    assert client.get(reverse("events:registration", args=["bukan-rahasia"])).status_code == 404
    page = client.get(reverse("events:event_detail", args=[event.pk])).content.decode()
    for private in (registered.name, registered.phone, "rahasia@contoh.id", "5103014506900001", registered.secret):
        assert private not in page


def test_the_form_names_what_is_wrong_and_a_closed_event_takes_no_one(client):
    event = make_event()
    response = client.post(reverse("events:event_register", args=[event.pk]), {"name": "", "sex": "X"})
    text = response.content.decode()
    assert response.status_code == 200 and "Periksa isian" in text
    assert not Registration.objects.exists()
    response = client.post(
        reverse("events:event_register", args=[event.pk]),
        {"name": "A", "sex": "P", "category": "umum", "consent": "on"},
    )
    assert "Isi telepon atau e-mail" in response.content.decode()
    closed = make_event(status=EventStatus.PLANNED)
    assert "tidak dibuka" in client.get(reverse("events:event_register", args=[closed.pk])).content.decode()


def test_the_calendar_file_has_one_entry_per_session(client):
    event = make_event(days=3, venue="Balai Desa Dalung")
    response = client.get(reverse("events:event_ics", args=[event.pk]))
    assert response["Content-Type"].startswith("text/calendar")
    entries = [c for c in Calendar.from_ical(response.content).walk("VEVENT")]
    assert len(entries) == 3
    assert {str(entry["summary"]) for entry in entries} == {event.title}
    assert "Balai Desa Dalung" in str(entries[0]["location"])


def test_a_certificate_is_verified_by_its_code_with_nothing_but_its_facts(client):
    event = make_event(status=EventStatus.ONGOING, days=1)
    registration = Registration.objects.create(event=event, **person(1, nik="5103014506900001"))
    check_in(session=event.sessions.get(), registration=registration, actor=SYSTEM)
    certificates_issue(event, actor=SYSTEM)
    registration.refresh_from_db()
    page = client.get(reverse("verify"), {"kode": registration.certificate_code.lower()}).content.decode()
    assert "Sertifikat sah" in page and registration.name in page and event.title in page
    assert f"{event.code}/0001" in page
    assert registration.phone not in page and "5103014506900001" not in page
    page = client.get(reverse("verify"), {"kode": "ABCDEFGHJK"}).content.decode()
    assert "Tidak ada sertifikat" in page


def test_after_the_event_the_participant_evaluates_it_once_from_their_page(client):
    from events.models import Evaluation

    event = make_event(status=EventStatus.COMPLETED, start_date=timezone.localdate() - timedelta(days=3))
    registration = Registration.objects.create(event=event, **person(1))
    url = reverse("events:registration", args=[registration.secret])
    assert "Evaluasi kegiatan" in client.get(url).content.decode()
    response = client.post(url, {"evaluation": "1", "rating": "9", "usefulness": "4"})
    assert response.status_code == 200 and not Evaluation.objects.exists()
    client.post(url, {"evaluation": "1", "rating": "5", "usefulness": "4", "comments": "Materi praktis."})
    assert (Evaluation.objects.get().rating, Evaluation.objects.get().registration) == (5, registration)
    page = client.get(url).content.decode()
    assert "Evaluasi Anda sudah kami terima" in page and 'name="evaluation"' not in page
    upcoming = Registration.objects.create(event=make_event(), **person(2))
    assert (
        "Evaluasi kegiatan" not in client.get(reverse("events:registration", args=[upcoming.secret])).content.decode()
    )


def test_the_participant_downloads_their_own_certificate_once_issued(client):
    from tests.reports import pdf_text

    event = make_event(status=EventStatus.ONGOING, days=1)
    ayu = Registration.objects.create(event=event, **person(1, name="Ni Luh Ayu"))
    wira = Registration.objects.create(event=event, **person(2, name="I Made Wira"))
    check_in(session=event.sessions.get(), registration=ayu, actor=SYSTEM)
    check_in(session=event.sessions.get(), registration=wira, actor=SYSTEM)
    url = reverse("events:registration_certificate", args=[ayu.secret])
    assert client.get(url).status_code == 404  # not issued yet
    certificates_issue(event, actor=SYSTEM)
    ayu.refresh_from_db()
    assert "Unduh sertifikat" in client.get(reverse("events:registration", args=[ayu.secret])).content.decode()
    response = client.get(url)
    assert response["Content-Type"] == "application/pdf" and "no-store" in response["Cache-Control"]
    text = pdf_text(response.content)
    assert "Ni Luh Ayu" in text and "I Made Wira" not in text and ayu.certificate_code in text


def test_participants_correct_their_own_details_until_a_certificate_is_numbered(client):
    event = make_event(status=EventStatus.ONGOING, days=1)
    ayu = Registration.objects.create(event=event, **person(1, name="Ni Luh Ayu"))
    url = reverse("events:registration", args=[ayu.secret])
    client.post(
        url, {"details": "1", "name": "Ni Luh Ayu Lestari", "institution": "Tenun Ayu", "phone": "", "email": ""}
    )
    ayu.refresh_from_db()
    assert ayu.name == "Ni Luh Ayu"  # refused: no way to reach her left
    client.post(url, {"details": "1", "name": "Ni Luh Ayu Lestari", "institution": "Tenun Ayu", "phone": ayu.phone})
    ayu.refresh_from_db()
    assert (ayu.name, ayu.institution) == ("Ni Luh Ayu Lestari", "Tenun Ayu")
    assert ayu.history.first().history_change_reason == "peserta (tautan pribadi)"
    check_in(session=event.sessions.get(), registration=ayu, actor=SYSTEM)
    certificates_issue(event, actor=SYSTEM)
    assert "Perbaiki data saya" not in client.get(url).content.decode()
    client.post(url, {"details": "1", "name": "Nama Lain", "phone": ayu.phone})
    assert Registration.objects.get(pk=ayu.pk).name == "Ni Luh Ayu Lestari"
