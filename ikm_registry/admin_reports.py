"""The admin "Laporan" page: choose a report, fill its form, download the PDF. Region choices follow the user's
scope, so an operator reports only on their region; officials (read-only) may use it too. Every PDF that leaves
with personal data or individual figures is logged (Log ekspor).

A region field whose choices are too many to list (national staff: every province, regency and kecamatan) is a
search-as-you-type input (ikm_registry.reports.base.RegionSelect) served by `report_regions_view`: the regions the
report's own form accepts for the user, searched as the region list of the admin searches them."""

from django.contrib import messages
from django.contrib.admin import helpers
from django.contrib.admin.views.autocomplete import AutocompleteJsonView
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models.functions import Length
from django.http import Http404, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.text import slugify
from django.utils.translation import gettext as _

from ikm_registry.reports import ReportError, all_reports, get_report, report_render
from ikm_registry.reports.base import RegionSelect
from ikm_registry.scoping import scope_for


def reports_view(request, admin_site):
    if not scope_for(request.user).reaches_regions:
        raise PermissionDenied
    reports = all_reports()
    name = request.POST.get("report") or request.GET.get("report") or (reports[0].name if reports else "")
    try:
        report = get_report(name) if name else None
    except ReportError:
        raise PermissionDenied from None  # a name not offered on the page
    form = None
    if report is not None:
        if request.method == "POST":
            form = report.form_class(data=request.POST, user=request.user)
            if form.is_valid():
                maker = report()
                if getattr(maker, "needs_background", None) and maker.needs_background(
                    user=request.user, params=form.cleaned_data
                ):
                    return _queue(request, maker, form)
                pdf = report_render(
                    report=maker, user=request.user, params=form.cleaned_data, filter_description=form.describe()
                )
                filename = slugify(maker.get_title(params=form.cleaned_data)) or report.name
                response = HttpResponse(pdf, content_type="application/pdf")
                response["Content-Disposition"] = f'attachment; filename="{filename}.pdf"'
                return response
        else:
            form = report.form_class(user=request.user)
        _search_regions(form, report, admin_site)
    context = {
        **admin_site.each_context(request),
        "title": _("Laporan"),
        "reports": reports,
        "report": report,
        "form": form,
        # The form in the admin's own fieldset markup (admin/includes/fieldset.html), as on every change form.
        "adminform": helpers.AdminForm(
            form, [(report.title, {"fields": list(form.fields), "description": report.description})], {}
        )
        if form
        else None,
    }
    return TemplateResponse(request, "admin/registry/reports.html", context)


def _search_regions(form, report, admin_site) -> None:
    """Let the form's region field search the report's regions (report_regions_view) when they are too many to
    list."""
    field = form.fields.get("region")
    if field is not None and isinstance(field.widget, RegionSelect):
        url = reverse("admin:report_regions", current_app=admin_site.name)
        field.widget.search_url = f"{url}?{urlencode({'report': report.name})}"


class ReportRegionsView(AutocompleteJsonView):
    """The regions a report's region field may take, for its search-as-you-type input (select2's JSON, as Django
    admin's autocomplete answers): `?report=<name>&term=<text>&page=<n>`. The rows are the report form's own choices
    for the user (the user's scope, the report's levels), so nothing is offered that the form would refuse; the
    search is the region list's (RegionAdmin.search_fields: a code's beginning, words of the name), the provinces
    first, then regencies, then kecamatan, in code order."""

    def process_request(self, request):
        if not scope_for(request.user).reaches_regions:
            raise PermissionDenied
        try:
            report = get_report(request.GET.get("report", ""))
        except ReportError:
            raise Http404 from None
        # A bound form (never validated): its choices without the defaults an empty form looks up (the growth
        # report's years with data: a count over every yearly row in scope).
        field = report.form_class(data={}, user=request.user).fields.get("region")
        if field is None or not hasattr(field, "autocomplete_label"):
            raise Http404  # a report about one record: no region to choose
        self.field = field
        region_admin = self.admin_site._registry[field.queryset.model]
        return request.GET.get("term", "").strip(), region_admin, None, field.to_field_name

    def has_perm(self, request, obj=None):
        return True  # the scope was checked in process_request; the rows are the form's

    def get_queryset(self):
        rows = self.field.queryset.select_related("parent")
        rows, distinct = self.model_admin.get_search_results(self.request, rows, self.term)
        if distinct:
            rows = rows.distinct()
        return rows.order_by(Length("code"), "code")

    def get_paginator(self, *args, **kwargs):
        return super(AutocompleteJsonView, self).get_paginator(*args, **kwargs)

    def serialize_result(self, obj, to_field_name):
        return {"id": str(getattr(obj, to_field_name)), "text": self.field.autocomplete_label(obj)}


def report_regions_view(request, admin_site):
    return ReportRegionsView.as_view(admin_site=admin_site)(request)


def _queue(request, report, form):
    """A long report: a job of kind "report" made now, rendered by the worker (`manage.py db_worker`) after this
    commits."""
    from ikm_registry.job_kinds import report_job_start

    params = {}
    for name, field in form.fields.items():
        if getattr(field.widget, "allow_multiple_selected", False) and hasattr(form.data, "getlist"):
            params[name] = form.data.getlist(name)  # every ticked value, not only the last
        elif isinstance(field.widget, RegionSelect):
            params[name] = field.widget.value_from_datadict(form.data, form.files, name) or ""  # a typed code too
        else:
            params[name] = form.data.get(name, "")
    with transaction.atomic():
        report_job_start(
            owner=request.user, report=report.name, title=report.get_title(params=form.cleaned_data), data=params
        )
    messages.info(request, _("Laporan ini panjang; dibuat di latar belakang. Unduh dari halaman ini setelah selesai."))
    return HttpResponseRedirect(reverse("admin:report_jobs"))
