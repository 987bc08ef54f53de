"""The public site in a real Chromium: search and filters (with and without JavaScript), a business profile, the
language switch, self-registration reaching the operator's queue, page weight, the map and keyboard use.

Data is created in each test before the first page load: the live server runs in another thread, on a transactional
database, and public pages are cached per data version (the cache is cleared around every test).
"""

import gzip
import re
from decimal import Decimal

import pytest
from django.db import connection
from playwright.sync_api import expect

from businesses.choices import BusinessStatus, Sex
from businesses.models import Business
from ikm_registry.choices import StaffRole
from tests.browser.conftest import log_in
from tests.factories import (
    BusinessFactory,
    BusinessYearFactory,
    OwnerFactory,
    SentraFactory,
    make_kbli,
    make_village,
    staff_user,
)

PUBLISHED = BusinessStatus.PUBLISHED


@pytest.fixture
def new_page(browser, live_server):
    """Pages in fresh browser contexts (own cookies, optionally without JavaScript), closed after the test."""
    contexts = []

    def open_page(**options):
        context = browser.new_context(
            base_url=live_server.url, viewport={"width": 1366, "height": 900}, locale="id-ID", **options
        )
        contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(10_000)
        return page

    yield open_page
    for context in contexts:
        context.close()


def card_titles(page) -> list[str]:
    return page.locator("#directory-body .card-title").all_inner_texts()


def result_count(page):
    return page.locator("#directory-body .result-count")


@pytest.fixture
def kuta_and_denpasar(bali_regions, kbli):
    """Published businesses: two in Kel. Tuban and one in Kel. Kuta (Kec. Kuta), one in Mengwi (all Badung), one
    in Denpasar Selatan and one in NTB; plus a submitted one in Tuban that the public never sees."""
    ntb_village = make_village("52.01.01.2001", "Desa Sumbawa")
    return {
        "tuban_tenun": BusinessFactory(
            name="Tenun Ikat Sari", main_product="Kain tenun ikat", village=bali_regions.tuban, status=PUBLISHED
        ),
        "tuban_perak": BusinessFactory(
            name="Perak Tuban",
            main_product="Perhiasan perak",
            village=bali_regions.tuban,
            kbli=kbli.silver,
            status=PUBLISHED,
        ),
        "kuta_batik": BusinessFactory(
            name="Batik Pantai", main_product="Kain batik cap", village=bali_regions.kuta_village, status=PUBLISHED
        ),
        "mengwi": BusinessFactory(
            name="Keripik Munggu", main_product="Keripik singkong", village=bali_regions.munggu, status=PUBLISHED
        ),
        "denpasar": BusinessFactory(
            name="Tenun Serangan", main_product="Kain endek", village=bali_regions.serangan, status=PUBLISHED
        ),
        "ntb": BusinessFactory(
            name="Tenun Sumbawa", main_product="Kain songket", village=ntb_village, status=PUBLISHED
        ),
        "unpublished": BusinessFactory(
            name="Tenun Belum Terbit", village=bali_regions.tuban, status=BusinessStatus.SUBMITTED
        ),
    }


# --- 1. search -------------------------------------------------------------------------------------------------------


def test_search_finds_batik_and_updates_results_in_place(page, bali_regions, kbli):
    BusinessFactory(name="Batik Tuban", main_product="Kain batik tulis", village=bali_regions.tuban, status=PUBLISHED)
    BusinessFactory(
        name="Keripik Bu Made", main_product="Keripik singkong", village=bali_regions.tuban, status=PUBLISHED
    )
    BusinessFactory(
        name="Perak Celuk",
        main_product="Perhiasan perak",
        village=bali_regions.serangan,
        kbli=kbli.silver,
        status=PUBLISHED,
    )

    page.goto("/direktori/")
    expect(result_count(page)).to_contain_text("3 IKM")
    page.evaluate("window.__marker = 1")

    # A correctly spelled partial word is found on every database (a substring of "batik").
    with page.expect_request(lambda request: "q=bati" in request.url) as partial_request:
        page.fill("#id_q", "bati")
    assert partial_request.value.headers.get("hx-request") == "true"
    expect(result_count(page)).to_contain_text("1 IKM untuk “bati”")
    assert card_titles(page) == ["Batik Tuban"]
    page.wait_for_url(re.compile(r"/direktori/\?(.*&)?q=bati(&|$)"))

    # A typo: PostgreSQL's trigram word similarity finds "batik"; SQLite only matches substrings.
    page.fill("#id_q", "batk")
    page.wait_for_url(re.compile(r"/direktori/\?(.*&)?q=batk(&|$)"))
    if connection.vendor == "postgresql":
        expect(result_count(page)).to_contain_text("1 IKM untuk “batk”")
        assert card_titles(page) == ["Batik Tuban"]
    else:
        expect(result_count(page)).to_contain_text("0 IKM untuk “batk”")
        assert card_titles(page) == []
        expect(page.locator("#directory-body .empty")).to_contain_text("Tidak ada IKM yang cocok.")

    # htmx swapped the results: the page (and the marker set on it) was never reloaded.
    assert page.evaluate("window.__marker") == 1
    assert page.input_value("#id_q") == "batk"


