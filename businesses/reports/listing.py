"""Daftar IKM: one row per business matching a filter (region and the staff FilterSet of businesses: status, KBLI,
subsector, BPS scale, sentra, completeness, legal form; the business list's filters) — the list officials print
most. A long list is rendered in chunks in parallel (ikm_registry.reports.parallel) and, from the admin, in the
background (ikm_registry.tasks)."""

from __future__ import annotations

import math

from django.conf import settings
from django.db.models import F
from django.template.loader import render_to_string
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from businesses import rules
from businesses.choices import BusinessStatus, ScaleBps
from businesses.filtersets import BusinessStaffFilterSet
from businesses.models import Business
from ikm_registry.reports import Disclosure, Report, ReportForm, register

# Rows per chunk of the parallel renderer: whole pages of one-line rows (27 a page in A4 landscape; the first page,
# under the letterhead, holds 19), so joined chunks leave no half-empty page when no cell wraps.
ROWS_PER_PAGE = 27
FIRST_PAGE_ROWS = 19
CHUNK_PAGES = 12


class DaftarForm(ReportForm):
    """The region, then every filter of the staff FilterSet of businesses (businesses.filtersets), the same the
    business list in the admin offers, except its own region filters (the report's region takes their place)."""

    filterset_class = BusinessStaffFilterSet

    def __init__(self, data=None, *args, user=None, **kwargs):
        if data is not None:
            data = self.filterset_class.canonical_params(data)  # stored jobs and --param from before the FilterSet
        super().__init__(data, *args, user=user, **kwargs)
        self.filterset = self.filterset_class(user=user)
        self.fields.update(self.filterset.form_fields(exclude=self.filterset_class.region_filters))

    def describe(self):
        described = super().describe()
        shown = {}
        for name, field in self.fields.items():
            value = self.cleaned_data.get(name)
            if value not in (None, "") and not hasattr(field, "queryset") and hasattr(field, "choices"):
                shown[str(field.label)] = str(dict(field.choices).get(value, value))
        return [(label, shown.get(label, value)) for label, value in described]


def daftar_rows(*, user, params: dict):
    """The businesses of the list, as dicts, in one query: place, KBLI, owner and the latest year's figures joined or
    annotated. `params`: the report's cleaned form (region and the staff FilterSet's filters). `user` (None: full
    access) limits them to what that user may see."""
    rows = Business.objects.in_region(params["region"].code)
    if user is not None:
        rows = rows.restrict(user)
    rows = BusinessStaffFilterSet(user=user).apply(rows, params)
    rows = rows.annotate(
        latest_year=rules.latest_figure("year"),
        workforce=rules.latest_figure("workforce_total"),
        scale=rules.latest_figure("scale_bps"),
    )
    return rows.order_by("village__parent__name", "village__name", "name", "pk").values(
        "pk",
        "name",
        "main_product",
        "status",
        "latest_year",
        "workforce",
        "scale",
        kbli_code=F("kbli_id"),
        owner_name=F("owner__name"),
        village_name=F("village__name"),
        district_name=F("village__parent__name"),
    )


def row_count(*, user, params) -> int:
    return daftar_rows(user=user, params=params).count()


@register
class DaftarIkmReport(Report):
    """Daftar IKM: the businesses matching a filter, one row each."""

    name = "daftar-ikm"
    title = gettext_lazy("Daftar IKM")
    description = gettext_lazy(
        "Daftar usaha menurut wilayah, KBLI, subsektor, skala, sentra dan status; satu baris per IKM. Daftar panjang "
        "dibuat di latar belakang."
    )
    form_class = DaftarForm
    template_name = "reports/daftar_ikm.html"
    landscape = True
    reports_progress = True  # render_pdf() takes on_progress (the "report" job, ikm_registry.job_kinds)

    def get_title(self, *, params):
        return _("Daftar IKM %(region)s") % {"region": params["region"].name}

    def get_context(self, *, user, params):
        statuses = dict(BusinessStatus.choices)
        scales = dict(ScaleBps.choices)
        rows = []
        for number, row in enumerate(daftar_rows(user=user, params=params).iterator(chunk_size=2000), start=1):
            row["number"] = number
            row["status_label"] = statuses.get(row["status"], row["status"])
            row["scale_label"] = scales.get(row["scale"], "") if row["scale"] else ""
            rows.append(row)
        return {"rows": rows, "part": "only"}

    def disclosure(self, context):
        """Each row names the owner (personal data) and gives the business's workforce (individual figures)."""
        rows = context["rows"]
        return Disclosure(
            personal_data=any(row["owner_name"] for row in rows),
            individual_data=any(row["workforce"] is not None for row in rows),
            row_count=len(rows),
        )

    def needs_background(self, *, user, params) -> bool:
        """Whether the admin should queue this list rather than render it during the request."""
        return row_count(user=user, params=params) > settings.REPORT_BACKGROUND_ROWS

    def render_pdf(self, context, *, on_progress=None, chunk_rows=None, workers=None) -> bytes:
        """Short lists in one WeasyPrint run; long ones in chunks rendered by `workers` processes and joined.
        `on_progress(pages_done, pages_estimated)` reports the chunks as they finish."""
        rows = context["rows"]
        chunk_rows = chunk_rows or ROWS_PER_PAGE * CHUNK_PAGES
        if len(rows) <= chunk_rows:
            from ikm_registry.reports.base import load_weasyprint

            html = render_to_string(self.template_name, context)
            document = load_weasyprint().HTML(string=html, base_url=str(settings.BASE_DIR)).render()
            if on_progress is not None:
                on_progress(len(document.pages), len(document.pages))
            return document.write_pdf()
        return self.render_chunks(context, chunk_rows=chunk_rows, workers=workers, on_progress=on_progress)

    def render_chunks(self, context, *, chunk_rows, workers=None, on_progress=None) -> bytes:
        from ikm_registry.reports.parallel import render_parallel

        rows = context["rows"]
        # The first chunk has the letterhead, so fewer rows: it ends on a page boundary like the others.
        first = max(1, chunk_rows - (ROWS_PER_PAGE - FIRST_PAGE_ROWS))
        bounds = [0, *range(first, len(rows), chunk_rows), len(rows)]
        chunks = []
        for index, (start, end) in enumerate(zip(bounds, bounds[1:], strict=False)):
            part = "first" if index == 0 else "last" if end == len(rows) else "middle"
            chunks.append(render_to_string(self.template_name, {**context, "rows": rows[start:end], "part": part}))

        def page_numbers(first_page, count, total):
            return render_to_string(
                "reports/_page_numbers.html",
                {**context, "first_page": first_page, "pages": range(count), "total": total},
            )

        def progress(chunks_done, pages_done):
            if on_progress is not None:
                rows_done = bounds[chunks_done] if chunks_done < len(bounds) else len(rows)
                estimate = max(pages_done, math.ceil(pages_done * len(rows) / max(rows_done, 1)))
                on_progress(pages_done, estimate)

        pdf, pages = render_parallel(
            chunks,
            page_numbers=page_numbers,
            base_url=str(settings.BASE_DIR),
            workers=workers or settings.REPORT_WORKERS,
            on_progress=progress,
        )
        if on_progress is not None:
            on_progress(pages, pages)
        return pdf
