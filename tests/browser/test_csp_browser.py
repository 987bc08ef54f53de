"""The Content Security Policy holds on every page a visitor or staff member uses (issue 9, point 19).

Each test walks pages the way a user does (filters through htmx, the Leaflet map with its tiles, the registration
steps, the admin list filters, an autocomplete, an inline row, an import preview) and collects what Chromium
reports: console errors, uncaught script errors and `securitypolicyviolation` events. A policy that blocked one of
our own scripts or styles, or an inline one left in a template, shows up there.
"""

import base64
from decimal import Decimal

import pytest
from django.urls import reverse

from businesses.choices import BusinessStatus
from ikm_registry.choices import StaffRole
from tests.browser.conftest import log_in, watch_scripts
from tests.business_files import csv_bytes, row
from tests.factories import BusinessFactory, BusinessYearFactory, SentraFactory, staff_user

# A 1×1 transparent PNG, served for every OpenStreetMap tile (the tests have no internet).
TILE = base64.b64decode("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAQAAAC1HAwCAAAAC0lEQVR42mNkYAAAAAYAAjCB0C8AAAAASUVORK5CYII=")


@pytest.fixture
def watched(page):
    """The page, and the list that collects every CSP violation, console error and uncaught error on it."""
    problems = []
    page.context.expose_function("reportViolation", lambda text: problems.append(text))
    page.context.add_init_script(
        "document.addEventListener('securitypolicyviolation', function (e) {"
        " window.reportViolation('CSP ' + e.effectiveDirective + ' blocked ' + (e.blockedURI || 'inline')"
        " + ' at ' + e.sourceFile + ':' + e.lineNumber + ' on ' + location.pathname); });"
    )
    watch_scripts(page, problems)
    tiles = []

    def tile(route):
        tiles.append(route.request.url)
        route.fulfill(status=200, content_type="image/png", body=TILE)

    page.route("https://tile.openstreetmap.org/**", tile)
    page.tiles = tiles
    return page, problems


@pytest.fixture
def registry(bali_regions, kbli):
    sentra = SentraFactory(village=bali_regions.tuban, kbli=kbli.batik)
    businesses = [
        BusinessFactory(
            name=f"Tenun Ikat {n}",
            main_product="Kain tenun ikat",
            village=bali_regions.tuban if n % 2 else bali_regions.kuta_village,
            status=BusinessStatus.PUBLISHED,
            sentra=sentra,
            latitude=Decimal("-8.7383") + Decimal(n) / 1000,
            longitude=Decimal("115.1686"),
            owner__phone="0812 3456 7890",
            owner__phone_public_since="2024-01-01",
        )
        for n in range(6)
    ]
    for business in businesses:
        BusinessYearFactory(business=business, year=2024, workforce_male=2, workforce_female=3)
    return {"sentra": sentra, "business": businesses[0]}


def test_public_pages_pass_the_content_security_policy(watched, registry, live_server):
    page, problems = watched
    response = page.goto("/")
    assert "script-src 'self'" in response.headers["content-security-policy"]

    page.goto("/direktori/")
    page.select_option("#id_wilayah", "51")  # htmx replaces the results and pushes the address
    page.wait_for_url("**wilayah=51**")
    page.fill("#id_q", "tenun")
    page.wait_for_url("**q=tenun**")
    page.locator("#directory-body .card-title").first.wait_for()

    page.goto("/direktori/?tampilan=peta")
    page.locator(".leaflet-marker-icon").first.wait_for()
    page.locator("img.leaflet-tile-loaded").first.wait_for()
    assert page.tiles, "the map asked for no OpenStreetMap tiles"

    page.goto(f"/direktori/ikm/{registry['business'].pk}/")
    page.goto("/sentra/")
    page.goto(f"/sentra/{registry['sentra'].pk}/")
    page.goto("/statistik/")
    assert page.locator("svg.bar rect").count() > 0
    page.goto("/tentang/")

    page.goto("/daftar/")  # each choice submits itself (static/js/register.js)
    page.select_option("select[data-autosubmit]", "51")
    page.wait_for_url("**wilayah=51")
    page.select_option("select[data-autosubmit]", "51.03")
    page.wait_for_url("**wilayah=51.03")
    page.select_option("select[data-autosubmit]", "51.03.01")
    page.wait_for_url("**wilayah=51.03.01")
    page.select_option("#id_village", "51.03.01.1001")
    page.fill("#id_address", "Jl. Raya Tuban No. 9")
    page.fill("#id_name", "Anyaman Bambu Baru")
    page.fill("#id_main_product", "Keranjang bambu")
    page.fill("#id_kbli_q", "batik")  # fetched from businesses:register_kbli while typing
    page.check("input[name=kbli][value='13134']")
    page.fill("#id_owner_name", "Ni Luh Ayu")
    page.check("input[name=owner_sex][value=P]")
    page.fill("#id_owner_phone", "081234567891")
    page.check("#id_agree")
    page.get_by_role("button", name="Kirim pendaftaran").click()
    page.wait_for_url(f"**{reverse('businesses:register_done')}")

    page.goto("/")
    page.click(".site-header .language-switch button")  # a form posted to /i18n/setlang/
    page.wait_for_function("document.documentElement.lang === 'en'")
    assert problems == [], "\n".join(problems)


def test_admin_pages_pass_the_content_security_policy(watched, registry, live_server):
    page, problems = watched
    staff_user(StaffRole.OPERATOR, "51.03", username="operator.badung")
    business = registry["business"]

    response = page.goto("/admin/lupa-sandi/")
    assert "style-src 'self'" in response.headers["content-security-policy"]
    log_in(page, "operator.badung")  # the login page, then the admin home

    page.goto("/admin/businesses/business/")
    page.locator("#changelist-filter a", has_text="Terbit").first.click()
    page.wait_for_url("**status=published**")

    page.goto(f"/admin/businesses/business/{business.pk}/change/")
    page.click(".field-village .select2-selection")  # the autocomplete (select2, jQuery)
    page.locator(".select2-container--open .select2-search__field").fill("Kuta")
    page.locator(".select2-results__option", has_text="Kuta").first.click()
    page.locator(".add-row a:visible").first.click()  # a new inline row (admin/js/inlines.js)

    page.goto(f"/admin/businesses/business/{business.pk}/history/")

    page.goto("/admin/businesses/business/import/")
    page.set_input_files("input[type=file]", {"name": "ikm.csv", "mimeType": "text/csv", "buffer": csv_bytes([row()])})
    page.locator("input[type=submit], button[type=submit]").last.click()
    page.wait_for_url("**/import/*/")

    page.goto("/admin/laporan/")
    page.goto("/admin/laporan/tugas/")
    assert problems == [], "\n".join(problems)
