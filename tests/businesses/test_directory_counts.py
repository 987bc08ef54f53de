"""The stored directory counts (businesses/services/directory_counts.py) and the pages that read them.

The acceptance point of issue 15: the aggregates agree with counts computed from the base tables, on generated data,
after imports, workflow changes and deactivations. The expected counts here are computed independently of the code
under test: plain ORM queries that find a business's kecamatan, regency and province through the Region tree and its
KBLI division and group through the Kbli tree (not the code prefixes the refresh cuts), and a business's latest data
year with a subquery ordered by year.
"""

from __future__ import annotations

import datetime
import io
import random
from io import StringIO
from types import SimpleNamespace

import pytest
from django.core.management import call_command
from django.db import connection
from django.db.models import Avg, Count, OuterRef, Q, Subquery
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from businesses.choices import BusinessStatus
from businesses.models import SENTRA_MIN_MEMBERS, Business, BusinessYear, DirectoryCount, DirectoryCountRun, Sentra
from businesses.selectors import LARGE_STORED_FACETS, SMALL_STORED_FACETS, attention_summary
from businesses.services.directory_counts import (
    directory_counts_due,
    directory_counts_request,
    refresh_directory_counts,
)
from businesses.services.importing import businesses_import
from businesses.services.workflow import (
    business_deactivate,
    business_publish,
    business_reject,
    business_resubmit,
    business_return,
    business_submit,
    business_verify,
)
from businesses.views import _querystring, _querystrings_with
from ikm_registry.choices import RegionLevel, StaffRole
from ikm_registry.models import CreativeSubsector, Region
from tests.business_files import csv_bytes, row
from tests.factories import (
    BusinessFactory,
    BusinessYearFactory,
    SentraFactory,
    UserFactory,
    make_kbli,
    make_region,
    staff_user,
)
from tests.queries import registry_queries

pytestmark = pytest.mark.django_db

S = BusinessStatus
PUBLISHED = S.PUBLISHED
TODAY = timezone.localdate()
YEAR = TODAY.year
HX = {"HX-Request": "true"}

# The path from a business to its region at each level, through the Region tree.
REGION_PATH = {
    RegionLevel.PROVINCE: "village__parent__parent__parent",
    RegionLevel.REGENCY: "village__parent__parent",
    RegionLevel.DISTRICT: "village__parent",
    RegionLevel.VILLAGE: "village",
}
CHILD_LEVEL = {
    None: RegionLevel.PROVINCE,
    RegionLevel.PROVINCE: RegionLevel.REGENCY,
    RegionLevel.REGENCY: RegionLevel.DISTRICT,
    RegionLevel.DISTRICT: RegionLevel.VILLAGE,
}
# From a business to the division and group of its KBLI subclass, through the Kbli tree.
DIVISION = "kbli__parent__parent__parent"
GROUP = "kbli__parent__parent"
FACETS = ("jumlah", "wilayah", "kbli", "subsektor", "skala", "sentra", "desa", "tahun", "status", "kelengkapan",
          "sentra-pp29", "peta", "sentra-total")  # fmt: skip
ACTIVE = [S.SUBMITTED, S.VERIFIED, S.PUBLISHED]


# --- the counts from the base tables ------------------------------------------------------------------------------


def _grouped(queryset, field) -> dict[str, int]:
    rows = queryset.order_by().values_list(field).annotate(n=Count("pk")).order_by()
    return {str(value): n for value, n in rows if value is not None}


def expected_counts(positions: dict | None = None) -> dict[tuple[str, str, str, str], int]:
    """Every count the refresh should store, from the base tables: (region, kbli, facet, value) → count, nothing
    for a count of zero. `positions` receives the mean (latitude, longitude) of each "peta" key."""
    expected: dict[tuple[str, str, str, str], int] = {}
    positions = {} if positions is None else positions

    def put(region, kbli, facet, counts: dict):
        for value, n in counts.items():
            if n:
                expected[region, kbli, facet, value] = n

    latest_scale = Subquery(
        BusinessYear.objects.filter(business=OuterRef("pk")).order_by("-year").values("scale_bps")[:1]
    )
    published = Business.objects.filter(status=PUBLISHED).annotate(latest_scale=latest_scale)
    divisions = sorted(set(_grouped(Business.objects.all(), DIVISION)))
    areas = [("", None, Q())] + [
        (region.code, region.level, Q(**{REGION_PATH[region.level]: region.code}))
        for region in Region.objects.exclude(level=RegionLevel.VILLAGE)
    ]
    for code, level, inside in areas:
        child = REGION_PATH[CHILD_LEVEL[level]]
        for division in ["", *divisions] if level in (None, RegionLevel.PROVINCE) else [""]:
            rows = published.filter(inside)
            if division:
                rows = rows.filter(**{DIVISION: division})
            put(code, division, "jumlah", {"": rows.count()})
            put(code, division, "wilayah", _grouped(rows, child))
            put(code, division, "kbli", _grouped(rows, GROUP if division else DIVISION))
            put(code, division, "subsektor", _grouped(rows, "subsector"))
            put(code, division, "skala", _grouped(rows, "latest_scale"))
            put(code, division, "sentra", _grouped(rows, "sentra"))
            if division:
                continue
            put(code, "", "desa", {"": rows.values("village").distinct().count()})
            figures = BusinessYear.objects.filter(
                business__status__in=[PUBLISHED, S.INACTIVE], business__in=Business.objects.filter(inside)
            )
            put(code, "", "tahun", _grouped(figures, "year"))
            put(code, "", "status", _grouped(Business.objects.filter(inside), "status"))
            everything = Business.objects.filter(inside)
            put(code, "", "kelengkapan", {
                "tanpa-nib": everything.filter(nib="").count(),
                "tanpa-koordinat": everything.filter(Q(latitude=None) | Q(longitude=None)).count(),
                "tanpa-data-tahunan": everything.exclude(years__year__gte=YEAR - 1).count(),
            })  # fmt: skip
            located = rows.filter(latitude__isnull=False, longitude__isnull=False)
            put(code, "", "peta", _grouped(located, child))
            means = located.order_by().values_list(child).annotate(lat=Avg("latitude"), lon=Avg("longitude"))
            for value, latitude, longitude in means.order_by():
                positions[code, "", "peta", value] = (float(latitude), float(longitude))
    put("", "", "sentra-total", {"": Sentra.objects.filter(members__status=PUBLISHED).distinct().count()})
    # Sentra below the PP 29/2018 rule: fewer than SENTRA_MIN_MEMBERS active members of the sentra's KBLI class, kept
    # with that number (zero included) for every region the sentra lies in.
    for sentra in Sentra.objects.select_related("kbli", "village__parent__parent__parent"):
        similar = sentra.members.filter(status__in=ACTIVE, kbli__parent=sentra.kbli.parent_id).count()
        if similar < SENTRA_MIN_MEMBERS:
            district = sentra.village.parent
            for code in ("", district.parent.parent.code, district.parent.code, district.code):
                expected[code, "", "sentra-pp29", str(sentra.pk)] = similar
    return expected


