"""The directory map of a region with many located businesses, in a real Chromium (issue 15, point 4): one circle per
region one level down with its number of businesses, read from the stored counts (`refresh_directory_counts`), when
the region has more than DIRECTORY_MAP_LIMIT; each circle is a link to that region's map, down to the pins. With few
businesses, or counted live (no stored counts, or stale ones), the map shows the businesses themselves.

Map tiles are answered locally (the tests have no internet); screenshots go to /tmp/map-regions-*.png."""

import re
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.db.models import Count
from django.db.models.functions import Left
from playwright.sync_api import expect

from businesses.choices import BusinessStatus
from businesses.models import Business, DirectoryCount
from ikm_registry.models import Region
from tests.browser.test_map_browser import TILE
from tests.factories import BusinessFactory, make_region, make_village

PUBLISHED = BusinessStatus.PUBLISHED
LIMIT = 10  # DIRECTORY_MAP_LIMIT for the region circles: Bali (19 located) and Badung (12) exceed it, the rest not

# (village, how many located published businesses, their first position): Badung 12 (Kuta 9, Mengwi 3), Denpasar 7.
PLACES = [
    ("tuban", 5, ("-8.745000", "115.170000")),
    ("kuta_village", 4, ("-8.718000", "115.172000")),
    ("munggu", 3, ("-8.590000", "115.120000")),
    ("serangan", 4, ("-8.730000", "115.235000")),
    ("sidakarya", 3, ("-8.700000", "115.230000")),
]


@pytest.fixture
def two_regencies(bali_regions, kbli):
    """19 published businesses with coordinates in Badung and Denpasar; besides them, published ones without
    coordinates (in the list, not on the map) and located ones not yet published (on neither)."""
    for village, n, (latitude, longitude) in PLACES:
        for i in range(n):
            BusinessFactory(
                name=f"IKM {village.replace('_', ' ').title()} {i}",
                village=getattr(bali_regions, village),
                latitude=Decimal(latitude) + Decimal(i) / 500,
                longitude=Decimal(longitude) + Decimal(i) / 500,
                status=PUBLISHED,
            )
    for i in range(3):
        BusinessFactory(name=f"IKM Tanpa Titik {i}", village=bali_regions.munggu, status=PUBLISHED)
    for i in range(4):
        BusinessFactory(
            name=f"IKM Belum Terbit {i}",
            village=bali_regions.sidakarya,
            latitude=Decimal("-8.690000"),
            longitude=Decimal("115.220000"),
            status=BusinessStatus.VERIFIED,
        )
    return bali_regions


def located(length: int = 0, within: str = "") -> dict[str, int]:
    """Published businesses with coordinates per region code of `length` characters (from the businesses)."""
    rows = Business.objects.filter(status=PUBLISHED, latitude__isnull=False, village__code__startswith=within)
    grouped = rows.annotate(region=Left("village_id", length)).values("region").annotate(n=Count("pk"))
    return {row["region"]: row["n"] for row in grouped.order_by("region")}


def located_names(within: str) -> list[str]:
    rows = Business.objects.filter(status=PUBLISHED, latitude__isnull=False, village__code__startswith=within)
    return sorted(rows.values_list("name", flat=True))


def expected_circles(length: int, within: str = "") -> dict[str, str]:
    """{region name: "<name>: <count>"} of the circles a map should show, as their accessible names begin."""
    counts = located(length, within)
    names = dict(Region.objects.filter(code__in=counts).values_list("code", "name"))
    return {names[code]: f"{names[code]}: {n:,}".replace(",", ".") for code, n in counts.items()}


@pytest.fixture
def open_page(browser, live_server):
    contexts = []

    def open_page(width=1280, **options):
        context = browser.new_context(
            base_url=live_server.url, viewport={"width": width, "height": 844}, locale="id-ID", **options
        )
        context.route("https://tile.openstreetmap.org/**", lambda route: route.fulfill(body=TILE))
        contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(10_000)
        return page

    yield open_page
    for context in contexts:
        context.close()


def circles(page):
    """The region circles: links on the map, named "<region>: <count> IKM ...", labelled with the short count."""
    return page.locator("#map .region-cluster a")


