"""Report figures: the yearly figures of checked businesses summed per region and data year, kept in ReportFigure
rows, so that the rekap and the pertumbuhan of the whole country, a province or a regency read a few hundred rows
instead of every yearly row of the region (at national scale a province's rekap read 1.8 million rows).

They are made with the directory counts, in the same transaction (businesses/services/directory_counts.py:
`refresh_directory_counts`), and hold when those hold (businesses.selectors.stored_counts_hold): when they count the
current data, or when the registry is too large to count live; a report made from figures older than the data says
when they were counted. A report of a kecamatan (its rows are desa), or of years before the stored ones, is counted
live: its rows are few.

Facets (`ReportFigure.facet`), each at the levels of LEVELS:
- `wilayah`: per region and data year, the businesses with figures for that year and the sums of their figures; the
  status is "" for the businesses a rekap counts (verified and published) and "inactive" for the closed ones, which
  the pertumbuhan counts too;
- `kbli`: the same per region × KBLI division (`value`), of the businesses a rekap counts;
- `subsektor`: the same per region × creative subsector (`value`, "" for none);
- `terdaftar` (registered): per region and year, the businesses of every counted status known by that year (founded,
  or with figures, in or before it), for each year from the one before the first data year to this year; a row for
  Indonesia ("") is kept for every such year, so its presence says which years are stored;
- `tutup` (closed): per region and year, the inactive businesses whose last figures are for that year.

`figures` holds, per figure of FIGURES, [reported, sum, largest, second largest]: cells of the same figure add up
across regions and statuses (`merge`), and the rules of disclosure control read them (`cell_discloses`).
"""

from __future__ import annotations

from collections import defaultdict

from django.conf import settings
from django.db import connection
from django.utils import timezone

from businesses.choices import BusinessStatus
from businesses.models import Business, BusinessYear, ReportFigure
from businesses.services.statistics import sum_releasable
from businesses.validators import EARLIEST_YEAR
from ikm_registry.scoping import scope_for

# The yearly figures a report sums, in the order of the cells' figure lists.
FIGURES = ("workforce_male", "workforce_female", "workforce_total", "investment", "production_value")
# The statuses a rekap counts (status group ""), and the one the pertumbuhan adds ("inactive").
CHECKED = (BusinessStatus.VERIFIED, BusinessStatus.PUBLISHED)
CLOSED = BusinessStatus.INACTIVE
COUNTED = (*CHECKED, CLOSED)
# Region code lengths at which each facet is kept ("" for Indonesia is length 0).
LEVELS = {
    "wilayah": (2, 5, 8),
    "kbli": (0, 2, 5),
    "subsektor": (0, 2, 5),
    "terdaftar": (0, 2, 5, 8),
    "tutup": (2, 5, 8),
}
# A report of a region of this code length reads the rows of its children at the next length.
CHILD_LENGTH = {0: 2, 2: 5, 5: 8, 8: 13}
WRITE_BATCH = 5000
FETCH_BATCH = 10000


# --- cells: a number of businesses and, per figure, [reported, sum, largest, second largest] -----------------------


def new_cell() -> dict:
    return {"businesses": 0, "figures": {figure: [0, 0, 0, 0] for figure in FIGURES}}


def add_business(cell: dict, values) -> None:
    """Count one business whose figures are `values` (in FIGURES order; None: not reported) into `cell`."""
    cell["businesses"] += 1
    for figure, value in zip(FIGURES, values, strict=True):
        if value is None:
            continue
        summary = cell["figures"][figure]
        summary[0] += 1
        summary[1] += value
        if value > summary[2]:
            summary[2], summary[3] = value, summary[2]
        elif value > summary[3]:
            summary[3] = value


def merge(cell: dict, other: dict) -> dict:
    """Add `other` into `cell` (the two largest of both are the largest of the union)."""
    cell["businesses"] += other["businesses"]
    for figure in FIGURES:
        mine, theirs = cell["figures"][figure], other["figures"].get(figure, [0, 0, 0, 0])
        largest = sorted((mine[2], mine[3], theirs[2], theirs[3]), reverse=True)
        cell["figures"][figure] = [mine[0] + theirs[0], mine[1] + theirs[1], largest[0], largest[1]]
    return cell


