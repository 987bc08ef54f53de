"""The default cache is shared by every process of an install (issue 9, point 11).

With a cache per process, a change retired the cached pages of the process that made it only: a withdrawn consent
stayed on the public profile other server processes had cached, for up to PUBLIC_CACHE_SECONDS.
"""

from concurrent.futures import ThreadPoolExecutor

import pytest
from django.conf import settings
from django.core.cache import cache
from django.db import connection

from businesses.choices import BusinessStatus
from ikm_registry.cache import TABLE
from tests.factories import BusinessFactory
from tests.processes import Server, SubprocessDatabase, manage, process_env, python

pytestmark = pytest.mark.django_db(transaction=True)

PHONE = "0812-7777-0001"


def test_the_default_cache_is_a_table_in_the_database():
    assert settings.CACHES["default"]["BACKEND"] == "ikm_registry.cache.DatabaseCache"
    assert settings.CACHES["default"]["LOCATION"] == TABLE
    cache.set("probe", 1)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT COUNT(*) FROM {connection.ops.quote_name(TABLE)}")
        assert cursor.fetchone()[0] >= 1


def test_a_change_made_in_one_process_retires_the_page_another_process_serves(bali_regions, kbli, tmp_path):
    business = BusinessFactory(
        name="Tenun Sari", status=BusinessStatus.PUBLISHED, owner__phone=PHONE, owner__phone_public_since="2024-01-01"
    )
    profile = f"/direktori/ikm/{business.pk}/"
    with SubprocessDatabase(tmp_path) as database, Server(database.env()) as server:
        assert PHONE in server.get(profile)
        # The page is cached in the server: a change that tells nobody (no signal) is not seen ...
        python(
            database.env(),
            f"from businesses.models import Business; Business.objects.filter(pk={business.pk}).update(name='Tenun Baru')",
        )
        assert "Tenun Sari" in server.get(profile)
        # ... but the owner withdrawing consent, saved by another process (a second server worker, a command),
        # retires it in the server process at once.
        python(
            database.env(),
            f"from businesses.models import Owner\n"
            f"owner = Owner.objects.get(business_id={business.pk})\n"
            f"owner.phone_public_since = None\n"
            f"owner.save()",
        )
        page = server.get(profile)
        assert PHONE not in page
        assert "Tenun Baru" in page


def test_increments_from_several_processes_are_all_counted(tmp_path):
    """Rate limits count requests with cache.incr; Django's database cache reads and writes back, losing counts."""
    cache.set("counter", 0, timeout=3600)
    code = "from django.core.cache import cache\nfor _ in range(300): cache.incr('counter')"
    with SubprocessDatabase(tmp_path) as database:
        with ThreadPoolExecutor(4) as pool:
            list(pool.map(lambda _: python(database.env(), code), range(4)))
    assert cache.get("counter") == 1200


def test_an_increment_keeps_the_expiry_of_the_entry():
    cache.set("no-expiry", 1, timeout=None)
    cache.incr("no-expiry")
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT expires FROM {connection.ops.quote_name(TABLE)} WHERE cache_key = %s",
            [cache.make_key("no-expiry")],
        )
        expires = cursor.fetchone()[0]
    assert str(expires).startswith("9999")
    assert cache.get("no-expiry") == 2
    with pytest.raises(ValueError):
        cache.incr("missing")


def test_migrate_creates_the_cache_table_on_a_new_database(fresh_database_url):
    """The README's deployment steps (migrate, then serve) are all it takes: no createcachetable."""
    env = process_env(fresh_database_url)
    manage(env, "migrate", "--noinput", "-v0")
    assert (
        python(env, "from django.core.cache import cache\ncache.set('k', 41)\nprint(cache.incr('k'))").strip() == "42"
    )


@pytest.mark.django_db
@pytest.mark.parametrize("seconds", [0, 300])
def test_with_caching_off_public_pages_neither_read_nor_write_cached_pages(
    client, bali_regions, kbli, settings, seconds
):
    """PUBLIC_CACHE_SECONDS 0 turns the page and count caches off: an entry would expire at once, so writing it (and
    counting the cache table to cull it) would be wasted on every request."""
    from django.test.utils import CaptureQueriesContext

    settings.PUBLIC_CACHE_SECONDS = seconds
    BusinessFactory(status=BusinessStatus.PUBLISHED, village=bali_regions.tuban, kbli=kbli.batik)
    for url in ("/", "/direktori/", "/statistik/"):
        with CaptureQueriesContext(connection) as captured:
            assert client.get(url).status_code == 200
        writes = [
            query["sql"] for query in captured.captured_queries if query["sql"].startswith(f'INSERT INTO "{TABLE}"')
        ]
        assert bool(writes) is bool(seconds), (url, writes)
