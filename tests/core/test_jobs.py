"""Background jobs whose worker died (issue 9 point 6): retried once or failed with a message, status changes that
lock the row so a late worker loses, and the jobs page saying when no worker has been seen lately."""

import os
import signal
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path
from types import SimpleNamespace

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from ikm_registry import jobs
from ikm_registry.choices import StaffRole
from ikm_registry.models import Job, Worker
from tests.factories import staff_user

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def owner(bali_regions):
    return staff_user(StaffRole.OPERATOR, "51.03")


def dead_worker(worker_id="w-dead", *, seen=timedelta(minutes=10)):
    """A worker on another machine last seen `seen` ago."""
    now = timezone.now()
    return Worker.objects.create(
        worker_id=worker_id, host="another-host", pid=1, started_at=now - timedelta(hours=1), seen_at=now - seen
    )


def running_job(owner, worker_id="w-dead", attempts=1, **fields):
    return Job.objects.create(
        kind="report",
        owner=owner,
        title="Daftar IKM Badung",
        params={"report": "daftar-ikm", "data": {"region": "51.03"}},
        status=Job.Status.RUNNING,
        worker_id=worker_id,
        attempts=attempts,
        started_at=timezone.now() - timedelta(minutes=20),
        **fields,
    )


def test_a_job_whose_worker_stopped_beating_is_queued_again_once(owner, django_capture_on_commit_callbacks):
    dead_worker()
    job = running_job(owner)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        assert jobs.jobs_recover() == 1
    job.refresh_from_db()
    assert (job.status, job.worker_id, job.attempts) == (Job.Status.QUEUED, "", 1)
    assert job.error == jobs.WORKER_LOST_RETRIED
    assert len(callbacks) == 1  # queued again for the worker, after the change commits


def test_the_second_death_fails_the_job_with_a_message_the_user_reads(client, owner):
    dead_worker()
    job = running_job(owner, attempts=2)
    assert jobs.jobs_recover() == 1
    job.refresh_from_db()
    assert job.status == Job.Status.FAILED and job.finished_at
    client.force_login(owner)
    page = client.get(reverse("admin:report_jobs")).content.decode()
    assert "Gagal: Pekerja latar belakang berhenti saat memproses" in page
    assert 'http-equiv="refresh"' not in page  # nothing left running


def test_a_running_job_of_a_live_worker_is_left_alone(owner):
    Worker.objects.create(
        worker_id="w-live", host="another-host", pid=1, started_at=timezone.now() - timedelta(hours=1),
        seen_at=timezone.now(),
    )  # fmt: skip
    job = running_job(owner, worker_id="w-live")
    assert jobs.jobs_recover() == 0
    job.refresh_from_db()
    assert job.status == Job.Status.RUNNING


def test_a_worker_whose_process_is_gone_on_this_machine_is_dead_at_once(owner):
    gone = subprocess.Popen([sys.executable, "-c", "pass"])
    gone.wait()
    Worker.objects.create(
        worker_id="w-gone", host=jobs.this_host(), pid=gone.pid, started_at=timezone.now() - timedelta(hours=1),
        seen_at=timezone.now(),
    )  # fmt: skip
    job = running_job(owner, worker_id="w-gone")
    assert jobs.jobs_recover() == 1
    job.refresh_from_db()
    assert job.status == Job.Status.QUEUED


def test_a_worker_restarted_under_the_same_id_does_not_run_its_old_job(owner):
    Worker.objects.create(
        worker_id="w-fixed", host="another-host", pid=1, started_at=timezone.now(), seen_at=timezone.now()
    )
    job = running_job(owner, worker_id="w-fixed")  # claimed 20 minutes before the worker (re)started
    assert jobs.jobs_recover() == 1
    job.refresh_from_db()
    assert job.status == Job.Status.QUEUED


def test_a_job_running_before_the_upgrade_without_a_worker_is_recovered(owner):
    job = running_job(owner, worker_id="", attempts=0)  # "Diproses 0%" for ever on today's main
    assert jobs.jobs_recover() == 1
    job.refresh_from_db()
    assert job.status == Job.Status.QUEUED


