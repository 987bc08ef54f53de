"""Public statistics cannot be differenced over time (issue 9, point 8): the attack itself, read the page, change one
business, read again; and the rules behind it (frozen releases, threshold, p% dominance, inactive businesses)."""

import datetime
import re

import pytest
from django.core.cache import cache
from django.utils import timezone

from businesses.choices import BusinessStatus
from businesses.models import BusinessYear
from businesses.services import business_deactivate, business_publish
from ikm_registry.choices import StaffRole
from tests.factories import BusinessFactory, BusinessYearFactory, staff_user

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()
SETTLED = TODAY.year - 2  # released on 1 July of the next year: always in the past
JUTA = 1_000_000


@pytest.fixture(autouse=True)
def release_rules(settings):
    settings.STATISTICS_RELEASE_MONTHS = 6
    settings.STATISTICS_MIN_BUSINESSES = 3
    settings.STATISTICS_DOMINANCE_P = 10


@pytest.fixture
def registry(bali_regions, kbli):
    """Six published businesses with figures for a settled year and the year after, and an operator of Badung."""
    businesses = []
    for n in range(6):
        business = BusinessFactory(status=BusinessStatus.PUBLISHED, village=bali_regions.tuban, kbli=kbli.batik)
        BusinessYearFactory(
            business=business, year=SETTLED, workforce_male=20 + 3 * n, investment=(400 + 50 * n) * JUTA
        )
        BusinessYearFactory(business=business, year=SETTLED + 1, workforce_male=21 + 3 * n, investment=450 * JUTA)
        businesses.append(business)
    operator = staff_user(StaffRole.OPERATOR, "51.03")
    return businesses, operator


def read_years(client) -> dict[str, list[str]]:
    """The per-year table of /statistik/ as a visitor reads it (cache cleared: a fresh computation every time)."""
    cache.clear()
    content = client.get("/statistik/").content.decode()
    table = content[content.index("Per tahun data") :]
    table = table[: table.index("</table>")]
    rows = {}
    for row in re.findall(r"<tr>(.*?)</tr>", table, re.S):
        header = re.search(r"<th[^>]*>(.*?)</th>", row, re.S)
        if header is None or not header.group(1).strip()[:4].isdigit():
            continue
        year = re.sub(r"<[^>]+>", "", header.group(1)).strip()
        rows[year] = [re.sub(r"<[^>]+>", "", cell).strip() for cell in re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)]
    return rows


def sums(rows: dict[str, list[str]]) -> dict[str, list[str]]:
    """Workforce and investment cells per year."""
    return {year: cells[1:3] for year, cells in rows.items()}


def number(text: str) -> int | None:
    digits = text.replace(".", "")
    return int(digits) if digits.isdigit() else None


def test_publishing_deactivating_or_correcting_one_business_moves_no_public_sum(client, registry, kbli):
    """The differencing attack of the issue: +18 workers and +907 Rp juta appeared when one business was published."""
    businesses, operator = registry
    before = read_years(client)
    assert number(before[str(SETTLED)][1]) == sum(20 + 3 * n for n in range(6)) + 6 * 3  # released: shown

    target = BusinessFactory(status=BusinessStatus.VERIFIED, village=businesses[0].village, kbli=kbli.batik)
    BusinessYearFactory(business=target, year=SETTLED, workforce_male=15, investment=907 * JUTA)
    BusinessYearFactory(business=target, year=SETTLED + 1, workforce_male=15, investment=907 * JUTA)
    business_publish(business=target, actor=operator)
    after_publish = read_years(client)

    business_deactivate(business=businesses[1], actor=operator, note="tutup")
    after_deactivate = read_years(client)

    figures = BusinessYear.objects.get(business=businesses[2], year=SETTLED)
    figures.workforce_male += 40
    figures.investment += 300 * JUTA
    figures.save()
    after_edit = read_years(client)

    for reading in (after_publish, after_deactivate, after_edit):
        assert sums(reading) == sums(before)
        # and no cell anywhere in the table moved by the target's own figures
        for year, cells in reading.items():
            for old, new in zip(before[year], cells, strict=True):
                if number(old) is not None and number(new) is not None:
                    assert abs(number(new) - number(old)) not in (18, 907, 40, 300)


