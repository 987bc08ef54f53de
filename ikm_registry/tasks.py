"""Background work (django-tasks, database backend: `manage.py db_worker` runs it)."""

from __future__ import annotations

import logging

from django.core.files.base import ContentFile
from django.utils import timezone
from django.utils.text import slugify
from django_tasks import task

logger = logging.getLogger(__name__)


def report_job_enqueue(*, job) -> None:
    """Queue `job` once the transaction that created it commits (the worker must find the row)."""
    from django.db import transaction

    transaction.on_commit(lambda: run_report_job.enqueue(job.pk))


def report_job_run(job_id: int) -> None:
    """Render the report of ReportJob `job_id` as its user (their scope applies, checked again now), recording the
    progress and, at the end, the file or the error."""
    from ikm_registry.models import ReportJob
    from ikm_registry.reports import get_report

    job = ReportJob.objects.select_related("user").get(pk=job_id)
    if job.status != ReportJob.Status.QUEUED:
        return
    job.status = ReportJob.Status.RUNNING
    job.save(update_fields=["status"])

    def progress(done, total):
        ReportJob.objects.filter(pk=job.pk).update(pages_done=done, pages_total=total)

    try:
        report_class = get_report(job.report)
        form = report_class.form_class(data=job.params, user=job.user)
        if not form.is_valid():
            raise ValueError("; ".join(f"{field}: {' '.join(errors)}" for field, errors in form.errors.items()))
        report = report_class()
        kwargs = {"on_progress": progress} if getattr(report, "reports_progress", False) else {}
        pdf = report.render(user=job.user, params=form.cleaned_data, filter_description=form.describe(), **kwargs)
    except Exception as error:
        logger.exception("Report job %s failed", job.pk)
        ReportJob.objects.filter(pk=job.pk).update(
            status=ReportJob.Status.FAILED, error=str(error)[:2000], finished_at=timezone.now()
        )
        return
    job.refresh_from_db(fields=["pages_done", "pages_total"])
    job.file.save(f"{slugify(job.title) or job.report}-{job.pk}.pdf", ContentFile(pdf), save=False)
    job.status = ReportJob.Status.DONE
    job.finished_at = timezone.now()
    if report.disclosed is not None:  # what the file holds: each download is logged with it
        job.row_count = report.disclosed.row_count
        job.personal_data = report.disclosed.personal_data
        job.individual_data = report.disclosed.individual_data
    job.save(update_fields=["file", "status", "finished_at", "row_count", "personal_data", "individual_data"])


@task()
def run_report_job(job_id: int) -> None:
    report_job_run(job_id)