def stored_rows() -> dict[tuple[str, str, str, str], int]:
    return {
        (region, kbli, facet, value): n
        for region, kbli, facet, value, n in DirectoryCount.objects.values_list(
            "region", "kbli", "facet", "value", "count"
        )
    }


def assert_counts_agree():
    positions: dict = {}
    expected, stored = expected_counts(positions), stored_rows()
    missing = {key: n for key, n in expected.items() if key not in stored}
    extra = {key: n for key, n in stored.items() if key not in expected}
    wrong = {key: (stored[key], n) for key, n in expected.items() if key in stored and stored[key] != n}
    assert not missing, f"counts the refresh did not store: {sorted(missing.items())}"
    assert not extra, f"stored counts that the base tables do not have: {sorted(extra.items())}"
    assert not wrong, (
        f"stored counts that disagree with the base tables, key: (stored, expected): {sorted(wrong.items())}"
    )
    stored_positions = {
        (region, kbli, facet, value): (latitude, longitude)
        for region, kbli, facet, value, latitude, longitude in DirectoryCount.objects.filter(facet="peta").values_list(
            "region", "kbli", "facet", "value", "latitude", "longitude"
        )
    }
    assert stored_positions.keys() == positions.keys()
    for key, (latitude, longitude) in positions.items():
        assert stored_positions[key] == (pytest.approx(latitude, abs=1e-6), pytest.approx(longitude, abs=1e-6)), key
    assert not DirectoryCount.objects.exclude(facet="peta").exclude(latitude=None, longitude=None).exists()
    run = DirectoryCountRun.objects.order_by("-computed_at", "-pk").first()
    assert run.published == Business.objects.filter(status=PUBLISHED).count()
    return expected


# --- a generated registry -----------------------------------------------------------------------------------------

# Workforce (male, female) of a data year: no class, mikro, kecil, sedang, besar.
WORKFORCES = [(0, 0), (1, 2), (4, 3), (10, 15), (60, 50)]
STATUS_WEIGHTS = [(PUBLISHED, 10), (S.DRAFT, 2), (S.SUBMITTED, 3), (S.VERIFIED, 3), (S.RETURNED, 1), (S.REJECTED, 1),
                  (S.INACTIVE, 2)]  # fmt: skip


