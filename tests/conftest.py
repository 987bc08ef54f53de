"""Shared fixtures: a small Bali region tree and a few KBLI codes (with their parents)."""

from types import SimpleNamespace

import pytest
from django.core.cache import cache
from django.utils import translation

from tests.factories import make_kbli, make_region


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    """PBKDF2 costs ~0.1 s a user; the tests only need passwords that work, not ones that resist cracking."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def default_language_afterwards():
    """LocaleMiddleware activates the request's language in the test thread and leaves it active after the
    response; without this, a test that asks for English would leave English on for the tests that follow."""
    yield
    translation.deactivate()


@pytest.fixture(autouse=True)
def empty_cache():
    """The cache (local memory) outlives a test; public pages cached by one test must not answer the next."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture(autouse=True)
def counts_follow_every_change(settings):
    """Counts may lag a change by PUBLIC_COUNTS_MAX_AGE s in production; tests that look at counts right after a
    change want them exact. tests/test_public_pages.py sets it back to check the lag itself."""
    settings.PUBLIC_COUNTS_MAX_AGE = 0


@pytest.fixture
def bali_regions(db):
    """Bali (51) with Kabupaten Badung (51.03) and Kota Denpasar (51.71), a kecamatan or two and their villages."""
    return SimpleNamespace(
        bali=make_region("51"),
        badung=make_region("51.03"),
        kuta=make_region("51.03.01"),
        tuban=make_region("51.03.01.1001"),  # kelurahan
        kuta_village=make_region("51.03.01.1002"),  # kelurahan
        mengwi=make_region("51.03.02"),
        munggu=make_region("51.03.02.2001"),  # desa
        denpasar=make_region("51.71"),
        denpasar_selatan=make_region("51.71.01"),
        serangan=make_region("51.71.01.1001"),  # kelurahan
        sidakarya=make_region("51.71.01.2007"),  # desa
    )


@pytest.fixture
def kbli(db):
    """Batik (13134) and a sibling in its class (13133), silver/gold jewellery (32112), and their class codes."""
    return SimpleNamespace(
        batik=make_kbli("13134"),
        printing=make_kbli("13133"),
        textile_class=make_kbli("1313"),
        silver=make_kbli("32112"),
        jewellery_class=make_kbli("3211"),
    )


@pytest.fixture(autouse=True)
def private_files_in_tmp(settings, tmp_path_factory):
    """Private files (uploads, rejects, reports) go to a temporary directory, never into the checkout."""
    settings.PRIVATE_FILES_ROOT = str(tmp_path_factory.mktemp("private"))
