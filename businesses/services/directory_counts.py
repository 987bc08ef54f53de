"""The directory counts: businesses per region × KBLI division × facet, kept in DirectoryCount rows.

At national scale (millions of businesses) counting the directory's facets, the home page's figures and the Statistik
page's tables on each request scans the whole table. These counts are made here instead, by a handful of GROUP BY
queries at the finest level (desa, kecamatan) rolled up in Python to every coarser one, and written in one
transaction that replaces the previous rows; readers (businesses/selectors.py) look them up by (region, kbli, facet)
through an index, so a page's cost no longer grows with the registry.

Facets (`DirectoryCount.facet`) and what they count:
- `jumlah` (value ""): published businesses;
- `wilayah`: published businesses per region one level down (kecamatan → desa);
- `kbli`: per KBLI division; with `kbli` set to a division (Indonesia and provinces only), per group (3 digits);
- `subsektor`, `skala` (BPS class of the latest data year), `sentra` (id): published businesses;
- `desa` (value ""): desa with a published business;
- `tahun`: businesses counted by the public statistics (published or inactive) with figures, per data year;
- `status`: every business per workflow status (the staff's overview);
- `kelengkapan`: every business lacking a NIB, coordinates or last year's figures (tanpa-nib, tanpa-koordinat,
  tanpa-data-tahunan);
- `sentra-total` (Indonesia only, value ""): sentra with a published member;
- `sentra-pp29`: each sentra (id) below the PP 29/2018 rule, with its number of active members of its KBLI class
  (a count, not a sum: the value holds wherever the sentra lies);
- `peta`: published businesses with coordinates per region one level down, at their mean position (the map).

The same refresh stores the rekap's and the pertumbuhan's sums (businesses/services/report_figures.py) in its
transaction, so both always describe the same data.

When they are made: the worker checks every DIRECTORY_COUNTS_CHECK_SECONDS whether the public data changed since the
last count and, if so and the last count is at least DIRECTORY_COUNTS_INTERVAL_SECONDS old (or an import asked for a
count: `directory_counts_request()`), counts again; `manage.py refresh_directory_counts` does it from cron. Readers
use the counts when they match the current public data version, or — on a registry of at least
DIRECTORY_LIVE_COUNT_MAX published businesses, where a live count would be slow — when they are merely the latest;
a small registry counts live until the worker catches up (businesses/selectors.py: `stored_counts_hold`).
"""

from __future__ import annotations

import logging
import time
from collections import defaultdict
from datetime import timedelta

from django.conf import settings
from django.core.cache import cache
from django.db import connection, transaction
from django.db.models import Count, F, Sum
from django.db.models.functions import Left
from django.utils import timezone

from businesses import rules
from businesses.filtersets import NO_COORDINATES, NO_NIB, NO_RECENT_FIGURES
from businesses.models import SENTRA_MIN_MEMBERS, Business, DirectoryCount, DirectoryCountRun, ReportFigure, Sentra
from businesses.services.report_figures import replace_report_figures
from businesses.services.statistics import counted_figures
from ikm_registry.locks import lock_names
from ikm_registry.public_cache import public_version

logger = logging.getLogger(__name__)

REQUEST_KEY = "directory-counts-requested"
# Region code length of each level the counts keep (Indonesia, province, regency, kecamatan), and of the level below.
LEVELS = (0, 2, 5, 8)
CHILD_LENGTH = {0: 2, 2: 5, 5: 8, 8: 13}
# Levels at which the counts are also kept per KBLI division (below them a division's businesses are few).
KBLI_LEVELS = (0, 2)
WRITE_BATCH = 5000
# Values of the facet "kelengkapan": the staff FilterSet's `kelengkapan` values, which the admin home links to.
INCOMPLETE_VALUES = (NO_NIB, NO_COORDINATES, NO_RECENT_FIGURES)


def _regions(code: str, levels=LEVELS):
    """The region codes (of `levels`) `code` (a desa or kecamatan code) lies in, Indonesia ("") first."""
    return [code[:length] for length in levels if length <= len(code)]


