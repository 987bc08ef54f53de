"""Import and export on the business list: upload → preview → confirm, the template, CSV/XLSX export, the Daftar.

The views call the same services as the `import_businesses` command (businesses/services/importing.py) and the
export service (businesses/services/exporting.py). An upload is kept as a BusinessImport row with its file; the
preview and the confirmation re-read that file and re-check it against the registry and the user's region as
they are at that moment.

A CSV export streams (its first bytes leave at once, in constant memory, however long the list). An XLSX export —
the import layout, the Daftar, SIINas — is written to a temporary file first: in the request for a list of at most
EXPORT_INLINE_MAX_ROWS rows, else by the worker (a job of kind "businesses.export" that rebuilds the list from its
query string for the user who asked, as the list would show it then), downloaded from the jobs page.
"""

from __future__ import annotations

import copy
import io
from pathlib import Path

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.admin.options import IncorrectLookupParameters
from django.contrib.admin.views.main import ERROR_FLAG, IS_POPUP_VAR, PAGE_VAR
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files import File
from django.db import transaction
from django.http import FileResponse, Http404, HttpRequest, HttpResponseRedirect, QueryDict, StreamingHttpResponse
from django.shortcuts import render
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from businesses import rules
from businesses import validators as v
from businesses.models import Business, BusinessImport
from businesses.selectors import figure_years
from businesses.services.daftar_export import DAFTAR, businesses_daftar_export
from businesses.services.exporting import (
    CONTENT_TYPES,
    CSV,
    FORMATS,
    XLSX,
    businesses_export,
    businesses_export_stream,
    template_example,
    write_csv,
)
from businesses.services.import_jobs import import_upload
from businesses.services.import_template import template_xlsx
from businesses.services.layout import COLUMNS, REQUIRED
from businesses.services.oss_import import KIND as OSS_KIND
from businesses.services.siinas import (
    SEMESTERS,
    SIINAS_CSV,
    SIINAS_FORMATS,
    businesses_siinas_export,
    businesses_siinas_stream,
)
from ikm_registry import jobs
from ikm_registry.admin_paging import CURSOR_VARS
from ikm_registry.admin_uploads import (
    UploadForm,
    upload_confirm,
    upload_of,
    upload_preview_context,
    upload_rejects_response,
)
from ikm_registry.filtering import filter_errors
from ikm_registry.models import Job, Region
from ikm_registry.private_files import private_file_response
from ikm_registry.scoping import CHANGE, scope_for, user_may
from ikm_registry.services import export_logged

EXAMPLE_VILLAGE = "51.03.01.1001"
# Parameters of the export link that are not filters of the list.
EXPORT_PARAMS = ("format", "tahun", "semester")
# The formats streamed as they are read (CSV), whatever the list's length; the others (XLSX) are written to a file
# first, by the worker past EXPORT_INLINE_MAX_ROWS rows.
STREAMED_FORMATS = (CSV, SIINAS_CSV)
EXPORT_JOB = "businesses.export"


class BusinessImportForm(UploadForm):
    """The core's upload form with the business import's one option, the data year."""

    data_year = forms.IntegerField(
        label=gettext_lazy("Tahun data"),
        validators=[v.validate_past_year],
        help_text=gettext_lazy("Tahun untuk tenaga kerja, investasi, omzet dan produksi dalam berkas."),
        widget=forms.NumberInput(attrs={"class": "w-6em"}),
    )
    field_order = ["file", "data_year", "skip_invalid"]


