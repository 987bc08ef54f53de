"""Hostile and huge import files (issue 9 point 13): row and size caps, zip bombs refused before openpyxl reads
them, and long imports checked and applied by the worker with progress."""

import io
import time
from pathlib import Path

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.urls import reverse
from django.utils import timezone

from businesses.models import Business, BusinessImport
from businesses.services.importing import businesses_import_plan, inspect_file
from ikm_registry.models import Job, Kbli
from tests.business_files import csv_bytes, row, write, zip_bomb
from tests.worker import run_queued_jobs

YEAR = timezone.localdate().year


def plan(content: bytes, user, name="ikm.xlsx"):
    return businesses_import_plan(source=io.BytesIO(content), filename=name, user=user, year=YEAR)


def test_an_xlsx_that_unpacks_beyond_the_limit_is_refused_before_it_is_read(operator, settings):
    settings.IMPORT_MAX_UNPACKED_MB = 5
    bomb = zip_bomb(200_000)  # ~10 MB of XML in a file of a few kilobytes
    assert len(bomb) < 100 * 1024
    started = time.monotonic()
    with pytest.raises(ValidationError, match="Berkas terlalu besar") as error:
        plan(bomb, operator)
    assert time.monotonic() - started < 1  # refused from the zip directory, not after parsing
    assert "paling besar 5 MB" in error.value.messages[0]


def test_an_xlsx_compressed_beyond_the_ratio_is_refused(operator, settings):
    settings.IMPORT_MAX_COMPRESSION_RATIO = 20
    with pytest.raises(ValidationError, match="bom zip") as error:
        plan(zip_bomb(100_000), operator)
    assert "xl/worksheets/sheet1.xml" in error.value.messages[0]


def test_too_many_rows_are_refused_with_the_limit(operator, settings):
    settings.IMPORT_MAX_ROWS = 50
    with pytest.raises(ValidationError, match="lebih dari 50 baris data"):
        plan(csv_bytes([row(n) for n in range(1, 52)]), operator, name="ikm.csv")
    with pytest.raises(ValidationError, match="lebih dari 50 baris data"):
        plan(zip_bomb(51), operator)
    assert len(plan(csv_bytes([row(n) for n in range(1, 51)]), operator, name="ikm.csv").rows) == 50


def test_a_csv_larger_than_the_limit_is_refused(operator, settings):
    settings.IMPORT_MAX_UNPACKED_MB = 1
    big = csv_bytes([row(1)]) + b"\n" * (1024 * 1024 + 1)
    with pytest.raises(ValidationError, match="Berkas terlalu besar"):
        plan(big, operator, name="ikm.csv")


def test_the_admin_refuses_a_zip_bomb_on_the_upload_form(client, operator, settings):
    settings.IMPORT_MAX_UNPACKED_MB = 5
    client.force_login(operator)
    response = client.post(
        reverse("admin:businesses_business_import"),
        {"file": SimpleUploadedFile("bom.xlsx", zip_bomb(200_000)), "data_year": str(YEAR)},
    )
    assert response.status_code == 200
    assert "Berkas terlalu besar" in response.content.decode()
    assert not BusinessImport.objects.exists()


def test_the_command_refuses_a_zip_bomb_with_the_reason(operator, settings, tmp_path):
    settings.IMPORT_MAX_UNPACKED_MB = 5
    path = write(tmp_path, "bom.xlsx", zip_bomb(200_000))
    with pytest.raises(CommandError, match="Berkas terlalu besar"):
        call_command("import_businesses", str(path), stdout=io.StringIO(), stderr=io.StringIO())


def test_inspect_counts_the_rows_of_the_first_sheet(operator):
    assert inspect_file(io.BytesIO(zip_bomb(1234))) == 1235
    assert inspect_file(io.BytesIO(csv_bytes([row(n) for n in range(1, 11)]))) == 11


# --- long imports in the background ---------------------------------------------------------------------------------


@pytest.fixture
def background(settings):
    settings.IMPORT_BACKGROUND_ROWS = 5
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}


