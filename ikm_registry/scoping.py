"""Scoping: the one place that decides what an actor may see and change.

A staff account belongs to an office that covers one region (a province or a regency/city).
It sees records whose location lies inside that region by Kemendagri code prefix. National
staff and superusers see everything; an official (Kepala Dinas, Kabid) only reads.

Every path asks the same object, `scope_for(actor)` → `Scope`: the region, the role, write permission, what the
actor may do with personal data, and the memberships apps add (an LSP operator's LSP, registered by the certification
app with `register_membership`). Querysets of scoped models answer `restrict(actor, action)` — one method per model,
used by the admin, reports, exports, commands and the API alike. An actor is a user (anonymous: no access) or a
`SystemActor`, a management command run without --user: full access, named in the export log and in history. No
code passes `None` for "full access": `restrict(None)` is empty.
"""

from __future__ import annotations

import getpass
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from types import MappingProxyType

from django.db import models
from django.db.models import Q

from ikm_registry.personal_data import FULL_ACCESS, READING_ROLES, RESTRICTED_ACCESS, PersonalDataAccess

VIEW = "view"
CHANGE = "change"


@dataclass(frozen=True)
class Scope:
    """What an actor may reach: every region, one region subtree, or nothing; and what it may do there."""

    everything: bool = False
    region_code: str | None = None
    can_write: bool = False
    role: str | None = None  # the StaffRole of the user's office membership; None for superusers and no access
    # Personal data (ikm_registry.personal_data): read whole, search by, export. Decided by the role.
    personal_data: PersonalDataAccess = RESTRICTED_ACCESS
    # Memberships other apps register, as (kind, ids) pairs, e.g. (("lsp", frozenset({3})),) for an LSP operator.
    memberships: tuple[tuple[str, frozenset], ...] = ()

    @property
    def has_access(self) -> bool:
        return self.everything or self.region_code is not None or bool(self.memberships)

    def allows(self, action: str) -> bool:
        return self.has_access and (action == VIEW or self.can_write)

    @property
    def reaches_regions(self) -> bool:
        """Whether the actor works for a region (an office, national staff, a superuser): an LSP's operator, who
        reaches only the rows of their LSP, does not — no region-wide page (businesses, reports, imports) is theirs."""
        return self.everything or self.region_code is not None

    @property
    def covers_several_regencies(self) -> bool:
        """Whether the actor's region holds more than one kabupaten/kota (national staff, superusers, a province's
        staff): their lists name each row's kabupaten/kota, which a regency's own staff need not read on every row."""
        return self.everything or (self.region_code is not None and "." not in self.region_code)

    def reaches(self, model) -> bool:
        """Whether any row of `model` can be within reach: by region, or by a membership the model's queryset names
        (its `membership_fields`)."""
        if self.reaches_regions:
            return True
        queryset_class = getattr(model._default_manager, "_queryset_class", None)
        kinds = getattr(queryset_class, "membership_fields", {})
        return any(self.member_of(kind) for kind in kinds)

    def member_of(self, kind: str) -> frozenset:
        """The ids of the `kind` organisations (e.g. "lsp") the actor belongs to."""
        return next((ids for name, ids in self.memberships if name == kind), frozenset())


NO_ACCESS = Scope()
FULL = Scope(everything=True, can_write=True, personal_data=FULL_ACCESS)


class SystemActor:
    """A management command run without --user (a scripted deployment, cron, the demo loader): full access, since
    whoever runs it already holds the database credentials. Not a user account: history names no user
    (history_user is empty), the change reason names the command, and the export log names the command and the
    system account that ran it (`log_name`)."""

    pk = None
    is_authenticated = True
    is_active = True
    is_staff = True
    is_superuser = True

    def __init__(self, command: str, *, label: str = ""):
        self.command = command
        self.label = label

    def __str__(self):
        """How the records it writes name it (e.g. the workflow log): "manage.py <command>", or its `label` when the
        system acts on its own inside a request (e.g. the waiting list offering a freed place)."""
        return self.label or f"manage.py {self.command}"

    def __repr__(self):
        return f"SystemActor({self.command!r})"

    @property
    def log_name(self) -> str:
        """The command and the system account that ran it (as the shell knows it; "?" when the system cannot say)."""
        try:
            account = getpass.getuser()
        except (OSError, KeyError):
            account = "?"
        return f"manage.py {self.command} ({account})"


# kind → function(user) returning the ids of that kind's organisations the user belongs to (register_membership).
_membership_resolvers: dict[str, Callable] = {}


def register_membership(kind: str, resolver: Callable) -> None:
    """Let an app add a membership to every staff scope: `resolver(user)` returns the ids of the `kind` organisations
    `user` belongs to (certification: the LSP whose operator they are). Call it from the app's AppConfig.ready()."""
    _membership_resolvers[kind] = resolver


def unregister_membership(kind: str) -> None:
    _membership_resolvers.pop(kind, None)


