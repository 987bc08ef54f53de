"""The kinds of job and the periodic work of businesses (see ikm_registry.jobs): the long XLSX exports of the business
list, made by the worker and downloaded from the jobs page (businesses/admin_import.py), and the directory counts,
renewed by every worker when the public data changed (businesses/services/directory_counts.py)."""

from django.conf import settings
from django.utils.translation import gettext_lazy

from businesses.admin_import import (
    EXPORT_JOB,
    export_download_logged,
    export_download_name,
    export_job_perform,
    export_progress,
)
from ikm_registry.jobs import JobFile, JobKind, PeriodicWork, register_job_kind, register_periodic_work

register_job_kind(
    JobKind(
        key=EXPORT_JOB,
        label=gettext_lazy("ekspor"),
        perform=export_job_perform,
        file=JobFile(
            label=gettext_lazy("Unduh XLSX"),
            filename=export_download_name,
            logged=export_download_logged,
            progress=export_progress,
        ),
    )
)


def _refresh_directory_counts():
    from businesses.services.directory_counts import refresh_directory_counts

    return refresh_directory_counts(force=False)


register_periodic_work(
    PeriodicWork(
        key="businesses.directory_counts",
        every=lambda: settings.DIRECTORY_COUNTS_CHECK_SECONDS,
        run=_refresh_directory_counts,
    )
)
