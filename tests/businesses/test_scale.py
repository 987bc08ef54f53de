"""Scale classes are computed by the database (GeneratedField) from a data year's figures; every threshold both sides.

PP 7/2021: by annual sales (mikro ≤ Rp2 M, kecil ≤ Rp15 M, menengah ≤ Rp50 M), else by modal usaha (≤ Rp1 M,
≤ Rp5 M, ≤ Rp10 M). Permenperin 64/2016: kecil ≤ 19 workers and < Rp1 M; menengah ≤ 19 workers and ≥ Rp1 M, or
≥ 20 workers and ≤ Rp15 M; besar above. BPS by workforce: mikro 1–4, kecil 5–19, sedang 20–99, besar ≥ 100.
"""

import pytest

from businesses.choices import ScaleBps, ScaleIndustry, ScalePp7
from businesses.models import BusinessYear
from tests.factories import BusinessFactory

M = 1_000_000_000  # one miliar rupiah


@pytest.fixture
def business(bali_regions, kbli):
    return BusinessFactory()


@pytest.fixture
def figures(business):
    """Save a data year with the given figures (no defaults for money) and return it as the database computed it."""

    def save(*, male=0, female=0, investment=None, turnover=None) -> BusinessYear:
        row = BusinessYear.objects.create(
            business=business,
            year=2024,
            workforce_male=male,
            workforce_female=female,
            investment=investment,
            turnover=turnover,
        )
        row.refresh_from_db()
        return row

    return save


# --- PP 7/2021 ----------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("turnover", "expected"),
    [
        (0, ScalePp7.MIKRO),
        (2 * M, ScalePp7.MIKRO),
        (2 * M + 1, ScalePp7.KECIL),
        (15 * M, ScalePp7.KECIL),
        (15 * M + 1, ScalePp7.MENENGAH),
        (50 * M, ScalePp7.MENENGAH),
        (50 * M + 1, ScalePp7.BESAR),
    ],
)
def test_pp7_class_by_turnover(figures, turnover, expected):
    assert figures(turnover=turnover).scale_pp7 == expected


@pytest.mark.parametrize(
    ("investment", "expected"),
    [
        (0, ScalePp7.MIKRO),
        (1 * M, ScalePp7.MIKRO),
        (1 * M + 1, ScalePp7.KECIL),
        (5 * M, ScalePp7.KECIL),
        (5 * M + 1, ScalePp7.MENENGAH),
        (10 * M, ScalePp7.MENENGAH),
        (10 * M + 1, ScalePp7.BESAR),
    ],
)
def test_pp7_class_by_investment_when_turnover_is_unknown(figures, investment, expected):
    assert figures(investment=investment).scale_pp7 == expected


def test_pp7_class_is_empty_without_turnover_or_investment(figures):
    assert figures(male=3).scale_pp7 is None


@pytest.mark.parametrize(
    ("investment", "turnover", "expected"),
    [(20 * M, 1 * M, ScalePp7.MIKRO), (100_000_000, 60 * M, ScalePp7.BESAR), (3 * M, 10 * M, ScalePp7.KECIL)],
    ids=["big-investment-small-sales", "small-investment-big-sales", "kecil-both"],
)
def test_pp7_turnover_wins_over_investment(figures, investment, turnover, expected):
    assert figures(investment=investment, turnover=turnover).scale_pp7 == expected


# --- Permenperin 64/2016 ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("workers", "investment", "expected"),
    [
        (0, 0, None),
        (0, 20 * M, None),
        (1, 0, ScaleIndustry.KECIL),
        (19, 1 * M - 1, ScaleIndustry.KECIL),
        (19, 1 * M, ScaleIndustry.MENENGAH),
        (19, 100 * M, ScaleIndustry.MENENGAH),
        (20, 0, ScaleIndustry.MENENGAH),
        (20, 15 * M, ScaleIndustry.MENENGAH),
        (20, 15 * M + 1, ScaleIndustry.BESAR),
        (500, 200 * M, ScaleIndustry.BESAR),
    ],
)
def test_industry_class_by_workers_and_investment(figures, workers, investment, expected):
    assert figures(male=workers, investment=investment).scale_industry == expected


