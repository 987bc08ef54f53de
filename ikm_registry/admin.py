from django.apps import apps
from django.contrib import admin
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import UserAdmin
from django.db import models
from django.db.models.functions import Coalesce
from django.http import Http404
from django.utils.html import format_html
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _

from ikm_registry.accounts import staff_flag_follow
from ikm_registry.admin_base import ReferenceDataAdmin, ScopedModelAdmin
from ikm_registry.models import (
    CreativeSubsector,
    ExportLog,
    Kbli,
    Office,
    Region,
    StaffMembership,
    TabularImport,
)
from ikm_registry.reports import REPORT_LOG_PREFIX, ReportError, get_report
from ikm_registry.scoping import CHANGE, scope_for
from ikm_registry.tabular import registry as importers
from ikm_registry.tabular.uploads import uploads_visible

# --- reference data -----------------------------------------------------------------------------------------------


@admin.register(Region)
class RegionAdmin(ScopedModelAdmin):
    list_display = ["code", "name", "level", "kind", "parent"]
    list_filter = ["level", "kind"]
    search_fields = ["^code", "name"]
    list_select_related = ["parent"]
    list_per_page = 50
    show_full_result_count = False
    autocomplete_fields = ["parent"]

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("parent__parent")

    # Regions come from the Kemendagri import; only a superuser corrects one by hand.
    has_add_permission = ReferenceDataAdmin.has_add_permission
    has_change_permission = ReferenceDataAdmin.has_change_permission
    has_delete_permission = ReferenceDataAdmin.has_delete_permission


@admin.register(Kbli)
class KbliAdmin(ReferenceDataAdmin):
    list_display = ["code", "title", "level", "parent"]
    list_filter = ["level"]
    search_fields = ["^code", "title"]
    list_per_page = 50
    autocomplete_fields = ["parent"]


@admin.register(CreativeSubsector)
class CreativeSubsectorAdmin(ReferenceDataAdmin):
    list_display = ["name", "name_en", "code"]
    search_fields = ["name", "name_en"]


# --- offices and staff ------------------------------------------------------------------------------------------


@admin.register(Office)
class OfficeAdmin(ScopedModelAdmin):
    """Staff read their own office; national staff and superusers manage offices."""

    list_display = ["name", "region", "phone", "email", "head_name"]
    # A website typed without a scheme is taken as https:// (Django 6's default; no deprecation warning meanwhile).
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}
    list_select_related = ["region"]
    search_fields = ["name", "region__name"]
    autocomplete_fields = ["region"]
    fieldsets = [
        (None, {"fields": ["name", "region"]}),
        (
            _("Kop surat"),
            {"fields": ["government_name", "address", "postal_code", "phone", "email", "website", "logo"]},
        ),
        (_("Penanda tangan"), {"fields": ["head_title", "head_name", "head_nip"]}),
        (_("Alur kerja"), {"fields": ["four_eyes"]}),
    ]

    def has_add_permission(self, request):
        return scope_for(request.user).everything

    def has_change_permission(self, request, obj=None):
        return scope_for(request.user).everything

    def has_delete_permission(self, request, obj=None):
        return scope_for(request.user).everything


class StaffMembershipInline(admin.StackedInline):
    model = StaffMembership
    can_delete = False
    autocomplete_fields = ["office"]


User = get_user_model()
admin.site.unregister(User)


@admin.register(User)
class StaffUserAdmin(UserAdmin):
    """Users with their office membership; the staff flag follows the membership (ikm_registry.accounts)."""

    inlines = [StaffMembershipInline]
    list_display = ["username", "first_name", "last_name", "is_staff", "role", "office"]
    list_select_related = ["membership__office"]

    def get_form(self, request, obj=None, **kwargs):
        form = super().get_form(request, obj, **kwargs)
        if "is_staff" in form.base_fields:
            form.base_fields["is_staff"].help_text = _(
                "Mengikuti keanggotaan kantor: dicentang otomatis bila pengguna menjadi anggota sebuah kantor, "
                "dihapus bila keanggotaannya dicabut. Untuk menutup akses tanpa mencabutnya, hapus centang “Aktif”."
            )
        return form

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        # A member of an office is staff, also when the box was unticked (is_active closes an account).
        staff_flag_follow(form.instance, may_clear=False)

    @admin.display(description=_("peran"))
    def role(self, obj):
        membership = getattr(obj, "membership", None)
        return membership.get_role_display() if membership else "—"

    @admin.display(description=_("kantor"))
    def office(self, obj):
        membership = getattr(obj, "membership", None)
        return membership.office.name if membership else "—"


