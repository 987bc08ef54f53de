"""libraries_from_linker_cache (ikm_registry/reports/base.py): while WeasyPrint loads, ctypes.util.find_library
answers from the dynamic linker's cache as its own first step would, without the compiler and linker it would run
next, and is set back afterwards."""

import ctypes.util
import sys

import pytest

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
