"""Uploads of any registered importer in the admin: upload → preview (every invalid row by row, column and reason,
every change old → new) → confirm, once; a long file is checked and applied by the worker with its progress shown.

The pages are the admin site's (`impor/<kind>/`, `impor/<kind>/templat.xlsx` for an importer that offers a template,
`impor/unggahan/<id>/`, `impor/unggahan/<id>/ditolak.csv`); an
importer with pages of its own (the business import on the business list) keeps them and uses the same functions
(`upload_preview_context`, `upload_confirm`, `upload_rejects_response`). Only the uploader (and superusers) open an
upload; every check re-reads the file against the registry and the user's scope as they are at that moment.
"""

from __future__ import annotations

import io
from pathlib import Path

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db import transaction
from django.http import FileResponse, Http404, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from ikm_registry import jobs
from ikm_registry.models import Job, TabularImport
from ikm_registry.private_files import private_file_response
from ikm_registry.scoping import CHANGE, scope_for
from ikm_registry.services import export_logged
from ikm_registry.tabular import registry
from ikm_registry.tabular.cells import CSV_ENCODING
from ikm_registry.tabular.engine import Action
from ikm_registry.tabular.template import importer_template
from ikm_registry.tabular.uploads import (
    FILE_PURGED,
    PREVIEW_ROWS,
    TABULAR_APPLY,
    TABULAR_CHECK,
    plan_summary,
    store_counts,
    upload_confirm_background,
    upload_import,
    upload_plan,
    upload_store,
    uploads_visible,
)

# A full-layout CSV of IMPORT_MAX_ROWS (100,000) rows is about 23 MB.
MAX_UPLOAD_BYTES = 50 * 1024 * 1024
# Registered records a preview page lists with their changes (old → new), per page.
CHANGES_PER_PAGE = 200
# The POST field of the preview's "import the valid rows, skip the invalid ones" (an upload made "all or nothing").
SKIP_INVALID = "lewati_tidak_valid"


