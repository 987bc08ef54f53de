"""Choosing KBLI by words on Daftarkan usaha in a real Chromium (issue 13, point 2): without JavaScript the "Cari KBLI"
button brings the form back as typed with the codes found; with JavaScript they are listed while typing."""

import re

import pytest
from playwright.sync_api import expect

from businesses.choices import BusinessStatus
from businesses.models import Business
from tests.factories import make_kbli


@pytest.fixture
def kbli_choices(kbli):
    """Batik (13134), cloth printing (13133), jewellery (32112) and both kinds of woven goods."""
    make_kbli("16291", "Industri Barang Anyaman Dari Rotan Dan Bambu")
    make_kbli("16292", "Industri barang Anyaman Dari Tanaman Bukan Rotan Dan Bambu")
    return kbli


@pytest.fixture
def open_page(browser, live_server):
    contexts = []

    def open_page(**options):
        context = browser.new_context(base_url=live_server.url, locale="id-ID", **options)
        contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(10_000)
        return page

    yield open_page
    for context in contexts:
        context.close()


def fill_the_rest(page, name):
    page.select_option("#id_village", label="Tuban")
    page.fill("#id_address", "Jl. Kediri No. 3")
    page.fill("#id_name", name)
    page.fill("#id_main_product", "Kain batik tulis")
    page.fill("#id_owner_name", "Ni Ketut Sari")
    page.get_by_label("Perempuan").check()
    page.fill("#id_owner_phone", "081234567800")
    page.check("#id_agree")


def test_without_javascript_an_owner_finds_batik_and_registers(open_page, bali_regions, kbli_choices):
    page = open_page(java_script_enabled=False, viewport={"width": 360, "height": 800})
    page.goto("/daftar/")
    for label in ("Bali", "Kabupaten Badung", "Kuta"):
        page.select_option("#id_wilayah", label=label)
        page.get_by_role("button", name="Lanjut").click()
    expect(page.locator("p.trail")).to_contain_text("Kec. Kuta")
    expect(page.locator("input[name=kbli]")).to_have_count(0)  # no list of every code, a search box
    fill_the_rest(page, "Batik Tulis Segara")

    page.fill("#id_kbli_q", "Batik")
    page.get_by_role("button", name="Cari KBLI").click()
    page.wait_for_load_state()
    # The form comes back as typed, without errors, with the code found.
    expect(page.locator("#id_name")).to_have_value("Batik Tulis Segara")
    expect(page.locator("#id_owner_phone")).to_have_value("081234567800")
    expect(page.locator("#id_agree")).to_be_checked()
    expect(page.locator("#id_village")).to_have_value("51.03.01.1001")
    expect(page.locator(".errors")).to_have_count(0)
    expect(page.locator(".kbli-status")).to_contain_text("Jenis industri untuk “Batik”")
    expect(page.locator("input[name=kbli]")).to_have_count(1)
    page.get_by_label("13134 — Industri Batik").check()
    page.screenshot(path="/tmp/kbli-nojs-360.png", full_page=True)

    page.get_by_role("button", name="Kirim pendaftaran").click()
    page.wait_for_url("**/daftar/terkirim/")
    business = Business.objects.get(name="Batik Tulis Segara")
    assert (business.kbli_id, business.status) == ("13134", BusinessStatus.SUBMITTED)


def test_with_javascript_the_codes_are_listed_while_typing(open_page, bali_regions, kbli_choices):
    page = open_page(viewport={"width": 1280, "height": 900})
    page.goto("/daftar/?wilayah=51.03.01")
    fill_the_rest(page, "Anyaman Pandan Lestari")
    navigations = []
    page.on("framenavigated", lambda frame: navigations.append(frame.url))

    page.fill("#id_kbli_q", "anyam")
    choices = page.locator("#kbli-choices input[name=kbli]")
    expect(choices).to_have_count(2)
    expect(page.locator("#kbli-choices")).to_contain_text("16292 — Industri barang Anyaman Dari Tanaman Bukan Rotan")
    page.get_by_label("16292 — Industri barang Anyaman Dari Tanaman Bukan Rotan Dan Bambu").check()
    # Searching on keeps the choice on top; Enter in the box searches, it does not send the form.
    page.fill("#id_kbli_q", "batik")
    page.press("#id_kbli_q", "Enter")
    expect(choices).to_have_count(2)
    expect(choices.first).to_have_value("16292")
    expect(choices.first).to_be_checked()
    assert navigations == [], navigations
    page.screenshot(path="/tmp/kbli-js-1280.png", full_page=True)

    # Enter in another field sends the registration, as it did before the search button came first in the form.
    page.press("#id_owner_phone", "Enter")
    page.wait_for_url(re.compile(r"/daftar/terkirim/$"))
    assert Business.objects.get(name="Anyaman Pandan Lestari").kbli_id == "16292"
