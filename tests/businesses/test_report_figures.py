"""The stored report figures (businesses/services/report_figures.py): the rekap and the pertumbuhan of Indonesia, a
province or a regency read from them equal the same reports counted live from the yearly rows, on generated data and
after workflow changes and deactivations; the disclosure rules give the same verdict; a national report (no region)
is offered to national staff only; a report from figures older than the data says when they were counted."""

from __future__ import annotations

import random

import pytest
from django.core.management import call_command
from django.db import connection
from django.db.models import Count, Max, Min, Sum
from django.test.utils import CaptureQueriesContext

from businesses.choices import BusinessStatus
from businesses.models import Business, BusinessYear, ReportFigure
from businesses.reports import growth as growth_module
from businesses.reports import rekap as rekap_module
from businesses.reports.growth import GrowthForm, GrowthReport, growth_cells, growth_figures
from businesses.reports.rekap import RekapForm, RekapReport, rekap_cells, rekap_discloses, rekap_figures
from businesses.services.directory_counts import refresh_directory_counts
from businesses.services.report_figures import cell_discloses, report_figures_run
from businesses.services.workflow import business_deactivate, business_publish, business_submit, business_verify
from ikm_registry.choices import StaffRole
from ikm_registry.models import Region
from tests.businesses.test_directory_counts import YEAR, _superuser, registry  # noqa: F401 - the fixture
from tests.factories import SYSTEM, BusinessFactory, BusinessYearFactory, staff_user
from tests.reports import pdf_text

pytestmark = pytest.mark.django_db

S = BusinessStatus
REGIONS = (None, "51", "52", "51.03", "52.01")
# Data years of the generated registry: YEAR − 4 to YEAR − 1.
YEARS = range(YEAR - 4, YEAR)


@pytest.fixture
def figures_registry(registry):  # noqa: F811 - the fixture imported above
    """The generated registry of test_directory_counts with investment and production values that vary: some not
    reported, zeros, equal largest values, and a few that dominate their region."""
    rng = random.Random(6)
    rows = list(BusinessYear.objects.order_by("pk"))
    for row in rows:
        row.investment = rng.choice([None, 0, 1_000_000, 5_000_000, 5_000_000, rng.randint(1, 90) * 1_000_000])
        row.production_value = rng.choice([None, 2_000_000, rng.randint(1, 500) * 1_000_000, 9_000_000_000])
    BusinessYear.objects.bulk_update(rows, ["investment", "production_value"])
    return registry


def region(code):
    return Region.objects.get(code=code) if code else None


def live(monkeypatch, module):
    """Make `module` count live whatever is stored."""
    monkeypatch.setattr(module, "report_figures_run", lambda **kwargs: None)


def stored_and_live_rekap(monkeypatch, code, year, user=SYSTEM):
    stored_cells, run = rekap_cells(region=region(code), year=year, user=user)
    with monkeypatch.context() as patch:
        live(patch, rekap_module)
        live_cells, no_run = rekap_cells(region=region(code), year=year, user=user)
    assert no_run is None
    return (stored_cells, run), live_cells


def assert_reports_agree(monkeypatch):
    for code in REGIONS:
        for year in YEARS:
            (stored, run), counted = stored_and_live_rekap(monkeypatch, code, year)
            assert run is not None, (code, year)
            assert rekap_figures(region=region(code), year=year, user=SYSTEM, cells=stored) == rekap_figures(
                region=region(code), year=year, user=SYSTEM, cells=counted
            ), (code, year)
            assert rekap_discloses(stored) == rekap_discloses(counted), (code, year)
        for year_from, year_to in ((YEAR - 3, YEAR - 1), (YEAR - 2, YEAR - 2), (YEAR - 3, YEAR)):
            stored, run = growth_cells(region=region(code), year_from=year_from, year_to=year_to, user=SYSTEM)
            assert run is not None, (code, year_from, year_to)
            with monkeypatch.context() as patch:
                live(patch, growth_module)
                counted = growth_figures(region=region(code), year_from=year_from, year_to=year_to, user=SYSTEM)
            from_stored = growth_figures(
                region=region(code), year_from=year_from, year_to=year_to, user=SYSTEM, cells=stored
            )
            assert from_stored == counted, (code, year_from, year_to)


def test_generated_figures_cover_what_the_reports_distinguish(figures_registry):
    counted = BusinessYear.objects.filter(business__status__in=[S.VERIFIED, S.PUBLISHED, S.INACTIVE])
    assert set(counted.values_list("business__status", flat=True)) == {S.VERIFIED, S.PUBLISHED, S.INACTIVE}
    assert set(counted.values_list("year", flat=True)) == set(YEARS)
    assert counted.filter(investment=None).exists() and counted.filter(investment=0).exists()
    assert counted.filter(production_value=None).exists()
    assert {code[:2] for code in counted.values_list("business__village_id", flat=True)} == {"51", "52"}


def test_stored_reports_equal_the_live_ones(figures_registry, monkeypatch):
    refresh_directory_counts()
    assert ReportFigure.objects.filter(facet="wilayah").exists()
    assert_reports_agree(monkeypatch)


