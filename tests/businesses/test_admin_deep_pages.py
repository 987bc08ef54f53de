"""Deep admin list pages without OFFSET (issue 15, point 5; ikm_registry/admin_paging.py): numbered pages up to
ADMIN_MAX_PAGE_NUMBER, then "Berikutnya"/"Sebelumnya" links by cursor, in every order the column headers give, with
the filters and the search kept; actions on every row across pages and the list's export are the whole list."""

import csv
import html
import io
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from businesses.admin import BusinessAdmin
from businesses.choices import BusinessStatus
from businesses.models import Business
from ikm_registry.choices import StaffRole
from tests.factories import BusinessFactory, SentraFactory, staff_user

pytestmark = pytest.mark.django_db

CHANGELIST = "admin:businesses_business_changelist"
PER_PAGE = 3
NUMBERED = 2
NEXT = re.compile(r'<a rel="next" href="([^"]+)"')
PREVIOUS = re.compile(r'<a rel="prev" href="([^"]+)"')


@pytest.fixture
def small_pages(settings, monkeypatch):
    settings.ADMIN_MAX_PAGE_NUMBER = NUMBERED
    monkeypatch.setattr(BusinessAdmin, "list_per_page", PER_PAGE)


@pytest.fixture
def registry(bali_regions, kbli, small_pages):
    """17 businesses in Badung: names repeated (the order's second key decides), owners, some in a sentra, some
    drafts; and one in Denpasar that Badung's operator never sees."""
    sentra = SentraFactory(name="Sentra Tuban", village=bali_regions.tuban, kbli=kbli.batik)
    names = ["Batik", "Endek", "Perak", "Ukir", "Anyaman", "Batik", "Tenun", "Batik", "Kopi"]
    for number in range(17):
        BusinessFactory(
            name=f"{names[number % len(names)]} {number % 5}",
            village=bali_regions.tuban if number % 2 else bali_regions.munggu,
            sentra=sentra if number % 3 == 0 else None,
            status=BusinessStatus.DRAFT if number % 4 == 0 else BusinessStatus.VERIFIED,
            owner__name=f"Pemilik {(number * 7) % 11}",
        )
    BusinessFactory(name="Batik Serangan", village=bali_regions.serangan)


@pytest.fixture
def operator_client(client, registry):
    client.force_login(staff_user(StaffRole.OPERATOR, "51.03", username="operator.badung"))
    return client


def rows(response) -> list[int]:
    return [business.pk for business in response.context["cl"].result_list]


def walk(client, params: dict, numbered: int = NUMBERED) -> tuple[list[int], list]:
    """Every page of the list from the first: the numbered ones, then the "Berikutnya" links; (ids, responses)."""
    url = reverse(CHANGELIST)
    responses = [client.get(url, params)]
    for number in range(2, numbered + 1):
        responses.append(client.get(url, {**params, "p": number}))
    while True:
        found = NEXT.search(responses[-1].content.decode())
        if not found:
            break
        responses.append(client.get(url + html.unescape(found.group(1))))
        assert len(responses) < 20, "the links go round in circles"
    for response in responses:
        assert response.status_code == 200
    return [pk for response in responses for pk in rows(response)], responses


def all_in_order(client, params: dict) -> list[int]:
    """The list's rows in its own order, shown on one page."""
    response = client.get(reverse(CHANGELIST), {**params, "all": ""})
    return rows(response)


@pytest.mark.parametrize(
    "params",
    [
        {},
        # The column numbers count the action checkbox: 1 name, 2 owner, 4 KBLI, 5 sentra, 6 workforce.
        {"o": "1"},
        {"o": "-1"},
        {"o": "2"},  # the owner's name (a related row)
        {"o": "-5.1"},  # the sentra's name (NULL for most), then the name
        {"o": "4"},  # the KBLI code
        {"o": "6"},  # the latest workforce (an annotation; NULL here)
        {"status": BusinessStatus.VERIFIED},
        {"q": "batik"},  # a search: newest first
        {"q": "batik", "o": "-1", "status": BusinessStatus.DRAFT},
    ],
    ids=lambda params: "&".join(f"{key}={value}" for key, value in params.items()) or "plain",
)
def test_the_pages_hold_every_row_once_in_the_lists_order(operator_client, params):
    expected = all_in_order(operator_client, params)
    walked, responses = walk(operator_client, params)
    assert walked == expected
    if len(expected) > PER_PAGE * NUMBERED:
        assert len(responses) > NUMBERED  # pages past the numbered ones were reached by cursor
    for response in responses[NUMBERED:]:
        page = response.content.decode()
        # Filters and search are kept by the cursor links; the numbers are not shown on a cursor page.
        for key, value in params.items():
            assert f"{key}={value}" in html.unescape(NEXT.search(page).group(1) if NEXT.search(page) else "") or (
                f"{key}={value}" in html.unescape(PREVIOUS.search(page).group(1))
            )
        assert "this-page" not in page


def test_sebelumnya_walks_back_to_the_numbered_pages(operator_client):
    _walked, responses = walk(operator_client, {})
    last = responses[-1]
    expected_backwards = [rows(response) for response in reversed(responses[NUMBERED - 1 : -1])]
    url = reverse(CHANGELIST)
    current = last
    for page_rows in expected_backwards:
        found = PREVIOUS.search(current.content.decode())
        assert found, "no Sebelumnya link"
        current = operator_client.get(url + html.unescape(found.group(1)))
        assert rows(current) == page_rows


