"""The registry's open-data datasets (businesses/datasets.py) against counts made from the base tables: IKM per data
year × kabupaten/kota × KBLI division × BPS scale (businesses that are or were public only), and the workforce and
investment sums taken only from the frozen statistics releases, with what the disclosure rules withhold left out."""

from __future__ import annotations

import csv
import io
import json
from collections import Counter

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from businesses.choices import BusinessStatus
from businesses.datasets import ikm_rows
from businesses.models import BusinessYear, StatisticsRelease
from businesses.services.statistics import COUNTED_STATUSES
from tests.factories import BusinessFactory, BusinessYearFactory

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()
SETTLED = TODAY.year - 2  # its release date (1 July of the next year) has passed
JUTA = 1_000_000


@pytest.fixture(autouse=True)
def rules(settings):
    settings.OPEN_DATA_MAX_AGE = 0
    settings.STATISTICS_RELEASE_MONTHS = 6
    settings.STATISTICS_MIN_BUSINESSES = 3
    settings.STATISTICS_DOMINANCE_P = 10


def body(response) -> str:
    return (b"".join(response.streaming_content) if response.streaming else response.content).decode()


def csv_rows(client, slug: str) -> list[dict]:
    response = client.get(f"/data/{slug}.csv")
    assert response.status_code == 200
    return list(csv.DictReader(io.StringIO(body(response))))


@pytest.fixture
def registry(bali_regions, kbli):
    """Businesses in Badung and Denpasar, batik (division 13) and silver (32), of every status, with figures in two
    years and workforces of each BPS class; an inactive one (closed after being published) counts in its years."""
    plan = [
        # status, village, kbli, {year: workforce}
        (BusinessStatus.PUBLISHED, bali_regions.tuban, kbli.batik, {SETTLED: 3, SETTLED + 1: 6}),
        (BusinessStatus.PUBLISHED, bali_regions.tuban, kbli.batik, {SETTLED: 2}),
        (BusinessStatus.PUBLISHED, bali_regions.munggu, kbli.silver, {SETTLED: 25, SETTLED + 1: 120}),
        (BusinessStatus.PUBLISHED, bali_regions.serangan, kbli.silver, {SETTLED + 1: 4}),
        (BusinessStatus.PUBLISHED, bali_regions.sidakarya, kbli.batik, {}),  # no figures: in no year
        (BusinessStatus.INACTIVE, bali_regions.serangan, kbli.batik, {SETTLED: 8}),
        (BusinessStatus.VERIFIED, bali_regions.sidakarya, kbli.silver, {SETTLED: 1, SETTLED + 1: 1}),
        (BusinessStatus.SUBMITTED, bali_regions.sidakarya, kbli.silver, {SETTLED: 50}),
        (BusinessStatus.DRAFT, bali_regions.kuta_village, kbli.batik, {SETTLED: 1}),
        (BusinessStatus.REJECTED, bali_regions.kuta_village, kbli.batik, {SETTLED: 1}),
    ]
    for status, village, code, years in plan:
        business = BusinessFactory(status=status, village=village, kbli=code)
        for year, workforce in years.items():
            BusinessYearFactory(business=business, year=year, workforce_male=workforce, workforce_female=0)
    return plan


def expected_ikm_counts() -> Counter:
    """The same count made row by row from the base tables."""
    found = Counter()
    for row in BusinessYear.objects.filter(business__status__in=COUNTED_STATUSES).select_related("business"):
        key = (str(row.year), row.business.village_id[:5], row.business.kbli_id[:2], row.scale_bps or "")
        found[key] += 1
    return found


def test_ikm_per_region_division_scale_and_year_equals_the_base_tables(client, registry):
    rows = csv_rows(client, "ikm-wilayah-kbli-skala")
    found = Counter()
    for row in rows:
        found[(row["tahun"], row["kode_wilayah"], row["kode_kbli"], row["skala_usaha"])] += int(row["jumlah_ikm"])
    assert found == expected_ikm_counts()
    assert sum(found.values()) == 7  # six years of published businesses, one of the inactive one
    # the reference codes and their names
    badung = next(row for row in rows if row["kode_wilayah"] == "51.03" and row["kode_kbli"] == "13")
    assert (badung["kode_provinsi"], badung["nama_provinsi"], badung["nama_wilayah"]) == (
        "51",
        "Bali",
        "Kabupaten Badung",
    )
    assert {row["skala_usaha"]: row["nama_skala"] for row in rows} == {
        "mikro": "Mikro", "kecil": "Kecil", "sedang": "Sedang", "besar": "Besar",
    }  # fmt: skip


def test_unpublished_businesses_are_in_no_count(client, registry, bali_regions, kbli):
    before = csv_rows(client, "ikm-wilayah-kbli-skala")
    for status in (BusinessStatus.VERIFIED, BusinessStatus.SUBMITTED, BusinessStatus.DRAFT, BusinessStatus.RETURNED):
        hidden = BusinessFactory(status=status, village=bali_regions.kuta_village, kbli=kbli.silver)
        BusinessYearFactory(business=hidden, year=SETTLED - 3)
    assert csv_rows(client, "ikm-wilayah-kbli-skala") == before


