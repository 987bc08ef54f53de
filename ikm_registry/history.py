"""Change history of the registry (django-simple-history): who changed what, when and why, readable by an operator.

Every registry model has ``history = HistoricalRecords()``; each save or delete writes one historical row with the
user (``history_user``), the time, the kind of change and an optional reason (``history_change_reason``).

Who made the change
-------------------
* Admin edits, inline rows included, are attributed by simple-history itself: ``SimpleHistoryAdmin.save_model`` sets
  the user on the main record and ``HistoryRequestMiddleware`` gives every other save in the request the request's
  user.
* Services and management commands attribute explicitly, one record at a time::

      attribute(business, user, _("Diperbaiki dari impor 2024")).save()

  or for everything saved or deleted inside a block (a service, a command, a bulk operation)::

      with attributed(user, "Impor data 2024"):
          for business in businesses:
              business.save()

  An ``attribute()`` on the instance wins over an ``attributed()`` block, which wins over the request's user.
  ``bulk_create_with_history`` / ``bulk_update_with_history`` send no per-row signal: call ``attribute()`` on each
  object or pass their ``default_user`` / ``default_change_reason``.

What changed
------------
``HistoryFormatter`` turns historical rows into what an operator reads: field verbose names, choice labels, related
records by name, rupiah with thousands dots, and NIK masked (``5103••••••••1114``) — a diff never shows a NIK whole;
other personal fields (phone, e-mail, home address) as the reader's role allows (``ikm_registry.personal_data``).
"""

from __future__ import annotations

import contextvars
import os
from collections import defaultdict
from collections.abc import Iterable
from contextlib import contextmanager
from dataclasses import dataclass

from django.db import models
from django.dispatch import receiver
from django.utils import formats
from django.utils.text import Truncator, capfirst
from django.utils.translation import gettext
from simple_history.signals import pre_create_historical_record

from ikm_registry.numbers import thousands
from ikm_registry.personal_data import FULL_ACCESS, PersonalDataAccess, mask, personal_fields
from ikm_registry.scoping import VIEW, scope_for

# history_change_reason is a CharField(max_length=100) in every historical table.
REASON_MAX_LENGTH = 100
# Fields shown masked in every history view, whoever reads it (UU 27/2022: a diff never needs a NIK whole). Other
# personal fields follow the reader's role (ikm_registry.personal_data).
MASKED_FIELDS = frozenset({"nik"})
EMPTY = "—"
LONG_TEXT = 120


# --- attribution --------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Attribution:
    user: object
    reason: str


_current_attribution: contextvars.ContextVar[_Attribution | None] = contextvars.ContextVar(
    "history_attribution", default=None
)


def _short_reason(reason) -> str:
    return Truncator(str(reason or "")).chars(REASON_MAX_LENGTH)


def attribute(instance, user, reason: str = ""):
    """Record the next save or delete of `instance` as done by `user` (may be None: the system) for `reason`.

    Returns the instance, so ``attribute(obj, user, "…").save()`` reads as one step.
    """
    instance._history_user = user
    if reason:
        instance._change_reason = _short_reason(reason)
    return instance


@contextmanager
def attributed(user, reason: str = ""):
    """Attribute every historical row written inside the block to `user`, with `reason` where none is given."""
    token = _current_attribution.set(_Attribution(user=user, reason=_short_reason(reason)))
    try:
        yield
    finally:
        _current_attribution.reset(token)


@receiver(pre_create_historical_record, dispatch_uid="ikm_registry.history.apply_attribution")
def _apply_attribution(sender, instance, history_instance, **kwargs):
    current = _current_attribution.get()
    if current is None:
        return
    if not hasattr(instance, "_history_user"):
        history_instance.history_user = current.user
    if not history_instance.history_change_reason and current.reason:
        history_instance.history_change_reason = current.reason


# --- scoping of historical rows -----------------------------------------------------------------------------------


def has_history(model) -> bool:
    return hasattr(model._meta, "simple_history_manager_attribute")


def history_of(model):
    """The history manager of a model with ``HistoricalRecords``."""
    return getattr(model, model._meta.simple_history_manager_attribute)


def history_restrict(queryset, user, action: str = VIEW):
    """Historical rows whose *recorded* location lies in the region `user` may reach for `action` (or that belong to
    an organisation the user is a member of: an LSP's operator and its asesi).

    Uses the same rule as the live model's ScopedQuerySet (`reach`), applied to the version's own values (a business
    that was moved keeps its old village in its old versions).
    """
    scope = scope_for(user)
    if not scope.allows(action):
        return queryset.none()
    if scope.everything:
        return queryset
    live = queryset.model.instance_type._default_manager.all()
    if not hasattr(live, "reach"):
        return queryset.none()
    reach = live.reach(scope)
    return queryset if reach is None else queryset.filter(reach)


