"""The registry's admin site: region-scoped home page and richer autocomplete labels."""

from django.contrib import admin
from django.contrib.admin.views.autocomplete import AutocompleteJsonView
from django.utils.translation import gettext_lazy as _


class LabelledAutocompleteJsonView(AutocompleteJsonView):
    """Autocomplete that shows a region with its parents ("Desa Dalung, Kec. Kuta Utara, Kabupaten Badung")."""

    def serialize_result(self, obj, to_field_name):
        return {"id": str(getattr(obj, to_field_name)), "text": getattr(obj, "label", None) or str(obj)}


class RegistryAdminSite(admin.AdminSite):
    site_header = _("Registri IKM")
    site_title = _("Registri IKM")
    index_title = _("Beranda")
    index_template = "admin/registry_index.html"
    # The home page lists the models; the list pages need the width for their columns and filters.
    enable_nav_sidebar = False

    def autocomplete_view(self, request):
        return LabelledAutocompleteJsonView.as_view(admin_site=self)(request)

    def index(self, request, extra_context=None):
        from businesses.selectors import attention_summary

        extra_context = {**(extra_context or {}), "attention": attention_summary(user=request.user)}
        return super().index(request, extra_context)