@admin.register(ExportLog)
class ExportLogAdmin(admin.ModelAdmin):
    """The export log (UU 27/2022 PDP): read-only for everyone; national staff and superusers see every row (those of
    commands run without a user too), other staff only their own files. Rows are written by
    ikm_registry.services.export_logged, never by hand."""

    list_display = [
        "at",
        "actor_label",
        "what_label",
        "file_format",
        "filter",
        "row_count",
        "personal",
        "individual",
    ]
    list_select_related = ["user"]
    list_filter = ["personal_data", "individual_data", "file_format"]
    search_fields = ["user__username", "actor", "what", "filter"]
    date_hierarchy = "at"
    list_per_page = 50

    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        return queryset if scope_for(request.user).everything else queryset.filter(user=request.user)

    def get_object(self, request, object_id, from_field=None):
        """Another user's row answers 404, like a record outside the user's region (Django's admin would redirect to
        the home page with "does not exist")."""
        obj = super().get_object(request, object_id, from_field)
        if obj is None:
            raise Http404
        return obj

    def has_module_permission(self, request):
        return scope_for(request.user).has_access

    def has_view_permission(self, request, obj=None):
        scope = scope_for(request.user)
        if obj is None or scope.everything:
            return scope.has_access
        return scope.has_access and obj.user_id == request.user.pk

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description=_("data pribadi"), boolean=True, ordering="personal_data")
    def personal(self, obj):
        return obj.personal_data

    @admin.display(description=_("data individual"), boolean=True, ordering="individual_data")
    def individual(self, obj):
        return obj.individual_data

    @admin.display(description=_("pengguna / pelaku"), ordering=Coalesce("user__username", "actor"))
    def actor_label(self, obj):
        """The user, or for a command run without one the recorded actor (sorted as shown; the search reads both)."""
        return obj.actor_name

    @admin.display(description=_("data"), ordering="what")
    def what_label(self, obj):
        """The model's plural name ("IKM") for a label such as businesses.business, "Laporan: Daftar IKM" for
        report:daftar-ikm; anything else as written."""
        if obj.what.startswith(REPORT_LOG_PREFIX):
            try:
                title = get_report(obj.what.removeprefix(REPORT_LOG_PREFIX)).title
            except ReportError:
                return obj.what
            return _("Laporan: %(title)s") % {"title": title}
        try:
            return capfirst(apps.get_model(obj.what)._meta.verbose_name_plural)
        except (LookupError, ValueError):
            return obj.what


class ImportKindFilter(admin.SimpleListFilter):
    """The kinds of import by their importers' labels."""

    title = _("jenis impor")
    parameter_name = "kind"

    def lookups(self, request, model_admin):
        return [(kind, capfirst(label)) for kind, label in importers.choices()]

    def queryset(self, request, queryset):
        return queryset.filter(kind=self.value()) if self.value() else queryset


@admin.register(TabularImport)
class TabularImportAdmin(admin.ModelAdmin):
    """Every upload of a spreadsheet — by the admin's import pages or by a command (import_table, import_businesses)
    — with what it did: read-only. Staff who may import see their own; superusers see every one. Each links to its
    importer's page (preview, confirmation, rejects) where there is one."""

    list_display = ["uploaded_at", "name_link", "kind_label", "who", "state", "rows", "created", "updated", "invalid"]
    list_select_related = ["uploaded_by"]
    list_filter = ["state", ImportKindFilter]
    search_fields = ["original_name", "uploaded_by__username", "actor"]
    date_hierarchy = "uploaded_at"
    list_per_page = 50

    def get_queryset(self, request):
        return uploads_visible(request.user).select_related("uploaded_by").defer("summary")

    def get_object(self, request, object_id, from_field=None):
        obj = super().get_object(request, object_id, from_field)
        if obj is None:
            raise Http404
        return obj

    def has_module_permission(self, request):
        return request.user.is_superuser or scope_for(request.user).allows(CHANGE)

    def has_view_permission(self, request, obj=None):
        if not self.has_module_permission(request):
            return False
        return obj is None or uploads_visible(request.user).filter(pk=obj.pk).exists()

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def get_fields(self, request, obj=None):
        return [
            "original_name",
            "kind",
            "uploaded_by",
            "actor",
            "uploaded_at",
            "options",
            "skip_invalid",
            "background",
            "state",
            "rows",
            "created",
            "updated",
            "unchanged",
            "invalid",
            "applied_at",
        ]

    @admin.display(description=_("berkas"), ordering="original_name")
    def name_link(self, obj):
        try:
            url = importers.get(obj.kind).preview_url(obj)
        except LookupError:
            url = ""
        return format_html('<a href="{}">{}</a>', url, obj.original_name) if url else obj.original_name

    @admin.display(description=_("jenis impor"), ordering="kind")
    def kind_label(self, obj):
        try:
            return capfirst(str(importers.get(obj.kind).label))
        except LookupError:
            return obj.kind

    @admin.display(description=_("pengguna / pelaku"), ordering=Coalesce("uploaded_by__username", "actor"))
    def who(self, obj):
        if obj.uploaded_by_id and obj.actor:
            return f"{obj.uploaded_by} ({obj.actor})"
        return obj.uploader or "—"


from ikm_registry import admin_api_tokens  # noqa: E402,F401  (the Token API page)
