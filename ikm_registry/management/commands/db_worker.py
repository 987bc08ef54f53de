"""`db_worker`: django-tasks-db's worker, plus a heartbeat and the recovery of jobs whose worker died.

Same options as django-tasks-db's command. Besides running tasks, a thread of the worker records the worker in the
database every WORKER_HEARTBEAT_SECONDS (`Worker`), gives the running jobs of dead workers another try or fails
them (ikm_registry.jobs.jobs_recover) — at start and on every heartbeat — and once a day deletes private files past
their retention (as `manage.py purge_private_files` does) and sends the expiry digests (`manage.py notify_expiring`). A worker that stops cleanly removes its heartbeat.
"""

from __future__ import annotations

import logging
import threading
import time

from django.conf import settings
from django.db import DatabaseError, close_old_connections, connection
from django_tasks_db.management.commands import db_worker

from ikm_registry import jobs

logger = logging.getLogger("ikm_registry.jobs")

PURGE_EVERY_SECONDS = 24 * 3600


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
        try:
            super().handle(*args, worker_id=worker_id, **options)
        finally:
            heartbeat.stop()
            try:
                close_old_connections()
                jobs.worker_gone(worker_id)
            except DatabaseError:
                logger.warning("Could not remove the heartbeat of worker %s", worker_id, exc_info=True)
