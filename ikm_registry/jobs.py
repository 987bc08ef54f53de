"""Background jobs (ReportJob, ImportJob: subclasses of BackgroundJob) and the workers that run them.

django-tasks with its database backend queues the work and `manage.py db_worker` runs it; neither notices a worker
that dies mid-task (killed, out of memory, machine restarted): its task and our job stay "running" for ever. So:

- every worker records a heartbeat (a `Worker` row: host, pid, last seen) every WORKER_HEARTBEAT_SECONDS;
- a job records the worker that runs it; `jobs_recover()` finds running jobs whose worker is gone (not seen for
  WORKER_STALE_SECONDS, its process gone on this machine, or restarted since) and queues them once more, or, after
  JOB_MAX_ATTEMPTS, fails them with a message the user reads; the same for queued jobs that have had no waiting or
  running task for WORKER_STALE_SECONDS (a worker that failed before it claimed the job, an enqueue lost after
  commit). Workers call it when they start and on every heartbeat; the jobs pages call it when they show a queued
  or running job;
- every status change locks the job row (select_for_update) and checks the state it starts from, so of a late
  worker and the recovery only one wins; a worker whose job was taken from it gets JobLost at its next progress.
"""

from __future__ import annotations

import logging
import os
import socket
from datetime import timedelta

from django.apps import apps
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

logger = logging.getLogger(__name__)

# Stored in the job's `error` and translated when shown (the worker has no user language).
WORKER_LOST_RETRIED = gettext_noop("Pekerja latar belakang berhenti saat memproses; dicoba sekali lagi.")
WORKER_LOST_FAILED = gettext_noop(
    "Pekerja latar belakang berhenti saat memproses (mis. dimatikan atau kehabisan memori), juga pada percobaan "
    "ulang. Tidak ada yang disimpan; coba lagi, dan hubungi pengelola sistem bila terulang."
)
TASK_LOST_RETRIED = gettext_noop("Tugas ini tidak sampai ke pekerja latar belakang; diantrekan lagi.")
TASK_LOST_FAILED = gettext_noop(
    "Tugas ini tidak sampai ke pekerja latar belakang, juga setelah diantrekan lagi. Tidak ada yang disimpan; coba "
    "lagi, dan hubungi pengelola sistem bila terulang."
)
MESSAGES = (WORKER_LOST_RETRIED, WORKER_LOST_FAILED, TASK_LOST_RETRIED, TASK_LOST_FAILED)


# Returned by a job's perform() that finished itself (inside the transaction of its writes, with job_finish).
FINISHED = object()


class JobLost(Exception):
    """The job is no longer this worker's: the recovery gave it to another try, or failed it."""


def job_models() -> list:
    from ikm_registry.models import BackgroundJob

    return [model for model in apps.get_models() if issubclass(model, BackgroundJob)]


def job_label(job) -> str:
    return job._meta.label_lower


# --- queueing -----------------------------------------------------------------------------------------------------


def job_enqueue(job) -> None:
    """Queue `job` once the current transaction commits (the worker must find the row)."""
    from ikm_registry.tasks import run_job

    label, pk = job_label(job), job.pk
    transaction.on_commit(lambda: run_job.enqueue(label, pk))


# --- status changes (each locks the row and checks where it starts from) -------------------------------------------


def _locked(model, pk):
    return model.objects.select_for_update().filter(pk=pk).first()


def job_claim(model, pk, *, worker_id: str):
    """QUEUED → RUNNING for `worker_id`; None when the job is not queued any more (done, failed, taken)."""
    with transaction.atomic():
        job = _locked(model, pk)
        if job is None or job.status != model.Status.QUEUED:
            return None
        job.status = model.Status.RUNNING
        job.worker_id = worker_id
        job.started_at = timezone.now()
        job.attempts += 1
        job.save(update_fields=["status", "worker_id", "started_at", "attempts"])
        return job


def job_own(job):
    """Lock `job` and check it is still running on this worker (call inside a transaction); raises JobLost."""
    locked = _locked(type(job), job.pk)
    if locked is None or locked.status != job.Status.RUNNING or locked.worker_id != job.worker_id:
        raise JobLost(job.pk)
    return locked


