"""The "Daftar" export of the business list: names instead of codes, a header block, the list's own filter and scope,
personal data by role, and a query count that does not grow with the rows."""

import datetime
import io

import openpyxl
import pytest
from django.urls import reverse

from businesses.choices import BusinessStatus
from businesses.models import Business
from ikm_registry.choices import StaffRole
from ikm_registry.models import ExportLog
from ikm_registry.personal_data import MASK_CHARACTER
from tests.factories import BusinessFactory, BusinessYearFactory, make_kbli, make_village, staff_user

EXPORT_URL = reverse("admin:businesses_business_export")


@pytest.fixture
def registry(db):
    tuban = make_village("51.03.01.1001", "Tuban")
    munggu = make_village("51.03.02.2001", "Munggu")
    serangan = make_village("51.71.01.1001", "Serangan")
    make_kbli("13134", "Industri Batik")
    make_kbli("32112", "Industri Barang Perhiasan dari Logam Mulia")
    sari = BusinessFactory(
        name="Batik Sari",
        nib="9120000000001",
        legal_form="ud",
        village=tuban,
        subsector_id="kriya",
        owner__name="Ni Made Sari",
        owner__nik="5103015508850001",
        owner__phone="081234567890",
        owner__email="sari@example.com",
    )
    BusinessYearFactory(business=sari, year=2023, workforce_male=30, workforce_female=30, turnover=20_000_000_000)
    BusinessYearFactory(business=sari, year=2024, workforce_male=1, workforce_female=2, turnover=50_000_000)
    perak = BusinessFactory(
        name="Perak Celuk",
        village=munggu,
        kbli_id="32112",
        status=BusinessStatus.DRAFT,
        owner__name="I Wayan Perak",
        owner__sex="L",
        owner__phone="081298765432",
        owner__phone_public_since=datetime.date(2020, 1, 1),
    )
    BusinessYearFactory(business=perak, year=2024, workforce_male=6, workforce_female=0, turnover=3_000_000_000)
    BusinessFactory(name="Batik Serangan", village=serangan, owner__name="Made Denpasar", owner__phone="081300000001")
    return {"sari": sari, "perak": perak}


@pytest.fixture
def operator(registry):
    return staff_user(StaffRole.OPERATOR, "51.03", username="operator.badung")


def download(client, user, **params):
    client.force_login(user)
    response = client.get(EXPORT_URL, {"format": "daftar", **params})
    assert response.status_code == 200, response.content[:500]
    assert response["Content-Disposition"].startswith('attachment; filename="daftar-ikm-')
    return openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content)))


def table(workbook):
    """(heading lines, header, rows as dicts by header) of the Daftar sheet."""
    sheet = workbook.worksheets[0]
    lines = [[cell.value for cell in row] for row in sheet.iter_rows()]
    header_index = next(i for i, line in enumerate(lines) if line and line[0] == "No.")
    heading = [line[0] for line in lines[:header_index] if line and line[0]]
    header = lines[header_index]
    rows = [dict(zip(header, line, strict=False)) for line in lines[header_index + 1 :]]
    return heading, header, rows


def test_names_instead_of_codes(client, operator):
    _heading, header, rows = table(download(client, operator))
    sari = next(row for row in rows if row["Nama usaha"] == "Batik Sari")
    assert sari["Desa/kelurahan"] == "Tuban"
    assert sari["Kecamatan"] == "Kuta"
    assert sari["Kabupaten/kota"] == "Kabupaten Badung"
    assert (sari["KBLI"], sari["Uraian KBLI"]) == ("13134", "Industri Batik")
    assert sari["Bentuk usaha"] == "UD (Usaha Dagang)"
    assert sari["Status"] == "Terverifikasi"
    assert sari["Subsektor ekonomi kreatif"] == "Kriya"
    # workforce and scale of the latest year (2024), not of 2023
    assert (sari["Tahun data"], sari["Tenaga kerja"]) == (2024, 3)
    assert (sari["Skala usaha (PP 7/2021)"], sari["Skala (BPS)"]) == ("Mikro", "Mikro")
    perak = next(row for row in rows if row["Nama usaha"] == "Perak Celuk")
    assert (perak["Skala usaha (PP 7/2021)"], perak["Skala (BPS)"], perak["Status"]) == ("Kecil", "Kecil", "Draf")
    assert perak["Jenis kelamin"] == "Laki-laki"
    assert "NIK" not in header and "5103015508850001" not in str(rows)


