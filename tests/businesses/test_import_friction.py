"""What made operators go back to Excel on the business import (issue 13 point 10): legal forms written out, region
codes without dots, the template's list of allowed values, confirming the valid rows of an "all or nothing" upload
from its preview, and the data year the form offers."""

import datetime
import io

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from businesses.choices import BusinessStatus, LegalForm
from businesses.models import Business, BusinessImport
from businesses.rules import import_year
from businesses.services.importing import businesses_import_plan
from ikm_registry.models import ExportLog, Job
from ikm_registry.tabular.columns import Choice, RegionCode
from tests.business_files import csv_bytes, row, xlsx_bytes
from tests.factories import BusinessFactory, BusinessYearFactory, make_village
from tests.worker import run_queued_jobs

IMPORT_URL = reverse("admin:businesses_business_import")
YEAR = timezone.localdate().year
LAST_YEAR = YEAR - 1


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def plan(operator, rows):
    return businesses_import_plan(source=io.BytesIO(csv_bytes(rows)), filename="ikm.csv", user=operator, year=YEAR)


def preview_url(business_import):
    return reverse("admin:businesses_business_import_preview", args=[business_import.pk])


def upload(client, content: bytes, *, name="ikm.csv", skip_invalid=False, year=YEAR):
    data = {"file": SimpleUploadedFile(name, content), "data_year": str(year)}
    if skip_invalid:
        data["skip_invalid"] = "on"
    response = client.post(IMPORT_URL, data)
    assert response.status_code == 302, response.content.decode()[:2000]
    return BusinessImport.objects.latest("uploaded_at")


# --- legal forms --------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("Usaha Dagang", LegalForm.UD),
        ("U.D.", LegalForm.UD),
        ("ud", LegalForm.UD),
        ("UD (Usaha Dagang)", LegalForm.UD),
        ("PERSEROAN TERBATAS", LegalForm.PT),
        ("P.T.", LegalForm.PT),
        ("Commanditaire Vennootschap", LegalForm.CV),
        ("Persekutuan Komanditer", LegalForm.CV),
        ("c.v", LegalForm.CV),
        ("Koperasi", LegalForm.KOPERASI),
        ("KOPERASI", LegalForm.KOPERASI),
        ("Perseorangan", LegalForm.PERORANGAN),
        ("perorangan ", LegalForm.PERORANGAN),
        ("PT Perorangan", LegalForm.PT_PERORANGAN),
        ("PT. Perseorangan", LegalForm.PT_PERORANGAN),
        ("Kelompok Usaha Bersama", LegalForm.KUB),
        ("", LegalForm.PERORANGAN),
    ],
)
def test_legal_forms_by_code_label_or_name(operator, typed, stored):
    found = plan(operator, [row(1, bentuk_usaha=typed)])
    assert found.counts["created"] == 1, [str(error) for error in found.errors]
    assert found.writes[0].business.legal_form == stored


def test_an_unknown_legal_form_is_refused_naming_the_allowed_ones(operator):
    found = plan(operator, [row(1, bentuk_usaha="Yayasan")])
    assert found.counts["invalid"] == 1
    message = found.errors[0].message
    assert found.errors[0].column == "bentuk_usaha"
    assert "ud" in message and "Usaha Dagang" in message


def test_choice_synonyms_do_not_widen_a_column_with_words_only():
    sex = Choice("jk", choices=LegalForm, words={"l": "L"}, synonyms={"laki": "L"})
    with pytest.raises(Exception, match="Isi salah satu"):
        sex.parse("ud")
    assert sex.parse(" L ") == "L"


# --- region codes -------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "code"),
    [
        ("5103011001", "51.03.01.1001"),
        (5103011001, "51.03.01.1001"),  # an XLSX number
        ("5103.01.1001", "51.03.01.1001"),
        ("51 03 01 1001", "51.03.01.1001"),
        ("510301", "51.03.01"),
        ("5103", "51.03"),
        ("51", "51"),
        ("51.03.01.1001", "51.03.01.1001"),
        ("510301100", "510301100"),  # 9 digits: no level; stays as typed and is refused as unknown
    ],
)
def test_region_codes_with_or_without_dots(typed, code):
    assert RegionCode("kode_wilayah").parse(typed) == code


def test_a_desa_code_without_dots_imports(operator):
    found = plan(operator, [row(1, kode_wilayah="5103011001"), row(2, kode_wilayah="5103.01.1001")])
    assert found.counts["created"] == 2, [str(error) for error in found.errors]
    assert {write.business.village_id for write in found.writes} == {"51.03.01.1001"}


