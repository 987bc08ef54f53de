"""The tabular import engine: plan a file (check every row, match it to what is registered), then apply the plan.

An importer (a subclass of `Importer`, registered in ikm_registry.tabular.registry) declares its columns, its
natural key and how a row becomes model instances. The engine does the rest the same way for every importer:

- reading (CSV/XLSX within the import limits, header names and aliases) — ikm_registry.tabular.reader;
- per-cell errors naming the spreadsheet row (header = row 1), the column and the reason; required cells;
- idempotent matching by the natural key, with rows repeating an earlier row of the file refused;
- a plan (`ImportPlan`): per row created / updated (only when something differs) / unchanged / invalid, the
  changes old → new as staff may see them, and the invalid rows with their reasons for a rejects file;
- applying in one transaction: all or nothing, or the valid rows only (`skip_invalid`), with bulk inserts and
  updates whose history rows (simple_history) are written in bulk too, naming the user and the file;
- progress: messages for a terminal (`progress`) and numbers for a progress bar (`on_rows(phase, done, total)`).

An importer of one model needs only `model`, `columns` (each with its `field`) and `key`; one that writes several
models per row (the business import) overrides `build` and `write`.

An importer with a `chunk_size` reads and checks its file in chunks of that many rows: `prepare` and `matched` load
what one chunk refers to, and `import_file` writes each chunk as soon as it is checked, all in one transaction (all
or nothing as ever), so that memory follows the chunk — neither the file nor the registry. Without one the whole
file is one chunk (an importer whose rows depend on rows beyond their natural key, e.g. one business over several
rows of an OSS export).
"""

from __future__ import annotations

import csv
import unicodedata
from collections.abc import Callable, Iterable, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path

from django.conf import settings
from django.core.exceptions import NON_FIELD_ERRORS, ImproperlyConfigured, PermissionDenied, ValidationError
from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from ikm_registry.numbers import thousands
from ikm_registry.scoping import CHANGE, SystemActor, scope_for
from ikm_registry.tabular.cells import REASON_COLUMN, cell_text, neutralise
from ikm_registry.tabular.columns import CellError, Column, Reference
from ikm_registry.tabular.reader import PROGRESS_EVERY, Row, open_rows, read_rows

BATCH_SIZE = 1000
# SQLite allows 32,766 parameters in one statement; stay well below for `__in` lookups.
IN_CHUNK = 900


def chunks(items, size: int = IN_CHUNK):
    items = list(items)
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _no_progress(message: str) -> None:
    pass


def _no_rows(phase: str, done: int, total: int) -> None:
    pass


class Action:
    CREATE = "create"
    UPDATE = "update"
    UNCHANGED = "unchanged"
    INVALID = "invalid"

    labels = {
        CREATE: gettext_lazy("baru"),
        UPDATE: gettext_lazy("diperbarui"),
        UNCHANGED: gettext_lazy("tetap"),
        INVALID: gettext_lazy("tidak valid"),
    }


@dataclass(frozen=True)
class RowError:
    """One problem: the spreadsheet row (header = row 1), the column ('' for the whole row) and the reason."""

    row: int
    column: str
    message: str

    def __str__(self):
        if self.column:
            return _("baris %(row)s, kolom %(column)s: %(message)s") % {
                "row": self.row,
                "column": self.column,
                "message": self.message,
            }
        return _("baris %(row)s: %(message)s") % {"row": self.row, "message": self.message}