@pytest.mark.usefixtures("background")
def test_a_long_import_is_checked_and_applied_by_the_worker_with_progress(
    client, operator, django_capture_on_commit_callbacks
):
    client.force_login(operator)
    rows = [row(n) for n in range(1, 9)] + [row(9, kbli="99999")]
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("admin:businesses_business_import"),
            {"file": SimpleUploadedFile("besar.csv", csv_bytes(rows)), "data_year": str(YEAR), "skip_invalid": "on"},
        )
    business_import = BusinessImport.objects.get()
    assert business_import.background
    page = client.get(response["Location"]).content.decode()
    assert "Memeriksa berkas di latar belakang" in page and 'http-equiv="refresh"' in page
    assert "<progress" in page and "Konfirmasi" not in page
    assert "Tidak ada pekerja latar belakang" in page  # and nobody runs the worker yet

    run_queued_jobs()
    check = Job.objects.get(kind="tabular.check")
    assert (check.status, check.attempts) == (Job.Status.DONE, 1)
    page = client.get(response["Location"]).content.decode()
    assert 'http-equiv="refresh"' not in page
    assert "99999" in page and "Konfirmasi" in page
    business_import.refresh_from_db()
    assert (business_import.rows, business_import.created, business_import.invalid) == (9, 8, 1)
    rejects = client.get(reverse("admin:businesses_business_import_rejects", args=[business_import.pk]))
    assert "99999" in b"".join(rejects.streaming_content).decode("utf-8-sig")

    with django_capture_on_commit_callbacks(execute=True):
        client.post(response["Location"])
        client.post(response["Location"])  # a double click queues nothing more
    assert Job.objects.filter(kind="tabular.apply").count() == 1
    business_import.refresh_from_db()
    assert business_import.state == BusinessImport.State.APPLYING
    assert "Menerapkan impor di latar belakang" in client.get(response["Location"]).content.decode()
    assert not Business.objects.exists()

    run_queued_jobs()
    business_import.refresh_from_db()
    assert business_import.state == BusinessImport.State.APPLIED
    assert Business.objects.count() == 8
    assert Business.history.first().history_user == operator
    page = client.get(response["Location"]).content.decode()
    assert "sudah diterapkan" in page and "Konfirmasi" not in page


@pytest.mark.usefixtures("background")
def test_a_long_import_whose_apply_worker_died_twice_can_be_confirmed_again(
    client, operator, django_capture_on_commit_callbacks
):
    from ikm_registry import jobs
    from ikm_registry.models import Worker

    client.force_login(operator)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("admin:businesses_business_import"),
            {"file": SimpleUploadedFile("besar.csv", csv_bytes([row(n) for n in range(1, 9)])), "data_year": str(YEAR)},
        )
    run_queued_jobs()
    with django_capture_on_commit_callbacks(execute=True):
        client.post(response["Location"])
    apply = Job.objects.get(kind="tabular.apply")
    now = timezone.now()
    Worker.objects.create(
        worker_id="w", host="elsewhere", pid=1, started_at=now, seen_at=now - timezone.timedelta(hours=1)
    )
    Job.objects.filter(pk=apply.pk).update(status="running", worker_id="w", attempts=2, started_at=now)
    page = client.get(response["Location"]).content.decode()  # the page notices the dead worker
    assert "Penerapan impor gagal; tidak ada yang ditulis." in page
    assert "Pekerja latar belakang berhenti" in page
    business_import = BusinessImport.objects.get()
    assert business_import.state == BusinessImport.State.PREVIEWED and "Konfirmasi" in page
    assert not Business.objects.exists()
    assert jobs.jobs_recover() == 0


def test_a_short_import_stays_in_the_request(client, operator):
    client.force_login(operator)
    client.post(
        reverse("admin:businesses_business_import"),
        {"file": SimpleUploadedFile("kecil.csv", csv_bytes([row(1)])), "data_year": str(YEAR)},
    )
    business_import = BusinessImport.objects.get()
    assert not business_import.background and not Job.objects.exists()
    assert Path(business_import.file.path).is_file()