def test_a_deep_page_is_found_without_an_offset(operator_client):
    _walked, responses = walk(operator_client, {})
    deep = NEXT.search(responses[NUMBERED].content.decode()).group(1)
    with CaptureQueriesContext(connection) as queries:
        response = operator_client.get(reverse(CHANGELIST) + html.unescape(deep))
    assert response.status_code == 200 and rows(response)
    business_reads = [q["sql"] for q in queries if 'FROM "businesses_business"' in q["sql"]]
    assert business_reads and not [sql for sql in business_reads if "OFFSET" in sql.upper()], business_reads


def test_a_page_number_past_the_numbered_ones_shows_the_last_numbered_page(operator_client):
    response = operator_client.get(reverse(CHANGELIST), {"p": 5000})
    assert response.status_code == 200
    assert rows(response) == rows(operator_client.get(reverse(CHANGELIST), {"p": NUMBERED}))
    assert any("Berikutnya" in str(message) for message in response.context["messages"])
    assert NEXT.search(response.content.decode())


def test_links_other_than_the_cursors_start_again_without_the_cursor(operator_client):
    _walked, responses = walk(operator_client, {"status": BusinessStatus.VERIFIED})
    page = html.unescape(responses[NUMBERED].content.decode())
    assert "sesudah=" in page
    sidebar = page[page.index('id="changelist-filter"') : page.index("</nav>", page.index('id="changelist-filter"'))]
    headers = page[page.index("<thead>") : page.index("</thead>")]
    for part in (sidebar, headers):
        links = re.findall(r'href="(\?[^"]*)"', part)
        assert links and not [link for link in links if "sesudah" in link or "sebelum" in link], links


def test_a_forged_cursor_is_a_bad_list_address_not_a_server_error(operator_client):
    for cursor in ("nonsense", "WyJhIl0", "WyJhIiwgImIiXQ", "W1tdLDFd"):
        response = operator_client.get(reverse(CHANGELIST), {"sesudah": cursor})
        assert response.status_code in (200, 302), cursor
        if response.status_code == 302:
            assert "e=1" in response.url


def test_a_cursor_shows_only_the_users_region(operator_client, bali_regions):
    """A cursor names a place in the order, never rows: Denpasar's business stays out of Badung's pages."""
    walked, _responses = walk(operator_client, {})
    assert Business.objects.get(name="Batik Serangan").pk not in walked
    assert len(walked) == 17


def test_select_all_across_pages_acts_on_the_whole_filtered_list_from_a_cursor_page(operator_client, settings):
    settings.ADMIN_MAX_PAGE_NUMBER = 1
    params = {"status": BusinessStatus.DRAFT}
    drafts = all_in_order(operator_client, params)
    assert len(drafts) == 5
    walked, responses = walk(operator_client, params, numbered=1)
    assert walked == drafts and len(responses) == 2
    deep = html.unescape(NEXT.search(responses[0].content.decode()).group(1))
    response = operator_client.post(
        reverse(CHANGELIST) + deep,
        {
            "action": "delete_selected",
            "select_across": "1",
            "index": "0",
            "_selected_action": rows(responses[1]),  # the page's boxes, ticked by "select all"
            "post": "yes",
        },
    )
    assert response.status_code == 302
    assert not Business.objects.filter(pk__in=drafts).exists()
    assert Business.objects.filter(status=BusinessStatus.VERIFIED).count() == 13


def test_the_export_from_a_cursor_page_is_the_whole_list(operator_client):
    _walked, responses = walk(operator_client, {"status": BusinessStatus.VERIFIED})
    page = responses[NUMBERED].content.decode()
    export_form = page[page.index('<li class="export-tools">') : page.index("</form>", page.index("export-tools"))]
    assert 'name="sesudah"' not in export_form and 'name="status" value="verified"' in export_form
    deep = html.unescape(NEXT.search(responses[NUMBERED - 1].content.decode()).group(1))
    response = operator_client.get(reverse("admin:businesses_business_export") + deep + "&format=csv")
    assert response.status_code == 200
    body = b"".join(response.streaming_content).decode("utf-8-sig")
    exported = list(csv.DictReader(io.StringIO(body)))
    assert len(exported) == 12


def test_filter_counts_are_offered_only_for_a_list_counted_exactly(operator_client, settings):
    url = reverse(CHANGELIST)
    short = operator_client.get(url, {"_facets": "True"})
    assert short.context["cl"].add_facets
    assert re.search(r">Draf \(\d+\)<", short.content.decode()) and 'class="hidelink"' in short.content.decode()
    settings.ADMIN_EXACT_COUNT_MAX = 10  # the 17 businesses are now a long list
    long = operator_client.get(url, {"_facets": "True"})
    assert not long.context["cl"].add_facets and not long.context["cl"].is_facets_optional
    page = long.content.decode()
    assert not re.search(r">Draf \(\d+\)<", page)
    assert 'class="viewlink"' not in page and 'class="hidelink"' not in page  # no "Tampilkan hitungan" either