def figure_sum(cell: dict, figure: str) -> int | None:
    """The sum of `figure` over the cell's businesses; None when none of them reported it (as SQL's SUM)."""
    reported, total, _largest, _second = cell["figures"][figure]
    return total if reported else None


def cell_discloses(cell: dict, figures=FIGURES) -> bool:
    """Whether printing the cell's sum of any of `figures` gives a business's own figure away: the threshold and p%
    rules of the public statistics (businesses.services.statistics.sum_discloses), from the cell's summary."""
    for figure in figures:
        reported, total, largest, second = cell["figures"][figure]
        if reported and not sum_releasable(
            contributors=reported,
            total=total,
            top=[largest, second],
            minimum=settings.STATISTICS_MIN_BUSINESSES,
            p=settings.STATISTICS_DOMINANCE_P,
        ):
            return True
    return False


# --- computing ------------------------------------------------------------------------------------------------------


def _columns():
    years, businesses = BusinessYear._meta, Business._meta
    return {
        "years": connection.ops.quote_name(years.db_table),
        "businesses": connection.ops.quote_name(businesses.db_table),
        "business_id": years.get_field("business").column,
        "pk": businesses.pk.column,
        "village": businesses.get_field("village").column,
        "kbli": businesses.get_field("kbli").column,
        "subsector": businesses.get_field("subsector").column,
        "status": businesses.get_field("status").column,
        "founded": businesses.get_field("year_founded").column,
        **{figure: years.get_field(figure).column for figure in FIGURES},
    }


def _rows(sql: str, params):
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        while batch := cursor.fetchmany(FETCH_BATCH):
            yield from batch


def _yearly(key: str, value: str, statuses=COUNTED):
    """Rows (region, value, status group, year, cell) of the yearly figures of counted businesses grouped by the SQL
    expressions `key` and `value` (over the business `b`) and the status, in one pass (the two largest of a status
    group are those of its statuses' two largest). PostgreSQL takes each figure's two largest from an ordered
    array_agg of the group (5 s at 1,000,000 businesses); elsewhere a window numbers the values (SQLite, small)."""
    c = _columns()
    status = f"b.{c['status']}"
    placeholders = ", ".join(["%s"] * len(statuses))
    source = f"""FROM {c["years"]} y JOIN {c["businesses"]} b ON b.{c["pk"]} = y.{c["business_id"]}
        WHERE {status} IN ({placeholders})"""
    if connection.vendor == "postgresql":
        figures = ", ".join(
            f"COUNT(y.{c[f]}), COALESCE(SUM(y.{c[f]}), 0), (ARRAY_AGG(y.{c[f]} ORDER BY y.{c[f]} DESC NULLS LAST))[1:2]"
            for f in FIGURES
        )
        sql = f"SELECT {key}, {value}, {status}, y.year, COUNT(*), {figures} {source} GROUP BY 1, 2, 3, 4"
        width = 3
    else:
        inner_figures = ", ".join(
            f"y.{c[f]} AS f{i}, ROW_NUMBER() OVER (PARTITION BY {key}, {value}, {status}, y.year "
            f"ORDER BY (y.{c[f]} IS NULL), y.{c[f]} DESC) AS r{i}"
            for i, f in enumerate(FIGURES)
        )
        outer_figures = ", ".join(
            f"COUNT(f{i}), COALESCE(SUM(f{i}), 0), COALESCE(MAX(f{i}), 0), "
            f"COALESCE(MAX(CASE WHEN r{i} = 2 THEN f{i} END), 0)"
            for i in range(len(FIGURES))
        )
        sql = f"""SELECT k, v, s, year, COUNT(*), {outer_figures} FROM (
            SELECT {key} AS k, {value} AS v, {status} AS s, y.year AS year, {inner_figures} {source}
        ) t GROUP BY k, v, s, year"""
        width = 4
    for k, v, status_value, year, businesses, *summaries in _rows(sql, list(statuses)):
        cell = {"businesses": businesses, "figures": {}}
        for i, figure in enumerate(FIGURES):
            parts = summaries[width * i : width * i + width]
            if width == 3:  # reported, sum, [largest, second] (NULL when fewer were reported)
                top = [part or 0 for part in (parts[2] or [])] + [0, 0]
                parts = [parts[0], parts[1], top[0], top[1]]
            cell["figures"][figure] = [int(part) for part in parts]
        yield k or "", v or "", "inactive" if status_value == CLOSED else "", year, cell


