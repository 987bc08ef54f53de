"""The admin pages of background files — long reports and long exports, every kind of job that makes a file for its
owner (ikm_registry.jobs.JobFile): the user's jobs with their progress, and the download of a finished file (its
owner and superusers only; anyone else gets 404). Each download is logged as its kind says (like an immediate
report or export)."""

from django.http import Http404
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.utils.translation import gettext as _

from ikm_registry import jobs as job_service
from ikm_registry.models import Job
from ikm_registry.private_files import private_file_response
from ikm_registry.scoping import scope_for


def jobs_view(request, admin_site):
    if not scope_for(request.user).reaches_regions:
        raise Http404
    kinds = job_service.file_job_kinds()
    own = Job.objects.owned_by(request.user).filter(kind__in=list(kinds))
    if own.filter(status__in=(Job.Status.QUEUED, Job.Status.RUNNING)).exists():
        job_service.jobs_recover()  # a job whose worker died or whose task was lost is retried or failed first
    jobs = list(own[:50])
    for job in jobs:
        file = kinds[job.kind].file
        job.message = job_service.job_status_message(job)
        job.progress_text = file.progress(job)
        job.download_label = file.label
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
    kinds = job_service.file_job_kinds()
    jobs = Job.objects.visible_to(request.user).filter(kind__in=list(kinds))
    job = get_object_or_404(jobs, pk=pk, status=Job.Status.DONE)
    file = kinds[job.kind].file
    response = private_file_response(job.file, filename=file.filename(job))
    file.logged(job, request.user)
    return response