def circle_names(page) -> dict[str, str]:
    """{region name: accessible name} of the circles shown."""
    expect(circles(page).first).to_be_visible()
    names = [circles(page).nth(i).get_attribute("aria-label") for i in range(circles(page).count())]
    return {name.split(":")[0]: name for name in names}


def pins(page):
    return page.locator("#map .leaflet-marker-icon:not(.marker-cluster)")


def pin_total(page) -> tuple[list[str], int]:
    """The titles of the pins shown on their own, and every business on the map (pins and markercluster counts)."""
    page.wait_for_function("document.querySelector('#map .leaflet-marker-icon') !== null")
    titles = [pins(page).nth(i).get_attribute("title") for i in range(pins(page).count())]
    grouped = page.locator("#map .marker-cluster:not(.region-cluster)").all_inner_texts()
    return titles, len(titles) + sum(int(text) for text in grouped)


def hint(page):
    return page.locator("#directory-body .map-hint")


def open_circle(page, region: str, touch: bool):
    """Tap (or click) the circle of `region`, found as a user's assistive technology finds it: a link by its name."""
    link = page.get_by_role("link", name=re.compile(f"^{re.escape(region)}: "))
    expect(link).to_have_count(1)
    if touch:
        link.tap()
    else:
        link.click()


@pytest.mark.parametrize("device", ["phone", "desktop"])
def test_many_located_businesses_are_region_circles_that_open_their_region(open_page, two_regencies, settings, device):
    settings.DIRECTORY_MAP_LIMIT = LIMIT
    call_command("refresh_directory_counts")
    touch = device == "phone"
    page = open_page(390, has_touch=True, is_mobile=True) if touch else open_page(1280)

    # Indonesia: one circle, Bali, with every located published business (not the unpublished, not the unlocated).
    page.goto("/direktori/?tampilan=peta")
    assert list(circle_names(page)) == ["Bali"]
    assert circle_names(page)["Bali"].startswith(expected_circles(2)["Bali"] + " IKM")
    assert circles(page).inner_text() == "19" == str(sum(located(2).values()))
    expect(pins(page)).to_have_count(0)
    expect(hint(page)).to_contain_text(
        "Setiap lingkaran menunjukkan jumlah IKM berkoordinat di satu wilayah; ketuk untuk membuka peta wilayah itu. "
        "Wilayah yang berdekatan digabung dalam satu lingkaran sampai peta diperbesar."
    )
    expect(hint(page)).to_be_visible()

    # Bali: a circle per regency, its count from the database.
    open_circle(page, "Bali", touch)
    page.wait_for_url(re.compile(r"[?&]wilayah=51(&|$)"))
    assert "tampilan=peta" in page.url
    names = circle_names(page)
    assert names.keys() == {"Kabupaten Badung", "Kota Denpasar"}
    for region, start in expected_circles(5, "51").items():
        assert names[region].startswith(start + " IKM"), names
    labels = dict(zip([n.split(":")[0] for n in names.values()], circles(page).all_inner_texts(), strict=True))
    assert labels == {"Kabupaten Badung": "12", "Kota Denpasar": "7"}
    expect(pins(page)).to_have_count(0)
    page.screenshot(path=f"/tmp/map-regions-bali-{device}.png", full_page=True)

    # Kota Denpasar (7, not more than the limit): its businesses as pins, and in the results.
    open_circle(page, "Kota Denpasar", touch)
    page.wait_for_url(re.compile(r"[?&]wilayah=51\.71(&|$)"))
    titles, total = pin_total(page)
    assert total == 7 and set(titles) <= set(located_names("51.71")), titles
    expect(circles(page)).to_have_count(0)
    expect(hint(page)).to_contain_text("7 IKM dengan koordinat ditampilkan di peta.")
    expect(page.locator(".result-count")).to_contain_text("7 IKM")  # the unpublished are in neither
    page.screenshot(path=f"/tmp/map-regions-denpasar-{device}.png")

    # Back to Bali, then Kabupaten Badung (12): a circle per kecamatan, and Kuta (9) opens as pins.
    page.go_back()
    page.wait_for_url(re.compile(r"[?&]wilayah=51(&|$)"))
    open_circle(page, "Kabupaten Badung", touch)
    page.wait_for_url(re.compile(r"[?&]wilayah=51\.03(&|$)"))
    names = circle_names(page)
    assert {region: name.split(" IKM")[0] for region, name in names.items()} == expected_circles(8, "51.03")
    assert sorted(circles(page).all_inner_texts()) == ["3", "9"]
    expect(page.locator(".result-count")).to_contain_text("15 IKM")  # the list counts the unlocated too
    open_circle(page, "Kuta", touch)
    page.wait_for_url(re.compile(r"[?&]wilayah=51\.03\.01(&|$)"))
    titles, total = pin_total(page)
    assert total == 9 and set(titles) <= set(located_names("51.03.01"))
    pins(page).first.click()
    expect(page.locator(".leaflet-popup-content a")).to_have_text(re.compile(r"IKM (Tuban|Kuta Village) \d"))


