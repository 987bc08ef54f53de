"""SIINas export (Permenperin 13/2025 Pasal 7 items per business and semester): the file as its reader opens it, its
honesty about yearly figures, privacy, scope and filters, the export log, the command, and its cost."""

import csv
import io
from decimal import Decimal

import openpyxl
import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from businesses.choices import BusinessStatus
from businesses.models import Business
from businesses.services.siinas import COLUMN_NAMES, businesses_siinas_export
from ikm_registry.choices import StaffRole
from ikm_registry.models import ExportLog
from tests.factories import BusinessFactory, BusinessYearFactory, staff_user

pytestmark = pytest.mark.django_db

EXPORT_URL = reverse("admin:businesses_business_export")
# SIINas items the registry does not collect: always empty.
NOT_RECORDED = (
    "investasi_tanah_bangunan",
    "kapasitas_terpakai",
    "jumlah_produksi",
    "nilai_bahan_baku",
    "air_baku",
    "bahan_bakar_pelumas",
    "listrik",
    "mesin_peralatan",
)


@pytest.fixture
def registry(bali_regions, kbli):
    """Badung: Batik Sari with figures for 2024 and 2023, Perak Celuk (a draft) with 2024, Tanpa Angka without any;
    Denpasar: Batik Serangan with 2024."""
    sari = BusinessFactory(
        name="Batik Sari",
        nib="9120000000001",
        legal_form="ud",
        address="Jl. Raya Tuban 12",
        village=bali_regions.tuban,
        kbli=kbli.batik,
        main_product="Kain batik tulis",
        raw_materials="kain mori, malam",
        owner__name="Ni Made Sari",
        owner__nik="5103015508850001",
        owner__phone="081234567890",
        owner__email="sari@example.com",
        owner__home_address="Jl. Rumah Pribadi 3",
    )
    BusinessYearFactory(
        business=sari,
        year=2024,
        workforce_male=2,
        workforce_female=5,
        investment=75_000_000,
        turnover=400_000_000,
        production_capacity=Decimal("1500.50"),
        capacity_unit="lembar/tahun",
        production_value=350_000_000,
    )
    BusinessYearFactory(business=sari, year=2023, workforce_male=1, workforce_female=1, investment=10_000_000)
    perak = BusinessFactory(
        name="Perak Celuk", village=bali_regions.munggu, kbli=kbli.silver, status=BusinessStatus.DRAFT
    )
    BusinessYearFactory(business=perak, year=2024)
    BusinessFactory(name="Tanpa Angka", village=bali_regions.kuta_village, status=BusinessStatus.PUBLISHED)
    serangan = BusinessFactory(name="Batik Serangan", village=bali_regions.serangan)
    BusinessYearFactory(business=serangan, year=2024)
    return {"sari": sari, "perak": perak}


@pytest.fixture
def operator(registry):
    return staff_user(StaffRole.OPERATOR, "51.03", username="operator.badung")


def download(client, user, **params) -> bytes:
    client.force_login(user)
    response = client.get(EXPORT_URL, params)
    assert response.status_code == 200, response.content[:500]
    return b"".join(response.streaming_content)


def xlsx_rows(content: bytes) -> tuple[list[str], list[dict], openpyxl.Workbook]:
    workbook = openpyxl.load_workbook(io.BytesIO(content))
    rows = list(workbook.worksheets[0].iter_rows(values_only=True))
    header = list(rows[0])
    return header, [dict(zip(header, row, strict=True)) for row in rows[1:]], workbook


def csv_rows(content: bytes) -> list[dict]:
    assert content.startswith(b"\xef\xbb\xbf")
    return list(csv.DictReader(io.StringIO(content.decode("utf-8-sig")), delimiter=";"))


def by_name(rows: list[dict]) -> dict[str, dict]:
    return {row["nama_usaha"]: row for row in rows}


# --- the file ---------------------------------------------------------------------------------------------------