def organisation_memberships(user) -> tuple[tuple[str, frozenset], ...]:
    """The memberships apps registered that `user` holds, as (kind, ids) pairs (e.g. the LSPs they operate)."""
    resolved = ((kind, frozenset(resolve(user))) for kind, resolve in sorted(_membership_resolvers.items()))
    return tuple((kind, ids) for kind, ids in resolved if ids)


class LinkHolder:
    """Whoever holds the personal link of one record (a participant's registration; later a business owner's
    submission): no account and no scope, but the workflow engine lets them take the steps marked `holder=True` on
    that record alone. The log names them by `label` ("peserta (tautan pribadi)")."""

    pk = None
    is_authenticated = False
    is_active = False
    is_staff = False
    is_superuser = False

    def __init__(self, obj, *, label: str):
        self.model = type(obj)
        self.object_pk = obj.pk
        self.label = label

    def __str__(self):
        return self.label

    def holds(self, model, pk) -> bool:
        return model is self.model and pk is not None and pk == self.object_pk


def scope_for(actor) -> Scope:
    """Return the scope of `actor` (a user or a SystemActor), cached on the user object for the request."""
    if isinstance(actor, SystemActor):
        return FULL
    if isinstance(actor, LinkHolder):
        return NO_ACCESS
    if actor is None or not actor.is_authenticated or not actor.is_active:
        return NO_ACCESS
    cached = getattr(actor, "_registry_scope", None)
    if cached is not None:
        return cached
    scope = _compute_scope(actor)
    actor._registry_scope = scope
    return scope


def _compute_scope(user) -> Scope:
    from ikm_registry.choices import StaffRole
    from ikm_registry.models import StaffMembership

    if user.is_superuser:
        return FULL
    if not user.is_staff:
        return NO_ACCESS
    memberships = organisation_memberships(user)
    membership = StaffMembership.objects.select_related("office").filter(user=user).first()
    if membership is None:
        # Staff of no office may still belong to an organisation an app registered (an LSP's operator).
        return Scope(can_write=True, memberships=memberships) if memberships else NO_ACCESS
    personal_data = FULL_ACCESS if membership.role in READING_ROLES else RESTRICTED_ACCESS
    if membership.role == StaffRole.NATIONAL:
        return Scope(everything=True, can_write=True, role=membership.role, personal_data=FULL_ACCESS)
    return Scope(
        region_code=membership.office.region_id,
        can_write=membership.role != StaffRole.OFFICIAL,
        role=membership.role,
        personal_data=personal_data,
        memberships=memberships,
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
    """A queryset whose rows have a location; `region_field` is the path to its region code.

    A model whose rows also belong to an organisation that grants access by membership (an LSP's schemes and
    certificates) names it in `membership_fields`: {"lsp": "lsp_id"} lets the members of an LSP reach its rows
    wherever they are located."""

    region_field = "village__code"
    membership_fields: Mapping[str, str] = MappingProxyType({})

    def restrict(self, actor, action: str = VIEW):
        """Rows `actor` may see (action="view") or change (action="change")."""
        scope = scope_for(actor)
        if not scope.allows(action):
            return self.none()
        reach = self.reach(scope)
        return self if reach is None else self.filter(reach)

    def reach(self, scope: Scope) -> Q | None:
        """The rows `scope` reaches, as a condition on the model's fields (None: every row). The fields it names are
        also those of the model's historical rows, so the history of a record is scoped by the same rule
        (ikm_registry.history.history_restrict)."""
        if scope.everything:
            return None
        reaches = [region_q(self.region_field, scope.region_code)] if scope.region_code is not None else []
        for kind, field_name in self.membership_fields.items():
            if ids := scope.member_of(kind):
                reaches.append(Q(**{f"{field_name}__in": sorted(ids)}))
        if not reaches:
            return Q(pk__in=[])
        reach = reaches[0]
        for other in reaches[1:]:
            reach |= other
        return reach

    def in_region(self, code: str):
        """Rows located in region `code` or below it."""
        return self.filter(region_q(self.region_field, code))


class RegionCodeFromMixin:
    """For a model whose region is that of a related row (an event's office, an assessment session's TUK), copied
    into its own `region_code` when it is saved, so that a list is scoped without a join. `region_from` names the
    foreign key; the related row's `region_id` is read from the loaded object when it is the one named, else in one
    query."""

    region_from: str = ""

    def save(self, *args, **kwargs):
        field = self._meta.get_field(self.region_from)
        related_id = getattr(self, field.attname)
        if related_id:
            loaded = self._state.fields_cache.get(self.region_from)
            self.region_code = (
                loaded.region_id
                if loaded is not None and loaded.pk == related_id
                else field.related_model._default_manager.filter(pk=related_id)
                .values_list("region_id", flat=True)
                .get()
            )
            if kwargs.get("update_fields") is not None:
                kwargs["update_fields"] = {*kwargs["update_fields"], "region_code"}
        super().save(*args, **kwargs)


def choices_from_everywhere(field):
    """Mark a foreign key to public reference data whose choices are not limited to the user's region (an event's
    venue may be in another province, though the event is the office's): its autocomplete offers every row that
    `limit_choices_to` allows. Returns the field, for use in a model's class body."""
    field.choices_from_everywhere = True
    return field