def version_instance(record):
    """The model instance a version describes, built from the version alone.

    simple-history's ``record.instance`` reads the live row for fields left out of the history (the derived
    figures of BusinessYear): one query per version. A label needs none of them.
    """
    model = record.instance_type
    return model(**{field.attname: getattr(record, field.attname) for field in type(record).tracked_fields})


# --- what changed, for people -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class FieldChange:
    field: str
    old: str
    new: str


@dataclass(frozen=True)
class FieldValue:
    field: str
    value: str


class HistoryFormatter:
    """Formats the historical rows of one model: changes between two versions and the values of one version.

    Call `load_related(records)` first with every row about to be shown: related records are then named with one
    query per related model instead of one per value.
    """

    def __init__(self, model, access: PersonalDataAccess = FULL_ACCESS, viewer=None):
        self.model = model
        self.access = access
        self.viewer = viewer  # when given, a related record outside the viewer's region is not named
        self.personal = frozenset(personal_fields(model))
        history_model = history_of(model).model
        tracked = {field.name for field in history_model.tracked_fields}
        self.fields = [
            field
            for field in model._meta.concrete_fields
            if field.name in tracked and field.editable and not field.primary_key
        ]
        self.relations = [field for field in self.fields if field.is_relation]
        self._labels: dict[tuple[type[models.Model], object], str] = {}

    def load_related(self, records: Iterable) -> None:
        wanted = defaultdict(set)
        for record in records:
            if record is None:
                continue
            for field in self.relations:
                pk = getattr(record, field.attname)
                if pk is not None and (field.related_model, pk) not in self._labels:
                    wanted[field.related_model].add(pk)
        for related, pks in wanted.items():
            self._name_related(related, pks)

    def _name_related(self, related, pks) -> None:
        found = related._base_manager.in_bulk(pks)
        hidden = set()
        if self.viewer is not None and not getattr(related, "named_to_everyone", False):
            queryset = related._default_manager.all()
            if hasattr(queryset, "restrict"):
                visible = set(queryset.restrict(self.viewer).filter(pk__in=list(found)).values_list("pk", flat=True))
                hidden = set(found) - visible
        for pk in pks:
            if pk in hidden:
                label = gettext("%(id)s (di luar wilayah Anda)") % {"id": pk}
            elif pk in found:
                label = str(found[pk])
            else:
                label = gettext("%(id)s (sudah dihapus)") % {"id": pk}
            self._labels[(related, pk)] = label

    def display(self, field, value) -> str:
        """One value as an operator reads it."""
        if value is None or value == "":
            return EMPTY
        if field.name in MASKED_FIELDS:
            return mask(value)
        if field.name in self.personal:
            return self.access.display(field.name, value)
        if field.is_relation:
            key = (field.related_model, value)
            if key not in self._labels:
                self._name_related(field.related_model, [value])
            return self._labels[key]
        if field.choices:
            return str(dict(field.flatchoices).get(value, value))
        if isinstance(field, models.BooleanField):
            return gettext("Ya") if value else gettext("Tidak")
        if isinstance(field, models.BigIntegerField):
            return thousands(value)  # rupiah: dots between thousands, as typed in the forms
        if isinstance(field, models.FileField):
            return os.path.basename(str(value))
        if isinstance(field, models.DecimalField):
            return formats.number_format(value, force_grouping=abs(value) >= 1000)
        if isinstance(field, models.DateField):
            return formats.localize(value)
        return Truncator(str(value)).chars(LONG_TEXT)

    def label(self, field) -> str:
        return capfirst(field.verbose_name)

    def changes(self, record, previous) -> list[FieldChange]:
        """What `record` changed compared with `previous` (the version before it), in the model's field order."""
        if previous is None:
            return []
        changed = set(record.diff_against(previous, included_fields=[f.name for f in self.fields]).changed_fields)
        return [
            FieldChange(
                self.label(field),
                self.display(field, getattr(previous, field.attname)),
                self.display(field, getattr(record, field.attname)),
            )
            for field in self.fields
            if field.name in changed
        ]

    def values(self, record, *, skip_empty: bool = False) -> list[FieldValue]:
        """The values of one version, field by field."""
        rows = []
        for field in self.fields:
            value = getattr(record, field.attname)
            if skip_empty and (value is None or value == ""):
                continue
            rows.append(FieldValue(self.label(field), self.display(field, value)))
        return rows
