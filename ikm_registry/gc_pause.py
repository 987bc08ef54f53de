"""Python's cyclic garbage collector paused while WeasyPrint makes a PDF (`collector_paused()`).

A WeasyPrint run allocates a few hundred thousand objects (boxes, computed styles, text layouts) that stay alive
until the PDF is written. With the collector on, those allocations set off full collections — three in the
38-regency pertumbuhan report of a province — and each one walks every object of the process: Django's, the apps'
and WeasyPrint's modules as well as the document so far. In a Django process they took 0.35–0.45 s of that report's
1.2–1.3 s (WeasyPrint's own work: 0.76 s), more in a process holding more objects.

While paused, objects are still freed by reference counting as usual; only the document's reference cycles wait. When
the collector is on again, its next young collection (at the next allocations) frees them, walking only the objects
made during the run (~0.15 s for that report), not the whole heap: the report takes ~0.95 s instead of ~1.15 s. The
run's cyclic garbage is small next to the document itself: a 20-page list peaks at 133 MB instead of 127 MB.

The collector is process-wide: runs in several threads at once keep it paused until the last one ends, and a
collector that was already off (gc.disable() elsewhere) stays off. Nothing here imports Django (the report worker
processes of ikm_registry.reports.parallel use it too).
"""

from __future__ import annotations

import gc
import threading
from contextlib import contextmanager

_lock = threading.Lock()
_paused = 0  # runs inside collector_paused() now, in every thread
_was_enabled = False  # whether the collector was on when the first of them began


@contextmanager
def collector_paused():
    """Automatic garbage collection off for the block (see the module docstring); back as it was after it."""
    global _paused, _was_enabled
    with _lock:
        if _paused == 0:
            _was_enabled = gc.isenabled()
            gc.disable()
        _paused += 1
    try:
        yield
    finally:
        with _lock:
            _paused -= 1
            if _paused == 0 and _was_enabled:
                gc.enable()
