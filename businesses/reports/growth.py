"""Pertumbuhan IKM: businesses per data year over a range of years, per kecamatan (or regency, or desa), with the
growth year on year. Made from the admin "Laporan" page or `manage.py render_report pertumbuhan --region CODE
--year-from YYYY --year-to YYYY`.

Definitions (also printed in the report's footnote). The businesses counted are those with status verified, published
or inactive (GROWTH_STATUSES: real businesses that were checked; inactive ones have closed). For a data year Y:

- terdaftar (registered): counted businesses known to exist in or before Y — founded (year_founded) in or before Y,
  or with yearly figures (a BusinessYear row) for Y or an earlier year; the earlier of the two counts. A business
  that closed stays registered. A business with neither a founding year nor any yearly figures is not counted.
- aktif (active): counted businesses with yearly figures for Y (the pendataan tahunan found them operating).
- tutup (closed): inactive businesses whose last yearly figures are for Y − 1 (they stopped reporting after it).
- tenaga kerja (workforce): the workforce (L + P) of the active businesses in Y.
- pertumbuhan (growth) in Y: (value in Y − value in Y − 1) / value in Y − 1 × 100 %, for active businesses and for
  the workforce; the first year of the range is compared with the year before it. A dash when the previous value
  is 0. The last column compares the last year of the range with the first: (to − from) / from × 100 %.
- tidak ada data (no data): a year for which no counted business of the region has yearly figures (no pendataan,
  or not entered yet): its active and closed businesses and its workforce are "no data", not 0, and a growth from
  or to it is a dash; the chart's line has a gap there. Registered businesses are still counted (founding years).

The form offers the range of years that have figures (data_years), not the last five years blindly.
"""

from __future__ import annotations

from collections import defaultdict

from django import forms
from django.db.models import Count, IntegerField, Max, Min, OuterRef, Subquery
from django.db.models.functions import Coalesce, Least, Left
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from businesses import rules
from businesses.choices import BusinessStatus
from businesses.models import Business, BusinessYear, ReportFigure
from businesses.reports.rekap import (
    CHILD_HEADING,
    NationalReportForm,
    child_length,
    child_regions,
    counted_at,
    region_title,
)
from businesses.selectors import staff_region
from businesses.services.report_figures import (
    add_business,
    cell_discloses,
    figure_sum,
    merge,
    new_cell,
    report_figures_run,
    stored_cells,
    stored_years,
)
from businesses.validators import EARLIEST_YEAR
from ikm_registry.models import Region
from ikm_registry.reports import Disclosure, Report, register
from ikm_registry.reports.charts import line_chart
from ikm_registry.reports.formatting import EMPTY, number

GROWTH_STATUSES = (BusinessStatus.VERIFIED, BusinessStatus.PUBLISHED, BusinessStatus.INACTIVE)
MEASURES = ("registered", "active", "closed", "workforce")
# Measures counted from the yearly figures: in a year without any, "no data" rather than 0.
FROM_FIGURES = ("active", "closed", "workforce")
NO_DATA = gettext_lazy("tidak ada data")
MAX_YEARS = 15
WIDE_FROM = 8  # more years than this: a smaller font and narrower year columns (15 years fit a landscape page)


def percent(value: float | None) -> str:
    """5.8123 → "5,8 %" (Indonesian decimal comma); None → "–"."""
    return EMPTY if value is None else f"{number(round(value, 1), 1)} %"


def growth(previous: int, current: int) -> float | None:
    """Growth from `previous` to `current` in percent; None when `previous` is 0 (no base to grow from)."""
    if not previous:
        return None
    return (current - previous) / previous * 100


def data_years(user) -> tuple[int, int] | None:
    """The first and last data year with figures of the counted businesses `user` may see (None: none yet), the
    last MAX_YEARS of them at most: the range the form offers."""
    bounds = _stored_data_years(user)
    if bounds is None:
        found = BusinessYear.objects.filter(business__status__in=GROWTH_STATUSES).restrict(user)
        bounds = found.aggregate(first=Min("year"), last=Max("year"))
    if bounds["last"] is None:
        return None
    return max(bounds["first"], bounds["last"] - MAX_YEARS + 1), bounds["last"]


