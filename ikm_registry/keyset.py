"""Keyset (seek) pagination: a page is "the rows after this one" in a fixed order, never "skip N rows".

OFFSET pagination reads, joins and throws away every row before the page, so page 2,000 of a directory of a million
businesses costs 2,000 first pages, and a count of every match is needed to number the pages. Here a page carries the
sort key of its last row (and of its first, to go back) in an opaque cursor; the next page is the rows whose key sorts
after it, which an index on the order serves with a range scan however deep the page is. No count is made.

    page = keyset_page(queryset, ordering=("name", "pk"), after=request.GET.get("sesudah"), size=20)
    page.object_list, page.has_next(), page.next_cursor, page.previous_cursor

`ordering` is what `order_by()` takes: field names ("-name"), with "pk" (or another unique field) last so that the key
is unique, or `F(...).asc(nulls_last=True)` for a nullable field. Names may be aliases or annotations of the queryset
(a text search's rank). A cursor that does not decode, or does not fit the ordering, is an error (InvalidCursor),
which the views answer like a page that does not exist.
"""

from __future__ import annotations

import base64
import binascii
import datetime
import decimal
import json
from collections.abc import Generator, Iterable
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import EmptyResultSet, ObjectDoesNotExist, ValidationError
from django.db import connections, transaction
from django.db.models import BooleanField, Case, Expression, F, IntegerField, OrderBy, Q, Value, When


class InvalidCursor(ValueError):
    """A cursor that was not made by this module for this ordering."""


@dataclass(frozen=True)
class _Key:
    name: str
    descending: bool
    nulls_last: bool
    nullable: bool = True  # False for a model field that is never NULL: its conditions need no "IS NULL" branch


def _keys(ordering) -> list[_Key]:
    keys = []
    for entry in ordering:
        if isinstance(entry, str):
            descending = entry.startswith("-")
            # PostgreSQL and SQLite sort NULL last ascending and first descending unless told otherwise; the key
            # fields of a plain name are never NULL here (ids, names, dates), nullable ones use an OrderBy.
            keys.append(_Key(entry.lstrip("-"), descending, not descending))
        elif isinstance(entry, OrderBy) and isinstance(entry.expression, F):
            keys.append(_Key(entry.expression.name, entry.descending, bool(entry.nulls_last)))
        else:
            raise TypeError(f"keyset ordering takes field names or F(...).asc/desc(), not {entry!r}")
    return keys


def _order_by(keys: list[_Key], *, reverse: bool = False) -> list:
    order = []
    for key in keys:
        descending = key.descending != reverse
        nulls_last = key.nulls_last != reverse
        expression = F(key.name)
        order.append(
            expression.desc(nulls_last=nulls_last or None, nulls_first=(not nulls_last) or None)
            if descending
            else expression.asc(nulls_last=nulls_last or None, nulls_first=(not nulls_last) or None)
        )
    return order


def keyset_order(ordering) -> list:
    """`ordering` as keyset pages sort it: each key with its NULLs placed explicitly (a queryset ordered so reads its
    rows in the same order as the pages of keyset_page)."""
    return _order_by(_keys(ordering))


def _nullability(keys: list[_Key], model) -> list[_Key]:
    """`keys` with `nullable` False for the model's fields that cannot be NULL (the primary key, a name)."""
    from dataclasses import replace

    from django.core.exceptions import FieldDoesNotExist

    found = []
    for key in keys:
        try:
            field = model._meta.pk if key.name in ("pk", "id") else model._meta.get_field(key.name)
            found.append(replace(key, nullable=bool(field.null)))
        except FieldDoesNotExist:  # an annotation
            found.append(key)
    return found


def _after(keys: list[_Key], values: list, *, reverse: bool = False) -> Q:
    """Rows whose key sorts strictly after `values` (before, with `reverse`) in the order of `keys`.

    The leading key's bound is repeated as a plain range condition (name >= X), which lets the order's index start
    at the cursor instead of reading the rows before it; the OR of the exact condition alone hides that range."""
    condition = Q(pk__in=[])  # nothing
    for index in range(len(keys) - 1, -1, -1):
        key, value = keys[index], values[index]
        descending = key.descending != reverse
        nulls_last = key.nulls_last != reverse
        if value is None:
            # After a NULL: only rows also NULL here (and later by the next keys) when NULLs come last; when they come
            # first, every non-NULL row too.
            beyond = Q(pk__in=[]) if nulls_last else Q(**{f"{key.name}__isnull": False})
            same = Q(**{f"{key.name}__isnull": True})
        else:
            beyond = Q(**{f"{key.name}__{'lt' if descending else 'gt'}": value})
            if nulls_last and key.nullable:
                beyond |= Q(**{f"{key.name}__isnull": True})
            same = Q(**{key.name: value})
        condition = beyond | (same & condition)
    leading, value = keys[0], values[0]
    if value is not None and not leading.nullable:
        condition = Q(**{f"{leading.name}__{'lte' if leading.descending != reverse else 'gte'}": value}) & condition
    return condition


