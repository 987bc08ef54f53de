"""The review workflow in a real Chromium: the Badung operator sends a submitted business back with a note."""

import pytest

from businesses.choices import BusinessStatus
from businesses.models import Business, BusinessTransition
from ikm_registry.choices import StaffRole
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
    assert BusinessTransition.objects.get().note == "Lengkapi NIB dan foto produk."


def test_return_without_a_note_is_stopped_in_the_browser(page, submitted_in_badung):
    business = submitted_in_badung
    log_in(page, "operator.badung")
    page.goto(f"/admin/businesses/business/{business.pk}/change/")
    page.locator("details.action-return summary").click()
    page.locator("details.action-return").get_by_role("button", name="Kembalikan").click()
    # The textarea is required: the browser does not send the form.
    assert page.locator("#workflow-note-return").evaluate("el => el.validity.valueMissing")
    assert Business.objects.get(pk=business.pk).status == BusinessStatus.SUBMITTED
