"""The admin's business list at office screen widths (issue 13, point 7): the status column is whole and inside the
window at 1280 and 1366 px for province staff (who also get a kabupaten/kota column) and for an operator; the
kabupaten/kota column shows for province staff only."""

import pytest

from businesses.choices import BusinessStatus
from ikm_registry.choices import StaffRole
from tests.browser.conftest import log_in
from tests.factories import BusinessFactory, BusinessYearFactory, SentraFactory, make_region, make_village, staff_user

# Long, real names in every text column: the widths at which the status column was cut off.
VILLAGES = [
    ("51.03.01.1001", "Tuban", "51.03.01", "Kuta"),
    ("51.03.02.2001", "Munggu", "51.03.02", "Mengwi"),
    ("51.71.02.1004", "Padangsambian Kelod", "51.71.02", "Denpasar Barat"),
    ("51.07.05.2001", "Seraya Timur", "51.07.05", "Karangasem"),
    ("51.04.07.2003", "Manukaya", "51.04.07", "Tampaksiring"),
]
REGENCIES = {"51.07": "Kabupaten Karangasem", "51.04": "Kabupaten Gianyar"}


@pytest.fixture
def bali_list(transactional_db):
    for code, name in REGENCIES.items():
        make_region(code, name)
    villages = []
    for village_code, village_name, district_code, district_name in VILLAGES:
        make_region(district_code, district_name)
        villages.append(make_village(village_code, village_name))
    sentra = SentraFactory(name="Sentra IKM Tenun Songket Sidemen", village=villages[0])
    statuses = list(BusinessStatus.values) * 3
    for number, status in enumerate(statuses):
        business = BusinessFactory(
            name=f"UD Kerajinan Perak Tradisional Kesimantara {number}",
            village=villages[number % len(villages)],
            status=status,
            sentra=sentra if number % 4 == 0 else None,
            owner__name=f"Ni Luh Putu Ariani Kusumawardhani {number}",
        )
        BusinessYearFactory(business=business, workforce_male=12 + number, workforce_female=30)
    staff_user(StaffRole.PROVINCE, "51", username="staf.bali")
    staff_user(StaffRole.OPERATOR, "51.03", username="operator.badung")


MEASURE = """() => {
  const box = document.querySelector('#changelist-form .results').getBoundingClientRect();
  return [...document.querySelectorAll('#result_list td.field-status')].map(cell => {
    const rect = cell.getBoundingClientRect();
    return {text: cell.innerText.trim(), left: rect.left, right: rect.right, width: rect.width,
            scrollWidth: cell.scrollWidth, clientWidth: cell.clientWidth, boxLeft: box.left, boxRight: box.right};
  });
}"""


@pytest.mark.parametrize("width", [1280, 1366])
@pytest.mark.parametrize("username", ["staf.bali", "operator.badung"])
def test_the_status_column_is_whole_and_inside_the_window(browser, live_server, bali_list, username, width):
    context = browser.new_context(base_url=live_server.url, viewport={"width": width, "height": 900}, locale="id-ID")
    page = context.new_page()
    page.set_default_timeout(10_000)
    try:
        log_in(page, username)
        page.goto("/admin/businesses/business/")
        cells = page.evaluate(MEASURE)
        assert cells, "no rows listed"
        labels = {cell["text"] for cell in cells}
        assert {"Terverifikasi", "Dikembalikan", "Tidak aktif", "Terbit"} <= labels
        for cell in cells:
            assert cell["width"] > 0
            assert cell["scrollWidth"] <= cell["clientWidth"], f"{cell['text']} does not fit its cell: {cell}"
            assert 0 <= cell["left"] and cell["right"] <= width, f"{cell['text']} is outside the window: {cell}"
            # Not under the edge of the list's box, which scrolls sideways rather than widen the page.
            assert cell["boxLeft"] <= cell["left"] and cell["right"] <= cell["boxRight"] + 0.5, cell
        assert page.evaluate("document.documentElement.scrollWidth") <= width
    finally:
        context.close()


def test_province_staff_read_each_rows_kabupaten_and_an_operator_does_not(page, bali_list):
    log_in(page, "staf.bali")
    page.goto("/admin/businesses/business/")
    assert page.locator("#result_list th.column-regency").inner_text().strip().lower() == "kabupaten/kota"
    regencies = set(page.locator("#result_list td.field-regency").all_inner_texts())
    assert {"Kabupaten Badung", "Kota Denpasar", "Kabupaten Karangasem", "Kabupaten Gianyar"} <= regencies

    page.context.clear_cookies()
    log_in(page, "operator.badung")
    page.goto("/admin/businesses/business/")
    assert page.locator("#result_list tbody tr").count() > 0
    assert page.locator("#result_list th.column-regency, #result_list td.field-regency").count() == 0
