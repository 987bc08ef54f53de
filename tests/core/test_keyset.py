"""Keyset pagination (ikm_registry/keyset.py) over real rows, and the directory's cursor links and page numbers.

Names tie, differ only in case, accents and spaces (the database's collation orders them, on both sides of a
cursor); founding years are NULL or tie; creation times tie. Walking a queryset page by page must visit every row
exactly once, in the order of `order_by(*ordering)`, and walking back must give the same pages.
"""

from __future__ import annotations

import base64
import datetime
import json
import re
from html import unescape

import pytest
from django.db.models import Case, F, FloatField, Q, Value, When
from django.utils import timezone

from businesses.choices import BusinessStatus
from businesses.filtersets import ORDERINGS, BusinessPublicFilterSet
from businesses.models import Business
from businesses.selectors import business_public
from ikm_registry.keyset import (
    InvalidCursor,
    decode_cursor,
    encode_cursor,
    keyset_order,
    keyset_page,
    window_page,
)
from tests.factories import BusinessFactory

pytestmark = pytest.mark.django_db

NAMES = ["Batik", "batik", "Batik", "Batik Ayu", "BatikAyu", "Batik-Ayu", "Anyaman", "anyaman", "Éndek", "Endek",
         "endek", "Zaitun", "Batik", "Cendana", "Ukir Jati", "Ukir Jati", "Tenun", "Batik Ayu"]  # fmt: skip
YEARS = [None, 2010, None, 2010, 1999, 2010, None, 2020, 1999, None, 2010, 2005, 2010, None, 2020, 2020, None, 2010]
ORDERINGS_UNDER_TEST = {
    "name": ("name", "pk"),
    "-name": ("-name", "-pk"),
    "-created_at": ("-created_at", "-pk"),
    "year_founded nulls last": (F("year_founded").asc(nulls_last=True), "name", "pk"),
    "year_founded desc nulls last": (F("year_founded").desc(nulls_last=True), "-pk"),
    "year_founded nulls first": (F("year_founded").asc(nulls_first=True), "-name", "pk"),
}
SIZES = [1, 4, 5, 18, 30]


@pytest.fixture
def rows(bali_regions, kbli):
    """18 published businesses; creation times in three tied groups, with microseconds."""
    businesses = [
        BusinessFactory(name=name, year_founded=year, status=BusinessStatus.PUBLISHED)
        for name, year in zip(NAMES, YEARS, strict=True)
    ]
    moment = timezone.now().replace(microsecond=123456) - datetime.timedelta(days=3)
    for index, business in enumerate(businesses):
        Business.objects.filter(pk=business.pk).update(created_at=moment + datetime.timedelta(hours=index % 3))
    return businesses


def _ids(page) -> list[int]:
    return [row.pk for row in page.object_list]


def _walk_forward(queryset, ordering, size) -> list:
    pages = [keyset_page(queryset, ordering=ordering, size=size)]
    while pages[-1].has_next():
        assert len(pages) <= 40, "the walk does not end"
        pages.append(keyset_page(queryset, ordering=ordering, size=size, after=pages[-1].next_cursor))
    return pages


@pytest.mark.parametrize("ordering", ORDERINGS_UNDER_TEST.values(), ids=ORDERINGS_UNDER_TEST.keys())
def test_walking_forward_visits_every_row_once_in_the_querysets_order(rows, ordering):
    queryset = business_public()
    expected = list(queryset.order_by(*ordering).values_list("pk", flat=True))
    assert len(expected) == len(NAMES)
    for size in SIZES:
        pages = _walk_forward(queryset, ordering, size)
        assert [pk for page in pages for pk in _ids(page)] == expected, size
        assert all(len(page) == size for page in pages[:-1]) and 0 < len(pages[-1]) <= size, size
        assert not pages[0].has_previous()
        assert all(page.has_previous() for page in pages[1:])


@pytest.mark.parametrize("ordering", ORDERINGS_UNDER_TEST.values(), ids=ORDERINGS_UNDER_TEST.keys())
def test_walking_back_gives_the_same_pages(rows, ordering):
    queryset = business_public()
    for size in SIZES:
        forward = _walk_forward(queryset, ordering, size)
        back = [forward[-1]]
        while back[-1].has_previous():
            assert len(back) <= 40, "the walk back does not end"
            back.append(keyset_page(queryset, ordering=ordering, size=size, before=back[-1].previous_cursor))
        assert [_ids(page) for page in reversed(back)] == [_ids(page) for page in forward], size
        for number, page in enumerate(reversed(back[1:])):  # a page reached going back leads forward again
            following = keyset_page(queryset, ordering=ordering, size=size, after=page.next_cursor)
            assert _ids(following) == _ids(forward[number + 1]), (size, number)


