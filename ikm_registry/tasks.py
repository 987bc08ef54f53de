"""Background work (django-tasks, database backend: `manage.py db_worker` runs it). See ikm_registry.jobs: jobs are
started with jobs.job_start (or queued again with jobs.job_enqueue) and performed by jobs.job_run."""

from __future__ import annotations

from django_tasks import task

from ikm_registry import jobs


def _worker_id(context) -> str:
    return context.task_result.worker_ids[-1] if context.task_result.worker_ids else "in-process"


@task(takes_context=True)
def run_job(context, job_id: int) -> None:
    """Perform the Job `job_id` on this worker (tasks queued before the jobs became one model were rewritten by
    migration ikm_registry 0010)."""
    jobs.job_run(job_id, worker_id=_worker_id(context))