def _grouped(queryset, **groups) -> list[tuple]:
    """Rows (*group values, count) of `queryset` grouped by the named expressions."""
    rows = queryset.order_by().annotate(**groups).values_list(*groups).annotate(n=Count("pk")).order_by()
    return list(rows)


def directory_counts_compute(positions: dict | None = None) -> dict[tuple[str, str, str, str], int]:
    """Every count, by (region, kbli, facet, value): seven queries, each one pass over a table. `positions` receives
    the sums of latitude and longitude of the "peta" keys."""
    counts: dict[tuple[str, str, str, str], int] = defaultdict(int)
    positions = {} if positions is None else positions
    published = Business.objects.filter(rules.is_public())

    # 1. Per kecamatan × KBLI group × subsector: totals, KBLI and subsector facets, and the regions of a division.
    for district, group, subsector, n in _grouped(
        published, district=Left("village_id", 8), group=Left("kbli_id", 3), sub=F("subsector_id")
    ):
        division = group[:2]
        for region in _regions(district):
            counts[region, "", "jumlah", ""] += n
            counts[region, "", "kbli", division] += n
            if subsector:
                counts[region, "", "subsektor", subsector] += n
            if len(region) in KBLI_LEVELS:
                counts[region, division, "jumlah", ""] += n
                counts[region, division, "kbli", group] += n
                counts[region, division, "wilayah", district[: CHILD_LENGTH[len(region)]]] += n
                if subsector:
                    counts[region, division, "subsektor", subsector] += n

    # 2. Per desa: the regions one level down, and the desa with published businesses.
    for village, n in _grouped(published, desa=F("village_id")):
        for region in _regions(village):
            counts[region, "", "wilayah", village[: CHILD_LENGTH[len(region)]]] += n
            counts[region, "", "desa", ""] += 1

    # 3. BPS class of the latest data year, per kecamatan × division.
    latest = rules.latest_years().filter(rules.is_public("business"), scale_bps__isnull=False)
    for district, division, scale, n in _grouped(
        latest,
        district=Left("business__village_id", 8),
        division=Left("business__kbli_id", 2),
        scale=F("scale_bps"),
    ):
        for region in _regions(district):
            counts[region, "", "skala", scale] += n
            if len(region) in KBLI_LEVELS:
                counts[region, division, "skala", scale] += n

    # 4. Sentra members, per kecamatan × division (the directory's sentra filter within a division).
    for district, division, sentra, n in _grouped(
        published.filter(sentra__isnull=False),
        district=Left("village_id", 8),
        division=Left("kbli_id", 2),
        member_of=F("sentra_id"),
    ):
        for region in _regions(district):
            counts[region, "", "sentra", str(sentra)] += n
            if len(region) in KBLI_LEVELS:
                counts[region, division, "sentra", str(sentra)] += n

    # The number of sentra with a published member (the home page's figure), without counting their rows there.
    counts["", "", "sentra-total", ""] = sum(1 for key in counts if key[:3] == ("", "", "sentra"))

    # 5. Data years of the public statistics.
    for district, year, n in _grouped(counted_figures(), district=Left("business__village_id", 8), data_year=F("year")):
        for region in _regions(district):
            counts[region, "", "tahun", str(year)] += n

    # 7. Located businesses per desa, with their mean position, for the map's clusters of each region's children.
    located = published.filter(rules.has_coordinates()).order_by().values_list("village_id")
    for village, n, latitude, longitude in located.annotate(n=Count("pk"), lat=Sum("latitude"), lon=Sum("longitude")):
        for region in _regions(village):
            key = (region, "", "peta", village[: CHILD_LENGTH[len(region)]])
            counts[key] += n
            position = positions.setdefault(key, [0.0, 0.0])
            position[0] += float(latitude)
            position[1] += float(longitude)

    # 6. Every business per status, and how many lack data (staff: the admin home's "Perlu perhatian").
    for district, status, n in _grouped(Business.objects.all(), district=Left("village_id", 8), state=F("status")):
        for region in _regions(district):
            counts[region, "", "status", status] += n
    incomplete = Business.objects.order_by().annotate(district=Left("village_id", 8)).values_list("district")
    for district, *missing in incomplete.annotate(
        nib=Count("pk", filter=rules.missing_nib()),
        coordinates=Count("pk", filter=rules.missing_coordinates()),
        figures=Count("pk", filter=rules.missing_recent_figures()),
    ):
        for region in _regions(district):
            for value, n in zip(INCOMPLETE_VALUES, missing, strict=True):
                if n:
                    counts[region, "", "kelengkapan", value] += n

    # 8. Sentra below the PP 29/2018 rule (fewer active members of the sentra's KBLI class), with that number.
    below = (
        Sentra.objects.with_member_counts()
        .filter(similar_member_count__lt=SENTRA_MIN_MEMBERS)
        .values_list("pk", "village_id", "similar_member_count")
    )
    for pk, village, n in below:
        for region in _regions(village[:8]):
            counts[region, "", "sentra-pp29", str(pk)] = n
    return counts


