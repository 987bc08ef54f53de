"""Reading an OSS-RBA export into registered businesses (kind "oss"): a messy export as offices download it (header
names of their own, extra columns, dotted NIBs, one row per KBLI, repeated rows, NIBs the registry lacks, another
region's businesses), matched by NIB or name and desa, previewed first (old → new), written with history, never
creating a business; from the command and from the admin's upload pages."""

import io
from decimal import Decimal

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from businesses.choices import BusinessStatus
from businesses.models import Business
from businesses.services.oss_import import OssImporter
from ikm_registry.choices import StaffRole
from ikm_registry.models import TabularImport
from ikm_registry.tabular.engine import Action
from tests.factories import BusinessFactory, make_kbli, make_village, staff_user

pytestmark = pytest.mark.django_db

HEADER = (
    "No;Nomor Induk Berusaha;Nama Perusahaan;Kode KBLI;Judul KBLI;Alamat Usaha;Kelurahan Usaha;Kecamatan Usaha;"
    "Kab/Kota Usaha;Skala Usaha;Tingkat Risiko;Status Penanaman Modal;Tanggal Terbit NIB;Email"
)
MESSY = "\n".join(
    [
        HEADER,
        # 2: dotted NIB of Batik Sari (registered with it), its KBLI listed: nothing changes
        "1;912.0000.000001;BATIK SARI;13134;Industri Batik;Jl. Raya Tuban 12;TUBAN;KUTA;BADUNG;Usaha Mikro;Rendah;"
        "PMDN;12/03/2022;sari@example.com",
        # 3-4: Perak Celuk (no NIB yet) by name and desa, one row per KBLI: gets the NIB and its OSS industry KBLI
        "2;9120 000 000 077;Perak Celuk;32111;Industri Permata;;MUNGGU;MENGWI;BADUNG;Usaha Kecil;Menengah Rendah;"
        "PMDN;01/02/2023;",
        "3;9120 000 000 077;Perak Celuk;47731;Perdagangan Eceran Perhiasan;;MUNGGU;MENGWI;BADUNG;Usaha Kecil;"
        "Menengah Rendah;PMDN;01/02/2023;",
        # 5: row 4 again
        "4;9120 000 000 077;Perak Celuk;47731;Perdagangan Eceran Perhiasan;;MUNGGU;MENGWI;BADUNG;Usaha Kecil;"
        "Menengah Rendah;PMDN;01/02/2023;",
        # 6: a NIB and a name the registry does not know
        "5;9999999999999;Toko Tidak Ada;47111;Minimarket;;TUBAN;KUTA;BADUNG;Usaha Mikro;Rendah;PMDN;;",
        # 7: the NIB of a Denpasar business (another region)
        "6;9120000000002;Batik Serangan;13134;Industri Batik;;SERANGAN;DENPASAR SELATAN;KOTA DENPASAR;Usaha Mikro;"
        "Rendah;PMDN;;",
        # 8: a person's NIB (OSS names the owner), matched by the owner's name in the desa; only a trade KBLI
        "7;9120000000555;I Wayan Kerta;47241;Perdagangan Eceran Roti;;KUTA;KUTA;BADUNG;Usaha Mikro;Rendah;PMDN;;",
    ]
)


@pytest.fixture
def world(bali_regions, kbli):
    make_kbli("32111")
    make_kbli("47731")
    make_kbli("47241")
    make_kbli("47111")
    make_kbli("10792")
    sari = BusinessFactory(
        name="Batik Sari", nib="9120000000001", village=bali_regions.tuban, kbli=kbli.batik, status="published"
    )
    perak = BusinessFactory(name="Perak Celuk", village=bali_regions.munggu, kbli=kbli.silver)
    kerta = BusinessFactory(
        name="Roti Kerta", village=bali_regions.kuta_village, kbli=make_kbli("10792"), owner__name="I Wayan Kerta"
    )
    serangan = BusinessFactory(name="Batik Serangan", nib="9120000000002", village=bali_regions.serangan)
    return {"sari": sari, "perak": perak, "kerta": kerta, "serangan": serangan}


@pytest.fixture
def operator(world):
    return staff_user(StaffRole.OPERATOR, "51.03", username="operator.badung")


def plan_of(text: str, user, *, options=None, name="oss.csv"):
    return OssImporter(user=user, options=options).plan(io.BytesIO(text.encode()), name)


def outcome(plan, row: int):
    return next(found for found in plan.rows if found.row == row)


def errors(plan, row: int) -> str:
    return " | ".join(f"{error.column}: {error.message}" for error in outcome(plan, row).errors)