def test_a_sheet_of_millions_of_rows_is_refused_at_once(client, operator, settings):
    settings.IMPORT_MAX_ROWS = 1000
    settings.IMPORT_MAX_COMPRESSION_RATIO = 10_000  # the row count alone refuses it
    client.force_login(operator)
    started = time.monotonic()
    response = client.post(
        reverse("admin:businesses_business_import"),
        {"file": SimpleUploadedFile("juta.xlsx", zip_bomb(30_000)), "data_year": str(YEAR)},
    )
    assert time.monotonic() - started < 2
    assert "lebih dari 1.000 baris data" in response.content.decode()
    assert not BusinessImport.objects.exists()


@pytest.mark.usefixtures("background")
def test_a_long_import_whose_check_task_was_lost_is_queued_again_by_its_page(
    client, operator, django_capture_on_commit_callbacks
):
    from django_tasks_db.models import DBTaskResult

    client.force_login(operator)
    response = client.post(  # the enqueue after commit never happens here (a process killed just then)
        reverse("admin:businesses_business_import"),
        {"file": SimpleUploadedFile("besar.csv", csv_bytes([row(n) for n in range(1, 9)])), "data_year": str(YEAR)},
    )
    check = Job.objects.get()
    Job.objects.filter(pk=check.pk).update(queued_at=timezone.now() - timezone.timedelta(minutes=5))
    with django_capture_on_commit_callbacks(execute=True):
        page = client.get(response["Location"]).content.decode()
    assert "Tugas ini tidak sampai ke pekerja latar belakang; diantrekan lagi." in page
    check.refresh_from_db()
    assert (check.status, check.attempts) == (Job.Status.QUEUED, 1)
    assert DBTaskResult.objects.get().args_kwargs["args"] == [check.pk]
    run_queued_jobs()
    check.refresh_from_db()
    assert (check.status, check.attempts) == (Job.Status.DONE, 2)


def upload_and_check(client, rows, django_capture_on_commit_callbacks, *, skip_invalid=False):
    """A long upload checked by the worker; returns (its preview URL, the BusinessImport)."""
    data = {"file": SimpleUploadedFile("besar.csv", csv_bytes(rows)), "data_year": str(YEAR)}
    if skip_invalid:
        data["skip_invalid"] = "on"
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("admin:businesses_business_import"), data)
    run_queued_jobs()
    return response["Location"], BusinessImport.objects.get(pk=int(response["Location"].rstrip("/").split("/")[-1]))


@pytest.mark.usefixtures("background")
def test_a_purged_long_upload_cannot_be_confirmed(client, operator, django_capture_on_commit_callbacks):
    from ikm_registry.private_files import private_files_purge

    client.force_login(operator)
    url, business_import = upload_and_check(client, [row(n) for n in range(1, 9)], django_capture_on_commit_callbacks)
    private_files_purge(days=0)
    page = client.get(url).content.decode()
    assert "Berkas unggahan sudah dihapus" in page and "Konfirmasi" not in page
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, follow=True)  # a stale form
    assert "Berkas unggahan sudah dihapus" in response.content.decode()
    assert not Job.objects.filter(kind="tabular.apply").exists()
    business_import.refresh_from_db()
    assert business_import.state == BusinessImport.State.PREVIEWED


@pytest.mark.usefixtures("background")
def test_an_upload_purged_before_its_apply_job_ran_fails_once_with_the_reason(
    client, operator, django_capture_on_commit_callbacks, caplog
):
    from ikm_registry.private_files import private_files_purge

    client.force_login(operator)
    url, business_import = upload_and_check(client, [row(n) for n in range(1, 9)], django_capture_on_commit_callbacks)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(url)
    private_files_purge(days=0)  # between the confirmation and the worker
    run_queued_jobs()
    apply = Job.objects.get(kind="tabular.apply")
    business_import.refresh_from_db()
    assert apply.status == Job.Status.DONE
    assert business_import.state == BusinessImport.State.FAILED  # PREVIEWED again on today's main: confirmable
    assert "Traceback" not in caplog.text
    page = client.get(url).content.decode()
    assert "Berkas unggahan sudah dihapus (masa simpan habis); unggah lagi." in page
    assert "[&#x27;Berkas" not in page  # a sentence, not a Python list
    assert "Konfirmasi" not in page
    assert not Business.objects.exists()