@dataclass
class RowOutcome:
    """What the import does with one row, for the preview and the report."""

    row: int
    action: str = Action.UNCHANGED
    name: str = ""
    record_id: int | None = None  # the registered record the row matched
    changed: list[str] = field(default_factory=list)  # columns whose value changes a registered record
    # (column, old, new) as shown to staff (personal identifiers masked) for each column that changes a record
    changes: list[tuple[str, str, str]] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def action_label(self) -> str:
        return str(Action.labels[self.action])

    def describe_changes(self) -> str:
        """`kolom: 'lama' → 'baru'; …` for the command's report."""
        return "; ".join(f"{column}: {old or '—'} → {new or '—'}" for column, old, new in self.changes)

    def as_data(self) -> dict:
        """The outcome as JSON, as an upload's summary keeps it for the preview page."""
        return {
            "row": self.row,
            "action": self.action,
            "name": self.name,
            "record_id": self.record_id,
            "changed": self.changed,
            "changes": [list(change) for change in self.changes],
            "errors": [{"column": error.column, "message": error.message} for error in self.errors],
            "notes": self.notes,
        }


@dataclass
class Write:
    """What one valid row of a one-model importer writes: the instance and, for a registered one, the attributes
    that change."""

    obj: object
    fields: list[str] = field(default_factory=list)

    @property
    def is_new(self) -> bool:
        return self.obj.pk is None

    @property
    def has_changes(self) -> bool:
        return bool(self.fields)


@dataclass
class ImportPlan:
    """The checked file: what would be created, updated, left alone, and which rows are invalid and why."""

    filename: str
    columns: list[str]
    delimiter: str
    rows: list[RowOutcome] = field(default_factory=list)
    writes: list = field(default_factory=list, repr=False)
    # (row number, raw cells in file order, errors) of each invalid row, for the rejects file
    rejected: list[tuple[int, list, list[RowError]]] = field(default_factory=list, repr=False)
    options: dict = field(default_factory=dict)
    # A plan made only to be shown (Importer.plan(keep_writes=False)) keeps no writes and cannot be applied.
    writes_kept: bool = True

    def count(self, action: str) -> int:
        return sum(1 for row in self.rows if row.action == action)

    @property
    def counts(self) -> dict[str, int]:
        return {
            "rows": len(self.rows),
            "created": self.count(Action.CREATE),
            "updated": self.count(Action.UPDATE),
            "unchanged": self.count(Action.UNCHANGED),
            "invalid": self.count(Action.INVALID),
        }

    @property
    def errors(self) -> list[RowError]:
        return [error for row in self.rows for error in row.errors]

    @property
    def notes(self) -> list[tuple[int, str]]:
        return [(row.row, note) for row in self.rows for note in row.notes]

    def summary(self) -> str:
        counts = {key: thousands(value) for key, value in self.counts.items()}
        return (
            _("%(rows)s baris: %(created)s baru, %(updated)s diperbarui, %(unchanged)s tetap, %(invalid)s tidak valid")
            % counts
        )

    def write_rejects(self, handle) -> int:
        """Write the invalid rows, in the file's own columns plus `alasan`, as CSV to a text handle."""
        writer = csv.writer(handle, delimiter=self.delimiter)
        writer.writerow([*self.columns, REASON_COLUMN])
        for _row, cells, errors in self.rejected:
            reasons = "; ".join(
                f"{error.column}: {error.message}" if error.column else error.message for error in errors
            )
            writer.writerow([neutralise(cell_text(cell)) for cell in cells] + [neutralise(reasons)])
        return len(self.rejected)


@dataclass
class ImportResult:
    """What applying a plan did. `written` is False when nothing was written (invalid rows, no skip_invalid)."""

    plan: ImportPlan
    written: bool
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    invalid: int = 0


# --- text as people read it -----------------------------------------------------------------------------------------


def loose(text: str) -> str:
    """Text as people read it: one Unicode form (NFC), single spaces, no case."""
    return " ".join(unicodedata.normalize("NFC", text).split()).casefold()


def keep_registered_text(obj, before: dict) -> None:
    """Put back the registered value of every text attribute the row changes only by case, spacing or form."""
    for attname, old in before.items():
        new = getattr(obj, attname)
        if new != old and isinstance(new, str) and isinstance(old, str) and loose(new) == loose(old):
            setattr(obj, attname, old)


