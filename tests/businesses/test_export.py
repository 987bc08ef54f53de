"""Export of the business list (CSV, XLSX) in the import layout: as filtered and scoped as the list, re-importable."""

import csv
import io
from decimal import Decimal

import openpyxl
import pytest
from django.urls import reverse

from businesses.choices import BusinessStatus
from businesses.models import Business
from businesses.services.importing import businesses_import
from businesses.services.layout import COLUMNS, PERSONAL
from ikm_registry.choices import StaffRole
from ikm_registry.models import ExportLog
from tests.factories import BusinessFactory, BusinessYearFactory, make_kbli, make_village, staff_user

EXPORT_URL = reverse("admin:businesses_business_export")
BADUNG_VILLAGE = "51.03.01.1001"
DENPASAR_VILLAGE = "51.71.01.1001"


@pytest.fixture
def registry(db):
    badung = make_village(BADUNG_VILLAGE, "Tuban")
    make_village("51.03.02.2001", "Munggu")
    denpasar = make_village(DENPASAR_VILLAGE, "Serangan")
    make_kbli("13134")
    make_kbli("32112")
    sari = BusinessFactory(
        name="Batik Sari",
        nib="9120000000001",
        legal_form="ud",
        address='Jl. Raya Tuban 12; gang "Melati"',
        village=badung,
        subsector_id="kriya",
        year_founded=2012,
        latitude=Decimal("-8.738300"),
        longitude=Decimal("115.168600"),
        owner__name="Ni Made Sari",
        owner__nik="5103015508850001",
        owner__phone="+62 361 123456",
        owner__email="sari@example.com",
    )
    BusinessYearFactory(business=sari, year=2023, turnover=100_000_000)
    BusinessYearFactory(
        business=sari, year=2024, production_capacity=Decimal("12.50"), capacity_unit="lembar", production_value=0
    )
    perak = BusinessFactory(
        name="Perak Celuk",
        village_id="51.03.02.2001",
        kbli_id="32112",
        status=BusinessStatus.DRAFT,
        owner__name="I Wayan Perak",
        owner__sex="L",
    )
    BusinessYearFactory(business=perak, year=2024, workforce_male=0, workforce_female=0, investment=None, turnover=None)
    BusinessFactory(name='=HYPERLINK("http://evil.example","klik")', village=badung, owner__name="-Budi")
    BusinessFactory(name="Tanpa Data Tahunan", village=badung, status=BusinessStatus.RETURNED, owner__name="Ketut")
    BusinessFactory(name="Batik Serangan", village=denpasar, owner__name="Made Denpasar")
    return {"sari": sari, "perak": perak}


@pytest.fixture
def operator(registry):
    return staff_user(StaffRole.OPERATOR, "51.03", username="operator.badung")


def export(client, user, **params):
    client.force_login(user)
    response = client.get(EXPORT_URL, params)
    assert response.status_code == 200, response.content[:500]
    return b"".join(response.streaming_content)


def read_csv(content: bytes) -> list[dict]:
    assert content.startswith(b"\xef\xbb\xbf")
    return list(csv.DictReader(io.StringIO(content.decode("utf-8-sig")), delimiter=";"))


def test_csv_export_in_the_import_layout(client, operator, registry):
    rows = read_csv(export(client, operator, format="csv"))
    assert list(rows[0]) == list(COLUMNS)
    sari = next(row for row in rows if row["nama_usaha"] == "Batik Sari")
    assert sari["nib"] == "9120000000001"
    assert sari["nik_pemilik"] == "5103015508850001"
    assert sari["telepon"] == "'+62 361 123456"  # neutralised: would start a formula
    assert (sari["kode_wilayah"], sari["kbli"], sari["subsektor_ekraf"]) == (BADUNG_VILLAGE, "13134", "kriya")
    assert (sari["latitude"], sari["longitude"]) == ("-8,7383", "115,1686")
    # figures of the latest year present (2024), not of 2023
    assert (sari["omzet_tahunan"], sari["kapasitas_produksi"], sari["nilai_produksi"]) == ("300000000", "12,5", "0")
    assert sari["status"] == "verified"


def test_figures_of_a_chosen_year(client, operator, registry):
    rows = read_csv(export(client, operator, format="csv", tahun="2023"))
    sari = next(row for row in rows if row["nama_usaha"] == "Batik Sari")
    assert (sari["omzet_tahunan"], sari["kapasitas_produksi"]) == ("100000000", "")


def test_export_is_scoped_like_the_list(client, operator, registry):
    names = {row["nama_usaha"] for row in read_csv(export(client, operator, format="csv"))}
    assert "Batik Serangan" not in names
    assert len(names) == 4
    # a filter on another regency does not reach past the scope either
    rows = read_csv(export(client, operator, format="csv", q="Serangan"))
    assert rows == []


def test_export_honours_the_active_filter_and_search(client, operator, registry):
    rows = read_csv(export(client, operator, format="csv", status="draft"))
    assert [row["nama_usaha"] for row in rows] == ["Perak Celuk"]
    rows = read_csv(export(client, operator, format="csv", q="sari"))
    assert [row["nama_usaha"] for row in rows] == ["Batik Sari"]


def test_export_follows_the_list_order(client, operator, registry):
    rows = read_csv(export(client, operator, format="csv", o="-1"))
    names = [row["nama_usaha"] for row in rows]
    assert names == sorted(names, reverse=True)


