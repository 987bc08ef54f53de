"""Uploads of business files and, for long ones, their check and application by the worker (jobs of the kinds
import.check and import.apply, registered in businesses/job_kinds.py).

A file of more than IMPORT_BACKGROUND_ROWS rows is not read during the request: the upload queues a check job whose
result (counts, first rows, every invalid row, every change to a registered business) is kept on the upload for the
preview page, and the confirmation queues an apply job that checks the file again and writes it in one transaction.
Both run on the job machinery of ikm_registry.jobs (progress, locked status changes, retry of a dead worker's job).
"""

from __future__ import annotations

import io
from pathlib import Path

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy

from businesses.models import BusinessImport
from businesses.services.importing import (
    Action,
    ImportPlan,
    businesses_import_apply,
    businesses_import_plan,
    inspect_file,
)
from businesses.services.layout import CSV_ENCODING
from ikm_registry import jobs
from ikm_registry.models import Job
from ikm_registry.private_files import private_storage
from ikm_registry.scoping import CHANGE, scope_for
from ikm_registry.tabular.uploads import SUMMARY_PERSONAL, summaries_purge  # noqa: F401 (re-exported)

PREVIEW_ROWS = 100
# Problems, notes and changed businesses kept for the preview of a background check, so that a summary stays within
# about 2 MB however long the file (a changed business whose every column changes takes about 1.2 KB; uncapped,
# 100,000 of them took 120 MB); the rejects file has every invalid row.
SUMMARY_PROBLEMS = 2000
SUMMARY_CHANGES = 1000
# Summaries of uploads past their retention are cleared by the engine (ikm_registry.tabular.uploads).
import_summaries_purge = summaries_purge
FILE_PURGED = gettext_lazy("Berkas unggahan sudah dihapus (masa simpan habis); unggah lagi.")
# The kinds of job of a long import (businesses/job_kinds.py) and the phase of its write.
IMPORT_CHECK, IMPORT_APPLY = "import.check", "import.apply"
WRITING = "writing"


def import_upload(*, upload, user, data_year: int, skip_invalid: bool) -> BusinessImport:
    """Keep an uploaded file (privately, under a random name) with its settings. A long file gets a check job.

    Raises ValidationError for a file beyond the import limits (a zip bomb, too large), before it is stored.
    """
    if not scope_for(user).allows(CHANGE):
        raise PermissionDenied
    rows = inspect_file(upload)
    with transaction.atomic():
        business_import = BusinessImport.objects.create(
            file=upload,
            original_name=Path(upload.name).name[:255],
            uploaded_by=user,
            data_year=data_year,
            skip_invalid=skip_invalid,
            background=rows - 1 > settings.IMPORT_BACKGROUND_ROWS,
            rows=max(rows - 1, 0),  # the file's data rows until a check counts them exactly
        )
        if business_import.background:
            jobs.job_start(IMPORT_CHECK, owner=user, target=business_import, total=max(rows - 1, 0))
    return business_import


def import_confirm_background(business_import: BusinessImport, *, user) -> Job | None:
    """Queue the application of a checked upload; None when it was confirmed already (double click, two tabs)."""
    with transaction.atomic():
        claimed = BusinessImport.objects.filter(pk=business_import.pk, state=BusinessImport.State.PREVIEWED).update(
            state=BusinessImport.State.APPLYING
        )
        if not claimed:
            return None
        job = jobs.job_start(IMPORT_APPLY, owner=user, target=business_import, total=business_import.rows)
    return job


def plan_summary(plan: ImportPlan) -> dict:
    """What the preview page shows of a plan, as JSON: first rows, problems, notes, and every change."""

    def row_data(outcome):
        return {
            "row": outcome.row,
            "action": outcome.action,
            "name": outcome.name,
            "village": outcome.village,
            "business_id": outcome.business_id,
            "changed": outcome.changed,
            "changes": [list(change) for change in outcome.changes],
            "errors": [{"column": error.column, "message": error.message} for error in outcome.errors],
            "notes": outcome.notes,
        }

    errors = plan.errors
    notes = plan.notes
    updates = [outcome for outcome in plan.rows if outcome.action == Action.UPDATE]
    return {
        "rows": [row_data(outcome) for outcome in plan.rows[:PREVIEW_ROWS]],
        "errors": [{"row": e.row, "column": e.column, "message": e.message} for e in errors[:SUMMARY_PROBLEMS]],
        "errors_total": len(errors),
        "notes": [list(note) for note in notes[:SUMMARY_PROBLEMS]],
        "notes_total": len(notes),
        "updates": [row_data(outcome) for outcome in updates[:SUMMARY_CHANGES]],
        "updates_total": len(updates),
        "checked_at": timezone.now().isoformat(),
    }