def test_a_late_worker_loses_to_the_recovery(owner):
    dead_worker("w-slow", seen=timedelta(minutes=5))
    job = running_job(owner, worker_id="w-slow")
    mine = Job.objects.get(pk=job.pk)  # what the slow worker holds
    assert jobs.jobs_recover() == 1
    with pytest.raises(jobs.JobLost):
        jobs.job_progress(mine, done=3, total=10)
    with pytest.raises(jobs.JobLost):
        jobs.job_finish(mine, file="reports/x.pdf")
    assert not jobs.job_fail(mine, "boom")
    job.refresh_from_db()
    assert (job.status, job.file.name, job.progress_done) == (Job.Status.QUEUED, "", 0)


def test_a_claimed_job_is_not_claimed_twice(owner):
    job = Job.objects.create(kind="report", owner=owner, params={"report": "daftar-ikm", "data": {"region": "51.03"}})
    assert jobs.job_claim(job.pk, worker_id="a") is not None
    assert jobs.job_claim(job.pk, worker_id="b") is None
    job.refresh_from_db()
    assert (job.worker_id, job.attempts) == ("a", 1)


def test_a_failing_report_records_its_reason(owner):
    job = Job.objects.create(kind="report", owner=owner, params={"report": "daftar-ikm", "data": {"region": "99"}})
    jobs.job_run(job.pk, worker_id="w1")
    job.refresh_from_db()
    assert job.status == Job.Status.FAILED and "region" in job.error


# --- the jobs page: is a worker there? ---------------------------------------------------------------------------


