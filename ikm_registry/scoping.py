"""Region scoping: the one place that decides what a staff user may see and change.

A staff account belongs to an office that covers one region (a province or a regency/city).
It sees records whose location lies inside that region by Kemendagri code prefix. National
staff and superusers see everything; an official (Kepala Dinas, Kabid) only reads.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import models
from django.db.models import Q

VIEW = "view"
CHANGE = "change"


@dataclass(frozen=True)
class Scope:
    """What a user may reach: every region, one region subtree, or nothing."""

    everything: bool = False
    region_code: str | None = None
    can_write: bool = False
    role: str | None = None  # the StaffRole of the user's office membership; None for superusers and no access

    @property
    def has_access(self) -> bool:
        return self.everything or self.region_code is not None

    def allows(self, action: str) -> bool:
        return self.has_access and (action == VIEW or self.can_write)


NO_ACCESS = Scope()


class CommandLine:
    """Whoever runs a management command without --user (a scripted deployment, cron): full access, since they
    already hold the database credentials. Not a user account: history names no user (history_user is empty) and
    the change reason names the command."""

    pk = None
    is_authenticated = True
    is_active = True
    is_staff = True
    is_superuser = True

    def __init__(self, command: str):
        self.command = command

    def __str__(self):
        return self.command


def scope_for(user) -> Scope:
    """Return the scope of `user`, cached on the user object for the request."""
    if isinstance(user, CommandLine):
        return Scope(everything=True, can_write=True)
    if user is None or not user.is_authenticated or not user.is_active:
        return NO_ACCESS
    cached = getattr(user, "_registry_scope", None)
    if cached is not None:
        return cached
    scope = _compute_scope(user)
    user._registry_scope = scope
    return scope


def _compute_scope(user) -> Scope:
    from ikm_registry.choices import StaffRole
    from ikm_registry.models import StaffMembership

    if user.is_superuser:
        return Scope(everything=True, can_write=True)
    if not user.is_staff:
        return NO_ACCESS
    membership = StaffMembership.objects.select_related("office").filter(user=user).first()
    if membership is None:
        return NO_ACCESS
    if membership.role == StaffRole.NATIONAL:
        return Scope(everything=True, can_write=True, role=membership.role)
    return Scope(
        region_code=membership.office.region_id, can_write=membership.role != StaffRole.OFFICIAL, role=membership.role
    )


def region_q(field: str, code: str) -> Q:
    """Records whose region code `field` is `code` or lies below it (dotted-prefix match)."""
    return Q(**{field: code}) | Q(**{f"{field}__startswith": f"{code}."})


def user_may(user, action: str, obj=None) -> bool:
    """Whether `user` may do `action` ("view" or "change") at all, or to `obj` when one is given."""
    if not scope_for(user).allows(action):
        return False
    if obj is None or obj.pk is None:
        return True
    return type(obj)._default_manager.restrict(user, action).filter(pk=obj.pk).exists()


class ScopedQuerySet(models.QuerySet):
    """A queryset whose rows have a location; `region_field` is the path to its region code."""

    region_field = "village__code"

    def restrict(self, user, action: str = VIEW):
        """Rows `user` may see (action="view") or change (action="change")."""
        scope = scope_for(user)
        if not scope.allows(action):
            return self.none()
        if scope.everything:
            return self
        return self.filter(region_q(self.region_field, scope.region_code))

    def in_region(self, code: str):
        """Rows located in region `code` or below it."""
        return self.filter(region_q(self.region_field, code))