class UploadForm(forms.Form):
    file = forms.FileField(
        label=gettext_lazy("Berkas"),
        help_text=gettext_lazy("CSV (UTF-8, dipisah koma atau titik koma) atau XLSX (lembar pertama)."),
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,.xlsx"}),
    )
    skip_invalid = forms.BooleanField(
        label=gettext_lazy("Lewati baris tidak valid"),
        required=False,
        help_text=gettext_lazy(
            "Tulis baris yang valid saja; baris tidak valid dapat diunduh beserta alasannya. Tanpa centang ini, "
            "satu baris tidak valid membatalkan seluruh impor."
        ),
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if Path(upload.name).suffix.lower() not in (".csv", ".xlsx"):
            raise ValidationError(_("Pilih berkas .csv atau .xlsx."))
        if upload.size > MAX_UPLOAD_BYTES:
            raise ValidationError(
                _("Berkas terlalu besar (paling besar %(mb)s MB); bagi menjadi beberapa berkas.")
                % {"mb": MAX_UPLOAD_BYTES // (1024 * 1024)}
            )
        return upload


def _require_writer(request) -> None:
    if not scope_for(request.user).allows(CHANGE) or not scope_for(request.user).reaches_regions:
        raise PermissionDenied


def upload_of(request, pk, *, model=TabularImport):
    """The user's own upload (a superuser's: every one); anything else is a 404. Its summary is read when used."""
    _require_writer(request)
    records = model.objects.filter(pk__in=uploads_visible(request.user).filter(pk=pk).values("pk"))
    found = records.select_related("uploaded_by").defer("summary").first()
    if found is None:
        raise Http404
    return found


def _with_label(row: dict) -> dict:
    # labelled in the reader's language (a background check stores the action only)
    return {**row, "action_label": Action.labels.get(row["action"], row["action"])}


def upload_preview_context(request, record) -> dict:
    """What a preview page shows of an upload: the stored result (a long file's check, a command's run) or the
    plan made now (a short upload not yet applied), the job's progress, and whether it may be confirmed."""
    summary, file_errors, job = None, [], None
    if record.result_stored:
        job = record.jobs.order_by("-created_at", "-pk").first()
        if job is not None and job.is_active:
            jobs.jobs_recover()  # a job whose worker died or whose task was lost is retried or failed first
            job.refresh_from_db()
            record.refresh_from_db()
        # Not read while a job runs (the page refreshes every 3 s; the counts are columns of their own).
        summary = None if job is not None and job.is_active else record.summary or None
        file_errors = (summary or {}).get("file_errors", [])
        if not record.file and record.state == TabularImport.State.PREVIEWED:
            file_errors = [FILE_PURGED]  # past its retention: nothing to confirm
        if file_errors:
            summary = None
        if job is not None:
            job.message = jobs.job_status_message(job)
    elif record.state == TabularImport.State.PREVIEWED:
        try:
            plan = upload_plan(record, user=request.user, keep_writes=False)
        except ValidationError as error:
            file_errors = error.messages
            record.state = TabularImport.State.FAILED
            record.save(update_fields=["state"])
        else:
            store_counts(record, plan.counts)
            summary = plan_summary(plan)
    applying = bool(job and job.is_active and job.kind == TABULAR_APPLY)
    names = ("rows", "created", "updated", "unchanged", "invalid")
    counts = {name: getattr(record, name) for name in names} if summary or applying else None
    importer = record.importer
    updates = [importer.summary_row(row) for row in (summary or {}).get("updates", [])]
    return {
        "upload": record,
        "summary": summary,
        "counts": counts,
        "file_errors": file_errors,
        "job": job,
        "refresh": bool(job and job.is_active),
        "no_worker": bool(job and job.is_active and jobs.uses_worker() and not jobs.workers_seen_lately()),
        "preview_rows": [_with_label(importer.summary_row(row)) for row in (summary or {}).get("rows", [])],
        "preview_limit": PREVIEW_ROWS,
        "errors": (summary or {}).get("errors", []),
        "errors_total": (summary or {}).get("errors_total", 0),
        "notes": (summary or {}).get("notes", []),
        "updates_page": Paginator(updates, CHANGES_PER_PAGE).get_page(request.GET.get("perubahan")),
        "updates_total": (summary or {}).get("updates_total", len(updates)),
        "details_purged": bool((summary or {}).get("purged")),
        "can_confirm": bool(
            summary
            and record.file
            and record.state == TabularImport.State.PREVIEWED
            and (counts["created"] or counts["updated"])
            and (record.skip_invalid or not counts["invalid"])
        ),
        # Uploaded as "all or nothing" with invalid rows: the valid ones may still be written from here, skipping
        # the others, without uploading the file again.
        "can_confirm_skipping": bool(
            summary
            and record.file
            and record.state == TabularImport.State.PREVIEWED
            and (counts["created"] or counts["updated"])
            and counts["invalid"]
            and not record.skip_invalid
        ),
        "skip_invalid_field": SKIP_INVALID,
        "valid_rows": counts["rows"] - counts["invalid"] if counts else 0,
    }


def upload_confirm(request, record, *, preview_url: str) -> HttpResponseRedirect:
    """Apply a previewed upload once: by the worker for a long file, else now in one transaction (a second
    confirmation — a double click, two tabs — finds it applied). A POST with SKIP_INVALID confirms an upload made
    "all or nothing" as one that skips its invalid rows (the preview's "import the valid rows" button)."""
    if request.POST.get(SKIP_INVALID) and not record.skip_invalid:
        skipping = type(record)._base_manager.filter(pk=record.pk, state=TabularImport.State.PREVIEWED)
        if skipping.update(skip_invalid=True):
            record.skip_invalid = True
    if record.background:
        checked = record.jobs.filter(kind=TABULAR_CHECK, status=Job.Status.DONE).exists()
        if not record.file:
            messages.error(request, FILE_PURGED)
        elif not checked or upload_confirm_background(record, user=request.user) is None:
            messages.error(request, _("Impor ini sudah diterapkan atau belum selesai diperiksa; tidak diterapkan."))
        else:
            messages.info(request, _("Impor diterapkan di latar belakang; halaman ini menunjukkan kemajuannya."))
        return HttpResponseRedirect(preview_url)
    state = TabularImport.State
    try:
        with transaction.atomic():
            claimed = TabularImport.objects.filter(pk=record.pk, state=state.PREVIEWED).update(
                state=state.APPLIED, applied_at=timezone.now()
            )
            if not claimed:
                messages.error(request, _("Impor ini sudah diterapkan atau dibatalkan; tidak diterapkan lagi."))
                return HttpResponseRedirect(preview_url)
            record.refresh_from_db()
            result = upload_import(record, user=request.user)
            plan = result.plan
            if not result.written:
                store_counts(record, plan.counts, state=state.FAILED, applied_at=None)
                messages.error(request, _("Tidak ada yang ditulis: %(n)s baris tidak valid.") % {"n": result.invalid})
                return HttpResponseRedirect(preview_url)
            store_counts(record, plan.counts)
    except (ValidationError, PermissionDenied) as error:
        text = " ".join(getattr(error, "messages", None) or [str(error)])
        messages.error(request, _("Impor gagal: %(reason)s") % {"reason": text})
        return HttpResponseRedirect(preview_url)
    messages.success(
        request,
        _(
            "Impor %(file)s diterapkan: %(created)s baru, %(updated)s diperbarui, %(unchanged)s tetap, %(invalid)s dilewati."
        )
        % {
            "file": record.original_name,
            "created": result.created,
            "updated": result.updated,
            "unchanged": result.unchanged,
            "invalid": result.invalid,
        },
    )
    return HttpResponseRedirect(preview_url)


def upload_rejects_response(request, record, *, preview_url: str):
    """The invalid rows of an upload with an `alasan` column, to fix and upload again. They hold the rows as typed
    (NIK, phone, e-mail): every download is recorded in the export log."""
    name = f"{Path(record.original_name).stem}.rejects.csv"
    if record.result_stored:
        response = private_file_response(record.rejects_file, filename=name)
        rows = record.invalid
    else:
        try:
            plan = upload_plan(record, user=request.user, keep_writes=False)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
            return HttpResponseRedirect(preview_url)
        text = io.StringIO()
        rows = plan.write_rejects(text)
        response = HttpResponse(text.getvalue().encode(CSV_ENCODING), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="{name}"'
    export_logged(
        user=request.user,
        what=record.importer.model,
        file_format="csv",
        filter=_("baris tidak valid dari impor %(file)s (ID %(id)s)") % {"file": record.original_name, "id": record.pk},
        row_count=rows,
        personal_data=True,
    )
    return response


# --- the admin site's own pages, for importers without pages of their own ------------------------------------------


def _importer(kind: str):
    try:
        return registry.get(kind)
    except LookupError:
        raise Http404 from None


def upload_view(request, site, kind: str):
    """Upload a file for importer `kind` (with the options its `upload_options(request)` reads, e.g. the event of a
    daftar hadir); nothing is written before the preview is confirmed."""
    importer_class = _importer(kind)
    own = importer_class.upload_page_url()
    if own:
        return HttpResponseRedirect(own)  # which checks its own permission
    _require_writer(request)
    options = importer_class.upload_options(request)
    form = UploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            record = upload_store(
                kind=kind,
                upload=form.cleaned_data["file"],
                user=request.user,
                options=options,
                skip_invalid=form.cleaned_data["skip_invalid"],
            )
        except ValidationError as error:
            form.add_error("file", error)
        else:
            return HttpResponseRedirect(reverse("admin:tabular_upload_preview", args=[record.pk]))
    importer = importer_class(user=request.user, options=options)
    context = {
        **site.each_context(request),
        "title": _("Impor %(kind)s") % {"kind": importer_class.label},
        "form": form,
        "importer": importer,
        "columns": [column.name for column in importer.columns],
        "required_columns": importer.required,
        "intro": importer_class.upload_intro(options),
        "done_url": importer_class.done_url(options),
        "template_url": reverse("admin:tabular_upload_template", args=[kind])
        if importer_class.template_rows(request.user) is not None
        else "",
        "recent": uploads_visible(request.user).filter(kind=kind, uploaded_by=request.user).defer("summary")[:10],
    }
    return render(request, "admin/tabular/upload_form.html", context)


def upload_template_view(request, site, kind: str):
    """The importer's XLSX template (its columns, example rows, allowed values and other header names); 404 for an
    importer without one."""
    importer_class = _importer(kind)
    _require_writer(request)
    handle = io.BytesIO()
    if not importer_template(handle, importer_class, user=request.user):
        raise Http404
    handle.seek(0)
    return FileResponse(
        handle,
        as_attachment=True,
        filename=f"templat-impor-{kind}.xlsx",
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )


def upload_preview_view(request, site, pk: int):
    record = upload_of(request, pk)
    preview_url = reverse("admin:tabular_upload_preview", args=[record.pk])
    if request.method == "POST":
        return upload_confirm(request, record, preview_url=preview_url)
    importer_class = record.importer
    context = {
        **site.each_context(request),
        **upload_preview_context(request, record),
        "title": (
            _("Impor: %(file)s") if record.state == TabularImport.State.APPLIED else _("Pratinjau impor: %(file)s")
        )
        % {"file": record.original_name},
        "record_url_name": importer_class.record_url_name,
        "upload_url": reverse("admin:tabular_upload", args=[record.kind]) + importer_class.upload_query(record.options),
        "done_url": importer_class.done_url(record.options),
        "rejects_url": reverse("admin:tabular_upload_rejects", args=[record.pk])
        if (record.rejects_file if record.result_stored else record.file)
        else "",
    }
    return render(request, "admin/tabular/upload_preview.html", context)


def upload_rejects_view(request, site, pk: int):
    record = upload_of(request, pk)
    return upload_rejects_response(request, record, preview_url=reverse("admin:tabular_upload_preview", args=[pk]))