def store_counts(business_import: BusinessImport, counts: dict, **fields) -> None:
    for name in ("rows", "created", "updated", "unchanged", "invalid"):
        setattr(business_import, name, counts[name])
    for name, value in fields.items():
        setattr(business_import, name, value)
    business_import.save(update_fields=["rows", "created", "updated", "unchanged", "invalid", *fields])


def store_rejects(business_import: BusinessImport, plan: ImportPlan) -> None:
    """Keep the invalid rows of `plan` (with `alasan`) as a private file, so that downloading them does not check
    again; the caller saves `rejects_file`. The file it replaces is deleted once the transaction commits (a rolled
    back one leaves its new file to the purge of unnamed files)."""
    old = business_import.rejects_file.name
    business_import.rejects_file = ""
    if plan.rejected:
        text = io.StringIO()
        plan.write_rejects(text)
        business_import.rejects_file.save("rejects.csv", ContentFile(text.getvalue().encode(CSV_ENCODING)), save=False)
    if old:
        transaction.on_commit(lambda: private_storage.delete(old))


def import_plan_stored(business_import: BusinessImport, *, user, on_rows=None) -> ImportPlan:
    """Check the stored file of an upload as `user` against the registry as it is now (see businesses_import_plan);
    a ValidationError when the file is gone (its retention ran out)."""
    if not business_import.file:
        raise ValidationError(FILE_PURGED, code="file_purged")
    extra = {"on_rows": on_rows} if on_rows is not None else {}
    with business_import.file.open("rb") as handle:
        return businesses_import_plan(
            source=handle,
            filename=business_import.original_name,
            user=user,
            year=business_import.data_year,
            **extra,
        )


def _plan(job: Job, progress) -> ImportPlan:
    def on_rows(phase, done, total):
        progress(phase=phase, done=done, total=total or job.progress_total)

    return import_plan_stored(job_upload(job), user=job.owner, on_rows=on_rows)


def _unreadable(job: Job, error: ValidationError) -> object:
    """A file that cannot be imported (refused, or purged meanwhile) is a result, not a failure of the job: the
    upload fails with the reasons, and it cannot be confirmed (again)."""
    business_import = job_upload(job)
    with transaction.atomic():
        jobs.job_own(job)
        business_import.summary = {"file_errors": error.messages}
        business_import.state = BusinessImport.State.FAILED
        business_import.save(update_fields=["summary", "state"])
        jobs.job_finish(job)
    return jobs.FINISHED


def job_upload(job: Job) -> BusinessImport:
    """The upload a job works on, as a BusinessImport (Job.target is the core's upload record, TabularImport)."""
    return BusinessImport.objects.get(pk=job.object_id)


def import_job_perform(job: Job, progress) -> dict | object:
    """The work of an import job on the worker (see ikm_registry.jobs.JobKind.perform)."""
    business_import = job_upload(job)
    if job.kind == IMPORT_CHECK:
        try:
            plan = _plan(job, progress)
        except ValidationError as error:
            return _unreadable(job, error)
        with transaction.atomic():
            jobs.job_own(job)
            store_rejects(business_import, plan)
            business_import.summary = plan_summary(plan)
            store_counts(
                business_import, plan.counts, summary=business_import.summary, rejects_file=business_import.rejects_file
            )
            jobs.job_finish(job)
        return jobs.FINISHED

    # APPLY: check again against the registry as it is now, then write and finish in one transaction (a worker that
    # dies while writing leaves nothing half-written, and a job taken from it cannot be written twice).
    try:
        plan = _plan(job, progress)
    except ValidationError as error:
        return _unreadable(job, error)
    progress(phase=WRITING, done=0, total=len(plan.rows))
    with transaction.atomic():
        jobs.job_own(job)
        result = businesses_import_apply(plan, user=job.owner, skip_invalid=business_import.skip_invalid)
        # The rejects are those of this check: rows that became invalid since the preview (the registry changed) are
        # in the file too, and its count is the `invalid` logged with each download.
        store_rejects(business_import, plan)
        stored = {"summary": plan_summary(plan), "rejects_file": business_import.rejects_file}
        if result.written:
            store_counts(
                business_import, plan.counts, state=BusinessImport.State.APPLIED, applied_at=timezone.now(), **stored
            )
        else:
            store_counts(business_import, plan.counts, state=BusinessImport.State.FAILED, **stored)
        jobs.job_finish(job, progress_done=len(plan.rows))
    return jobs.FINISHED