def test_jobs_page_says_when_no_worker_was_seen_lately(client, owner, settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    Job.objects.create(kind="report", owner=owner, params={"report": "daftar-ikm", "data": {"region": "51.03"}})
    client.force_login(owner)
    assert "Tidak ada pekerja latar belakang" in client.get(reverse("admin:report_jobs")).content.decode()
    dead_worker()
    assert "Tidak ada pekerja latar belakang" in client.get(reverse("admin:report_jobs")).content.decode()
    jobs.worker_beat("w-here", started=True)  # this very process: alive
    assert "Tidak ada pekerja latar belakang" not in client.get(reverse("admin:report_jobs")).content.decode()


# --- a real worker, really killed ---------------------------------------------------------------------------------


def database_for_subprocesses(tmp_path):
    """A migrated database of its own for worker processes (the test database lives in this process's
    transaction): a SQLite file, or a PostgreSQL database beside the test one. Returns (url, query, drop)."""
    if connection.vendor == "sqlite":
        path = tmp_path / "worker.sqlite3"
        url = f"sqlite:///{path}"

        def query(sql):
            import sqlite3

            with sqlite3.connect(path, timeout=10) as db:
                return db.execute(sql).fetchall()

        return url, query, lambda: None
    import psycopg

    params = connection.settings_dict
    name = f"{params['NAME']}_worker"[:63]
    server = f"postgres://{params['USER']}@{params['HOST'] or '127.0.0.1'}:{params['PORT'] or 5432}"
    if params.get("PASSWORD"):
        server = server.replace("@", f":{params['PASSWORD']}@", 1)
    with psycopg.connect(f"{server}/postgres", autocommit=True) as db:
        db.execute(f'DROP DATABASE IF EXISTS "{name}"')
        db.execute(f'CREATE DATABASE "{name}"')

    def query(sql):
        with psycopg.connect(f"{server}/{name}", autocommit=True) as db:
            return db.execute(sql).fetchall()

    def drop():
        with psycopg.connect(f"{server}/postgres", autocommit=True) as db:
            db.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    return f"{server}/{name}", query, drop


SETUP = """
from django.contrib.auth import get_user_model
from django.core.files.base import ContentFile
from businesses.models import BusinessImport
from ikm_registry import jobs
user = get_user_model().objects.create_superuser("admin", "admin@example.com", "x")
lines = ["nama_usaha,nama_pemilik,kode_wilayah,kbli"] + [f"Usaha {n},Pemilik {n},51.03.01.1001,13134" for n in range(ROWS)]
upload = BusinessImport(original_name="besar.csv", uploaded_by=user, data_year=2024, background=True)
upload.file.save("besar.csv", ContentFile("\\n".join(lines).encode()), save=True)
job = jobs.job_start("tabular.check", owner=user, target=upload, total=ROWS)
print(job.pk)
"""


def wait_for(condition, *, timeout, what):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}")


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_a_worker_killed_mid_job_is_recovered_by_the_next_worker(tmp_path):
    url, query, drop = database_for_subprocesses(tmp_path)
    env = {
        **os.environ,
        "DATABASE_URL": url,
        "PRIVATE_FILES_ROOT": str(tmp_path / "private"),
        "WORKER_HEARTBEAT_SECONDS": "1",
        "DEBUG": "0",
    }
    manage = [sys.executable, str(ROOT / "manage.py")]
    workers = []
    try:
        subprocess.run([*manage, "migrate", "-v0"], env=env, check=True, cwd=ROOT)
        setup = subprocess.run(
            [*manage, "shell", "-c", SETUP.replace("ROWS", "40000")],
            env=env, check=True, cwd=ROOT, capture_output=True, text=True,
        )  # fmt: skip
        job_id = int(setup.stdout.strip().splitlines()[-1])

        def job():
            return query(
                f"SELECT status, progress_done, attempts, worker_id FROM ikm_registry_job WHERE id = {job_id}"
            )[0]

        worker_command = [*manage, "db_worker", "--no-startup-delay", "--interval", "0.2", "--no-reload"]
        workers.append(subprocess.Popen(worker_command, env=env, cwd=ROOT, stdout=subprocess.DEVNULL))
        wait_for(lambda: job()[0] == "running" and job()[1] > 0, timeout=60, what="the job to run")
        first_worker = job()[3]
        workers[0].send_signal(signal.SIGKILL)  # mid-job: the way an out-of-memory kill or a power cut ends it
        workers[0].wait()
        time.sleep(0.5)
        assert job()[0] == "running"  # nobody else knows yet: this is where today's main stays for ever

        workers.append(subprocess.Popen(worker_command, env=env, cwd=ROOT, stdout=subprocess.DEVNULL))
        status, _done, attempts, second_worker = wait_for(
            lambda: job() if job()[0] in ("done", "failed") else None, timeout=120, what="the job to finish"
        )
        assert (status, attempts) == ("done", 2)
        assert second_worker != first_worker
        rows, state = query(
            f"SELECT rows, state FROM ikm_registry_tabularimport WHERE id = (SELECT object_id FROM ikm_registry_job WHERE id = {job_id})"
        )[0]  # noqa: E501
        assert (rows, state) == (40000, "previewed")
        # django-tasks' own row of the killed run is failed, not left running (the retry's row succeeds just after
        # the job is done)
        running = "SELECT COUNT(*) FROM django_tasks_database_dbtaskresult WHERE status = 'RUNNING'"
        wait_for(lambda: query(running)[0][0] == 0, timeout=10, what="no task left running")
        assert query("SELECT status FROM django_tasks_database_dbtaskresult ORDER BY enqueued_at") == [
            ("FAILED",),
            ("SUCCESSFUL",),
        ]

        workers[1].send_signal(signal.SIGTERM)  # a clean stop removes the worker's heartbeat
        assert workers[1].wait(timeout=30) == 0
        assert query("SELECT worker_id FROM ikm_registry_worker") == []  # the killed one's was cleared on recovery
    finally:
        for process in workers:
            if process.poll() is None:
                process.kill()
                process.wait()
        drop()


# --- the worker's heartbeat thread ----------------------------------------------------------------------------------


@pytest.fixture
def heartbeat_module(monkeypatch):
    """db_worker's module, with the purge recorded instead of run and the connection kept (the test's transaction)."""
    from ikm_registry.management.commands import db_worker
    from ikm_registry.private_files import PurgeResult

    purges = []
    monkeypatch.setattr(db_worker, "close_old_connections", lambda: None)
    monkeypatch.setattr(
        "ikm_registry.private_files.private_files_purge", lambda: purges.append(1) or PurgeResult(), raising=True
    )
    monkeypatch.setattr(db_worker, "purges", purges, raising=False)
    return db_worker


def test_the_worker_purges_at_start_on_a_machine_up_for_less_than_a_day(heartbeat_module, monkeypatch, owner):
    monkeypatch.setattr(heartbeat_module, "time", SimpleNamespace(monotonic=lambda: 3600.0))  # booted an hour ago
    heartbeat = heartbeat_module.Heartbeat("w-start")
    heartbeat.tick(started=True)
    assert heartbeat_module.purges == [1]
    heartbeat.tick()
    assert heartbeat_module.purges == [1]  # once a day, not on every beat
    monkeypatch.setattr(heartbeat_module, "time", SimpleNamespace(monotonic=lambda: 3600.0 + 24 * 3600))
    heartbeat.tick()
    assert heartbeat_module.purges == [1, 1]


