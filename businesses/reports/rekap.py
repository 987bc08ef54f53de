"""Rekapitulasi IKM: per kecamatan (or regency), KBLI division and subsector, for a region and data year. Made from the admin "Laporan"
page or `manage.py render_report`."""

from __future__ import annotations

from collections import defaultdict

from django import forms
from django.db.models.functions import Left
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from businesses.choices import BusinessStatus
from businesses.models import BusinessYear
from businesses.services.report_figures import (
    CHILD_LENGTH,
    add_business,
    cell_discloses,
    figure_sum,
    merge,
    new_cell,
    report_figures_run,
    stored_cells,
)
from businesses.validators import EARLIEST_YEAR
from ikm_registry.choices import RegionLevel
from ikm_registry.models import CreativeSubsector, Kbli, Region
from ikm_registry.reports import Disclosure, Report, ReportForm, register
from ikm_registry.reports.charts import bar_charts, page_chart_height
from ikm_registry.scoping import scope_for
from ikm_registry.zones import local_moment, region_zone

# The rekap counts businesses that are real and checked: verified or published, with figures for the year.
REKAP_STATUSES = (BusinessStatus.VERIFIED, BusinessStatus.PUBLISHED)

# Per region of the report's level, the rows go one level down: Indonesia → provinces → regencies → kecamatan → desa.
CHILD_HEADING = {
    None: gettext_lazy("Provinsi"),
    RegionLevel.PROVINCE: gettext_lazy("Kabupaten/kota"),
    RegionLevel.REGENCY: gettext_lazy("Kecamatan"),
    RegionLevel.DISTRICT: gettext_lazy("Desa/kelurahan"),
}

# The figures of a table row and the yearly figure each sums.
FIGURE_OF = {
    "male": "workforce_male",
    "female": "workforce_female",
    "workforce": "workforce_total",
    "investment": "investment",
    "production": "production_value",
}
ZERO = dict.fromkeys(("ikm", *FIGURE_OF), 0)
# The yearly figures whose sums a rekap prints (the number of businesses is no one's figure).
PRINTED_FIGURES = tuple(FIGURE_OF.values())


def default_year() -> int:
    return timezone.localdate().year - 1


class NationalReportForm(ReportForm):
    """A report of a region or, for those whose scope is the whole country (national staff, superusers, the command
    without --user), of Indonesia: the region may be left empty."""

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, user=user, **kwargs)
        if scope_for(user).everything:
            self.fields["region"].required = False
            self.fields["region"].empty_label = _("Seluruh Indonesia")
            self.fields["region"].help_text = _(
                "Provinsi, kabupaten/kota atau kecamatan; kosongkan untuk seluruh Indonesia (per provinsi)."
            )

    def describe(self):
        described = super().describe()
        if "region" in self.cleaned_data and self.cleaned_data["region"] is None:
            described.insert(0, (str(self.fields["region"].label), str(_("Seluruh Indonesia"))))
        return described


class RekapForm(NationalReportForm):
    year = forms.IntegerField(
        label=gettext_lazy("Tahun data"),
        min_value=EARLIEST_YEAR,
        initial=default_year,
        widget=forms.NumberInput(attrs={"class": "w-6em"}),
    )

    def clean_year(self):
        year = self.cleaned_data["year"]
        if year > timezone.localdate().year:
            raise forms.ValidationError(_("Tahun data tidak boleh setelah tahun ini."))
        return year


def child_length(region: Region | None) -> int:
    """The code length of the rows of a report of `region` (None: Indonesia): one level down."""
    return CHILD_LENGTH[len(region.code) if region is not None else 0]


def child_regions(region: Region | None):
    """The regions one level below `region` (None: the provinces), in code order."""
    if region is None:
        return Region.objects.filter(level=RegionLevel.PROVINCE).order_by("code")
    return Region.objects.filter(parent=region).order_by("code")


