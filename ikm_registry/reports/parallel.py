"""Render a long report faster than one WeasyPrint run: its rows in chunks, each chunk laid out in its own process,
the PDFs joined with pypdf and numbered "Halaman X dari Y" afterwards.

WeasyPrint lays out a document in one thread (~7.5 ms and ~180 KB per table row), so a 4,000-row list takes half a
minute and most of a gigabyte in one process. Chunks of a few hundred rows in a small pool of processes, each process
used for one chunk only (its memory is returned when it ends), make that about 1/workers of the time at a fraction of
the peak memory. The page number of a chunk's pages depends on the pages of every chunk before it, so chunks are
rendered without it; once all are done and the total is known, a thin overlay of footers ("Halaman 12 dari 213",
made by WeasyPrint with a `counter-reset` offset, in the same pool) is stamped on each page.

Nothing here imports Django: the worker processes only need WeasyPrint.
"""

from __future__ import annotations

import io
import multiprocessing
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor, as_completed


def _render(html: str, base_url: str) -> tuple[bytes, int]:
    """One chunk: its PDF and its number of pages (runs in a worker process)."""
    import weasyprint

    from ikm_registry.gc_pause import collector_paused

    with collector_paused():
        document = weasyprint.HTML(string=html, base_url=base_url).render()
        return document.write_pdf(), len(document.pages)


def _context():
    # forkserver: workers start from a small server process that already imported WeasyPrint (fast, and never a fork
    # of a parent that may hold threads or a database connection); a fresh process per chunk returns its memory.
    methods = multiprocessing.get_all_start_methods()
    context = multiprocessing.get_context("forkserver" if "forkserver" in methods else "spawn")
    if "forkserver" in methods:
        context.set_forkserver_preload(["weasyprint"])
    return context


def render_parallel(
    chunks: Sequence[str],
    *,
    page_numbers: Callable[[int, int, int], str],
    base_url: str,
    workers: int = 2,
    on_progress: Callable[[int, int], None] | None = None,
) -> tuple[bytes, int]:
    """Join the PDFs of the HTML documents `chunks` (rendered `workers` at a time) into one; returns it and its pages.

    `page_numbers(first, count, total)` returns the HTML of `count` empty pages, of the chunks' page size and margins,
    whose footer reads page `first`, `first + 1`, ... of `total`; it is laid over the joined pages.
    `on_progress(chunks_done, pages_done)` is called in this process as each chunk finishes.
    """
    from pypdf import PdfReader, PdfWriter

    results: list[tuple[bytes, int] | None] = [None] * len(chunks)
    with ProcessPoolExecutor(max_workers=workers, mp_context=_context(), max_tasks_per_child=1) as pool:
        futures = {pool.submit(_render, html, base_url): index for index, html in enumerate(chunks)}
        pages_done = 0
        for done, future in enumerate(as_completed(futures), start=1):
            results[futures[future]] = future.result()
            pages_done += results[futures[future]][1]
            if on_progress is not None:
                on_progress(done, pages_done)
        total = pages_done
        # The footers, split over the pool as well.
        step = -(-total // workers)
        overlays = [
            pool.submit(_render, page_numbers(first, min(step, total - first + 1), total), base_url)
            for first in range(1, total + 1, step)
        ]
        overlay_pages = [page for future in overlays for page in PdfReader(io.BytesIO(future.result()[0])).pages]

    writer = PdfWriter()
    for pdf, _pages in results:
        for page in PdfReader(io.BytesIO(pdf)).pages:
            writer.add_page(page)
    for page, overlay in zip(writer.pages, overlay_pages, strict=True):
        page.merge_page(overlay)
    output = io.BytesIO()
    writer.write(output)
    return output.getvalue(), total