def job_progress(job, **fields) -> None:
    """Record progress fields of a running job; raises JobLost when it is no longer this worker's."""
    model = type(job)
    updated = model.objects.filter(pk=job.pk, status=model.Status.RUNNING, worker_id=job.worker_id).update(**fields)
    if not updated:
        raise JobLost(job.pk)
    for name, value in fields.items():
        setattr(job, name, value)
    worker_beat(job.worker_id)


def job_finish(job, **fields) -> None:
    """RUNNING (this worker) → DONE with `fields`; raises JobLost when the job was taken meanwhile."""
    with transaction.atomic():
        locked = job_own(job)
        for name, value in fields.items():
            setattr(locked, name, value)
        locked.status = job.Status.DONE
        locked.finished_at = timezone.now()
        locked.error = ""
        locked.save(update_fields=["status", "finished_at", "error", *fields])
    job.status = job.Status.DONE


def job_fail(job, message: str) -> bool:
    """RUNNING (this worker) → FAILED with `message`; False when the job was taken meanwhile."""
    with transaction.atomic():
        try:
            locked = job_own(job)
        except JobLost:
            return False
        locked.status = job.Status.FAILED
        locked.error = message[:2000]
        locked.finished_at = timezone.now()
        locked.save(update_fields=["status", "error", "finished_at"])
        locked.on_failed()
    return True


def job_run(label: str, pk: int, *, worker_id: str) -> None:
    """Claim and perform job `label`/`pk` on this worker, recording its end (done or failed with the reason)."""
    model = apps.get_model(label)
    worker_beat(worker_id)
    job = job_claim(model, pk, worker_id=worker_id)
    if job is None:
        return

    def progress(**fields):
        job_progress(job, **fields)

    try:
        fields = job.perform(progress=progress)
        if fields is not FINISHED:
            job_finish(job, **(fields or {}))
    except JobLost:
        logger.warning("Job %s %s was taken from worker %s; its result is dropped", label, pk, worker_id)
    except ValidationError as error:  # a reason for the user (e.g. the registry changed under an import)
        logger.warning("Job %s %s failed: %s", label, pk, "; ".join(error.messages))
        job_fail(job, " ".join(error.messages))
    except Exception as error:
        logger.exception("Job %s %s failed", label, pk)
        job_fail(job, str(error) or type(error).__name__)


# --- workers ------------------------------------------------------------------------------------------------------


def this_host() -> str:
    return socket.gethostname()[:255]


def worker_beat(worker_id: str, *, started: bool = False) -> None:
    """Record that `worker_id` (this process) is alive now."""
    from ikm_registry.models import Worker

    now = timezone.now()
    defaults = {"host": this_host(), "pid": os.getpid(), "seen_at": now}
    if started:
        defaults["started_at"] = now
    updated = Worker.objects.filter(worker_id=worker_id).update(**defaults)
    if not updated:
        Worker.objects.update_or_create(
            worker_id=worker_id, defaults=defaults, create_defaults={**defaults, "started_at": now}
        )


def worker_gone(worker_id: str) -> None:
    """A worker that stops cleanly removes its heartbeat."""
    from ikm_registry.models import Worker

    Worker.objects.filter(worker_id=worker_id).delete()