def _seek(queryset, keys: list[_Key], values: list, *, reverse: bool = False):
    """`queryset` after (before, with `reverse`) `values`; InvalidCursor when a value does not fit its field (a text
    where an id goes, an infinite number): a forged cursor is a page that does not exist, not a server error."""
    try:
        return queryset.filter(_after(keys, values, reverse=reverse))
    except (ValueError, TypeError, ArithmeticError, ValidationError) as error:
        raise InvalidCursor(str(error)) from error


def _plain(value):
    if isinstance(value, datetime.datetime):
        return {"dt": value.isoformat()}
    if isinstance(value, datetime.date):
        return {"d": value.isoformat()}
    if isinstance(value, decimal.Decimal):
        return {"dec": str(value)}
    return value


def _typed(value):
    if isinstance(value, dict):
        if "dt" in value:
            return datetime.datetime.fromisoformat(value["dt"])
        if "d" in value:
            return datetime.date.fromisoformat(value["d"])
        if "dec" in value:
            return decimal.Decimal(value["dec"])
        raise InvalidCursor("unknown value")
    return value


def encode_cursor(values: list) -> str:
    text = json.dumps([_plain(value) for value in values], separators=(",", ":"), ensure_ascii=False)
    return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")


def decode_cursor(cursor: str, length: int) -> list:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        values = json.loads(raw.decode())
    except (binascii.Error, ValueError, UnicodeDecodeError) as error:
        raise InvalidCursor(str(error)) from error
    if not isinstance(values, list) or len(values) != length:
        raise InvalidCursor("cursor does not fit the ordering")
    if any(isinstance(value, list) for value in values):
        raise InvalidCursor("cursor values must be scalars")
    try:
        return [_typed(value) for value in values]
    except (ValueError, TypeError, ArithmeticError) as error:  # {"dt": "kemarin"}, {"dec": "abc"}, {"d": 5}
        raise InvalidCursor(str(error)) from error


@dataclass
class KeysetPage:
    object_list: list
    next_cursor: str | None
    previous_cursor: str | None
    number: int | None = None  # the page's number when it was asked for by number (the first pages only)
    size: int = 0
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def start_index(self) -> int | None:
        """The 1-based position of the page's first row, when the page is known by its number."""
        return (self.number - 1) * self.size + 1 if self.number and self.size else None

    def has_next(self) -> bool:
        return self.next_cursor is not None

    def has_previous(self) -> bool:
        return self.previous_cursor is not None

    def has_other_pages(self) -> bool:
        return self.has_next() or self.has_previous()

    def __iter__(self):
        return iter(self.object_list)

    def __len__(self):
        return len(self.object_list)


def _key_values(row, keys: list[_Key]) -> list:
    values = []
    for key in keys:
        name = "pk" if key.name in ("pk", "id") else key.name
        values.append(_value(row, name))
    return values


def _value(row, name: str):
    """`name` of `row`: a field, an annotation, or a path through related rows ("owner__name"; None where a related
    row is missing, as the query's outer join gives NULL)."""
    value = row
    for part in name.split("__"):
        try:
            value = getattr(value, part)
        except ObjectDoesNotExist:
            return None
        if value is None:
            return None
    return value


def row_cursor(row, ordering) -> str:
    """The cursor of `row` in `ordering`: the page after it is keyset_page(after=row_cursor(row, ordering))."""
    return encode_cursor(_key_values(row, _keys(ordering)))


def _rows(queryset, ordered, bounds: slice, fetch=None) -> list:
    """The rows of `ordered` (a bare ordering of `queryset`) within `bounds`, as model instances of `queryset`: first
    the ids alone (the order's index and the WHERE, no joins or computed columns for rows that are only skipped or
    sorted), then the whole rows of those ids, joins and annotations included (or what `fetch(queryset, ids)` makes
    of them: {pk: row}, each row with the ordering's fields as attributes)."""
    ids = list(ordered.values_list("pk", flat=True)[bounds])
    return _fetched(queryset, ids, fetch)