# --- 2. filters ------------------------------------------------------------------------------------------------------


def test_back_button_restores_the_whole_page_and_its_query(page, bali_regions, kbli):
    BusinessFactory(name="Batik Tuban", main_product="Kain batik tulis", village=bali_regions.tuban, status=PUBLISHED)
    page.goto("/direktori/")
    page.fill("#id_q", "bati")
    page.wait_for_url("**q=bati**")
    page.fill("#id_q", "tuban")
    page.wait_for_url("**q=tuban**")
    assert page.url.endswith("/direktori/?q=tuban")  # empty filters stay out of the shareable address
    page.go_back()
    expect(result_count(page)).to_contain_text("“bati”")
    assert page.input_value("#id_q") == "bati"
    page.go_forward()
    expect(result_count(page)).to_contain_text("“tuban”")
    # Without htmx's history snapshot the page is fetched again: it must come back whole, not as the fragment.
    page.evaluate("sessionStorage.removeItem('htmx-history-cache')")
    page.go_back()
    expect(page.locator("h1")).to_have_text("Direktori IKM")
    expect(page.locator("#directory-form #directory-body")).to_have_count(1)
    expect(result_count(page)).to_contain_text("“bati”")


def test_switching_language_keeps_the_search(page, bali_regions, kbli):
    BusinessFactory(name="Batik Tuban", main_product="Kain batik tulis", village=bali_regions.tuban, status=PUBLISHED)
    BusinessFactory(name="Perak Kuta", main_product="Cincin perak", village=bali_regions.tuban, status=PUBLISHED)
    page.goto("/direktori/")
    page.fill("#id_q", "bati")
    page.wait_for_url("**q=bati**")
    expect(result_count(page)).to_contain_text("1 IKM")
    page.get_by_role("button", name="English").click()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(result_count(page)).to_contain_text("“bati”")
    assert card_titles(page) == ["Batik Tuban"]


def test_filter_down_to_a_kecamatan(page, kuta_and_denpasar):
    page.goto("/direktori/")
    expect(result_count(page)).to_contain_text("6 IKM")
    wilayah = page.locator("#id_wilayah")

    wilayah.select_option(label="Bali (5)")
    expect(result_count(page)).to_contain_text("5 IKM")
    wilayah.select_option(label="Kabupaten Badung (4)")
    expect(result_count(page)).to_contain_text("4 IKM")
    # The kecamatan of Badung with their counts; Kuta (kecamatan) holds three, Mengwi one.
    expect(wilayah.locator("optgroup option")).to_have_text(["Kuta (3)", "Mengwi (1)"])

    wilayah.select_option(label="Kuta (3)")
    expect(result_count(page)).to_contain_text("3 IKM")
    page.wait_for_url(re.compile(r"[?&]wilayah=51\.03\.01(&|$)"))
    assert sorted(card_titles(page)) == ["Batik Pantai", "Perak Tuban", "Tenun Ikat Sari"]
    # The chosen kecamatan is the selected option; its villages are offered next. (Waiting assertions: the filter
    # panel is swapped in after the results, so it may still show the previous choices for a moment.)
    expect(wilayah.locator("option:checked")).to_have_text("Kec. Kuta")
    expect(wilayah.locator("optgroup option")).to_have_text(["Tuban (2)", "Kuta (1)"])


# --- 3. profile ------------------------------------------------------------------------------------------------------