class ImportExportAdminMixin:
    """For BusinessAdmin: "Impor" (upload, preview, confirm), the template, and export of the list as shown."""

    change_list_template = "admin/businesses/business/change_list.html"

    def get_urls(self):
        info = self.opts.app_label, self.opts.model_name
        wrap = self.admin_site.admin_view
        return [
            path("import/", wrap(self.import_view), name="{}_{}_import".format(*info)),
            path("import/<int:import_id>/", wrap(self.import_preview_view), name="{}_{}_import_preview".format(*info)),
            path(
                "import/<int:import_id>/file/",
                wrap(self.import_file_view),
                name="{}_{}_import_file".format(*info),
            ),
            path(
                "import/<int:import_id>/rejects.csv",
                wrap(self.import_rejects_view),
                name="{}_{}_import_rejects".format(*info),
            ),
            path(
                "import/template.<str:file_format>",
                wrap(self.import_template_view),
                name="{}_{}_import_template".format(*info),
            ),
            path("export/", wrap(self.export_view), name="{}_{}_export".format(*info)),
            *super().get_urls(),
        ]

    def _url(self, view, *args):
        return reverse(f"admin:{self.opts.app_label}_{self.opts.model_name}_{view}", args=args)

    def _require_import_permission(self, request):
        # Imports write a region's businesses: not for an LSP's operator, who may write but reaches no region.
        if not user_may(request.user, CHANGE) or not scope_for(request.user).reaches_regions:
            raise PermissionDenied

    def _context(self, request, title, **extra):
        return {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": title,
            "has_view_permission": self.has_view_permission(request),
            "template_csv_url": self._url("import_template", CSV),
            "template_xlsx_url": self._url("import_template", XLSX),
            "import_url": self._url("import"),
            "columns": COLUMNS,
            "required_columns": REQUIRED,
            **extra,
        }

    # --- the list -----------------------------------------------------------------------------------------------

    def changelist_view(self, request, extra_context=None):
        context = {}
        if IS_POPUP_VAR not in request.GET:
            context["business_export_url"] = self._url("export")
            context["business_export_params"] = [
                (key, value)
                for key, values in request.GET.lists()
                if key not in (PAGE_VAR, ERROR_FLAG, *CURSOR_VARS, *EXPORT_PARAMS)
                for value in values
            ]
            context["business_export_semesters"] = SEMESTERS
            context["business_export_years"] = figure_years(request.user)
            if user_may(request.user, CHANGE):
                context["business_import_url"] = self._url("import")
                # NIB and KBLI from an OSS-RBA export (businesses/services/oss_import.py), on the core's upload pages
                context["business_oss_url"] = reverse("admin:tabular_upload", args=[OSS_KIND])
        return super().changelist_view(request, {**context, **(extra_context or {})})

    def export_view(self, request):
        """The business list as CSV or XLSX in the import layout, as the readable Daftar workbook (`format=daftar`),
        or as the SIINas items of a semester (`format=siinas-csv|siinas-xlsx`, `semester=1|2`): the list's own
        queryset, so the same filter, search, order and scope. A CSV streams; an XLSX of a list longer than
        EXPORT_INLINE_MAX_ROWS is made in the background (a message links to it)."""
        if not self.has_view_permission(request):
            raise PermissionDenied
        file_format = request.GET.get("format", CSV)
        if file_format not in (*FORMATS, DAFTAR, *SIINAS_FORMATS):
            raise Http404
        year = request.GET.get("tahun", "")
        year = int(year) if year.isdigit() else None
        list_request = copy.copy(request)
        list_request.GET = self.filterset_class.canonical_params(request.GET).copy()
        for key in (*EXPORT_PARAMS, *CURSOR_VARS):  # the whole list, not the page it was asked from
            list_request.GET.pop(key, None)
        # The list's own filters (the staff FilterSet): a value they refuse cancels the export, naming the filter.
        problems = filter_errors(list_request, self.filterset_class)
        try:
            if problems:
                raise IncorrectLookupParameters(problems)
            changelist = self.get_changelist_instance(list_request)
        except IncorrectLookupParameters:
            for problem in problems:
                self.message_user(request, problem, messages.ERROR)
            self.message_user(request, _("Penyaring daftar tidak valid; ekspor dibatalkan."), messages.ERROR)
            return HttpResponseRedirect(self._url("changelist"))
        semester = None
        if file_format in SIINAS_FORMATS:
            semester = request.GET.get("semester", "")
            if not semester.isdigit() or int(semester) not in SEMESTERS:
                self.message_user(request, _("Pilih semester 1 atau 2 untuk ekspor SIINas."), messages.ERROR)
                return HttpResponseRedirect(self._url("changelist"))
            semester = int(semester)
        options = {"file_format": file_format, "year": year, "semester": semester}
        if file_format in STREAMED_FORMATS:
            export = self.export_stream(list_request, changelist, **options)
            response = StreamingHttpResponse(export.pieces, content_type=export.content_type)
            response["Content-Disposition"] = content_disposition_header(True, export.filename)
            return response
        limit = settings.EXPORT_INLINE_MAX_ROWS
        if changelist.queryset.order_by().values("pk")[: limit + 1].count() > limit:
            return self._export_in_background(request, list_request, **options)
        export = self.export_file(list_request, changelist, **options)
        return FileResponse(export.file, as_attachment=True, filename=export.filename, content_type=export.content_type)

    def _siinas_year(self, changelist, year):
        # "terbaru": the latest data year among the rows, else last year
        return year if year is not None else rules.latest_data_year(changelist.queryset) or rules.figures_year()

    def export_stream(self, list_request, changelist, *, file_format, year=None, semester=None):
        """A CSV export of the list (`changelist.queryset`), streamed and logged when it ends."""
        if file_format == SIINAS_CSV:
            return businesses_siinas_stream(
                queryset=changelist.queryset,
                user=list_request.user,
                year=self._siinas_year(changelist, year),
                semester=semester,
                filter=list_request.GET.urlencode(),
            )
        return businesses_export_stream(
            queryset=changelist.queryset,  # = changelist.get_queryset(list_request), without building filters again
            user=list_request.user,
            year=year,
            filter=list_request.GET.urlencode(),
        )

    def export_file(self, list_request, changelist, *, file_format, year=None, semester=None, **extra):
        """An export of the list (`changelist.queryset`) as a file (ExportFile); `extra`: `logged` and `on_rows` of
        the export services."""
        if file_format == DAFTAR:
            return self._daftar_export(list_request, changelist, year=year, **extra)
        if file_format in SIINAS_FORMATS:
            return businesses_siinas_export(
                queryset=changelist.queryset,
                user=list_request.user,
                year=self._siinas_year(changelist, year),
                semester=semester,
                file_format=SIINAS_FORMATS[file_format],
                filter=list_request.GET.urlencode(),
                **extra,
            )
        return businesses_export(
            queryset=changelist.queryset,
            user=list_request.user,
            file_format=file_format,
            year=year,
            filter=list_request.GET.urlencode(),
            **extra,
        )

    def _export_in_background(self, request, list_request, *, file_format, year, semester):
        """Queue the export of a long list for the worker (once: the same export still queued or running is not
        queued again) and go back to the list with a message linking to the jobs page."""
        export = {"format": file_format, "query": list_request.GET.urlencode(), "year": year, "semester": semester}
        active = Job.objects.filter(
            kind=EXPORT_JOB, owner=request.user, status__in=(Job.Status.QUEUED, Job.Status.RUNNING)
        )
        job = next((job for job in active if job.params.get("export") == export), None)
        if job is None:
            with transaction.atomic():
                job = jobs.job_start(
                    EXPORT_JOB, owner=request.user, params={"export": export}, title=export_title(file_format, year)
                )
        url = reverse("admin:report_jobs") + f"#tugas-{job.pk}"
        self.message_user(
            request,
            format_html(
                '{} <a href="{}">{}</a>',
                _(
                    "Daftar ini berisi lebih dari %(limit)s IKM: berkas %(format)s dibuat di latar belakang, lalu dapat "
                    "diunduh dari halaman laporan di latar belakang."
                )
                % {"limit": f"{settings.EXPORT_INLINE_MAX_ROWS:,}".replace(",", "."), "format": "XLSX"},
                url,
                _("Lihat kemajuannya"),
            ),
            messages.INFO,
        )
        query = list_request.GET.urlencode()
        return HttpResponseRedirect(self._url("changelist") + (f"?{query}" if query else ""))

    def _daftar_export(self, list_request, changelist, *, year, **extra):
        """The readable list (names, labels) of the list as shown, with a header naming its region and filter."""
        filterset = self.filterset_class(list_request.GET, user=list_request.user, request=list_request)
        filters = filterset.describe()
        if changelist.query:
            filters.append((_("Pencarian"), f"“{changelist.query}”"))
        region = None
        for name in ("kecamatan", "kabupaten"):  # the narrowest region the list is filtered to
            code = list_request.GET.get(name)
            if code and not region:
                region = Region.objects.restrict(list_request.user).filter(code=code).first()
        return businesses_daftar_export(
            queryset=changelist.queryset,
            user=list_request.user,
            region=region,
            filters=filters,
            filter=list_request.GET.urlencode(),
            year=year,
            **extra,
        )

    # --- import -------------------------------------------------------------------------------------------------

    def import_view(self, request):
        """Upload a file; it is kept with its settings and checked on the preview page."""
        self._require_import_permission(request)
        if request.method == "POST":
            form = BusinessImportForm(request.POST, request.FILES)
            if form.is_valid():
                try:
                    business_import = import_upload(
                        upload=form.cleaned_data["file"],
                        user=request.user,
                        data_year=form.cleaned_data["data_year"],
                        skip_invalid=form.cleaned_data["skip_invalid"],
                    )
                except ValidationError as error:
                    form.add_error("file", error)
                else:
                    return HttpResponseRedirect(self._url("import_preview", business_import.pk))
        else:
            year, why = self._default_data_year(request)
            form = BusinessImportForm(initial={"data_year": year})
            form.fields["data_year"].help_text = f"{form.fields['data_year'].help_text} {why}"
        recent = BusinessImport.objects.filter(uploaded_by=request.user).defer("summary").order_by("-uploaded_at")[:10]
        context = self._context(request, _("Impor IKM"), form=form, recent_imports=recent)
        return render(request, "admin/businesses/business/import_form.html", context)

    def _default_data_year(self, request) -> tuple[int, str]:
        """The data year the form offers: last year while some of the office's active businesses lack its figures,
        else the current year (rules.import_year); and a sentence saying why."""
        businesses = Business.objects.restrict(request.user)
        year, last = rules.import_year(businesses), rules.figures_year()
        if year != last:
            why = _("Diisi %(year)s: semua IKM aktif di wilayah Anda sudah punya data %(last)s.")
            return year, why % {"year": year, "last": last}
        lacking = rules.lacking_figures(businesses, year).count()
        if lacking:
            why = _("Diisi %(year)s: %(n)s IKM aktif di wilayah Anda belum punya data tahun itu.")
        else:
            why = _("Diisi %(year)s: data tahunan dikumpulkan sesudah tahunnya berakhir.")
        return year, why % {"year": year, "n": lacking}

    def _get_import(self, request, import_id) -> BusinessImport:
        """The user's own upload (a superuser sees every one); anything else is a 404."""
        self._require_import_permission(request)
        return upload_of(request, import_id, model=BusinessImport)

    def import_preview_view(self, request, import_id):
        """GET: what the upload would do, every invalid row with its reasons and every change to a registered
        business (old → new). POST: apply it (once). A long upload is checked and applied by the worker: the page
        shows the job's progress, then the result (the core's upload pages, ikm_registry/admin_uploads.py)."""
        business_import = self._get_import(request, import_id)
        preview_url = self._url("import_preview", business_import.pk)
        if request.method == "POST":
            return upload_confirm(request, business_import, preview_url=preview_url)
        if business_import.state == BusinessImport.State.APPLIED:
            title = _("Impor: %(file)s") % {"file": business_import.original_name}
        else:
            title = _("Pratinjau impor: %(file)s") % {"file": business_import.original_name}
        context = self._context(
            request,
            title,
            **upload_preview_context(request, business_import),
            business_import=business_import,
            # the rejects are read from a file of their own (long imports) or from the upload: none once purged
            rejects_url=self._url("import_rejects", business_import.pk)
            if (business_import.rejects_file if business_import.result_stored else business_import.file)
            else "",
            file_url=self._url("import_file", business_import.pk) if business_import.file else "",
            changelist_url=self._url("changelist"),
            upload_url=self._url("import"),
            record_url_name="admin:businesses_business_change",
        )
        return render(request, "admin/businesses/business/import_preview.html", context)

    def import_rejects_view(self, request, import_id):
        """The invalid rows of an upload with an `alasan` column (logged as an export of personal data)."""
        business_import = self._get_import(request, import_id)
        return upload_rejects_response(
            request, business_import, preview_url=self._url("import_preview", business_import.pk)
        )

    def import_file_view(self, request, import_id):
        """The uploaded file itself, for its uploader (and superusers) until it is purged."""
        business_import = self._get_import(request, import_id)
        response = private_file_response(business_import.file, filename=business_import.original_name)  # 404: purged
        export_logged(
            user=request.user,
            what=Business,
            file_format=Path(business_import.original_name).suffix.lstrip(".").lower() or "csv",
            filter=_("berkas impor %(file)s (ID %(id)s)")
            % {"file": business_import.original_name, "id": business_import.pk},
            row_count=business_import.rows,
            personal_data=True,
        )
        return response

    def import_template_view(self, request, file_format):
        """The layout's header and one example row (in a desa of the user's own region); the XLSX adds a sheet of the
        values each coded column takes, the desa codes of the region and the KBLI codes."""
        self._require_import_permission(request)
        if file_format not in FORMATS:
            raise Http404
        handle = io.BytesIO()
        if file_format == CSV:
            village = Region.objects.restrict(request.user).villages().values_list("code", flat=True).first()
            write_csv([template_example(village_code=village or EXAMPLE_VILLAGE)], list(COLUMNS), handle)
        else:  # with the allowed values, the desa codes of the region and KBLI on sheets of their own
            template_xlsx(handle, user=request.user)
        handle.seek(0)
        return FileResponse(
            handle,
            as_attachment=True,
            filename=f"template-impor-ikm.{file_format}",
            content_type=CONTENT_TYPES[file_format],
        )