@pytest.fixture
def registry(bali_regions, kbli):
    """About a hundred businesses over two provinces (Bali and NTB), five regencies and seven kecamatan; three KBLI
    divisions; every status; three subsectors and none; three sentra with members of any status in the desa and
    kecamatan of the sentra's regency, and one without members; 0–3 data years each, with workforces of every BPS
    class and none; three in four located. Kabupaten Gianyar has no business at all, Kabupaten Lombok Barat only
    unpublished ones."""
    rng = random.Random(15)
    villages = [
        bali_regions.tuban,
        bali_regions.kuta_village,
        bali_regions.munggu,
        bali_regions.serangan,
        bali_regions.sidakarya,
        make_region("52.01.01.2001"),
        make_region("52.01.02.1003"),
        make_region("52.71.01.1001"),
    ]
    empty = make_region("51.04.01.2001")  # Gianyar: no business
    unpublished_only = make_region("52.02.01.2001")
    codes = [kbli.batik, kbli.printing, kbli.silver, make_kbli("10794"), make_kbli("10792")]
    subsectors = [None, *CreativeSubsector.objects.filter(code__in=["fesyen", "kriya", "kuliner"]).order_by("code")]
    sentra = [
        SentraFactory(name="Sentra Batik Tuban", village=bali_regions.tuban),
        SentraFactory(name="Sentra Perak Serangan", village=bali_regions.serangan, kbli=kbli.silver),
        SentraFactory(name="Sentra Kerupuk Lombok", village=villages[5], kbli=codes[3]),
    ]
    statuses, weights = zip(*STATUS_WEIGHTS, strict=True)
    businesses = []
    for n in range(96):
        village = rng.choice(villages)
        # A sentra's members lie in its regency (the model's rule, checked by the workflow's full_clean()).
        same_regency = [one for one in sentra if one.village_id[:5] == village.code[:5]]
        business = BusinessFactory(
            name=f"Usaha Generasi {n:03d}",
            status=rng.choices(statuses, weights)[0],
            village=village,
            kbli=rng.choice(codes),
            subsector=rng.choice(subsectors),
            sentra=rng.choice([None, *same_regency, *same_regency]) if same_regency else None,
            year_founded=rng.choice([None, 1995, 2010, 2018]),
            with_nib=n % 4 == 0,
            **_coordinates(rng, village),
        )
        for year in sorted(rng.sample(range(YEAR - 4, YEAR), rng.randint(0, 3))):
            male, female = rng.choice(WORKFORCES)
            BusinessYearFactory(business=business, year=year, workforce_male=male, workforce_female=female)
        businesses.append(business)
    # The latest year decides the class: an earlier year with workers does not count when the latest has none.
    late = BusinessFactory(name="Usaha Tanpa Pekerja Terakhir", status=PUBLISHED, village=villages[6], kbli=codes[2])
    BusinessYearFactory(business=late, year=YEAR - 3, workforce_male=50, workforce_female=60)
    BusinessYearFactory(business=late, year=YEAR - 1, workforce_male=0, workforce_female=0)
    empty_sentra = SentraFactory(name="Sentra Tanpa Anggota", village=villages[7], kbli=codes[4])
    for status in (S.DRAFT, S.SUBMITTED, S.VERIFIED):
        BusinessFactory(name=f"Usaha Lombok Barat {status}", status=status, village=unpublished_only, kbli=codes[3])
    return SimpleNamespace(
        businesses=businesses, villages=villages, codes=codes, sentra=sentra, empty=empty, empty_sentra=empty_sentra,
        unpublished_only=unpublished_only, regions=bali_regions,
    )  # fmt: skip


def _coordinates(rng, village) -> dict:
    """A position near the desa's province for three businesses in four, none for the others."""
    if rng.random() < 0.25:
        return {}
    longitude = 115.2 if village.code.startswith("51") else 116.1
    return {
        "latitude": f"{-8.4 - rng.random() * 0.4:.6f}",
        "longitude": f"{longitude + rng.random() * 0.3:.6f}",
    }


def _superuser():
    return UserFactory(username="admin.counts", is_staff=True, is_superuser=True)


def test_generated_registry_covers_what_the_counts_distinguish(registry):
    """The generated data is varied enough for the agreement tests to mean something."""
    statuses = set(Business.objects.values_list("status", flat=True))
    assert statuses == set(S.values)
    published = Business.objects.filter(status=PUBLISHED)
    assert published.values("village__parent__parent__parent").distinct().count() == 2
    assert published.values(DIVISION).distinct().count() == 3
    assert published.exclude(sentra=None).values("sentra").distinct().count() == 3
    scales = set(BusinessYear.objects.filter(business__status=PUBLISHED).values_list("scale_bps", flat=True))
    assert scales == {None, "mikro", "kecil", "sedang", "besar"}
    assert published.filter(years=None).exists()
    similar = {
        sentra.name: sentra.members.filter(status__in=ACTIVE, kbli__parent=sentra.kbli.parent_id).count()
        for sentra in registry.sentra
    }
    assert 0 < sum(n < SENTRA_MIN_MEMBERS for n in similar.values()) < len(similar), similar  # below and above
    assert Business.objects.filter(nib="").exists() and Business.objects.exclude(nib="").exists()


def test_stored_counts_agree_with_the_base_tables(registry):
    refresh_directory_counts()
    expected = assert_counts_agree()
    assert {facet for _region, _kbli, facet, _value in expected} == set(FACETS)
    # A region without businesses has no row; one with only unpublished businesses only the staff's counts.
    regions = {region for region, *_rest in expected}
    assert not {region for region in regions if region.startswith("51.04")}
    lombok_barat = {facet for region, _kbli, facet, _value in expected if region.startswith("52.02")}
    assert lombok_barat == {"status", "kelengkapan"}
    assert not DirectoryCount.objects.filter(region__startswith="51.04").exists()
    # Only a sentra's number of similar members may be zero (no such member: below the rule); no other count is.
    zero = set(DirectoryCount.objects.filter(count=0).values_list("facet", "value"))
    assert ("sentra-pp29", str(registry.empty_sentra.pk)) in zero
    assert {facet for facet, _value in zero} == {"sentra-pp29"}
    # Every stored facet is either read with the others of its region (small) or only when named (a row per sentra).
    written = set(DirectoryCount.objects.values_list("facet", flat=True).distinct())
    assert written <= set(SMALL_STORED_FACETS) | set(LARGE_STORED_FACETS), written
    assert "sentra-total" in written and "sentra" in written


def test_one_query_reads_the_small_stored_facets_of_a_region_once_per_request(client, registry, fresh_pages):
    refresh_directory_counts()
    with CaptureQueriesContext(connection) as queries:
        assert client.get("/statistik/").status_code == 200
    reads = [sql for query in queries.captured_queries if 'FROM "businesses_directorycount"' in (sql := query["sql"])]
    assert len(reads) == 1, reads  # the page's panels read their facets once
    assert "'jumlah'" in reads[0] and "'wilayah'" in reads[0] and "'sentra'" not in reads[0]  # not the rows per sentra