def test_a_code_without_dots_matches_the_registered_business(operator):
    BusinessFactory(name="Batik Sekar Jagad 1", owner__name="Ni Made Sari 1", village=make_village("51.03.01.1001"))
    found = plan(operator, [row(1, kode_wilayah="5103011001")])
    assert (found.counts["created"], found.counts["invalid"]) == (0, 0), [str(error) for error in found.errors]


def test_a_code_without_dots_outside_the_region_is_still_refused(operator):
    make_village("51.71.01.1001")
    found = plan(operator, [row(1, kode_wilayah="5171011001")])
    assert found.counts["invalid"] == 1
    assert "51.71.01.1001 berada di luar wilayah Anda" in found.errors[0].message


def test_a_kecamatan_code_without_dots_is_refused_as_not_a_desa(operator):
    found = plan(operator, [row(1, kode_wilayah="510301")])
    assert "51.03.01 bukan kode desa/kelurahan" in found.errors[0].message


# --- the template -------------------------------------------------------------------------------------------------


@pytest.fixture
def template(client, operator):
    make_village("51.71.01.1001", "Serangan")  # Denpasar: not the operator's
    client.force_login(operator)
    response = client.get(reverse("admin:businesses_business_import_template", args=["xlsx"]))
    assert response.status_code == 200
    return openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content)))


def _allowed(workbook) -> dict[str, list[tuple]]:
    sheet = workbook["Nilai yang diizinkan"]
    found: dict[str, list[tuple]] = {}
    for column, value, meaning, spellings in sheet.iter_rows(min_row=4, values_only=True):
        if value is not None:
            found.setdefault(column, []).append((value, meaning, spellings or ""))
    return found


def test_the_template_lists_the_allowed_values_with_their_labels(template):
    assert template.sheetnames[:2] == ["IKM", "Nilai yang diizinkan"]
    allowed = _allowed(template)
    legal = {value: (meaning, spellings) for value, meaning, spellings in allowed["bentuk_usaha"]}
    assert set(legal) == set(LegalForm.values)
    assert legal["ud"][0] == "UD (Usaha Dagang)" and "usaha dagang" in legal["ud"][1]
    assert "persekutuan komanditer" in legal["cv"][1] and "perseroan terbatas" in legal["pt"][1]
    assert {value for value, _m, _s in allowed["jenis_kelamin_pemilik"]} == {"L", "P"}
    statuses = {value: meaning for value, meaning, _s in allowed["status"]}
    assert statuses == {"draft": "Draf", "submitted": "Diajukan", "verified": "Terverifikasi", "published": "Terbit"}
    subsectors = {value: meaning for value, meaning, _s in allowed["subsektor_ekraf"]}
    assert subsectors["kriya"] == "Kriya" and len(subsectors) == 17
    assert "lembar/tahun" in {value for value, _m, _s in allowed["satuan_kapasitas"]}


def test_the_template_lists_the_desa_of_the_users_region_only(template):
    codes = [line[0] for line in template["Kode wilayah"].iter_rows(min_row=2, values_only=True)]
    assert "51.03.01.1001" in codes
    assert not any(code.startswith("51.71") for code in codes)
    kbli = {code: title for code, title in template["KBLI"].iter_rows(min_row=2, values_only=True)}
    assert "13134" in kbli and all(len(code) == 5 for code in kbli)  # subclasses only


def test_the_template_offers_drop_downs_and_keeps_identifiers_as_text(template):
    sheet = template.worksheets[0]
    header = [cell.value for cell in sheet[1]]
    validations = {str(v.sqref): v for v in sheet.data_validations.dataValidation}
    legal = openpyxl.utils.get_column_letter(header.index("bentuk_usaha") + 1)
    validation = validations[f"{legal}2:{legal}5000"]
    assert validation.formula1.startswith("'Nilai yang diizinkan'!$B$")
    assert validation.errorStyle == "warning"  # a synonym typed instead is still read by the import
    nik = openpyxl.utils.get_column_letter(header.index("nik_pemilik") + 1)
    assert sheet.column_dimensions[nik].number_format == "@"
    assert sheet[f"{nik}2"].data_type == "s"


def test_the_filled_template_imports(client, operator, template):
    handle = io.BytesIO()
    template.save(handle)
    business_import = upload(client, handle.getvalue(), name="template.xlsx")
    assert 'value="Konfirmasi"' in client.get(preview_url(business_import)).content.decode()