def test_a_region_circle_opens_from_the_keyboard(open_page, two_regencies, settings):
    settings.DIRECTORY_MAP_LIMIT = LIMIT
    call_command("refresh_directory_counts")
    page = open_page()
    page.goto("/direktori/?tampilan=peta&wilayah=51")
    denpasar = page.get_by_role("link", name=re.compile("^Kota Denpasar: 7 IKM"))
    assert re.search(r"[?&]wilayah=51\.71(&|$)", denpasar.get_attribute("href"))
    denpasar.focus()
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"[?&]wilayah=51\.71(&|$)"))
    assert pin_total(page)[1] == 7


@pytest.mark.parametrize("counts", ["stored", "live"])
def test_with_a_high_limit_the_map_shows_every_business(open_page, two_regencies, settings, counts):
    settings.DIRECTORY_MAP_LIMIT = 1000
    if counts == "stored":
        call_command("refresh_directory_counts")
    page = open_page()
    page.goto("/direktori/?tampilan=peta")
    titles, total = pin_total(page)
    assert total == sum(located(2).values()) == 19
    assert set(titles) <= set(located_names("51"))
    expect(circles(page)).to_have_count(0)
    expect(hint(page)).to_have_text(re.compile(r"^19 IKM dengan koordinat ditampilkan di peta\. Peta © "))


@pytest.mark.parametrize("counts", ["none", "stale"])
def test_counted_live_the_map_shows_at_most_the_limit_as_pins(open_page, two_regencies, settings, counts):
    """Without stored counts that hold (a small registry whose counts are older than its data), no circles: the first
    DIRECTORY_MAP_LIMIT located businesses, and a hint to narrow the search."""
    settings.DIRECTORY_MAP_LIMIT = LIMIT
    if counts == "stale":
        call_command("refresh_directory_counts")
        BusinessFactory(
            name="IKM Baru Terbit",
            village=two_regencies.serangan,
            latitude=Decimal("-8.731000"),
            longitude=Decimal("115.236000"),
            status=PUBLISHED,
        )
    page = open_page()
    page.goto("/direktori/?tampilan=peta&wilayah=51")
    titles, total = pin_total(page)
    assert total == LIMIT
    assert set(titles) <= set(located_names("51"))
    expect(circles(page)).to_have_count(0)
    expect(hint(page)).to_contain_text(
        f"{LIMIT} IKM dengan koordinat ditampilkan di peta. Persempit pencarian untuk melihat sisanya."
    )


