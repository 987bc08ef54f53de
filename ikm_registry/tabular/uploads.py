"""Upload records (ikm_registry.TabularImport) of every importer: keeping an upload, checking and applying it — in
the request or, for a long file, on the worker (jobs of the kinds tabular.check and tabular.apply, registered in
ikm_registry/job_kinds.py) —, the record a command leaves, and what is kept of them past their retention.

The same functions serve every registered importer (ikm_registry.tabular.registry): an upload names its `kind`,
keeps the importer's `options` (e.g. the data year of a business file) and whether invalid rows are skipped, and
each check builds the importer anew from them, against the registry and the user's scope as they are at that
moment.

A file of more than IMPORT_BACKGROUND_ROWS rows is not read during the request: the upload queues a check job whose
result (counts, first rows, every invalid row, every change to a registered record, capped) is kept on the upload
for the preview page, and the confirmation queues an apply job that checks the file again and writes it in the same
pass, in one transaction (Importer.import_file: chunk by chunk for an importer with a chunk_size). Both run on the job
machinery of ikm_registry.jobs (progress, locked status changes, retry of a dead worker's job).
"""

from __future__ import annotations

import io
from pathlib import Path

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files import File
from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy

from ikm_registry import jobs
from ikm_registry.models import Job, TabularImport
from ikm_registry.private_files import private_storage
from ikm_registry.scoping import CHANGE, SystemActor, scope_for
from ikm_registry.services import command_actor
from ikm_registry.tabular import registry
from ikm_registry.tabular.cells import CSV_ENCODING
from ikm_registry.tabular.engine import Action, ImportPlan, ImportResult
from ikm_registry.tabular.reader import inspect_file

# Rows of a plan the preview page lists.
PREVIEW_ROWS = 100
# Problems, notes and changed records kept for the preview of a background check, so that a summary stays within
# about 2 MB however long the file (a changed business whose every column changes takes about 1.2 KB; uncapped,
# 100,000 of them took 120 MB); the rejects file has every invalid row.
SUMMARY_PROBLEMS = 2000
SUMMARY_CHANGES = 1000
# What a summary says of single rows (names, registered and new phones and e-mails, values quoted in reasons):
# dropped with the file when its retention runs out, while the totals stay.
SUMMARY_PERSONAL = ("rows", "errors", "notes", "updates")
FILE_PURGED = gettext_lazy("Berkas unggahan sudah dihapus (masa simpan habis); unggah lagi.")
# The kinds of job of a long import (ikm_registry/job_kinds.py) and the phase of its write.
TABULAR_CHECK, TABULAR_APPLY = "tabular.check", "tabular.apply"
WRITING = "writing"
COUNTS = ("rows", "created", "updated", "unchanged", "invalid")


def upload_store(
    *, kind: str, upload, user, options: dict | None = None, skip_invalid: bool = False, model=TabularImport
):
    """Keep an uploaded file (privately, under a random name) with the importer's options. A long file gets a
    check job. `model` may be a proxy of TabularImport for the kind (e.g. BusinessImport).

    Raises PermissionDenied for a user who may not change data, ValidationError for an unknown kind or a file
    beyond the import limits (a zip bomb, too large), before it is stored.
    """
    if not scope_for(user).allows(CHANGE):
        raise PermissionDenied
    try:
        importer_class = registry.get(kind)
    except LookupError as error:
        raise ValidationError(str(error), code="unknown_kind") from error
    rows = max(inspect_file(upload) - 1, 0)  # the file's data rows until a check counts them exactly
    with transaction.atomic():
        record = model.objects.create(
            kind=kind,
            file=upload,
            original_name=Path(upload.name).name[:255],
            uploaded_by=user,
            options=dict(options or {}),
            skip_invalid=skip_invalid,
            background=rows > settings.IMPORT_BACKGROUND_ROWS,
            rows=rows,
        )
        if record.background:
            jobs.job_start(
                TABULAR_CHECK, owner=user, target=record, total=rows, title=job_title(importer_class, record)
            )
    return record


def job_title(importer_class, record) -> str:
    return f"{importer_class.label}: {record.original_name}"[:200]


def upload_importer(record, *, user, on_rows=None):
    """The importer of `record`'s kind, built with its options for `user`."""
    extra = {"on_rows": on_rows} if on_rows is not None else {}
    return record.importer(user=user, options=record.options, **extra)


def upload_plan(record, *, user, on_rows=None, keep_writes: bool = True) -> ImportPlan:
    """Check the stored file of an upload as `user` against the registry as it is now; a ValidationError when the
    file is gone (its retention ran out) or cannot be read, PermissionDenied when `user` may not import.
    `keep_writes=False` for a plan that is only shown (see Importer.plan)."""
    if not record.file:
        raise ValidationError(FILE_PURGED, code="file_purged")
    importer = upload_importer(record, user=user, on_rows=on_rows)
    with record.file.open("rb") as handle:
        return importer.plan(handle, record.original_name, keep_writes=keep_writes)