def test_xlsx_has_the_siinas_items_of_each_business_for_the_period(client, operator):
    content = download(client, operator, format="siinas-xlsx", tahun="2024", semester="2")
    header, rows, workbook = xlsx_rows(content)
    assert header == COLUMN_NAMES
    assert workbook.sheetnames == ["SIINas", "Keterangan kolom"]
    sari = by_name(rows)["Batik Sari"]
    assert (sari["tahun"], sari["semester"], sari["tahun_data"]) == (2024, 2, 2024)
    assert (sari["nib"], sari["bentuk_usaha"], sari["alamat_usaha"]) == ("9120000000001", "UD (Usaha Dagang)",
                                                                         "Jl. Raya Tuban 12")  # fmt: skip
    assert (sari["kode_wilayah"], sari["desa"], sari["kecamatan"]) == ("51.03.01.1001", "Tuban", "Kuta")
    assert (sari["kode_kabupaten"], sari["kabupaten"], sari["provinsi"]) == ("51.03", "Kabupaten Badung", "Bali")
    assert (sari["kbli"], sari["uraian_kbli"], sari["produk_utama"]) == ("13134", "Industri Batik", "Kain batik tulis")
    assert sari["investasi_tanpa_tanah_bangunan"] == 75_000_000
    assert (sari["kapasitas_terpasang"], sari["satuan_kapasitas"]) == (1500.5, "lembar/tahun")
    assert sari["nilai_produksi"] == 350_000_000
    assert sari["bahan_baku"] == "kain mori, malam"
    assert (sari["tenaga_kerja_laki"], sari["tenaga_kerja_perempuan"], sari["tenaga_kerja"]) == (2, 5, 7)
    assert all(sari[column] is None for column in NOT_RECORDED)
    assert "setahun" in sari["keterangan"] and "bukan angka semester" in sari["keterangan"]
    # identifiers stay text: Excel keeps every digit and the leading zeros
    sheet = workbook.worksheets[0]
    nib_column = header.index("nib") + 1
    sari_row = next(index for index, row in enumerate(rows, start=2) if row["nama_usaha"] == "Batik Sari")
    assert sheet.cell(sari_row, nib_column).number_format == "@"


def test_second_sheet_explains_every_column_and_names_what_is_not_recorded(client, operator):
    _header, _rows, workbook = xlsx_rows(download(client, operator, format="siinas-xlsx", tahun="2024", semester="1"))
    notes = list(workbook.worksheets[1].iter_rows(values_only=True))
    explained = {row[0]: row[2] for row in notes[2:]}
    assert list(explained) == COLUMN_NAMES
    assert all("Tidak dicatat" in explained[column] for column in NOT_RECORDED)
    assert "Tahun 2024 semester 1" in notes[1][1]


def test_figures_are_never_taken_from_another_year(client, operator):
    """A business without figures for the period's year gets its identity only, and says so; 2023's figures do not
    stand in for 2025, nor is a semester's share of a year computed."""
    rows = by_name(csv_rows(download(client, operator, format="siinas-csv", tahun="2025", semester="1")))
    sari = rows["Batik Sari"]
    assert sari["nib"] == "9120000000001"
    assert all(sari[column] == "" for column in ("tahun_data", "investasi_tanpa_tanah_bangunan", "tenaga_kerja"))
    assert sari["keterangan"] == "Belum ada data tahunan 2025 untuk IKM ini di registri."
    rows = by_name(csv_rows(download(client, operator, format="siinas-csv", tahun="2023", semester="2")))
    assert (rows["Batik Sari"]["investasi_tanpa_tanah_bangunan"], rows["Batik Sari"]["tenaga_kerja"]) == (
        "10000000",
        "2",
    )
    assert rows["Tanpa Angka"]["tahun_data"] == ""


def test_csv_is_semicolon_separated_with_decimal_commas(client, operator):
    content = download(client, operator, format="siinas-csv", tahun="2024", semester="1")
    assert content.splitlines()[0].decode("utf-8-sig") == ";".join(COLUMN_NAMES)
    sari = by_name(csv_rows(content))["Batik Sari"]
    assert (sari["kapasitas_terpasang"], sari["nib"], sari["kode_wilayah"]) == ("1500,5", "9120000000001",
                                                                                "51.03.01.1001")  # fmt: skip


def test_no_owner_data_in_the_file(client, operator):
    for fmt in ("siinas-csv", "siinas-xlsx"):
        content = download(client, operator, format=fmt, tahun="2024", semester="1")
        text = content.decode("utf-8-sig") if fmt.endswith("csv") else _xlsx_text(content)
        for private in ("Ni Made Sari", "5103015508850001", "081234567890", "sari@example.com", "Rumah Pribadi"):
            assert private not in text, (fmt, private)


def _xlsx_text(content: bytes) -> str:
    workbook = openpyxl.load_workbook(io.BytesIO(content))
    return "\n".join(
        str(value) for sheet in workbook.worksheets for row in sheet.iter_rows(values_only=True) for value in row
    )


# --- scope, filters, log ------------------------------------------------------------------------------------------


def test_export_is_the_list_as_scoped_filtered_and_searched(client, operator):
    names = set(by_name(csv_rows(download(client, operator, format="siinas-csv", tahun="2024", semester="1"))))
    assert names == {"Batik Sari", "Perak Celuk", "Tanpa Angka"}  # not Denpasar's Batik Serangan
    rows = csv_rows(download(client, operator, format="siinas-csv", tahun="2024", semester="1", status="draft"))
    assert [row["nama_usaha"] for row in rows] == ["Perak Celuk"]
    rows = csv_rows(download(client, operator, format="siinas-csv", tahun="2024", semester="1", q="Serangan"))
    assert rows == []


