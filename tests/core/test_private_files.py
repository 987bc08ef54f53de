"""Private files (issue 9 point 7): import uploads, rejects files and background reports live outside MEDIA_ROOT
under PRIVATE_FILES_ROOT with random names, reach only their owner (and superusers) through a view, and are deleted
after PRIVATE_FILES_RETENTION_DAYS while their rows stay."""

import importlib
import os
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest
from django.apps import apps
from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.core.management.base import SystemCheckError
from django.test import override_settings
from django.urls import clear_url_caches, reverse
from django.utils import timezone

from businesses.models import BusinessImport
from ikm_registry.choices import StaffRole
from ikm_registry.models import ExportLog, Job
from ikm_registry.private_files import check_private_files_root, private_files_purge
from tests.business_files import csv_bytes, row
from tests.factories import UserFactory, staff_user

YEAR = timezone.localdate().year
NIK = "5103015508850001"


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")
    return Path(settings.MEDIA_ROOT)


@pytest.fixture
def uploaded(client, operator, media):
    client.force_login(operator)
    content = csv_bytes([row(1, nik_pemilik=NIK), row(2, kbli="99999")])
    response = client.post(
        reverse("admin:businesses_business_import"),
        {"file": SimpleUploadedFile("ikm-pendataan-kuta.csv", content), "data_year": str(YEAR)},
    )
    assert response.status_code == 302
    client.logout()
    return BusinessImport.objects.get()


@pytest.fixture
def debug_urls(media):
    """The URLconf as `DEBUG=1` builds it (it serves MEDIA_ROOT then)."""
    import ikm_registry.urls

    with override_settings(DEBUG=True):
        importlib.reload(ikm_registry.urls)
        clear_url_caches()
        yield
    importlib.reload(ikm_registry.urls)
    clear_url_caches()


def every_file(root) -> list[Path]:
    return [path for path in Path(root).rglob("*") if path.is_file()] if Path(root).exists() else []


def test_upload_is_stored_privately_under_a_random_name(uploaded, media):
    name = uploaded.file.name
    assert name.startswith("imports/") and name.endswith(".csv")
    assert "pendataan" not in name and "kuta" not in name
    assert (Path(settings.PRIVATE_FILES_ROOT) / name).is_file()
    assert every_file(media) == []  # nothing under MEDIA_ROOT
    assert uploaded.original_name == "ikm-pendataan-kuta.csv"
    with pytest.raises(ValueError):
        uploaded.file.url  # noqa: B018  (a private file has no public address)


@pytest.mark.usefixtures("debug_urls")
def test_nobody_gets_the_file_by_a_media_address_even_with_debug(client, uploaded, operator):
    for user in (None, operator):
        if user:
            client.force_login(user)
        for address in (
            f"/media/{uploaded.file.name}",
            f"/media/imports/{YEAR}/{timezone.localdate():%m}/ikm-pendataan-kuta.csv",
            "/media/imports/",
        ):
            response = client.get(address)
            assert response.status_code == 404, address
            assert NIK.encode() not in b"".join(getattr(response, "streaming_content", [response.content]))


def test_only_the_uploader_and_superusers_download_the_upload(client, uploaded, operator):
    url = reverse("admin:businesses_business_import_file", args=[uploaded.pk])
    response = client.get(url)  # anonymous: the login page, not the file
    assert response.status_code == 302 and "/login/" in response["Location"]
    client.force_login(staff_user(StaffRole.OPERATOR, "51.03"))  # same office, another user
    assert client.get(url).status_code == 404
    assert client.get(reverse("admin:businesses_business_import_rejects", args=[uploaded.pk])).status_code == 404
    client.force_login(staff_user(StaffRole.PROVINCE, "51"))
    assert client.get(url).status_code == 404
    client.force_login(operator)
    response = client.get(url)
    assert response.status_code == 200 and NIK.encode() in b"".join(response.streaming_content)
    assert 'filename="ikm-pendataan-kuta.csv"' in response["Content-Disposition"]
    client.force_login(UserFactory(is_superuser=True, is_staff=True))
    assert client.get(url).status_code == 200


def test_report_files_are_private_too(operator):
    job = Job.objects.create(kind="report", owner=operator, params={"report": "daftar-ikm"}, title="Daftar IKM Badung")
    job.file.save("daftar.pdf", ContentFile(b"%PDF-1.4 x"), save=True)
    assert job.file.name.startswith("reports/") and "daftar" not in job.file.name
    assert (Path(settings.PRIVATE_FILES_ROOT) / job.file.name).is_file()


# --- retention ------------------------------------------------------------------------------------------------------