def test_profile_shows_the_business_but_not_the_owners_private_data(page, bali_regions, kbli):
    business = BusinessFactory(
        name="Tenun Ikat Sari",
        main_product="Kain tenun ikat",
        address="Jl. Raya Tuban No. 7",
        village=bali_regions.tuban,
        status=PUBLISHED,
        owner=None,
    )
    OwnerFactory(
        business=business,
        name="Ni Made Sari",
        sex=Sex.FEMALE,
        nik="5103014501900001",
        phone="081299887766",  # no phone_public_since: no consent to publish it
        email="made.sari@example.com",
        home_address="Banjar Pesalakan, Gang Melati 3",
    )
    BusinessFactory(name="Perak Celuk", main_product="Perhiasan perak", village=bali_regions.serangan, status=PUBLISHED)

    page.goto("/direktori/")
    page.locator("#directory-body").get_by_role("link", name="Tenun Ikat Sari").click()
    page.wait_for_url(f"**/direktori/ikm/{business.pk}/")

    profile = page.locator("article.profile")
    expect(profile.locator("h1")).to_have_text("Tenun Ikat Sari")
    expect(profile.locator(".lead")).to_have_text("Kain tenun ikat")
    location = profile.locator("section", has=page.get_by_role("heading", name="Lokasi")).inner_text()
    assert "Jl. Raya Tuban No. 7" in location
    assert "Kelurahan Tuban, Kec. Kuta" in location
    assert "Kabupaten Badung, Bali" in location
    expect(profile).to_contain_text("Pemilik belum mengizinkan kontaknya ditampilkan.")

    html = page.content()
    for private in ("5103014501900001", "081299887766", "81299887766", "made.sari@example.com", "Gang Melati"):
        assert private not in html, private


# --- 4. language -----------------------------------------------------------------------------------------------------


def test_language_switch_to_english_persists(page, kuta_and_denpasar):
    page.goto("/direktori/")
    assert page.locator("html").get_attribute("lang") == "id"
    expect(page.locator("h1")).to_have_text("Direktori IKM")

    page.locator("header").get_by_role("button", name="English").click()
    page.wait_for_url("**/direktori/")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.locator("h1")).to_have_text("IKM directory")
    expect(page.get_by_label("Search for a business or product")).to_be_visible()
    nav = page.get_by_role("navigation", name="Main menu")
    expect(nav.get_by_role("link", name="Directory", exact=True)).to_be_visible()
    # Now the switch offers the way back.
    expect(page.locator("header").get_by_role("button", name="Bahasa Indonesia")).to_be_visible()

    page.goto("/statistik/")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.locator("nav").get_by_role("link", name="Statistics")).to_have_attribute("aria-current", "page")
    page.goto("/direktori/")
    expect(page.locator("h1")).to_have_text("IKM directory")


# --- 5. self-registration --------------------------------------------------------------------------------------------


def test_self_registration_reaches_the_regency_operators_queue(page, new_page, bali_regions, kbli):
    staff_user(StaffRole.OPERATOR, "51.03", username="operator.badung")
    staff_user(StaffRole.OPERATOR, "51.71", username="operator.denpasar")

    page.goto("/daftar/")
    # Step 1: each choice submits its GET form on change.
    page.select_option("#id_wilayah", label="Bali")
    page.wait_for_url(re.compile(r"/daftar/\?wilayah=51$"))
    page.select_option("#id_wilayah", label="Kabupaten Badung")
    page.wait_for_url(re.compile(r"/daftar/\?wilayah=51\.03$"))
    page.select_option("#id_wilayah", label="Kuta")
    page.wait_for_url(re.compile(r"/daftar/\?wilayah=51\.03\.01$"))
    expect(page.locator("p.trail")).to_contain_text("Bali › Kabupaten Badung › Kec. Kuta")

    # Step 2: the form.
    page.select_option("#id_village", label="Tuban")
    page.fill("#id_address", "Jl. Kediri No. 12, Banjar Segara")
    page.fill("#id_name", "Endek Segara Mandiri")
    page.fill("#id_main_product", "Kain tenun endek")
    page.fill("#id_kbli_q", "batik")  # the codes are listed while typing (static/js/register.js)
    page.get_by_label("13134 — Industri Batik").check()
    page.fill("#id_owner_name", "Ni Luh Segara")
    page.get_by_label("Perempuan").check()
    page.fill("#id_owner_phone", "081234567890")
    page.check("#id_agree")
    page.get_by_role("button", name="Kirim pendaftaran").click()

    page.wait_for_url("**/daftar/terkirim/")
    business = Business.objects.get(name="Endek Segara Mandiri")
    assert business.status == BusinessStatus.SUBMITTED
    assert business.village_id == "51.03.01.1001"
    assert business.owner.phone == "081234567890"
    assert business.owner.phone_public_since is None
    expect(page.locator("h1")).to_have_text("Terima kasih, pendaftaran terkirim")
    notice = page.locator(".notice")
    expect(notice).to_contain_text("Endek Segara Mandiri sudah masuk antrean pemeriksaan.")
    expect(notice).to_contain_text(f"Nomor pendaftaran: IKM-{business.pk}.")
    expect(page.get_by_role("heading", name="Apa selanjutnya?")).to_be_visible()
    expect(page.locator("ol.steps")).to_contain_text("Petugas Disperindag Kabupaten Badung memeriksa data Anda")

    badung = new_page()
    log_in(badung, "operator.badung")
    attention = badung.locator("section.attention")
    expect(attention.locator("a.status-submitted .count")).to_have_text("1")
    expect(attention.locator("table").get_by_role("link", name="Endek Segara Mandiri")).to_be_visible()

    denpasar = new_page()
    log_in(denpasar, "operator.denpasar")
    attention = denpasar.locator("section.attention")
    expect(attention.locator("a.status-submitted .count")).to_have_text("0")
    assert "Endek Segara Mandiri" not in attention.inner_text()


