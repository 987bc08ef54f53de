"""The admin pages of background reports: the user's jobs with their progress, and the download of a finished file
(its owner and superusers only; anyone else gets 404). Each download is logged like an immediate report."""

from django.http import Http404
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.utils.translation import gettext as _

from ikm_registry import jobs as job_service
from ikm_registry.job_kinds import REPORT, report_data, report_disclosure, report_download_name, report_name
from ikm_registry.models import Job
from ikm_registry.private_files import private_file_response
from ikm_registry.reports import report_export_logged
from ikm_registry.scoping import scope_for


def jobs_view(request, admin_site):
    if not scope_for(request.user).reaches_regions:
        raise Http404
    own = Job.objects.owned_by(request.user).filter(kind=REPORT)
    if own.filter(status__in=(Job.Status.QUEUED, Job.Status.RUNNING)).exists():
        job_service.jobs_recover()  # a job whose worker died or whose task was lost is retried or failed first
    jobs = list(own[:50])
    for job in jobs:
        job.message = job_service.job_status_message(job)
        job.report = report_name(job)
    active = any(job.is_active for job in jobs)
    context = {
        **admin_site.each_context(request),
        "title": _("Laporan di latar belakang"),
        "jobs": jobs,
        "refresh": active,
        "no_worker": active and job_service.uses_worker() and not job_service.workers_seen_lately(),
    }
    return TemplateResponse(request, "admin/registry/report_jobs.html", context)


def job_download_view(request, admin_site, pk):
    jobs = Job.objects.visible_to(request.user).filter(kind=REPORT)
    job = get_object_or_404(jobs, pk=pk, status=Job.Status.DONE)
    response = private_file_response(job.file, filename=report_download_name(job))
    report_export_logged(
        name=report_name(job), disclosure=report_disclosure(job), params=report_data(job), user=request.user
    )
    return response