def test_a_chosen_year_gives_that_years_figures(client, operator):
    heading, _header, rows = table(download(client, operator, tahun="2023"))
    sari = next(row for row in rows if row["Nama usaha"] == "Batik Sari")
    assert (sari["Tahun data"], sari["Tenaga kerja"], sari["Skala usaha (PP 7/2021)"]) == (2023, 60, "Menengah")
    perak = next(row for row in rows if row["Nama usaha"] == "Perak Celuk")
    assert (perak["Tahun data"], perak["Tenaga kerja"]) == (None, None)
    assert any("data tahun 2023" in line for line in heading)


def test_scoped_to_the_users_region(client, operator):
    _heading, _header, rows = table(download(client, operator))
    assert sorted(row["Nama usaha"] for row in rows) == ["Batik Sari", "Perak Celuk"]
    # a search or a kabupaten filter naming another regency does not reach past the scope
    assert table(download(client, operator, q="Serangan"))[2] == []
    client.force_login(operator)
    response = client.get(EXPORT_URL, {"format": "daftar", "kabupaten": "51.71"})
    if response.status_code == 200:
        workbook = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content)))
        assert "Batik Serangan" not in str(table(workbook))
    else:
        assert response.status_code == 302


def test_province_staff_see_every_regency_and_the_regency_column(client, registry):
    province = staff_user(StaffRole.PROVINCE, "51", username="prov.bali")
    heading, _header, rows = table(download(client, province))
    assert {row["Kabupaten/kota"] for row in rows} == {"Kabupaten Badung", "Kota Denpasar"}
    assert heading[0] == "Daftar IKM Bali"
    heading, _header, rows = table(download(client, province, kabupaten="51.71"))
    assert [row["Nama usaha"] for row in rows] == ["Batik Serangan"]
    assert heading[0] == "Daftar IKM Kota Denpasar"


def test_the_list_filter_and_search_are_honoured_and_named_in_the_heading(client, operator):
    heading, _header, rows = table(download(client, operator, status="draft"))
    assert [row["Nama usaha"] for row in rows] == ["Perak Celuk"]
    assert "Penyaring: Status: Draf" in heading
    heading, _header, rows = table(download(client, operator, kbli="13", q="sari"))
    assert [row["Nama usaha"] for row in rows] == ["Batik Sari"]
    filter_line = next(line for line in heading if line.startswith("Penyaring"))
    assert "KBLI: 13" in filter_line and "Pencarian: “sari”" in filter_line


def test_the_list_order_is_kept(client, operator):
    _heading, _header, rows = table(download(client, operator, o="-1"))
    assert [row["Nama usaha"] for row in rows] == ["Perak Celuk", "Batik Sari"]
    assert [row["No."] for row in rows] == [1, 2]


def test_heading_names_title_office_region_date_and_count(client, operator):
    heading, _header, _rows = table(download(client, operator))
    assert heading[0] == "Daftar IKM Kabupaten Badung"
    assert heading[1] == "Disperindag Kabupaten Badung"  # the office, its region not said twice
    assert "Wilayah: Kabupaten Badung" in heading
    assert "Penyaring: tidak ada (semua IKM yang dapat Anda lihat)" in heading
    made = next(line for line in heading if line.startswith("Dibuat pada"))
    assert made.endswith("WITA · 2 IKM")  # Bali's office prints Bali's time


def test_frozen_header_autofilter_widths_and_text_cells(client, operator):
    workbook = download(client, operator)
    sheet = workbook.worksheets[0]
    _heading, header, rows = table(workbook)
    header_row = next(row[0].row for row in sheet.iter_rows() if row[0].value == "No.")
    assert sheet.freeze_panes == f"C{header_row + 1}"
    last = openpyxl.utils.get_column_letter(len(header))
    assert sheet.auto_filter.ref == f"A{header_row}:{last}{header_row + len(rows)}"
    assert sheet.column_dimensions["B"].width >= 30  # the business name
    assert sheet.print_title_rows == f"${header_row}:${header_row}"
    nib = next(row for row in sheet.iter_rows(min_row=header_row + 1) if row[1].value == "Batik Sari")[3]
    assert (nib.value, nib.number_format) == ("9120000000001", "@")