def test_purge_deletes_old_files_and_keeps_the_rows_and_their_counts(client, uploaded, operator):
    root = Path(settings.PRIVATE_FILES_ROOT)
    old_name = uploaded.file.name
    BusinessImport.objects.filter(pk=uploaded.pk).update(
        uploaded_at=timezone.now() - timedelta(days=settings.PRIVATE_FILES_RETENTION_DAYS + 1)
    )
    client.force_login(operator)
    recent = client.post(
        reverse("admin:businesses_business_import"),
        {"file": SimpleUploadedFile("baru.csv", csv_bytes([row(3)])), "data_year": str(YEAR)},
    )
    recent = BusinessImport.objects.exclude(pk=uploaded.pk).get()
    client.get(reverse("admin:businesses_business_import_preview", args=[uploaded.pk]))  # counts stored
    BusinessImport.objects.filter(pk=uploaded.pk).update(rows=2, created=1, invalid=1)
    old_report = Job.objects.create(kind="report", owner=operator, params={"report": "daftar-ikm"})
    old_report.file.save("a.pdf", ContentFile(b"%PDF"), save=True)
    Job.objects.filter(pk=old_report.pk).update(created_at=timezone.now() - timedelta(days=40))
    orphan = root / "imports" / "unlisted" / "old.csv"
    orphan.parent.mkdir(parents=True)
    orphan.write_text(NIK)
    os.utime(orphan, (0, 0))
    fresh_orphan = root / "imports" / "unlisted" / "fresh.csv"
    fresh_orphan.write_text("x")

    call_command("purge_private_files", stdout=open(os.devnull, "w"))

    uploaded.refresh_from_db()
    assert not uploaded.file and not (root / old_name).exists()
    assert (uploaded.rows, uploaded.created, uploaded.invalid, uploaded.original_name) == (
        2,
        1,
        1,
        "ikm-pendataan-kuta.csv",
    )
    recent.refresh_from_db()
    assert recent.file and (root / recent.file.name).is_file()
    old_report.refresh_from_db()
    assert not old_report.file
    assert not orphan.exists() and fresh_orphan.exists()
    # a purged upload answers 404, never an error
    client.force_login(operator)
    assert client.get(reverse("admin:businesses_business_import_file", args=[uploaded.pk])).status_code == 404
    assert client.get(reverse("admin:businesses_business_import_preview", args=[uploaded.pk])).status_code == 200


# --- upgrade ------------------------------------------------------------------------------------------------------


def test_upgrade_moves_public_uploads_out_of_media(operator, media):
    migration = importlib.import_module("businesses.migrations.0013_private_import_files_import_jobs")
    public = media / "imports" / "2026" / "11"
    public.mkdir(parents=True)
    (public / "ikm-kuta.csv").write_text(NIK)
    (public / "forgotten.csv").write_text(NIK)
    business_import = BusinessImport.objects.create(
        file="imports/2026/11/ikm-kuta.csv", original_name="ikm-kuta.csv", uploaded_by=operator, data_year=YEAR
    )
    migration.move_uploads_out_of_media(apps, None)
    business_import.refresh_from_db()
    assert business_import.file.name.startswith("imports/") and "kuta" not in business_import.file.name
    assert (Path(settings.PRIVATE_FILES_ROOT) / business_import.file.name).read_text() == NIK
    assert not (media / "imports").exists()
    assert (Path(settings.PRIVATE_FILES_ROOT) / "imports" / "unlisted" / "2026" / "11" / "forgotten.csv").exists()


def test_report_files_root_still_names_the_private_root():
    code = "import django; django.setup(); from django.conf import settings; print(settings.PRIVATE_FILES_ROOT)"
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "ikm_registry.settings", "REPORT_FILES_ROOT": "/srv/old-reports"}
    env.pop("PRIVATE_FILES_ROOT", None)
    output = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)
    assert output.stdout.strip() == "/srv/old-reports"
    env["PRIVATE_FILES_ROOT"] = "/srv/private"
    output = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)
    assert output.stdout.strip() == "/srv/private"


@pytest.mark.django_db
def test_purge_sweeps_only_the_folders_private_files_are_written_to(settings, tmp_path):
    # PRIVATE_FILES_ROOT set to a directory that holds other files too (a shared folder, the old REPORT_FILES_ROOT)
    root = tmp_path / "shared"
    settings.PRIVATE_FILES_ROOT = str(root)
    photo = root / "products" / "2020" / "tenun.jpg"
    notes = root / "catatan.txt"
    orphan = root / "rejects" / "old.csv"
    for path in (photo, notes, orphan):
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("x")
        os.utime(path, (0, 0))

    result = private_files_purge()

    assert photo.exists() and notes.exists()  # both deleted on today's main
    assert not orphan.exists() and result.orphans == 1


@pytest.mark.parametrize(
    ("private", "media", "static", "problems"),
    [
        ("var/private", "media", "staticfiles", []),
        ("media/private", "media", "staticfiles", ["MEDIA_ROOT"]),
        ("srv", "srv/media", "staticfiles", ["MEDIA_ROOT"]),
        ("staticfiles", "media", "staticfiles", ["STATIC_ROOT"]),
        ("srv/./data/../private", "srv/private/media", "staticfiles", ["MEDIA_ROOT"]),
    ],
)
def test_a_system_check_refuses_private_files_inside_a_public_root(
    settings, tmp_path, private, media, static, problems
):
    settings.PRIVATE_FILES_ROOT = str(tmp_path / private)
    settings.MEDIA_ROOT = str(tmp_path / media)
    settings.STATIC_ROOT = str(tmp_path / static)
    errors = check_private_files_root()
    assert [error.id for error in errors] == ["private_files.E001"] * len(problems)
    assert all(name in error.msg for name, error in zip(problems, errors, strict=True))
    # and `manage.py check` runs it
    if problems:
        with pytest.raises(SystemCheckError, match="PRIVATE_FILES_ROOT"):
            call_command("check", stdout=open(os.devnull, "w"))


def test_downloading_the_upload_logs_its_rows_and_a_purged_one_logs_nothing(client, operator, media):
    client.force_login(operator)
    client.post(
        reverse("admin:businesses_business_import"),
        {"file": SimpleUploadedFile("dua.csv", csv_bytes([row(1), row(2)])), "data_year": str(YEAR)},
    )
    business_import = BusinessImport.objects.get()
    url = reverse("admin:businesses_business_import_file", args=[business_import.pk])
    assert client.get(url).status_code == 200  # before the preview page has checked the file
    assert list(ExportLog.objects.values_list("row_count", "personal_data")) == [(2, True)]

    private_files_purge(days=0)
    assert client.get(url).status_code == 404
    assert ExportLog.objects.count() == 1  # no file left: nothing left either
