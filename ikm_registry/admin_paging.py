"""Admin lists at national scale: a page count that does not count millions of rows on every page view, and deep
pages that do not skip them.

`EstimatedCountPaginator` counts exactly up to ADMIN_EXACT_COUNT_MAX rows (a count that stops there: its cost is
bounded whatever the table's size); a longer list on PostgreSQL takes the planner's estimate of the same query
(EXPLAIN, no rows read), which the list shows as "± N". SQLite, an embedded database for small registries, always
counts exactly.

`KeysetChangeList` (the list of every ScopedModelAdmin) numbers the first ADMIN_MAX_PAGE_NUMBER pages (`?p=N`, an
OFFSET over the order's index: cheap that near the start); past them a page is "the rows after this one"
(`?sesudah=<cursor>`, "Berikutnya", and `?sebelum=`, "Sebelumnya"), which the order's index finds at once however deep
the page is (ikm_registry.keyset). A larger page number shows the last numbered page, with a message. The column
order, filters, search, actions (also "select all" across pages) and the list's export work as before: a new order,
filter or search starts again at the first page (every link but the cursor links drops the cursor).
"""

from __future__ import annotations

import json

from django.conf import settings
from django.contrib import messages
from django.contrib.admin.options import IncorrectLookupParameters
from django.contrib.admin.views.main import PAGE_VAR, ChangeList
from django.core.exceptions import FieldDoesNotExist
from django.core.paginator import Paginator
from django.db import connections
from django.db.models import F, OrderBy
from django.utils.functional import cached_property
from django.utils.translation import gettext as _

from ikm_registry.keyset import InvalidCursor, keyset_order, keyset_page, row_cursor

# The query parameters of a page after (before) a row: the "Berikutnya" ("Sebelumnya") links past the numbered pages.
AFTER_VAR, BEFORE_VAR = CURSOR_VARS = ("sesudah", "sebelum")


def estimated_rows(queryset) -> int:
    """PostgreSQL's estimate of the number of rows of `queryset` (EXPLAIN: the plan, not the rows)."""
    sql, params = queryset.order_by().values("pk").query.sql_with_params()
    with connections[queryset.db].cursor() as cursor:
        cursor.execute("EXPLAIN (FORMAT JSON) " + sql, params)
        plan = cursor.fetchone()[0]
    plan = json.loads(plan) if isinstance(plan, str) else plan
    return int(plan[0]["Plan"]["Plan Rows"])


class EstimatedCountPaginator(Paginator):
    """See the module docstring. A page's rows are those whose ids a subquery finds (the order's index, no joins or
    computed columns for the rows before the page), read whole; a late page of a long list no longer joins and
    computes every row it skips."""

    estimated = False

    def page(self, number):
        number = self.validate_number(number)
        bottom = (number - 1) * self.per_page
        top = bottom + self.per_page
        if top + self.orphans >= self.count:
            top = self.count
        queryset = self.object_list
        if not hasattr(queryset, "query"):
            return self._get_page(queryset[bottom:top], number, self)
        # Still a lazy queryset (a list page's export builds the page without reading it): one query, whose
        # subquery walks the order's index for the ids alone.
        return self._get_page(queryset.filter(pk__in=queryset.values("pk")[bottom:top]), number, self)

    @cached_property
    def count(self) -> int:
        queryset = self.object_list
        if not hasattr(queryset, "query"):
            return super().count
        limit = settings.ADMIN_EXACT_COUNT_MAX
        exact = queryset.order_by().values("pk")[: limit + 1].count()
        if exact <= limit:
            return exact
        if connections[queryset.db].vendor != "postgresql":
            return queryset.count()
        self.estimated = True
        return max(estimated_rows(queryset), limit + 1)


def _plain_key(model, name: str, selected) -> bool:
    """Whether a row's value for order key `name` can be read and compared: the pk, a selected annotation, a field
    (a foreign key by its column, "kbli_id"), or a field of a row reached through foreign keys ("owner__name")."""
    if name == "pk" or name in selected:
        return True
    parts = name.split("__")
    current = model
    for index, part in enumerate(parts):
        try:
            field = current._meta.get_field(part)
        except FieldDoesNotExist:
            return False
        if index == len(parts) - 1:
            return not field.is_relation or part == getattr(field, "attname", None)
        if not field.is_relation or not (field.many_to_one or field.one_to_one):
            return False
        current = field.related_model
    return False


def keyset_ordering(queryset) -> list | None:
    """The order of `queryset` as keyset pages take it, or None when a key cannot serve as one (an expression, an
    order through a related model's own ordering, a random order)."""
    selected = set(queryset.query.annotation_select)
    keys, names = [], set()
    for entry in queryset.query.order_by:
        if isinstance(entry, str):
            name = entry.lstrip("-")
        elif isinstance(entry, OrderBy) and isinstance(entry.expression, F):
            name = entry.expression.name
        else:
            return None
        if name == "?" or not _plain_key(queryset.model, name, selected):
            return None
        name = "pk" if name in ("pk", queryset.model._meta.pk.name) else name
        if name not in names:  # the admin repeats the model admin's order after the list's ("name", "pk", "name", ...)
            names.add(name)
            keys.append(entry)
    return keys or None