def _stored_data_years(user) -> dict | None:
    """{first, last} data year of the counted businesses of the user's whole scope from the stored report figures
    (a few hundred rows), when they hold for it; else None (the caller reads every yearly row in the scope: 0.4 s at
    1,000,000 businesses). Indonesia's per KBLI division, a province's or regency's per region."""
    region = staff_region(user) if user is not None else ""
    if region is None or report_figures_run(user=user, region_code=region) is None:
        return None
    facet = "kbli" if region == "" else "wilayah"
    rows = ReportFigure.objects.filter(facet=facet, region=region, status__in=("", "inactive"))
    return rows.aggregate(first=Min("year"), last=Max("year"))


class GrowthForm(NationalReportForm):
    year_from = forms.IntegerField(
        label=gettext_lazy("Dari tahun"),
        min_value=EARLIEST_YEAR,
        initial=lambda: timezone.localdate().year - 5,
        widget=forms.NumberInput(attrs={"class": "w-6em"}),
    )
    year_to = forms.IntegerField(
        label=gettext_lazy("Sampai tahun"),
        min_value=EARLIEST_YEAR,
        initial=lambda: timezone.localdate().year - 1,
        widget=forms.NumberInput(attrs={"class": "w-6em"}),
    )

    def __init__(self, data=None, *args, user=None, **kwargs):
        super().__init__(data, *args, user=user, **kwargs)
        if data is None and user is not None:  # the years that have figures, not five years back blindly
            years = data_years(user)
            if years is not None:
                self.fields["year_from"].initial, self.fields["year_to"].initial = years

    def _not_future(self, name):
        year = self.cleaned_data[name]
        if year > timezone.localdate().year:
            raise forms.ValidationError(_("Tahun data tidak boleh setelah tahun ini."))
        return year

    def clean_year_from(self):
        return self._not_future("year_from")

    def clean_year_to(self):
        return self._not_future("year_to")

    def clean(self):
        cleaned = super().clean()
        year_from, year_to = cleaned.get("year_from"), cleaned.get("year_to")
        if year_from is None or year_to is None:
            return cleaned
        if year_from > year_to:
            raise forms.ValidationError(_("Tahun awal tidak boleh setelah tahun akhir."))
        if year_to - year_from + 1 > MAX_YEARS:
            raise forms.ValidationError(
                _("Rentang paling banyak %(max)s tahun.") % {"max": MAX_YEARS}, code="range_too_long"
            )
        return cleaned

    def describe(self):
        described = [
            pair for pair in super().describe() if pair[0] not in (self["year_from"].label, self["year_to"].label)
        ]
        described.append((str(_("Tahun data")), f"{self.cleaned_data['year_from']}–{self.cleaned_data['year_to']}"))
        return described


def growth_rows(*, region: Region | None, year_from: int, year_to: int, user):
    """The yearly figures of the counted businesses in `region` (None: Indonesia) that `user` (None: full access) may
    see, from the year before `year_from` (the base of the first year's growth) to `year_to`."""
    rows = BusinessYear.objects.filter(business__status__in=GROWTH_STATUSES, year__range=(year_from - 1, year_to))
    if region is not None:
        rows = rows.in_region(region.code)
    return rows.restrict(user)