def refresh_directory_counts(*, force: bool = True) -> DirectoryCountRun | None:
    """Count again and replace every DirectoryCount row in one transaction (readers see the old rows or the new,
    never a mix). Without `force`, only when `directory_counts_due()`; returns the run, or None when not due. Two
    workers never count at once: the second waits for the first, then finds nothing due."""
    with transaction.atomic():
        lock_names("directory-counts")
        if not force and not directory_counts_due():
            return None
        started = time.perf_counter()
        version = public_version()  # before counting: a change made meanwhile leaves the counts stale
        cache.delete(REQUEST_KEY)
        positions: dict = {}
        counts = directory_counts_compute(positions)
        DirectoryCount.objects.all().delete()
        rows = (
            DirectoryCount(
                region=key[0],
                kbli=key[1],
                facet=key[2],
                value=key[3],
                count=n,
                latitude=positions[key][0] / n if key in positions else None,
                longitude=positions[key][1] / n if key in positions else None,
            )
            for key, n in counts.items()
        )
        batch = []
        for row in rows:
            batch.append(row)
            if len(batch) >= WRITE_BATCH:
                DirectoryCount.objects.bulk_create(batch)
                batch = []
        DirectoryCount.objects.bulk_create(batch)
        figures = replace_report_figures()  # the rekap's and pertumbuhan's sums, of the same data
        if connection.vendor == "postgresql":  # the planner's statistics of the replaced rows (bad plans otherwise)
            with connection.cursor() as cursor:
                cursor.execute(f"ANALYZE {DirectoryCount._meta.db_table}")
                cursor.execute(f"ANALYZE {ReportFigure._meta.db_table}")
        run = DirectoryCountRun.objects.create(
            computed_at=timezone.now(),
            data_version=version,
            published=counts.get(("", "", "jumlah", ""), 0),
            seconds=time.perf_counter() - started,
        )
        DirectoryCountRun.objects.filter(computed_at__lt=run.computed_at - timedelta(days=7)).delete()
    logger.info("Directory counts: %s rows and %s report figures in %.1f s", len(counts), figures, run.seconds)
    return run


def latest_run() -> DirectoryCountRun | None:
    return DirectoryCountRun.objects.order_by("-computed_at", "-pk").first()


def directory_counts_due(*, now=None) -> bool:
    """Whether the worker should count again: never counted; or the public data changed since the last count and
    either an import asked for a count or the last one is DIRECTORY_COUNTS_INTERVAL_SECONDS old."""
    run = latest_run()
    if run is None:
        return True
    if run.data_version == public_version():
        return False
    if cache.get(REQUEST_KEY):
        return True
    now = now or timezone.now()
    return (now - run.computed_at).total_seconds() >= settings.DIRECTORY_COUNTS_INTERVAL_SECONDS


def directory_counts_request() -> None:
    """Ask for a count at the worker's next check, whatever the interval (after an import)."""
    cache.set(REQUEST_KEY, True, timeout=None)
