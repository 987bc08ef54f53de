"""ikm_registry/planner.py: the written join order for a block of PostgreSQL queries, and nothing left behind."""

import pytest
from django.db import connection

from businesses.selectors import business_public
from ikm_registry.planner import written_join_order
from tests.factories import BusinessFactory

pytestmark = pytest.mark.django_db


def _setting(name: str) -> str:
    with connection.cursor() as cursor:
        cursor.execute(f"SHOW {name}")
        return cursor.fetchone()[0]


def test_the_settings_hold_inside_the_block_and_are_set_back_after_it():
    if connection.vendor != "postgresql":
        pytest.skip("planner settings are PostgreSQL's")
    before = (_setting("join_collapse_limit"), _setting("enable_memoize"))
    with written_join_order():
        assert (_setting("join_collapse_limit"), _setting("enable_memoize")) == ("1", "off")
    assert (_setting("join_collapse_limit"), _setting("enable_memoize")) == before
    with pytest.raises(ZeroDivisionError), written_join_order():
        1 / 0  # noqa: B018
    assert (_setting("join_collapse_limit"), _setting("enable_memoize")) == before


def test_the_public_rows_are_the_same_in_the_written_order(bali_regions, kbli):
    for n in range(3):
        BusinessFactory(name=f"Usaha {n}", status="published")
    expected = [(row.pk, row.village.parent.parent.name, row.kbli.title) for row in business_public()]
    with written_join_order():
        assert [(row.pk, row.village.parent.parent.name, row.kbli.title) for row in business_public()] == expected
    assert len(expected) == 3


def test_the_api_list_plans_in_the_written_order(client, bali_regions, kbli, monkeypatch):
    """The API's list and detail run their queries inside the block."""
    BusinessFactory(status="published")
    seen = []
    import businesses.api

    original = businesses.api.written_join_order

    def spy(using="default"):
        seen.append(using)
        return original(using)

    monkeypatch.setattr(businesses.api, "written_join_order", spy)
    response = client.get("/api/v1/usaha/", HTTP_ACCEPT="application/json")
    assert response.status_code == 200 and len(response.json()["results"]) == 1
    assert seen == ["default"]