def test_stored_counts_agree_after_imports_workflow_changes_and_deactivations(registry, kbli):
    refresh_directory_counts()
    assert_counts_agree()
    admin = _superuser()

    # 1. An import: new businesses (published, verified, submitted) in both provinces, and an update of a published
    # business matched by its NIB that moves it to another province and KBLI with figures of a new year.
    moved = Business.objects.filter(status=PUBLISHED, sentra=None, village__code__startswith="51.").exclude(nib="")
    moved = moved.order_by("pk").first()
    assert moved is not None
    before = (moved.village_id, moved.kbli_id)
    rows = [
        row(1, status="published", kode_wilayah="52.01.01.2001", kbli="32112"),
        row(2, status="published", kode_wilayah="51.71.01.2007", kbli="10794", tenaga_kerja_laki="60",
            tenaga_kerja_perempuan="50", subsektor_ekraf=""),
        row(3, status="published", kode_wilayah="51.03.02.2001", kbli="13133", tenaga_kerja_laki="",
            tenaga_kerja_perempuan="", nilai_investasi="", omzet_tahunan="", kapasitas_produksi="",
            satuan_kapasitas="", nilai_produksi=""),
        row(4, status="verified", kode_wilayah="52.71.01.1001"),
        row(5, status="submitted", kode_wilayah="51.03.01.1002"),
        row(6, nib=moved.nib, nama_usaha=moved.name, kode_wilayah="52.01.02.1003", kbli="10792",
            tenaga_kerja_laki="120", tenaga_kerja_perempuan="30"),
    ]  # fmt: skip
    result = businesses_import(source=io.BytesIO(csv_bytes(rows)), filename="ikm.csv", user=admin, year=YEAR)
    assert result.written and (result.created, result.updated, result.invalid) == (5, 1, 0), result
    moved.refresh_from_db()
    assert (moved.village_id, moved.kbli_id) == ("52.01.02.1003", "10792") != before
    assert moved.years.order_by("-year").first().scale_bps == "besar"

    # 2. The review workflow, through its services: drafts submitted, verified and published; returned and
    # resubmitted; rejected; verified ones published.
    def first(status, n):
        return list(Business.objects.filter(status=status).order_by("pk")[:n])

    drafts, submitted, verified = first(S.DRAFT, 4), first(S.SUBMITTED, 6), first(S.VERIFIED, 3)
    assert len(drafts) == 4 and len(submitted) == 6 and len(verified) == 3
    for business in drafts:
        business = business_submit(business=business, actor=admin)
        business = business_verify(business=business, actor=admin)
        business_publish(business=business, actor=admin)
    for business in submitted[:2]:
        business = business_return(business=business, actor=admin, note="Lengkapi alamat.")
        business_resubmit(business=business, actor=admin)
    for business in submitted[2:4]:
        business_reject(business=business, actor=admin, note="Bukan IKM.")
    business_return(business=submitted[4], actor=admin, note="Periksa KBLI.")
    for business in verified:
        business_publish(business=business, actor=admin)

    # 3. Deactivations: published businesses close, sentra members among them, and one with figures.
    closing = list(Business.objects.filter(status=PUBLISHED).exclude(sentra=None).order_by("pk")[:3])
    closing += list(Business.objects.filter(status=PUBLISHED, sentra=None).exclude(years=None).order_by("pk")[:2])
    assert len(closing) == 5
    for business in closing:
        business_deactivate(business=business, actor=admin, note="Tutup.")

    before_refresh = stored_rows()
    refresh_directory_counts()
    after = assert_counts_agree()
    assert after != before_refresh  # the changes moved the counts
    assert after["", "", "status", S.INACTIVE] == Business.objects.filter(status=S.INACTIVE).count()


# --- the pages read the stored counts -----------------------------------------------------------------------------


@pytest.fixture
def fresh_pages(settings):
    """No page or count is kept in the cache (PUBLIC_CACHE_SECONDS 0), while the public data version stays: a
    cache.clear() would start a new version and so make every stored count stale."""
    settings.PUBLIC_CACHE_SECONDS = 0


def _touches_stored_counts(url, client) -> tuple:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200, url
    return response, any("businesses_directorycount" in sql for sql in registry_queries(queries))


def _live(client, url):
    """The page counted from the base tables: without a DirectoryCountRun the stored counts never hold."""
    runs = list(DirectoryCountRun.objects.all())
    DirectoryCountRun.objects.all().delete()
    try:
        response = client.get(url)
        assert response.status_code == 200, url
        return response
    finally:
        DirectoryCountRun.objects.bulk_create(runs)


DIRECTORY_URLS = [
    "/direktori/",
    "/direktori/?wilayah=51",
    "/direktori/?wilayah=52",
    "/direktori/?wilayah=51.03",
    "/direktori/?wilayah=52.71",
    "/direktori/?wilayah=51.03.01",
    "/direktori/?wilayah=52.01.02",
    "/direktori/?kbli=13",
    "/direktori/?kbli=32",
    "/direktori/?wilayah=51&kbli=10",
    "/direktori/?wilayah=52&kbli=13",
    "/direktori/?wilayah=51.04",  # a regency without businesses
]


def test_directory_counts_from_the_stored_counts_equal_the_live_ones(client, registry, fresh_pages):
    refresh_directory_counts()
    for url in DIRECTORY_URLS:
        stored, read = _touches_stored_counts(url, client)
        assert read, f"{url} did not read the stored counts"
        live = _live(client, url)
        assert stored.context["count"] == live.context["count"] != None, url  # noqa: E711
        assert stored.context["facets"].keys() == live.context["facets"].keys(), url
        for name, options in live.context["facets"].items():
            assert stored.context["facets"][name] == options, f"{url}: facet {name}"