class KeysetChangeList(ChangeList):
    """See the module docstring."""

    def __init__(self, request, *args, **kwargs):
        self.after = request.GET.get(AFTER_VAR) or None
        self.before = None if self.after else (request.GET.get(BEFORE_VAR) or None)
        self.ordering_keys = None  # the list's order as keyset pages take it (None: numbered pages only)
        self.cursor_page = None  # the page after or before a cursor (KeysetPage), when one was asked for
        self.max_page_number = settings.ADMIN_MAX_PAGE_NUMBER
        super().__init__(request, *args, **kwargs)

    def get_filters_params(self, params=None):
        lookup_params = super().get_filters_params(params)
        for name in CURSOR_VARS:
            lookup_params.pop(name, None)
        return lookup_params

    def get_query_string(self, new_params=None, remove=None):
        """Every link of the list (a column's order, a filter, a page number) drops the cursor, unless it is the link
        to a cursor page itself."""
        new_params = dict(new_params or {})
        remove = [*(remove or []), *(name for name in CURSOR_VARS if name not in new_params)]
        return super().get_query_string(new_params, remove)

    def get_queryset(self, request, exclude_parameters=None):
        queryset = super().get_queryset(request, exclude_parameters)
        keys = None if self.model_admin.list_editable else keyset_ordering(queryset)
        if exclude_parameters is None:
            self.ordering_keys = keys
        if keys is None:
            return queryset
        # The numbered pages in the keyset's order (NULLs placed explicitly): the first cursor page follows the last
        # numbered one exactly, on SQLite (NULLs first) as on PostgreSQL (NULLs last, where the order is the same).
        return queryset.order_by(*keyset_order(keys))

    def get_results(self, request):
        if (self.after or self.before) and self.ordering_keys is not None:
            self._cursor_results(request)
        else:
            self._numbered_results(request)
        if self.result_count > settings.ADMIN_EXACT_COUNT_MAX:
            # Django's filter counts ("Tampilkan hitungan") count the list once per option of every filter (87 KBLI
            # divisions, 514 kabupaten for national staff): not over a list this long.
            self.add_facets = self.is_facets_optional = False

    def _numbered_results(self, request):
        if self.page_num > self.max_page_number and not self.show_all:
            messages.info(
                request,
                _(
                    "Halaman sejauh ini tidak dibuka dengan nomornya; ini halaman %(number)s. Lanjutkan dengan "
                    "“Berikutnya”, atau persempit daftar dengan penyaring atau pencarian."
                )
                % {"number": self.max_page_number},
                fail_silently=True,
            )
            self.page_num = self.max_page_number
        super().get_results(request)

    def _cursor_results(self, request):
        paginator = self.model_admin.get_paginator(request, self.queryset, self.list_per_page)
        try:
            page = keyset_page(
                self.queryset,
                ordering=self.ordering_keys,
                size=self.list_per_page,
                after=self.after,
                before=self.before,
            )
        except InvalidCursor as error:
            raise IncorrectLookupParameters(error) from error
        self.cursor_page = page
        self.result_count = paginator.count
        self.show_full_result_count = self.model_admin.show_full_result_count
        self.full_result_count = self.root_queryset.count() if self.show_full_result_count else None
        self.show_admin_actions = not self.show_full_result_count or bool(self.full_result_count)
        self.result_list = page.object_list
        self.can_show_all = False
        self.multi_page = True
        self.paginator = paginator
        self.page_num = 1

    # --- what templates/admin/pagination.html draws ------------------------------------------------------------

    @cached_property
    def numbered_pages(self) -> list:
        """The page numbers (with "…") as Django elides them, up to ADMIN_MAX_PAGE_NUMBER."""
        shown = min(self.paginator.num_pages, self.max_page_number)
        return list(Paginator(range(shown), 1).get_elided_page_range(min(self.page_num, shown)))

    @cached_property
    def next_page_url(self) -> str | None:
        """The "Berikutnya" link: after a cursor page, or after the last numbered page of a longer list."""
        if self.ordering_keys is None:
            return None
        if self.cursor_page is not None:
            cursor = self.cursor_page.next_cursor
        elif self.page_num >= self.max_page_number and self.paginator.num_pages > self.page_num:
            rows = list(self.result_list)  # read already by the table above the links
            cursor = row_cursor(rows[-1], self.ordering_keys) if rows else None
        else:
            cursor = None
        return self.get_query_string({AFTER_VAR: cursor}) if cursor else None

    @cached_property
    def previous_page_url(self) -> str | None:
        """The "Sebelumnya" link of a cursor page."""
        if self.cursor_page is None or not self.cursor_page.previous_cursor:
            return None
        return self.get_query_string({BEFORE_VAR: self.cursor_page.previous_cursor})

    @cached_property
    def first_page_url(self) -> str:
        return self.get_query_string(remove=[PAGE_VAR])


class KeysetPagingMixin:
    """For a ModelAdmin: its list is a KeysetChangeList."""

    def get_changelist(self, request, **kwargs):
        return KeysetChangeList