# --- the plan: matching and what changes -------------------------------------------------------------------------


def test_messy_export_is_matched_and_previewed(operator, world):
    plan = plan_of(MESSY, operator)
    assert plan.counts == {"rows": 7, "created": 0, "updated": 2, "unchanged": 2, "invalid": 3}
    # header names of the export's own, its unused columns named once
    assert plan.notes[0] == (1, "Kolom berikut tidak dibaca: No, Email.")
    sari = outcome(plan, 2)
    assert (sari.action, sari.record_id, sari.changes) == (Action.UNCHANGED, world["sari"].pk, [])
    perak = outcome(plan, 3)
    assert (perak.action, perak.record_id, perak.name) == (Action.UPDATE, world["perak"].pk, "Perak Celuk")
    assert perak.changes == [("nib", "", "9120000000077"), ("kbli", "32112", "32111")]
    assert outcome(plan, 4).action == Action.UNCHANGED
    assert "dibaca bersama baris 3" in outcome(plan, 4).notes[0]
    assert "Sama dengan baris 4" in errors(plan, 5)
    assert "Tidak ditemukan di registri" in errors(plan, 6) and errors(plan, 6).startswith("nib:")
    assert errors(plan, 7) == "nib: NIB 9120000000002 terdaftar untuk IKM di luar wilayah Anda."
    kerta = outcome(plan, 8)
    assert (kerta.action, kerta.record_id, kerta.changes) == (Action.UPDATE, world["kerta"].pk,
                                                              [("nib", "", "9120000000555")])  # fmt: skip
    assert any("bukan industri pengolahan" in note for note in kerta.notes)  # 47241 never replaces 10792
    assert any("Nama di OSS: I Wayan Kerta" in note for note in kerta.notes)


def test_applying_writes_only_nib_and_kbli_with_history_and_creates_nothing(operator, world):
    importer = OssImporter(user=operator)
    plan = importer.plan(io.BytesIO(MESSY.encode()), "oss.csv")
    before = Business.objects.count()
    assert not importer.apply(plan).written  # all or nothing: three invalid rows
    world["perak"].refresh_from_db()
    assert world["perak"].nib == ""
    result = importer.apply(plan, skip_invalid=True)
    assert (result.written, result.updated, result.invalid) == (True, 2, 3)
    assert Business.objects.count() == before
    perak, kerta = (Business.objects.get(pk=world[key].pk) for key in ("perak", "kerta"))
    assert (perak.nib, perak.kbli_id, perak.name, perak.status) == ("9120000000077", "32111", "Perak Celuk", "verified")
    assert (kerta.nib, kerta.kbli_id) == ("9120000000555", "10792")
    latest = perak.history.first()
    assert (latest.history_type, latest.history_user, latest.history_change_reason) == ("~", operator, "impor oss.csv")
    assert latest.updated_at > world["perak"].updated_at
    assert Business.objects.get(pk=world["serangan"].pk).history.count() == 1  # another region's: untouched


def test_reimporting_changes_nothing(operator, world):
    importer = OssImporter(user=operator)
    importer.apply(importer.plan(io.BytesIO(MESSY.encode()), "oss.csv"), skip_invalid=True)
    again = plan_of(MESSY, operator)
    assert again.counts["updated"] == 0 and again.counts["invalid"] == 3


def test_a_registered_nib_is_never_replaced(operator, world):
    sheet = "nib;nama_pelaku_usaha;kode_wilayah\n9120000000999;Batik Sari;5103011001\n"
    plan = plan_of(sheet, operator)
    assert "terdaftar dengan NIB 9120000000001, bukan 9120000000999" in errors(plan, 2)


def test_the_same_nib_for_two_businesses_is_refused(operator, world):
    sheet = "nib;nama_pelaku_usaha;kode_wilayah\n9120000000077;Perak Celuk;51.03.02.2001\n9120000000077;Roti Kerta;51.03.01.1002\n"
    plan = plan_of(sheet, operator)
    assert outcome(plan, 2).action == Action.UPDATE
    assert "NIB sama dengan baris 2, tetapi untuk IKM lain" in errors(plan, 3)


def test_a_desa_outside_the_region_and_an_unknown_desa_are_named(operator, world):
    sheet = "nama usaha;kode desa\nBatik Serangan;5171011001\nBatik Sari;51.03.01.9999\nBatik Sari;\n"
    plan = plan_of(sheet, operator)
    assert errors(plan, 2) == "kode_wilayah: Desa 51.71.01.1001 berada di luar wilayah Anda (51.03)."
    assert "bukan kode desa/kelurahan yang dikenal" in errors(plan, 3)
    assert "isi nama pelaku usaha dan kode_wilayah atau kelurahan" in errors(plan, 4)


