"""Admin change pages at the widths officials' laptops have (1280 and 1366 px): nothing pushes the page sideways."""

import pytest

from businesses.choices import BusinessStatus
from ikm_registry.choices import StaffRole
from tests.browser.conftest import log_in
from tests.factories import BusinessFactory, BusinessYearFactory, make_kbli, make_village, staff_user


@pytest.fixture
def business(transactional_db):
    tuban = make_village("51.03.01.1001", "Tuban")
    make_kbli("13134")
    staff_user(StaffRole.OPERATOR, "51.03", username="operator.badung")
    business = BusinessFactory(name="Endek Sari", village=tuban, status=BusinessStatus.SUBMITTED)
    for year, money in ((2024, 146_000_000_000), (2025, 156_000_000_000)):  # large figures: the widest inputs
        BusinessYearFactory(business=business, year=year, investment=money, turnover=money, production_value=money)
    return business


@pytest.mark.parametrize("width", [1280, 1366])
def test_the_business_change_page_fits(page, business, width):
    page.set_viewport_size({"width": width, "height": 900})
    log_in(page, "operator.badung")
    page.goto(f"/admin/businesses/business/{business.pk}/change/")
    widths = page.evaluate("[document.documentElement.scrollWidth, document.documentElement.clientWidth]")
    assert widths[0] <= widths[1], widths
    # the yearly figures' last column (delete) is inside the page, not scrolled away
    box = page.locator("#years-group tbody tr.form-row").first.locator("td.delete").bounding_box()
    assert box is not None and box["x"] + box["width"] <= width