def rekap_rows(*, region: Region | None, year: int, user):
    """The yearly figures a rekap of `region` (None: Indonesia) for data `year` counts: of verified or published
    businesses, those `user` (None: full access) may see."""
    rows = BusinessYear.objects.filter(year=year, business__status__in=REKAP_STATUSES)
    if region is not None:
        rows = rows.in_region(region.code)
    return rows.restrict(user)


def rekap_cells(*, region: Region | None, year: int, user) -> tuple[dict, object]:
    """The rekap's cells (report_figures cells: businesses and per figure [reported, sum, largest, second]) by table:
    {"regions": {child code: cell}, "divisions": {division: cell}, "subsectors": {subsector or None: cell},
    "totals": cell}, and the DirectoryCountRun they were stored by (None: counted live now).

    From the stored report figures when they hold for this region and user (a few hundred rows), else live: one pass
    over the yearly rows of the region."""
    code = region.code if region is not None else ""
    run = report_figures_run(user=user, region_code=code)
    if run is not None:
        children = [child.code for child in child_regions(region)]
        regions = {key[0]: cell for key, cell in stored_cells("wilayah", regions=children, years=[year]).items()}
        divisions = {key[1]: cell for key, cell in stored_cells("kbli", regions=[code], years=[year]).items()}
        subsectors = {
            key[1] or None: cell for key, cell in stored_cells("subsektor", regions=[code], years=[year]).items()
        }
        totals = new_cell()
        for cell in regions.values():
            merge(totals, cell)
        return {"regions": regions, "divisions": divisions, "subsectors": subsectors, "totals": totals}, run

    cells = {"regions": defaultdict(new_cell), "divisions": defaultdict(new_cell), "subsectors": defaultdict(new_cell)}
    totals = new_cell()
    rows = rekap_rows(region=region, year=year, user=user).values_list(
        Left("business__village_id", child_length(region)),
        Left("business__kbli_id", 2),
        "business__subsector",
        *PRINTED_FIGURES,
    )
    for child, division, subsector, *values in rows.order_by().iterator(chunk_size=2000):
        add_business(cells["regions"][child], values)
        add_business(cells["divisions"][division], values)
        add_business(cells["subsectors"][subsector], values)
        add_business(totals, values)
    return {**{table: dict(found) for table, found in cells.items()}, "totals": totals}, None


def _figure_row(cell: dict | None) -> dict:
    """A table row's numbers from a cell: the businesses and the sum of each figure (None: nobody reported it; a
    region without any business: zeros)."""
    if cell is None:
        return dict(ZERO)
    return {"ikm": cell["businesses"], **{key: figure_sum(cell, figure) for key, figure in FIGURE_OF.items()}}


def rekap_discloses(cells: dict) -> bool:
    """Whether the rekap gives a business's own figures away: a printed sum (workforce, investment, production value)
    of a region, KBLI division or subsector row, or of the totals, that fewer than STATISTICS_MIN_BUSINESSES
    businesses reported (an empty figure is not reported) or that fails the p% dominance rule — the rules of the
    public statistics, read from the cells (businesses.services.report_figures.cell_discloses)."""
    tables = (cells["regions"], cells["divisions"], cells["subsectors"])
    return cell_discloses(cells["totals"]) or any(cell_discloses(cell) for table in tables for cell in table.values())