# Thirty-eight provinces at about their centres, with national-scale counts (1,000,000 in all): Java's six provinces
# lie within 600 km of each other, so on a phone their circles would be drawn one over another.
PROVINCES = {
    "11": ("Aceh", 4.4, 96.9, 18_000),
    "12": ("Sumatera Utara", 2.1, 99.5, 40_000),
    "13": ("Sumatera Barat", -0.7, 100.6, 28_000),
    "14": ("Riau", 0.3, 101.7, 15_000),
    "15": ("Jambi", -1.6, 103.6, 12_000),
    "16": ("Sumatera Selatan", -3.3, 104.0, 22_000),
    "17": ("Bengkulu", -3.8, 102.3, 6_000),
    "18": ("Lampung", -4.6, 105.2, 30_000),
    "19": ("Kepulauan Bangka Belitung", -2.7, 106.4, 4_000),
    "21": ("Kepulauan Riau", 3.9, 108.1, 3_000),
    "31": ("DKI Jakarta", -6.2, 106.85, 35_000),
    "32": ("Jawa Barat", -6.9, 107.6, 160_000),
    "33": ("Jawa Tengah", -7.15, 110.1, 150_000),
    "34": ("DI Yogyakarta", -7.8, 110.4, 42_000),
    "35": ("Jawa Timur", -7.5, 112.2, 151_234),
    "36": ("Banten", -6.4, 106.1, 30_000),
    "51": ("Bali", -8.4, 115.2, 14_000),
    "52": ("Nusa Tenggara Barat", -8.65, 117.4, 30_000),
    "53": ("Nusa Tenggara Timur", -8.66, 121.1, 25_000),
    "61": ("Kalimantan Barat", -0.3, 111.5, 12_000),
    "62": ("Kalimantan Tengah", -1.7, 113.4, 6_000),
    "63": ("Kalimantan Selatan", -3.1, 115.3, 20_000),
    "64": ("Kalimantan Timur", 0.5, 116.4, 8_000),
    "65": ("Kalimantan Utara", 3.1, 116.0, 1_500),
    "71": ("Sulawesi Utara", 1.0, 124.5, 7_000),
    "72": ("Sulawesi Tengah", -1.4, 121.4, 9_000),
    "73": ("Sulawesi Selatan", -3.7, 120.0, 40_000),
    "74": ("Sulawesi Tenggara", -4.1, 122.2, 9_000),
    "75": ("Gorontalo", 0.7, 122.4, 3_500),
    "76": ("Sulawesi Barat", -2.8, 119.2, 57_766),
    "81": ("Maluku", -3.2, 130.1, 4_000),
    "82": ("Maluku Utara", 1.6, 127.8, 2_000),
    "91": ("Papua", -2.5, 140.7, 2_000),
    "92": ("Papua Barat", -1.3, 133.2, 1_000),
    "93": ("Papua Selatan", -7.0, 139.5, 500),
    "94": ("Papua Tengah", -3.9, 136.4, 500),
    "95": ("Papua Pegunungan", -4.1, 138.9, 300),
    "96": ("Papua Barat Daya", -1.0, 131.5, 700),
}


@pytest.fixture
def nation(kbli):
    """One located business in each of the 38 provinces, counted; the stored map counts then set to national figures
    (the map reads only those: the look of a million businesses without making them)."""
    for code, (name, latitude, longitude, _n) in PROVINCES.items():
        make_region(code, name)
        village = make_village(f"{code}.01.01.2001", f"Desa {name}")
        BusinessFactory(name=f"IKM {name}", village=village, latitude=latitude, longitude=longitude, status=PUBLISHED)
    call_command("refresh_directory_counts")
    for code, (_name, _latitude, _longitude, n) in PROVINCES.items():
        assert DirectoryCount.objects.filter(region="", kbli="", facet="peta", value=code).update(count=n) == 1
    assert sum(n for *_rest, n in PROVINCES.values()) == 1_000_000


def overlapping(boxes: list[dict]) -> list[tuple[int, int]]:
    """Pairs of circles (bounding boxes of round icons) drawn over each other."""

    def centre(box):
        return box["x"] + box["width"] / 2, box["y"] + box["height"] / 2

    def apart(a, b):
        (ax, ay), (bx, by) = centre(a), centre(b)
        return ((ax - bx) ** 2 + (ay - by) ** 2) ** 0.5 >= (a["width"] + b["width"]) / 2

    return [(i, j) for i, a in enumerate(boxes) for j, b in enumerate(boxes[i + 1 :], i + 1) if not apart(a, b)]


def drawn_circles(page) -> list[dict]:
    """Each circle on the map: its label, its accessible name, the number in it, whether it is a region's link (or
    a button for regions shown as one) and its bounding box."""
    shown = page.locator("#map .region-cluster").locator("a, button")
    circles = []
    for i in range(shown.count()):
        control = shown.nth(i)
        name = control.get_attribute("aria-label")
        circles.append(
            {
                "label": control.inner_text(),
                "name": name,
                "count": int(re.search(r"([\d.]+) IKM", name).group(1).replace(".", "")),
                "link": control.evaluate("element => element.tagName") == "A",
                "box": page.locator("#map .region-cluster").nth(i).bounding_box(),
            }
        )
    return circles


