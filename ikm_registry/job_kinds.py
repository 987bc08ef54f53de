"""The kinds of background job of the core (see ikm_registry.jobs): a long report, rendered by the worker, and the
check and the application of a long upload of any importer (ikm_registry/tabular/uploads.py).

A report job's `params` are {"report": <report name>, "data": <the report form's data>}; its `result` records what
the finished file holds ({"row_count", "personal_data", "individual_data"}), with which each download is logged.
"""

from __future__ import annotations

from django.core.files.base import ContentFile
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from ikm_registry.jobs import JobFile, JobKind, JobPhase, job_start, register_job_kind
from ikm_registry.private_files import REPORTS
from ikm_registry.tabular.uploads import (
    TABULAR_APPLY,
    TABULAR_CHECK,
    WRITING,
    upload_apply_failed,
    upload_job_perform,
    upload_job_visible,
)

REPORT = "report"


def report_job_start(*, owner, report: str, title: str, data: dict):
    """Queue the report `report` (a registered name) made from the form data `data` for `owner`."""
    return job_start(REPORT, owner=owner, title=title, params={"report": report, "data": data})


def report_name(job) -> str:
    return job.params.get("report", "")


def report_data(job) -> dict:
    return job.params.get("data") or {}


def report_download_name(job) -> str:
    return f"{slugify(job.title) or report_name(job)}-{job.pk}.pdf"


def report_disclosure(job):
    """What the finished file holds, as the worker recorded it (each download is logged with it); a file made before
    that was recorded counts as holding personal data and individual figures."""
    from ikm_registry.reports.base import UNDECLARED, Disclosure

    result = job.result or {}
    if result.get("row_count") is None:
        return UNDECLARED
    return Disclosure(
        personal_data=bool(result.get("personal_data")),
        individual_data=bool(result.get("individual_data")),
        row_count=result["row_count"],
    )


def report_perform(job, progress) -> dict:
    from ikm_registry.reports import get_report

    report_class = get_report(report_name(job))
    form = report_class.form_class(data=report_data(job), user=job.owner)
    if not form.is_valid():
        raise ValueError("; ".join(f"{field}: {' '.join(errors)}" for field, errors in form.errors.items()))
    report = report_class()

    def pages(done, total):
        progress(done=done, total=total)

    kwargs = {"on_progress": pages} if getattr(report, "reports_progress", False) else {}
    made = report.make(user=job.owner, params=form.cleaned_data, filter_description=form.describe(), **kwargs)
    job.file.save(report_download_name(job), ContentFile(made.pdf), save=False)
    disclosure = made.disclosure  # what the file holds: each download is logged with it
    return {
        "file": job.file.name,
        "result": {
            "row_count": disclosure.row_count,
            "personal_data": disclosure.personal_data,
            "individual_data": disclosure.individual_data,
        },
    }


def report_download_logged(job, user) -> None:
    """A download of a finished report is logged like an immediate one, with what the worker recorded it holds."""
    from ikm_registry.reports import report_export_logged

    report_export_logged(name=report_name(job), disclosure=report_disclosure(job), params=report_data(job), user=user)


def report_progress(job) -> str:
    if not job.progress_total:
        return ""
    return _("%(done)s dari ± %(total)s halaman") % {"done": job.progress_done, "total": job.progress_total}


register_job_kind(
    JobKind(
        key=REPORT,
        label=gettext_lazy("laporan"),
        perform=report_perform,
        file_folder=REPORTS,
        file=JobFile(
            label=gettext_lazy("Unduh PDF"),
            filename=report_download_name,
            logged=report_download_logged,
            progress=report_progress,
        ),
    )
)


# Reading the file fills the first 30% of the bar, checking its rows the next 60%, writing them the rest.
UPLOAD_PHASES = (
    JobPhase("reading", gettext_lazy("membaca berkas"), start=0, width=30),
    JobPhase("checking", gettext_lazy("memeriksa baris"), start=30, width=60),
    JobPhase(WRITING, gettext_lazy("menulis ke registri"), start=90, width=9),
)
register_job_kind(
    JobKind(
        key=TABULAR_CHECK,
        label=gettext_lazy("pemeriksaan impor"),
        perform=upload_job_perform,
        phases=UPLOAD_PHASES,
        visible=upload_job_visible,
    )
)
register_job_kind(
    JobKind(
        key=TABULAR_APPLY,
        label=gettext_lazy("penerapan impor"),
        perform=upload_job_perform,
        phases=UPLOAD_PHASES,
        on_failed=upload_apply_failed,
        visible=upload_job_visible,
    )
)