def _known():
    """Rows (kecamatan, year known, last year if inactive else None, businesses) of the counted businesses."""
    c = _columns()
    statuses = ", ".join(["%s"] * len(COUNTED))
    sql = f"""
        SELECT SUBSTR(b.{c["village"]}, 1, 8) AS k,
               CASE WHEN b.{c["founded"]} IS NULL THEN f.first_year WHEN f.first_year IS NULL THEN b.{c["founded"]}
                    WHEN b.{c["founded"]} < f.first_year THEN b.{c["founded"]} ELSE f.first_year END AS known,
               CASE WHEN b.{c["status"]} = %s THEN f.last_year END AS last_year,
               COUNT(*)
        FROM {c["businesses"]} b LEFT JOIN (
            SELECT {c["business_id"]} AS business_id, MIN(year) AS first_year, MAX(year) AS last_year
            FROM {c["years"]} GROUP BY {c["business_id"]}
        ) f ON f.business_id = b.{c["pk"]}
        WHERE b.{c["status"]} IN ({statuses})
        GROUP BY 1, 2, 3
    """
    yield from _rows(sql, [CLOSED, *COUNTED])


def _up(code: str, levels):
    return [code[:length] for length in levels if length <= len(code)]


def report_figures_compute() -> dict[tuple[str, str, str, str, int], dict]:
    """Every ReportFigure cell, by (facet, region, value, status, year): four queries, each one pass."""
    cells: dict[tuple, dict] = defaultdict(new_cell)

    def add(facet, code, value, status, year, cell):
        for region in _up(code, LEVELS[facet]):
            merge(cells[facet, region, value, status, year], cell)

    c = _columns()
    district, regency = f"SUBSTR(b.{c['village']}, 1, 8)", f"SUBSTR(b.{c['village']}, 1, 5)"
    for k, _v, status, year, cell in _yearly(district, "''"):
        add("wilayah", k, "", status, year, cell)
    for k, division, _status, year, cell in _yearly(regency, f"SUBSTR(b.{c['kbli']}, 1, 2)", CHECKED):
        add("kbli", k, division, "", year, cell)
    for k, subsector, _status, year, cell in _yearly(regency, f"COALESCE(b.{c['subsector']}, '')", CHECKED):
        add("subsektor", k, subsector, "", year, cell)

    # Registered by year: from the year before the first data year (the base of a growth from it) to this year.
    years = [year for (facet, *_rest, year) in cells if facet == "wilayah"]
    if years:
        first, last = min(years) - 1, max(timezone.localdate().year, max(years))
        known_by: dict[str, dict[int, int]] = defaultdict(lambda: defaultdict(int))
        for k, known, last_year, n in _known():
            if last_year is not None:
                closed = new_cell()
                closed["businesses"] = n
                add("tutup", k, "", "", last_year, closed)
            if known is not None:
                for region in _up(k, LEVELS["terdaftar"]):
                    known_by[region][max(known, EARLIEST_YEAR - 1)] += n
        for region, counts in known_by.items():
            running = sum(n for year, n in counts.items() if year < first)
            for year in range(first, last + 1):
                running += counts.get(year, 0)
                if running or region == "":  # Indonesia's rows say which years are stored, even at 0
                    cells["terdaftar", region, "", "", year]["businesses"] = running
    return cells