def test_home_page_from_the_stored_counts_equals_the_live_one(client, registry, fresh_pages):
    refresh_directory_counts()
    stored, read = _touches_stored_counts("/", client)
    assert read
    live = _live(client, "/")
    assert stored.context["counts"] == live.context["counts"]
    assert stored.context["regions"] == live.context["regions"]
    members = [(sentra.pk, sentra.published_member_count) for sentra in live.context["featured_sentra"]]
    assert [(sentra.pk, sentra.published_member_count) for sentra in stored.context["featured_sentra"]] == members
    assert stored.context["counts"]["businesses"] == Business.objects.filter(status=PUBLISHED).count()


STATISTICS_TABLES = ("total", "regions", "divisions", "subsectors", "scales", "years")


def test_statistics_from_the_stored_counts_equal_the_live_ones(client, registry, fresh_pages):
    refresh_directory_counts()
    for wilayah in ("", "51", "52.01", "51.71.01"):
        url = f"/statistik/?wilayah={wilayah}"
        stored, read = _touches_stored_counts(url, client)
        assert read, url
        live = _live(client, url)
        for table in STATISTICS_TABLES:
            assert stored.context["stats"][table] == live.context["stats"][table], f"{url}: {table}"


def test_sentra_pages_count_members_from_the_stored_counts(client, registry, fresh_pages):
    refresh_directory_counts()
    stored = client.get("/sentra/")
    live = _live(client, "/sentra/")
    members = [(sentra.pk, sentra.published_member_count) for sentra in live.context["page"].object_list]
    assert [(sentra.pk, sentra.published_member_count) for sentra in stored.context["page"].object_list] == members
    for sentra in registry.sentra:
        expected = Business.objects.filter(status=PUBLISHED, sentra=sentra).count()
        assert client.get(f"/sentra/{sentra.pk}/").context["sentra"].published_member_count == expected


def _summary(user) -> dict:
    summary = attention_summary(user=user)
    summary.pop("counted_at", None)
    summary["sentra_below_rule"] = [(sentra.pk, sentra.similar_member_count) for sentra in summary["sentra_below_rule"]]
    summary["submitted_oldest"] = [business.pk for business in summary["submitted_oldest"]]
    return summary


def test_admin_home_counts_from_the_stored_counts_equal_the_live_ones(registry):
    users = [
        _superuser(),
        staff_user(StaffRole.PROVINCE, "52"),
        staff_user(StaffRole.OPERATOR, "51.03"),
        staff_user(StaffRole.OPERATOR, "51.71"),
    ]
    live = [_summary(user) for user in users]
    refresh_directory_counts()
    with CaptureQueriesContext(connection) as queries:
        stored = [_summary(user) for user in users]
    assert any("businesses_directorycount" in sql for sql in registry_queries(queries))
    for user, stored_summary, live_summary in zip(users, stored, live, strict=True):
        assert stored_summary.keys() == live_summary.keys()
        for key, value in live_summary.items():
            if key == "sentra_below_rule":  # the first ten by name: ties in name may come in either order
                assert sorted(stored_summary[key]) == sorted(value), (user, key)
            else:
                assert stored_summary[key] == value, (user, key)


@pytest.fixture
def small_registry(bali_regions, kbli):
    """Nine published businesses in Badung and Denpasar (three with figures), and a draft."""
    villages = [bali_regions.tuban, bali_regions.munggu, bali_regions.serangan]
    for n in range(9):
        business = BusinessFactory(
            name=f"Batik Kecil {n}",
            status=PUBLISHED,
            village=villages[n % 3],
            kbli=kbli.batik if n % 2 else kbli.silver,
        )
        if n < 3:
            BusinessYearFactory(business=business, year=YEAR - 1)
    BusinessFactory(name="Batik Draf", status=S.DRAFT, village=bali_regions.tuban)
    return bali_regions


def _publish_one_more(village, django_capture_on_commit_callbacks):
    """A committed change to the public data (the public version moves on when it commits)."""
    with django_capture_on_commit_callbacks(execute=True):
        business = BusinessFactory(name="Batik Baru Terbit", status=PUBLISHED, village=village)
        BusinessYearFactory(business=business, year=YEAR - 1)
    return business


def _page_numbers(client) -> dict:
    directory = client.get("/direktori/?wilayah=51.03")
    home = client.get("/")
    statistics = client.get("/statistik/?wilayah=51.03")  # below the root: no frozen yearly release
    return {
        "directory": directory.context["count"],
        "regencies": {
            option.value: option.count for option in client.get("/direktori/?wilayah=51").context["facets"]["wilayah"]
        },
        "home": home.context["counts"]["businesses"],
        "statistics": statistics.context["stats"]["total"],
        "years": [row["count"] for row in statistics.context["stats"]["years"]],
    }


def test_a_small_registry_counts_live_while_its_stored_counts_are_stale(
    client, small_registry, fresh_pages, django_capture_on_commit_callbacks
):
    refresh_directory_counts()
    before = _page_numbers(client)
    assert before == {"directory": 6, "regencies": {"51.03": 6, "51.71": 3}, "home": 9, "statistics": 6, "years": [2]}
    _publish_one_more(small_registry.tuban, django_capture_on_commit_callbacks)
    assert not directory_counts_due()  # the interval has not passed: the worker will not count yet ...
    after = _page_numbers(client)  # ... and the pages count live meanwhile
    assert after == {"directory": 7, "regencies": {"51.03": 7, "51.71": 3}, "home": 10, "statistics": 7, "years": [3]}
    assert DirectoryCount.objects.get(region="51.03", kbli="", facet="jumlah").count == 6  # still the old rows


