"""`db_worker`: django-tasks-db's worker, plus a heartbeat and the recovery of jobs whose worker died, and patience
with SQLite's write lock.

Same options as django-tasks-db's command. Besides running tasks, a thread of the worker records the worker in the
database every WORKER_HEARTBEAT_SECONDS (`Worker`), gives the running jobs of dead workers another try or fails
them (ikm_registry.jobs.jobs_recover) — at start and on every heartbeat — and once a day deletes private files past
their retention (as `manage.py purge_private_files` does) and sends the expiry digests (`manage.py notify_expiring`). A worker that stops cleanly removes its heartbeat. Another thread runs the periodic work apps register
(ikm_registry.jobs.register_periodic_work: the directory counts).

On SQLite one process writes at a time; a writer waits SQLITE_BUSY_TIMEOUT for the lock, then gets "database is
locked". django-tasks-db's worker ignores that error only inside its claim; at the start of the claim's transaction
(BEGIN EXCLUSIVE, while a long import writes) or when it records a task's end it stopped for good. `PatientWorker`
waits instead — 1 s, then twice as long each time up to a minute — and goes on.
"""

from __future__ import annotations

import logging
import os
import threading
import time

from django.conf import settings
from django.core.management.base import CommandError
from django.db import DatabaseError, OperationalError, close_old_connections, connection
from django.utils.autoreload import DJANGO_AUTORELOAD_ENV, run_with_reloader
from django_tasks_db.management.commands import db_worker

from ikm_registry import jobs

logger = logging.getLogger("ikm_registry.jobs")

PURGE_EVERY_SECONDS = 24 * 3600
# Waits after "database is locked": the first, the longest, and how long without one before the next starts short.
LOCKED_FIRST_WAIT = 1.0
LOCKED_LONGEST_WAIT = 60.0
LOCKED_CALM_SECONDS = 300.0


class PatientWorker(db_worker.Worker):
    """django-tasks-db's worker that outlasts SQLite's "database is locked" (see the module docstring): its loop is
    started again after a wait that doubles while the lock keeps coming back. Any other error still stops it."""

    sleep = staticmethod(time.sleep)

    def run(self) -> None:
        wait = LOCKED_FIRST_WAIT
        last_locked = None
        while True:
            try:
                return super().run()
            except OperationalError as error:
                if not jobs.database_locked(error) or not self.running:
                    raise
                now = time.monotonic()
                if last_locked is not None and now - last_locked < LOCKED_CALM_SECONDS:
                    wait = min(wait * 2, LOCKED_LONGEST_WAIT)
                else:
                    wait = LOCKED_FIRST_WAIT
                last_locked = now
                logger.warning("Worker %s: the database is locked; trying again in %.0f s", self.worker_id, wait)
                self.startup_delay = False  # a restart of the loop, not of the worker
                self.sleep(wait)


class Heartbeat(threading.Thread):
    """Writes the worker's heartbeat and runs the housekeeping, in its own thread (and database connection)."""

    def __init__(self, worker_id: str, *, purge: bool = True):
        super().__init__(name=f"heartbeat-{worker_id}", daemon=True)
        self.worker_id = worker_id
        self.purge = purge
        self.stopped = threading.Event()
        self.last_purge: float | None = None  # time.monotonic() of the last purge; None: purge at the first beat

    def tick(self, *, started: bool = False) -> None:
        """One beat: record the worker, recover the jobs of dead workers, and once a day purge private files. Each
        step's failure is logged and stops neither the others nor the thread (a dead thread would leave a live
        worker judged dead)."""
        try:
            close_old_connections()
            jobs.worker_beat(self.worker_id, started=started)
            jobs.jobs_recover()
        except DatabaseError:
            # SQLite is locked while another process writes a long import; the next beat will do.
            logger.warning("Heartbeat of worker %s not written this time", self.worker_id, exc_info=True)
        except Exception:
            logger.exception("Heartbeat of worker %s failed; trying again at the next beat", self.worker_id)
        if self.purge and (self.last_purge is None or time.monotonic() - self.last_purge >= PURGE_EVERY_SECONDS):
            self.last_purge = time.monotonic()  # a failing purge is tried again a day later, not on every beat
            self.purge_private_files()
            self.notify_expiring()

    def purge_private_files(self) -> None:
        from ikm_registry.private_files import private_files_purge

        try:
            result = private_files_purge()
        except Exception:
            logger.exception("Daily purge of private files failed (worker %s)", self.worker_id)
            return
        if result.files or result.orphans or result.records:
            logger.info(
                "Purged %s private files and %s orphans; cleared the personal data of %s records",
                result.files,
                result.orphans,
                result.records,
            )

    def notify_expiring(self) -> None:
        """The daily "Segera berakhir" digests (as `manage.py notify_expiring`; sent once a day whoever runs it)."""
        from ikm_registry.expiry import send_expiry_digests

        try:
            result = send_expiry_digests()
        except Exception:
            logger.exception("Daily expiry digests failed (worker %s)", self.worker_id)
            return
        if result.sent or result.lapsed:
            logger.info("Expiry digests: %s sent, %s records marked lapsed", result.sent, result.lapsed)

    def run(self) -> None:
        try:
            while not self.stopped.wait(settings.WORKER_HEARTBEAT_SECONDS):
                self.tick()
        finally:
            connection.close()

    def stop(self) -> None:
        self.stopped.set()


