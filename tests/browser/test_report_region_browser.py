"""The Laporan page's region field in a real Chromium (issue 15): national staff type part of a regency's name, are
offered the matching regions, pick one and download the report for it; no script error or blocked resource on the
way."""

import pytest

from ikm_registry.choices import StaffRole
from tests.browser.conftest import log_in, watch_scripts
from tests.factories import make_region, staff_user


@pytest.fixture
def regions(transactional_db, settings):
    settings.ADMIN_FILTER_OPTIONS_MAX = 3  # more regions than this: searched, not listed
    for code, name in [
        ("51", "Bali"),
        ("51.03", "Kabupaten Badung"),
        ("51.03.01", "Kuta"),
        ("35", "Jawa Timur"),
        ("35.15", "Kabupaten Sidoarjo"),
        ("35.15.01", "Sidoarjo"),
        ("35.15.02", "Tanggulangin"),
        ("35.78", "Kota Surabaya"),
    ]:
        make_region(code, name)
    staff_user(StaffRole.NATIONAL, "31", username="staf.nasional")


def test_staff_type_a_regency_pick_it_and_download_its_report(page, regions):
    problems = watch_scripts(page)
    log_in(page, "staf.nasional")
    page.goto("/admin/laporan/?report=rekap")
    # The page holds the empty choice only: the whole country, named.
    assert page.locator("#id_region option").count() == 1
    assert page.locator("#select2-id_region-container").inner_text().strip() == "Seluruh Indonesia"

    page.click("#id_region + .select2 .select2-selection")
    options = page.locator(".select2-results__option")
    page.locator(".select2-results__option", has_text="Kota Surabaya").wait_for()  # opened: every region, paged
    page.locator(".select2-container--open .select2-search__field").fill("sidoa")
    page.locator(".select2-results__option", has_text="Kota Surabaya").wait_for(state="detached")
    assert options.all_inner_texts() == ["35.15 Kabupaten Sidoarjo", "35.15.01 Kec. Sidoarjo, Kabupaten Sidoarjo"]
    options.first.click()
    assert page.locator("#select2-id_region-container").inner_text().endswith("35.15 Kabupaten Sidoarjo")
    assert page.locator("#id_region").input_value() == "35.15"

    with page.expect_download() as download:
        page.click("#report-form input[type=submit]")
    assert download.value.suggested_filename == "rekapitulasi-ikm-kabupaten-sidoarjo-tahun-2025.pdf"
    assert problems == []
