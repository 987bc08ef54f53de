"""The workflow engine: the only code that changes the state of a record that has a workflow.

A model with a review workflow (a business; later an event, a registration, an enrollment, a certificate) declares
one `Workflow`: the name of its state field, the allowed `Transition`s and, optionally, a hook for extra checks.
Every step then goes through `Workflow.perform()` (or the module's `perform()`), which

1. checks the actor: region and write access through the scoping module (`user_may(actor, CHANGE, obj)`), and the
   transition's `roles` / `permission` when it names any;
2. locks the row (`select_for_update`) and checks that it is in the transition's source state;
3. runs `full_clean()` when the step `validates`, then the workflow's `check(obj, transition, actor)` hook (on
   every step: it sees the transition and raises ValidationError to refuse);
4. writes the new state (the history row names the actor and says "status: draf → diajukan") and one
   `TransitionLog` row: who, when, from, to, which action, why; with `since="<field>"`, also the time of the step
   into that DateTimeField of the record, so "in this state since" is a column an index can order (the admin home's
   queue of submitted businesses), not a lookup in the log per record.

A refusal raises PermissionDenied or ValidationError and writes nothing. A record created directly in a state
(a self-registration arrives `submitted`, an import writes `verified` rows) gets its first log entry from
`Workflow.create()` (one record) or from `Workflow.initial()` on the unsaved instances plus `Workflow.log_created()`
after the caller's bulk insert (one bulk insert of log rows, whatever the number of records). Such an entry has
`action="create"` and no source state.

Declaring a workflow (a model whose default manager is a ScopedQuerySet, so scoping and the log's region work)::

    from ikm_registry.workflow import Transition, Workflow

    EVENT_WORKFLOW = Workflow(
        Event,
        field="status",  # a CharField with choices: the states and their labels
        region=lambda event: event.regency_id,  # the region code copied onto each log row
        transitions=[
            Transition("open", "draft", "open", _("Buka"), _("Buka pendaftaran."), validates=True),
            Transition("cancel", "open", "cancelled", _("Batalkan"), _("…"), note_required=True,
                       roles={"operator"}),
        ],
        check=lambda event, transition, actor: ...,  # raise ValidationError to refuse the step
    ).register()

    # Import the declaring module in the app's AppConfig.ready(), so the workflow is registered before any request
    # (the log reads its state labels from the registry; the source guard test lists the registered workflows).

    EVENT_WORKFLOW.perform(event, "open", actor=request.user, note="")
    EVENT_WORKFLOW.available(event, user)  # the steps to offer as buttons
    TransitionLog.objects.for_object(event)  # its steps, newest first

The log rows of a model are read with `TransitionLog.objects.for_object(obj)` (a model may expose that as a
property, e.g. `Business.transitions`); `TransitionLog.objects.restrict(user)` scopes them by the copied region.
tests/core/test_workflow_engine.py checks that no code outside this module writes a registered state field.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ImproperlyConfigured, PermissionDenied, ValidationError
from django.db import connection, models, transaction
from django.db.models import Q
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from ikm_registry.scoping import CHANGE, LinkHolder, scope_for, user_may

if TYPE_CHECKING:
    from django.utils.functional import Promise

# Log rows per INSERT when a whole import is logged at once.
LOG_BATCH_SIZE = 1000


@dataclass(frozen=True)
class Transition:
    """One allowed step: what the admin offers as a button and what the engine checks.

    `roles`: the staff roles (StaffRole values) that may take it, besides superusers, national staff and commands
    (who reach everything); empty means every role with write access in the record's region. `permission`: a Django
    permission ("app.codename") the actor must also hold. `holder`: the holder of the record's personal link
    (scoping.LinkHolder, e.g. a participant withdrawing) may take it too, on that record only.
    """

    action: str
    source: str
    target: str
    label: Promise | str  # the button, e.g. "Kembalikan"
    confirm: Promise | str = ""  # what pressing it does, shown next to the button
    note_required: bool = False
    # Steps towards publication check the record; sending it back, rejecting or closing it must work on bad data too.
    validates: bool = False
    roles: frozenset[str] = frozenset()
    permission: str = ""
    holder: bool = False
    # Four eyes: where the record's office asks for it (Office.four_eyes), the step may not be taken by whoever
    # entered the record or brought it into the step's source state (see `Workflow.four_eyes_conflict`).
    four_eyes: bool = False

    def __post_init__(self):
        object.__setattr__(self, "roles", frozenset(self.roles))


class Workflow:
    """The workflow of one model: its state field, its transitions and an optional extra check."""

    def __init__(
        self,
        model: type[models.Model],
        *,
        transitions: Iterable[Transition],
        field: str = "status",
        region: str | Callable[[Any], str | None] = "",
        check: Callable[[Any, Transition, Any], None] | None = None,
        after: Callable[[Any, Transition, Any, str], None] | None = None,
        since: str = "",
    ):
        self.model = model
        self.field = field
        # A DateTimeField set to the time of every step (and of `initial()`): since when the record is in its state.
        self.since = since
        self.transitions: dict[str, Transition] = {}
        self._region = region
        self._check = check
        # Called with (record, transition, actor, note) once a step is written, inside its transaction: e.g. to tell
        # the record's owner after the commit (transaction.on_commit).
        self._after = after
        choices = model._meta.get_field(field).choices
        if not choices:
            raise ImproperlyConfigured(f"{model.__name__}.{field} needs choices to be a workflow's state field.")
        self.states: dict[str, Any] = dict(choices)
        for transition in transitions:
            if transition.action in self.transitions or transition.action == _create_action():
                raise ImproperlyConfigured(f"Workflow of {model.__name__}: action {transition.action!r} is taken.")
            for state in (transition.source, transition.target):
                if state not in self.states:
                    raise ImproperlyConfigured(f"Workflow of {model.__name__}: unknown state {state!r}.")
            self.transitions[transition.action] = transition

    def __repr__(self):
        return f"<Workflow {self.model._meta.label}.{self.field}: {', '.join(self.transitions)}>"

    def register(self) -> Workflow:
        """Make this the workflow of its model (for `perform()`, `workflow_for()` and the log's labels)."""
        _REGISTRY[self.model._meta.label_lower] = self
        return self

    # --- reading ---------------------------------------------------------------------------------------------

    def state_label(self, state: str) -> str:
        return str(self.states.get(state, state))

    def state_of(self, obj) -> str:
        return getattr(obj, self.field)

    def region_of(self, obj) -> str:
        if callable(self._region):
            return self._region(obj) or ""
        return (getattr(obj, self._region) or "") if self._region else ""

    def may_take(self, transition: Transition, actor) -> bool:
        """Whether `actor` may take `transition` at all (role and permission; the region is checked per record)."""
        if isinstance(actor, LinkHolder):
            return transition.holder and actor.model is self.model
        if transition.roles:
            scope = scope_for(actor)
            if not (scope.everything or scope.role in transition.roles):
                return False
        return not transition.permission or bool(
            getattr(actor, "has_perm", None) and actor.has_perm(transition.permission)
        )

    def available(self, obj, user) -> list[Transition]:
        """The steps `user` may take on `obj` in its current state (empty for read-only users and other regions);
        a four-eyes step the user may not take on this record (they entered or submitted it) is left out."""
        state = self.state_of(obj)
        possible = [t for t in self.transitions.values() if t.source == state and self.may_take(t, user)]
        if not possible or not self._reaches(user, obj):
            return []
        return [t for t in possible if not (t.four_eyes and self.four_eyes_conflict(obj, t, user))]

    def barred(self, obj, user) -> list[Transition]:
        """The steps `user` could take now but for the four-eyes rule (the panel says someone else must)."""
        state = self.state_of(obj)
        possible = [
            t for t in self.transitions.values() if t.source == state and t.four_eyes and self.may_take(t, user)
        ]
        if not possible or not self._reaches(user, obj):
            return []
        return [t for t in possible if self.four_eyes_conflict(obj, t, user)]

    def four_eyes_conflict(self, obj, transition: Transition, actor) -> bool:
        """Whether `actor` is barred from `transition` on `obj` by the four-eyes rule: the office covering the record
        asks for it, and `actor` entered the record (its `created_by`, or its first log entry) or took a logged step
        into the transition's source state (submitted it, or resubmitted it). Commands and the public site are never
        barred (they have no account)."""
        user_id = getattr(actor, "pk", None)
        if not transition.four_eyes or user_id is None or not getattr(actor, "is_authenticated", False):
            return False
        if not office_asks_four_eyes(self.region_of(obj)):
            return False
        if getattr(obj, "created_by_id", None) == user_id:
            return True
        steps = _log_model().objects.for_object(obj).filter(actor_id=user_id)
        return steps.filter(Q(action=_create_action()) | Q(to_state=transition.source)).exists()

    def _reaches(self, actor, obj) -> bool:
        """Whether `actor` may change this record: by region and role, or as the holder of its personal link."""
        if isinstance(actor, LinkHolder):
            return actor.holds(self.model, obj.pk)
        return user_may(actor, CHANGE, obj)

    def change_reason(self, source: str, target: str) -> str:
        """The history row's change reason, stored with the record: in the source language whatever the actor's."""
        with translation.override(settings.LANGUAGE_CODE):
            name = str(self.model._meta.get_field(self.field).verbose_name)
            return f"{name}: {self.state_label(source).lower()} → {self.state_label(target).lower()}"

    # --- steps -----------------------------------------------------------------------------------------------

    def perform(self, obj_or_pk, action: str, actor, *, note: str = ""):
        """Take `action` on the record (an instance or a pk) as `actor`; return the updated, locked instance.

        Atomic: a refusal (PermissionDenied, ValidationError) writes nothing. Raises KeyError for an action the
        workflow does not have.
        """
        transition = self.transitions[action]
        with transaction.atomic():
            return self._perform(obj_or_pk, transition, actor, note.strip())

    def _perform(self, obj_or_pk, transition: Transition, actor, note: str):
        pk = obj_or_pk.pk if isinstance(obj_or_pk, models.Model) else obj_or_pk
        probe = obj_or_pk if isinstance(obj_or_pk, models.Model) else self.model(pk=pk)
        if not self.may_take(transition, actor) or not self._reaches(actor, probe):
            raise PermissionDenied(
                _("Anda tidak berwenang mengubah status %(record)s ini.") % {"record": self.model._meta.verbose_name}
            )
        if transition.note_required and not note:
            raise ValidationError(
                _("Catatan wajib diisi untuk “%(action)s”: tulis alasannya.") % {"action": transition.label},
                code="note_required",
            )
        locked = self.model._default_manager.select_for_update().get(pk=pk)
        current = self.state_of(locked)
        if current != transition.source:
            raise ValidationError(
                _("“%(action)s” hanya untuk %(record)s berstatus %(required)s; status %(record)s ini %(current)s.")
                % {
                    "action": transition.label,
                    "record": self.model._meta.verbose_name,
                    "required": self.state_label(transition.source),
                    "current": self.state_label(current),
                },
                code="wrong_status",
            )
        if transition.four_eyes and self.four_eyes_conflict(locked, transition, actor):
            raise PermissionDenied(
                _(
                    "Prinsip empat mata: “%(action)s” harus dilakukan petugas lain, bukan yang memasukkan atau "
                    "mengajukan %(record)s ini."
                )
                % {"action": transition.label, "record": self.model._meta.verbose_name}
            )
        if transition.validates:
            locked.full_clean()
        if self._check is not None:
            self._check(locked, transition, actor)
        setattr(locked, self.field, transition.target)
        locked._history_user = _user_or_none(actor)
        locked._change_reason = self.change_reason(transition.source, transition.target)
        entry = self._log(locked, transition.action, transition.source, transition.target, actor, note)
        fields = [self.field]
        if self.since:
            setattr(locked, self.since, entry.at)
            fields.append(self.since)
        if any(f.name == "updated_at" for f in locked._meta.concrete_fields):
            fields.append("updated_at")
        locked.save(update_fields=fields)
        entry.save()
        if self._after is not None:
            self._after(locked, transition, actor, note)
        return locked

    # --- records created in a state -------------------------------------------------------------------------

    def initial(self, obj, state: str):
        """Put an unsaved `obj` in `state` (for a bulk insert by the caller, then `log_created`); returns `obj`."""
        if state not in self.states:
            raise ValidationError(
                {self.field: _("Status %(state)s tidak dikenal.") % {"state": state}}, code="invalid_choice"
            )
        if obj.pk is not None and not obj._state.adding:
            raise ValueError("Workflow.initial() is for new records; a saved one changes state with perform().")
        setattr(obj, self.field, state)
        if self.since:
            setattr(obj, self.since, timezone.now())
        return obj

    def create(self, obj, state: str, *, actor, note: str = "", at=None):
        """Save the new `obj` in `state` and log its first entry (the caller checked who may create it)."""
        self.initial(obj, state)
        if self.since and at is not None:
            setattr(obj, self.since, at)
        with transaction.atomic():
            obj.save()
            self.log_created([obj], actor=actor, note=note, at=at)
        return obj

    def log_created(self, objs: Iterable, *, actor, note: str = "", at=None) -> int:
        """The first entries of records just inserted in the state `initial()` gave them: one bulk insert.

        `actor` is a user (or a command, or None for the public site), or a function giving each record's actor.
        Returns the number of rows written. Many records with one actor and one time (an import) are logged by the
        database from their own rows (`_log_created_copied`).
        """
        objs = list(objs)
        if any(obj.pk is None for obj in objs):
            raise ValueError("Workflow.log_created() needs saved records.")
        one_actor = not callable(actor) or isinstance(actor, models.Model)
        if one_actor and at is not None and len(objs) > 1:
            copied = self._log_created_copied(objs, actor=actor, note=note, at=at)
            if copied is not None:
                return copied
        rows = []
        for obj in objs:
            who = actor if one_actor else actor(obj)
            row = self._log(obj, _create_action(), "", self.state_of(obj), who, note.strip())
            if at is not None:
                row.at = at
            rows.append(row)
        _log_model().objects.bulk_create(rows, batch_size=LOG_BATCH_SIZE)
        return len(rows)

    def _log_created_copied(self, objs: list, *, actor, note: str, at) -> int | None:
        """log_created's rows written by INSERT … SELECT from the records' own rows, whose state and region are
        columns: no log instance is built and no value is sent per record (for an import of 100,000 businesses the
        bulk insert of their log was a tenth of its time). The rows are those `_log` makes. None when the records
        cannot be copied so (a region computed in Python, records of another model, a record given twice)."""
        log = _log_model()
        opts = self.model._meta
        columns = {field.attname: field.column for field in opts.concrete_fields}
        columns.update({field.name: field.column for field in opts.concrete_fields})
        if self._region and (callable(self._region) or self._region not in columns) or self.field not in columns:
            return None
        pks = [obj.pk for obj in objs]
        if any(type(obj) is not self.model for obj in objs) or len(set(pks)) != len(pks):
            return None
        quote = connection.ops.quote_name
        user = _user_or_none(actor)
        region = f"COALESCE({quote(columns[self._region])}, '')" if self._region else "''"
        copied = {  # log field: (SQL expression, its parameters)
            "content_type": ("%s", [ContentType.objects.get_for_model(self.model).pk]),
            "object_id": (quote(opts.pk.column), []),
            "region_code": (region, []),
            "action": ("%s", [_create_action()]),
            "from_state": ("%s", [""]),
            "to_state": (quote(columns[self.field]), []),
            "actor": ("%s", [user.pk if user is not None else None]),
            "actor_label": ("%s", ["" if user is not None or actor is None else str(actor)[:200]]),
            "note": ("%s", [note.strip()]),
            "at": ("%s", [connection.ops.adapt_datetimefield_value(at)]),
        }
        fields = [field for field in log._meta.concrete_fields if not field.primary_key]
        if {field.name for field in fields} != set(copied):
            return None  # the log has a column this copy does not fill
        head = (
            f"INSERT INTO {quote(log._meta.db_table)} ({', '.join(quote(field.column) for field in fields)}) "
            f"SELECT {', '.join(copied[field.name][0] for field in fields)} FROM {quote(opts.db_table)} "
        )
        params = [param for field in fields for param in copied[field.name][1]]
        written = 0
        with connection.cursor() as cursor:
            for start in range(0, len(pks), LOG_BATCH_SIZE):
                chunk = pks[start : start + LOG_BATCH_SIZE]
                pk = quote(opts.pk.column)
                where = f"WHERE {pk} IN ({', '.join(['%s'] * len(chunk))}) ORDER BY {pk}"
                cursor.execute(head + where, params + chunk)
                written += cursor.rowcount
        return written

    def _log(self, obj, action: str, source: str, target: str, actor, note: str):
        user = _user_or_none(actor)
        return _log_model()(
            content_type=ContentType.objects.get_for_model(self.model),
            object_id=obj.pk,
            region_code=self.region_of(obj),
            action=action,
            from_state=source,
            to_state=target,
            actor=user,
            actor_label="" if user is not None or actor is None else str(actor)[:200],
            note=note,
            at=timezone.now(),
        )


_REGISTRY: dict[str, Workflow] = {}


def office_asks_four_eyes(region_code: str) -> bool:
    """Whether the office covering `region_code` (its kabupaten/kota's, else its province's) applies four eyes."""
    if not region_code:
        return False
    from ikm_registry.models import Office

    office = Office.objects.covering(region_code)
    return bool(office and office.four_eyes)


def _log_model():
    from ikm_registry.models import TransitionLog

    return TransitionLog


def _create_action() -> str:
    return _log_model().CREATE


def _user_or_none(actor):
    """The user account behind `actor`: None for the public site (None, anonymous) and for commands."""
    return actor if actor is not None and getattr(actor, "pk", None) is not None else None


def workflow_for(model_or_obj) -> Workflow:
    """The registered workflow of a model (class or instance); LookupError when it has none."""
    model = model_or_obj if isinstance(model_or_obj, type) else type(model_or_obj)
    try:
        return _REGISTRY[model._meta.label_lower]
    except KeyError:
        raise LookupError(f"{model._meta.label} has no registered workflow.") from None


def registered_workflows() -> list[Workflow]:
    return list(_REGISTRY.values())


def perform(obj, action: str, actor, *, note: str = ""):
    """Take `action` on `obj` through its model's registered workflow (see Workflow.perform)."""
    return workflow_for(obj).perform(obj, action, actor, note=note)


def state_label(model, state: str) -> str:
    """A state as people read it, from the model's registered workflow (else the raw value)."""
    try:
        return workflow_for(model).state_label(state)
    except LookupError:
        return state
