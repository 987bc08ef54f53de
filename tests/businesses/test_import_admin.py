"""The admin's business import: upload → preview (every invalid row by row, column, reason) → confirm, once."""

import io

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from businesses.models import Business, BusinessImport
from businesses.services.layout import COLUMNS
from ikm_registry.choices import StaffRole
from ikm_registry.models import TabularImport
from tests.business_files import csv_bytes, row
from tests.factories import staff_user

IMPORT_URL = reverse("admin:businesses_business_import")
YEAR = timezone.localdate().year


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def operator_client(client, operator):
    client.force_login(operator)
    return client


def preview_url(business_import):
    return reverse("admin:businesses_business_import_preview", args=[business_import.pk])


def upload(client, content: bytes, *, name="ikm.csv", skip_invalid=False, year=YEAR):
    data = {"file": SimpleUploadedFile(name, content), "data_year": str(year)}
    if skip_invalid:
        data["skip_invalid"] = "on"
    response = client.post(IMPORT_URL, data)
    assert response.status_code == 302, response.content.decode()[:2000]
    return BusinessImport.objects.latest("uploaded_at")


def test_upload_preview_confirm(operator_client, operator):
    business_import = upload(operator_client, csv_bytes([row(1), row(2)]))
    assert response_url_is(operator_client, business_import)
    assert (business_import.uploaded_by, business_import.data_year, business_import.state) == (
        operator,
        YEAR,
        BusinessImport.State.PREVIEWED,
    )

    preview = operator_client.get(preview_url(business_import))
    content = preview.content.decode()
    assert preview.status_code == 200
    assert "Batik Sekar Jagad 1" in content and "Konfirmasi" in content
    assert Business.objects.count() == 0  # a preview writes nothing

    confirm = operator_client.post(preview_url(business_import), follow=True)
    assert "diterapkan" in confirm.content.decode()
    assert Business.objects.count() == 2
    business_import.refresh_from_db()
    assert business_import.state == BusinessImport.State.APPLIED
    assert (business_import.rows, business_import.created) == (2, 2)
    assert Business.history.filter(history_user=operator).count() == 2


def response_url_is(client, business_import):
    return client.get(preview_url(business_import)).status_code == 200


def test_preview_lists_every_invalid_row_with_row_and_column(operator_client):
    content = csv_bytes([row(1), row(2, kbli="99999"), row(3, nib="123"), row(4, kode_wilayah="51.71.01.1001")])
    business_import = upload(operator_client, content)

    page = operator_client.get(preview_url(business_import)).content.decode()

    for number, column in ((3, "kbli"), (4, "nib"), (5, "kode_wilayah")):
        assert f'<td class="number">{number}</td><td><code>{column}</code></td>' in page
    assert "KBLI 99999 tidak dikenal" in page
    assert 'value="Konfirmasi"' not in page  # all or nothing: no button while rows are invalid
    assert operator_client.post(preview_url(business_import)).status_code == 302
    assert Business.objects.count() == 0
    business_import.refresh_from_db()
    assert business_import.state == BusinessImport.State.FAILED


def test_skip_invalid_confirms_the_valid_rows_and_offers_the_rejects(operator_client):
    business_import = upload(operator_client, csv_bytes([row(1), row(2, kbli="99999")]), skip_invalid=True)
    page = operator_client.get(preview_url(business_import)).content.decode()
    assert 'value="Konfirmasi"' in page

    rejects = operator_client.get(reverse("admin:businesses_business_import_rejects", args=[business_import.pk]))
    text = rejects.content.decode("utf-8-sig")
    assert "Batik Sekar Jagad 2" in text and "alasan" in text and "Batik Sekar Jagad 1" not in text

    operator_client.post(preview_url(business_import))
    assert list(Business.objects.values_list("name", flat=True)) == ["Batik Sekar Jagad 1"]


def test_confirming_twice_is_refused(operator_client):
    business_import = upload(operator_client, csv_bytes([row()]))
    operator_client.post(preview_url(business_import))
    Business.objects.all().delete()  # were it applied again, the business would come back

    response = operator_client.post(preview_url(business_import), follow=True)

    assert "sudah diterapkan" in response.content.decode()
    assert Business.objects.count() == 0


def test_confirm_rechecks_the_region(operator_client, operator):
    business_import = upload(operator_client, csv_bytes([row()]))
    membership = operator.membership
    membership.office = staff_user(StaffRole.OPERATOR, "51.71").membership.office  # moved to Denpasar meanwhile
    membership.save()

    operator_client.post(preview_url(business_import))

    assert Business.objects.count() == 0


def test_a_broken_file_shows_why(operator_client):
    business_import = upload(operator_client, b"nama usaha,pemilik\nA,B\n")
    page = operator_client.get(preview_url(business_import)).content.decode()
    assert "Kolom tidak dikenal: nama usaha, pemilik" in page
    business_import.refresh_from_db()
    assert business_import.state == BusinessImport.State.FAILED