def test_latest_year_by_default(client, operator):
    rows = by_name(csv_rows(download(client, operator, format="siinas-csv", tahun="", semester="2")))
    assert rows["Batik Sari"]["tahun"] == "2024"


def test_a_semester_is_required(client, operator):
    client.force_login(operator)
    response = client.get(EXPORT_URL, {"format": "siinas-xlsx", "tahun": "2024", "semester": "3"}, follow=True)
    assert response.redirect_chain[-1][0] == reverse("admin:businesses_business_changelist")
    assert "Pilih semester 1 atau 2" in response.content.decode()
    assert not ExportLog.objects.exists()


def test_export_is_logged_as_individual_figures_without_personal_data(client, operator):
    download(client, operator, format="siinas-xlsx", tahun="2024", semester="1", status="verified")
    log = ExportLog.objects.get()
    assert (log.user, log.what, log.file_format, log.row_count) == (operator, "businesses.business", "xlsx", 1)
    assert (log.personal_data, log.individual_data) == (False, True)
    assert "SIINas 2024 semester 1" in log.filter and "status=verified" in log.filter


def test_an_official_may_export_the_region(client, registry):
    official = staff_user(StaffRole.OFFICIAL, "51.03", username="kabid.badung")
    rows = csv_rows(download(client, official, format="siinas-csv", tahun="2024", semester="1"))
    assert len(rows) == 3


def test_changelist_offers_the_siinas_export(client, operator):
    client.force_login(operator)
    content = client.get(reverse("admin:businesses_business_changelist")).content.decode()
    assert 'value="siinas-xlsx"' in content and 'value="siinas-csv"' in content
    assert 'name="semester"' in content


def test_queries_do_not_grow_with_rows(operator):
    def queries_for_export() -> tuple[int, int]:
        with CaptureQueriesContext(connection) as captured:
            export = businesses_siinas_export(
                queryset=Business.objects.restrict(operator), user=operator, year=2024, semester=1, file_format="xlsx"
            )
        return export.row_count, len(captured.captured_queries)

    queries_for_export()  # the user's scope is looked up once
    rows, few = queries_for_export()
    for number in range(25):
        BusinessYearFactory(business=BusinessFactory(name=f"Usaha Tambahan {number}"), year=2024)
    more_rows, many = queries_for_export()
    assert (rows, more_rows) == (3, 28)
    assert few == many


# --- the command -------------------------------------------------------------------------------------------------


def test_command_writes_the_active_businesses_of_a_region(registry, tmp_path):
    output = tmp_path / "siinas.xlsx"
    out = io.StringIO()
    call_command("export_siinas", region="51.03", year=2024, semester=1, output=str(output), stdout=out)
    _header, rows, _workbook = xlsx_rows(output.read_bytes())
    assert {row["nama_usaha"] for row in rows} == {"Batik Sari", "Tanpa Angka"}  # the draft is not active
    assert "2 IKM" in out.getvalue()
    log = ExportLog.objects.get()
    assert (log.user, log.individual_data) == (None, True)
    assert log.actor.startswith("manage.py export_siinas")


def test_command_picks_a_status_and_a_kecamatan(registry, tmp_path):
    output = tmp_path / "siinas.csv"
    call_command("export_siinas", region="51.03.02", year=2024, semester=2, output=str(output), status="draft",
                 stdout=io.StringIO())  # fmt: skip
    rows = csv_rows(output.read_bytes())
    assert [(row["nama_usaha"], row["semester"]) for row in rows] == [("Perak Celuk", "2")]


def test_command_as_a_user_is_held_to_their_region(operator, tmp_path):
    output = tmp_path / "siinas.csv"
    with pytest.raises(CommandError, match="outside"):
        call_command("export_siinas", region="51.71", year=2024, semester=1, output=str(output),
                     user="operator.badung")  # fmt: skip
    with pytest.raises(CommandError, match="outside"):
        call_command("export_siinas", region="51", year=2024, semester=1, output=str(output),
                     user="operator.badung")  # fmt: skip
    call_command("export_siinas", region="51.03", year=2024, semester=1, output=str(output), user="operator.badung",
                 stdout=io.StringIO())  # fmt: skip
    assert {row["nama_usaha"] for row in csv_rows(output.read_bytes())} == {"Batik Sari", "Tanpa Angka"}
    assert ExportLog.objects.get().user == operator


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"output": "siinas.pdf"}, ".xlsx or .csv"),
        ({"region": "99"}, "Unknown"),
        ({"region": "51.03.01.1001"}, "Unknown"),
        ({"user": "nobody"}, "No active user"),
    ],
)
def test_command_refuses_what_it_cannot_do(registry, tmp_path, options, message):
    arguments = {"region": "51.03", "year": 2024, "semester": 1, "output": str(tmp_path / "s.xlsx"), **options}
    with pytest.raises(CommandError, match=message):
        call_command("export_siinas", **arguments)