def check_readable(page) -> list[dict]:
    """Every circle apart from the others, with its label inside it; the circles count every located business."""
    circles = drawn_circles(page)
    assert circles
    boxes = [circle["box"] for circle in circles]
    assert not overlapping(boxes), [(circles[i]["name"], circles[j]["name"]) for i, j in overlapping(boxes)]
    fits = page.eval_on_selector_all(
        "#map .region-cluster div", "divs => divs.map(d => d.scrollWidth <= d.clientWidth)"
    )
    assert fits and all(fits), [circle["label"] for circle in circles]
    assert all(re.fullmatch(r"\d{1,3}|\d{1,3}(,\d)? (rb|jt)", circle["label"]) for circle in circles), circles
    assert sum(circle["count"] for circle in circles) == 1_000_000
    return circles


def settle(page):
    page.wait_for_load_state("networkidle")
    page.wait_for_timeout(400)  # a zoom's animation, then the circles drawn again


@pytest.mark.parametrize("width", [390, 1280])
def test_the_national_map_is_readable_and_opens_a_province(open_page, nation, width):
    """Thirty-eight provinces' circles: none drawn over another (those too near at this zoom are shown as one, with
    their sum), every label inside its circle, a million in all. Tapping a circle of several zooms in to them, until
    Jawa Timur has its own circle, a link to its map."""
    page = open_page(width, has_touch=True, is_mobile=True) if width < 600 else open_page(width)
    page.goto("/direktori/?tampilan=peta")
    settle(page)
    page.locator("#map").screenshot(path=f"/tmp/map-regions-nation-{width}.png")
    circles = check_readable(page)
    groups = [circle for circle in circles if not circle["link"]]
    assert groups, "at this zoom some provinces are too near to be drawn apart"
    for circle in circles:
        if circle["link"]:
            name = circle["name"].split(":")[0]
            code = next(code for code, (province, *_rest) in PROVINCES.items() if province == name)
            assert circle["count"] == PROVINCES[code][3]
            assert circle["name"].endswith("IKM berkoordinat; ketuk untuk membuka peta wilayah ini")
        else:
            assert circle["name"].endswith("IKM di sekitar sini; ketuk untuk memperbesar")

    jatim = page.get_by_role("link", name=re.compile(r"^Jawa Timur: 151\.234 IKM"))
    for _tap in range(6):
        if jatim.count():
            break
        biggest = max((c for c in drawn_circles(page) if not c["link"]), key=lambda circle: circle["count"])
        button = page.get_by_role("button", name=biggest["name"], exact=True)
        button.tap() if width < 600 else button.click()
        settle(page)
        check_readable(page)
    page.locator("#map").screenshot(path=f"/tmp/map-regions-nation-{width}-zoomed.png")
    expect(jatim).to_have_count(1)
    assert jatim.inner_text() == "151 rb"
    jatim.tap() if width < 600 else jatim.click()
    page.wait_for_url(re.compile(r"[?&]wilayah=35(&|$)"))
    titles, total = pin_total(page)  # its map from its own stored counts (not made up): its one business, a pin
    assert titles == ["IKM Jawa Timur"] and total == 1


def test_dragging_the_map_from_a_circle_moves_it_without_opening_the_region(open_page, two_regencies, settings):
    settings.DIRECTORY_MAP_LIMIT = LIMIT
    call_command("refresh_directory_counts")
    page = open_page()
    page.goto("/direktori/?tampilan=peta&wilayah=51")
    settle(page)
    denpasar = page.get_by_role("link", name=re.compile("^Kota Denpasar: 7 IKM"))
    before = denpasar.bounding_box()
    page.mouse.move(before["x"] + 24, before["y"] + 24)
    page.mouse.down()
    for step in range(1, 11):
        page.mouse.move(before["x"] + 24 - 15 * step, before["y"] + 24 + 5 * step)
    page.mouse.up()
    settle(page)
    assert re.search(r"[?&]wilayah=51(&|$)", page.url), page.url
    after = denpasar.bounding_box()
    assert after["x"] < before["x"] - 100  # the map moved with the pointer
    denpasar.click()  # a click still opens it
    page.wait_for_url(re.compile(r"[?&]wilayah=51\.71(&|$)"))
