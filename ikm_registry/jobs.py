"""Background jobs (one model, ikm_registry.models.Job, of kinds that apps register) and the workers that run them.

An app declares each kind of job it runs in `<app>/job_kinds.py` (found like `<app>/reports.py`):

    from ikm_registry.jobs import JobKind, JobPhase, register_job_kind

    register_job_kind(JobKind(
        key="events.participants.check",                 # stored in Job.kind
        label=gettext_lazy("pemeriksaan peserta"),
        perform=participants_check_perform,              # perform(job, progress) -> dict | FINISHED | None
        phases=(JobPhase("reading", gettext_lazy("membaca berkas"), start=0, width=50), ...),   # optional
        on_failed=participants_check_failed,             # optional: on_failed(job), row locked, in the transaction
        visible=lambda user: Q(owner=user),              # optional: a Q of the jobs `user` may see of this kind
    ))

and starts one with `job_start("events.participants.check", owner=user, params={...}, target=upload)`, which
creates the row and queues it once the transaction commits. The worker calls `perform(job, progress)`:
`progress(phase=..., done=..., total=...)` records how far it is (and raises JobLost when the job was taken from
this worker); the dict it returns is saved with status DONE (Job fields, e.g. `result` and `file`); a ValidationError
or any other exception fails the job with its message, after which `on_failed` may set related rows back.

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
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured, ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.module_loading import autodiscover_modules
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


# --- kinds of job -------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class JobPhase:
    """A phase of a kind of job and the share of the progress bar it fills: from `start` percent, `width` wide."""

    key: str
    label: Any  # lazy text, shown while the job is in this phase
    start: int = 0
    width: int = 100


def owner_or_superuser(user) -> Q:
    """The default rule of who sees a job: its owner, and superusers every one."""
    return Q() if user.is_superuser else Q(owner=user)


@dataclass(frozen=True)
class JobFile:
    """The file a kind of job makes for its owner, downloaded from the jobs page (Laporan › Di latar belakang).

    - `label`: the download link's text ("Unduh PDF");
    - `filename(job)`: the name it downloads under;
    - `logged(job, user)`: records the download in the export log (with what the job recorded the file holds);
    - `progress(job)`: the progress as words ("120 dari ± 300 halaman"), '' for none.
    """

    label: Any
    filename: Callable[[Any], str]
    logged: Callable[[Any, Any], None]
    progress: Callable[[Any], str] = lambda job: ""


@dataclass(frozen=True)
class JobKind:
    """A kind of background job an app runs (see the module's docstring).

    - `perform(job, progress)` does the work on the worker; returns the Job fields to save with status DONE (a
      dict), nothing, or FINISHED when it finished the job itself (job_finish inside the transaction of its writes);
    - `phases` map `Job.phase` to a label and a share of the progress bar; without phases the bar is done/total;
    - `on_failed(job)` runs when the job fails for good (row locked, inside the transaction), e.g. to set the object
      it works on back;
    - `visible(user)` is a Q of the jobs of this kind `user` may see (Job.objects.visible_to);
    - `file_folder` is the folder under PRIVATE_FILES_ROOT of its result files (one of private_files.FOLDERS);
    - `file`: how its owner downloads its result file from the jobs page (JobFile); None: the job makes none there.
    """

    key: str
    label: Any
    perform: Callable[..., Any]
    phases: tuple[JobPhase, ...] = ()
    on_failed: Callable[[Any], None] | None = None
    visible: Callable[[Any], Q] = owner_or_superuser
    file_folder: str = "jobs"
    file: JobFile | None = None

    def percent(self, job) -> int:
        """How far `job` is, 0 to 100 (Job.percent shows at most 99 until it is done)."""
        if not self.phases:  # in whole numbers, as the report jobs always counted their pages
            return 100 * min(job.progress_done, job.progress_total) // job.progress_total if job.progress_total else 0
        share = min(1.0, job.progress_done / job.progress_total) if job.progress_total else 0.0
        phase = next((phase for phase in self.phases if phase.key == job.phase), None)
        if phase is None:
            return 0
        return int(phase.start + phase.width * share)

    def phase_label(self, key: str) -> str:
        phase = next((phase for phase in self.phases if phase.key == key), None)
        return str(phase.label) if phase is not None else key


_kinds: dict[str, JobKind] = {}
_discovered = False


def register_job_kind(kind: JobKind) -> JobKind:
    """Make `kind` runnable by the worker; its key must be new (an app registers each kind once)."""
    known = _kinds.get(kind.key)
    if known is not None and known != kind:
        raise ImproperlyConfigured(f"Job kind {kind.key!r} is registered twice.")
    if len(kind.key) > 50:
        raise ImproperlyConfigured(f"Job kind {kind.key!r}: a key has at most 50 characters.")
    _kinds[kind.key] = kind
    return kind


def _discover() -> None:
    global _discovered
    if not _discovered:
        autodiscover_modules("job_kinds")
        _discovered = True


def job_kinds() -> dict[str, JobKind]:
    """Every registered kind, by key."""
    _discover()
    return dict(_kinds)


def file_job_kinds() -> dict[str, JobKind]:
    """The kinds whose jobs make a file their owner downloads from the jobs page, by key."""
    return {key: kind for key, kind in job_kinds().items() if kind.file is not None}


def job_kind(key: str) -> JobKind:
    """The registered kind `key`; LookupError when no app registers it."""
    _discover()
    try:
        return _kinds[key]
    except KeyError:
        raise LookupError(f"No app registers the job kind {key!r}.") from None


# --- periodic work -----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class PeriodicWork:
    """Work an app has every worker do every `every()` seconds (read at run time, so settings apply), in a thread of
    its own beside the tasks: `run()` checks whether anything is due and does it (e.g. the directory counts). Two
    workers may both call it: `run` must serialise itself (ikm_registry.locks) and find nothing due the second time."""

    key: str
    every: Callable[[], float]
    run: Callable[[], Any]


_periodic: dict[str, PeriodicWork] = {}


def register_periodic_work(work: PeriodicWork) -> PeriodicWork:
    known = _periodic.get(work.key)
    if known is not None and known != work:
        raise ImproperlyConfigured(f"Periodic work {work.key!r} is registered twice.")
    _periodic[work.key] = work
    return work


def periodic_work() -> list[PeriodicWork]:
    """Every registered periodic work (apps register it in their job_kinds.py)."""
    _discover()
    return list(_periodic.values())


# --- queueing -----------------------------------------------------------------------------------------------------


# The key of a job's params under which job_start keeps the public site's address of the request that queued it.
BASE_URL_PARAM = "public_base_url"


def job_start(kind: str, *, owner, params: dict | None = None, title: str = "", target=None, total: int = 0):
    """Create a job of the registered `kind` for `owner` (working on `target`, a model instance, if given) and queue
    it once the current transaction commits. Returns the Job.

    Queued from an admin page, the job keeps the address the user reached the site by (params[BASE_URL_PARAM]):
    the QR codes of a report the worker renders later point to that host, as they would had it been made at once."""
    from ikm_registry.models import Job
    from ikm_registry.public_url import requested_base_url

    job_kind(kind)  # a kind no app registers is refused before anything is written
    params = dict(params or {})
    if (base_url := requested_base_url()) is not None:
        params[BASE_URL_PARAM] = base_url
    job = Job(kind=kind, owner=owner, params=params, title=title[:300], progress_total=total)
    if target is not None:
        job.target = target
    job.save()
    job_enqueue(job)
    return job


def job_enqueue(job) -> None:
    """Queue `job` once the current transaction commits (the worker must find the row)."""
    from ikm_registry.tasks import run_job

    pk = job.pk
    transaction.on_commit(lambda: run_job.enqueue(pk))


# --- status changes (each locks the row and checks where it starts from) -------------------------------------------


def _locked(pk):
    from ikm_registry.models import Job

    return Job.objects.select_for_update().filter(pk=pk).first()


def job_claim(pk, *, worker_id: str):
    """QUEUED → RUNNING for `worker_id`; None when the job is not queued any more (done, failed, taken)."""
    with transaction.atomic():
        job = _locked(pk)
        if job is None or job.status != job.Status.QUEUED:
            return None
        job.status = job.Status.RUNNING
        job.worker_id = worker_id
        job.started_at = timezone.now()
        job.attempts += 1
        job.save(update_fields=["status", "worker_id", "started_at", "attempts"])
        return job


def job_own(job):
    """Lock `job` and check it is still running on this worker (call inside a transaction); raises JobLost."""
    locked = _locked(job.pk)
    if locked is None or locked.status != job.Status.RUNNING or locked.worker_id != job.worker_id:
        raise JobLost(job.pk)
    return locked


def job_progress(job, *, phase: str | None = None, done: int | None = None, total: int | None = None) -> None:
    """Record the progress of a running job (its phase, how many of how many are done); raises JobLost when it is
    no longer this worker's."""
    from ikm_registry.models import Job

    fields = {
        name: value
        for name, value in (("phase", phase), ("progress_done", done), ("progress_total", total))
        if value is not None
    }
    mine = Job.objects.filter(pk=job.pk, status=Job.Status.RUNNING, worker_id=job.worker_id)
    updated = mine.update(**fields) if fields else mine.exists()
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
        _on_failed(locked)
    return True


def _on_failed(job) -> None:
    """The kind's reaction to a job that failed for good (row locked, inside the transaction)."""
    try:
        kind = job_kind(job.kind)
    except LookupError:
        return
    if kind.on_failed is not None:
        kind.on_failed(job)


def database_locked(error: Exception) -> bool:
    """Whether `error` is SQLite's "database is locked" (another process held the write lock past the busy timeout):
    worth trying again, unlike other database errors."""
    from django.db import OperationalError

    message = str(error.args[0]) if getattr(error, "args", None) else ""
    return isinstance(error, OperationalError) and "is locked" in message.lower()


# Waits (s) before each new try of a step that met "database is locked" (after SQLITE_BUSY_TIMEOUT each time).
LOCKED_RETRY_WAITS = (1, 2, 4, 8, 16)


def when_unlocked(step: Callable[[], Any], *, waits: tuple[float, ...] | None = None, sleep=None) -> Any:
    """`step()`, tried again after each of `waits` (LOCKED_RETRY_WAITS) while it fails with "database is locked";
    the last error is raised. For the worker's own short writes (its claim of a job), which a long import may hold
    up."""
    sleep = sleep or time.sleep
    for wait in LOCKED_RETRY_WAITS if waits is None else waits:
        try:
            return step()
        except Exception as error:
            if not database_locked(error):
                raise
            logger.warning("The database is locked; trying again in %s s", wait)
            sleep(wait)
    return step()


def job_run(pk: int, *, worker_id: str) -> None:
    """Claim and perform job `pk` on this worker, recording its end (done or failed with the reason). The claim is
    tried again while the database is locked (else the job would wait for the recovery of lost tasks)."""

    def claim():
        worker_beat(worker_id)
        return job_claim(pk, worker_id=worker_id)

    job = when_unlocked(claim)
    if job is None:
        return

    def progress(*, phase=None, done=None, total=None):
        job_progress(job, phase=phase, done=done, total=total)

    from ikm_registry.public_url import served_from

    try:
        with served_from(job.params.get(BASE_URL_PARAM)):  # the host of the admin page that queued it
            fields = job_kind(job.kind).perform(job, progress)
        if fields is not FINISHED:
            job_finish(job, **(fields or {}))
    except JobLost:
        logger.warning("Job %s (%s) was taken from worker %s; its result is dropped", pk, job.kind, worker_id)
    except ValidationError as error:  # a reason for the user (e.g. the registry changed under an import)
        logger.warning("Job %s (%s) failed: %s", pk, job.kind, "; ".join(error.messages))
        job_fail(job, " ".join(error.messages))
    except Exception as error:
        logger.exception("Job %s (%s) failed", pk, job.kind)
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


def _pending_tasks() -> set[int] | None:
    """The pks of every job whose django-tasks task waits or runs; None when the queue cannot be read (a backend
    other than django-tasks-db's, which keeps its queue elsewhere or runs a task at once)."""
    from django_tasks import TaskResultStatus, task_backends

    from ikm_registry.tasks import run_job

    try:
        from django_tasks_db.backend import DatabaseBackend
        from django_tasks_db.models import DBTaskResult
    except ImportError:  # pragma: no cover - the database backend is optional
        return None
    if not isinstance(task_backends[run_job.backend], DatabaseBackend):
        return None
    pending = set()
    tasks = DBTaskResult.objects.filter(
        status__in=(TaskResultStatus.READY, TaskResultStatus.RUNNING), task_path=run_job.module_path
    )
    for args_kwargs in tasks.values_list("args_kwargs", flat=True):
        args = (args_kwargs or {}).get("args") or []
        if len(args) == 1:
            pending.add(args[0])
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
    from ikm_registry.models import Job, Worker

    now = timezone.now()
    recovered = 0
    workers = None
    running = list(Job.objects.filter(status=Job.Status.RUNNING).values_list("pk", "worker_id", "started_at"))
    if running:
        workers = {worker.worker_id: worker for worker in Worker.objects.all()}
        for pk, worker_id, started_at in running:
            if worker_alive(workers.get(worker_id), now=now, since=started_at):
                continue
            recovered += _recover(pk, worker_id)
    _fail_lost_tasks(workers)
    recovered += _recover_unqueued(now=now)
    _forget_dead_workers(workers, now=now)
    return recovered


def _recover_unqueued(*, now) -> int:
    """Queued jobs waiting since before WORKER_STALE_SECONDS with no task that waits or runs for them."""
    from ikm_registry.models import Job

    cutoff = now - timedelta(seconds=settings.WORKER_STALE_SECONDS)
    waiting = list(Job.objects.filter(status=Job.Status.QUEUED, queued_at__lt=cutoff).values_list("pk", flat=True))
    if not waiting:
        return 0
    pending = _pending_tasks()
    if pending is None:
        return 0
    return sum(_requeue(pk, cutoff=cutoff) for pk in waiting if pk not in pending)


def _requeue(pk, *, cutoff) -> int:
    with transaction.atomic():
        job = _locked(pk)
        if job is None or job.status != job.Status.QUEUED or job.queued_at >= cutoff:
            return 0  # claimed or queued again meanwhile
        if job.attempts < settings.JOB_MAX_ATTEMPTS:
            job.attempts += 1  # a lost task counts as a try: a task that keeps failing before its claim ends
            job.error = TASK_LOST_RETRIED
            job.queued_at = timezone.now()
            job.save(update_fields=["attempts", "error", "queued_at"])
            job_enqueue(job)
            logger.warning("Job %s (%s): its task was lost before a worker claimed it; queued again", pk, job.kind)
        else:
            job.status = job.Status.FAILED
            job.error = TASK_LOST_FAILED
            job.finished_at = timezone.now()
            job.save(update_fields=["status", "error", "finished_at"])
            _on_failed(job)
            logger.error("Job %s (%s): its task was lost again; failed after %s tries", pk, job.kind, job.attempts)
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


def _recover(pk, worker_id: str) -> int:
    with transaction.atomic():
        job = _locked(pk)
        if job is None or job.status != job.Status.RUNNING or job.worker_id != worker_id:
            return 0  # finished or recovered meanwhile
        if job.attempts < settings.JOB_MAX_ATTEMPTS:
            job.status = job.Status.QUEUED
            job.worker_id = ""
            job.error = WORKER_LOST_RETRIED
            job.queued_at = timezone.now()
            job.save(update_fields=["status", "worker_id", "error", "queued_at"])
            job_enqueue(job)
            logger.warning("Job %s (%s): worker %s is gone; queued again", pk, job.kind, worker_id or "?")
        else:
            job.status = job.Status.FAILED
            job.error = WORKER_LOST_FAILED
            job.finished_at = timezone.now()
            job.save(update_fields=["status", "error", "finished_at"])
            _on_failed(job)
            logger.error("Job %s (%s): worker %s is gone; failed after %s tries", pk, job.kind, worker_id, job.attempts)
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