def upload_import(record, *, user) -> ImportResult:
    """Check the stored file of `record` against the registry as it is now and write it in the same pass (all or
    nothing, or the valid rows when the upload skips invalid ones; see Importer.import_file). Call it inside the
    transaction that records the result. Raises as upload_plan, and ValidationError (code "import_conflict") when
    the registry changed under the import."""
    if not record.file:
        raise ValidationError(FILE_PURGED, code="file_purged")
    importer = upload_importer(record, user=user)
    with record.file.open("rb") as handle:
        return importer.import_file(handle, record.original_name, skip_invalid=record.skip_invalid)


def upload_confirm_background(record, *, user) -> Job | None:
    """Queue the application of a checked upload; None when it was confirmed already (double click, two tabs)."""
    with transaction.atomic():
        claimed = (
            type(record)
            ._base_manager.filter(pk=record.pk, state=TabularImport.State.PREVIEWED)
            .update(state=TabularImport.State.APPLYING)
        )
        if not claimed:
            return None
        return jobs.job_start(
            TABULAR_APPLY, owner=user, target=record, total=record.rows, title=job_title(record.importer, record)
        )


def plan_summary(plan: ImportPlan) -> dict:
    """What the preview page shows of a plan, as JSON: first rows, problems, notes, and every change (capped)."""
    errors = plan.errors
    notes = plan.notes
    updates = [outcome for outcome in plan.rows if outcome.action == Action.UPDATE]
    return {
        "rows": [outcome.as_data() for outcome in plan.rows[:PREVIEW_ROWS]],
        "errors": [{"row": e.row, "column": e.column, "message": e.message} for e in errors[:SUMMARY_PROBLEMS]],
        "errors_total": len(errors),
        "notes": [list(note) for note in notes[:SUMMARY_PROBLEMS]],
        "notes_total": len(notes),
        "updates": [outcome.as_data() for outcome in updates[:SUMMARY_CHANGES]],
        "updates_total": len(updates),
        "checked_at": timezone.now().isoformat(),
    }


def store_counts(record, counts: dict, **fields) -> None:
    for name in COUNTS:
        setattr(record, name, counts[name])
    for name, value in fields.items():
        setattr(record, name, value)
    record.save(update_fields=[*COUNTS, *fields])


def store_rejects(record, plan: ImportPlan) -> None:
    """Keep the invalid rows of `plan` (with `alasan`) as a private file, so that downloading them does not check
    again; the caller saves `rejects_file`. The file it replaces is deleted once the transaction commits (a rolled
    back one leaves its new file to the purge of unnamed files)."""
    old = record.rejects_file.name
    record.rejects_file = ""
    if plan.rejected:
        text = io.StringIO()
        plan.write_rejects(text)
        record.rejects_file.save("rejects.csv", ContentFile(text.getvalue().encode(CSV_ENCODING)), save=False)
    if old:
        transaction.on_commit(lambda: private_storage.delete(old))


# --- what a command leaves ------------------------------------------------------------------------------------------


def upload_record_command(
    *,
    kind: str,
    command: str,
    path: Path,
    actor,
    options: dict,
    skip_invalid: bool,
    plan: ImportPlan,
    result: ImportResult | None,
    actor_label: str = "",
) -> TabularImport:
    """The upload record of a file a command imported (or failed to), beside those of the admin: the file kept
    privately (for its retention), the counts, the summary and the rejects. `actor` is the staff account the
    command ran as, or its SystemActor; `command` is named on the record either way (or `actor_label`, for rows the
    staff API wrote)."""
    written = result is not None and result.written
    record = TabularImport(
        kind=kind,
        original_name=path.name[:255],
        uploaded_by=None if isinstance(actor, SystemActor) else actor,
        actor=(actor_label or command_actor(command))[:100],
        options=dict(options),
        skip_invalid=skip_invalid,
        state=TabularImport.State.APPLIED if written else TabularImport.State.FAILED,
        applied_at=timezone.now() if written else None,
        summary=plan_summary(plan),
        **{name: plan.counts[name] for name in COUNTS},
    )
    with path.open("rb") as handle:
        record.file.save(path.name, File(handle), save=False)
    store_rejects(record, plan)
    record.save()
    return record


# --- the background jobs ------------------------------------------------------------------------------------------


def job_upload(job: Job) -> TabularImport:
    """The upload a job works on."""
    return TabularImport.objects.get(pk=job.object_id)