def test_a_failing_purge_neither_stops_the_heartbeat_nor_its_beats(heartbeat_module, monkeypatch, owner, caplog):
    def purge():
        raise PermissionError("/srv/private/imports: Permission denied")

    monkeypatch.setattr("ikm_registry.private_files.private_files_purge", purge)
    heartbeat = heartbeat_module.Heartbeat("w-purge")
    heartbeat.tick(started=True)  # raised on today's main, which ended the heartbeat thread for good
    assert Worker.objects.filter(worker_id="w-purge").exists()
    assert "Daily purge of private files failed" in caplog.text
    Worker.objects.filter(worker_id="w-purge").update(seen_at=timezone.now() - timedelta(minutes=5))
    heartbeat.tick()
    assert Worker.objects.get(worker_id="w-purge").seen_at > timezone.now() - timedelta(minutes=1)


def test_an_unexpected_error_of_a_beat_is_logged_and_the_beat_still_recorded(
    heartbeat_module, monkeypatch, owner, caplog
):
    def recover():
        raise RuntimeError("boom")

    monkeypatch.setattr(jobs, "jobs_recover", recover)
    heartbeat = heartbeat_module.Heartbeat("w-boom", purge=False)
    heartbeat.tick(started=True)
    assert "Heartbeat of worker w-boom failed" in caplog.text and "boom" in caplog.text
    assert Worker.objects.filter(worker_id="w-boom").exists()


# --- pages that show running jobs only read ------------------------------------------------------------------------


def writes(queries) -> list[str]:
    return [q["sql"] for q in queries if q["sql"].lstrip().split()[0].upper() in ("INSERT", "UPDATE", "DELETE")]


def test_the_jobs_page_of_a_running_job_writes_nothing(client, owner):
    """On SQLite a write waits for the lock an import's write phase holds (up to 20 s, then HTTP 500), on every
    refresh of the page: showing a job that runs on a live worker must only read."""
    jobs.worker_beat("w-here", started=True)  # this very process: alive
    job = running_job(owner, worker_id="w-here")
    Job.objects.filter(pk=job.pk).update(started_at=timezone.now())
    client.force_login(owner)
    client.get(reverse("admin:report_jobs"))  # the session's first use may write
    with CaptureQueriesContext(connection) as queries:
        page = client.get(reverse("admin:report_jobs")).content.decode()
    assert "Diproses" in page
    assert writes(queries) == []


def test_the_recovery_removes_only_heartbeats_that_are_stale(owner):
    dead_worker("w-old")
    jobs.worker_beat("w-here", started=True)
    with CaptureQueriesContext(connection) as queries:
        jobs.jobs_recover()
    assert list(Worker.objects.values_list("worker_id", flat=True)) == ["w-here"]
    assert len(writes(queries)) == 1
    with CaptureQueriesContext(connection) as queries:
        jobs.jobs_recover()
    assert writes(queries) == []


# --- queued jobs whose task was lost ------------------------------------------------------------------------------


def queued_job(owner, *, waiting=timedelta(minutes=10), **fields):
    job = Job.objects.create(
        kind="report", owner=owner, params={"report": "daftar-ikm", "data": {"region": "51.03"}}, **fields
    )
    Job.objects.filter(pk=job.pk).update(queued_at=timezone.now() - waiting)
    return job


