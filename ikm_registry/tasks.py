"""Background work (django-tasks, database backend: `manage.py db_worker` runs it). See ikm_registry.jobs."""

from __future__ import annotations

from django_tasks import task

from ikm_registry import jobs


def report_job_enqueue(*, job) -> None:
    """Queue `job` once the transaction that created it commits (the worker must find the row)."""
    jobs.job_enqueue(job)


def report_job_run(job_id: int, *, worker_id: str = "in-process") -> None:
    """Render the report of ReportJob `job_id` as its user (their scope applies, checked again now), recording the
    progress and, at the end, the file or the error."""
    jobs.job_run("ikm_registry.reportjob", job_id, worker_id=worker_id)


def _worker_id(context) -> str:
    return context.task_result.worker_ids[-1] if context.task_result.worker_ids else "in-process"


@task(takes_context=True)
def run_job(context, label: str, pk: int) -> None:
    """Perform the BackgroundJob `label` (app_label.model) `pk` on this worker."""
    jobs.job_run(label, pk, worker_id=_worker_id(context))


@task(takes_context=True)
def run_report_job(context, job_id: int) -> None:
    """Tasks queued before run_job existed."""
    report_job_run(job_id, worker_id=_worker_id(context))


@task()
def purge_private_files() -> dict:
    """Delete private files past their retention (the worker runs it once a day; cron may run the command)."""
    from ikm_registry.private_files import private_files_purge

    result = private_files_purge()
    return {"files": result.files, "orphans": result.orphans}