def replace_report_figures() -> int:
    """Count every cell again and replace the ReportFigure rows (inside the caller's transaction). Returns the
    number of rows."""
    cells = report_figures_compute()
    ReportFigure.objects.all().delete()
    batch = []
    for (facet, region, value, status, year), cell in cells.items():
        figures = {} if facet in ("terdaftar", "tutup") else cell["figures"]
        batch.append(
            ReportFigure(
                facet=facet,
                region=region,
                value=value,
                status=status,
                year=year,
                businesses=cell["businesses"],
                figures=figures,
            )
        )
        if len(batch) >= WRITE_BATCH:
            ReportFigure.objects.bulk_create(batch)
            batch = []
    ReportFigure.objects.bulk_create(batch)
    return len(cells)


# --- reading --------------------------------------------------------------------------------------------------------


def _covers(user, region_code: str) -> bool:
    """Whether `user` (None: full access) may see everything in the region `region_code` ("" for Indonesia): then
    the stored figures, which count everything, are theirs to read."""
    if user is None:
        return True
    scope = scope_for(user)
    return scope.everything or (
        scope.region_code is not None
        and (region_code == scope.region_code or region_code.startswith(f"{scope.region_code}."))
    )


def report_figures_run(*, user, region_code: str):
    """The DirectoryCountRun whose report figures a report of `region_code` ("" for Indonesia) made for `user` may
    read, or None (count live): they hold (stored_counts_hold), the region is a province, a regency or Indonesia, and
    the user's scope covers the whole region (else the report counts only what the user may see, live)."""
    from businesses.selectors import stored_counts_hold
    from businesses.services.directory_counts import latest_run

    if len(region_code) not in (0, 2, 5) or not _covers(user, region_code):
        return None
    if not stored_counts_hold():
        return None
    return latest_run()


def stored_cells(facet: str, *, regions, years, statuses=("",), value: str | None = None) -> dict:
    """{(region, value, year): cell} of `facet` for the regions and years given, the statuses merged."""
    rows = ReportFigure.objects.filter(facet=facet, region__in=list(regions), status__in=statuses)
    rows = rows.filter(year__in=list(years))
    if value is not None:
        rows = rows.filter(value=value)
    found: dict[tuple, dict] = {}
    for region, row_value, year, businesses, figures in rows.values_list(
        "region", "value", "year", "businesses", "figures"
    ):
        cell = {"businesses": businesses, "figures": {figure: figures.get(figure, [0, 0, 0, 0]) for figure in FIGURES}}
        key = (region, row_value, year)
        found[key] = merge(found[key], cell) if key in found else cell
    return found


def stored_years(facet: str = "terdaftar") -> set[int]:
    """The years for which `facet` is stored (terdaftar: kept for Indonesia for every stored year)."""
    return set(ReportFigure.objects.filter(facet=facet, region="").values_list("year", flat=True))


def stored_status_counts(*, user, region_code: str, statuses, length: int) -> dict[str, int] | None:
    """{region prefix: businesses of `statuses`} for `region_code` and every region below it down to code length
    `length` (at most a kecamatan's), from the stored directory counts (facet "status"); None when they do not hold
    for this user and region (the caller counts live). A certification target "all IKM" of a province reads its
    goal per regency here instead of counting a province's businesses on each report."""
    from businesses.selectors import stored_counts_hold

    if length > 8 or not _covers(user, region_code) or not stored_counts_hold():
        return None
    from businesses.models import DirectoryCount

    rows = DirectoryCount.objects.filter(kbli="", facet="status", value__in=list(statuses))
    if region_code:
        rows = rows.filter(region__startswith=region_code)
    counts: dict[str, int] = defaultdict(int)
    for region, n in rows.values_list("region", "count"):
        if region and len(region) <= length and (region == region_code or region.startswith(f"{region_code}.")):
            counts[region] += n
    return dict(counts)
