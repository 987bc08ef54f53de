"""The review workflow in a real Chromium: the Badung operator sends a submitted business back with a note."""

import pytest

from businesses.choices import BusinessStatus
from businesses.models import Business
from ikm_registry.choices import StaffRole
from ikm_registry.models import TransitionLog
from tests.browser.conftest import log_in
from tests.factories import BusinessFactory, make_kbli, make_village, staff_user


@pytest.fixture
def submitted_in_badung(transactional_db):
    tuban = make_village("51.03.01.1001", "Tuban")
    make_kbli("13134")
    BusinessFactory(name="Tenun Tuban", village=tuban, status=BusinessStatus.SUBMITTED)
    staff_user(StaffRole.OPERATOR, "51.03", username="operator.badung")
    return BusinessFactory(name="Endek Tuban", village=tuban, status=BusinessStatus.SUBMITTED)


def test_operator_returns_a_submitted_business_with_a_note(page, submitted_in_badung):
    business = submitted_in_badung
    log_in(page, "operator.badung")
    queue_count = page.locator("section.attention a.status-submitted .count")
    assert queue_count.inner_text() == "2"

    page.locator("section.attention").get_by_role("link", name="Endek Tuban").click()
    page.wait_for_url(f"**/admin/businesses/business/{business.pk}/change/")
    page.locator("details.action-return summary").click()
    page.fill("#workflow-note-return", "Lengkapi NIB dan foto produk.")
    page.locator("details.action-return").get_by_role("button", name="Kembalikan").click()

    page.wait_for_url(f"**/admin/businesses/business/{business.pk}/change/")
    assert "Dikembalikan" in page.locator("ul.messagelist").inner_text()
    note = page.locator(".review-note")
    assert note.is_visible()
    assert "Lengkapi NIB dan foto produk." in note.inner_text()
    assert "operator.badung" in note.inner_text()
    # Nothing but "Ajukan ulang" is offered for a returned business.
    assert page.locator("details.workflow-action summary").all_inner_texts() == ["Ajukan ulang"]

    page.goto("/admin/")
    assert queue_count.inner_text() == "1"
    assert Business.objects.get(pk=business.pk).status == BusinessStatus.RETURNED
    assert TransitionLog.objects.get().note == "Lengkapi NIB dan foto produk."


def test_return_without_a_note_is_refused_and_the_status_kept(page, submitted_in_badung):
    business = submitted_in_badung
    log_in(page, "operator.badung")
    page.goto(f"/admin/businesses/business/{business.pk}/change/")
    page.locator("details.action-return summary").click()
    page.locator("details.action-return").get_by_role("button", name="Kembalikan").click()
    page.wait_for_url(f"**/admin/businesses/business/{business.pk}/change/")
    assert "Catatan wajib diisi" in page.locator("ul.messagelist").inner_text()
    assert Business.objects.get(pk=business.pk).status == BusinessStatus.SUBMITTED


def test_typed_nib_and_coordinates_are_saved_by_verifikasi(page, submitted_in_badung):
    """Issue 9.1: the operator types the missing NIB and coordinates and clicks Verifikasi: both are stored and the
    business is verified."""
    business = submitted_in_badung
    log_in(page, "operator.badung")
    page.goto(f"/admin/businesses/business/{business.pk}/change/")
    page.fill("#id_nib", "9120001234567")
    page.fill("#id_latitude", "-8.7383")
    page.fill("#id_longitude", "115.1686")
    page.locator("details.action-verify summary").click()
    page.fill("#workflow-note-verify", "NIB dan koordinat dilengkapi.")
    page.locator("details.action-verify").get_by_role("button", name="Verifikasi").click()

    page.wait_for_url(f"**/admin/businesses/business/{business.pk}/change/")
    assert (
        "Perubahan disimpan. Status “Endek Tuban” sekarang Terverifikasi."
        in page.locator("ul.messagelist").inner_text()
    )
    business.refresh_from_db()
    assert business.status == BusinessStatus.VERIFIED
    assert business.nib == "9120001234567"
    assert (str(business.latitude), str(business.longitude)) == ("-8.738300", "115.168600")
    assert business.transitions.get().note == "NIB dan koordinat dilengkapi."
    assert page.input_value("#id_nib") == "9120001234567"


def test_enter_in_a_field_saves_and_takes_no_step(page, submitted_in_badung):
    business = submitted_in_badung
    log_in(page, "operator.badung")
    page.goto(f"/admin/businesses/business/{business.pk}/change/")
    page.fill("#id_main_product", "Kain endek ikat")
    page.press("#id_main_product", "Enter")
    page.wait_for_url("**/admin/businesses/business/")
    business.refresh_from_db()
    assert (business.main_product, business.status) == ("Kain endek ikat", BusinessStatus.SUBMITTED)


def test_the_second_of_two_staff_saving_one_business_is_told_and_keeps_the_input(
    browser, live_server, submitted_in_badung
):
    """Issue 9.2: two staff open the same business; the second save is refused with who changed it, input kept."""
    business = submitted_in_badung
    staff_user(StaffRole.OPERATOR, "51.03", username="made.badung", first_name="Made")
    pages = []
    for username in ("operator.badung", "made.badung"):
        context = browser.new_context(base_url=live_server.url, viewport={"width": 1366, "height": 900})
        tab = context.new_page()
        tab.set_default_timeout(10_000)
        log_in(tab, username)
        tab.goto(f"/admin/businesses/business/{business.pk}/change/")
        pages.append(tab)
    first, second = pages

    first.fill("#id_name", "Endek Tuban Sari")
    first.click("input[name=_continue]")
    first.wait_for_selector("ul.messagelist")

    second.fill("#id_main_product", "Kain endek ikat")
    second.click("input[name=_continue]")
    second.locator("ul.errorlist.nonfield").wait_for()
    assert "Data ini diubah oleh operator.badung pada" in second.locator("ul.errorlist.nonfield").inner_text()
    assert second.input_value("#id_main_product") == "Kain endek ikat"  # kept, not saved
    business.refresh_from_db()
    assert (business.name, business.main_product) == ("Endek Tuban Sari", "Kain batik")

    second.click("input[name=_continue]")  # saving again, knowingly, overwrites
    second.wait_for_selector("ul.messagelist")
    business.refresh_from_db()
    assert (business.name, business.main_product) == ("Endek Tuban", "Kain endek ikat")
    for tab in pages:
        tab.context.close()
