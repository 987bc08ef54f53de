"""Admin lists at national scale: a page count that does not count millions of rows on every page view.

`EstimatedCountPaginator` counts exactly up to ADMIN_EXACT_COUNT_MAX rows (a count that stops there: its cost is
bounded whatever the table's size); a longer list on PostgreSQL takes the planner's estimate of the same query
(EXPLAIN, no rows read), which the list shows as "± N". SQLite, an embedded database for small registries, always
counts exactly.
"""

from __future__ import annotations

import json

from django.conf import settings
from django.core.paginator import Paginator
from django.db import connections
from django.utils.functional import cached_property

# The query parameters of a page after (before) a row: the "Berikutnya" ("Sebelumnya") links past the numbered pages.
CURSOR_VARS = ("sesudah", "sebelum")


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