def growth_cells(*, region: Region | None, year_from: int, year_to: int, user) -> tuple[dict, object]:
    """The pertumbuhan's numbers per (child region code, year) from year_from − 1 to year_to: {"active": {key: cell}
    (report_figures cells of the businesses with figures, for their workforce), "registered": {key: n}, "closed":
    {key: n}}, and the DirectoryCountRun they were stored by (None: counted live now).

    From the stored report figures when they hold for this region, user and these years, else live: three grouped
    queries over the region's businesses and yearly rows (see the module docstring for what each measure counts)."""
    code = region.code if region is not None else ""
    years = range(year_from - 1, year_to + 1)
    run = report_figures_run(user=user, region_code=code)
    if run is not None and set(years) <= stored_years():
        children = [child.code for child in child_regions(region)]
        active = {
            (child, year): cell
            for (child, _value, year), cell in stored_cells(
                "wilayah", regions=children, years=years, statuses=("", "inactive")
            ).items()
        }
        registered = {
            (child, year): cell["businesses"]
            for (child, _value, year), cell in stored_cells("terdaftar", regions=children, years=years).items()
        }
        closed = {
            (child, year + 1): cell["businesses"]
            for (child, _value, year), cell in stored_cells(
                "tutup", regions=children, years=range(year_from - 1, year_to)
            ).items()
        }
        return {"active": active, "registered": registered, "closed": closed}, run

    length = child_length(region)
    rows = growth_rows(region=region, year_from=year_from, year_to=year_to, user=user)
    active: dict = defaultdict(new_cell)
    values = rows.values_list(Left("business__village_id", length), "year", "workforce_total").order_by()
    for child, year, workforce in values.iterator(chunk_size=2000):
        add_business(active[child, year], [None, None, workforce, None, None])

    # Registered: grouped by the year a business is first known (founded or first figures, the earlier); summed
    # up to each year below.
    businesses = Business.objects.filter(status__in=GROWTH_STATUSES)
    if region is not None:
        businesses = businesses.in_region(region.code)
    if user is not None:
        businesses = businesses.restrict(user)
    first_figures = Subquery(
        BusinessYear.objects.filter(business=OuterRef("pk")).order_by("year").values("year")[:1],
        output_field=IntegerField(),
    )
    # PostgreSQL's LEAST skips NULLs, SQLite's MIN() returns NULL: the Coalesce makes both give the known one.
    known = (
        businesses.annotate(first_figures=first_figures)
        .annotate(known=Coalesce(Least("year_founded", "first_figures"), "year_founded", "first_figures"))
        .filter(known__lte=year_to)
        .annotate(child=Left("village_id", length))
        .values("child", "known")
        .annotate(n=Count("pk"))
        .order_by()
    )
    registered: dict = defaultdict(int)
    for row in known:
        for year in years:
            if row["known"] <= year:
                registered[row["child"], year] += row["n"]

    # Closed in Y: inactive businesses whose last figures are for Y − 1 (no later row).
    last_rows = (
        rows.filter(business__status=BusinessStatus.INACTIVE, year__lt=year_to)
        .filter(rules.is_latest_year())
        .annotate(child=Left("business__village_id", length))
        .values("child", "year")
        .annotate(n=Count("pk"))
        .order_by()
    )
    closed = {(row["child"], row["year"] + 1): row["n"] for row in last_rows}
    return {"active": dict(active), "registered": dict(registered), "closed": closed}, None


def growth_discloses(cells: dict, children, years) -> bool:
    """Whether the report gives a business's own figure away: a workforce (of a region row or the totals, in a year
    of the range or the year before it, on which the first growth rests) that fewer than STATISTICS_MIN_BUSINESSES
    businesses make up or that one business dominates — the rules of the public statistics, read from the cells."""
    for year in years:
        total = new_cell()
        for child in children:
            cell = cells["active"].get((child, year))
            if cell is None:
                continue
            if cell_discloses(cell, ("workforce_total",)):
                return True
            merge(total, cell)
        if cell_discloses(total, ("workforce_total",)):
            return True
    return False