@pytest.mark.parametrize("ordering", ORDERINGS_UNDER_TEST.values(), ids=ORDERINGS_UNDER_TEST.keys())
def test_pages_by_offset_are_the_pages_of_the_walk(rows, ordering):
    queryset = business_public()
    size = 4
    forward = _walk_forward(queryset, ordering, size)
    for number, expected in enumerate(forward):
        page = keyset_page(queryset, ordering=ordering, size=size, offset=number * size)
        assert _ids(page) == _ids(expected), number
        assert page.has_previous() == (number > 0) and page.has_next() == (number < len(forward) - 1), number
        if number:
            previous = keyset_page(queryset, ordering=ordering, size=size, before=page.previous_cursor)
            assert _ids(previous) == _ids(forward[number - 1]), number
    assert _ids(keyset_page(queryset, ordering=ordering, size=size, offset=len(NAMES))) == []


def test_an_annotation_can_be_a_key(rows):
    """A text search orders by its rank, an annotation: a float that ties."""
    queryset = business_public().annotate(
        rank=Case(When(name__istartswith="b", then=Value(1.5)), default=Value(0.25), output_field=FloatField())
    )
    ordering = ("-rank", "name", "pk")
    expected = list(queryset.order_by(*ordering).values_list("pk", flat=True))
    for size in (1, 3, 7):
        assert [pk for page in _walk_forward(queryset, ordering, size) for pk in _ids(page)] == expected, size


def test_a_filtered_queryset_and_an_empty_one(rows):
    queryset = business_public().filter(name__icontains="batik")
    expected = list(queryset.order_by("name", "pk").values_list("pk", flat=True))
    assert [pk for page in _walk_forward(queryset, ("name", "pk"), 2) for pk in _ids(page)] == expected
    empty = keyset_page(business_public().filter(name="Tidak Ada"), ordering=("name", "pk"), size=5)
    assert empty.object_list == [] and not empty.has_next() and not empty.has_previous()


def test_a_cursor_survives_the_rows_it_points_at(rows):
    """The row a cursor was made from may be deleted (or unpublished) before the next page is asked for."""
    queryset = business_public()
    ordering = ("name", "pk")
    first = keyset_page(queryset, ordering=ordering, size=3)
    Business.objects.filter(pk=_ids(first)[-1]).delete()
    following = keyset_page(queryset, ordering=ordering, size=3, after=first.next_cursor)
    expected = list(queryset.order_by(*ordering).values_list("pk", flat=True))
    assert _ids(following) == expected[2:5]


# --- cursors that were not made here -------------------------------------------------------------------------------


def _b64(raw: bytes | str) -> str:
    raw = raw.encode() if isinstance(raw, str) else raw
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


GARBAGE = {
    "not base64": "!!!!",
    "bad padding": "a",
    "not json": _b64("not json"),
    "not utf-8": _b64(b"\xff\xfe\xfd"),
    "an object": _b64('{"name": "Batik", "pk": 1}'),
    "a string": _b64('"Batik"'),
    "a number": _b64("7"),
    "too short": encode_cursor(["Batik"]),
    "too long": encode_cursor(["Batik", 1, 2]),
    "empty list": _b64("[]"),
    "nested list": _b64('[["Batik"], 1]'),
    "nested lists": _b64('["Batik", [1, [2]]]'),
    "unknown object": _b64('[{"x": 1}, 1]'),
    "datetime that is not one": _b64('[{"dt": "kemarin"}, 1]'),
    "datetime of the wrong type": _b64('[{"dt": 5}, 1]'),
    "date of the wrong type": _b64('[{"d": ["2020"]}, 1]'),
    "decimal that is not one": _b64('[{"dec": "abc"}, 1]'),
    "text for an id": _b64('["Batik", "satu"]'),
    "object for an id": _b64('["Batik", {"dt": "2020-01-01T00:00:00"}]'),
    "infinite id": _b64('["Batik", 1e400]'),
    "not a number id": _b64('["Batik", NaN]'),
}


