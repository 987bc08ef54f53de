"""Background work (django-tasks, database backend: `manage.py db_worker` runs it). See ikm_registry.jobs: jobs are
queued with jobs.job_enqueue and performed by jobs.job_run."""

from __future__ import annotations

from django_tasks import task

from ikm_registry import jobs


def _worker_id(context) -> str:
    return context.task_result.worker_ids[-1] if context.task_result.worker_ids else "in-process"


@task(takes_context=True)
def run_job(context, label: str, pk: int) -> None:
    """Perform the BackgroundJob `label` (app_label.model) `pk` on this worker."""
    jobs.job_run(label, pk, worker_id=_worker_id(context))


@task(takes_context=True)
def run_report_job(context, job_id: int) -> None:
    """ReportJob `job_id`: tasks queued before run_job existed may still wait in an upgraded queue."""
    jobs.job_run("ikm_registry.reportjob", job_id, worker_id=_worker_id(context))