def _process_exists(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def worker_alive(worker, *, now=None, since=None) -> bool:
    """Whether `worker` (a Worker row or None) still runs: seen lately, its process there (on this machine), and
    not restarted since `since` (a job it claimed before a restart under the same id is not running)."""
    if worker is None:
        return False
    now = now or timezone.now()
    if worker.seen_at < now - timedelta(seconds=settings.WORKER_STALE_SECONDS):
        return False
    if worker.host == this_host() and not _process_exists(worker.pid):
        return False
    return not (since is not None and worker.started_at > since)


def workers_seen_lately() -> bool:
    """Whether any worker has been seen within WORKER_STALE_SECONDS (for the jobs pages' warning)."""
    from ikm_registry.models import Worker

    now = timezone.now()
    recent = Worker.objects.filter(seen_at__gte=now - timedelta(seconds=settings.WORKER_STALE_SECONDS))
    return any(worker_alive(worker, now=now) for worker in recent)


def uses_worker() -> bool:
    """Whether queued jobs wait for `db_worker` (not so with the immediate backend, which runs them at once)."""
    from django_tasks import task_backends

    from ikm_registry.tasks import run_job

    return not type(task_backends[run_job.backend]).__name__.startswith("Immediate")


def _pending_tasks() -> set[tuple[str, int]] | None:
    """(label, pk) of every job whose django-tasks task waits or runs; None when the queue cannot be read (a backend
    other than django-tasks-db's, which keeps its queue elsewhere or runs a task at once)."""
    from django_tasks import TaskResultStatus, task_backends

    from ikm_registry.tasks import run_job, run_report_job

    try:
        from django_tasks_db.backend import DatabaseBackend
        from django_tasks_db.models import DBTaskResult
    except ImportError:  # pragma: no cover - the database backend is optional
        return None
    if not isinstance(task_backends[run_job.backend], DatabaseBackend):
        return None
    pending = set()
    tasks = DBTaskResult.objects.filter(
        status__in=(TaskResultStatus.READY, TaskResultStatus.RUNNING),
        task_path__in=(run_job.module_path, run_report_job.module_path),
    )
    for task_path, args_kwargs in tasks.values_list("task_path", "args_kwargs"):
        args = (args_kwargs or {}).get("args") or []
        if task_path == run_report_job.module_path and len(args) == 1:
            pending.add(("ikm_registry.reportjob", args[0]))
        elif len(args) == 2:
            pending.add((args[0], args[1]))
    return pending


# --- recovery -----------------------------------------------------------------------------------------------------


def jobs_recover() -> int:
    """Give the running jobs of dead workers another try (once), or fail them with a message; the same for queued
    jobs whose task was lost before a worker claimed them (the worker failed before it claimed the job, or the
    enqueue after commit never happened). Return how many.

    Safe to call from anywhere and at any time: each job is decided with its row locked, and only when it still
    runs on the worker that was found dead, or still waits since before WORKER_STALE_SECONDS. Writes nothing when
    there is nothing to recover (the jobs pages call it on every refresh).
    """
    from ikm_registry.models import Worker

    now = timezone.now()
    recovered = 0
    workers = None
    for model in job_models():
        running = list(model.objects.filter(status=model.Status.RUNNING).values_list("pk", "worker_id", "started_at"))
        if not running:
            continue
        if workers is None:
            workers = {worker.worker_id: worker for worker in Worker.objects.all()}
        for pk, worker_id, started_at in running:
            if worker_alive(workers.get(worker_id), now=now, since=started_at):
                continue
            recovered += _recover(model, pk, worker_id)
    _fail_lost_tasks(workers)
    recovered += _recover_unqueued(now=now)
    _forget_dead_workers(workers, now=now)
    return recovered


def _recover_unqueued(*, now) -> int:
    """Queued jobs waiting since before WORKER_STALE_SECONDS with no task that waits or runs for them."""
    cutoff = now - timedelta(seconds=settings.WORKER_STALE_SECONDS)
    waiting = {}
    for model in job_models():
        pks = list(model.objects.filter(status=model.Status.QUEUED, queued_at__lt=cutoff).values_list("pk", flat=True))
        if pks:
            waiting[model] = pks
    if not waiting:
        return 0
    pending = _pending_tasks()
    if pending is None:
        return 0
    recovered = 0
    for model, pks in waiting.items():
        label = model._meta.label_lower
        recovered += sum(_requeue(model, pk, cutoff=cutoff) for pk in pks if (label, pk) not in pending)
    return recovered


def _requeue(model, pk, *, cutoff) -> int:
    with transaction.atomic():
        job = _locked(model, pk)
        if job is None or job.status != model.Status.QUEUED or job.queued_at >= cutoff:
            return 0  # claimed or queued again meanwhile
        if job.attempts < settings.JOB_MAX_ATTEMPTS:
            job.attempts += 1  # a lost task counts as a try: a task that keeps failing before its claim ends
            job.error = TASK_LOST_RETRIED
            job.queued_at = timezone.now()
            job.save(update_fields=["attempts", "error", "queued_at"])
            job_enqueue(job)
            logger.warning("Job %s %s: its task was lost before a worker claimed it; queued again", job_label(job), pk)
        else:
            job.status = model.Status.FAILED
            job.error = TASK_LOST_FAILED
            job.finished_at = timezone.now()
            job.save(update_fields=["status", "error", "finished_at"])
            job.on_failed()
            logger.error("Job %s %s: its task was lost again; failed after %s tries", job_label(job), pk, job.attempts)
    return 1


def _forget_dead_workers(workers, *, now) -> None:
    """Delete the heartbeats of dead workers: they have served their purpose (a live one writes its row again at its
    next beat). Read first and delete only rows found: the jobs pages call the recovery on every refresh, and on
    SQLite any write (even one that deletes nothing) waits for the lock a long import holds while it writes."""
    from ikm_registry.models import Worker

    stale = now - timedelta(seconds=settings.WORKER_STALE_SECONDS)
    if workers is None:
        workers = {worker.worker_id: worker for worker in Worker.objects.all()}
    silent = [worker.pk for worker in workers.values() if worker.seen_at < stale]
    gone = [worker.pk for worker in workers.values() if worker.host == this_host() and not _process_exists(worker.pid)]
    if silent or gone:
        # a worker that beat again since it was read stays
        Worker.objects.filter(Q(pk__in=silent, seen_at__lt=stale) | Q(pk__in=gone)).delete()


def _recover(model, pk, worker_id: str) -> int:
    with transaction.atomic():
        job = _locked(model, pk)
        if job is None or job.status != model.Status.RUNNING or job.worker_id != worker_id:
            return 0  # finished or recovered meanwhile
        if job.attempts < settings.JOB_MAX_ATTEMPTS:
            job.status = model.Status.QUEUED
            job.worker_id = ""
            job.error = WORKER_LOST_RETRIED
            job.queued_at = timezone.now()
            job.save(update_fields=["status", "worker_id", "error", "queued_at"])
            job_enqueue(job)
            logger.warning("Job %s %s: worker %s is gone; queued again", job_label(job), pk, worker_id or "?")
        else:
            job.status = model.Status.FAILED
            job.error = WORKER_LOST_FAILED
            job.finished_at = timezone.now()
            job.save(update_fields=["status", "error", "finished_at"])
            job.on_failed()
            logger.error(
                "Job %s %s: worker %s is gone; failed after %s tries", job_label(job), pk, worker_id, job.attempts
            )
    return 1


def _fail_lost_tasks(workers) -> None:
    """django-tasks-db's own rows of tasks whose worker died stay RUNNING; mark them failed too (tidy queue)."""
    try:
        from django_tasks_db.models import DBTaskResult
    except ImportError:  # pragma: no cover - the database backend is optional
        return
    from ikm_registry.models import Worker

    lost = []
    running = DBTaskResult.objects.running().values_list("pk", "worker_ids", "started_at")
    for pk, worker_ids, started_at in running:
        if workers is None:
            workers = {worker.worker_id: worker for worker in Worker.objects.all()}
        worker_id = worker_ids[-1] if worker_ids else ""
        if not worker_alive(workers.get(worker_id), since=started_at):
            lost.append(pk)
    for pk in lost:
        with transaction.atomic():
            task = DBTaskResult.objects.select_for_update().filter(pk=pk, status="RUNNING").first()
            if task is not None:
                task.set_failed(WorkerLost(_("Pekerja %(id)s berhenti.") % {"id": (task.worker_ids or ["?"])[-1]}))


class WorkerLost(Exception):
    """Recorded on a django-tasks result whose worker died while running it."""


def job_status_message(job) -> str:
    """The job's error, translated for the reader when it is one of ours."""
    return _(job.error) if job.error in MESSAGES else job.error