def test_a_queued_job_whose_task_was_lost_is_queued_again_then_failed(
    client, owner, django_capture_on_commit_callbacks
):
    from django_tasks_db.models import DBTaskResult

    job = queued_job(owner)  # its enqueue after commit never happened: "Menunggu" for ever on today's main
    queued_job(owner, waiting=timedelta(seconds=5))  # just queued: its task may be on its way
    with django_capture_on_commit_callbacks(execute=True):
        assert jobs.jobs_recover() == 1
    job.refresh_from_db()
    assert (job.status, job.attempts, job.error) == (Job.Status.QUEUED, 1, jobs.TASK_LOST_RETRIED)
    task = DBTaskResult.objects.get()
    assert task.args_kwargs["args"] == [job.pk]
    assert jobs.jobs_recover() == 0  # its task waits now

    # the worker took the task and failed before it claimed the job (its heartbeat raised)
    DBTaskResult.objects.filter(pk=task.pk).update(status="FAILED")
    Job.objects.filter(pk=job.pk).update(queued_at=timezone.now() - timedelta(minutes=5))
    with django_capture_on_commit_callbacks(execute=True):
        assert jobs.jobs_recover() == 1
    job.refresh_from_db()
    assert (job.status, job.attempts) == (Job.Status.QUEUED, 2)

    DBTaskResult.objects.update(status="FAILED")
    Job.objects.filter(pk=job.pk).update(queued_at=timezone.now() - timedelta(minutes=5))
    assert jobs.jobs_recover() == 1
    job.refresh_from_db()
    assert (job.status, job.error) == (Job.Status.FAILED, jobs.TASK_LOST_FAILED) and job.finished_at
    client.force_login(owner)
    page = client.get(reverse("admin:report_jobs")).content.decode()
    assert "Gagal: Tugas ini tidak sampai ke pekerja latar belakang" in page


def test_a_queued_job_whose_task_waits_is_left_alone_however_long(owner):
    from ikm_registry.tasks import run_job

    job = queued_job(owner, waiting=timedelta(days=2))  # no worker ran for two days
    run_job.enqueue(job.pk)
    # (a task queued before run_job existed, or before the jobs became one model, is pointed at its Job by the
    # migration: tests/core/test_job_migration.py)
    assert jobs.jobs_recover() == 0
    assert set(Job.objects.values_list("status", "attempts")) == {(Job.Status.QUEUED, 0)}


def test_the_jobs_page_recovers_a_lost_queued_job(client, owner):
    job = queued_job(owner)
    client.force_login(owner)
    page = client.get(reverse("admin:report_jobs")).content.decode()
    assert "Tugas ini tidak sampai ke pekerja latar belakang; diantrekan lagi." in page
    job.refresh_from_db()
    assert job.attempts == 1


def test_a_task_that_failed_before_its_claim_is_run_again_by_the_worker(
    owner, monkeypatch, django_capture_on_commit_callbacks
):
    from django.db import OperationalError
    from django_tasks_db.models import DBTaskResult

    from tests.worker import run_queued_jobs

    job = queued_job(owner, waiting=timedelta(0))
    with django_capture_on_commit_callbacks(execute=True):
        jobs.job_enqueue(job)
    real_claim = jobs.job_claim

    def claim(*args, **kwargs):
        monkeypatch.setattr(jobs, "job_claim", real_claim)  # once
        # (not "database is locked", which the claim outwaits: see test_worker_locked_database.py)
        raise OperationalError("server closed the connection unexpectedly")

    monkeypatch.setattr(jobs, "job_claim", claim)
    run_queued_jobs()
    job.refresh_from_db()
    assert job.status == Job.Status.QUEUED
    assert list(DBTaskResult.objects.values_list("status", flat=True)) == ["FAILED"]

    Job.objects.filter(pk=job.pk).update(queued_at=timezone.now() - timedelta(minutes=2))
    with django_capture_on_commit_callbacks(execute=True):
        assert jobs.jobs_recover() == 1
    run_queued_jobs()
    job.refresh_from_db()
    assert (job.status, job.attempts) == (Job.Status.DONE, 2), job.error


# --- kinds of job: what an app registers --------------------------------------------------------------------------


@pytest.fixture
def toy_kinds(monkeypatch):
    """A registry of its own for the test (the kinds of the apps, and what the test registers)."""
    monkeypatch.setattr(jobs, "_kinds", dict(jobs.job_kinds()))
    return jobs


