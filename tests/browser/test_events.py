"""Events in a real Chromium: a visitor on a phone joins the waiting list of a full event and takes the place a
confirmed participant gives up through their own link; an operator checks a participant in at the door by typing
their code (twice: the second time says so); the agenda's filters and an event's registration link without
JavaScript.

Every page a test visits is also photographed at 360 px and 1280 px into EVENT_SHOTS_DIR (/tmp/event-shots by
default), full page, for a person to look at; the tests check what a visitor reads, not the pictures.

Data is created before the first page load of each browser context: the live server runs in another thread on a
transactional database (see test_public_browser.py).
"""

import os
import re
from datetime import timedelta
from pathlib import Path

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from events.choices import EventStatus, RegistrationStatus
from events.models import Attendance, Registration
from events.services.registration import registration_create
from ikm_registry.choices import StaffRole
from tests.browser.conftest import log_in
from tests.factories import SYSTEM, make_event, person, staff_user

R = RegistrationStatus
SHOTS = Path(os.environ.get("EVENT_SHOTS_DIR", "/tmp/event-shots"))
PHONE = {"width": 360, "height": 740}
DESKTOP = {"width": 1280, "height": 900}


@pytest.fixture
def new_page(browser, live_server):
    """Pages in fresh browser contexts (own cookies: one per person), a phone by default, closed after the test."""
    contexts = []

    def open_page(viewport=PHONE, **options):
        context = browser.new_context(base_url=live_server.url, viewport=viewport, locale="id-ID", **options)
        contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(10_000)
        return page

    yield open_page
    for context in contexts:
        context.close()


def shoot(page, name: str) -> None:
    """Full-page screenshots of what `page` shows, at 360 px and 1280 px wide; the viewport is restored after."""
    SHOTS.mkdir(parents=True, exist_ok=True)
    size = page.viewport_size
    for viewport in (PHONE, DESKTOP):
        page.set_viewport_size(viewport)
        page.screenshot(path=str(SHOTS / f"{name}-{viewport['width']}.png"), full_page=True)
    page.set_viewport_size(size)


def status_of(page):
    """The status line of the personal page (the <dd> after "Status")."""
    return page.locator("dl.facts dt:text-is('Status') + dd")


# --- 1. waiting list, withdrawal, offer, on a phone -----------------------------------------------------------------


@pytest.fixture
def full_event(transactional_db):
    """An open event in Badung with one place, taken by Ni Luh Ayu (registered through the public service)."""
    event = make_event("51.03", title="Pelatihan Batik Dasar", quota=1, days=2, venue="Balai Desa Tuban")
    ayu = registration_create(event=event, data=person(1, name="Ni Luh Ayu"), actor=None, public=True)
    assert ayu.status == R.CONFIRMED
    return event