def test_stored_reports_agree_after_workflow_changes_and_deactivations(figures_registry, monkeypatch):
    refresh_directory_counts()
    before = sorted(ReportFigure.objects.values_list("facet", "region", "value", "status", "year", "businesses"))
    admin = _superuser()
    for business in Business.objects.filter(status=S.DRAFT).exclude(years=None).order_by("pk")[:3]:
        business = business_submit(business=business, actor=admin)
        business = business_verify(business=business, actor=admin)
        business_publish(business=business, actor=admin)
    for business in Business.objects.filter(status=S.PUBLISHED).exclude(years=None).order_by("pk")[:4]:
        business_deactivate(business=business, actor=admin, note="Tutup.")
    new = BusinessFactory(status=S.VERIFIED, village=figures_registry.villages[5], year_founded=None)
    BusinessYearFactory(business=new, year=YEAR - 2, workforce_male=3, workforce_female=4, investment=7_000_000)

    refresh_directory_counts()
    after = sorted(ReportFigure.objects.values_list("facet", "region", "value", "status", "year", "businesses"))
    assert after != before  # the changes moved the figures
    assert_reports_agree(monkeypatch)


def test_stored_sums_match_a_direct_count(figures_registry):
    """Independent of both paths: the province rows of a national rekap against plain ORM sums through the Region
    tree."""
    refresh_directory_counts()
    year = YEAR - 1
    figures = rekap_figures(region=None, year=year, user=SYSTEM)
    rows = BusinessYear.objects.filter(year=year, business__status__in=[S.VERIFIED, S.PUBLISHED])
    expected = {
        row["business__village__parent__parent__parent"]: row
        for row in rows.values("business__village__parent__parent__parent").annotate(
            n=Count("pk"), investment=Sum("investment"), workforce=Sum("workforce_total")
        )
    }
    found = {row["code"]: row for row in figures["regions"] if row["ikm"]}
    assert set(found) == set(expected) == {"51", "52"}
    for code, row in found.items():
        assert (row["ikm"], row["investment"], row["workforce"]) == (
            expected[code]["n"],
            expected[code]["investment"],
            expected[code]["workforce"],
        )


@pytest.mark.parametrize(("minimum", "p"), [(1, 0), (3, 10), (5, 50), (50, 10)])
def test_disclosure_from_the_stored_figures_follows_the_live_rules(figures_registry, monkeypatch, settings, minimum, p):
    settings.STATISTICS_MIN_BUSINESSES, settings.STATISTICS_DOMINANCE_P = minimum, p
    refresh_directory_counts()
    verdicts = set()
    for code in ("51", "51.03", None):
        (stored, _run), counted = stored_and_live_rekap(monkeypatch, code, YEAR - 1)
        assert rekap_discloses(stored) == rekap_discloses(counted), code
        verdicts.add(rekap_discloses(stored))
    if (minimum, p) == (1, 0):  # one contributor suffices and nothing dominates: no sum gives anything away
        assert verdicts == {False}
    if minimum == 50:  # no row has 50 contributors
        assert verdicts == {True}


def test_a_dominating_business_is_found_in_the_stored_figures(figures_registry, monkeypatch, settings):
    settings.STATISTICS_MIN_BUSINESSES, settings.STATISTICS_DOMINANCE_P = 1, 10
    refresh_directory_counts()
    giant = Business.objects.filter(status=S.PUBLISHED, village__code__startswith="51.").order_by("pk").first()
    BusinessYear.objects.update_or_create(
        business=giant, year=YEAR - 1, defaults={"investment": 10**15, "workforce_male": 1, "workforce_female": 1}
    )
    refresh_directory_counts()
    (stored, _run), counted = stored_and_live_rekap(monkeypatch, "51", YEAR - 1)
    assert cell_discloses(stored["totals"], ("investment",))
    assert rekap_discloses(stored) and rekap_discloses(counted)


def test_which_reports_read_the_stored_figures(figures_registry, settings):
    refresh_directory_counts()
    national = staff_user(StaffRole.NATIONAL, "31")
    badung = staff_user(StaffRole.OPERATOR, "51.03")
    assert report_figures_run(user=SYSTEM, region_code="") is not None
    assert report_figures_run(user=national, region_code="51.03") is not None
    assert report_figures_run(user=badung, region_code="51.03") is not None
    assert report_figures_run(user=badung, region_code="51") is None  # only what the operator may see: live
    assert report_figures_run(user=SYSTEM, region_code="51.03.01") is None  # a kecamatan's rows are desa: live
    # Years before the stored ones are counted live.
    cells, run = growth_cells(region=region("51"), year_from=2000, year_to=YEAR - 1, user=SYSTEM)
    assert run is None
    cells, run = growth_cells(region=region("51"), year_from=YEAR - 4, year_to=YEAR - 1, user=SYSTEM)
    assert run is not None


def test_a_restricted_rekap_counts_only_the_users_region(figures_registry):
    refresh_directory_counts()
    badung = staff_user(StaffRole.OPERATOR, "51.03")
    figures = rekap_figures(region=region("51"), year=YEAR - 1, user=badung)
    expected = BusinessYear.objects.filter(
        year=YEAR - 1, business__status__in=[S.VERIFIED, S.PUBLISHED], business__village__code__startswith="51.03."
    ).count()
    assert figures["totals"]["ikm"] == expected
    assert {row["code"] for row in figures["regions"] if row["ikm"]} <= {"51.03"}


