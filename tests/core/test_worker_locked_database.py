"""The background worker outlasts SQLite's "database is locked" (issue 13, point 12): its loop waits and goes on
when the claim step meets a locked database, and the claim of a job is tried again instead of leaving the job to the
recovery of lost tasks; any other database error still stops it. One test runs a real `db_worker` while another
process holds SQLite's write lock."""

import contextlib
import signal
import sqlite3
import subprocess
import sys
import time

import pytest
from django.db import OperationalError, connection
from django_tasks_db.management.commands import db_worker as library_worker
from django_tasks_db.models import DBTaskResult

from ikm_registry import jobs
from ikm_registry.choices import StaffRole
from ikm_registry.management.commands.db_worker import PatientWorker
from ikm_registry.models import Job, Worker
from tests.core.test_jobs import SETUP, wait_for
from tests.factories import staff_user
from tests.processes import PROJECT, SubprocessDatabase, python

pytestmark = pytest.mark.django_db

LOCKED = "database is locked"


@pytest.fixture
def owner(bali_regions):
    return staff_user(StaffRole.OPERATOR, "51.03")


@pytest.fixture
def toy_job(monkeypatch, owner, django_capture_on_commit_callbacks):
    """A queued job of a kind of the test's own, with its django-tasks task waiting; the worker keeps the test's
    connection (the command closes it between tasks)."""
    monkeypatch.setattr(jobs, "_kinds", dict(jobs.job_kinds()))
    jobs.register_job_kind(jobs.JobKind(key="toy.noop", label="uji", perform=lambda job, progress: {}))
    monkeypatch.setattr(library_worker, "close_old_connections", lambda: None)
    with django_capture_on_commit_callbacks(execute=True):
        job = jobs.job_start("toy.noop", owner=owner, title="Uji")
    assert DBTaskResult.objects.ready().count() == 1
    return job


def worker(worker_class=PatientWorker):
    """A worker that runs what is queued, then stops (batch), without waiting for real."""
    runner = worker_class(
        queue_names=["default"], interval=0, batch=True, backend_name="default", startup_delay=False,
        max_tasks=None, worker_id="w-test", excluded_queue_names=[],
    )  # fmt: skip
    runner.waits = []
    runner.sleep = runner.waits.append
    return runner


def locked_once(monkeypatch, owner_object, name):
    """Make `owner_object.name` raise "database is locked" the first time it is called."""
    real = getattr(owner_object, name)
    calls = []

    def once(*args, **kwargs):
        calls.append(1)
        if len(calls) == 1:
            raise OperationalError(LOCKED)
        return real(*args, **kwargs)

    monkeypatch.setattr(owner_object, name, once)
    return calls


def test_the_worker_goes_on_after_its_claim_step_meets_a_locked_database(monkeypatch, toy_job):
    calls = locked_once(monkeypatch, DBTaskResult, "claim")
    worker().run()
    assert len(calls) == 2  # claimed again on the next round
    toy_job.refresh_from_db()
    assert (toy_job.status, toy_job.attempts) == (Job.Status.DONE, 1)
    assert list(DBTaskResult.objects.values_list("status", flat=True)) == ["SUCCESSFUL"]


@contextlib.contextmanager
def begin_locked_once(calls, real):
    calls.append(1)
    if len(calls) == 1:
        raise OperationalError(LOCKED)  # BEGIN EXCLUSIVE waited SQLITE_BUSY_TIMEOUT for a long import
    with real(None):
        yield


def test_the_worker_waits_when_its_claim_transaction_cannot_start(monkeypatch, toy_job):
    calls = []
    real = library_worker.exclusive_transaction
    monkeypatch.setattr(library_worker, "exclusive_transaction", lambda using: begin_locked_once(calls, real))

    with pytest.raises(OperationalError, match=LOCKED):  # django-tasks-db's own worker stops for good here
        worker(library_worker.Worker).run()

    calls.clear()
    patient = worker()
    patient.run()
    assert patient.waits == [1.0]
    toy_job.refresh_from_db()
    assert toy_job.status == Job.Status.DONE


def test_the_waits_grow_while_the_lock_keeps_coming_back(monkeypatch, toy_job):
    attempts = []

    @contextlib.contextmanager
    def locked_four_times(using):
        attempts.append(1)
        if len(attempts) <= 4:
            raise OperationalError(LOCKED)
        with connection.cursor():
            yield

    monkeypatch.setattr(library_worker, "exclusive_transaction", locked_four_times)
    patient = worker()
    patient.run()
    assert patient.waits == [1.0, 2.0, 4.0, 8.0]
    assert Job.objects.get(pk=toy_job.pk).status == Job.Status.DONE


