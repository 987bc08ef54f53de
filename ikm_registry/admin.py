from django.contrib import admin
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import UserAdmin
from django.utils.translation import gettext_lazy as _

from ikm_registry.admin_base import ScopedModelAdmin
from ikm_registry.models import Office, StaffMembership
from ikm_registry.scoping import scope_for


@admin.register(Office)
class OfficeAdmin(ScopedModelAdmin):
    """Staff read their own office; national staff and superusers manage offices."""

    list_display = ["name", "region", "phone", "email", "head_name"]
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
    inlines = [StaffMembershipInline]
    list_display = ["username", "first_name", "last_name", "is_staff", "role", "office"]
    list_select_related = ["membership__office"]

    @admin.display(description=_("peran"))
    def role(self, obj):
        membership = getattr(obj, "membership", None)
        return membership.get_role_display() if membership else "—"

    @admin.display(description=_("kantor"))
    def office(self, obj):
        membership = getattr(obj, "membership", None)
        return membership.office.name if membership else "—"