def _key_part(value):
    """A natural key's text is compared as people read it (case, spacing and Unicode form aside)."""
    return loose(value) if isinstance(value, str) else value


# --- bulk writes with history ---------------------------------------------------------------------------------------

# simple_history's own columns in every historical table; the rest are copies of the tracked fields.
HISTORY_COLUMNS = ("history_date", "history_change_reason", "history_type", "history_user")


@dataclass
class History:
    """Bulk writes with their history rows: one user, reason and time for the whole import.

    The rows are the ones simple_history's bulk_create_with_history / bulk_update_with_history would write (every
    tracked field, history_user, history_change_reason, history_date, history_type "+" or "~"), but the database
    copies them from the rows just written (INSERT … SELECT) instead of Python building a historical instance per
    row: history was two thirds of the import's write time. A historical model with fields of its own falls back
    to simple_history's bulk_history_create; a model without history is written without.
    """

    user: object
    reason: str
    date: object

    def create(self, model, objects: list) -> None:
        if objects:
            model.objects.bulk_create(objects, batch_size=BATCH_SIZE)
            self.write(model, objects, history_type="+")

    def update(self, model, objects_and_fields: list[tuple]) -> None:
        """bulk_update grouped by the set of changed fields, so each UPDATE sets only what changed."""
        groups: dict[tuple, list] = {}
        for obj, fields in objects_and_fields:
            groups.setdefault(tuple(sorted(set(fields))), []).append(obj)
        for fields, objects in groups.items():
            model.objects.bulk_update(objects, list(fields), batch_size=BATCH_SIZE)
            self.write(model, objects, history_type="~")

    def write(self, model, objects: list, *, history_type: str) -> None:
        if not getattr(settings, "SIMPLE_HISTORY_ENABLED", True) or not hasattr(model, "history"):
            return
        manager = model.history
        historical = manager.model
        tracked = historical.tracked_fields
        own = {field.name for field in historical._meta.concrete_fields} - {field.name for field in tracked}
        user_id = getattr(self.user, "pk", None)
        if own != {"history_id", *HISTORY_COLUMNS} or hasattr(historical, "history_relation"):
            manager.bulk_history_create(
                objects,
                batch_size=BATCH_SIZE,
                update=history_type == "~",
                default_user=self.user if user_id else None,
                default_change_reason=self.reason,
                default_date=self.date,
            )
            return
        quote = connection.ops.quote_name
        target = [historical._meta.get_field(field.name).column for field in tracked]
        target += [historical._meta.get_field(name).column for name in HISTORY_COLUMNS]
        source = [quote(field.column) for field in tracked] + ["%s"] * len(HISTORY_COLUMNS)
        head = (
            f"INSERT INTO {quote(historical._meta.db_table)} ({', '.join(quote(column) for column in target)}) "
            f"SELECT {', '.join(source)} FROM {quote(model._meta.db_table)} WHERE {quote(model._meta.pk.column)} IN "
        )
        values = [connection.ops.adapt_datetimefield_value(self.date), self.reason, history_type, user_id]
        with connection.cursor() as cursor:
            for chunk in chunks([obj.pk for obj in objects]):
                cursor.execute(head + f"({', '.join(['%s'] * len(chunk))})", values + chunk)


# --- the importer -----------------------------------------------------------------------------------------------------