def test_any_other_database_error_still_stops_the_worker(monkeypatch, toy_job):
    def broken(*args, **kwargs):
        raise OperationalError("no such table: django_tasks_database_dbtaskresult")

    monkeypatch.setattr(DBTaskResult, "claim", broken)
    patient = worker()
    with pytest.raises(OperationalError, match="no such table"):
        patient.run()
    assert patient.waits == []


def test_the_claim_of_a_job_is_tried_again_while_the_database_is_locked(monkeypatch, owner, toy_job):
    monkeypatch.setattr(jobs, "LOCKED_RETRY_WAITS", (0, 0))
    calls = locked_once(monkeypatch, jobs, "job_claim")
    jobs.job_run(toy_job.pk, worker_id="w-test")
    assert len(calls) == 2
    toy_job.refresh_from_db()
    assert (toy_job.status, toy_job.attempts, toy_job.error) == (Job.Status.DONE, 1, "")


def test_a_claim_locked_on_every_try_gives_up_with_the_error(monkeypatch, toy_job):
    monkeypatch.setattr(jobs, "LOCKED_RETRY_WAITS", (0, 0))

    def locked(*args, **kwargs):
        raise OperationalError(LOCKED)

    monkeypatch.setattr(jobs, "job_claim", locked)
    with pytest.raises(OperationalError):
        jobs.job_run(toy_job.pk, worker_id="w-test")
    assert Job.objects.get(pk=toy_job.pk).status == Job.Status.QUEUED  # for the recovery of lost tasks


def test_only_a_locked_database_counts_as_locked():
    assert jobs.database_locked(OperationalError("database is locked"))
    assert jobs.database_locked(OperationalError("database table is locked: ikm_registry_job"))
    assert not jobs.database_locked(OperationalError("disk I/O error"))
    assert not jobs.database_locked(ValueError("database is locked"))


# --- a real worker, a real lock ---------------------------------------------------------------------------------------


@pytest.mark.skipif("connection.vendor != 'sqlite'", reason="SQLite's single write lock; PostgreSQL locks rows")
@pytest.mark.django_db(transaction=True)  # the test database copied to a file for the worker (committed, not open)
def test_a_running_worker_outlasts_a_write_lock_held_longer_than_the_busy_timeout(tmp_path):
    with SubprocessDatabase(tmp_path) as database:
        env = database.env(
            SQLITE_BUSY_TIMEOUT="1", WORKER_HEARTBEAT_SECONDS="1", PRIVATE_FILES_ROOT=str(tmp_path / "private")
        )
        log = open(tmp_path / "worker.log", "w+")  # noqa: SIM115
        command = [sys.executable, "manage.py", "db_worker", "--no-startup-delay", "--interval", "0.2", "--no-reload"]
        process = subprocess.Popen(command, cwd=PROJECT, env=env, stdout=log, stderr=subprocess.STDOUT)
        try:

            def query(sql):
                with sqlite3.connect(database.file, timeout=10) as db:
                    return db.execute(sql).fetchall()

            wait_for(lambda: query(f"SELECT 1 FROM {Worker._meta.db_table}"), timeout=60, what="the worker")
            holder = sqlite3.connect(database.file, isolation_level=None)
            holder.execute("BEGIN EXCLUSIVE")  # a long import holding the write lock, 4 × the busy timeout
            time.sleep(4)
            holder.execute("COMMIT")
            holder.close()
            log.seek(0)
            assert process.poll() is None, "the worker stopped:\n" + log.read()

            job_id = int(python(env, SETUP.replace("ROWS", "5")).strip().splitlines()[-1])
            status = wait_for(
                lambda: (
                    (row := query(f"SELECT status FROM ikm_registry_job WHERE id = {job_id}")[0][0]) in ("done",)
                    and row
                ),
                timeout=60,
                what="the job after the lock",
            )
            assert status == "done"
            log.seek(0)
            assert "the database is locked; trying again" in log.read()
            process.send_signal(signal.SIGTERM)
            assert process.wait(timeout=30) == 0
        finally:
            if process.poll() is None:
                process.kill()
                process.wait()
            log.close()