def test_counting_the_ikm_dataset_is_one_grouped_query_whatever_the_size(registry, bali_regions, kbli):
    def queries():
        with CaptureQueriesContext(connection) as captured:
            ikm_rows()
        return len(captured.captured_queries)

    few = queries()
    for _n in range(20):
        business = BusinessFactory(status=BusinessStatus.PUBLISHED, village=bali_regions.munggu, kbli=kbli.batik)
        BusinessYearFactory(business=business, year=SETTLED)
    assert queries() == few == 3  # the groups, the region names, the KBLI titles


# --- the released sums ------------------------------------------------------------------------------------------------


@pytest.fixture
def dominated(bali_regions, kbli):
    """A settled year whose investment is one business's (the p% rule withholds it) and a year not yet released."""
    investments = [900 * JUTA, 3 * JUTA, 2 * JUTA]
    for n, investment in enumerate(investments):
        business = BusinessFactory(status=BusinessStatus.PUBLISHED, village=bali_regions.tuban, kbli=kbli.batik)
        BusinessYearFactory(business=business, year=SETTLED, workforce_male=5 + n, investment=investment)
        BusinessYearFactory(business=business, year=TODAY.year, workforce_male=5 + n, investment=investment)
    return investments


def test_released_sums_are_the_frozen_releases_and_a_withheld_sum_is_absent(client, dominated):
    rows = csv_rows(client, "ikm-tenaga-kerja-investasi")
    release = StatisticsRelease.objects.get(year=SETTLED)
    assert release.investment is None and release.workforce == 27  # the rules, applied by the release itself
    assert [row["tahun"] for row in rows] == [str(SETTLED)]  # this year: not released yet
    row = rows[0]
    assert (row["jumlah_ikm"], row["tenaga_kerja"], row["nilai_investasi_juta"]) == ("3", "27", "")
    assert row["kode_wilayah"] == "51" and row["nama_wilayah"] == "Bali"  # the registry lies in one province
    assert "dirahasiakan" in row["keterangan"]
    live = str(sum(dominated))
    for slug in ("ikm-tenaga-kerja-investasi", "ikm-wilayah-kbli-skala"):
        for extension in ("csv", "json"):
            content = body(client.get(f"/data/{slug}.{extension}"))
            assert live not in content and str(900 * JUTA) not in content
    document = json.loads(body(client.get("/data/ikm-tenaga-kerja-investasi.json")))
    assert document["data"][0]["nilai_investasi_juta"] is None


def test_a_release_does_not_move_when_a_business_changes_afterwards(client, dominated, bali_regions, kbli):
    first = csv_rows(client, "ikm-tenaga-kerja-investasi")
    late = BusinessFactory(status=BusinessStatus.PUBLISHED, village=bali_regions.munggu, kbli=kbli.silver)
    BusinessYearFactory(business=late, year=SETTLED, workforce_male=40, investment=700 * JUTA)
    BusinessYear.objects.filter(year=SETTLED).update(workforce_male=1)
    assert csv_rows(client, "ikm-tenaga-kerja-investasi") == first


def test_released_sums_are_never_per_region(client, dominated, bali_regions, kbli):
    """A second province in the registry: the sums stay one row per year for the whole registry."""
    from tests.factories import make_region

    lombok = BusinessFactory(status=BusinessStatus.PUBLISHED, village=make_region("52.01.01.2001"), kbli=kbli.batik)
    BusinessYearFactory(business=lombok, year=SETTLED - 1, workforce_male=3)
    StatisticsRelease.objects.all().delete()
    rows = csv_rows(client, "ikm-tenaga-kerja-investasi")
    assert [row["tahun"] for row in rows] == [str(SETTLED)]
    assert rows[0]["kode_wilayah"] == "" and rows[0]["nama_wilayah"] == "Seluruh wilayah registri"


def test_a_released_investment_is_in_whole_millions_as_on_the_statistics_page(client, bali_regions, kbli):
    for investment in (40 * JUTA, 41_600_000, 42 * JUTA):
        business = BusinessFactory(status=BusinessStatus.PUBLISHED, village=bali_regions.tuban, kbli=kbli.batik)
        BusinessYearFactory(business=business, year=SETTLED, investment=investment)
    (row,) = csv_rows(client, "ikm-tenaga-kerja-investasi")
    assert StatisticsRelease.objects.get(year=SETTLED).investment == 123_600_000
    assert (row["nilai_investasi_juta"], row["tenaga_kerja"], row["keterangan"]) == ("124", "15", "")


def test_releases_are_made_from_the_distinct_data_years_in_a_few_queries(dominated, bali_regions, kbli):
    """statistics_releases() without years reads the data years itself: once each, not once per yearly row."""
    from businesses.services.statistics import statistics_releases

    for _n in range(10):
        business = BusinessFactory(status=BusinessStatus.PUBLISHED, village=bali_regions.munggu, kbli=kbli.batik)
        BusinessYearFactory(business=business, year=SETTLED)
    with CaptureQueriesContext(connection) as captured:
        releases = statistics_releases()
    assert list(releases) == [SETTLED]
    assert len(captured.captured_queries) < 20
