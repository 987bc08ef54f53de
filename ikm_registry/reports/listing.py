"""A long list report (one row per record: Daftar IKM, Daftar Sertifikat) rendered in one WeasyPrint run when short,
else in chunks rendered in parallel and joined (ikm_registry.reports.parallel), with progress for the background
job. A subclass gives its template (which prints the letterhead for `part` "first" or "only", the signature for
"last" or "only") and, when its rows are taller or shorter, the page geometry below."""

from __future__ import annotations

import math

from django.conf import settings
from django.template.loader import render_to_string

from ikm_registry.gc_pause import collector_paused
from ikm_registry.reports.base import Report


class ChunkedListReport(Report):
    # Whole pages of one-line rows per chunk (A4 landscape; the first page, under the letterhead, holds fewer), so
    # joined chunks leave no half-empty page when no cell wraps.
    rows_per_page = 27
    first_page_rows = 19
    chunk_pages = 12
    reports_progress = True  # render_pdf() takes on_progress (the "report" job, ikm_registry.job_kinds)

    def render_pdf(self, context, *, on_progress=None, chunk_rows=None, workers=None) -> bytes:
        """Short lists in one WeasyPrint run; long ones in chunks rendered by `workers` processes and joined.
        `on_progress(pages_done, pages_estimated)` reports the chunks as they finish."""
        rows = context["rows"]
        chunk_rows = chunk_rows or self.rows_per_page * self.chunk_pages
        if len(rows) <= chunk_rows:
            from ikm_registry.reports.base import load_weasyprint

            html = render_to_string(self.template_name, context)
            weasyprint = load_weasyprint()
            with collector_paused():  # as html_to_pdf() does
                document = weasyprint.HTML(string=html, base_url=str(settings.BASE_DIR)).render()
                pdf = document.write_pdf()
            if on_progress is not None:
                on_progress(len(document.pages), len(document.pages))
            return pdf
        return self.render_chunks(context, chunk_rows=chunk_rows, workers=workers, on_progress=on_progress)

    def render_chunks(self, context, *, chunk_rows, workers=None, on_progress=None) -> bytes:
        from ikm_registry.reports.parallel import render_parallel

        rows = context["rows"]
        # The first chunk has the letterhead, so fewer rows: it ends on a page boundary like the others.
        first = max(1, chunk_rows - (self.rows_per_page - self.first_page_rows))
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