@pytest.mark.usefixtures("background")
def test_an_apply_refused_by_the_registry_fails_with_a_sentence_and_can_be_confirmed_again(
    client, operator, django_capture_on_commit_callbacks, monkeypatch
):
    from ikm_registry.tabular import uploads

    client.force_login(operator)
    url, business_import = upload_and_check(client, [row(n) for n in range(1, 9)], django_capture_on_commit_callbacks)

    def conflict(*args, **kwargs):
        raise ValidationError("Data registri berubah selama impor; ulangi impor.", code="import_conflict")

    monkeypatch.setattr(uploads, "upload_import", conflict)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(url)
    run_queued_jobs()
    apply = Job.objects.get(kind="tabular.apply")
    assert (apply.status, apply.error) == (Job.Status.FAILED, "Data registri berubah selama impor; ulangi impor.")
    business_import.refresh_from_db()
    assert business_import.state == BusinessImport.State.PREVIEWED
    assert "Konfirmasi" in client.get(url).content.decode()


@pytest.mark.usefixtures("background")
def test_rows_that_became_invalid_after_the_check_are_in_the_rejects_file(
    client, operator, bali_regions, django_capture_on_commit_callbacks, settings
):
    from ikm_registry.models import ExportLog
    from tests.factories import BusinessFactory

    client.force_login(operator)
    rows = [row(n) for n in range(1, 9)] + [row(9, kbli="99999")]
    rows[2]["nib"] = "9120000000777"
    url, business_import = upload_and_check(client, rows, django_capture_on_commit_callbacks, skip_invalid=True)
    assert business_import.invalid == 1
    # between the check and the confirmation, Denpasar registers a business with row 4's NIB
    BusinessFactory(nib="9120000000777", village=bali_regions.serangan)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(url)
    with django_capture_on_commit_callbacks(execute=True):
        run_queued_jobs()

    business_import.refresh_from_db()
    assert (business_import.state, business_import.created, business_import.invalid) == ("applied", 7, 2)
    response = client.get(reverse("admin:businesses_business_import_rejects", args=[business_import.pk]))
    rejects = b"".join(response.streaming_content).decode("utf-8-sig").splitlines()
    assert len(rejects) == 1 + 2  # header and both skipped rows (only the kbli one on today's main)
    assert "Batik Sekar Jagad 3" in rejects[1] and "di luar wilayah Anda" in rejects[1]
    assert "99999" in rejects[2]
    assert ExportLog.objects.get().row_count == 2
    # the check's rejects file was replaced, not left beside the new one
    assert sorted(path.parent.name for path in Path(settings.PRIVATE_FILES_ROOT).rglob("*.csv")) == [
        "imports",
        "rejects",
    ]


# --- what a long import keeps of its check -------------------------------------------------------------------------


def registered(bali_regions, numbers, **owner):
    """Businesses as rows `numbers` of tests.business_files describe them, with other contact details."""
    from tests.factories import BusinessFactory

    for number in numbers:
        values = row(number)
        BusinessFactory(
            name=values["nama_usaha"],
            village=bali_regions.tuban,
            kbli=Kbli.objects.get(code="13134"),
            owner__name=values["nama_pemilik"],
            **{f"owner__{name}": value for name, value in owner.items()},
        )


@pytest.mark.usefixtures("background")
def test_the_purge_drops_the_personal_data_of_a_checked_summary_and_keeps_its_counts(
    client, operator, bali_regions, django_capture_on_commit_callbacks
):
    import json

    from ikm_registry.private_files import private_files_purge

    registered(bali_regions, [1, 2], phone="081199990001", email="lama@example.com")
    client.force_login(operator)
    url, business_import = upload_and_check(
        client, [row(n) for n in range(1, 9)], django_capture_on_commit_callbacks
    )  # rows 1 and 2 change phone and e-mail
    with django_capture_on_commit_callbacks(execute=True):
        client.post(url)
    run_queued_jobs()
    business_import.refresh_from_db()
    stored = json.dumps(business_import.summary)
    assert "081199990001" in stored and "lama@example.com" in stored and "sari@example.com" in stored
    assert (business_import.created, business_import.updated) == (6, 2)

    result = private_files_purge(days=0)
    assert result.records == 1
    business_import.refresh_from_db()
    stored = json.dumps(business_import.summary)
    assert "0811" not in stored and "example.com" not in stored and "Batik" not in stored  # kept on today's main
    assert (business_import.rows, business_import.created, business_import.updated) == (8, 6, 2)
    page = client.get(url).content.decode()
    assert "0811" not in page and "lama@example.com" not in page
    assert "sudah dihapus bersama berkasnya" in page and "Impor ini sudah diterapkan" in page
    assert private_files_purge(days=0).records == 0  # once


