"""The business import as an operator uses it, in a real Chromium: a messy spreadsheet, its preview, Konfirmasi."""

import pytest

from businesses.models import Business
from ikm_registry.choices import StaffRole
from ikm_registry.models import CreativeSubsector
from tests.browser.conftest import log_in
from tests.business_files import csv_bytes, row
from tests.factories import make_kbli, make_village, staff_user


@pytest.fixture
def badung(transactional_db, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    make_village("51.03.01.1001", "Tuban")
    make_village("51.71.01.1001", "Serangan")
    make_kbli("13134")
    # A transactional test before this one may have flushed the subsectors the data migration loaded.
    CreativeSubsector.objects.get_or_create(code="kriya", defaults={"name": "Kriya", "name_en": "Crafts"})
    staff_user(StaffRole.OPERATOR, "51.03", username="operator.badung")


def messy_file(tmp_path):
    """BOM, semicolons, mixed-case headers, Rp amounts, and two bad rows (unknown KBLI, a desa in Denpasar)."""
    rows = [
        row(1, nilai_investasi="Rp 35.000.000", omzet_tahunan="Rp 240.000.000"),
        row(2, kbli="99999"),
        row(3, kode_wilayah="51.71.01.1001"),
    ]
    content = csv_bytes(rows, delimiter=";", bom=True).replace(b"nama_usaha;nib", b"Nama_Usaha; NIB ", 1)
    path = tmp_path / "impor berantakan.csv"
    path.write_bytes(content)
    return path


def test_upload_preview_and_confirm(page, badung, tmp_path):
    log_in(page, "operator.badung")
    page.goto("/admin/businesses/business/")
    page.click(".object-tools a:has-text('Impor')")
    page.set_input_files("#id_file", str(messy_file(tmp_path)))
    page.check("#id_skip_invalid")
    page.click("input[type=submit]")

    page.wait_for_selector(".import-counts")
    assert page.locator(".action-create .count").inner_text() == "1", page.locator("#content-main").inner_text()
    assert page.locator(".action-invalid .count").inner_text() == "2"
    errors = page.locator(".import-errors tbody").inner_text()
    assert "3\tkbli\tKBLI 99999 tidak dikenal (KBLI 2020)." in errors
    assert "4\tkode_wilayah\tDesa 51.71.01.1001 berada di luar wilayah Anda (51.03)." in errors

    page.click("input[value=Konfirmasi]")
    page.wait_for_selector(".messagelist .success")
    assert "1 baru" in page.locator(".messagelist").inner_text()
    assert list(Business.objects.values_list("name", flat=True)) == ["Batik Sekar Jagad 1"]
    assert page.locator("input[value=Konfirmasi]").count() == 0


def test_confirm_the_valid_rows_of_an_all_or_nothing_upload_from_its_preview(page, badung, tmp_path):
    """The operator forgot "Lewati baris tidak valid": the preview offers to import the valid rows and skip the
    others, with the skipped rows to download, without uploading the file again."""
    log_in(page, "operator.badung")
    page.goto("/admin/businesses/business/import/")
    page.set_input_files("#id_file", str(messy_file(tmp_path)))
    assert not page.is_checked("#id_skip_invalid")
    page.click("input[type=submit]")

    button = page.locator(".import-confirm-skipping input[type=submit]")
    assert button.get_attribute("value") == "Impor 1 baris valid, lewati 2 baris tidak valid"
    assert page.locator(".import-errors tbody tr").count() == 2  # the rows that will be skipped, with reasons
    with page.expect_download() as download:
        page.click(".import-confirm-skipping a.skipped-rows-link")
    skipped = download.value.path().read_text(encoding="utf-8-sig")
    assert "99999" in skipped and "51.71.01.1001" in skipped and "Batik Sekar Jagad 1;" not in skipped

    button.click()
    page.wait_for_selector(".messagelist .success")
    assert "1 baru" in page.locator(".messagelist").inner_text()
    assert "2 dilewati" in page.locator(".messagelist").inner_text()
    assert list(Business.objects.values_list("name", flat=True)) == ["Batik Sekar Jagad 1"]
    assert page.locator(".import-done a:has-text('Unduh baris yang dilewati')").count() == 1
    assert page.locator(".import-confirm-skipping").count() == 0