def rekap_figures(*, region: Region | None, year: int, user, cells: dict | None = None) -> dict:
    """The rekapitulasi of `region` (None: Indonesia, per province) for data `year`: the businesses with status
    verified or published that have figures (a BusinessYear row) for `year`, per region one level down, KBLI division
    and creative subsector, with their sums. `user` (None: full access) limits the rows to what that user may see.
    From `cells` (rekap_cells) when given."""
    if cells is None:
        cells, _run = rekap_cells(region=region, year=year, user=user)
    regions = [
        {"label": child.name, "code": child.code, **_figure_row(cells["regions"].get(child.code))}
        for child in child_regions(region)
    ]
    titles = dict(Kbli.objects.filter(code__in=list(cells["divisions"])).values_list("code", "title"))
    divisions = sorted(
        (
            {"label": titles.get(division, ""), "code": division, "division": division, **_figure_row(cell)}
            for division, cell in cells["divisions"].items()
        ),
        key=lambda row: row["code"],
    )
    names = {s.code: str(s) for s in CreativeSubsector.objects.filter(code__in=[c for c in cells["subsectors"] if c])}
    subsectors = sorted(
        (
            {
                "label": names.get(subsector) or _("Bukan subsektor ekonomi kreatif"),
                "business__subsector": subsector,
                **_figure_row(cell),
            }
            for subsector, cell in cells["subsectors"].items()
        ),
        key=lambda row: (row["business__subsector"] is None, row["label"]),
    )
    totals = {**ZERO, **{k: v for k, v in _figure_row(cells["totals"]).items() if v is not None}}
    return {"regions": regions, "divisions": divisions, "subsectors": subsectors, "totals": totals}


def counted_at(run, *, region: Region | None) -> str:
    """When stored figures older than the data were counted, as the report's note says it ("1 Desember 2026 pukul
    10.20 WITA"); "" when the figures are of the current data (counted live, or stored from the current data)."""
    from ikm_registry.public_cache import public_version
    from ikm_registry.reports.formatting import long_date

    if run is None or run.data_version == public_version():
        return ""
    moment, zone_name = local_moment(run.computed_at, region_zone(region.code if region is not None else None))
    return _("%(date)s pukul %(time)s %(zone)s") % {
        "date": long_date(moment.date()),
        "time": moment.strftime("%H.%M"),
        "zone": zone_name,
    }


def region_title(region: Region | None) -> str:
    """A region as a report title names it: 'Kabupaten Badung' or 'Kecamatan Kuta' (a kecamatan's bare name is
    ambiguous); None: 'Indonesia'."""
    if region is None:
        return _("Indonesia")
    return _("Kecamatan %(name)s") % {"name": region.name} if region.level == RegionLevel.DISTRICT else region.name


@register
class RekapReport(Report):
    """Rekapitulasi IKM: per region below the chosen one, per KBLI division and per creative subsector."""

    name = "rekap"
    title = gettext_lazy("Rekapitulasi IKM")
    description = gettext_lazy(
        "Jumlah IKM, tenaga kerja, investasi dan nilai produksi per wilayah, golongan pokok KBLI dan subsektor "
        "ekonomi kreatif (IKM terverifikasi dan terbit dengan data tahun tersebut)."
    )
    form_class = RekapForm
    template_name = "reports/rekap.html"
    landscape = True

    def get_title(self, *, params):
        region = params["region"]
        return _("Rekapitulasi IKM %(region)s Tahun %(year)s") % {
            "region": region_title(region),
            "year": params["year"],
        }

    def get_context(self, *, user, params):
        region, year = params["region"], params["year"]
        cells, run = rekap_cells(region=region, year=year, user=user)
        figures = rekap_figures(region=region, year=year, user=user, cells=cells)
        child_heading = CHILD_HEADING[region.level if region is not None else None]
        # In figures a page holds each (38 provinces or regencies in one, a kecamatan's many villages in several).
        charts = bar_charts(
            [row["label"] for row in figures["regions"]],
            [row["ikm"] for row in figures["regions"]],
            title=_("Jumlah IKM per %(level)s") % {"level": str(child_heading).lower()},
            max_height=page_chart_height(landscape=self.landscape),
        )
        return {
            **figures,
            "region": region,
            "year": year,
            "child_heading": child_heading,
            "charts": charts,
            "individual": rekap_discloses(cells),
            "counted_at": counted_at(run, region=region),
        }

    def disclosure(self, context):
        """No names; sums per group. A printed sum that fewer businesses reported than the public statistics sum
        over, or that one business dominates, is theirs (rekap_discloses): then the file holds individual data and
        is logged."""
        return Disclosure(
            personal_data=False, individual_data=context["individual"], row_count=context["totals"]["ikm"] or 0
        )