def test_formulas_are_neutralised_in_csv_and_xlsx(client, operator, registry):
    rows = read_csv(export(client, operator, format="csv"))
    evil = next(row for row in rows if "HYPERLINK" in row["nama_usaha"])
    assert evil["nama_usaha"].startswith("'=HYPERLINK")
    assert evil["nama_pemilik"] == "'-Budi"
    sheet = openpyxl.load_workbook(io.BytesIO(export(client, operator, format="xlsx"))).worksheets[0]
    names = [cell.value for cell in sheet["A"]]
    evil_cell = next(cell for cell in sheet["A"] if "HYPERLINK" in str(cell.value))
    assert evil_cell.value.startswith("'=") and evil_cell.data_type == "s"
    assert not any(str(name).startswith("=") for name in names)


def test_official_export_has_no_personal_columns_and_is_still_logged(client, registry):
    """Owner names and each business's figures are personal and individual data too (issue 9 point 10)."""
    official = staff_user(StaffRole.OFFICIAL, "51.03", username="kabid.badung")
    rows = read_csv(export(client, official, format="csv"))
    assert set(PERSONAL).isdisjoint(rows[0])
    assert "nama_pemilik" in rows[0]
    sheet = openpyxl.load_workbook(io.BytesIO(export(client, official, format="xlsx"))).worksheets[0]
    assert set(PERSONAL).isdisjoint(cell.value for cell in sheet[1])
    logs = list(ExportLog.objects.order_by("pk").values_list("user", "file_format", "personal_data"))
    assert logs == [(official.pk, "csv", True), (official.pk, "xlsx", True)]


def test_personal_export_is_logged_with_filter_and_row_count(client, operator, registry):
    export(client, operator, format="xlsx", status="verified", tahun="2024")
    log = ExportLog.objects.get()
    assert (log.user, log.what, log.file_format, log.row_count) == (operator, "businesses.business", "xlsx", 2)
    assert log.personal_data
    assert "status=verified" in log.filter


def test_export_queries_do_not_grow_with_rows(client, operator, registry, django_assert_max_num_queries):
    for number in range(30):
        BusinessYearFactory(business=BusinessFactory(name=f"Usaha Tambahan {number}"), year=2024)
    client.force_login(operator)
    with django_assert_max_num_queries(20):
        response = client.get(EXPORT_URL, {"format": "csv"})
        assert len(read_csv(b"".join(response.streaming_content))) == 34


@pytest.mark.parametrize(("year", "with_figures"), [(2024, True), (2020, False)])
def test_an_export_knows_whether_it_holds_figures_from_the_rows_it_wrote(operator, registry, year, with_figures):
    """The figures of the year are read once, with the rows: whether the file holds figures is counted while it is
    written, not asked of the database again."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from businesses.services.exporting import businesses_export

    with CaptureQueriesContext(connection) as queries:
        export = businesses_export(queryset=Business.objects.all(), user=operator, file_format="csv", year=year)
    figure_reads = [query["sql"] for query in queries.captured_queries if "businesses_businessyear" in query["sql"]]
    assert len(figure_reads) == 1, figure_reads
    log = ExportLog.objects.get()
    assert (export.row_count, log.row_count, log.individual_data) == (5, 5, with_figures)


def test_changelist_offers_export_and_import(client, operator, registry):
    client.force_login(operator)
    response = client.get(reverse("admin:businesses_business_changelist"), {"status": "draft"})
    content = response.content.decode()
    assert EXPORT_URL in content
    assert 'name="status" value="draft"' in content
    assert reverse("admin:businesses_business_import") in content


def test_changelist_of_an_official_offers_export_but_no_import(client, registry):
    client.force_login(staff_user(StaffRole.OFFICIAL, "51.03"))
    content = client.get(reverse("admin:businesses_business_changelist")).content.decode()
    assert EXPORT_URL in content
    assert reverse("admin:businesses_business_import") not in content


# --- round trip ---------------------------------------------------------------------------------------------------


def test_csv_export_reimports_unchanged_and_exports_byte_identical(client, operator, registry):
    first = export(client, operator, format="csv")
    result = businesses_import(source=io.BytesIO(first), filename="ekspor.csv", user=operator, year=2024)
    assert result.written, [str(error) for error in result.plan.errors]
    assert (result.created, result.updated, result.unchanged, result.invalid) == (0, 0, 4, 0)
    assert result.plan.notes == []
    assert export(client, operator, format="csv") == first
    assert Business.objects.count() == 5


def test_xlsx_export_reimports_unchanged(client, operator, registry):
    def cells(content):
        sheet = openpyxl.load_workbook(io.BytesIO(content)).worksheets[0]
        return [[cell.value for cell in line] for line in sheet.iter_rows()]

    first = export(client, operator, format="xlsx")
    result = businesses_import(source=io.BytesIO(first), filename="ekspor.xlsx", user=operator, year=2024)
    assert (result.created, result.updated, result.unchanged, result.invalid) == (0, 0, 4, 0), [
        str(error) for error in result.plan.errors
    ]
    assert cells(export(client, operator, format="xlsx")) == cells(first)


def test_an_export_imports_into_an_empty_registry_and_exports_the_same(client, operator, registry):
    first = export(client, operator, format="csv")
    Business.objects.all().delete()
    result = businesses_import(source=io.BytesIO(first), filename="ekspor.csv", user=operator, year=2024)
    assert result.invalid == 1  # a new business may not start as "returned"
    assert (result.created, result.updated) == (0, 0)
    skipped = businesses_import(
        source=io.BytesIO(first), filename="ekspor.csv", user=operator, year=2024, skip_invalid=True
    )
    assert skipped.created == 3
    second = read_csv(export(client, operator, format="csv"))
    expected = [row for row in read_csv(first) if row["status"] != "returned"]
    assert second == expected