def test_operator_gets_contacts_whole(client, operator):
    _heading, _header, rows = table(download(client, operator))
    sari = next(row for row in rows if row["Nama usaha"] == "Batik Sari")
    assert (sari["Pemilik"], sari["Telepon"], sari["E-mail"]) == ("Ni Made Sari", "081234567890", "sari@example.com")


def test_official_gets_contacts_masked_unless_consented(client, registry):
    official = staff_user(StaffRole.OFFICIAL, "51.03", username="kabid.badung")
    _heading, _header, rows = table(download(client, official))
    sari = next(row for row in rows if row["Nama usaha"] == "Batik Sari")
    assert sari["Pemilik"] == "Ni Made Sari"
    assert sari["Telepon"] == "0812" + MASK_CHARACTER * 4 + "7890"
    assert "sari@example.com" not in str(rows) and MASK_CHARACTER in sari["E-mail"]
    perak = next(row for row in rows if row["Nama usaha"] == "Perak Celuk")
    assert perak["Telepon"] == "081298765432"  # published with the owner's consent: shown as the public page shows it


def test_every_file_is_logged(client, operator):
    download(client, operator, status="verified")
    log = ExportLog.objects.get()
    assert (log.user, log.what, log.file_format, log.row_count) == (operator, "businesses.business", "xlsx", 1)
    assert log.personal_data and log.individual_data
    assert "status=verified" in log.filter and "daftar" not in log.filter


def test_an_empty_list_is_a_file_without_rows_and_not_logged(client, operator):
    heading, _header, rows = table(download(client, operator, q="tidak-ada-yang-cocok"))
    assert rows == []
    assert heading[-1].endswith("· 0 IKM")
    assert not ExportLog.objects.exists()


def _make(count):
    villages = [make_village("51.03.01.1001"), make_village("51.03.02.2001")]
    for number in range(count):
        business = BusinessFactory(
            name=f"Usaha Tambahan {number:03d}",
            village=villages[number % 2],
            subsector_id="kriya",
            owner__phone="081200000000",
        )
        BusinessYearFactory(business=business, year=2024, workforce_male=number % 7, investment=number * 1_000_000)


def _queries(client, user, django_assert_num_queries_capture):
    client.force_login(user)
    with django_assert_num_queries_capture() as captured:
        response = client.get(EXPORT_URL, {"format": "daftar"})
        workbook = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    return len(captured.captured_queries), len(table(workbook)[2])


def test_queries_do_not_grow_with_the_rows(client, operator):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def capture():
        return CaptureQueriesContext(connection)

    _make(10)
    ten, rows = _queries(client, operator, capture)
    assert rows == 12
    _make(90)
    hundred, rows = _queries(client, operator, capture)
    assert rows == 102
    assert hundred == ten, (ten, hundred)


def test_offered_next_to_the_layout_export(client, operator):
    client.force_login(operator)
    content = client.get(reverse("admin:businesses_business_changelist"), {"status": "draft"}).content.decode()
    assert 'name="format" value="daftar"' in content
    assert 'name="format" value="xlsx"' in content
    official = staff_user(StaffRole.OFFICIAL, "51.03", username="kabid")
    client.force_login(official)
    content = client.get(reverse("admin:businesses_business_changelist")).content.decode()
    assert 'name="format" value="daftar"' in content


def test_daftar_rows_read_in_one_query(operator):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from businesses.services.daftar_export import DaftarRows

    _make(5)
    businesses = Business.objects.restrict(operator).order_by("name")
    with CaptureQueriesContext(connection) as captured:
        rows = list(DaftarRows(businesses, user=operator))
    assert [row[0] for row in rows] == [1, 2, 3, 4, 5, 6, 7]
    reads = [query["sql"] for query in captured.captured_queries if "businesses_business" in query["sql"]]
    assert len(reads) == 1, reads
