"""The directory map in a real Chromium (issue 13, point 5): nearby pins are grouped into clusters with their count,
and a tap on a cluster zooms in to its pins or, for pins at one place, spreads them apart; without JavaScript the map
view offers the list instead of an empty box. Map tiles are answered locally (the tests have no internet)."""

import base64
import re
from decimal import Decimal

import pytest
from playwright.sync_api import expect

from businesses.choices import BusinessStatus
from tests.factories import BusinessFactory

TILE = base64.b64decode("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAQAAAC1HAwCAAAAC0lEQVR42mNkYAAAAAYAAjCB0C8AAAAASUVORK5CYII=")
PUBLISHED = BusinessStatus.PUBLISHED
WITHOUT_COORDINATES = 7


@pytest.fixture
def crowded(bali_regions, kbli):
    """Twelve weavers within about 300 m of each other in Tuban, five silversmiths at one address (one point), and one
    business far away in Denpasar; plus published businesses without coordinates (25 in all)."""
    located = {}
    for i in range(12):
        business = BusinessFactory(
            name=f"Tenun Tuban {i:02d}",
            main_product="Kain tenun endek",
            village=bali_regions.tuban,
            latitude=Decimal("-8.740000") + Decimal(i % 4) / 1000,
            longitude=Decimal("115.170000") + Decimal(i // 4) / 1000,
            status=PUBLISHED,
        )
        located[business.name] = business
    for i in range(5):
        business = BusinessFactory(
            name=f"Perak Satu Atap {i}",
            main_product="Cincin perak",
            village=bali_regions.tuban,
            latitude=Decimal("-8.760000"),
            longitude=Decimal("115.180000"),
            status=PUBLISHED,
        )
        located[business.name] = business
    far = BusinessFactory(
        name="Endek Serangan",
        village=bali_regions.serangan,
        latitude=Decimal("-8.720000"),
        longitude=Decimal("115.235000"),
        status=PUBLISHED,
    )
    located[far.name] = far
    for i in range(WITHOUT_COORDINATES):
        BusinessFactory(name=f"Keripik Tanpa Titik {i}", village=bali_regions.munggu, status=PUBLISHED)
    return located


@pytest.fixture
def open_page(browser, live_server):
    contexts = []

    def open_page(width=1280, **options):
        context = browser.new_context(
            base_url=live_server.url, viewport={"width": width, "height": 900}, locale="id-ID", **options
        )
        tiles = []

        def tile(route):
            tiles.append(route.request.url)
            route.fulfill(status=200, content_type="image/png", body=TILE)

        context.route("https://tile.openstreetmap.org/**", tile)
        contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(10_000)
        page.tiles = tiles
        return page

    yield open_page
    for context in contexts:
        context.close()


def clusters(page):
    return page.locator("#map .marker-cluster")


def pins(page):
    return page.locator("#map .leaflet-marker-icon:not(.marker-cluster)")


def shown(page) -> tuple[list[str], list[int]]:
    """The titles of the pins shown on their own, and the counts on the clusters."""
    titles = [pins(page).nth(i).get_attribute("title") for i in range(pins(page).count())]
    return titles, [int(text) for text in clusters(page).all_inner_texts()]


def zoom(page) -> int:
    """The map's zoom level: the highest of the tiles it asked for (…/{z}/{x}/{y}.png)."""
    return max(int(url.rsplit("/", 3)[-3]) for url in page.tiles)


@pytest.mark.parametrize("width", [360, 1280])
def test_nearby_pins_are_grouped_with_their_count(open_page, crowded, width):
    page = open_page(width)
    page.goto("/direktori/?tampilan=peta")
    expect(clusters(page).first).to_be_visible()
    titles, counts = shown(page)
    assert len(titles) + sum(counts) == len(crowded) == 18  # every located business, once
    assert set(titles) <= set(crowded)
    assert max(counts) >= 5  # the crowded places are clusters, not a heap of pins
    assert clusters(page).first.get_attribute("title").endswith("IKM di sekitar sini; ketuk untuk memperbesar")
    expect(page.locator(".map-hint")).to_contain_text("18 IKM dengan koordinat ditampilkan di peta.")
    expect(page.locator(".map-fallback")).to_have_count(0)  # <noscript> is not rendered with JavaScript on
    page.screenshot(path=f"/tmp/map-clusters-{width}.png")


def test_a_tap_on_a_cluster_zooms_in_until_the_pins_are_apart(open_page, crowded):
    page = open_page()
    page.goto("/direktori/?tampilan=peta&q=tenun")  # the twelve weavers and the far one
    expect(clusters(page).first).to_be_visible()
    page.wait_for_load_state("networkidle")
    levels = [zoom(page)]
    for _tap in range(8):  # each tap zooms in to the cluster's pins: a few taps for 300 m
        if not clusters(page).count():
            break
        clusters(page).first.click()
        page.wait_for_timeout(600)  # the zoom animation
        page.wait_for_load_state("networkidle")
        levels.append(zoom(page))
    titles, counts = shown(page)
    assert counts == [], (levels, titles, counts)
    assert sorted(title for title in titles if title.startswith("Tenun Tuban")) == [
        f"Tenun Tuban {i:02d}" for i in range(12)
    ]
    assert levels == sorted(levels) and levels[-1] > levels[0], levels
    pins(page).first.click()
    expect(page.locator(".leaflet-popup-content a")).to_have_text(re.compile(r"Tenun Tuban \d\d|Endek Serangan"))


def test_a_tap_on_pins_at_one_place_spreads_them_apart(open_page, crowded):
    page = open_page()
    page.goto("/direktori/?tampilan=peta&q=perak+satu+atap")
    cluster = clusters(page)
    expect(cluster).to_have_count(1)
    expect(cluster).to_have_text("5")
    cluster.click()
    # Five pins around the spot, joined to it by "spider legs"; each opens its business.
    expect(pins(page)).to_have_count(5)
    expect(page.locator("#map .leaflet-overlay-pane path")).to_have_count(5)
    titles = sorted(pins(page).nth(i).get_attribute("title") for i in range(5))
    assert titles == [f"Perak Satu Atap {i}" for i in range(5)]
    page.wait_for_timeout(500)  # the spreading animation
    page.screenshot(path="/tmp/map-spiderfied-1280.png")
    boxes = [pins(page).nth(i).bounding_box() for i in range(5)]
    centres = [(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2) for box in boxes]
    apart = min(abs(a[0] - b[0]) + abs(a[1] - b[1]) for n, a in enumerate(centres) for b in centres[n + 1 :])
    assert apart >= 24, centres  # a finger's width between any two pins
    pins(page).first.click()
    link = page.locator(".leaflet-popup-content a")
    expect(link).to_have_text(re.compile(r"Perak Satu Atap \d"))
    link.click()
    page.wait_for_url(re.compile(r"/direktori/ikm/\d+/$"))


@pytest.mark.parametrize("width", [360, 1280])
def test_without_javascript_the_map_view_offers_the_list(open_page, crowded, width):
    page = open_page(width, java_script_enabled=False)
    page.goto("/direktori/?tampilan=peta")
    expect(page.locator("#map")).to_be_hidden()  # no empty box
    expect(page.locator(".map-hint")).to_be_hidden()
    notice = page.locator(".map-fallback")
    expect(notice).to_contain_text("Peta memerlukan JavaScript.")
    expect(page.locator("#directory-body .card-title")).to_have_count(20)  # the first page of the results
    page.screenshot(path=f"/tmp/map-nojs-{width}.png", full_page=True)
    # ... its pages, still in the map view, and the list view itself
    page.get_by_role("link", name=re.compile("Berikutnya")).click()
    page.wait_for_url(re.compile(r"sesudah="))  # the next page by its cursor
    assert "tampilan=peta" in page.url
    expect(page.locator("#directory-body .card-title")).to_have_count(len(crowded) + WITHOUT_COORDINATES - 20)
    page.get_by_role("link", name="Buka tampilan daftar").click()
    page.wait_for_url(re.compile(r"/direktori/\?(?!.*tampilan)"))
    expect(page.locator("#directory-body .card-title").first).to_be_visible()
    expect(page.locator(".map-fallback")).to_have_count(0)
