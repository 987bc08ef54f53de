"""Import and export on the business list: upload → preview → confirm, the template, CSV/XLSX export, the Daftar.

The views call the same services as the `import_businesses` command (businesses/services/importing.py) and the
export service (businesses/services/exporting.py). An upload is kept as a BusinessImport row with its file; the
preview and the confirmation re-read that file and re-check it against the registry and the user's region as
they are at that moment.
"""

from __future__ import annotations

import copy
import io
from pathlib import Path

from django import forms
from django.contrib import messages
from django.contrib.admin.options import IncorrectLookupParameters
from django.contrib.admin.views.main import ERROR_FLAG, IS_POPUP_VAR, PAGE_VAR
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404, HttpResponseRedirect
from django.shortcuts import render
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from businesses import rules
from businesses import validators as v
from businesses.models import Business, BusinessImport, BusinessYear
from businesses.services.daftar_export import DAFTAR, businesses_daftar_export
from businesses.services.exporting import (
    CONTENT_TYPES,
    CSV,
    FORMATS,
    XLSX,
    businesses_export,
    template_example,
    write_csv,
)
from businesses.services.import_jobs import import_upload
from businesses.services.import_template import template_xlsx
from businesses.services.layout import COLUMNS, REQUIRED
from businesses.services.oss_import import KIND as OSS_KIND
from businesses.services.siinas import SEMESTERS, SIINAS_FORMATS, businesses_siinas_export
from ikm_registry.admin_uploads import (
    UploadForm,
    upload_confirm,
    upload_of,
    upload_preview_context,
    upload_rejects_response,
)
from ikm_registry.filtering import filter_errors
from ikm_registry.models import Region
from ikm_registry.private_files import private_file_response
from ikm_registry.scoping import CHANGE, VIEW, scope_for, user_may
from ikm_registry.services import export_logged

EXAMPLE_VILLAGE = "51.03.01.1001"
# Parameters of the export link that are not filters of the list.
EXPORT_PARAMS = ("format", "tahun", "semester")


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
                if key not in (PAGE_VAR, ERROR_FLAG, *EXPORT_PARAMS)
                for value in values
            ]
            context["business_export_semesters"] = SEMESTERS
            context["business_export_years"] = list(
                BusinessYear.objects.restrict(request.user, VIEW)
                .order_by("-year")
                .values_list("year", flat=True)
                .distinct()[:20]
            )
            if user_may(request.user, CHANGE):
                context["business_import_url"] = self._url("import")
                # NIB and KBLI from an OSS-RBA export (businesses/services/oss_import.py), on the core's upload pages
                context["business_oss_url"] = reverse("admin:tabular_upload", args=[OSS_KIND])
        return super().changelist_view(request, {**context, **(extra_context or {})})

    def export_view(self, request):
        """The business list as CSV or XLSX in the import layout, as the readable Daftar workbook (`format=daftar`),
        or as the SIINas items of a semester (`format=siinas-csv|siinas-xlsx`, `semester=1|2`): the list's own
        queryset, so the same filter, search, order and scope."""
        if not self.has_view_permission(request):
            raise PermissionDenied
        file_format = request.GET.get("format", CSV)
        if file_format not in (*FORMATS, DAFTAR, *SIINAS_FORMATS):
            raise Http404
        year = request.GET.get("tahun", "")
        year = int(year) if year.isdigit() else None
        list_request = copy.copy(request)
        list_request.GET = self.filterset_class.canonical_params(request.GET).copy()
        for key in EXPORT_PARAMS:
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
        if file_format == DAFTAR:
            export = self._daftar_export(list_request, changelist, year=year)
        elif file_format in SIINAS_FORMATS:
            semester = request.GET.get("semester", "")
            if not semester.isdigit() or int(semester) not in SEMESTERS:
                self.message_user(request, _("Pilih semester 1 atau 2 untuk ekspor SIINas."), messages.ERROR)
                return HttpResponseRedirect(self._url("changelist"))
            if year is None:  # "terbaru": the latest data year among the rows, else last year
                year = rules.latest_data_year(changelist.queryset) or rules.figures_year()
            export = businesses_siinas_export(
                queryset=changelist.queryset,
                user=request.user,
                year=year,
                semester=int(semester),
                file_format=SIINAS_FORMATS[file_format],
                filter=list_request.GET.urlencode(),
            )
        else:
            export = businesses_export(
                queryset=changelist.queryset,  # = changelist.get_queryset(list_request), without building filters again
                user=request.user,
                file_format=file_format,
                year=year,
                filter=list_request.GET.urlencode(),
            )
        return FileResponse(export.file, as_attachment=True, filename=export.filename, content_type=export.content_type)

    def _daftar_export(self, list_request, changelist, *, year):
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