def test_a_large_registry_shows_the_stored_counts_until_the_next_refresh(
    client, small_registry, fresh_pages, settings, django_capture_on_commit_callbacks
):
    settings.DIRECTORY_LIVE_COUNT_MAX = 1  # more published businesses than that: too many to count live
    refresh_directory_counts()
    before = _page_numbers(client)
    assert before == {"directory": 6, "regencies": {"51.03": 6, "51.71": 3}, "home": 9, "statistics": 6, "years": [2]}
    added = _publish_one_more(small_registry.tuban, django_capture_on_commit_callbacks)
    page = client.get("/direktori/?wilayah=51.03")
    assert "Batik Baru Terbit" in page.content.decode()  # the list is read fresh ...
    assert _page_numbers(client) == before  # ... the counts are the stored ones, stale until ...
    refresh_directory_counts()  # ... the next refresh
    after = _page_numbers(client)
    assert after == {"directory": 7, "regencies": {"51.03": 7, "51.71": 3}, "home": 10, "statistics": 7, "years": [3]}
    assert added.pk


# --- too many to count, too many sentra ---------------------------------------------------------------------------


def test_more_results_than_the_live_count_limit_are_not_counted(client, small_registry, settings):
    settings.DIRECTORY_LIVE_COUNT_MAX = 4
    response = client.get("/direktori/?wilayah=51")  # the stored counts do not hold yet: counted live
    assert response.context["count"] is None
    content = response.content.decode()
    assert "Lebih dari 4 IKM" in content
    assert len(response.context["page"].object_list) == 9  # the list itself is shown
    facets = response.context["facets"]
    assert facets["subsektor"] and facets["skala"] and facets["wilayah"]  # options to narrow the search ...
    for name, options in facets.items():
        assert all(option.count is None for option in options), name  # ... without counts


def _search_pages(client, url: str) -> list[list[str]]:
    """The names on each page of a directory URL, following its "Berikutnya" cursors to the end."""
    pages, response = [], client.get(url)
    while True:
        assert response.status_code == 200
        page = response.context["page"]
        pages.append([business.name for business in page.object_list])
        if not page.next_cursor:
            return pages
        assert len(pages) < 20, "the pages do not end"
        response = client.get(f"{url}&sesudah={page.next_cursor}")


def test_a_text_search_with_more_matches_than_its_window_says_more_than_and_pages_within_it(
    client, small_registry, settings, fresh_pages
):
    """DIRECTORY_SEARCH_MAX: a text search reads that many matches at most, counts, ranks and pages them; with more
    it says "lebih dari" and its pages end with the window (each match once, in name order)."""
    settings.DIRECTORY_SEARCH_MAX = 4
    settings.DIRECTORY_PAGE_SIZE = 3
    response = client.get("/direktori/?q=batik")
    assert response.context["count"] is None
    assert "Lebih dari 4 IKM" in response.content.decode()
    for name, options in response.context["facets"].items():
        assert all(option.count is None for option in options), name
    pages = _search_pages(client, "/direktori/?q=batik")
    assert [len(page) for page in pages] == [3, 1]
    shown = [name for page in pages for name in page]
    assert len(set(shown)) == 4 and shown == sorted(shown)
    assert set(shown) <= {f"Batik Kecil {n}" for n in range(9)}  # published ones only
    last_page = client.get(
        f"/direktori/?q=batik&sesudah={client.get('/direktori/?q=batik').context['page'].next_cursor}"
    )
    assert "Ini akhir dari 4 IKM yang ditampilkan" in last_page.content.decode()  # ... and says how to find the rest
    assert "Ini akhir dari" not in response.content.decode()  # not before the last page
    # Back from the last page: the first one again.
    last = client.get(f"/direktori/?q=batik&sesudah={client.get('/direktori/?q=batik').context['page'].next_cursor}")
    back = client.get(f"/direktori/?q=batik&sebelum={last.context['page'].previous_cursor}")
    assert [business.name for business in back.context["page"].object_list] == pages[0]


def test_a_text_search_within_its_window_is_counted_and_paged_whole(client, small_registry, settings, fresh_pages):
    settings.DIRECTORY_SEARCH_MAX = 9
    settings.DIRECTORY_PAGE_SIZE = 4
    response = client.get("/direktori/?q=batik")
    assert response.context["count"] == 9
    assert "Lebih dari" not in response.content.decode()
    assert [(option.value, option.count) for option in response.context["facets"]["wilayah"]] == [("51", 9)]
    assert "Ini akhir dari" not in client.get("/direktori/?q=batik&page=3").content.decode()
    pages = _search_pages(client, "/direktori/?q=batik")
    assert [len(page) for page in pages] == [4, 4, 1]
    assert [name for page in pages for name in page] == sorted(f"Batik Kecil {n}" for n in range(9))
    # Another order within the same matches, newest first.
    newest = _search_pages(client, "/direktori/?q=batik&urut=terbaru")
    expected = list(
        Business.objects.filter(status=PUBLISHED).order_by("-created_at", "-pk").values_list("name", flat=True)
    )
    assert [name for page in newest for name in page] == expected