# --- confirming the valid rows from the preview ----------------------------------------------------------------------


def test_an_all_or_nothing_upload_offers_to_import_the_valid_rows(operator_client):
    business_import = upload(operator_client, csv_bytes([row(1), row(2), row(3, kbli="99999")]))
    page = operator_client.get(preview_url(business_import)).content.decode()
    assert "Impor 2 baris valid, lewati 1 baris tidak valid" in page
    assert 'name="lewati_tidak_valid"' in page
    assert reverse("admin:businesses_business_import_rejects", args=[business_import.pk]) in page
    assert 'value="Konfirmasi"' not in page

    response = operator_client.post(preview_url(business_import), {"lewati_tidak_valid": "1"}, follow=True)
    assert "2 baru" in response.content.decode() and "1 dilewati" in response.content.decode()
    assert sorted(Business.objects.values_list("name", flat=True)) == ["Batik Sekar Jagad 1", "Batik Sekar Jagad 2"]
    business_import.refresh_from_db()
    assert (business_import.state, business_import.skip_invalid) == (BusinessImport.State.APPLIED, True)
    page = response.content.decode()
    assert "Unduh baris yang dilewati" in page
    rejects = operator_client.get(reverse("admin:businesses_business_import_rejects", args=[business_import.pk]))
    text = rejects.content.decode("utf-8-sig")
    assert "Batik Sekar Jagad 3" in text and "99999" in text and "Batik Sekar Jagad 1" not in text
    assert ExportLog.objects.filter(personal_data=True).count() == 1


def test_without_the_choice_an_all_or_nothing_upload_writes_nothing(operator_client):
    business_import = upload(operator_client, csv_bytes([row(1), row(2, kbli="99999")]))
    operator_client.post(preview_url(business_import))
    assert not Business.objects.exists()
    business_import.refresh_from_db()
    assert (business_import.state, business_import.skip_invalid) == (BusinessImport.State.FAILED, False)


def test_no_skipping_offer_when_nothing_valid_would_be_written(operator_client):
    business_import = upload(operator_client, csv_bytes([row(1, kbli="99999")]))
    page = operator_client.get(preview_url(business_import)).content.decode()
    assert "lewati_tidak_valid" not in page
    operator_client.post(preview_url(business_import), {"lewati_tidak_valid": "1"})
    assert not Business.objects.exists()


def test_skipping_from_the_preview_of_a_long_upload(client, operator, settings, django_capture_on_commit_callbacks):
    settings.IMPORT_BACKGROUND_ROWS = 3
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    client.force_login(operator)
    with django_capture_on_commit_callbacks(execute=True):
        business_import = upload(client, csv_bytes([row(n) for n in range(1, 6)] + [row(6, kbli="99999")]))
    run_queued_jobs()
    page = client.get(preview_url(business_import)).content.decode()
    assert "Impor 5 baris valid, lewati 1 baris tidak valid" in page
    with django_capture_on_commit_callbacks(execute=True):
        client.post(preview_url(business_import), {"lewati_tidak_valid": "1"})
    run_queued_jobs()
    assert Job.objects.filter(kind="tabular.apply", status=Job.Status.DONE).count() == 1
    assert Business.objects.count() == 5
    business_import.refresh_from_db()
    assert (business_import.state, business_import.invalid) == (BusinessImport.State.APPLIED, 1)


# --- the data year ---------------------------------------------------------------------------------------------------


def _offered_year(client) -> int:
    form = client.get(IMPORT_URL).context["form"]
    return form.initial["data_year"]


def test_the_year_offered_is_last_year_while_its_figures_are_missing(operator_client, operator):
    complete = BusinessFactory(name="Sudah lengkap")
    BusinessYearFactory(business=complete, year=LAST_YEAR)
    BusinessFactory(name="Belum ada data")
    assert _offered_year(operator_client) == LAST_YEAR
    page = operator_client.get(IMPORT_URL).content.decode()
    assert f"Diisi {LAST_YEAR}: 1 IKM aktif di wilayah Anda belum punya data tahun itu." in page


def test_the_year_offered_is_this_year_once_last_years_figures_are_complete(operator_client):
    for name in ("A", "B"):
        BusinessYearFactory(business=BusinessFactory(name=name), year=LAST_YEAR)
    BusinessFactory(name="Draf tanpa data", status=BusinessStatus.DRAFT)  # not an active IKM: not waited for
    assert _offered_year(operator_client) == YEAR
    page = operator_client.get(IMPORT_URL).content.decode()
    assert f"Diisi {YEAR}: semua IKM aktif di wilayah Anda sudah punya data {LAST_YEAR}." in page