def test_a_desa_name_found_in_two_kecamatan_needs_the_kecamatan(operator, world, bali_regions):
    make_village("51.03.02.2002", "Tuban")  # another Tuban, in Mengwi
    plan = plan_of("nama usaha;desa\nBatik Sari;Tuban\n", operator)
    assert "Ada beberapa desa/kelurahan Tuban" in errors(plan, 2)
    plan = plan_of("nama usaha;desa;kecamatan\nBatik Sari;Tuban;Kuta\n", operator)
    assert outcome(plan, 2).record_id == world["sari"].pk


def test_rejected_businesses_are_not_matched(operator, world):
    Business.objects.filter(pk=world["perak"].pk).update(status=BusinessStatus.REJECTED)
    plan = plan_of("nama perusahaan;kode wilayah;kbli\nPerak Celuk;51.03.02.2001;32111\n", operator)
    assert "Tidak ditemukan di registri" in errors(plan, 2)


def test_keeping_the_kbli_fills_the_nib_only(operator, world):
    plan = plan_of(MESSY, operator, options={"kbli": "tetap"})
    assert outcome(plan, 3).changes == [("nib", "", "9120000000077")]
    assert any("tetap (impor hanya NIB)" in note for note in outcome(plan, 3).notes)


def test_the_closest_industry_code_becomes_the_main_kbli(operator, world, kbli):
    """Of several manufacturing codes, the one sharing the registered code's class wins over the first listed."""
    make_kbli("10710")
    sheet = "nib;kbli\n9120000000001;10710, 13133, 47711\n"
    plan = plan_of(sheet, operator)
    assert outcome(plan, 2).changes == [("kbli", "13134", "13133")]
    assert any("10710" in note for note in outcome(plan, 2).notes)


def test_codes_unknown_to_kbli_2020_are_set_aside_with_a_note(operator, world):
    plan = plan_of("nib;nama perusahaan;kbli;kode wilayah\n9120000000088;Perak Celuk;99999;51.03.02.2001\n", operator)
    found = outcome(plan, 2)
    assert (found.action, found.changes) == (Action.UPDATE, [("nib", "", "9120000000088")])
    assert "KBLI 99999 tidak dikenal (KBLI 2020); diabaikan." in found.notes


@pytest.mark.parametrize(
    ("cell", "message"),
    [("912000000001", "NIB harus 13 angka."), ("91200000000AB", "NIB harus 13 angka.")],
)
def test_a_malformed_nib_is_refused_on_its_cell(operator, world, cell, message):
    plan = plan_of(f"nib;nama perusahaan;kode wilayah\n{cell};Perak Celuk;51.03.02.2001\n", operator)
    assert errors(plan, 2) == f"nib: {message}"


def test_xlsx_with_numbers_for_nib_and_kbli_and_spaced_headers(operator, world):
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(["Nomor  Induk Berusaha ", "NAMA PELAKU USAHA", "KBLI 2020", "Kode Kelurahan"])
    sheet.append([Decimal("9120000000077"), "perak  celuk", 32111, 5103022001])
    handle = io.BytesIO()
    workbook.save(handle)
    plan = OssImporter(user=operator).plan(io.BytesIO(handle.getvalue()), "oss.xlsx")
    assert outcome(plan, 2).changes == [("nib", "", "9120000000077"), ("kbli", "32112", "32111")]


def test_a_file_that_cannot_match_anything_is_refused_at_once(operator, world):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError, match="Berkas harus punya kolom NIB"):
        plan_of("Nama Perusahaan;Skala Usaha\nBatik Sari;Usaha Mikro\n", operator)


def test_planning_reads_the_registry_in_a_fixed_number_of_queries(operator, world, bali_regions):
    def queries(rows: int) -> int:
        lines = [HEADER] + [
            f"{n};91230000{n:05d};Usaha {n};13134;;;TUBAN;KUTA;BADUNG;;;;;" for n in range(rows)
        ]  # fmt: skip
        with CaptureQueriesContext(connection) as captured:
            plan_of("\n".join(lines), operator)
        return len(captured.captured_queries)

    for n in range(40):
        BusinessFactory(name=f"Usaha {n}", nib=f"91230000{n:05d}", village=bali_regions.tuban)
    queries(5)  # the user's scope is looked up once
    assert queries(5) == queries(40)


