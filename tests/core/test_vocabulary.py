"""The search vocabulary (ikm_registry/vocabulary.py, issue 13 point 4): which words it keeps, how saves, imports and a
rebuild keep it current, and the correction of a word nobody uses, read from the vocabulary alone."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from businesses.choices import BusinessStatus
from ikm_registry.models import SearchWord
from ikm_registry.vocabulary import (
    corrected_query,
    nearest_word,
    vocabulary_add,
    vocabulary_add_objects,
    vocabulary_rebuild,
    vocabulary_words,
)
from tests.core.test_reference_import import import_kbli, write_kbli
from tests.factories import BusinessFactory, make_kbli, make_region
from tests.queries import registry_queries

pytestmark = pytest.mark.django_db

PUBLISHED = BusinessStatus.PUBLISHED


def words() -> dict[str, int]:
    return dict(SearchWord.objects.values_list("word", "frequency"))


def test_words_are_folded_and_only_real_words_are_kept():
    assert vocabulary_words("Kopí Bubuk, KOPI Luwak 100% & teh 2024 di_ab") == {
        "kopi",
        "bubuk",
        "luwak",
        "teh",
        "di_ab",
    }
    assert vocabulary_words("a bc " + "x" * 41) == set()


def test_a_rebuild_counts_the_words_of_published_businesses_kbli_titles_and_region_names():
    make_region("51.71.01.1001")  # Serangan (and Bali, Kota Denpasar, Denpasar Selatan)
    make_kbli("13134")  # Industri Batik
    BusinessFactory(name="Batik Serangan", main_product="Kain batik cap", status=PUBLISHED)
    BusinessFactory(name="Batik Sari", main_product="Kemeja batik", status=PUBLISHED)
    BusinessFactory(name="Songket Belum Terbit", main_product="Kain songket", status=BusinessStatus.VERIFIED)

    assert vocabulary_rebuild() == len(words())
    found = words()
    assert found["batik"] == 2 + 2 + 1  # the names and products of two businesses and a KBLI title
    assert found["kemeja"] == 1 and found["industri"] >= 1 and found["serangan"] >= 2
    assert "songket" not in found and "terbit" not in found  # not published


def test_a_rebuild_drops_words_no_source_uses_any_more():
    vocabulary_add(["Kain endek kuno"])
    vocabulary_rebuild()
    assert "kuno" not in words()


def test_publishing_a_business_adds_its_words_after_the_commit(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        business = BusinessFactory(name="Songket Pandai", main_product="Kain songket", status=BusinessStatus.VERIFIED)
    assert "songket" not in words()
    business.status = PUBLISHED
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        business.save(update_fields=["status"])
    assert callbacks
    assert {"songket", "pandai", "kain"} <= set(words())


def test_rows_written_in_bulk_add_the_words_of_the_published_ones():
    published = BusinessFactory(name="Gerabah Kapal", main_product="Kendi tanah liat", status=PUBLISHED)
    draft = BusinessFactory(name="Lontar Draf", main_product="Lontar", status=BusinessStatus.DRAFT)
    vocabulary_add_objects([published, draft])
    assert {"gerabah", "kendi", "liat"} <= set(words())
    assert "lontar" not in words()


def test_the_kbli_import_adds_the_titles_words(tmp_path):
    import_kbli(write_kbli(tmp_path / "kbli.csv"))
    assert {"pencetakan", "batik", "penyempurnaan", "tekstil"} <= set(words())


# --- corrections --------------------------------------------------------------------------------------------------


@pytest.fixture
def vocabulary():
    for word, frequency in [("batik", 40), ("batu", 5), ("bata", 3), ("kopi", 12), ("tenun", 9), ("serangan", 2)]:
        SearchWord.objects.create(word=word, frequency=frequency)
    SearchWord.objects.create(word="kelapa", frequency=3)
    SearchWord.objects.create(word="kerapu", frequency=30)


@pytest.mark.parametrize(
    ("typed", "nearest"),
    [
        ("batk", "batik"),  # a letter left out
        ("battik", "batik"),  # one too many
        ("btaik", "batik"),  # two swapped, at the start
        ("kopu", "kopi"),
        ("serngan", "serangan"),
        ("tennun", "tenun"),
        ("BATK", None),  # upper case is the caller's to fold (corrected_query does)
        ("xyzw", None),
        ("bat", None),  # too short to correct
    ],
)
def test_the_nearest_word(vocabulary, typed, nearest):
    assert nearest_word(typed) == nearest


def test_among_equally_near_words_the_most_used_wins(vocabulary):
    # "kelapu" is one letter from both kelapa (3) and kerapu (30)
    assert nearest_word("kelapu") == "kerapu"


def test_a_query_keeps_its_known_words_and_corrects_the_others(vocabulary):
    assert corrected_query("Kain BATK") == "kain batik"  # "kain" is not in this vocabulary but has no near word
    assert corrected_query("kopi batk") == "kopi batik"
    assert corrected_query("bátk") == "batik"


@pytest.mark.parametrize("query", ["batik", "bati", "kopi tenun", "teh", "2024", "", "!!!"])
def test_nothing_to_correct(vocabulary, query):
    """Known words, the start of one (typing on), short words, numbers and no words at all."""
    assert corrected_query(query) is None


def test_a_correction_reads_the_vocabulary_only(vocabulary):
    BusinessFactory(name="Batik Tuban", status=PUBLISHED)
    with CaptureQueriesContext(connection) as queries:
        assert corrected_query("batk tenun") == "batik tenun"
    read = registry_queries(queries)
    assert read and all("searchword" in sql for sql in read), read
    assert len(read) <= 3  # the known words, one start-of-word probe, the candidates


def test_candidates_come_through_the_initial_and_length_index(vocabulary):
    if connection.vendor != "postgresql":
        pytest.skip("the query plan is checked on PostgreSQL")
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
    plan = SearchWord.objects.filter(initial__in=["b", "a"], length__gte=3, length__lte=5).explain()
    assert "search_word_initial_length" in plan, plan
