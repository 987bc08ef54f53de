"""The registry's admin site: region-scoped home page and richer autocomplete labels."""

from django.contrib import admin
from django.contrib.admin.views.autocomplete import AutocompleteJsonView
from django.urls import path, reverse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from ikm_registry.accounts import RegistryAuthenticationForm

# Apps of other packages in the admin's menu, named in the registry's language (their packages name them in English:
# "Axes", "Tasks Database Backend" with "Task Results"): label → name, and (label, model) → (name, plural name).
# Only what the admin shows changes: migrations read a model's original Meta options, not these.
THIRD_PARTY_APP_NAMES = {
    "axes": _("Keamanan masuk"),
    "django_tasks_database": _("Antrean latar belakang"),
}
THIRD_PARTY_MODEL_NAMES = {
    ("django_tasks_database", "dbtaskresult"): (
        _("hasil tugas latar belakang"),
        pgettext_lazy("plural", "hasil tugas latar belakang"),
    ),
    ("axes", "accessattemptexpiration"): (
        _("masa berlaku upaya akses"),
        pgettext_lazy("plural", "masa berlaku upaya akses"),
    ),
}


def name_third_party_apps() -> None:
    """Give the apps and models of THIRD_PARTY_APP_NAMES / THIRD_PARTY_MODEL_NAMES their Indonesian names (English
    through the translation). Called from IkmRegistryConfig.ready()."""
    from django.apps import apps

    for label, name in THIRD_PARTY_APP_NAMES.items():
        if label in apps.app_configs:
            apps.get_app_config(label).verbose_name = name
    for (label, model_name), (name, plural) in THIRD_PARTY_MODEL_NAMES.items():
        try:
            model = apps.get_model(label, model_name)
        except LookupError:
            continue
        model._meta.verbose_name = name
        model._meta.verbose_name_plural = plural


class LabelledAutocompleteJsonView(AutocompleteJsonView):
    """Autocomplete that shows a region with its parents ("Desa Dalung, Kec. Kuta Utara, Kabupaten Badung"), and
    offers every allowed row for a field marked with `choices_from_everywhere`. A model admin whose list reads more
    than a search needs (the sentra list's member counts) gives the rows to search in `get_autocomplete_queryset`."""

    def get_queryset(self):
        if getattr(self.source_field, "choices_from_everywhere", False):
            rows = self.model_admin.model._default_manager.all()
        elif hasattr(self.model_admin, "get_autocomplete_queryset"):
            rows = self.model_admin.get_autocomplete_queryset(self.request)
        else:
            return super().get_queryset()
        rows = rows.complex_filter(self.source_field.get_limit_choices_to())
        rows, distinct = self.model_admin.get_search_results(self.request, rows, self.term)
        return rows.distinct() if distinct else rows

    def serialize_result(self, obj, to_field_name):
        return {"id": str(getattr(obj, to_field_name)), "text": getattr(obj, "label", None) or str(obj)}


class RegistryAdminSite(admin.AdminSite):
    site_header = _("Registri IKM")
    site_title = _("Registri IKM")
    index_title = _("Beranda")
    index_template = "admin/registry_index.html"
    # Django's message for a wrong password reads "Masukkan nama pengguna nama pengguna …" in Indonesian.
    login_form = RegistryAuthenticationForm
    # The home page lists the models; the list pages need the width for their columns and filters.
    enable_nav_sidebar = False

    def autocomplete_view(self, request):
        return LabelledAutocompleteJsonView.as_view(admin_site=self)(request)

    def get_urls(self):
        from ikm_registry.admin_report_jobs import job_download_view, jobs_view
        from ikm_registry.admin_reports import report_regions_view, reports_view
        from ikm_registry.admin_uploads import (
            upload_preview_view,
            upload_rejects_view,
            upload_template_view,
            upload_view,
        )

        return [
            path(
                "impor/unggahan/<int:pk>/",
                self.admin_view(lambda request, pk: upload_preview_view(request, self, pk)),
                name="tabular_upload_preview",
            ),
            path(
                "impor/unggahan/<int:pk>/ditolak.csv",
                self.admin_view(lambda request, pk: upload_rejects_view(request, self, pk)),
                name="tabular_upload_rejects",
            ),
            path(
                "impor/<slug:kind>/",
                self.admin_view(lambda request, kind: upload_view(request, self, kind)),
                name="tabular_upload",
            ),
            path(
                "impor/<slug:kind>/templat.xlsx",
                self.admin_view(lambda request, kind: upload_template_view(request, self, kind)),
                name="tabular_upload_template",
            ),
            path("laporan/", self.admin_view(lambda request: reports_view(request, self)), name="reports"),
            path(
                "laporan/wilayah/",
                self.admin_view(lambda request: report_regions_view(request, self)),
                name="report_regions",
            ),
            path("laporan/tugas/", self.admin_view(lambda request: jobs_view(request, self)), name="report_jobs"),
            path(
                "laporan/tugas/<int:pk>/unduh/",
                self.admin_view(lambda request, pk: job_download_view(request, self, pk)),
                name="report_job_download",
            ),
            *super().get_urls(),
        ]

    def get_app_list(self, request, app_label=None):
        """The apps, and on the home page a "Laporan" entry for the PDF reports (staff with a scope)."""
        from ikm_registry.scoping import scope_for

        app_list = super().get_app_list(request, app_label)
        if app_label is None and scope_for(request.user).reaches_regions:
            url = reverse("admin:reports", current_app=self.name)
            entry = {"name": _("Laporan PDF"), "object_name": "Report", "admin_url": url, "view_only": True}
            app_list.append({"name": _("Laporan"), "app_label": "laporan", "app_url": url, "models": [entry]})
        return app_list

    def index(self, request, extra_context=None):
        """The home page: the "Perlu perhatian" panels the apps registered (ikm_registry/admin_home.py) above the
        app list."""
        from ikm_registry.admin_home import rendered_panels, scope_label
        from ikm_registry.scoping import scope_for

        panels = rendered_panels(request)
        extra_context = {
            **(extra_context or {}),
            "admin_panels": panels,
            # The PDF reports are region reports: not offered to an LSP's operator, who reaches no region.
            "reports_offered": scope_for(request.user).reaches_regions,
            "scope_label": scope_label(request.user) if panels else None,
        }
        return super().index(request, extra_context)
