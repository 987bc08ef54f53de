"""Who may use a staff endpoint: a token's user, with the scope the admin gives them.

Reads need a scope that reaches the model; writes need a role that writes (officials read only). Which rows is
always the model's `restrict(user, action)`: a record outside the region answers 404, as in the admin."""

from rest_framework import permissions

from ikm_registry.api.filters import ID_PATTERN
from ikm_registry.scoping import CHANGE, VIEW, scope_for


class StaffTokenPermission(permissions.BasePermission):
    message = "Endpoint staf: kirim token pribadi Anda (Authorization: Token <kunci>)."

    def has_permission(self, request, view):
        if request.auth is None or not request.user.is_authenticated:
            return False
        scope = scope_for(request.user)
        action = VIEW if request.method in permissions.SAFE_METHODS else CHANGE
        model = getattr(getattr(view, "queryset", None), "model", None)
        if model is not None and not scope.reaches(model):
            return False
        return scope.allows(action)


class RegionStaffTokenPermission(StaffTokenPermission):
    """For the region-wide work an LSP's operator has no part in (imports), as the admin's upload pages: a token of
    staff who work for a region (an office, national staff, a superuser)."""

    def has_permission(self, request, view):
        return super().has_permission(request, view) and scope_for(request.user).reaches_regions


class StaffApiMixin:
    """For staff viewsets: token authentication, the permission above, and rows through `restrict()`."""

    permission_classes = [StaffTokenPermission]
    lookup_value_regex = ID_PATTERN

    def restricted(self, queryset):
        action = VIEW if self.request.method in permissions.SAFE_METHODS else CHANGE
        return queryset.restrict(self.request.user, action)
