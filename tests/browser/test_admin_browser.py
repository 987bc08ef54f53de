"""The admin as an operator uses it, in a real Chromium: log in, the home page, the scoped list, autocomplete."""

import pytest

from businesses.choices import BusinessStatus
from ikm_registry.choices import StaffRole
from tests.browser.conftest import log_in
from tests.factories import BusinessFactory, SentraFactory, make_kbli, make_village, staff_user


@pytest.fixture
def badung_and_denpasar(transactional_db):
    tuban = make_village("51.03.01.1001", "Tuban")
    serangan = make_village("51.71.01.1001", "Serangan")
    make_kbli("13134")
    BusinessFactory(name="Batik Tuban", village=tuban, status=BusinessStatus.PUBLISHED)
    BusinessFactory(name="Endek Tuban", village=tuban, status=BusinessStatus.SUBMITTED)
    BusinessFactory(name="Batik Serangan", village=serangan, status=BusinessStatus.SUBMITTED)
    SentraFactory(name="Sentra Batik Tuban", village=tuban)
    staff_user(StaffRole.OPERATOR, "51.03", username="operator.badung")
    staff_user(StaffRole.PROVINCE, "51", username="staf.bali")


def test_operator_home_shows_own_queue(page, badung_and_denpasar):
    log_in(page, "operator.badung")
    attention = page.locator("section.attention")
    assert "Kabupaten Badung" in attention.inner_text()
    submitted = attention.locator("a.status-submitted .count").inner_text()
    assert submitted == "1"  # Endek Tuban; Batik Serangan belongs to Denpasar
    assert "Endek Tuban" in attention.inner_text()
    assert "Batik Serangan" not in attention.inner_text()


def test_operator_list_is_scoped_and_searchable(page, badung_and_denpasar):
    log_in(page, "operator.badung")
    page.goto("/admin/businesses/business/")
    rows = page.locator("#result_list tbody tr")
    assert rows.count() == 2
    assert "Batik Serangan" not in page.locator("#result_list").inner_text()
    page.fill("#searchbar", "endek")
    page.press("#searchbar", "Enter")
    page.wait_for_url("**q=endek**")
    assert page.locator("#result_list tbody tr").count() == 1


def test_village_autocomplete_is_scoped(page, badung_and_denpasar):
    log_in(page, "operator.badung")
    page.goto("/admin/businesses/business/add/")
    page.click(".field-village .select2-selection")
    search = page.locator(".select2-container--open .select2-search__field")
    search.fill("Serangan")
    page.wait_for_selector(".select2-results__message")
    assert page.locator(".select2-results__option--highlighted, .select2-results__option[role=option]").count() == 0
    search.fill("Tuban")
    option = page.locator(".select2-results__option", has_text="Tuban")
    option.first.wait_for()
    assert "Kabupaten Badung" in option.first.inner_text()
    option.first.click()
    assert "Tuban" in page.locator("#select2-id_village-container").inner_text()


def test_province_staff_sees_both_regencies(page, badung_and_denpasar):
    log_in(page, "staf.bali")
    page.goto("/admin/businesses/business/")
    text = page.locator("#result_list").inner_text()
    assert "Batik Serangan" in text and "Batik Tuban" in text
    # Province staff choose a regency in the filter sidebar.
    page.locator("#changelist-filter").get_by_role("link", name="Kota Denpasar").click()
    page.wait_for_url("**kabupaten=51.71**")
    page.wait_for_load_state()
    assert page.locator("#result_list tbody tr").count() == 1


def test_english_browser_sees_indonesian_until_switching(page, badung_and_denpasar):
    # Chromium sends Accept-Language from the context locale; an English browser still gets Indonesian.
    page.context.set_extra_http_headers({"Accept-Language": "en-US,en;q=0.9"})
    log_in(page, "operator.badung")
    assert page.locator("#attention-title").inner_text() == "Perlu perhatian"
    page.get_by_role("button", name="English").click()
    page.wait_for_load_state()
    assert page.locator("#attention-title").inner_text() == "Needs attention"
    page.get_by_role("button", name="Bahasa Indonesia").click()
    page.wait_for_load_state()
    assert page.locator("#attention-title").inner_text() == "Perlu perhatian"