class Importer:
    """One kind of tabular import. Subclass, set the attributes, override the hooks you need, and register the
    class (`ikm_registry.tabular.registry.register`).

    Attributes: `kind` (registry key, e.g. "businesses"), `label` (shown to staff), `model` (the main model: its
    rows are matched, and its history names the import), `columns` (Column instances, in template order), `key`
    (names of the columns whose values identify a registered row: the natural key; empty = every row creates).

    Hooks, in the order the engine calls them: `check()` (may this user import at all), `prepare(rows)` (bulk-load
    references and registered rows), per row `parse` → `resolve` → `match`, then `matched(records)`, then per row
    `build` (model instances and what changes, or None when invalid) and `planned`; applying calls `write(plan,
    history, progress)` then `after_write(plan)` inside one transaction.
    """

    kind: str = ""
    label = ""
    model = None
    columns: Sequence[Column] = ()
    key: Sequence[str] = ()
    plan_class = ImportPlan
    outcome_class = RowOutcome
    write_class = Write
    # what the engine says when a unique constraint fails while writing (the registry changed meanwhile)
    conflict_message = gettext_lazy("Data registri berubah selama impor; ulangi impor.")
    # A layout we do not own (another system's export): columns the importer does not know are not read, and their
    # headers are kept in `ignored_columns`, instead of refusing the file.
    ignore_unknown_columns = False
    # Rows read, checked (and by import_file written) together; None: the whole file at once (see the module).
    chunk_size: int | None = None

    def __init__(
        self,
        *,
        user,
        options: dict | None = None,
        progress: Callable[[str], None] = _no_progress,
        on_rows: Callable[[str, int, int], None] = _no_rows,
    ):
        self.user = user
        self.options = dict(options or {})
        self.progress = progress
        self.on_rows = on_rows
        self.scope = scope_for(user)
        self.by_name = {column.name: column for column in self.columns}
        self.file_columns: list[str] = []
        self.present: set[str] = set()
        self.ignored_columns: list[str] = []
        # The plan being (or last) checked: what import_file had checked when it was refused.
        self.checked_plan: ImportPlan | None = None

    # The admin change view of the importer's records, for the links of a preview (e.g. "admin:events_event_change").
    record_url_name = ""
    # Templates read the class's attributes (`upload.importer.label`); they must not call it.
    do_not_call_in_templates = True

    @classmethod
    def preview_url(cls, record) -> str:
        """The admin page of an upload record of this kind (preview, confirmation, result): the admin site's own
        (ikm_registry/admin_uploads.py) unless the importer has pages of its own."""
        from django.urls import reverse

        return reverse("admin:tabular_upload_preview", args=[record.pk])

    @classmethod
    def summary_row(cls, row: dict) -> dict:
        """A row of a stored summary as the preview shows it (an importer maps what older summaries named else)."""
        return row

    @classmethod
    def upload_page_url(cls) -> str:
        """An upload page of the importer's own (the business list's "Impor"); '' to use the admin site's."""
        return ""

    @classmethod
    def upload_options(cls, request) -> dict:
        """The importer's options for an upload in the admin, read (and checked against the user's scope) from the
        request, e.g. the event of a daftar hadir; raise Http404 when they name something the user may not see."""
        return {}

    @classmethod
    def upload_query(cls, options: dict) -> str:
        """The query string that opens the upload page again with the same options ('' when it has none)."""
        return ""

    @classmethod
    def upload_intro(cls, options: dict) -> str:
        """A sentence for the upload page: what the file should hold."""
        return ""

    @classmethod
    def template_rows(cls, user) -> list[list] | None:
        """Example rows (in `column_names()` order) of a downloadable XLSX template of the layout, which the admin's
        upload page links (ikm_registry.tabular.template.importer_template); None: the importer offers none."""
        return None

    @classmethod
    def done_url(cls, options: dict) -> str:
        """Where the upload pages lead back to (the event of a daftar hadir, a list); '' for nowhere."""
        return ""

    # -- the layout --------------------------------------------------------------------------------------------

    @classmethod
    def column_names(cls) -> list[str]:
        return [column.name for column in cls.columns]

    @classmethod
    def required_names(cls) -> list[str]:
        return [column.name for column in cls.columns if column.required]

    @classmethod
    def aliases(cls) -> dict[str, str]:
        return {alias: column.name for column in cls.columns for alias in column.aliases}

    # -- hooks -------------------------------------------------------------------------------------------------

    def check(self) -> None:
        """Raise PermissionDenied (or ValidationError for a bad option) before anything is read or written."""
        if not self.scope.allows(CHANGE):
            raise PermissionDenied(_("Akun Anda tidak boleh mengimpor (hanya staf yang boleh mengubah data)."))

    def prepare(self, rows: list[Row]) -> None:
        """Load in bulk what the rows refer to: the codes of Reference columns and the registered rows by key."""
        self.references = {}
        for column in self.columns:
            if isinstance(column, Reference) and column.name in self.present:
                codes = {column.parse(row.values.get(column.name)) for row in rows} - {""}
                self.references[column.name] = column.lookup(codes)
        self.registered = {}
        if self.model is not None and self.key and all(name in self.present for name in self.key):
            self.registered = self.load_registered(rows)

    def load_registered(self, rows: list[Row]) -> dict:
        """natural key → registered instance, for the keys in the file: one query per chunk of the first key
        column's values (the other key columns are compared in Python), or every row when that column is free text
        (put a code or a reference first in `key`)."""
        first = self.by_name[self.key[0]]
        values = set()
        for row in rows:
            try:
                values.add(self.key_value(first, first.parse(row.values.get(first.name))))
            except CellError:
                continue
        found = {}
        manager = self.model._default_manager
        if type(first) is Column:  # free text is matched loosely: the database cannot narrow it down exactly
            batches = [manager.all()]
        else:
            batches = (manager.filter(**{f"{first.field}__in": chunk}) for chunk in chunks(values - {None, ""}))
        for batch in batches:
            for obj in batch:
                found[tuple(_key_part(getattr(obj, self.by_name[name].field)) for name in self.key)] = obj
        return found

    def key_value(self, column: Column, value):
        """A parsed value as the registered rows hold it (a Reference code becomes its key)."""
        if isinstance(column, Reference):
            return self.references.get(column.name, {}).get(value)
        return value

    def parse(self, row: Row, outcome: RowOutcome) -> dict:
        """Every cell of the row through its column; unreadable and blank required cells are errors."""
        values = {}
        bad = outcome.errors
        for name in self.file_columns:
            try:
                values[name] = self.by_name[name].parse(row.values[name])
            except CellError as error:
                bad.append(RowError(row.number, name, str(error)))
        for name in self.required:
            if name in values and values[name] in ("", None):
                bad.append(RowError(row.number, name, _("Wajib diisi.")))
                del values[name]
        return values

    def resolve(self, row: Row, values: dict, outcome: RowOutcome) -> None:
        """Reference codes → primary keys; an unknown code is an error on its cell."""
        for name, found in getattr(self, "references", {}).items():
            code = values.get(name)
            if code in (None, ""):
                if name in values:
                    values[name] = None
                continue
            if code not in found:
                outcome.errors.append(RowError(row.number, name, self.by_name[name].unknown(code)))
                del values[name]
            else:
                values[name] = found[code]

    def natural_key(self, values: dict):
        """The row's natural key (text compared without case and extra spaces), or None when a key cell is blank
        or invalid (the row then creates)."""
        if not self.key or any(values.get(name) in (None, "") for name in self.key):
            return None
        return tuple(_key_part(values[name]) for name in self.key)

    def match(self, row: Row, values: dict, outcome: RowOutcome, seen: dict):
        """The registered row this row describes, if any; a row repeating the key of an earlier row is an error."""
        key = self.natural_key(values)
        if key is None:
            return None
        first = seen.setdefault(key, row.number)
        if first != row.number:
            outcome.errors.append(
                RowError(
                    row.number,
                    self.key[0],
                    _("%(columns)s sama dengan baris %(row)s.") % {"columns": ", ".join(self.key), "row": first},
                )
            )
            return None
        return self.registered.get(key)

    def matched(self, records: list) -> None:
        """Called once with every registered record the rows matched (to load more of them in bulk)."""

    def build(self, row: Row, values: dict, existing, outcome: RowOutcome):
        """The write of a valid row (a new instance, or the registered one with the row's values), or None when
        the row is invalid (its errors are on `outcome`). A blank cell keeps what is registered."""
        if existing is None:
            obj = self.new_instance(values)
        else:
            obj = existing
            values = {name: value for name, value in values.items() if cell_text(row.values[name]) != ""}
        before = {}
        for name, value in values.items():
            attname = self.by_name[name].field
            before[attname] = getattr(obj, attname)
            setattr(obj, attname, value)
        self.clean(obj, row.number, outcome)
        if outcome.errors:
            return None
        if existing is None:
            return self.write_class(obj)
        keep_registered_text(obj, before)
        fields = [attname for attname, old in before.items() if getattr(obj, attname) != old]
        for column in self.columns:
            if column.field in fields:
                outcome.changed.append(column.name)
                outcome.changes.append(
                    (column.name, column.shown(before[column.field]), column.shown(getattr(obj, column.field)))
                )
        return self.write_class(obj, fields)

    def new_instance(self, values: dict):
        return self.model()

    def clean(self, obj, number: int, outcome: RowOutcome) -> None:
        """full_clean of the fields the file sets, without unique checks (done in bulk) and without the queries
        of resolved foreign keys; each error is put on its column."""
        columns = {self.by_name[name].field: name for name in self.file_columns}
        checked = {
            field.name
            for field in obj._meta.concrete_fields
            if field.attname in columns and not isinstance(self.by_name[columns[field.attname]], Reference)
        }
        exclude = [field.name for field in obj._meta.concrete_fields if field.name not in checked]
        try:
            obj.full_clean(exclude=exclude, validate_unique=False, validate_constraints=False)
        except ValidationError as error:
            names = {field.name: columns.get(field.attname, field.name) for field in obj._meta.concrete_fields}
            taken = {e.column for e in outcome.errors}
            for model_field, messages in error.message_dict.items():
                column = "" if model_field == NON_FIELD_ERRORS else names.get(model_field, model_field)
                if column in taken:
                    continue  # one reason per cell: the first is the one to fix
                taken.add(column)
                outcome.errors.append(RowError(number, column, messages[0]))

    def planned(self, write, existing, outcome: RowOutcome) -> None:
        """After a valid row is classified: fill what the preview shows of it."""
        outcome.record_id = existing.pk if existing is not None else None
        if not outcome.name and hasattr(write, "obj"):
            # the key's own cells name the row (str() of a model may query its relations, once per row)
            names = [self.by_name[name] for name in self.key if not isinstance(self.by_name[name], Reference)]
            outcome.name = ", ".join(str(getattr(write.obj, column.field)) for column in names)

    def change_reason(self, filename: str) -> str:
        """The change reason of the history rows: the file, and the command when no user runs it."""
        if isinstance(self.user, SystemActor):
            return f"{self.user.command} {filename}"[:100]
        return (_("impor %(file)s") % {"file": filename})[:100]

    def write(self, plan: ImportPlan, history: History, progress: Callable[[str], None]) -> None:
        """Write the plan's writes (inside the engine's transaction)."""
        new = [write for write in plan.writes if write.is_new]
        changed = [write for write in plan.writes if not write.is_new and write.fields]
        history.create(self.model, [write.obj for write in new])
        history.update(self.model, [(write.obj, write.fields) for write in changed])

    def after_write(self, plan: ImportPlan) -> None:
        """Inside the transaction, after writing: checks that must see the written rows (raise to roll back)."""

    # -- the engine ------------------------------------------------------------------------------------------------

    @property
    def required(self) -> list[str]:
        return self.required_names()

    def new_plan(self, *, filename: str, columns: list[str], delimiter: str) -> ImportPlan:
        return self.plan_class(filename=Path(filename).name, columns=columns, delimiter=delimiter)

    def read(self, source) -> tuple[list[str], str, list[Row]]:
        # This importer's columns (an importer may set its own per instance, e.g. one column per session).
        self.ignored_columns = []
        return read_rows(
            source,
            columns=[column.name for column in self.columns],
            required=self.required,
            aliases={alias: column.name for column in self.columns for alias in column.aliases},
            progress=self.progress,
            on_rows=self.on_rows,
            ignored=self.ignored_columns if self.ignore_unknown_columns else None,
        )

    @contextmanager
    def reading(self, source):
        """(columns, delimiter, rows) of the file: every row at once from `read()`, or for an importer with a
        chunk_size an iterator that reads them as they are checked (the file stays open meanwhile)."""
        if self.chunk_size is None:
            yield self.read(source)
            return
        self.ignored_columns = []
        with open_rows(
            source,
            columns=[column.name for column in self.columns],
            required=self.required,
            aliases={alias: column.name for column in self.columns for alias in column.aliases},
            ignored=self.ignored_columns if self.ignore_unknown_columns else None,
        ) as opened:  # reading and checking go together: the progress is the checking's
            yield opened

    def _chunks(self, rows: Iterable[Row]):
        if self.chunk_size is None:
            yield list(rows)
            return
        chunk = []
        for row in rows:
            chunk.append(row)
            if len(chunk) >= self.chunk_size:
                yield chunk
                chunk = []
        if chunk:
            yield chunk

    def plan(self, source, filename: str, *, keep_writes: bool = True) -> ImportPlan:
        """Read and check a file and say what importing it would do; writes nothing. `source` is a path or an
        open binary file. Raises PermissionDenied or ValidationError (file-level problems). `keep_writes=False`:
        the plan is only shown (a preview, a dry run), its writes are dropped chunk by chunk and it cannot be
        applied (import_file checks and writes a file in one pass)."""

        def keep(plan: ImportPlan, writes: list) -> None:
            if keep_writes:
                plan.writes.extend(writes)

        plan = self._plan(source, filename, keep)
        plan.writes_kept = keep_writes
        return plan

    def _plan(self, source, filename: str, on_chunk: Callable[[ImportPlan, list], None]) -> ImportPlan:
        """Check the file chunk by chunk, handing each chunk's writes to `on_chunk(plan, writes)`."""
        self.check()
        self.checked_plan = None
        with self.reading(source) as (columns, delimiter, rows):
            plan = self.checked_plan = self.new_plan(filename=filename, columns=columns, delimiter=delimiter)
            self.file_columns = columns
            self.present = set(columns)
            total = len(rows) if isinstance(rows, list) else 0  # unknown while a file is read as it is checked
            seen: dict = {}  # natural keys of the whole file: a row repeating an earlier one, in any chunk, is refused
            for chunk in self._chunks(rows):
                on_chunk(plan, self._plan_chunk(plan, chunk, seen, total))
        return plan

    def _plan_chunk(self, plan: ImportPlan, rows: list[Row], seen: dict, total: int) -> list:
        """Check `rows` (the outcomes join `plan`) and return their writes."""
        self.prepare(rows)
        first_pass = []
        for row in rows:
            outcome = self.outcome_class(row.number)
            values = self.parse(row, outcome)
            self.resolve(row, values, outcome)
            existing = self.match(row, values, outcome, seen)
            first_pass.append((row, values, outcome, existing))
        self.matched([existing for _row, _values, _outcome, existing in first_pass if existing is not None])
        writes = []
        for row, values, outcome, existing in first_pass:
            write = self.build(row, values, existing, outcome)  # also when invalid: every reason is reported
            if write is None:
                outcome.action = Action.INVALID
                plan.rejected.append((row.number, row.cells, outcome.errors))
            else:
                if existing is None:
                    outcome.action = Action.CREATE
                elif write.has_changes:
                    outcome.action = Action.UPDATE
                else:
                    outcome.action = Action.UNCHANGED
                self.planned(write, existing, outcome)
                if outcome.action != Action.UNCHANGED:
                    writes.append(write)
            plan.rows.append(outcome)
            done = len(plan.rows)
            if done % PROGRESS_EVERY == 0:
                if total:
                    message = _("%(done)s dari %(total)s baris diperiksa")
                else:
                    message = _("%(done)s baris diperiksa")
                self.progress(message % {"done": thousands(done), "total": thousands(total)})
                self.on_rows("checking", done, total)
        return writes

    def apply(
        self, plan: ImportPlan, *, skip_invalid: bool = False, progress: Callable[[str], None] | None = None
    ) -> ImportResult:
        """Write a plan in one transaction. All or nothing unless `skip_invalid`: then the valid rows are written.
        Raises ValidationError when the registry changed under the import in a way that breaks a constraint."""
        progress = progress or self.progress
        if not plan.writes_kept:
            raise ValueError("A plan made with keep_writes=False cannot be applied; use import_file.")
        counts = plan.counts
        if counts["invalid"] and not skip_invalid:
            return ImportResult(plan, written=False, invalid=counts["invalid"])
        self.check()
        self.check_database()
        history = History(user=self.user, reason=self.change_reason(plan.filename), date=timezone.now())
        try:
            with transaction.atomic():
                self.write(plan, history, progress)
                self.after_write(plan)
        except IntegrityError as error:
            raise ValidationError(str(self.conflict_message), code="import_conflict") from error
        return ImportResult(
            plan,
            written=True,
            created=counts["created"],
            updated=counts["updated"],
            unchanged=counts["unchanged"],
            invalid=counts["invalid"],
        )

    @staticmethod
    def check_database() -> None:
        if not connection.features.can_return_rows_from_bulk_insert:
            raise ImproperlyConfigured("The tabular import needs a database that returns ids from bulk inserts.")

    def import_file(
        self, source, filename: str, *, skip_invalid: bool = False, progress: Callable[[str], None] | None = None
    ) -> ImportResult:
        """Check a file and write it in the same pass, chunk by chunk (`chunk_size`), in one transaction: what
        plan() then apply() do, in memory that follows the chunk. All or nothing unless `skip_invalid`: once a row is
        invalid nothing more is written, the rest of the file is only checked (every problem is reported) and the
        transaction is rolled back. Each chunk is matched against the registry as the chunks before it left it.
        Raises as plan() and apply() do; `result.plan` keeps no writes."""
        progress = progress or self.progress
        self.check()
        self.check_database()
        history = History(user=self.user, reason=self.change_reason(Path(filename).name), date=timezone.now())

        def write(plan: ImportPlan, writes: list) -> None:
            if plan.rejected and not skip_invalid:
                return  # nothing of this file will be kept: the rest is only checked
            if writes:
                chunk = replace(plan, writes=writes)
                self.write(chunk, history, progress)
                self.after_write(chunk)

        try:
            with transaction.atomic():
                plan = self._plan(source, filename, write)
                written = not (plan.rejected and not skip_invalid)
                if not written:
                    transaction.set_rollback(True)
        except IntegrityError as error:
            raise ValidationError(str(self.conflict_message), code="import_conflict") from error
        plan.writes_kept = False
        counts = plan.counts
        if not written:
            return ImportResult(plan, written=False, invalid=counts["invalid"])
        return ImportResult(
            plan,
            written=True,
            created=counts["created"],
            updated=counts["updated"],
            unchanged=counts["unchanged"],
            invalid=counts["invalid"],
        )

    def run(self, source, filename: str, *, skip_invalid: bool = False, dry_run: bool = False) -> ImportResult:
        """Check and, unless `dry_run`, write (import_file)."""
        if dry_run:
            plan = self.plan(source, filename, keep_writes=False)
            return ImportResult(plan, written=False, invalid=plan.counts["invalid"])
        return self.import_file(source, filename, skip_invalid=skip_invalid)