def test_industry_class_is_empty_without_investment(figures):
    assert figures(male=25, turnover=60 * M).scale_industry is None


@pytest.mark.parametrize(
    ("male", "female", "investment", "expected"),
    [
        (10, 9, 1 * M - 1, ScaleIndustry.KECIL),
        (10, 10, 1 * M - 1, ScaleIndustry.MENENGAH),
        (10, 10, 15 * M + 1, ScaleIndustry.BESAR),
        (0, 20, 15 * M + 1, ScaleIndustry.BESAR),
        (0, 19, 1 * M, ScaleIndustry.MENENGAH),
    ],
    ids=["10L+9P-kecil", "10L+10P-menengah", "10L+10P-besar", "20P-besar", "19P-menengah"],
)
def test_industry_class_counts_men_and_women_together(figures, male, female, investment, expected):
    assert figures(male=male, female=female, investment=investment).scale_industry == expected


# --- BPS ----------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("workers", "expected"),
    [
        (0, None),
        (1, ScaleBps.MIKRO),
        (4, ScaleBps.MIKRO),
        (5, ScaleBps.KECIL),
        (19, ScaleBps.KECIL),
        (20, ScaleBps.SEDANG),
        (99, ScaleBps.SEDANG),
        (100, ScaleBps.BESAR),
        (5000, ScaleBps.BESAR),
    ],
)
def test_bps_class_by_workforce(figures, workers, expected):
    assert figures(male=workers).scale_bps == expected


@pytest.mark.parametrize(
    ("male", "female", "expected"),
    [(0, 1, ScaleBps.MIKRO), (2, 3, ScaleBps.KECIL), (10, 10, ScaleBps.SEDANG), (50, 50, ScaleBps.BESAR)],
)
def test_bps_class_counts_men_and_women_together(figures, male, female, expected):
    assert figures(male=male, female=female).scale_bps == expected


@pytest.mark.parametrize(("male", "female"), [(0, 0), (3, 0), (0, 7), (12, 30)])
def test_workforce_total_is_men_plus_women(figures, male, female):
    assert figures(male=male, female=female).workforce_total == male + female


# --- recomputation ------------------------------------------------------------------------------------------------


def test_scale_classes_follow_changed_figures_on_save(figures):
    row = figures(male=3, investment=500_000_000, turnover=1 * M)
    assert (row.scale_pp7, row.scale_industry, row.scale_bps) == (ScalePp7.MIKRO, ScaleIndustry.KECIL, ScaleBps.MIKRO)

    row.workforce_male, row.workforce_female = 15, 10
    row.investment, row.turnover = 20 * M, 60 * M
    row.save()
    row.refresh_from_db()

    assert row.workforce_total == 25
    assert (row.scale_pp7, row.scale_industry, row.scale_bps) == (ScalePp7.BESAR, ScaleIndustry.BESAR, ScaleBps.SEDANG)


def test_scale_classes_follow_a_queryset_update(figures):
    row = figures(male=3, investment=500_000_000, turnover=1 * M)
    BusinessYear.objects.filter(pk=row.pk).update(turnover=None, workforce_female=20)
    row.refresh_from_db()
    assert (row.scale_pp7, row.scale_industry, row.scale_bps) == (
        ScalePp7.MIKRO,
        ScaleIndustry.MENENGAH,
        ScaleBps.SEDANG,
    )


def test_scale_classes_can_be_filtered_in_queries(figures, business):
    figures(male=30, investment=2 * M, turnover=20 * M)
    assert (
        BusinessYear.objects.filter(scale_pp7=ScalePp7.MENENGAH, scale_bps=ScaleBps.SEDANG).get().business == business
    )