def test_a_visitor_on_a_phone_waits_then_accepts_the_place_a_participant_gives_up(new_page, full_event):
    event = full_event
    wira_page = new_page()

    # the agenda, then the event: full, and its button says so
    wira_page.goto("/agenda/")
    expect(wira_page.locator(".result-count")).to_contain_text("1 kegiatan")
    shoot(wira_page, "agenda")
    wira_page.get_by_role("link", name="Pelatihan Batik Dasar").click()
    wira_page.wait_for_url(f"**/agenda/{event.pk}/")
    expect(wira_page.locator("h1")).to_have_text("Pelatihan Batik Dasar")
    expect(wira_page.locator("dl.facts")).to_contain_text("penuh")
    shoot(wira_page, "event-full")
    wira_page.get_by_role("link", name="Masuk daftar tunggu").click()

    # the form warns that the place is a waiting-list place
    wira_page.wait_for_url(f"**/agenda/{event.pk}/daftar/")
    expect(wira_page.locator("p.notice")).to_contain_text("Tempat sudah penuh")
    wira_page.fill("#id_name", "I Made Wira")
    wira_page.get_by_label("Laki-laki").check()
    wira_page.fill("#id_institution", "Endek Wira")
    wira_page.fill("#id_phone", "081298765432")
    wira_page.get_by_label("Saya setuju").check()
    shoot(wira_page, "register-form")
    wira_page.get_by_role("button", name="Kirim pendaftaran").click()

    # his personal page: waiting list, first in line, a way to leave it and no code yet
    wira_page.wait_for_url(re.compile(r"/agenda/saya/[^/]+/$"))
    wira = Registration.objects.get(name="I Made Wira")
    assert wira.status == R.WAITLISTED
    assert wira_page.url.endswith(f"/agenda/saya/{wira.secret}/")
    expect(status_of(wira_page)).to_contain_text("Daftar tunggu")
    expect(status_of(wira_page)).to_contain_text("urutan ke-1 di daftar tunggu")
    expect(
        wira_page.get_by_text("Keluar dari daftar tunggu", exact=True)
    ).to_be_visible()  # a step behind a confirmation
    expect(wira_page.locator(".participant-code")).to_have_count(0)
    shoot(wira_page, "personal-waiting")

    # Ayu gives her place up from her own phone, through her own link
    ayu = Registration.objects.get(name="Ni Luh Ayu")
    ayu_page = new_page()
    ayu_page.goto(f"/agenda/saya/{ayu.secret}/")
    expect(status_of(ayu_page)).to_contain_text("Terdaftar")
    expect(ayu_page.locator(".participant-code")).to_have_text(ayu.code)
    shoot(ayu_page, "personal-confirmed-before-withdrawing")
    ayu_page.get_by_text("Batalkan pendaftaran", exact=True).click()  # opens the confirmation
    ayu_page.get_by_role("button", name="Ya, batalkan pendaftaran").click()
    ayu_page.wait_for_url(f"**/agenda/saya/{ayu.secret}/")
    expect(status_of(ayu_page)).to_contain_text("Mengundurkan diri")
    expect(ayu_page.locator(".registration-actions button")).to_have_count(0)
    assert Registration.objects.get(pk=ayu.pk).status == R.WITHDRAWN

    # Wira reloads: the place is offered to him, held until a time shown, and he takes it
    wira_page.reload()
    expect(status_of(wira_page)).to_contain_text("Ditawari tempat")
    expect(status_of(wira_page)).to_contain_text("tempat ditahan untuk Anda sampai")
    expect(wira_page.get_by_text("Tolak tawaran", exact=True)).to_be_visible()
    shoot(wira_page, "personal-offered")
    wira_page.get_by_role("button", name="Terima tawaran").click()
    wira_page.wait_for_url(f"**/agenda/saya/{wira.secret}/")
    wira.refresh_from_db()
    assert wira.status == R.CONFIRMED
    expect(status_of(wira_page)).to_contain_text("Terdaftar")
    expect(wira_page.locator(".participant-code")).to_have_text(wira.code)
    expect(wira_page.locator(".participant-qr svg")).to_be_visible()
    expect(wira_page.get_by_text("Batalkan pendaftaran", exact=True)).to_be_visible()
    shoot(wira_page, "personal-confirmed")


# --- 2. check-in at the door ---------------------------------------------------------------------------------------


@pytest.fixture
def ongoing_event(transactional_db):
    """An event under way today in Badung with one confirmed participant, and the Badung operator."""
    event = make_event(
        "51.03", title="Bimtek Pewarnaan Alami", kind="bimtek", status=EventStatus.ONGOING,
        start_date=timezone.localdate(), days=2, quota=20,
    )  # fmt: skip
    registration_create(event=event, data=person(2, name="Ni Made Sari"), actor=SYSTEM)
    staff_user(StaffRole.OPERATOR, "51.03", username="operator.badung")
    return event