def test_an_app_registers_a_kind_and_starts_a_job_that_the_worker_runs(
    toy_kinds, owner, django_capture_on_commit_callbacks
):
    from django.contrib.contenttypes.models import ContentType
    from django.core.files.base import ContentFile
    from django_tasks_db.models import DBTaskResult

    seen = []

    def perform(job, progress):
        seen.append((job.params, job.target))
        progress(phase="counting", done=1, total=4)
        assert Job.objects.get(pk=job.pk).percent == 50 + 40 // 4  # phase from 50, 40 wide, a quarter done
        job.file.save("hasil.csv", ContentFile(b"a,b\n"), save=False)
        return {"result": {"rows": 4}, "file": job.file.name}

    toy_kinds.register_job_kind(
        jobs.JobKind(
            key="toy.count",
            label="hitung",
            perform=perform,
            phases=(jobs.JobPhase("reading", "membaca", 0, 50), jobs.JobPhase("counting", "menghitung", 50, 40)),
        )
    )
    with django_capture_on_commit_callbacks(execute=True):
        job = jobs.job_start("toy.count", owner=owner, params={"year": 2024}, title="Hitung", target=owner)
    assert DBTaskResult.objects.get().args_kwargs["args"] == [job.pk]
    assert (job.content_type, job.object_id) == (ContentType.objects.get_for_model(owner), owner.pk)

    jobs.job_run(job.pk, worker_id="w1")
    job.refresh_from_db()
    assert seen == [({"year": 2024}, owner)]
    assert (job.status, job.result, job.percent, job.phase_label) == (Job.Status.DONE, {"rows": 4}, 100, "menghitung")
    assert job.file.name.startswith("jobs/") and job.file.read() == b"a,b\n"
    job.file.delete(save=False)


def test_a_kind_reacts_to_its_job_failing_for_good(toy_kinds, owner):
    failed = []

    def perform(job, progress):
        raise ValueError("berkas rusak")

    toy_kinds.register_job_kind(
        jobs.JobKind(key="toy.fail", label="gagal", perform=perform, on_failed=lambda job: failed.append(job.pk))
    )
    job = jobs.job_start("toy.fail", owner=owner)
    jobs.job_run(job.pk, worker_id="w1")
    job.refresh_from_db()
    assert (job.status, job.error, failed) == (Job.Status.FAILED, "berkas rusak", [job.pk])

    # the recovery fails a job for good the same way
    dead_worker()
    lost = jobs.job_start("toy.fail", owner=owner)
    Job.objects.filter(pk=lost.pk).update(status="running", worker_id="w-dead", attempts=2, started_at=timezone.now())
    assert jobs.jobs_recover() == 1
    assert failed == [job.pk, lost.pk]


def test_a_kind_is_registered_once_and_an_unknown_one_is_refused(toy_kinds, owner):
    from django.core.exceptions import ImproperlyConfigured

    kind = jobs.JobKind(key="toy.once", label="sekali", perform=lambda job, progress: None)
    toy_kinds.register_job_kind(kind)
    toy_kinds.register_job_kind(kind)  # the same module imported again
    with pytest.raises(ImproperlyConfigured, match="toy.once"):
        toy_kinds.register_job_kind(jobs.JobKind(key="toy.once", label="lain", perform=lambda job, progress: None))
    with pytest.raises(LookupError, match="toy.missing"):
        jobs.job_start("toy.missing", owner=owner)
    assert not Job.objects.exists()
    assert {"report", "tabular.check", "tabular.apply"} <= set(jobs.job_kinds())


def test_a_job_of_a_kind_no_app_registers_fails_with_a_reason(owner):
    job = Job.objects.create(kind="gone.kind", owner=owner)
    jobs.job_run(job.pk, worker_id="w1")
    job.refresh_from_db()
    assert job.status == Job.Status.FAILED and "gone.kind" in job.error
    assert (job.percent, job.kind_label) == (0, "gone.kind")


def test_who_sees_which_job(owner):
    from businesses.models import BusinessImport
    from tests.factories import UserFactory

    other = staff_user(StaffRole.OPERATOR, "51.03")
    superuser = UserFactory(is_staff=True, is_superuser=True)
    mine = Job.objects.create(kind="report", owner=owner)
    theirs = Job.objects.create(kind="report", owner=other)
    orphan = Job.objects.create(kind="gone.kind", owner=other)
    upload = BusinessImport.objects.create(original_name="a.csv", uploaded_by=owner, data_year=2024)
    # a superuser confirmed the operator's upload: the operator still sees its progress
    applied = jobs.job_start("tabular.apply", owner=superuser, target=upload)

    def visible(user):
        return set(Job.objects.visible_to(user))

    assert visible(owner) == {mine, applied}
    assert visible(other) == {theirs, orphan}
    assert visible(superuser) == {mine, theirs, applied}  # a kind no app registers stays its owner's
    assert set(Job.objects.owned_by(owner)) == {mine}
    assert set(upload.jobs.all()) == {applied}
    upload.delete()
    assert not Job.objects.filter(pk=applied.pk).exists()  # deleted with the upload, as ImportJob was