# --- 6. without JavaScript -------------------------------------------------------------------------------------------


def test_directory_filters_work_without_javascript(new_page, kuta_and_denpasar):
    page = new_page(java_script_enabled=False)
    page.goto("/direktori/")
    expect(result_count(page)).to_contain_text("6 IKM")

    # The filters are folded away; opened, the <noscript> button applies them.
    page.locator("details.filters summary").click()
    page.select_option("#id_wilayah", label="Bali (5)")
    page.get_by_role("button", name="Terapkan saringan").click()
    page.wait_for_url(re.compile(r"[?&]wilayah=51(&|$)"))
    expect(result_count(page)).to_contain_text("5 IKM")
    assert "Tenun Sumbawa" not in card_titles(page)
    expect(page.locator("details.filters summary")).to_contain_text("1 aktif")

    # ... and Enter in the search box submits the whole form, keeping the region.
    page.fill("#id_q", "tenun")
    page.press("#id_q", "Enter")
    page.wait_for_url(re.compile(r"[?&]q=tenun(&|$)"))
    assert re.search(r"[?&]wilayah=51(&|$)", page.url)
    expect(result_count(page)).to_contain_text("2 IKM untuk “tenun”")
    assert sorted(card_titles(page)) == ["Tenun Ikat Sari", "Tenun Serangan"]


# --- 7. page weight and the map --------------------------------------------------------------------------------------

# The map page without its tiles (Leaflet, its clustering, the points and the list for browsers without JavaScript)
# keeps to the list page's budget.
MAP_PAGE_BUDGET = 100 * 1024
BALI_POINTS = [(Decimal("-8.650000") - Decimal(i) / 100, Decimal("115.100000") + Decimal(i) / 50) for i in range(24)]


@pytest.fixture
def demo_like_directory(bali_regions, kbli):
    """36 published businesses across Badung and Denpasar, two sentra, yearly figures; 24 with coordinates."""
    make_kbli("10794")
    villages = [
        bali_regions.tuban,
        bali_regions.kuta_village,
        bali_regions.munggu,
        bali_regions.serangan,
        bali_regions.sidakarya,
    ]
    kblis = [kbli.batik, kbli.printing, kbli.silver, make_kbli("10794")]
    sentra = [
        SentraFactory(name="Sentra Tenun Tuban", village=bali_regions.tuban),
        SentraFactory(name="Sentra Perak Serangan", village=bali_regions.serangan, kbli=kbli.silver),
    ]
    located = []
    for i in range(36):
        point = BALI_POINTS[i] if i < len(BALI_POINTS) else (None, None)
        business = BusinessFactory(
            name=f"IKM Contoh {i:02d}",
            main_product=["Kain tenun endek", "Kain batik cap", "Perhiasan perak", "Keripik singkong"][i % 4],
            village=villages[i % len(villages)],
            kbli=kblis[i % len(kblis)],
            sentra=sentra[i % 2] if i % 3 == 0 else None,
            address=f"Jl. Contoh No. {i}",
            latitude=point[0],
            longitude=point[1],
            year_founded=1990 + i % 30,
            status=PUBLISHED,
        )
        if i % 2 == 0:
            BusinessYearFactory(business=business)
        if point[0] is not None:
            located.append(business.name)
    return located


def gzipped_sizes(responses) -> dict[str, tuple[str, int]]:
    """URL → (resource type, bytes after gzip level 6) of each successful response, map tiles left out."""
    sizes = {}
    for response in responses:
        if "tile.openstreetmap.org" in response.url or not 200 <= response.status < 300:
            continue
        sizes[response.url] = (response.request.resource_type, len(gzip.compress(response.body(), compresslevel=6)))
    return sizes


