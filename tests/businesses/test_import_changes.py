"""What an import changes in registered businesses (issue 9 points 3 and 21, and the rejects part of point 10):
case and spacing alone are no change, every change is shown old → new, the command runs without --user, and every
rejects file that leaves is in the export log."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from businesses.choices import BusinessStatus
from businesses.models import Business, BusinessImport, BusinessYear, Owner
from businesses.services.importing import Action, businesses_import, businesses_import_plan
from ikm_registry.models import ExportLog
from tests.business_files import csv_bytes, row, write
from tests.factories import BusinessFactory

YEAR = timezone.localdate().year
NIK = "5103015508850001"


@pytest.fixture
def art_shop(operator):
    """A published business as the directory and its PDF show it."""
    business = BusinessFactory(
        name="Art Shop Sari",
        nib="9120001234567",
        status=BusinessStatus.PUBLISHED,
        main_product="Patung kayu",
        address="Jl. Pantai Kuta 1",
        owner__name="Ni Made Sari",
        owner__nik=NIK,
    )
    return business


def art_shop_row(**changes):
    values = {
        "nama_usaha": "Art Shop Sari",
        "nama_pemilik": "Ni Made Sari",
        "nik_pemilik": NIK,
        "kode_wilayah": "51.03.01.1001",
        "kbli": "13134",
        "produk_utama": "Patung kayu",
        "alamat": "Jl. Pantai Kuta 1",
    }
    values.update(changes)
    columns = list(values)
    return csv_bytes([values], columns=columns)


def plan_of(content, user):
    return businesses_import_plan(source=io.BytesIO(content), filename="ikm.csv", user=user, year=YEAR)


@pytest.mark.parametrize(
    "name", ["art shop sari", "Art  Shop Sari", " ART SHOP SARI ", "Art Shop Sari", "Art\u00a0Shop Sari"]
)
def test_case_or_spacing_alone_is_no_change_and_the_published_name_stays(client, operator, art_shop, name):
    content = art_shop_row(nama_usaha=name, produk_utama="patung  KAYU", alamat="jl. pantai kuta 1")
    plan = plan_of(content, operator)
    assert [outcome.action for outcome in plan.rows] == [Action.UNCHANGED]
    assert plan.rows[0].changes == []
    history = Business.history.count()
    result = businesses_import(source=io.BytesIO(content), filename="ikm.csv", user=operator, year=YEAR)
    assert (result.updated, result.unchanged) == (0, 1)
    art_shop.refresh_from_db()
    assert (art_shop.name, art_shop.main_product, art_shop.address) == (
        "Art Shop Sari",
        "Patung kayu",
        "Jl. Pantai Kuta 1",
    )
    assert Business.history.count() == history  # nothing written
    page = client.get(reverse("businesses:directory") + "?q=sari").content.decode()
    assert "Art Shop Sari" in page and "art shop sari" not in page


def test_a_real_change_still_changes_and_the_plan_says_old_and_new(operator, art_shop):
    content = art_shop_row(
        nib="9120001234567", nama_usaha="ART SHOP SARI DEWI", produk_utama="Patung kayu", nik_pemilik="5103015508850002"
    )
    plan = plan_of(content, operator)
    outcome = plan.rows[0]
    assert outcome.action == Action.UPDATE
    assert outcome.changes == [
        ("nama_usaha", "Art Shop Sari", "ART SHOP SARI DEWI"),
        ("nik_pemilik", "5103••••••••0001", "5103••••••••0002"),
    ]


def test_preview_shows_every_matched_row_that_changes(client, operator, art_shop):
    other = BusinessFactory(name="Perak Sari", owner__name="Wayan Sari", main_product="Cincin")
    columns = ["nama_usaha", "nama_pemilik", "kode_wilayah", "kbli", "produk_utama"]
    rows = [
        {**row(), "nama_usaha": "ART SHOP SARI", "nama_pemilik": "Ni Made Sari", "produk_utama": "Patung batu"},
        {**row(), "nama_usaha": "Perak Sari", "nama_pemilik": "Wayan Sari", "produk_utama": "Gelang"},
        {**row(), "nama_usaha": "Usaha Baru", "nama_pemilik": "Ketut", "produk_utama": "Kain"},
    ]
    client.force_login(operator)
    response = client.post(
        reverse("admin:businesses_business_import"),
        {"file": SimpleUploadedFile("ikm.csv", csv_bytes(rows, columns=columns)), "data_year": str(YEAR)},
    )
    page = client.get(response["Location"]).content.decode()
    section = page[page.index('id="perubahan"') :]
    section = section[: section.index("</section>")]
    assert "Perubahan pada IKM terdaftar (2)" in section
    for text in ("Patung kayu", "Patung batu", "Cincin", "Gelang"):
        assert text in section
    for business in (art_shop, other):
        assert reverse("admin:businesses_business_change", args=[business.pk]) in section
    assert "Usaha Baru" not in section  # a new business is not a change of a registered one


def test_preview_lists_every_changed_field_of_a_matched_row(client, operator, art_shop):
    content = art_shop_row(produk_utama="Patung batu", alamat="Jl. Legian 5", nik_pemilik="5103015508850002")
    client.force_login(operator)
    response = client.post(
        reverse("admin:businesses_business_import"),
        {"file": SimpleUploadedFile("ikm.csv", content), "data_year": str(YEAR)},
    )
    page = client.get(response["Location"]).content.decode()
    section = page[page.index('id="perubahan"') :]
    section = section[: section.index("</section>")]
    for text in ("produk_utama", "Patung kayu", "Patung batu", "alamat", "Jl. Pantai Kuta 1", "Jl. Legian 5"):
        assert text in section
    assert "5103••••••••0001" in section and "5103••••••••0002" in section
    assert NIK not in page and "5103015508850002" not in page


# --- the command ----------------------------------------------------------------------------------------------------


def test_dry_run_prints_old_and_new_per_row(operator, art_shop, tmp_path):
    path = write(tmp_path, "ikm.csv", art_shop_row(produk_utama="Patung batu", nama_usaha="art shop SARI"))
    out = io.StringIO()
    call_command("import_businesses", str(path), "--dry-run", stdout=out, stderr=io.StringIO())
    text = out.getvalue()
    assert f"baris 2 (ID {art_shop.pk}, Art Shop Sari) diperbarui: produk_utama: Patung kayu → Patung batu" in text
    assert "nama_usaha" not in text.split("diperbarui:")[1]
    art_shop.refresh_from_db()
    assert art_shop.main_product == "Patung kayu"


def test_command_without_user_has_full_access_and_history_names_the_command(bali_regions, kbli, tmp_path):
    # Denpasar and Badung in one file: no staff account could import both, the command can.
    path = write(tmp_path, "pendataan.csv", csv_bytes([row(1), row(2, kode_wilayah="51.71.01.1001")]))
    out = io.StringIO()
    call_command("import_businesses", str(path), stdout=out, stderr=io.StringIO())
    assert "2 baru" in out.getvalue()
    assert Business.objects.count() == 2
    assert set(Business.objects.values_list("created_by", flat=True)) == {None}
    for model in (Business, Owner, BusinessYear):
        for record in model.history.all():
            assert record.history_user is None
            assert record.history_change_reason == "import_businesses pendataan.csv"


def test_command_with_user_still_runs_as_that_user(operator, tmp_path):
    path = write(tmp_path, "ikm.csv", csv_bytes([row(1), row(2, kode_wilayah="51.71.01.1001")]))
    out, err = io.StringIO(), io.StringIO()
    with pytest.raises(Exception, match="1 baris tidak valid"):
        call_command("import_businesses", str(path), "--user", "operator.badung", stdout=out, stderr=err)
    assert "di luar wilayah Anda" in err.getvalue()
    call_command("import_businesses", str(path), "--user", "operator.badung", "--skip-invalid", stdout=out, stderr=err)
    assert Business.history.get().history_user == operator


# --- rejects downloads are exports of personal data -------------------------------------------------------------------


def test_command_rejects_file_is_logged(operator, tmp_path):
    path = write(tmp_path, "ikm.csv", csv_bytes([row(1), row(2, kbli="99999")]))
    call_command(
        "import_businesses", str(path), "--user", "operator.badung", "--skip-invalid",
        stdout=io.StringIO(), stderr=io.StringIO(),
    )  # fmt: skip
    log = ExportLog.objects.get()
    assert (log.user, log.what, log.file_format, log.row_count, log.personal_data) == (
        operator,
        "businesses.business",
        "csv",
        1,
        True,
    )
    assert "ikm.csv" in log.filter


def test_admin_rejects_download_is_logged(client, operator):
    client.force_login(operator)
    client.post(
        reverse("admin:businesses_business_import"),
        {
            "file": SimpleUploadedFile("ikm.csv", csv_bytes([row(1), row(2, kbli="99999"), row(3, kbli="1")])),
            "data_year": str(YEAR),
            "skip_invalid": "on",
        },
    )
    business_import = BusinessImport.objects.get()
    response = client.get(reverse("admin:businesses_business_import_rejects", args=[business_import.pk]))
    assert response.status_code == 200 and "99999" in response.content.decode("utf-8-sig")
    log = ExportLog.objects.get()
    assert (log.user, log.row_count, log.personal_data, log.file_format) == (operator, 2, True, "csv")
    assert "ikm.csv" in log.filter
