"""A full cache keeps the public data version (review of issue 9, point 11).

Django's DatabaseCache culls the alphabetically lowest third of its keys when it holds more than MAX_ENTRIES rows;
":1:public-data-version" sorts before every ":1:public:..." page key, so every cull deleted the version and retired
the whole public cache. ikm_registry.cache.DatabaseCache culls the entries that expire soonest and keeps entries
stored without a timeout.
"""

import pytest
from django.core.cache import cache, caches
from django.db import connection
from django.urls import reverse

from businesses.choices import BusinessStatus
from businesses.models import Business
from ikm_registry.cache import TABLE
from ikm_registry.public_cache import VERSION_KEY, bump_public_version, public_version
from tests.factories import BusinessFactory
from tests.queries import no_registry_queries

pytestmark = pytest.mark.django_db

MAX_ENTRIES = 30


def use_cache(settings, **options):
    settings.CACHES = {
        "default": {"BACKEND": "ikm_registry.cache.DatabaseCache", "LOCATION": TABLE, "OPTIONS": options}
    }
    return caches["default"]


@pytest.fixture
def small_cache(settings):
    return use_cache(settings, MAX_ENTRIES=MAX_ENTRIES)


def rows() -> int:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT COUNT(*) FROM {connection.ops.quote_name(TABLE)}")
        return cursor.fetchone()[0]


def fill_with_pages(client, count: int):
    """`count` different public pages rendered and cached (sentra list pages: `page` is the one parameter read)."""
    for number in range(1, count + 1):
        assert client.get(reverse("businesses:sentra_list"), {"page": number}).status_code == 200


@pytest.fixture
def listed(bali_regions, kbli):
    return BusinessFactory(name="Batik Lama", status=BusinessStatus.PUBLISHED, village=bali_regions.tuban)


def test_filling_the_cache_past_max_entries_keeps_the_public_data_version(client, small_cache, listed):
    version = public_version()
    fill_with_pages(client, 4 * MAX_ENTRIES)  # about nine culls
    assert cache.get(VERSION_KEY) == version
    assert rows() <= MAX_ENTRIES + 1  # the culls ran: the table stays bounded


def test_a_cull_takes_the_pages_of_a_retired_version_and_keeps_the_current_ones(
    client, small_cache, listed, django_capture_on_commit_callbacks
):
    fill_with_pages(client, 20)
    with django_capture_on_commit_callbacks(execute=True):
        bump_public_version()  # a change: the 20 pages are retired
    profile = client.get(f"/direktori/ikm/{listed.pk}/")
    fill_with_pages(client, 10)  # past MAX_ENTRIES: a cull
    assert rows() < MAX_ENTRIES
    Business.objects.filter(pk=listed.pk).update(name="Batik Baru")  # no signal: the cache is not told
    with no_registry_queries():
        again = client.get(f"/direktori/ikm/{listed.pk}/")
    assert again.content == profile.content


def test_a_cull_removes_the_entries_that_expire_soonest(small_cache):
    cache.set("kept", "version", timeout=None)
    soon = [f"soon-{number:02d}" for number in range(15)]
    late = [f"late-{number:02d}" for number in range(15)]
    cache.set_many(dict.fromkeys(soon, 1), timeout=60)
    cache.set_many(dict.fromkeys(late, 1), timeout=3600)
    assert rows() == MAX_ENTRIES + 1
    cache.set("trigger", 1, timeout=3600)  # finds more than MAX_ENTRIES rows: culls a third (10) first
    assert rows() == MAX_ENTRIES + 1 - 10 + 1
    assert cache.get("kept") == "version"
    assert set(cache.get_many(late)) == set(late)
    assert len(cache.get_many(soon)) == 15 - 10
    assert cache.get("trigger") == 1


def test_cull_frequency_zero_empties_the_cache_but_keeps_the_version(client, settings, listed):
    use_cache(settings, MAX_ENTRIES=MAX_ENTRIES, CULL_FREQUENCY=0)
    version = public_version()
    fill_with_pages(client, 2 * MAX_ENTRIES)
    assert cache.get(VERSION_KEY) == version
    assert rows() <= MAX_ENTRIES + 1


def test_a_rate_limit_counter_outlives_a_flood_of_pages(client, small_cache, listed, settings):
    """Filling the cache with page variants must not reset a client's rate-limit count."""
    settings.PASSWORD_RESET_RATE = "3/h"
    for _ in range(3):
        assert client.post(reverse("password_reset"), {"email": "x@example.com"}).status_code == 302
    fill_with_pages(client, 4 * MAX_ENTRIES)
    assert client.post(reverse("password_reset"), {"email": "x@example.com"}).status_code == 429
