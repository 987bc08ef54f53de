"""Rekapitulasi IKM: per kecamatan (or regency), KBLI division and subsector, for a region and data year. Made from the admin "Laporan"
page or `manage.py render_report`."""

from __future__ import annotations

from collections import defaultdict

from django import forms
from django.db.models import Count, Sum
from django.db.models.functions import Substr
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from businesses.choices import BusinessStatus
from businesses.models import BusinessYear
from businesses.services.statistics import sum_discloses
from businesses.validators import EARLIEST_YEAR
from ikm_registry.choices import RegionLevel
from ikm_registry.models import CreativeSubsector, Kbli, Region
from ikm_registry.reports import Disclosure, Report, ReportForm, register
from ikm_registry.reports.charts import bar_chart

# The rekap counts businesses that are real and checked: verified or published, with figures for the year.
REKAP_STATUSES = (BusinessStatus.VERIFIED, BusinessStatus.PUBLISHED)

# Per region of the report's level, the rows go one level down: province → regencies → kecamatan → desa.
CHILD_PATH = {
    RegionLevel.PROVINCE: "business__village__parent__parent",
    RegionLevel.REGENCY: "business__village__parent",
    RegionLevel.DISTRICT: "business__village",
}
CHILD_HEADING = {
    RegionLevel.PROVINCE: gettext_lazy("Kabupaten/kota"),
    RegionLevel.REGENCY: gettext_lazy("Kecamatan"),
    RegionLevel.DISTRICT: gettext_lazy("Desa/kelurahan"),
}

FIGURES = {
    "ikm": Count("pk"),
    "male": Sum("workforce_male"),
    "female": Sum("workforce_female"),
    "workforce": Sum("workforce_total"),
    "investment": Sum("investment"),
    "production": Sum("production_value"),
}
ZERO = dict.fromkeys(FIGURES, 0)
# The yearly figures whose sums a rekap prints (the number of businesses is no one's figure).
PRINTED_FIGURES = ("workforce_male", "workforce_female", "workforce_total", "investment", "production_value")


def default_year() -> int:
    return timezone.localdate().year - 1


class RekapForm(ReportForm):
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


def rekap_rows(*, region: Region, year: int, user):
    """The yearly figures a rekap of `region` for data `year` counts: of verified or published businesses, those
    `user` (None: full access) may see."""
    rows = BusinessYear.objects.filter(year=year, business__status__in=REKAP_STATUSES).in_region(region.code)
    return rows.restrict(user)


def rekap_discloses(*, region: Region, year: int, user) -> bool:
    """Whether the rekap of `region` for `year` gives a business's own figures away: a printed sum (workforce,
    investment, production value) of a region, KBLI division or subsector row, or of the totals, that fewer than
    STATISTICS_MIN_BUSINESSES businesses reported (an empty figure is not reported) or that fails the p% dominance
    rule — the rules of the public statistics (businesses.services.statistics.sum_discloses). One query: the figures
    of every business counted."""
    rows = rekap_rows(region=region, year=year, user=user).values_list(
        CHILD_PATH[region.level], "business__kbli_id", "business__subsector", *PRINTED_FIGURES
    )
    sums = defaultdict(list)  # (table, row, figure) → the figure of each business in that row
    for child, kbli, subsector, *values in rows.order_by().iterator(chunk_size=2000):
        groups = (("regions", child), ("divisions", kbli[:2] if kbli else None), ("subsectors", subsector), ("totals",))
        for group in groups:
            for figure, value in zip(PRINTED_FIGURES, values, strict=True):
                sums[(*group, figure)].append(value)
    return any(sum_discloses(values) for values in sums.values())


def rekap_figures(*, region: Region, year: int, user) -> dict:
    """The rekapitulasi of `region` for data `year`, aggregated in the database: one grouped query per table.

    Counts businesses with status verified or published that have figures (a BusinessYear row) for `year`;
    `user` (None: full access) limits the rows to what that user may see.
    """
    rows = rekap_rows(region=region, year=year, user=user)
    child_path = CHILD_PATH[region.level]
    by_child = {row[child_path]: row for row in rows.values(child_path).annotate(**FIGURES).order_by()}
    regions = [
        {"label": child.name, "code": child.code, **{k: by_child.get(child.code, ZERO)[k] for k in FIGURES}}
        for child in Region.objects.filter(parent=region).order_by("code")
    ]

    by_division = list(
        rows.annotate(division=Substr("business__kbli_id", 1, 2)).values("division").annotate(**FIGURES).order_by()
    )
    titles = dict(Kbli.objects.filter(code__in=[row["division"] for row in by_division]).values_list("code", "title"))
    divisions = sorted(
        ({"label": titles.get(row["division"], ""), "code": row["division"], **row} for row in by_division),
        key=lambda row: row["code"],
    )

    by_subsector = list(rows.values("business__subsector").annotate(**FIGURES).order_by())
    names = {
        s.code: str(s)
        for s in CreativeSubsector.objects.filter(code__in=[r["business__subsector"] for r in by_subsector])
    }
    subsectors = sorted(
        (
            {"label": names.get(row["business__subsector"]) or _("Bukan subsektor ekonomi kreatif"), **row}
            for row in by_subsector
        ),
        key=lambda row: (row["business__subsector"] is None, row["label"]),
    )

    totals = {**ZERO, **{k: v for k, v in rows.aggregate(**FIGURES).items() if v is not None}}
    return {"regions": regions, "divisions": divisions, "subsectors": subsectors, "totals": totals}


def region_title(region: Region) -> str:
    """A region as a report title names it: 'Kabupaten Badung' or 'Kecamatan Kuta' (a kecamatan's bare name is ambiguous)."""
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
        figures = rekap_figures(region=region, year=year, user=user)
        child_heading = CHILD_HEADING[region.level]
        chart = bar_chart(
            [row["label"] for row in figures["regions"]],
            [row["ikm"] for row in figures["regions"]],
            title=_("Jumlah IKM per %(level)s") % {"level": str(child_heading).lower()},
        )
        individual = rekap_discloses(region=region, year=year, user=user)
        return {
            **figures,
            "region": region,
            "year": year,
            "child_heading": child_heading,
            "chart": chart,
            "individual": individual,
        }

    def disclosure(self, context):
        """No names; sums per group. A printed sum that fewer businesses reported than the public statistics sum
        over, or that one business dominates, is theirs (rekap_discloses): then the file holds individual data and
        is logged."""
        return Disclosure(
            personal_data=False, individual_data=context["individual"], row_count=context["totals"]["ikm"] or 0
        )
