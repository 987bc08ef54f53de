"""libraries_from_linker_cache (ikm_registry/reports/base.py): while WeasyPrint loads, ctypes.util.find_library
answers from the dynamic linker's cache as its own first step would, without the compiler and linker it would run
next, and is set back afterwards."""

import ctypes.util
import sys
from contextlib import contextmanager

import pytest

from ikm_registry.reports import base
from ikm_registry.reports.base import libraries_from_linker_cache

pytestmark = pytest.mark.skipif(sys.platform != "linux", reason="the linker cache is Linux's (ldconfig -p)")


def test_known_libraries_are_found_as_find_library_finds_them_and_unknown_ones_are_not():
    original = ctypes.util.find_library
    expected = {name: original(name) for name in ("c", "m", "pango-1.0", "fontconfig")}
    assert expected["c"], "the C library is in every linker cache"
    with libraries_from_linker_cache():
        assert ctypes.util.find_library is not original
        for name, path in expected.items():
            assert ctypes.util.find_library(name) == path
        assert ctypes.util.find_library("libgobject-2.0-0") is None  # a name WeasyPrint tries first
        assert ctypes.util.find_library("no-such-library-anywhere") is None
    assert ctypes.util.find_library is original


def test_find_library_is_set_back_after_an_error():
    original = ctypes.util.find_library
    with pytest.raises(RuntimeError), libraries_from_linker_cache():
        raise RuntimeError("import failed")
    assert ctypes.util.find_library is original


def test_without_ldconfig_find_library_is_left_alone(monkeypatch):
    original = ctypes.util.find_library

    def missing(*args, **kwargs):
        raise FileNotFoundError("/sbin/ldconfig")

    monkeypatch.setattr("ikm_registry.reports.base.subprocess.run", missing)
    with libraries_from_linker_cache():
        assert ctypes.util.find_library is original


def test_weasyprint_loads_the_usual_way_when_the_linker_cache_does_not_find_a_library(monkeypatch):
    """A library the linker cache does not name (found only by a compiler's search path) fails the fast lookup with
    OSError, as cffi fails: WeasyPrint is then imported with find_library as it is."""

    @contextmanager
    def not_found():
        raise OSError("cannot load library 'libpango-1.0-0'")
        yield  # pragma: no cover

    monkeypatch.setattr(base, "libraries_from_linker_cache", not_found)
    weasyprint = base.load_weasyprint()
    assert weasyprint.HTML(string="<p>x</p>").write_pdf().startswith(b"%PDF")