def test_another_regions_missing_figures_do_not_count(operator_client):
    BusinessYearFactory(business=BusinessFactory(name="Badung"), year=LAST_YEAR)
    BusinessFactory(name="Denpasar", village=make_village("51.71.01.1001"))  # lacks figures, but not the office's
    assert _offered_year(operator_client) == YEAR


def test_an_empty_registry_is_offered_last_year(operator_client):
    assert _offered_year(operator_client) == LAST_YEAR
    page = operator_client.get(IMPORT_URL).content.decode()
    assert f"Diisi {LAST_YEAR}: data tahunan dikumpulkan sesudah tahunnya berakhir." in page


def test_import_year_rule_on_a_given_day():
    new_year = datetime.date(2026, 1, 5)
    assert import_year(Business.objects.none(), today=new_year) == 2025


# --- a messy file, end to end ------------------------------------------------------------------------------------------


def test_a_messy_xlsx_through_the_admin(operator_client, operator, kbli):
    """Header in capitals with spaces, legal forms written out, desa codes as numbers and without dots, sex and
    subsector by name, rupiah with Rp, a NIK as text; one row with an unknown KBLI, one in another regency. Uploaded
    as "all or nothing", confirmed from the preview as "import the valid rows"."""
    make_village("51.71.01.1001")
    header = [f" {name.upper()} " for name in ("nama_usaha", "bentuk_usaha", "nama_pemilik", "nik_pemilik")] + [
        "Jenis_Kelamin_Pemilik",
        "kode_wilayah",
        "KBLI",
        "subsektor_ekraf",
        "nilai_investasi",
        "omzet_tahunan",
        "tenaga_kerja_laki",
    ]
    rows = [
        [
            "Tenun Ikat Sari",
            "Usaha Dagang",
            "Ni Luh Sari",
            "5103015508850002",
            "Perempuan",
            5103011001,
            13134,
            "Kriya",
            "Rp 25.000.000",
            "Rp 300.000.000",
            2,
        ],
        [
            "Kopi Bali Jaya",
            "PERSEROAN TERBATAS",
            "I Made Jaya",
            "",
            "laki-laki",
            "5103.01.1001",
            "13134",
            "kuliner",
            "150.000.000",
            2_500_000_000,
            12,
        ],
        ["Anyaman Bambu", "C.V.", "Ketut Anyam", "", "P", "5103011001", "99999", "", "", "", ""],
        ["Perak Denpasar", "Perseorangan", "Wayan Perak", "", "L", 5171011001, "13134", "", "", "", ""],
        ["Koperasi Wanita", "koperasi", "Ibu Koperasi", "", "P", "5103011001", "13134", "", "", "", 0],
    ]
    business_import = upload(
        operator_client, xlsx_bytes(rows, header=header), name="pendataan kacau.xlsx", year=LAST_YEAR
    )
    page = operator_client.get(preview_url(business_import)).content.decode()
    assert "Impor 3 baris valid, lewati 2 baris tidak valid" in page, page
    assert "KBLI 99999 tidak dikenal" in page and "51.71.01.1001 berada di luar wilayah Anda" in page

    operator_client.post(preview_url(business_import), {"lewati_tidak_valid": "1"})
    made = {b.name: b for b in Business.objects.select_related("owner")}
    assert set(made) == {"Tenun Ikat Sari", "Kopi Bali Jaya", "Koperasi Wanita"}
    assert [made[name].legal_form for name in ("Tenun Ikat Sari", "Kopi Bali Jaya", "Koperasi Wanita")] == [
        LegalForm.UD,
        LegalForm.PT,
        LegalForm.KOPERASI,
    ]
    assert {b.village_id for b in made.values()} == {"51.03.01.1001"}
    assert (made["Tenun Ikat Sari"].owner.sex, made["Kopi Bali Jaya"].owner.sex) == ("P", "L")
    assert (made["Tenun Ikat Sari"].subsector_id, made["Kopi Bali Jaya"].subsector_id) == ("kriya", "kuliner")
    assert made["Tenun Ikat Sari"].owner.nik == "5103015508850002"
    figures = made["Kopi Bali Jaya"].years.get()
    assert (figures.year, figures.investment, figures.turnover, figures.scale_pp7) == (
        LAST_YEAR,
        150_000_000,
        2_500_000_000,
        "kecil",
    )