def _fetched(queryset, ids: list, fetch=None) -> list:
    if not ids:
        return []
    found = fetch(queryset, ids) if fetch else {row.pk: row for row in queryset.order_by().filter(pk__in=ids)}
    return [found[pk] for pk in ids if pk in found]


def keyset_page(
    queryset,
    *,
    ordering,
    size: int,
    after: str | None = None,
    before: str | None = None,
    offset: int = 0,
    fetch=None,
) -> KeysetPage:
    """One page of `queryset` in `ordering`: the first, the one after cursor `after`, the one before cursor `before`,
    or (`offset`, for the few first pages asked for by number) the one starting at that row. Reads size + 1 rows.
    `fetch(queryset, ids)` -> {pk: row} reads the page's rows instead of model instances (see _rows)."""
    keys = _nullability(_keys(ordering), queryset.model)
    if before:
        values = decode_cursor(before, len(keys))
        ordered = _seek(queryset, keys, values, reverse=True).order_by(*_order_by(keys, reverse=True))
        rows = _rows(queryset, ordered, slice(0, size + 1), fetch)
        more_before = len(rows) > size
        rows = list(reversed(rows[:size]))
        return KeysetPage(
            rows,
            next_cursor=encode_cursor(_key_values(rows[-1], keys)) if rows else None,
            previous_cursor=encode_cursor(_key_values(rows[0], keys)) if rows and more_before else None,
            size=size,
        )
    ordered = queryset
    if after:
        values = decode_cursor(after, len(keys))
        ordered = _seek(queryset, keys, values)
    rows = _rows(queryset, ordered.order_by(*_order_by(keys)), slice(offset, offset + size + 1), fetch)
    more = len(rows) > size
    rows = rows[:size]
    return KeysetPage(
        rows,
        next_cursor=encode_cursor(_key_values(rows[-1], keys)) if rows and more else None,
        previous_cursor=encode_cursor(_key_values(rows[0], keys)) if rows and (after or offset) else None,
        size=size,
    )


# --- a text search's matches, paged within a window ------------------------------------------------------------------


class IdsAmong(Expression):
    """The condition "`field` (an integer column: a primary key, a foreign key) is one of `ids`", as one parameter
    whatever the number of ids: on PostgreSQL `= ANY` of an array sent as its text ('{1,2,3}', cast by the server;
    psycopg's dumper for a Python list of ints costs about 2 ms per thousand), on SQLite `IN` the values of a JSON
    array. A thousand ids bind, compile and plan in a fraction of the time of a thousand-parameter IN list (Django
    prepares each of those values in Python: 14,000 function calls for a search's thousand matches).

        BusinessYear.objects.filter(IdsAmong("business_id", ids))"""

    output_field = BooleanField()

    def __init__(self, field: str, ids):
        super().__init__()
        self.column = F(field)
        self.ids = [int(pk) for pk in ids]  # int(): only numbers reach the literal

    def get_source_expressions(self):
        return [self.column]

    def set_source_expressions(self, expressions):
        (self.column,) = expressions

    def as_sql(self, compiler, connection):
        column, params = compiler.compile(self.column)
        if connection.vendor == "postgresql":
            return f"{column} = ANY(%s::bigint[])", [*params, "{" + ",".join(map(str, self.ids)) + "}"]
        return f"{column} IN (SELECT value FROM json_each(%s))", [*params, "[" + ",".join(map(str, self.ids)) + "]"]


@dataclass
class SearchWindow:
    """The first matches of a search as read once (window_page): `rows` are tuples of (tier, pk, *extra, *sort keys),
    at most `size` of them, in the order of the pages; `complete` when they are every match."""

    rows: list[tuple]
    complete: bool
    size: int
    start: int  # where the `extra` columns begin in a row
    end: int | None = None  # ... and where they end

    def extra(self) -> list[tuple]:
        """Each row's `extra` columns, in the order asked for."""
        return [row[self.start : self.end] for row in self.rows]