def test_a_year_not_yet_settled_shows_no_sums(client, registry, settings):
    from businesses.models import StatisticsRelease
    from businesses.services.statistics import release_date

    settings.STATISTICS_RELEASE_MONTHS = 13  # SETTLED + 1 is released after TODAY
    assert release_date(SETTLED + 1) > TODAY
    cells = read_years(client)[str(SETTLED + 1)]
    assert cells[1:3] == ["–", "–"]
    assert not StatisticsRelease.objects.filter(year=SETTLED + 1).exists()


def test_a_release_is_made_once_and_later_readings_return_it_unchanged(registry, settings):
    from businesses.services.statistics import statistics_release_make

    businesses, operator = registry
    first = statistics_release_make(year=SETTLED)
    business_deactivate(business=businesses[0], actor=operator)
    BusinessYear.objects.filter(year=SETTLED).update(workforce_male=999)
    settings.STATISTICS_MIN_BUSINESSES = 50  # a later change of the rule does not re-open a release either
    again = statistics_release_make(year=SETTLED)
    assert (again.pk, again.businesses, again.workforce, again.investment) == (
        first.pk,
        first.businesses,
        first.workforce,
        first.investment,
    )


def test_an_inactive_business_stays_in_the_years_it_was_active(client, registry):
    businesses, operator = registry
    business_deactivate(business=businesses[0], actor=operator, note="pindah")
    rows = read_years(client)
    assert rows[str(SETTLED)][0] == "6"
    assert number(rows[str(SETTLED)][1]) == sum(20 + 3 * n for n in range(6)) + 6 * 3
    # ... in the regions below the root too (counts), and out of the current directory.
    cache.clear()
    stats = client.get("/statistik/?wilayah=51.03").context["stats"]
    assert {row["year"]: row["count"] for row in stats["years"]} == {SETTLED: 6, SETTLED + 1: 6}
    assert stats["total"] == 5


def test_a_year_with_too_few_businesses_waits_and_shows_nothing_until_it_has_enough(client, bali_regions, kbli):
    from businesses.models import StatisticsRelease

    operator = staff_user(StaffRole.OPERATOR, "51.03")
    waiting = []
    for n in range(3):
        business = BusinessFactory(status=BusinessStatus.VERIFIED, village=bali_regions.tuban, kbli=kbli.batik)
        BusinessYearFactory(business=business, year=SETTLED, workforce_male=30 + n, investment=500 * JUTA)
        waiting.append(business)
    business_publish(business=waiting[0], actor=operator)
    business_publish(business=waiting[1], actor=operator)
    two = read_years(client)[str(SETTLED)]
    assert two[:3] == ["2", "–", "–"]
    business_publish(business=waiting[2], actor=operator)
    three = read_years(client)[str(SETTLED)]
    assert three[0] == "3" and number(three[1]) == 30 + 31 + 32 + 9
    assert StatisticsRelease.objects.get(year=SETTLED).businesses == 3


def test_a_sum_dominated_by_one_business_is_withheld(client, bali_regions, kbli):
    """p% rule: 2,000 workers beside 4 + 5 + 6 + 7: the others could estimate the largest too closely."""
    for n, workers in enumerate((2000, 4, 5, 6, 7)):
        business = BusinessFactory(status=BusinessStatus.PUBLISHED, village=bali_regions.tuban, kbli=kbli.batik)
        BusinessYearFactory(
            business=business, year=SETTLED, workforce_male=workers, workforce_female=0, investment=(100 + n) * JUTA
        )
    cells = read_years(client)[str(SETTLED)]
    assert cells[0] == "5"
    assert cells[1] == "*"
    assert number(cells[2]) == 510


@pytest.mark.parametrize(
    ("values", "total", "expected"),
    [
        ([100, 5], 110, True),  # the others hold 5 < 10 % of 100
        ([100, 5], 115, False),  # exactly 10 %: enough
        ([0, 0], 0, False),
        ([50, 50], 140, False),
        ([7], 7, True),
    ],
)
def test_p_percent_rule(values, total, expected):
    from businesses.services.statistics import dominated

    assert dominated(values, total, 10) is expected


def test_release_date_follows_the_setting(settings):
    from businesses.services.statistics import release_date

    settings.STATISTICS_RELEASE_MONTHS = 6
    assert release_date(2025) == datetime.date(2026, 7, 1)
    settings.STATISTICS_RELEASE_MONTHS = 0
    assert release_date(2025) == datetime.date(2026, 1, 1)
    settings.STATISTICS_RELEASE_MONTHS = 15
    assert release_date(2025) == datetime.date(2027, 4, 1)
