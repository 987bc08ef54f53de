"""Admin base classes that apply region scoping on every path.

Lists, change/delete/history views, autocomplete, bulk actions and the choices in forms all go
through `ScopedQuerySet.restrict(user, action)`; an object outside the user's region is a 404, an
action the user's role does not allow is a 403. History pages, versions and reverts are scoped the
same way (admin_history.py).
"""

from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.http import Http404
from simple_history.admin import SimpleHistoryAdmin

from ikm_registry.admin_history import ScopedHistoryMixin
from ikm_registry.scoping import CHANGE, VIEW, scope_for, user_may


def _restricted(model, user, action=VIEW):
    queryset = model._default_manager.all()
    return queryset.restrict(user, action) if hasattr(queryset, "restrict") else queryset


class ScopedFormFieldsMixin:
    """Limit foreign-key choices (dropdowns and autocomplete validation) to what the user may see."""

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if "queryset" not in kwargs:
            related = db_field.remote_field.model
            queryset = _restricted(related, request.user)
            if hasattr(related, "label"):
                queryset = queryset.select_related("parent__parent")
            kwargs["queryset"] = queryset
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


class ScopedModelAdmin(ScopedFormFieldsMixin, ScopedHistoryMixin, SimpleHistoryAdmin):
    """A ModelAdmin for a model whose default manager is a ScopedQuerySet, with its change history (Riwayat)."""

    def get_queryset(self, request):
        return super().get_queryset(request).restrict(request.user, VIEW)

    def has_module_permission(self, request):
        return scope_for(request.user).has_access

    def has_view_permission(self, request, obj=None):
        return user_may(request.user, VIEW, obj)

    def has_add_permission(self, request):
        return user_may(request.user, CHANGE)

    def has_change_permission(self, request, obj=None):
        return user_may(request.user, CHANGE, obj)

    def has_delete_permission(self, request, obj=None):
        return user_may(request.user, CHANGE, obj)

    def get_object(self, request, object_id, from_field=None):
        if not scope_for(request.user).has_access:
            raise PermissionDenied
        obj = super().get_object(request, object_id, from_field)
        if obj is None:
            raise Http404("Not found in your region.")
        return obj

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        self.recheck_after_write(request, obj)

    def recheck_after_write(self, request, obj):
        """Refuse a write that moved the object out of the user's region (the view's transaction rolls back)."""
        if not self.model._default_manager.restrict(request.user, CHANGE).filter(pk=obj.pk).exists():
            raise PermissionDenied("The record would leave your region.")


class ScopedInlineMixin(ScopedFormFieldsMixin):
    """Inline rows follow the permissions of the parent object (`obj` is the parent)."""

    def history_label(self, instance) -> str:
        """How a row is named on its parent's Riwayat page, after the model name (e.g. "Pemilik: Made")."""
        return str(instance)

    def has_view_permission(self, request, obj=None):
        return user_may(request.user, VIEW, obj)

    def has_add_permission(self, request, obj=None):
        return user_may(request.user, CHANGE, obj)

    def has_change_permission(self, request, obj=None):
        return user_may(request.user, CHANGE, obj)

    def has_delete_permission(self, request, obj=None):
        return user_may(request.user, CHANGE, obj)


class ReferenceDataAdmin(admin.ModelAdmin):
    """Reference tables (KBLI, subsectors): every staff user reads; only a superuser edits (imports do the rest)."""

    def has_module_permission(self, request):
        return scope_for(request.user).has_access

    def has_view_permission(self, request, obj=None):
        return scope_for(request.user).has_access

    def has_add_permission(self, request):
        return request.user.is_active and request.user.is_superuser

    def has_change_permission(self, request, obj=None):
        return request.user.is_active and request.user.is_superuser

    def has_delete_permission(self, request, obj=None):
        return request.user.is_active and request.user.is_superuser