def window_page(
    queryset,
    *,
    ordering,
    size: int,
    window: int,
    tiers: list[Q] | None = None,
    extra: tuple[str, ...] = (),
    preferred: Iterable | None = None,
    after: str | None = None,
    before: str | None = None,
    offset: int = 0,
    fetch=None,
) -> KeysetPage:
    """One page of `queryset` (a text search's matches) in `ordering`, best tier first (`tiers`: conditions, tested
    in turn, a row in the first it meets; the rows of the first, then of the second...), within the first `window`
    matches.

    Sorting every match of a common word ("batik": tens of thousands in a national registry) by name costs a read of
    each of them, however few are shown; the words' GIN indexes find matches fast but in no useful order. So the
    matches are read once, up to `window` + 1 of them and only their tiers, ids and sort keys (the indexes, a LIMIT),
    sorted by the database in the same query (its collation orders the names, as in every other list), and the page
    is found among them by its cursor's row. When there are more, the pages cover the first `window` in that order of
    the `window` + 1 the indexes gave (the physical order of the table: the same ones from one request to the next
    while the data stay put), and `page.extra["window"]` says the window is not complete: the page says "more than
    N" and asks for a narrower search. A cursor whose row has left the window since (renamed, withdrawn) is sought
    among the window's ids by the database instead.

    The cursor is the tier followed by the ordering's key (without tiers: keyset_page's), as the directory's search
    pages have always carried, so a page link stays valid. `extra` names more columns to read with the ids; the rows
    come back in `page.extra["window"]` (a SearchWindow) for counting, and with `tiers` the tier of each of the page's
    rows in `page.extra["tiers"]` ({pk: tier}). `fetch`: as keyset_page's.

    `preferred`: the best of those matches, as narrower querysets (the text search without its looser conditions,
    the same filters), narrowest first (an iterable: a generator builds only those read, and is sent the number of
    rows each read found); each may come as (queryset, tiers), the tiers its rows can be in, numbered as `tiers`
    (the good matches alone need not test the conditions that tell them from the looser ones). The first that alone
    fills the window is the window, and the looser conditions, whose index scans can cost more than the rest of the
    read, are not evaluated.

    On PostgreSQL the reads run without parallel workers (_window_rows).
    """
    keys = _nullability(_keys(["window_tier", *ordering] if tiers else ordering), queryset.model)
    names = [key.name for key in keys]
    columns = ["window_tier", "pk", *extra]
    selected = [*columns, *(name for name in names if name not in columns)]
    rows = []
    candidates = iter(preferred or ())
    narrower = next(candidates, None)
    while narrower is not None:
        narrower, its_tiers = narrower if isinstance(narrower, tuple) else (narrower, tiers)
        rows = _window_rows(narrower, _tier(its_tiers if tiers else None), selected, keys, window)
        if len(rows) > window:
            break
        try:  # a generator hears how many the last one found (it may skip one that cannot fill the window)
            narrower = candidates.send(len(rows)) if isinstance(candidates, Generator) else next(candidates)
        except StopIteration:
            narrower = None
    if len(rows) <= window:
        rows = _window_rows(queryset, _tier(tiers), selected, keys, window)
    complete = len(rows) <= window
    rows = rows[:window]  # in the page order: the window is its first `window` rows of those read
    positions = [selected.index(name) for name in names]
    pk_at, pk_of_key = selected.index("pk"), names.index("pk")

    def key_of(row) -> list:
        return [row[position] for position in positions]

    def keys_of(found: list) -> list[list]:
        return [key_of(row) for row in found]

    def sought(cursor: str) -> list:
        values = decode_cursor(cursor, len(keys))
        if tiers and (type(values[0]) is not int or not 0 <= values[0] < len(tiers)):
            raise InvalidCursor("unknown tier")
        return values

    def found_at(values: list) -> int | None:
        """The position of the row whose key is `values` (a cursor's row: usually still in the window)."""
        pk = values[pk_of_key]
        for position, row in enumerate(rows):
            if row[pk_at] == pk and key_of(row) == values:
                return position
        return None

    if before:
        values = sought(before)
        end = found_at(values)
        if end is None:
            found_keys, more_before = _sought_in_window(queryset, rows, keys, values, size, reverse=True)
        else:
            found_keys, more_before = keys_of(rows[max(0, end - size) : end]), end > size
        next_cursor = encode_cursor(list(found_keys[-1])) if found_keys else None
        previous_cursor = encode_cursor(list(found_keys[0])) if found_keys and more_before else None
    else:
        if after:
            values = sought(after)
            start = found_at(values)
            if start is None:
                found_keys, more = _sought_in_window(queryset, rows, keys, values, size, offset=offset)
            else:
                found_keys = keys_of(rows[start + 1 + offset : start + 1 + offset + size + 1])
                more = len(found_keys) > size
        else:
            found_keys = keys_of(rows[offset : offset + size + 1])
            more = len(found_keys) > size
        found_keys = found_keys[:size]
        next_cursor = encode_cursor(list(found_keys[-1])) if found_keys and more else None
        previous_cursor = encode_cursor(list(found_keys[0])) if found_keys and (after or offset) else None
    ids = [key_row[pk_of_key] for key_row in found_keys]
    extra = {"window": SearchWindow(rows, complete, window, start=2, end=len(columns))}
    if tiers:  # the page's rows' tiers, by id (the cursor's first value)
        extra["tiers"] = {key_row[pk_of_key]: key_row[0] for key_row in found_keys}
    return KeysetPage(
        _fetched(queryset, ids, fetch),
        next_cursor=next_cursor,
        previous_cursor=previous_cursor,
        size=size,
        extra=extra,
    )