def test_a_cursor_not_made_for_the_ordering_is_invalid(rows):
    for name, cursor in GARBAGE.items():
        for direction in ("after", "before"):
            with pytest.raises(InvalidCursor):
                keyset_page(business_public(), ordering=("name", "pk"), size=3, **{direction: cursor})
                pytest.fail(f"{name} ({direction}) was taken for a cursor")


def test_cursors_round_trip_dates_times_and_decimals():
    from decimal import Decimal

    values = [datetime.datetime(2024, 5, 6, 7, 8, 9, 123456, tzinfo=datetime.UTC), datetime.date(2020, 1, 2),
              Decimal("12.50"), None, "Éndek ✓", 3, 1.25]  # fmt: skip
    cursor = encode_cursor(values)
    assert re.fullmatch(r"[A-Za-z0-9_-]+", cursor)
    assert decode_cursor(cursor, len(values)) == values
    assert json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))[4] == "Éndek ✓"


# --- the directory's links ------------------------------------------------------------------------------------------

NEXT = re.compile(r'rel="next" href="\?([^"]+)"')
PREVIOUS = re.compile(r'rel="prev" href="\?([^"]+)"')


def _follow(client, query: str, link: re.Pattern) -> list[list[int]]:
    pages = []
    while True:
        response = client.get(f"/direktori/?{query}")
        assert response.status_code == 200, query
        pages.append(_ids(response.context["page"]))
        assert len(pages) <= 40, "the walk does not end"
        found = link.search(response.content.decode())
        if not found:
            return pages
        query = unescape(found.group(1))


@pytest.mark.parametrize(("urut", "q"), [("", ""), ("-nama", ""), ("terbaru", ""), ("tertua", ""), ("", "batik"),
                                         ("nama", "batik"), ("tertua", "batik")])  # fmt: skip