def _plan(job: Job, record, progress) -> ImportPlan:
    def on_rows(phase, done, total):
        progress(phase=phase, done=done, total=total or job.progress_total)

    return upload_plan(record, user=job.owner, on_rows=on_rows, keep_writes=False)


def _unreadable(job: Job, record, error: ValidationError) -> object:
    """A file that cannot be imported (refused, or purged meanwhile) is a result, not a failure of the job: the
    upload fails with the reasons, and it cannot be confirmed (again)."""
    with transaction.atomic():
        jobs.job_own(job)
        record.summary = {"file_errors": error.messages}
        record.state = TabularImport.State.FAILED
        record.save(update_fields=["summary", "state"])
        jobs.job_finish(job)
    return jobs.FINISHED


# What makes an upload "unreadable" rather than a failed job: the file itself (purged, damaged, beyond the limits).
FILE_ERROR_CODES = ("file_purged", "import_file", "import_limit")


def _file_error(error: ValidationError) -> bool:
    codes = {getattr(item, "code", None) for item in error.error_list} if hasattr(error, "error_list") else set()
    return bool(codes & set(FILE_ERROR_CODES))


def upload_job_perform(job: Job, progress) -> object:
    """The work of a tabular.check or tabular.apply job on the worker (see ikm_registry.jobs.JobKind.perform)."""
    record = job_upload(job)
    if job.kind == TABULAR_CHECK:
        try:
            plan = _plan(job, record, progress)
        except ValidationError as error:
            return _unreadable(job, record, error)
        with transaction.atomic():
            jobs.job_own(job)
            store_rejects(record, plan)
            record.summary = plan_summary(plan)
            store_counts(record, plan.counts, summary=record.summary, rejects_file=record.rejects_file)
            jobs.job_finish(job)
        return jobs.FINISHED

    # APPLY: checked again against the registry as it is now and written in the same pass, then finished, in one
    # transaction (a worker that dies while writing leaves nothing half-written, and a job taken from it cannot be
    # written twice). Nothing reports progress inside it: the job's row is locked, and the worker's heartbeat row
    # must stay writable by its own thread; the page shows the writing phase until the transaction commits.
    progress(phase=WRITING, done=0, total=record.rows)
    try:
        with transaction.atomic():
            jobs.job_own(job)
            result = upload_import(record, user=job.owner)
            plan = result.plan
            # The rejects are those of this check: rows that became invalid since the preview (the registry changed)
            # are in the file too, and its count is the `invalid` logged with each download.
            store_rejects(record, plan)
            stored = {"summary": plan_summary(plan), "rejects_file": record.rejects_file}
            if result.written:
                fields = {"state": TabularImport.State.APPLIED, "applied_at": timezone.now()}
            else:
                fields = {"state": TabularImport.State.FAILED}
            store_counts(record, plan.counts, **fields, **stored)
            jobs.job_finish(job, progress_done=len(plan.rows))
    except ValidationError as error:
        if not _file_error(error):
            raise  # e.g. the registry changed under the import: the job fails with the reason
        return _unreadable(job, record, error)
    return jobs.FINISHED


def upload_apply_failed(job) -> None:
    """Nothing was written (the write is one transaction): the upload may be confirmed again."""
    TabularImport.objects.filter(pk=job.object_id, state=TabularImport.State.APPLYING).update(
        state=TabularImport.State.PREVIEWED, applied_at=None
    )


def upload_job_visible(user) -> Q:
    """An import job is seen by whoever sees its upload (its uploader; superusers every one) and by its owner."""
    if user.is_superuser:
        return Q()
    return Q(owner=user) | Q(tabular_import__uploaded_by=user)


def uploads_visible(user):
    """The upload records `user` may see: their own; a superuser's every one (those of commands included)."""
    records = TabularImport.objects.all()
    if user.is_superuser:
        return records
    if not scope_for(user).allows(CHANGE):
        return records.none()
    return records.filter(uploaded_by=user)


# --- retention --------------------------------------------------------------------------------------------------


def summaries_purge(imports, *, dry_run: bool = False) -> int:
    """Drop what the stored summaries of `imports` (past their retention; see ikm_registry.private_files) say of
    single rows; their totals and file errors stay. Returns how many summaries were (or would be) cleared."""
    personal = Q()
    for key in SUMMARY_PERSONAL:
        personal |= Q(summary__has_key=key)
    cleared = 0
    model = imports.model
    for pk, summary in imports.filter(personal).values_list("pk", "summary").iterator():
        cleared += 1
        if not dry_run:
            kept = {key: value for key, value in summary.items() if key not in SUMMARY_PERSONAL}
            model._base_manager.filter(pk=pk).update(summary={**kept, "purged": True})
    return cleared
