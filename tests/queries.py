"""Counting the queries a request makes on the registry, leaving out the cache's own (a database table by default)."""

from contextlib import contextmanager

from django.db import connection
from django.test.utils import CaptureQueriesContext

from ikm_registry.cache import TABLE as CACHE_TABLE


def registry_queries(captured: CaptureQueriesContext) -> list[str]:
    """The SQL of the captured queries that read or write anything but the cache table."""
    return [query["sql"] for query in captured.captured_queries if CACHE_TABLE not in query["sql"]]


@contextmanager
def no_registry_queries():
    """Asserts that the block touched no table but the cache: what a page served from the cache may do."""
    with CaptureQueriesContext(connection) as captured:
        yield
    assert registry_queries(captured) == []