def test_the_directorys_next_and_previous_links_visit_every_result_once(client, rows, settings, urut, q):
    settings.DIRECTORY_PAGE_SIZE = 4
    query = "&".join(part for part in (f"q={q}" if q else "", f"urut={urut}" if urut else "") if part) or "page=1"
    forward = _follow(client, query, NEXT)
    visited = [pk for page in forward for pk in page]
    matches = BusinessPublicFilterSet({"q": q}).qs.order_by() if q else business_public()
    key = urut or ("relevan" if q else "nama")
    if key == "relevan":  # ranked by the search itself (PostgreSQL's ranks differ from SQLite's): every match once
        expected = sorted(matches.values_list("pk", flat=True))
        assert sorted(visited) == expected and len(set(visited)) == len(visited)
    else:
        expected = list(matches.order_by(*ORDERINGS[key][1]).values_list("pk", flat=True))
        assert visited == expected
    assert len(forward) == -(-len(expected) // 4) > 1
    last = client.get(f"/direktori/?{query}")
    for _ in forward[1:]:  # to the last page by its links, then back
        last = client.get("/direktori/?" + unescape(NEXT.search(last.content.decode()).group(1)))
    back_query = unescape(PREVIOUS.search(last.content.decode()).group(1))
    back = _follow(client, back_query, PREVIOUS)
    assert list(reversed(back)) == forward[:-1]


def test_an_invalid_cursor_is_a_page_that_does_not_exist_with_a_link_to_the_first(client, rows):
    for parameter in ("sesudah", "sebelum"):
        response = client.get(f"/direktori/?q=batik&wilayah=51.03&{parameter}=bukan-kursor")
        assert response.status_code == 404, parameter
        content = response.content.decode()
        assert "Halaman pertama hasil ini" in content
        link = re.search(r'href="(/direktori/\?[^"]*)"[^>]*>\s*Halaman pertama hasil ini', content)
        assert link, content
        assert unescape(link.group(1)) == "/direktori/?q=batik&wilayah=51.03"


def test_a_forged_cursor_is_a_page_that_does_not_exist(client, rows):
    for name, cursor in GARBAGE.items():
        for parameter in ("sesudah", "sebelum"):
            assert client.get(f"/direktori/?{parameter}={cursor}").status_code == 404, (name, parameter)
    # A creation time or a founding year that is not one.
    for urut, cursor in (("terbaru", '["kemarin", 1]'), ("tertua", '["kemarin", "Batik", 1]')):
        assert client.get(f"/direktori/?urut={urut}&sesudah={_b64(cursor)}").status_code == 404, urut


def test_a_cursor_beyond_every_id_still_pages(client, rows):
    huge = _b64('["Batik", 100000000000000000000000000000]')
    response = client.get(f"/direktori/?sebelum={huge}")
    assert response.status_code == 200
    assert _ids(response.context["page"])  # the rows before it


def test_page_numbers_up_to_the_maximum_are_served(client, rows, settings):
    settings.DIRECTORY_PAGE_SIZE = 4
    settings.DIRECTORY_MAX_PAGE_NUMBER = 50
    expected = list(business_public().order_by("name", "pk").values_list("pk", flat=True))
    second = client.get("/direktori/?page=2")
    assert _ids(second.context["page"]) == expected[4:8] and second.context["page"].number == 2
    past = client.get("/direktori/?page=50")  # past the results: their first page
    assert past.status_code == 200 and _ids(past.context["page"]) == expected[:4]
    assert past.context["page"].number == 1


def test_a_page_number_beyond_the_maximum_is_not_found(client, rows, settings):
    settings.DIRECTORY_MAX_PAGE_NUMBER = 50
    response = client.get("/direktori/?page=51&q=batik")
    assert response.status_code == 404
    content = response.content.decode()
    assert "Berikutnya" in content and "Halaman pertama hasil ini" in content
    assert 'href="/direktori/?q=batik"' in content


def test_a_page_that_is_not_a_number_is_the_first(client, rows, settings):
    settings.DIRECTORY_PAGE_SIZE = 4
    first = list(business_public().order_by("name", "pk").values_list("pk", flat=True))[:4]
    for page in ("abc", "", "0", "-3", "1.5"):
        response = client.get(f"/direktori/?page={page}")
        assert response.status_code == 200, page
        assert _ids(response.context["page"]) == first, page


# --- window_page: a text search's first matches, paged within them -------------------------------------------------


def _walk_window(queryset, ordering, size, window, tiers=None) -> list:
    pages = [window_page(queryset, ordering=ordering, size=size, window=window, tiers=tiers)]
    while pages[-1].has_next():
        assert len(pages) <= 40, "the walk does not end"
        pages.append(
            window_page(queryset, ordering=ordering, size=size, window=window, tiers=tiers, after=pages[-1].next_cursor)
        )
    return pages


@pytest.mark.parametrize("ordering", ORDERINGS_UNDER_TEST.values(), ids=ORDERINGS_UNDER_TEST.keys())
def test_a_window_holding_every_match_pages_like_keyset_page_both_ways(rows, ordering):
    queryset = business_public()
    expected = [_ids(page) for page in _walk_forward(queryset, ordering, 4)]
    forward = _walk_window(queryset, ordering, 4, window=len(NAMES))
    assert [_ids(page) for page in forward] == expected  # the database's order (its collation), not Python's
    assert forward[0].extra["window"].complete and len(forward[0].extra["window"].rows) == len(NAMES)
    back = [forward[-1]]
    while back[-1].has_previous():
        assert len(back) <= 40
        back.append(
            window_page(queryset, ordering=ordering, size=4, window=len(NAMES), before=back[-1].previous_cursor)
        )
    assert [_ids(page) for page in reversed(back)] == expected
    by_offset = window_page(queryset, ordering=ordering, size=4, window=len(NAMES), offset=8)
    assert _ids(by_offset) == expected[2]


def test_a_window_pages_its_tiers_in_turn(rows):
    queryset = business_public()
    tiers = [Q(name__istartswith="b"), ~Q(name__istartswith="b")]
    expected = list(
        queryset.annotate(tier=Case(When(tiers[0], then=Value(0)), default=Value(1)))
        .order_by("tier", "name", "pk")
        .values_list("pk", flat=True)
    )
    pages = _walk_window(queryset, ("name", "pk"), 5, window=len(NAMES), tiers=tiers)
    assert [pk for page in pages for pk in _ids(page)] == expected
    # The cursor is the tier and the key of the page's last row (the directory's search links since they paged).
    last = pages[0].object_list[-1]
    assert decode_cursor(pages[0].next_cursor, 3) == [0, last.name, last.pk]


def test_a_window_smaller_than_the_matches_pages_only_its_rows_each_once(rows):
    queryset = business_public()
    pages = _walk_window(queryset, ("name", "pk"), 3, window=7)
    shown = [pk for page in pages for pk in _ids(page)]
    window = pages[0].extra["window"]
    assert not window.complete and len(window.rows) == 7
    assert sorted(shown) == sorted(row[1] for row in window.rows) and len(set(shown)) == 7
    assert shown == list(queryset.filter(pk__in=shown).order_by("name", "pk").values_list("pk", flat=True))
    assert [len(page) for page in pages] == [3, 3, 1]


@pytest.mark.parametrize("ordering", ORDERINGS_UNDER_TEST.values(), ids=ORDERINGS_UNDER_TEST.keys())
def test_a_window_page_after_a_row_that_left_the_window_follows_its_key(rows, ordering):
    """The next page is found among the window's rows by its cursor's row; when that row has left the window since
    (withdrawn from the directory), the rows after its key still come next, both ways, in the database's order."""
    queryset = business_public()
    first = window_page(queryset, ordering=ordering, size=5, window=len(NAMES))
    last = first.object_list[-1]
    Business.objects.filter(pk=last.pk).update(status=BusinessStatus.INACTIVE)
    remaining = list(business_public().order_by(*keyset_order(ordering)).values_list("pk", flat=True))
    after = window_page(queryset, ordering=ordering, size=5, window=len(NAMES), after=first.next_cursor)
    assert _ids(after) == remaining[4:9]
    assert after.has_next() and after.has_previous()
    second = window_page(queryset, ordering=ordering, size=5, window=len(NAMES), after=after.next_cursor)
    Business.objects.filter(pk=second.object_list[0].pk).update(status=BusinessStatus.INACTIVE)
    back = window_page(queryset, ordering=ordering, size=3, window=len(NAMES), before=second.previous_cursor)
    assert _ids(back) == remaining[6:9]


def test_a_window_of_a_search_that_cannot_match_is_an_empty_page(rows):
    page = window_page(
        business_public().none(), ordering=("name", "pk"), size=5, window=10, tiers=[Q(name="Batik"), ~Q(name="Batik")]
    )
    assert page.object_list == [] and not page.has_next() and not page.has_previous()
    assert page.extra["window"].complete and page.extra["window"].rows == []


@pytest.mark.parametrize("cursor", ['["Batik"]', '[0, 5, "Batik", 1]', '[7, "Batik", 1]', '["x", "Batik", 1]'])
def test_a_window_cursor_that_does_not_fit_is_invalid(rows, cursor):
    tiers = [Q(name__istartswith="b"), ~Q(name__istartswith="b")]
    with pytest.raises(InvalidCursor):
        page = window_page(
            business_public(), ordering=("name", "pk"), size=3, window=30, tiers=tiers, after=_b64(cursor)
        )
        list(page.object_list)


def test_a_narrower_read_that_fills_the_window_is_the_window_with_its_own_tiers(rows):
    """`preferred` narrower reads come first; one that fills the window is the only read. A narrower read may bring
    the tiers its rows can be in (numbered as the search's): its rows are tiered by those, and the cursors and
    pages are the search's own."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    queryset = business_public()
    tiers = [Q(name__istartswith="b") & Q(year_founded=2010), Q(name__istartswith="b"), Q()]
    batik = queryset.filter(name__istartswith="b")
    # The narrower rows are all "b" names: whether one is of 2010 tells tier 0 from 1.
    narrower_tiers = [Q(year_founded=2010), Q(name__istartswith="b")]
    expected = list(
        batik.annotate(tier=Case(When(year_founded=2010, then=Value(0)), default=Value(1)))
        .order_by("tier", "name", "pk")
        .values_list("pk", "tier")
    )
    window = len(expected) - 1
    with CaptureQueriesContext(connection) as queries:
        page = window_page(
            queryset, ordering=("name", "pk"), size=4, window=window, tiers=tiers, preferred=[(batik, narrower_tiers)]
        )
    reads = [query["sql"] for query in queries.captured_queries if "window_rows" in query["sql"]]
    assert len(reads) == 1, reads
    tier = reads[0].split(" FROM ", 2)[1]  # the inner SELECT's columns: its tier first
    assert '"year_founded" = 2010' in tier and "LIKE" not in tier.upper(), reads  # the narrower's tiers, not the name
    assert [(row[1], row[0]) for row in page.extra["window"].rows] == expected[:window]
    assert page.extra["tiers"] == {pk: tier for pk, tier in expected[:4]}
    assert _ids(page) == [pk for pk, _tier in expected[:4]]
    after = window_page(
        queryset,
        ordering=("name", "pk"),
        size=4,
        window=window,
        tiers=tiers,
        preferred=[(batik, narrower_tiers)],
        after=page.next_cursor,
    )
    assert _ids(after) == [pk for pk, _tier in expected[4:window]]
    # Too few to fill the window: the whole search is read, by its own tiers.
    page = window_page(
        queryset, ordering=("name", "pk"), size=4, window=len(NAMES), tiers=tiers, preferred=[(batik, narrower_tiers)]
    )
    assert len(page.extra["window"].rows) == len(NAMES)
    assert {row[0] for row in page.extra["window"].rows} == {0, 1, 2}


@pytest.mark.django_db(transaction=True)  # outside a transaction: SET LOCAL would otherwise last until its end
def test_a_window_read_runs_without_parallel_workers_in_one_statement(rows, settings):
    """On PostgreSQL the window is read with max_parallel_workers_per_gather = 0 (a parallel scan's rows come in no
    fixed order), set for that query alone: in the same query string, one implicit transaction; the session's
    setting is unchanged after it. With server-side binding (one statement per query), a transaction holds it."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    if connection.vendor != "postgresql":
        pytest.skip("parallel workers exist only on PostgreSQL")
    with connection.cursor() as cursor:
        cursor.execute("SHOW max_parallel_workers_per_gather")
        (before,) = cursor.fetchone()
    assert before != "0"
    expected = list(business_public().order_by("name", "pk").values_list("pk", flat=True))[:5]
    with CaptureQueriesContext(connection) as queries:
        page = window_page(business_public(), ordering=("name", "pk"), size=5, window=len(NAMES))
    reads = [query["sql"] for query in queries.captured_queries if "window_rows" in query["sql"]]
    assert len(reads) == 1 and reads[0].startswith("SET LOCAL max_parallel_workers_per_gather = 0; SELECT")
    assert _ids(page) == expected
    options = connection.settings_dict["OPTIONS"]
    options["server_side_binding"] = True
    try:
        with CaptureQueriesContext(connection) as queries:
            page = window_page(business_public(), ordering=("name", "pk"), size=5, window=len(NAMES))
    finally:
        del options["server_side_binding"]
    sqls = [query["sql"] for query in queries.captured_queries]
    assert "SET LOCAL max_parallel_workers_per_gather = 0" in sqls and _ids(page) == expected
    with connection.cursor() as cursor:
        cursor.execute("SHOW max_parallel_workers_per_gather")
        assert cursor.fetchone() == (before,)


# --- IdsAmong: "one of these ids" as one parameter ----------------------------------------------------------------


def test_ids_among_matches_the_ids_given_as_one_parameter(rows):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from businesses.models import BusinessYear
    from ikm_registry.keyset import IdsAmong

    chosen = [rows[0].pk, rows[5].pk, rows[17].pk, 10**12]  # one that does not exist
    with CaptureQueriesContext(connection) as queries:
        found = set(Business.objects.filter(IdsAmong("pk", chosen)).values_list("pk", flat=True))
    assert found == set(chosen[:3])
    assert queries.captured_queries[0]["sql"].count(str(rows[5].pk)) == 1  # the ids once, in one literal
    assert not Business.objects.filter(IdsAmong("pk", [])).exists()
    for business in rows[:3]:
        BusinessYear.objects.create(business=business, year=2024)
    years = BusinessYear.objects.filter(IdsAmong("business_id", [rows[1].pk, rows[2].pk]))  # a foreign key
    assert sorted(years.values_list("business_id", flat=True)) == sorted([rows[1].pk, rows[2].pk])
    # inside a subquery, whose table PostgreSQL and SQLite know by an alias
    subquery = Business.objects.filter(IdsAmong("pk", chosen)).values("pk")
    assert set(Business.objects.filter(pk__in=subquery).values_list("pk", flat=True)) == set(chosen[:3])
