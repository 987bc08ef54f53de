"""Choosing KBLI on Daftarkan usaha by words (issue 13, point 2): the search over KBLI 2020 titles, the form that
works without JavaScript (the "Cari KBLI" button posts it back as typed) and the list the page fetches while typing.

The search is checked against the real KBLI 2020 (../shared/data/kbli2020.csv: 1,788 subclasses, 475 of them in
manufacturing), the pages against the same file imported into the database.
"""

import csv
import re

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from businesses.choices import BusinessStatus
from businesses.models import Business
from ikm_registry.kbli_search import KbliIndex, kbli_index, kbli_search, manufacturing
from ikm_registry.public_cache import _bump
from ikm_registry.reference import kbli_import
from tests.core.test_reference_import import shared_file
from tests.queries import registry_queries
from tests.self_registration import form_data, register_url


@pytest.fixture(scope="module")
def index() -> KbliIndex:
    with shared_file("kbli2020.csv").open(encoding="utf-8") as file:
        rows = [(row["code"], row["title"]) for row in csv.DictReader(file) if row["level"] == "subclass"]
    return KbliIndex.build(rows)


def codes(index, text, **options) -> list[str]:
    return [code for code, _title in index.search(text, allowed=manufacturing, **options)]


# --- the search ---------------------------------------------------------------------------------------------------


def test_the_index_holds_every_subclass_and_offers_manufacturing_only(index):
    assert len(index.titles) == 1_788
    assert sum(1 for code in index.titles if manufacturing(code)) == 475
    everywhere = [code for code, _title in index.search("kopi")]
    assert any(not manufacturing(code) for code in everywhere)  # plantations and trade of coffee exist too
    assert codes(index, "kopi") == ["10761"]


@pytest.mark.parametrize(
    ("text", "first"),
    [
        ("batik", "13134"),
        ("kopi", "10761"),
        ("sabun", "20231"),
        ("dodol", "10796"),
        ("ukiran kayu", "16293"),
        ("keripik singkong", "10794"),
        ("kain tenun endek", "13122"),  # every word: kain, tenun (a title's word) and endek (a product word)
    ],
)
def test_a_word_of_the_title_finds_its_code_first(index, text, first):
    assert codes(index, text)[0] == first


def test_anyaman_finds_both_kinds_of_woven_goods(index):
    assert codes(index, "anyaman") == ["16291", "16292"]


@pytest.mark.parametrize("text", ["BATIK", "Batik", "bátik", "  batik!  ", "Industri Batik"])
def test_case_accents_punctuation_and_generic_words_do_not_matter(index, text):
    assert codes(index, text) == ["13134"]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("tenun", {"13121"}),  # Pertenunan
        ("pintal", {"13112", "13113"}),  # Pemintalan: pem- + pintal
        ("anyam", {"16291", "16292"}),  # Anyaman
        ("cetak", {"13133", "18111"}),  # Pencetakan
    ],
)
def test_indonesian_affixes_are_looked_through(index, text, expected):
    assert expected <= set(codes(index, text))


@pytest.mark.parametrize(
    ("text", "first", "not_found"),
    [
        ("songket", "13122", set()),
        ("mebel", "31001", set()),
        ("perak", "32112", {"26210", "26410"}),  # not "Perakitan Komputer/Televisi"
        ("tas", "15121", {"10215", "17011"}),  # not "Fermentasi", "Kertas"
        ("tikar pandan", "16292", set()),
        ("gerabah", "23932", set()),
    ],
)
def test_product_words_no_title_holds_find_their_industry(index, text, first, not_found):
    found = codes(index, text)
    assert found[0] == first
    assert not set(found) & not_found


def test_a_typo_finds_the_nearest_title_word(index):
    assert codes(index, "batk")[0] == "13134"
    assert codes(index, "anyamn")[0] in {"16291", "16292"}


def test_an_unknown_second_word_does_not_drag_in_near_misses(index):
    # "jati" is a letter away from "jadi" (Pakaian Jadi): with "mebel" found, it must not bring clothing in.
    assert set(codes(index, "mebel jati")) == {"31001", "31002", "31009"}


def test_a_code_or_its_start_lists_the_codes_under_it(index):
    found = codes(index, "131")
    assert found and all(code.startswith("131") for code in found)
    assert codes(index, "13134") == ["13134"]
    assert codes(index, "01") == []  # agriculture: not offered


@pytest.mark.parametrize("text", ["", "   ", "xyzzy", "industri dan lainnya"])
def test_nothing_to_go_on_finds_nothing(index, text):
    assert codes(index, text) == []


def test_results_are_a_short_list(index):
    assert len(codes(index, "industri kain")) <= 10
    assert len(codes(index, "kain", limit=3)) == 3


# --- the index in the database ------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def kbli_2020(django_db_setup, django_db_blocker):
    """The full KBLI 2020 imported once for the module, inside a transaction rolled back at its end."""
    with django_db_blocker.unblock(), transaction.atomic():
        kbli_import(path=shared_file("kbli2020.csv"))
        yield
        transaction.set_rollback(True)


def test_the_index_is_built_once_per_data_version(kbli_2020, db):
    _bump()
    first = kbli_index()
    assert len(first.titles) == 1_788
    with CaptureQueriesContext(connection) as queries:
        assert kbli_index() is first
        assert [code for code, _title in kbli_search("batik")] == ["13134"]
    assert not [query for query in registry_queries(queries) if "kbli" in query]  # only the data version is read
    _bump()  # an import or an edit of KBLI retires it
    assert kbli_index() is not first


# --- the form without JavaScript ----------------------------------------------------------------------------------

SEARCH = {"cari_kbli": "1"}