# --- the national report and the note on stale figures -------------------------------------------------------------


def test_national_staff_may_leave_the_region_empty(figures_registry):
    national = staff_user(StaffRole.NATIONAL, "31")
    form = RekapForm(data={"region": "", "year": YEAR - 1}, user=national)
    assert form.is_valid(), form.errors
    assert form.cleaned_data["region"] is None
    assert ("Wilayah", "Seluruh Indonesia") in form.describe()
    province = staff_user(StaffRole.OPERATOR, "51")
    form = RekapForm(data={"region": "", "year": YEAR - 1}, user=province)
    assert not form.is_valid() and "region" in form.errors
    form = GrowthForm(data={"region": "", "year_from": YEAR - 3, "year_to": YEAR - 1}, user=province)
    assert not form.is_valid() and "region" in form.errors


def test_national_rekap_and_pertumbuhan_pdfs_have_a_row_per_province(figures_registry):
    refresh_directory_counts()
    national = staff_user(StaffRole.NATIONAL, "31")
    form = RekapForm(data={"region": "", "year": YEAR - 1}, user=national)
    assert form.is_valid(), form.errors
    text = pdf_text(RekapReport().render(user=national, params=form.cleaned_data, filter_description=form.describe()))
    assert f"Rekapitulasi IKM Indonesia Tahun {YEAR - 1}" in text
    assert "A. Per provinsi" in text or "A. Per Provinsi" in text
    for name in Region.objects.filter(code__in=["51", "52"]).values_list("name", flat=True):
        assert name in text
    assert "Angka dihitung pada" not in text  # the stored figures are of the current data

    form = GrowthForm(data={"region": "", "year_from": YEAR - 3, "year_to": YEAR - 1}, user=national)
    assert form.is_valid(), form.errors
    text = pdf_text(GrowthReport().render(user=national, params=form.cleaned_data, filter_description=form.describe()))
    assert f"Pertumbuhan IKM Indonesia Tahun {YEAR - 3}–{YEAR - 1}" in text


def test_render_report_without_a_region_makes_the_national_rekap(figures_registry, tmp_path):
    output = tmp_path / "rekap.pdf"
    call_command("render_report", "rekap", "--year", str(YEAR - 1), "--output", str(output))
    assert f"Rekapitulasi IKM Indonesia Tahun {YEAR - 1}" in pdf_text(output.read_bytes())


def test_a_large_registry_reports_stored_figures_and_says_when_they_were_counted(
    figures_registry, settings, django_capture_on_commit_callbacks
):
    settings.DIRECTORY_LIVE_COUNT_MAX = 0  # every registry is "large": stored figures are read even when stale
    refresh_directory_counts()
    year = YEAR - 1
    before = rekap_figures(region=region("51"), year=year, user=SYSTEM)["totals"]["ikm"]
    with django_capture_on_commit_callbacks(execute=True):
        newcomer = BusinessFactory(status=S.PUBLISHED, village=figures_registry.villages[0])
        BusinessYearFactory(business=newcomer, year=year)
    assert rekap_figures(region=region("51"), year=year, user=SYSTEM)["totals"]["ikm"] == before  # until a refresh
    form = RekapForm(data={"region": "51", "year": year}, user=SYSTEM)
    assert form.is_valid(), form.errors
    text = pdf_text(RekapReport().render(user=SYSTEM, params=form.cleaned_data, filter_description=form.describe()))
    assert "Angka dihitung pada" in " ".join(text.split())
    refresh_directory_counts()
    assert rekap_figures(region=region("51"), year=year, user=SYSTEM)["totals"]["ikm"] == before + 1


def test_the_growth_forms_years_come_from_the_stored_figures(figures_registry):
    """The pertumbuhan form offers the data years of what the user may see: from the stored figures when they hold
    for the user's whole scope (no read of every yearly row), equal to the live bounds."""
    refresh_directory_counts()
    users = {
        "national": staff_user(StaffRole.NATIONAL, "31"),
        "bali": staff_user(StaffRole.OPERATOR, "51"),
        "ntb": staff_user(StaffRole.OPERATOR, "52"),
        "badung": staff_user(StaffRole.OPERATOR, "51.03"),
        "system": SYSTEM,
    }
    for name, user in users.items():
        live = (
            BusinessYear.objects.filter(business__status__in=growth_module.GROWTH_STATUSES)
            .restrict(user)
            .aggregate(first=Min("year"), last=Max("year"))
        )
        stored = growth_module._stored_data_years(user)
        assert stored == live, name
        with CaptureQueriesContext(connection) as queries:
            years = growth_module.data_years(user)
        assert not any("businesses_businessyear" in query["sql"] for query in queries.captured_queries), name
        if live["last"] is not None:
            assert years == (max(live["first"], live["last"] - growth_module.MAX_YEARS + 1), live["last"]), name
    assert users and BusinessYear.objects.exists()
