"""The admin pages of background reports: the user's jobs with their progress, and the download of a finished file
(its owner and superusers only; anyone else gets 404). Each download is logged like an immediate report."""

from django.http import Http404
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.utils.translation import gettext as _

from ikm_registry import jobs as job_service
from ikm_registry.models import ReportJob
from ikm_registry.private_files import private_file_response
from ikm_registry.reports import report_export_logged
from ikm_registry.scoping import VIEW, scope_for


def jobs_view(request, admin_site):
    if not scope_for(request.user).allows(VIEW):
        raise Http404
    active = (ReportJob.Status.QUEUED, ReportJob.Status.RUNNING)
    if ReportJob.objects.filter(user=request.user, status__in=active).exists():
        job_service.jobs_recover()  # a job whose worker died or whose task was lost is retried or failed first
    jobs = list(ReportJob.objects.filter(user=request.user)[:50])
    for job in jobs:
        job.message = job_service.job_status_message(job)
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
    jobs = ReportJob.objects.all() if request.user.is_superuser else ReportJob.objects.filter(user=request.user)
    job = get_object_or_404(jobs, pk=pk, status=ReportJob.Status.DONE)
    response = private_file_response(job.file, filename=job.download_name)
    report_export_logged(name=job.report, disclosure=job.disclosure, params=job.params, user=request.user)
    return response
