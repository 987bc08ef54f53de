"""Values read once per request (ikm_registry.request_memo): inside a request a key is computed once; outside one,
every time; two requests never share a value."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from businesses.services.directory_counts import refresh_directory_counts
from ikm_registry.request_memo import RequestMemoMiddleware, request_memo


def test_a_key_is_computed_once_within_a_request_and_afresh_in_the_next():
    calls = []

    def compute():
        calls.append(1)
        return len(calls)

    def view(request):
        return [request_memo("k", compute), request_memo("k", compute), request_memo("other", lambda: "x")]

    middleware = RequestMemoMiddleware(view)
    assert middleware(object()) == [1, 1, "x"]
    assert middleware(object()) == [2, 2, "x"]  # the next request computes again
    assert request_memo("k", compute) == 3 and request_memo("k", compute) == 4  # outside a request: every time


@pytest.mark.django_db
def test_the_statistics_page_asks_once_whether_the_stored_counts_hold(client, bali_regions, kbli):
    from tests.factories import BusinessFactory

    BusinessFactory(status="published", village=bali_regions.tuban, kbli=kbli.batik)
    refresh_directory_counts()
    with CaptureQueriesContext(connection) as captured:
        assert client.get("/statistik/").status_code == 200
    runs = [query for query in captured.captured_queries if "businesses_directorycountrun" in query["sql"]]
    assert len(runs) == 1, [query["sql"] for query in runs]