def growth_figures(*, region: Region | None, year_from: int, year_to: int, user, cells: dict | None = None) -> dict:
    """Registered, active and closed businesses and the workforce per data year from `year_from` to `year_to`, per
    region one level below `region` (None: Indonesia, per province). See the module docstring for the definitions.
    `user` (None: full access) limits the businesses to what that user may see. From `cells` (growth_cells) when
    given.

    Returns {"years": [...], "children": [{"code", "label", "registered": {year: n}, "active": ..., "closed": ...,
    "workforce": ...}], "totals": {same measures}, "individual": whether a workforce printed is a business's own};
    each measure also holds year_from − 1 (the base of the first year's growth).
    """
    if cells is None:
        cells, _run = growth_cells(region=region, year_from=year_from, year_to=year_to, user=user)
    years = list(range(year_from - 1, year_to + 1))
    children = {
        child.code: {"code": child.code, "label": child.name, **{m: dict.fromkeys(years, 0) for m in MEASURES}}
        for child in child_regions(region)
    }
    for code, child in children.items():
        for year in years:
            cell = cells["active"].get((code, year))
            if cell is not None:
                child["active"][year] = cell["businesses"]
                child["workforce"][year] = figure_sum(cell, "workforce_total") or 0
            child["registered"][year] = cells["registered"].get((code, year), 0)
            child["closed"][year] = cells["closed"].get((code, year), 0)

    totals = {m: {year: sum(child[m][year] for child in children.values()) for year in years} for m in MEASURES}
    # A year without any yearly figures in the region (no pendataan, or not entered yet) has no active businesses,
    # closures or workforce to count: those are "no data", not zero.
    with_figures = {year for year in years if totals["active"][year]}
    return {
        "years": years[1:],
        "base_year": years[0],
        "children": list(children.values()),
        "totals": totals,
        "with_figures": with_figures,
        "individual": growth_discloses(cells, children, years),
    }


def _matrix_row(label, values: dict, years: list[int], *, kind: str, with_figures=None) -> dict:
    """One table row: `kind` "count" (numbers, last column growth over the range), "sum" (numbers, last column their
    sum) or "growth" (percent year on year, last column growth over the range). `with_figures`: the years that have
    yearly figures, for a measure made of them (None: a measure that does not need them, e.g. registered); a year
    without is NO_DATA, and a growth from or to it a dash."""

    def known(year):
        return with_figures is None or year in with_figures

    def grew(before, after):
        return percent(growth(values[before], values[after])) if known(before) and known(after) else EMPTY

    first, last, no_data = years[0], years[-1], str(NO_DATA)
    if kind == "growth":
        cells = [grew(year - 1, year) if known(year) else no_data for year in years]
    else:
        cells = [number(values[year]) if known(year) else no_data for year in years]
    if kind == "sum":
        closing = number(sum(values[year] for year in years if known(year)))
    else:
        closing = grew(first, last)
    return {"label": label, "cells": cells, "groups": cell_groups(cells, no_data), "last": closing}


def cell_groups(cells: list[str], no_data: str) -> list[dict]:
    """The cells of a row for the table: consecutive years without data as one cell spanning them ("tidak ada data"
    written once, readable however narrow the year columns), the others one each."""
    groups: list[dict] = []
    for cell in cells:
        if cell == no_data and groups and groups[-1]["no_data"]:
            groups[-1]["span"] += 1
        else:
            groups.append({"text": cell, "span": 1, "no_data": cell == no_data})
    return groups