def _tier(tiers: list[Q] | None):
    """The number of the first of `tiers` a row meets (the last: every other row), as an expression; 0 without."""
    if not tiers:
        return Value(0, output_field=IntegerField())
    return Case(
        *(When(condition, then=Value(number)) for number, condition in enumerate(tiers[:-1])),
        default=Value(len(tiers) - 1),
        output_field=IntegerField(),
    )


def _window_rows(queryset, tier, selected: list[str], keys: list[_Key], window: int) -> list[tuple]:
    """The first `window` + 1 rows of `queryset` the database finds (no order: the indexes and a LIMIT), their
    `selected` columns (the tier first), sorted by the database in the order of `keys`: one query, the sort over
    those rows alone (by the database's collation, as every other list).

    On PostgreSQL the query runs without parallel workers (their rows interleave in no fixed order, and the window
    must be the same set for every page of one search): `SET LOCAL` in the same query string, which PostgreSQL runs
    as one implicit transaction (one round trip; not BEGIN, SET, the query and COMMIT). Django binds parameters on
    the client unless OPTIONS `server_side_binding` asks otherwise; then a transaction holds the setting."""
    inner = queryset.order_by().annotate(window_tier=tier).values_list(*selected)[: window + 1]
    compiler = inner.query.get_compiler(using=queryset.db)
    try:
        sql, params = compiler.as_sql()
    except EmptyResultSet:  # queryset.none(): a filter that cannot match
        return []
    order = []
    for key in keys:
        position = selected.index(key.name) + 1  # by position: the inner query's column names may repeat
        nulls = "LAST" if key.nulls_last else "FIRST"
        order.append(f"{position} {'DESC' if key.descending else 'ASC'} NULLS {nulls}")
    connection = connections[queryset.db]
    sql = f"SELECT * FROM ({sql}) window_rows ORDER BY {', '.join(order)}"
    if connection.vendor != "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            fetched = cursor.fetchall()
        return list(compiler.results_iter(results=[fetched], tuple_expected=True))
    serial = "SET LOCAL max_parallel_workers_per_gather = 0"
    if connection.settings_dict["OPTIONS"].get("server_side_binding") is True:
        with transaction.atomic(using=queryset.db), connection.cursor() as cursor:
            cursor.execute(serial)
            cursor.execute(sql, params)
            return cursor.fetchall()
    with connection.cursor() as cursor:
        cursor.execute(f"{serial}; {sql}", params)
        cursor.nextset()
        return cursor.fetchall()  # psycopg's values are the fields' own: the converters would only copy


def _sought_in_window(queryset, rows, keys: list[_Key], values: list, size: int, *, offset: int = 0, reverse=False):
    """The keys of the `size` rows of the window `rows` after `values` (before, with `reverse`), and whether more
    follow: by a seek over the window's ids, when the cursor's own row is no longer in the window (it changed since
    the page was read)."""
    model = queryset.model
    tiers_of: dict[int, list] = {}
    for row in rows:
        tiers_of.setdefault(row[0], []).append(row[1])
    ranked = (
        model._base_manager.using(queryset.db)
        .filter(IdsAmong("pk", [row[1] for row in rows]))
        .annotate(
            window_tier=Case(
                *(When(IdsAmong("pk", ids), then=Value(number)) for number, ids in sorted(tiers_of.items())),
                default=Value(0),
                output_field=IntegerField(),
            )
        )
    )
    names = [key.name for key in keys]
    ordered = _seek(ranked, keys, values, reverse=reverse).order_by(*_order_by(keys, reverse=reverse))
    if reverse:
        found = list(ordered.values_list(*names)[: size + 1])
        return list(reversed(found[:size])), len(found) > size
    found = list(ordered.values_list(*names)[offset : offset + size + 1])
    return found, len(found) > size