def test_upload_refuses_other_file_types(operator_client):
    response = operator_client.post(
        IMPORT_URL, {"file": SimpleUploadedFile("ikm.pdf", b"%PDF"), "data_year": str(YEAR)}
    )
    assert response.status_code == 200
    assert ".csv atau .xlsx" in response.content.decode()
    assert not BusinessImport.objects.exists()


def test_officials_get_403_everywhere(client, operator_client, bali_regions):
    business_import = upload(operator_client, csv_bytes([row()]))
    client.force_login(staff_user(StaffRole.OFFICIAL, "51.03"))
    urls = [
        IMPORT_URL,
        preview_url(business_import),
        reverse("admin:businesses_business_import_template", args=["csv"]),
        reverse("admin:businesses_business_import_rejects", args=[business_import.pk]),
    ]
    for url in urls:
        assert client.get(url).status_code == 403, url
    assert client.post(preview_url(business_import)).status_code == 403


def test_another_users_upload_is_not_found(client, operator_client, bali_regions):
    business_import = upload(operator_client, csv_bytes([row()]))
    client.force_login(staff_user(StaffRole.OPERATOR, "51.03", username="operator.lain"))
    assert client.get(preview_url(business_import)).status_code == 404
    assert client.post(preview_url(business_import)).status_code == 404


@pytest.mark.parametrize("file_format", ["csv", "xlsx"])
def test_template_downloads_and_imports(operator_client, operator, file_format):
    response = operator_client.get(reverse("admin:businesses_business_import_template", args=[file_format]))
    assert response.status_code == 200
    content = b"".join(response.streaming_content)
    if file_format == "xlsx":
        sheet = openpyxl.load_workbook(io.BytesIO(content)).worksheets[0]
        lines = [[cell.value for cell in line] for line in sheet.iter_rows()]
        assert lines[0] == list(COLUMNS) and len(lines) == 2
        assert lines[1][COLUMNS.index("kode_wilayah")].startswith("51.03.")  # a desa in the user's own region
    else:
        assert content.decode("utf-8-sig").splitlines()[0] == ";".join(COLUMNS)
    business_import = upload(operator_client, content, name=f"template.{file_format}")
    page = operator_client.get(preview_url(business_import)).content.decode()
    assert 'value="Konfirmasi"' in page, page


def test_upload_page_lists_the_layout_and_recent_uploads(operator_client):
    upload(operator_client, csv_bytes([row()]), name="pendataan-2025.csv")
    page = operator_client.get(IMPORT_URL).content.decode()
    assert "<code>nama_usaha*</code>" in page and "<code>nib</code>" in page
    assert "pendataan-2025.csv" in page


def test_a_file_with_no_valid_row_says_so(operator_client):
    business_import = upload(operator_client, csv_bytes([row(1, kbli="99999")]), skip_invalid=True)
    page = operator_client.get(preview_url(business_import)).content.decode()
    assert "Tidak ada baris yang valid" in page
    assert 'value="Konfirmasi"' not in page


UPLOADS_URL = reverse("admin:ikm_registry_tabularimport_changelist")


def test_the_uploads_list_shows_the_admins_and_the_commands_imports_to_whom_may_see_them(
    client, operator, admin_user, tmp_path
):
    """One upload record for the admin and the command: the command's run is listed (for superusers) beside the
    uploads, and its page shows what the run found, from the stored summary."""
    client.force_login(operator)
    mine = upload(client, csv_bytes([row(1)]), name="dari-admin.csv")
    path = tmp_path / "dari-perintah.csv"
    path.write_bytes(csv_bytes([row(2), row(3, kbli="99999")]))
    call_command("import_businesses", str(path), "--skip-invalid", stdout=io.StringIO(), stderr=io.StringIO())
    command_run = TabularImport.objects.exclude(pk=mine.pk).get()
    assert (command_run.kind, command_run.uploaded_by, command_run.options) == ("businesses", None, {"year": YEAR})

    page = client.get(UPLOADS_URL).content.decode()
    assert "dari-admin.csv" in page and "dari-perintah.csv" not in page  # an operator sees their own uploads
    assert client.get(reverse("admin:ikm_registry_tabularimport_change", args=[command_run.pk])).status_code == 404
    assert client.get(reverse("admin:ikm_registry_tabularimport_add")).status_code == 403

    client.force_login(admin_user)
    page = client.get(UPLOADS_URL).content.decode()
    assert "dari-admin.csv" in page and "dari-perintah.csv" in page and "manage.py import_businesses (" in page
    assert f'href="{preview_url(command_run)}"' in page
    preview = client.get(preview_url(command_run)).content.decode()
    assert "Impor: dari-perintah.csv" in preview and "Konfirmasi" not in preview
    assert "99999" in preview  # the invalid row's reason, from the summary the command stored
    rejects = client.get(reverse("admin:businesses_business_import_rejects", args=[command_run.pk]))
    assert rejects.status_code == 200 and b"alasan" in b"".join(rejects.streaming_content)


def test_the_uploads_list_is_not_for_officials(client, bali_regions):
    client.force_login(staff_user(StaffRole.OFFICIAL, "51.03"))
    assert client.get(UPLOADS_URL).status_code == 403