# --- exports made by the worker -------------------------------------------------------------------------------------


def export_title(file_format: str, year: int | None) -> str:
    """How the jobs page names a background export."""
    if file_format == DAFTAR:
        title = _("Daftar IKM (XLSX)")
    elif file_format in SIINAS_FORMATS:
        title = _("IKM untuk SIINas (XLSX)")
    else:
        title = _("Ekspor IKM (XLSX)")
    return f"{title}, {_('data tahun %(year)s') % {'year': year}}" if year else title


def export_list_request(*, user, query: str) -> HttpRequest:
    """A request for the business list as `user` sees it with the query string `query` (filters, search, order), for
    the admin's own changelist outside a request (the worker)."""
    request = HttpRequest()
    request.method = "GET"
    request.GET = QueryDict(query)
    request.user = user
    return request


def export_job_perform(job, progress) -> dict:
    """A background export (kind "businesses.export"): the list rebuilt for the job's owner from its query string,
    scoped to their region as it is now, written to the job's private file. The file is logged at each download
    (ExportFile.log, kept in the job's result), not here: the worker hands it to nobody."""
    from django.contrib import admin

    params = job.params["export"]
    model_admin = admin.site.get_model_admin(Business)
    list_request = export_list_request(user=job.owner, query=params["query"])
    if not job.owner.is_active or not model_admin.has_view_permission(list_request):
        raise PermissionDenied(_("Akun ini tidak lagi boleh melihat daftar IKM."))
    changelist = model_admin.get_changelist_instance(list_request)
    progress(done=0, total=changelist.result_count)
    export = model_admin.export_file(
        list_request,
        changelist,
        file_format=params["format"],
        year=params["year"],
        semester=params["semester"],
        logged=False,
        on_rows=lambda done: progress(done=done),
    )
    with export.file as handle:
        job.file.save(export.filename, File(handle), save=False)
    return {
        "file": job.file.name,
        "progress_done": export.row_count,
        "result": {"filename": export.filename, "row_count": export.row_count, "log": export.log},
    }


def export_download_name(job) -> str:
    return (job.result or {}).get("filename") or f"ekspor-ikm-{job.pk}.xlsx"


def export_download_logged(job, user) -> None:
    """Every download of a background export with a row is logged, as the same export made in the request is."""
    log = (job.result or {}).get("log")
    if log:
        export_logged(user=user, **log)


def export_progress(job) -> str:
    if not job.progress_total:
        return ""
    return _("%(done)s dari %(total)s baris") % {
        "done": f"{job.progress_done:,}".replace(",", "."),
        "total": f"{job.progress_total:,}".replace(",", "."),
    }
