"""Panels of the public Statistik page: each app adds the tables of what it counts.

The page (businesses' `statistics` view) computes every registered panel's data for the area being shown, once per
PUBLIC_COUNTS_MAX_AGE (public_cache.cached_counts), and renders the panels in order, each in a <section> of the
page's grid, with its template. An app registers its panels in its `AppConfig.ready()`:

    statistics_panels.register(StatisticsPanel(
        name="events",                            # unique; also the key of its data in the page's `stats`
        title=_("Kegiatan per tahun"),            # the panel's heading (or a callable of the area)
        template_name="events/_stat_panel.html",  # receives panel, title, data, area (and the page's context)
        data=events_per_year,                     # data(area) -> picklable rows; the same for every visitor
        order=300,                                # smaller first; businesses' panels are 100-140
    ))

`data` must count only what the public may see and must not publish sums of confidential figures (those come only
from the frozen releases, businesses/services/statistics.py). The generic count table
`statistics/_count_table.html` draws rows {code, label, count, bar} (`{% count_rows %}`) with the panel's `caption` and
`group_label`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from ikm_registry.registry import Contribution, Registry

COUNT_TABLE_TEMPLATE = "statistics/_count_table.html"


@dataclass(frozen=True)
class StatisticsArea:
    """What the page shows: the region `code` ("" for all of Indonesia) and whether it is the root of the site,
    where the released sums of confidential figures are shown (`with_sums`)."""

    code: str = ""
    with_sums: bool = False


@dataclass(frozen=True, kw_only=True)
class StatisticsPanel(Contribution):
    """A panel of the Statistik page (see the module docstring). `title`, `caption` and `group_label` may be
    callables of the area; `links`: a count table links its rows to the area below (regions)."""

    title: Any = ""
    template_name: str = COUNT_TABLE_TEMPLATE
    data: Callable[[StatisticsArea], Any]
    caption: Any = ""
    group_label: Any = ""
    links: bool = False

    def resolve(self, value, area: StatisticsArea):
        return value(area) if callable(value) else value


statistics_panels: Registry[StatisticsPanel] = Registry("statistics panels")


def with_bars(rows: list[dict]) -> list[dict]:
    """Give each row `bar`: its count as a percentage of the largest, for the CSS bar charts; returns `rows`."""
    largest = max((row["count"] for row in rows), default=0)
    for row in rows:
        row["bar"] = max(1, round(100 * row["count"] / largest)) if row["count"] else 0  # a sliver for the smallest
    return rows


def statistics_data(area: StatisticsArea) -> dict[str, Any]:
    """Every registered panel's data for `area`, by panel name (what the page caches)."""
    return {panel.name: panel.data(area) for panel in statistics_panels}


def statistics_panels_for(user, area: StatisticsArea, data: dict[str, Any]) -> list[dict]:
    """The panels `user` may see, in order, each as {panel, title, caption, group_label, data} for the template."""
    return [
        {
            "panel": panel,
            "title": panel.resolve(panel.title, area),
            "caption": panel.resolve(panel.caption, area),
            "group_label": panel.resolve(panel.group_label, area),
            "data": data.get(panel.name),
        }
        for panel in statistics_panels.visible_to(user)
        if panel.name in data
    ]