class Periodic(threading.Thread):
    """Runs the apps' periodic work (ikm_registry.jobs.periodic_work: e.g. the directory counts) in its own thread
    and database connection, each when its interval has passed; a failure is logged and tried at the next interval."""

    CHECK_SECONDS = 5.0

    def __init__(self, worker_id: str):
        super().__init__(name=f"periodic-{worker_id}", daemon=True)
        self.worker_id = worker_id
        self.stopped = threading.Event()
        self.last: dict[str, float] = {}

    def tick(self) -> None:
        for work in jobs.periodic_work():
            now = time.monotonic()
            last = self.last.get(work.key)
            if last is not None and now - last < work.every():
                continue
            self.last[work.key] = now
            try:
                close_old_connections()
                work.run()
            except Exception:
                logger.exception("Periodic work %s failed (worker %s)", work.key, self.worker_id)

    def run(self) -> None:
        try:
            while not self.stopped.wait(self.CHECK_SECONDS):
                self.tick()
        finally:
            connection.close()

    def stop(self) -> None:
        self.stopped.set()


class Command(db_worker.Command):
    help = "Run a database background worker, with a heartbeat and the recovery of jobs whose worker died"

    def add_arguments(self, parser):
        super().add_arguments(parser)
        parser.add_argument(
            "--no-purge", action="store_true", help="Do not delete private files past their retention once a day."
        )

    def handle(self, *args, worker_id: str, no_purge: bool = False, **options):
        heartbeat = Heartbeat(worker_id, purge=not no_purge)
        heartbeat.tick(started=True)  # registered before the first task is claimed; recovers what a dead one left
        heartbeat.start()
        periodic = Periodic(worker_id)
        periodic.start()
        try:
            self.run_worker(worker_id=worker_id, **options)
        finally:
            periodic.stop()
            heartbeat.stop()
            try:
                close_old_connections()
                jobs.worker_gone(worker_id)
            except DatabaseError:
                logger.warning("Could not remove the heartbeat of worker %s", worker_id, exc_info=True)

    def run_worker(
        self,
        *,
        verbosity: int,
        queue_name: str,
        interval: float,
        batch: bool,
        backend_name: str,
        startup_delay: bool,
        reload: bool,
        max_tasks: int | None,
        worker_id: str,
        exclude_queues: str,
        **options,
    ) -> None:
        """django-tasks-db's Command.handle (0.13), running a PatientWorker instead of its Worker."""
        self.configure_logging(verbosity)
        if reload and batch:
            logger.warning("Warning: --reload and --batch cannot be specified together. Disabling autoreload.")
            reload = False
        queue_names = queue_name.split(",")
        excluded_queue_names = exclude_queues.split(",") if exclude_queues else []
        if excluded_queue_names and "*" not in queue_names:
            raise CommandError("--exclude-queues can only be used with --queue-name=*")
        worker = PatientWorker(
            queue_names=queue_names,
            interval=interval,
            batch=batch,
            backend_name=backend_name,
            startup_delay=startup_delay,
            max_tasks=max_tasks,
            worker_id=worker_id,
            excluded_queue_names=excluded_queue_names,
        )
        if reload:
            if os.environ.get(DJANGO_AUTORELOAD_ENV) == "true":
                worker.configure_signals()  # only the reloaded child handles the signals
            run_with_reloader(worker.run)
        else:
            worker.configure_signals()
            worker.run()