def test_an_operator_checks_a_participant_in_by_code_and_a_second_time_is_refused(new_page, ongoing_event):
    event = ongoing_event
    sari = Registration.objects.get(name="Ni Made Sari")
    page = new_page()
    log_in(page, "operator.badung")
    page.goto(f"/admin/events/event/{event.pk}/hadir/")
    expect(page.locator(".checkin-count")).to_have_text("0 dari 1 peserta hadir")
    shoot(page, "checkin-empty")

    page.fill("#checkin-kode", sari.code)
    page.get_by_role("button", name="Hadir", exact=True).click()
    page.wait_for_url(f"**/admin/events/event/{event.pk}/hadir/?sesi=*")
    expect(page.locator("ul.messagelist")).to_contain_text("Ni Made Sari hadir")
    expect(page.locator(".checkin-count")).to_have_text("1 dari 1 peserta hadir")
    expect(page.locator("ol.checkin-present")).to_contain_text("Ni Made Sari")
    shoot(page, "checkin-present")

    # typed again (as read from paper: lower case, a space in the middle), it is not recorded twice
    page.fill("#checkin-kode", f"{sari.code[:4].lower()} {sari.code[4:].lower()}")
    page.get_by_role("button", name="Hadir", exact=True).click()
    page.wait_for_url(f"**/admin/events/event/{event.pk}/hadir/?sesi=*")
    expect(page.locator("ul.messagelist")).to_contain_text("sudah tercatat hadir")
    expect(page.locator("ul.messagelist")).not_to_contain_text("Ni Made Sari hadir (")
    expect(page.locator(".checkin-count")).to_have_text("1 dari 1 peserta hadir")
    shoot(page, "checkin-again")
    assert Attendance.objects.filter(registration=sari).count() == 1


# --- 3. without JavaScript ------------------------------------------------------------------------------------------


@pytest.fixture
def agenda_events(transactional_db):
    today = timezone.localdate()
    return {
        "batik": make_event("51.03", title="Pelatihan Batik Dasar", kind="pelatihan", quota=30),
        "temu": make_event("51.71", title="Temu Usaha Denpasar", kind="temu_usaha", quota=None),
        "past": make_event(
            "51.03",
            title="Pameran Kriya Badung",
            kind="pameran",
            status=EventStatus.COMPLETED,
            start_date=today - timedelta(days=40),
        ),
    }


def titles(page) -> list[str]:
    return page.locator("ol.cards .card-title").all_inner_texts()


def test_the_agenda_filters_and_an_events_registration_link_work_without_javascript(new_page, agenda_events):
    page = new_page(java_script_enabled=False)
    page.goto("/agenda/")
    assert titles(page) == ["Pelatihan Batik Dasar", "Temu Usaha Denpasar"]
    expect(page.locator(".result-count")).to_have_text("2 kegiatan")

    page.select_option("#id_jenis", "temu_usaha")
    page.get_by_role("button", name="Tampilkan").click()
    page.wait_for_url(re.compile(r"[?&]jenis=temu_usaha(&|$)"))
    assert titles(page) == ["Temu Usaha Denpasar"]
    shoot(page, "agenda-nojs-kind")

    page.select_option("#id_jenis", "")
    page.select_option("#id_wilayah", "51.03")
    page.get_by_role("button", name="Tampilkan").click()
    page.wait_for_url(re.compile(r"[?&]wilayah=51\.03(&|$)"))
    assert titles(page) == ["Pelatihan Batik Dasar"]

    page.select_option("#id_waktu", "lalu")
    page.get_by_role("button", name="Tampilkan").click()
    page.wait_for_url(re.compile(r"[?&]waktu=lalu(&|$)"))
    assert titles(page) == ["Pameran Kriya Badung"]
    shoot(page, "agenda-nojs-past")

    page.goto("/agenda/")
    page.get_by_role("link", name="Pelatihan Batik Dasar").click()
    event = agenda_events["batik"]
    page.wait_for_url(f"**/agenda/{event.pk}/")
    expect(page.locator("dl.facts")).to_contain_text("sisa 30 tempat")
    register = page.locator(f"main a.button[href='/agenda/{event.pk}/daftar/']")
    expect(register).to_be_visible()
    expect(register).to_contain_text("Daftar")
    shoot(page, "event-nojs")
    register.click()
    page.wait_for_url(f"**/agenda/{event.pk}/daftar/")
    expect(page.get_by_role("button", name="Kirim pendaftaran")).to_be_visible()
    shoot(page, "register-nojs")