@pytest.mark.usefixtures("background")
def test_a_summary_keeps_the_first_changes_and_counts_them_all(
    client, operator, bali_regions, django_capture_on_commit_callbacks, monkeypatch
):
    from ikm_registry.tabular import uploads

    monkeypatch.setattr(uploads, "SUMMARY_CHANGES", 3)
    registered(bali_regions, range(1, 9), phone="081199990001")
    client.force_login(operator)
    url, business_import = upload_and_check(client, [row(n) for n in range(1, 9)], django_capture_on_commit_callbacks)
    business_import.refresh_from_db()
    assert business_import.updated == 8
    assert len(business_import.summary["updates"]) == 3  # all 8 (about 334 bytes each) on today's main
    page = client.get(url).content.decode()
    assert "Perubahan pada IKM terdaftar (8)" in page
    assert "Di sini 3 IKM pertama dari 8 yang berubah." in page


@pytest.mark.usefixtures("background")
def test_pages_that_do_not_show_a_summary_do_not_load_it(client, operator, django_capture_on_commit_callbacks):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.force_login(operator)
    response = client.post(  # its check job waits
        reverse("admin:businesses_business_import"),
        {"file": SimpleUploadedFile("besar.csv", csv_bytes([row(n) for n in range(1, 9)])), "data_year": str(YEAR)},
    )
    business_import = BusinessImport.objects.get()

    def summaries_loaded(url):
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url).status_code == 200
        return [q["sql"] for q in queries if "tabularimport" in q["sql"] and '"summary"' in q["sql"]]

    assert summaries_loaded(reverse("admin:businesses_business_import")) == []  # the 10 recent uploads
    assert summaries_loaded(response["Location"]) == []  # the progress page, every 3 s while the check runs
    assert summaries_loaded(reverse("admin:businesses_business_import_file", args=[business_import.pk])) == []

    url, checked = upload_and_check(client, [row(n) for n in range(1, 9)], django_capture_on_commit_callbacks)
    assert summaries_loaded(url)  # the result of the check
    with django_capture_on_commit_callbacks(execute=True):
        client.post(url)
    assert summaries_loaded(url) == []  # the progress page while the apply job runs
    page = client.get(url).content.decode()
    assert "Menerapkan impor di latar belakang" in page and '<span class="count">8</span>' in page


@pytest.mark.usefixtures("background")
def test_a_long_import_preview_names_the_actions_in_the_readers_language(
    client, operator, django_capture_on_commit_callbacks
):
    client.force_login(operator)
    url, _business_import = upload_and_check(client, [row(n) for n in range(1, 9)], django_capture_on_commit_callbacks)
    from django.conf import settings

    assert '<span class="action-badge action-create">baru</span>' in client.get(url).content.decode()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    english = client.get(url).content.decode()
    assert '<span class="action-badge action-create">new</span>' in english  # "baru", the worker's, on today's main


@pytest.mark.usefixtures("background")
def test_a_purged_import_offers_no_rejects_link_that_would_answer_404(
    client, operator, django_capture_on_commit_callbacks
):
    from ikm_registry.private_files import private_files_purge

    client.force_login(operator)
    rows = [row(n) for n in range(1, 9)] + [row(9, kbli="99999")]
    url, business_import = upload_and_check(client, rows, django_capture_on_commit_callbacks, skip_invalid=True)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(url)
    run_queued_jobs()
    rejects_url = reverse("admin:businesses_business_import_rejects", args=[business_import.pk])
    assert rejects_url in client.get(url).content.decode()
    private_files_purge(days=0)
    assert rejects_url not in client.get(url).content.decode()
    assert client.get(rejects_url).status_code == 404