def test_results_within_the_live_count_limit_are_counted_exactly(client, small_registry, settings):
    settings.DIRECTORY_LIVE_COUNT_MAX = 4
    for n in range(2):
        BusinessFactory(name=f"Tenun Ikat {n}", status=PUBLISHED, village=small_registry.munggu)
    response = client.get("/direktori/?q=tenun")
    assert response.context["count"] == 2
    content = response.content.decode()
    assert "Lebih dari" not in content and "2 IKM" in content
    assert [(option.value, option.count) for option in response.context["facets"]["wilayah"]] == [("51", 2)]


@pytest.fixture
def three_sentra(bali_regions, kbli):
    sentra = [SentraFactory(name=f"Sentra {letter}", village=bali_regions.tuban) for letter in "ABC"]
    for one in sentra:
        BusinessFactory(status=PUBLISHED, sentra=one, village=bali_regions.kuta_village)
    return sentra


@pytest.mark.parametrize("stored", [False, True], ids=["live", "stored"])
def test_more_sentra_than_the_options_maximum_offer_none(client, three_sentra, settings, fresh_pages, stored):
    if stored:
        refresh_directory_counts()
    settings.DIRECTORY_SENTRA_OPTIONS_MAX = 3
    assert [option.label for option in client.get("/direktori/").context["facets"]["sentra"]] == [
        "Sentra A",
        "Sentra B",
        "Sentra C",
    ]
    settings.DIRECTORY_SENTRA_OPTIONS_MAX = 2
    for url in ("/direktori/", "/direktori/?wilayah=51.03"):
        response = client.get(url)
        assert response.context["facets"]["sentra"] == [], url
        (field,) = [field for field in response.context["facet_fields"] if field["name"] == "sentra"]
        assert field["options"] == []


def test_a_chosen_sentra_stays_selectable_when_the_sentra_are_too_many_to_offer(client, three_sentra, settings):
    settings.DIRECTORY_SENTRA_OPTIONS_MAX = 2
    chosen = three_sentra[1]
    response = client.get(f"/direktori/?sentra={chosen.pk}")
    assert response.context["count"] == 1
    (field,) = [field for field in response.context["facet_fields"] if field["name"] == "sentra"]
    assert field["selected"] == str(chosen.pk)
    assert [(option.value, option.label) for option in field["options"]] == [(str(chosen.pk), "Sentra B")]
    assert f'<option value="{chosen.pk}" selected>Sentra B</option>' in response.content.decode()


# --- query counts -------------------------------------------------------------------------------------------------


@pytest.fixture
def grow(bali_regions, kbli):
    """Adds published businesses with a sentra, a subsector and figures, over two kecamatan and two divisions."""
    sentra = SentraFactory(name="Sentra Batik Tuban", village=bali_regions.tuban)
    fashion = CreativeSubsector.objects.get(code="fesyen")

    def add(count):
        for _ in range(count):
            n = Business.objects.count()
            business = BusinessFactory(
                name=f"Usaha Batik {n:03d}",
                status=PUBLISHED,
                village=bali_regions.tuban if n % 2 else bali_regions.munggu,
                kbli=kbli.batik if n % 3 else kbli.silver,
                sentra=sentra,
                subsector=fashion,
                latitude="-8.7",
                longitude="115.2",
            )
            BusinessYearFactory(business=business, year=YEAR - 1, workforce_male=n % 7, workforce_female=1)
        refresh_directory_counts()

    return add


STORED_URLS = [
    ("/direktori/", {}),
    ("/direktori/?wilayah=51", {}),
    ("/direktori/?wilayah=51.03", {}),
    ("/direktori/?wilayah=51.03.01", {}),
    ("/direktori/?kbli=13", {}),
    ("/direktori/?wilayah=51&kbli=32", {}),
    ("/direktori/?wilayah=51.03", HX),
    ("/", {}),
    ("/statistik/", {}),
    ("/statistik/?wilayah=51.03.02", {}),
]


def _stored_queries(client, url, headers) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url, headers=headers)
    assert response.status_code == 200, url
    queries = registry_queries(captured)
    assert any("businesses_directorycount" in sql for sql in queries), f"{url} did not read the stored counts"
    return len(queries)


def test_directory_queries_from_the_stored_counts_do_not_grow_with_the_number_of_businesses(client, grow, fresh_pages):
    grow(3)
    for url, headers in STORED_URLS:  # first requests may load things once per process
        _stored_queries(client, url, headers)
    few = [_stored_queries(client, url, headers) for url, headers in STORED_URLS]
    grow(30)
    many = [_stored_queries(client, url, headers) for url, headers in STORED_URLS]
    assert many == few


# --- when the counts are made -------------------------------------------------------------------------------------


def test_counts_are_due_after_a_change_once_the_interval_passed(
    small_registry, settings, django_capture_on_commit_callbacks
):
    settings.DIRECTORY_COUNTS_INTERVAL_SECONDS = 600
    assert directory_counts_due()  # never counted
    run = refresh_directory_counts(force=False)
    assert run is not None and run.published == 9
    assert not directory_counts_due()
    assert refresh_directory_counts(force=False) is None
    assert not directory_counts_due(now=run.computed_at + datetime.timedelta(days=1))  # nothing changed
    _publish_one_more(small_registry.tuban, django_capture_on_commit_callbacks)
    assert not directory_counts_due(now=run.computed_at + datetime.timedelta(seconds=599))
    assert directory_counts_due(now=run.computed_at + datetime.timedelta(seconds=600))
    assert refresh_directory_counts(force=False) is None  # now: within the interval
    settings.DIRECTORY_COUNTS_INTERVAL_SECONDS = 0
    assert directory_counts_due()
    again = refresh_directory_counts(force=False)
    assert again is not None and again.published == 10
    assert not directory_counts_due()


