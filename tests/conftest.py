"""Shared fixtures: a small Bali region tree and a few KBLI codes (with their parents)."""

import secrets
from types import SimpleNamespace

import pytest
from django.core.cache import cache, caches
from django.core.cache.backends.db import DatabaseCache
from django.utils import translation

from businesses.choices import BusinessStatus
from ikm_registry.choices import StaffRole
from ikm_registry.models import CreativeSubsector
from tests.factories import (
    BusinessFactory,
    BusinessYearFactory,
    make_kbli,
    make_region,
    make_village,
    office_for,
    staff_user,
)
from tests.reports import YEAR


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


COMMITTING_FIXTURES = {"transactional_db", "live_server", "django_db_reset_sequences", "django_db_serialized_rollback"}


def _commits(request) -> bool:
    marker = request.node.get_closest_marker("django_db")
    return bool(COMMITTING_FIXTURES & set(request.fixturenames)) or bool(marker and marker.kwargs.get("transaction"))


@pytest.fixture(autouse=True)
def empty_cache(request):
    """Public pages cached by one test must not answer the next.

    The default cache is a table in the database: a test that rolls back its transaction takes its entries with it,
    but one that commits (transactional tests, the live server) leaves them, and the test database's flush does not
    empty that table. Any other cache (CACHE_URL) outlives every test.
    """
    in_database = isinstance(caches["default"], DatabaseCache)
    if in_database and not _commits(request):
        yield
        return
    if in_database:
        request.getfixturevalue("transactional_db")
    cache.clear()
    yield
    cache.clear()


@pytest.fixture(autouse=True)
def counts_follow_every_change(settings):
    """Counts may lag a change by PUBLIC_COUNTS_MAX_AGE s in production; tests that look at counts right after a
    change want them exact. tests/businesses/test_public_pages.py sets it back to check the lag itself."""
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


@pytest.fixture
def fresh_database_url(tmp_path):
    """The DATABASE_URL of a new, empty database of the kind the tests run on (dropped afterwards)."""
    from django.db import connection

    from tests.processes import is_postgresql, postgres_url

    if not is_postgresql():
        yield f"sqlite:///{tmp_path / 'fresh.sqlite3'}"
        return
    import psycopg

    name = f"{connection.settings_dict['NAME']}_fresh_{secrets.token_hex(4)}"
    with psycopg.connect(postgres_url("postgres"), autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    try:
        yield postgres_url(name)
    finally:
        with psycopg.connect(postgres_url("postgres"), autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


# Kelurahan Tuban in Kabupaten Badung with the batik KBLI: the admin workflow, delete and version tests share it.
@pytest.fixture
def tuban(db):
    make_kbli("13134")
    return make_village("51.03.01.1001", "Tuban")


@pytest.fixture
def operator(bali_regions, kbli):
    """operator.badung, an operator of Kabupaten Badung, in the Bali tree of `bali_regions` with the `kbli` codes
    (modules with a world of their own define their own `operator`)."""
    return staff_user(StaffRole.OPERATOR, "51.03", username="operator.badung")


@pytest.fixture
def operator_client(client, operator):
    client.force_login(operator)
    return client


# The rekapitulasi's data set, shared by tests/businesses/test_reports.py and tests/core/test_report_command.py.
@pytest.fixture
def rekap_data(bali_regions, kbli):
    """Badung: three counted businesses in Kuta, one in Mengwi; and some that must not be counted."""
    subsector, _ = CreativeSubsector.objects.get_or_create(
        code="kriya", defaults={"name": "Kriya", "name_en": "Crafts"}
    )
    badung_office = office_for("51.03")
    badung_office.government_name = "PEMERINTAH KABUPATEN BADUNG"
    badung_office.name = "Dinas Perindustrian dan Perdagangan Kabupaten Badung"
    badung_office.head_title = "Kepala Dinas"
    badung_office.head_name = "I Made Contoh, S.T."
    badung_office.head_nip = "197208171998031007"
    badung_office.save()

    def counted(village, status, kbli_code, male, female, investment, production, sub=None):
        business = BusinessFactory(village=village, status=status, kbli=kbli_code, subsector=sub)
        BusinessYearFactory(
            business=business,
            year=YEAR,
            workforce_male=male,
            workforce_female=female,
            investment=investment,
            production_value=production,
        )
        return business

    counted(bali_regions.tuban, BusinessStatus.VERIFIED, kbli.batik, 2, 3, 1_234_567, 10_000_000, subsector)
    counted(bali_regions.kuta_village, BusinessStatus.PUBLISHED, kbli.batik, 4, 1, 2_000_000, 5_000_000)
    counted(bali_regions.tuban, BusinessStatus.PUBLISHED, kbli.silver, 1, 0, None, 7_500_000, subsector)
    counted(bali_regions.munggu, BusinessStatus.VERIFIED, kbli.silver, 10, 20, 300_000_000, 900_000_000)
    # Not counted: a draft, an inactive business, one without figures for YEAR, one in Denpasar (outside Badung).
    counted(bali_regions.tuban, BusinessStatus.DRAFT, kbli.batik, 50, 50, 50, 50)
    counted(bali_regions.munggu, BusinessStatus.INACTIVE, kbli.batik, 50, 50, 50, 50)
    BusinessYearFactory(business=BusinessFactory(village=bali_regions.tuban), year=YEAR - 1, workforce_male=70)
    counted(bali_regions.serangan, BusinessStatus.VERIFIED, kbli.batik, 9, 9, 9, 9)
    return bali_regions