# --- the command and the admin -----------------------------------------------------------------------------------


def test_import_table_command_with_skip_invalid(operator, world, tmp_path):
    path = tmp_path / "oss-badung.csv"
    path.write_text(MESSY, encoding="utf-8")
    out = io.StringIO()
    with pytest.raises(CommandError, match="3 baris tidak valid"):
        call_command("import_table", "oss", str(path), user="operator.badung", stdout=out, stderr=io.StringIO())
    call_command("import_table", "oss", str(path), user="operator.badung", skip_invalid=True, stdout=out,
                 stderr=io.StringIO())  # fmt: skip
    assert "Ditulis: 0 baru, 2 diperbarui, 2 tetap." in out.getvalue()
    rejects = (tmp_path / "oss-badung.rejects.csv").read_text(encoding="utf-8-sig")
    assert "Toko Tidak Ada" in rejects and "Batik Serangan" in rejects and "alasan" in rejects
    assert "sari@example.com" not in rejects  # the columns it does not read stay out of the rejects file
    assert TabularImport.objects.filter(kind="oss").count() == 2


def test_command_without_a_user_matches_in_every_region(world, tmp_path):
    path = tmp_path / "oss.csv"
    path.write_text("nib;kbli\n9120000000002;13133\n", encoding="utf-8")
    call_command("import_table", "oss", str(path), stdout=io.StringIO(), stderr=io.StringIO())
    serangan = Business.objects.get(pk=world["serangan"].pk)
    assert serangan.kbli_id == "13133"
    assert serangan.history.first().history_change_reason == "import_table oss.csv"


def test_admin_upload_previews_old_and_new_then_applies_once(client, operator, world):
    client.force_login(operator)
    listing = client.get(reverse("admin:businesses_business_changelist")).content.decode()
    upload_url = reverse("admin:tabular_upload", args=["oss"])
    assert upload_url in listing
    page = client.get(upload_url).content.decode()
    assert reverse("admin:tabular_upload_template", args=["oss"]) in page
    assert f"{upload_url}?kbli=tetap" in page
    response = client.post(upload_url, {"file": SimpleUploadedFile("oss.csv", MESSY.encode()), "skip_invalid": "on"})
    preview = client.get(response["Location"]).content.decode()
    assert "32112" in preview and "32111" in preview and "9120000000077" in preview
    assert "Tidak ditemukan di registri" in preview and "Konfirmasi" in preview
    assert Business.objects.get(pk=world["perak"].pk).nib == ""
    client.post(response["Location"])
    client.post(response["Location"])
    perak = Business.objects.get(pk=world["perak"].pk)
    assert (perak.nib, perak.kbli_id) == ("9120000000077", "32111")
    assert perak.history.first().history_user == operator
    assert perak.history.count() == 2  # created, then this import once


def test_keep_kbli_is_an_option_of_the_upload(client, operator, world):
    client.force_login(operator)
    url = reverse("admin:tabular_upload", args=["oss"]) + "?kbli=tetap"
    response = client.post(url, {"file": SimpleUploadedFile("oss.csv", MESSY.encode()), "skip_invalid": "on"})
    assert TabularImport.objects.get().options == {"kbli": "tetap"}
    client.post(response["Location"])
    perak = Business.objects.get(pk=world["perak"].pk)
    assert (perak.nib, perak.kbli_id) == ("9120000000077", "32112")


def test_template_lists_the_columns_an_example_and_the_header_names_read(client, operator):
    client.force_login(operator)
    response = client.get(reverse("admin:tabular_upload_template", args=["oss"]))
    workbook = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    header = [cell.value for cell in workbook.worksheets[0][1]]
    assert header[:4] == ["nib", "nama_pelaku_usaha", "nama_usaha", "kbli"]
    assert workbook.worksheets[0]["A2"].value == "9120001234567"
    names = {row[1]: row[3] for row in workbook.worksheets[1].iter_rows(values_only=True) if row[0] == "nama kolom"}
    assert "Nomor Induk Berusaha" in names["nib"] or "nomor induk berusaha" in names["nib"]
    assert client.get(reverse("admin:tabular_upload_template", args=["events"])).status_code == 404


def test_an_official_cannot_upload(client, world):
    client.force_login(staff_user(StaffRole.OFFICIAL, "51.03"))
    assert client.get(reverse("admin:tabular_upload", args=["oss"])).status_code == 403
    assert client.get(reverse("admin:tabular_upload_template", args=["oss"])).status_code == 403
