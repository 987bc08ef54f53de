"""The kinds of background job of the business registry (see ikm_registry.jobs): the check and the application of a
long import (businesses/services/import_jobs.py). Both work on a BusinessImport (Job.target)."""

from __future__ import annotations

from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from businesses.models import BusinessImport
from businesses.services.import_jobs import IMPORT_APPLY, IMPORT_CHECK, WRITING, import_job_perform
from ikm_registry.jobs import JobKind, JobPhase, register_job_kind

# Reading the file fills the first 30% of the bar, checking its rows the next 60%, writing them the rest.
IMPORT_PHASES = (
    JobPhase("reading", _("membaca berkas"), start=0, width=30),
    JobPhase("checking", _("memeriksa baris"), start=30, width=60),
    JobPhase(WRITING, _("menulis ke registri"), start=90, width=9),
)


def import_job_visible(user) -> Q:
    """An import job is seen by whoever sees its upload (its uploader; superusers every one) and by its owner."""
    if user.is_superuser:
        return Q()
    return Q(owner=user) | Q(business_import__uploaded_by=user)


def import_apply_failed(job) -> None:
    """Nothing was written (the write is one transaction): the upload may be confirmed again."""
    BusinessImport.objects.filter(pk=job.object_id, state=BusinessImport.State.APPLYING).update(
        state=BusinessImport.State.PREVIEWED, applied_at=None
    )


register_job_kind(
    JobKind(
        key=IMPORT_CHECK,
        label=_("pemeriksaan impor IKM"),
        perform=import_job_perform,
        phases=IMPORT_PHASES,
        visible=import_job_visible,
    )
)
register_job_kind(
    JobKind(
        key=IMPORT_APPLY,
        label=_("penerapan impor IKM"),
        perform=import_job_perform,
        phases=IMPORT_PHASES,
        on_failed=import_apply_failed,
        visible=import_job_visible,
    )
)