@register
class GrowthReport(Report):
    """Pertumbuhan IKM: registered, active and closed businesses and the workforce per year, per region below the
    chosen one, with growth year on year and over the range (definitions in the module docstring)."""

    name = "pertumbuhan"
    title = gettext_lazy("Pertumbuhan IKM")
    description = gettext_lazy(
        "IKM terdaftar, aktif dan tutup serta tenaga kerja per tahun data dan per wilayah, dengan pertumbuhan "
        "tahun ke tahun (paling banyak 15 tahun)."
    )
    form_class = GrowthForm
    template_name = "reports/pertumbuhan.html"
    landscape = True

    def get_title(self, *, params):
        region = params["region"]
        name = region_title(region)
        year_from, year_to = params["year_from"], params["year_to"]
        if year_from == year_to:
            return _("Pertumbuhan IKM %(region)s Tahun %(year)s") % {"region": name, "year": year_to}
        return _("Pertumbuhan IKM %(region)s Tahun %(from)s–%(to)s") % {
            "region": name,
            "from": year_from,
            "to": year_to,
        }

    def get_context(self, *, user, params):
        region, year_from, year_to = params["region"], params["year_from"], params["year_to"]
        cells, run = growth_cells(region=region, year_from=year_from, year_to=year_to, user=user)
        figures = growth_figures(region=region, year_from=year_from, year_to=year_to, user=user, cells=cells)
        years, totals, with_figures = figures["years"], figures["totals"], figures["with_figures"]
        child_heading = CHILD_HEADING[region.level if region is not None else None]
        level = str(child_heading).lower()
        no_data = str(NO_DATA)

        def counted(measure, year):
            return number(totals[measure][year]) if year in with_figures else no_data

        def grew(measure, year):
            if year not in with_figures:
                return no_data
            if year - 1 not in with_figures:
                return EMPTY
            return percent(growth(totals[measure][year - 1], totals[measure][year]))

        summary = [
            {
                "year": year,
                "registered": number(totals["registered"][year]),
                "active": counted("active", year),
                "closed": counted("closed", year),
                "active_growth": grew("active", year),
                "workforce": counted("workforce", year),
                "workforce_growth": grew("workforce", year),
            }
            for year in years
        ]
        growth_heading = _("Pertumbuhan %(range)s") % {"range": f"{year_from}–{year_to}"}
        specs = [
            ("registered", "count", _("IKM terdaftar per %(level)s"), growth_heading),
            ("active", "count", _("IKM aktif per %(level)s"), growth_heading),
            ("active", "growth", _("Pertumbuhan IKM aktif per %(level)s (%%, tahun ke tahun)"), growth_heading),
            ("closed", "sum", _("IKM tutup per %(level)s"), _("Jumlah")),
            ("workforce", "count", _("Tenaga kerja IKM aktif per %(level)s (orang)"), growth_heading),
            ("workforce", "growth", _("Pertumbuhan tenaga kerja per %(level)s (%%, tahun ke tahun)"), growth_heading),
        ]

        def needs(measure):
            return with_figures if measure in FROM_FIGURES else None

        tables = [
            {
                "title": f"{chr(ord('B') + index)}. {title % {'level': level}}",
                "last_heading": last_heading,
                "rows": [
                    _matrix_row(c["label"], c[measure], years, kind=kind, with_figures=needs(measure))
                    for c in figures["children"]
                ],
                "total": _matrix_row(_("Jumlah"), totals[measure], years, kind=kind, with_figures=needs(measure)),
            }
            for index, (measure, kind, title, last_heading) in enumerate(specs)
        ]
        # Closed businesses stay out of the chart: a few per year along the axis only hide the year labels.
        registered_label = _("IKM terdaftar")
        chart = line_chart(
            [str(year) for year in years],
            {
                # a year without figures is a gap in the line, not a fall to zero
                _("IKM aktif"): [totals["active"][year] if year in with_figures else None for year in years],
                registered_label: [totals["registered"][year] for year in years],  # dashed, on top: both stay visible
            },
            title=_("Jumlah IKM per tahun"),
            dashed=(registered_label,),
        )
        return {
            "figures": figures,
            "region": region,
            "years": years,
            "year_from": year_from,
            "year_to": year_to,
            "base_year": figures["base_year"],
            "summary": summary,
            "tables": tables,
            "child_heading": child_heading,
            "chart": chart,
            "wide": len(years) > WIDE_FROM,
            # Few years: a table only as wide as its columns (No., name, years, last), not stretched across the page.
            "table_width": f"{min(9 + 60 + 20 * len(years) + 30, 264)}mm" if len(years) <= WIDE_FROM else "100%",
            "individual": figures["individual"],
            "counted_at": counted_at(run, region=region),
            "no_data": no_data,
            "years_without_figures": [year for year in years if year not in with_figures],
        }

    def disclosure(self, context):
        """No names; counts and the workforce per group and year. A workforce of too few active businesses, or one
        that one business dominates, is theirs (growth_discloses): then the file holds individual data and is
        logged."""
        figures = context["figures"]
        registered = figures["totals"]["registered"][figures["years"][-1]]
        return Disclosure(personal_data=False, individual_data=context["individual"], row_count=registered)
