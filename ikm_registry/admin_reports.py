"""The admin "Laporan" page: choose a report, fill its form, download the PDF. Region choices follow the user's
scope, so an operator reports only on their region; officials (read-only) may use it too. Every PDF that leaves
with personal data or individual figures is logged (Log ekspor)."""

from django.contrib import messages
from django.contrib.admin import helpers
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.text import slugify
from django.utils.translation import gettext as _

from ikm_registry.reports import ReportError, all_reports, get_report, report_render
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


def _queue(request, report, form):
    """A long report: a job of kind "report" made now, rendered by the worker (`manage.py db_worker`) after this
    commits."""
    from ikm_registry.job_kinds import report_job_start

    params = {}
    for name, field in form.fields.items():
        if getattr(field.widget, "allow_multiple_selected", False) and hasattr(form.data, "getlist"):
            params[name] = form.data.getlist(name)  # every ticked value, not only the last
        else:
            params[name] = form.data.get(name, "")
    with transaction.atomic():
        report_job_start(
            owner=request.user, report=report.name, title=report.get_title(params=form.cleaned_data), data=params
        )
    messages.info(request, _("Laporan ini panjang; dibuat di latar belakang. Unduh dari halaman ini setelah selesai."))
    return HttpResponseRedirect(reverse("admin:report_jobs"))