def test_a_request_makes_the_counts_due_at_once(small_registry, settings, django_capture_on_commit_callbacks):
    settings.DIRECTORY_COUNTS_INTERVAL_SECONDS = 600
    refresh_directory_counts()
    _publish_one_more(small_registry.tuban, django_capture_on_commit_callbacks)
    assert not directory_counts_due()
    directory_counts_request()
    assert directory_counts_due()
    assert refresh_directory_counts(force=False).published == 10
    assert not directory_counts_due()
    _publish_one_more(small_registry.munggu, django_capture_on_commit_callbacks)
    assert not directory_counts_due()  # the request was used up by the refresh


def test_a_request_without_a_change_counts_nothing(small_registry, settings):
    settings.DIRECTORY_COUNTS_INTERVAL_SECONDS = 0
    refresh_directory_counts()
    directory_counts_request()
    assert not directory_counts_due()
    assert refresh_directory_counts(force=False) is None


def test_an_import_asks_for_a_count(small_registry, settings, django_capture_on_commit_callbacks):
    settings.DIRECTORY_COUNTS_INTERVAL_SECONDS = 600
    refresh_directory_counts()
    with django_capture_on_commit_callbacks(execute=True):
        result = businesses_import(
            source=io.BytesIO(csv_bytes([row(7, status="published")])),
            filename="ikm.csv",
            user=_superuser(),
            year=YEAR,
        )
    assert result.written
    assert directory_counts_due()
    assert refresh_directory_counts(force=False).published == 10


@pytest.fixture
def worker_module(monkeypatch):
    """db_worker's module, keeping the test's connection (and transaction) when the periodic thread ticks."""
    from ikm_registry.management.commands import db_worker

    monkeypatch.setattr(db_worker, "close_old_connections", lambda: None)
    return db_worker


def test_the_workers_periodic_thread_refreshes_the_counts_when_due(
    worker_module, small_registry, settings, django_capture_on_commit_callbacks
):
    from ikm_registry.jobs import periodic_work

    assert "businesses.directory_counts" in {work.key for work in periodic_work()}
    settings.DIRECTORY_COUNTS_CHECK_SECONDS = 60
    periodic = worker_module.Periodic("w")
    periodic.tick()  # never counted: counts
    assert list(DirectoryCountRun.objects.values_list("published", flat=True)) == [9]
    _publish_one_more(small_registry.tuban, django_capture_on_commit_callbacks)
    directory_counts_request()
    periodic.tick()  # not yet DIRECTORY_COUNTS_CHECK_SECONDS since the last check
    assert DirectoryCountRun.objects.count() == 1
    settings.DIRECTORY_COUNTS_CHECK_SECONDS = 0
    periodic.tick()
    assert sorted(DirectoryCountRun.objects.values_list("published", flat=True)) == [9, 10]
    periodic.tick()  # checked again: nothing due
    assert DirectoryCountRun.objects.count() == 2


def test_a_failing_periodic_work_is_logged_and_tried_again(
    worker_module, small_registry, settings, monkeypatch, caplog
):
    settings.DIRECTORY_COUNTS_CHECK_SECONDS = 0

    def broken(**kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr("businesses.services.directory_counts.refresh_directory_counts", broken)
    periodic = worker_module.Periodic("w")
    periodic.tick()
    assert "Periodic work businesses.directory_counts failed" in caplog.text and "disk full" in caplog.text
    monkeypatch.undo()
    monkeypatch.setattr(worker_module, "close_old_connections", lambda: None)
    periodic.tick()
    assert DirectoryCountRun.objects.count() == 1


def test_the_refresh_command_counts_always_or_only_when_due(
    small_registry, settings, django_capture_on_commit_callbacks
):
    def command(*args) -> str:
        out = StringIO()
        call_command("refresh_directory_counts", *args, stdout=out)
        return out.getvalue()

    settings.DIRECTORY_COUNTS_INTERVAL_SECONDS = 600
    assert "9 IKM terbit" in command("--if-due")  # never counted: due
    assert "masih berlaku" in command("--if-due")
    assert DirectoryCountRun.objects.count() == 1
    assert "9 IKM terbit" in command()  # without --if-due: always
    assert DirectoryCountRun.objects.count() == 2
    _publish_one_more(small_registry.tuban, django_capture_on_commit_callbacks)
    assert "masih berlaku" in command("--if-due")  # changed, but within the interval
    settings.DIRECTORY_COUNTS_INTERVAL_SECONDS = 0
    assert "10 IKM terbit" in command("--if-due")
    assert DirectoryCount.objects.get(region="", kbli="", facet="jumlah").count == 10


@pytest.mark.parametrize(
    "query",
    [
        "tampilan=peta",
        "q=batik+tulis&wilayah=35&kbli=13&tampilan=peta&page=3",
        "wilayah=51&subsektor=kriya&subsektor=fesyen&urut=-nama&sesudah=abc&tampilan=peta&utm_source=x",
        "q=%3Cb%3E%26wilayah%3D1&sentra=7",
    ],
)
def test_map_cluster_links_are_the_directorys_own_links_to_each_region(rf, query):
    """The map's cluster links, built at once for all regions, equal _querystring's link for each."""
    request = rf.get(f"/direktori/?{query}")
    codes = ["35.15", "51.03.01", "11"]
    drop = ("page", "sesudah", "sebelum")
    assert _querystrings_with(request, "wilayah", codes, drop=drop) == [
        _querystring(request, drop=drop, wilayah=code) for code in codes
    ]