def test_directory_list_is_light_and_the_map_shows_every_located_business(page, demo_like_directory):
    responses = []
    page.on("response", lambda response: responses.append(response))
    page.goto("/direktori/")
    page.wait_for_load_state("networkidle")
    expect(result_count(page)).to_contain_text("36 IKM")
    assert len(card_titles(page)) == 20  # one page of results

    sizes = gzipped_sizes(responses)
    assert {"document", "stylesheet", "script"} <= {kind for kind, _size in sizes.values()}, sizes
    total = sum(size for _kind, size in sizes.values())
    print(f"\n/direktori/ (list, 36 IKM): {len(sizes)} responses, {total / 1024:.1f} KB gzipped")
    for url, (kind, size) in sorted(sizes.items(), key=lambda item: -item[1][1]):
        print(f"  {size / 1024:6.1f} KB  {kind:10}  {url}")
    assert total < 100 * 1024

    # The map view: every business with coordinates is on it, as a pin of its own or counted in a cluster of nearby
    # pins (tests/browser/test_map_browser.py); tiles are not fetched from the internet.
    tile_requests = []

    def abort_tile(route):
        tile_requests.append(route.request.url)
        route.abort()

    page.route("https://tile.openstreetmap.org/**", abort_tile)
    responses.clear()
    page.goto("/direktori/?tampilan=peta")
    expect(page.locator("#map .leaflet-marker-icon").first).to_be_visible()
    pins = page.locator("#map .leaflet-marker-icon:not(.marker-cluster)")
    titles = [pins.nth(i).get_attribute("title") for i in range(pins.count())]
    clustered = sum(int(text) for text in page.locator("#map .marker-cluster").all_inner_texts())
    assert set(titles) <= set(demo_like_directory)
    assert len(titles) + clustered == len(demo_like_directory)
    expect(page.locator("#directory-body .hint").first).to_contain_text("24 IKM dengan koordinat ditampilkan di peta.")
    assert tile_requests, "Leaflet asked for no tiles"
    page.wait_for_load_state("networkidle")
    map_sizes = gzipped_sizes(responses)
    map_total = sum(size for _kind, size in map_sizes.values())
    print(f"/direktori/?tampilan=peta: {map_total / 1024:.1f} KB gzipped without tiles")
    for url, (kind, size) in sorted(map_sizes.items(), key=lambda item: -item[1][1]):
        print(f"  {size / 1024:6.1f} KB  {kind:10}  {url}")
    assert map_total < MAP_PAGE_BUDGET


# --- 8. keyboard -----------------------------------------------------------------------------------------------------


def focused(page) -> dict:
    return page.evaluate(
        "() => { const el = document.activeElement;"
        " return {id: el.id, tag: el.tagName.toLowerCase(), cls: el.className, text: el.textContent.trim()}; }"
    )


def test_directory_is_usable_from_the_keyboard(page, kuta_and_denpasar):
    page.goto("/direktori/")
    page.keyboard.press("Tab")
    first = focused(page)
    assert (first["tag"], first["cls"], first["text"]) == ("a", "skip", "Langsung ke isi")
    assert page.locator("a.skip").bounding_box()["x"] >= 0  # shown on screen while focused

    # Following the skip link, the next Tab lands in the search box, then the filters follow in order.
    page.keyboard.press("Enter")
    page.wait_for_url("**/direktori/#main")
    order = []
    for _step in range(20):
        page.keyboard.press("Tab")
        order.append(focused(page)["id"])
        if order[-1] == "id_urut":
            break
    assert order[0] == "id_q"
    selects = ["id_wilayah", "id_kbli", "id_subsektor", "id_skala", "id_sentra", "id_urut"]
    assert [element for element in order if element in selects] == selects

    labels = page.evaluate(
        "() => Array.from(document.querySelectorAll('#directory-form select, #directory-form input[type=search]'))"
        ".map(el => [el.id, Array.from(el.labels).map(label => label.textContent.trim())])"
    )
    assert labels == [
        ["id_q", ["Cari nama usaha atau produk"]],
        ["id_wilayah", ["Wilayah"]],
        ["id_kbli", ["Jenis industri (KBLI)"]],
        ["id_subsektor", ["Subsektor"]],
        ["id_skala", ["Skala (BPS)"]],
        ["id_sentra", ["Sentra"]],
        ["id_sertifikat", ["Sertifikat"]],  # added by certification (businesses/extensions.py)
        ["id_urut", ["Urutkan"]],
    ]
    expect(page.get_by_label("Wilayah", exact=True)).to_have_attribute("name", "wilayah")
