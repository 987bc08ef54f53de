"""The business list's sentra filter in a real Chromium (issue 15, point 5): the staff member types in it, is offered
the sentra of their own region only, picks one, reads its name in the filter and the list of its members, and clears
it again; no script error or blocked resource on the way."""

import pytest

from ikm_registry.choices import StaffRole
from tests.browser.conftest import log_in, watch_scripts
from tests.factories import BusinessFactory, SentraFactory, make_kbli, make_region, make_village, staff_user


@pytest.fixture
def bali_and_jatim(transactional_db):
    tuban = make_village("51.03.01.1001", "Tuban")
    make_region("35.15", "Kabupaten Sidoarjo")
    sidoarjo = make_village("35.15.01.2001", "Tanggulangin")
    kbli = make_kbli("13134")
    bali_sentra = SentraFactory(name="Sentra Batik Tuban", village=tuban, kbli=kbli)
    SentraFactory(name="Sentra Tenun Tuban", main_product="Tenun ikat", village=tuban, kbli=kbli)
    jatim_sentra = SentraFactory(name="Sentra Batik Sidoarjo", village=sidoarjo, kbli=kbli)
    BusinessFactory(name="Anggota Batik Tuban", village=tuban, sentra=bali_sentra)
    BusinessFactory(name="Endek Tuban", village=tuban)
    BusinessFactory(name="Batik Tanggulangin", village=sidoarjo, sentra=jatim_sentra)
    staff_user(StaffRole.PROVINCE, "51", username="staf.bali")
    return {"sentra": bali_sentra}


def test_staff_type_in_the_sentra_filter_and_pick_a_sentra(page, bali_and_jatim):
    problems = watch_scripts(page)
    log_in(page, "staf.bali")
    page.goto("/admin/businesses/business/")
    assert page.locator("#result_list tbody tr").count() == 2

    page.click("#changelist-filter-sentra + .select2 .select2-selection")
    options = page.locator(".select2-results__option")
    page.locator(".select2-results__option", has_text="Sentra Tenun Tuban").wait_for()
    # Opened: the first sentra of the region by name, never Jawa Timur's "Sentra Batik Sidoarjo".
    assert options.all_inner_texts() == ["Sentra Batik Tuban", "Sentra Tenun Tuban"]
    page.locator(".select2-container--open .select2-search__field").fill("batik")
    page.locator(".select2-results__option", has_text="Sentra Tenun Tuban").wait_for(state="detached")
    assert options.all_inner_texts() == ["Sentra Batik Tuban"]  # "batik" also names Sidoarjo's sentra
    options.first.click()

    page.wait_for_url(f"**sentra={bali_and_jatim['sentra'].pk}**")
    page.wait_for_load_state()
    assert page.locator("#result_list tbody th.field-name").all_inner_texts() == ["Anggota Batik Tuban"]
    assert page.locator("#result_list tbody tr").count() == 1
    assert page.locator("#select2-changelist-filter-sentra-container").inner_text().endswith("Sentra Batik Tuban")

    page.click("#changelist-filter-sentra + .select2 .select2-selection__clear")
    page.wait_for_url(lambda url: "sentra=" not in url)
    page.wait_for_load_state()
    assert page.locator("#result_list tbody tr").count() == 2
    assert problems == []