def radios(response) -> list[str]:
    form = response.context["form"]
    return [code for code, _label in form.fields["kbli"].choices]


def test_the_search_button_shows_the_form_again_as_typed_with_the_codes_found(client, kbli_2020, bali_regions):
    typed = form_data(bali_regions, kbli="", kbli_q="batik", owner_phone="081298765432", **SEARCH)
    response = client.post(register_url(), typed)
    assert response.status_code == 200
    page = response.content.decode()
    assert radios(response) == ["13134"]
    assert 'type="radio" name="kbli" value="13134"' in page
    assert "Industri Batik" in page
    # nothing is lost, no error is shown yet, nothing is registered
    for value in ("Tenun Sari Kuta", "Jl. Raya Tuban No. 5", "Ni Made Sari", "081298765432", "batik"):
        assert f'value="{value}"' in page
    assert f'value="{bali_regions.tuban.code}" selected' in page
    assert re.search(r'name="owner_sex" value="P"[^>]* checked', page)
    assert not response.context["form"].errors
    assert 'class="errors"' not in page
    assert not Business.objects.exists()


def test_enter_in_the_search_box_searches_too(client, kbli_2020, bali_regions):
    """Enter sends the form with its first button (the registration); words in the box and no code chosen yet
    mean a search."""
    response = client.post(register_url(), form_data(bali_regions, kbli="", kbli_q="anyaman"))
    assert response.status_code == 200
    assert radios(response) == ["16291", "16292"]
    assert not response.context["form"].errors
    assert not Business.objects.exists()


def test_searching_and_then_registering_without_javascript(client, kbli_2020, bali_regions):
    typed = form_data(bali_regions, kbli="", kbli_q="kopi", name="Kopi Bubuk Kintamani", main_product="Kopi bubuk")
    response = client.post(register_url(), {**typed, **SEARCH})
    assert radios(response) == ["10761"]
    response = client.post(register_url(), {**typed, "kbli": "10761"})
    assert response.status_code == 302
    business = Business.objects.get()
    assert (business.name, business.kbli_id, business.status) == (
        "Kopi Bubuk Kintamani",
        "10761",
        BusinessStatus.SUBMITTED,
    )


def test_searches_are_not_counted_as_registrations(client, kbli_2020, bali_regions, settings):
    settings.REGISTRATION_RATE = "1/h"
    typed = form_data(bali_regions, kbli="", kbli_q="batik")
    for words in ("batk", "batik tulis", "batik"):
        assert client.post(register_url(), {**typed, "kbli_q": words, **SEARCH}).status_code == 200
    assert client.post(register_url(), {**typed, "kbli": "13134"}).status_code == 302


def test_the_chosen_code_stays_on_top_when_searching_again(client, kbli_2020, bali_regions):
    typed = form_data(bali_regions, kbli="13134", kbli_q="kopi")
    response = client.post(register_url(), {**typed, **SEARCH})
    assert radios(response) == ["13134", "10761"]
    assert re.search(r'name="kbli" value="13134"[^>]* checked', response.content.decode())


def test_without_words_the_main_product_is_searched(client, kbli_2020, bali_regions):
    """A registration sent without a KBLI code: the error, and the codes the main product finds to pick from."""
    response = client.post(register_url(), form_data(bali_regions, kbli="", kbli_q="", main_product="Kain batik tulis"))
    assert response.status_code == 200
    form = response.context["form"]
    assert form.errors["kbli"] == ["Cari dan pilih jenis industri usaha Anda."]
    assert radios(response)[0] == "13134"
    assert not Business.objects.exists()


def test_a_code_chosen_from_an_earlier_search_is_accepted(client, kbli_2020, bali_regions):
    response = client.post(register_url(), form_data(bali_regions, kbli="16293", kbli_q="batik"))
    assert response.status_code == 302
    assert Business.objects.get().kbli_id == "16293"


@pytest.mark.parametrize("code", ["01111", "46311", "1313", "99999"])
def test_a_code_that_is_no_manufacturing_subclass_is_refused(client, kbli_2020, bali_regions, code):
    response = client.post(register_url(), form_data(bali_regions, kbli=code, kbli_q=""))
    assert "kbli" in response.context["form"].errors
    assert not Business.objects.exists()


# --- the list fetched while typing --------------------------------------------------------------------------------


def test_the_list_for_typed_words(client, kbli_2020):
    response = client.get(reverse("businesses:register_kbli"), {"q": "anyaman"})
    assert response.status_code == 200
    page = response.content.decode()
    assert 'name="kbli" value="16291"' in page and 'name="kbli" value="16292"' in page
    assert "<html" not in page  # a fragment for the form
    assert "Jenis industri untuk “anyaman”" in page


def test_the_list_keeps_the_chosen_code_checked_on_top(client, kbli_2020):
    page = client.get(reverse("businesses:register_kbli"), {"q": "batik", "pilih": "10761"}).content.decode()
    assert page.index('value="10761"') < page.index('value="13134"')
    assert re.search(r'name="kbli" value="10761"[^>]* checked', page)


def test_the_list_says_so_when_nothing_matches(client, kbli_2020):
    page = client.get(reverse("businesses:register_kbli"), {"q": "xyzzy"}).content.decode()
    assert 'name="kbli"' not in page
    assert "Tidak ada jenis industri yang cocok dengan “xyzzy”" in page


def test_the_list_ignores_a_code_that_is_not_offered(client, kbli_2020):
    page = client.get(reverse("businesses:register_kbli"), {"q": "batik", "pilih": "01111"}).content.decode()
    assert 'value="01111"' not in page
    assert 'value="13134"' in page
