"""Directory search and facets beyond tests/businesses/test_filtersets.py: parameters combined, `queryset_without`, the counts
of `directory_facets`, sort orders with a query, and the text search on each database.

Most tests run on SQLite and PostgreSQL alike (CI runs the suite on both). The PostgreSQL section covers what only
exists there: typo tolerance (trigrams), Indonesian stemming (full text), ranking, and the GIN indexes.
"""

import itertools

import pytest
from django.contrib.postgres.search import SearchQuery, SearchVector
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import translation

from businesses.choices import BusinessStatus, ScaleBps
from businesses.filtersets import MAX_SEARCH_WORDS, STRONG_SIMILARITY, BusinessPublicFilterSet
from businesses.models import Business
from businesses.selectors import business_public, business_public_rows, directory_facets
from ikm_registry.models import CreativeSubsector, SearchWord
from ikm_registry.vocabulary import vocabulary_rebuild
from tests.factories import BusinessFactory, BusinessYearFactory, SentraFactory, make_kbli, make_region

pytestmark = pytest.mark.django_db

PUBLISHED = BusinessStatus.PUBLISHED

# name, main product, village, KBLI, subsector, sentra, workers in the latest year (None: no figures), founded
DIRECTORY = [
    ("Batik Tuban Sari", "Kain batik tulis", "51.03.01.1001", "13134", "fesyen", "batik", 3, 1990),
    ("Batik Kuta Indah", "Kemeja batik cap", "51.03.01.1002", "13134", "fesyen", "batik", 8, None),
    ("Cetak Kain Munggu", "Kain sablon", "51.03.02.2001", "13133", "fesyen", None, 25, 2005),
    ("Tenun Endek Mertha", "Kain tenun endek", "51.03.02.2001", "13121", "fesyen", None, 2, 1975),
    ("Ukir Kayu Munggu", "Relief ukir kayu", "51.03.02.2001", "16291", "kriya", "ukir", 6, 2010),
    ("Perak Serangan", "Cincin perak", "51.71.01.1001", "32112", "kriya", "perak", 4, 1980),
    ("Cincin Perak Celuk", "Cincin dan anting", "51.71.01.1001", "32112", None, None, 120, None),
    ("Perhiasan Sidakarya", "Gelang perak", "51.71.01.2007", "32111", "kriya", "perak", None, 2001),
]


@pytest.fixture(scope="module")
def directory(django_db_setup, django_db_blocker):
    """The businesses above, published, plus an unpublished batik maker in the batik sentra: built once for the
    module inside a transaction rolled back at its end (each test's own changes are rolled back after it)."""
    with django_db_blocker.unblock(), transaction.atomic():
        yield _build_directory()
        transaction.set_rollback(True)


def _build_directory():
    sentra = {
        "batik": SentraFactory(name="Sentra Batik Tuban", village=make_region("51.03.01.1001")),
        "ukir": SentraFactory(name="Sentra Ukir Munggu", village=make_region("51.03.02.2001")),
        "perak": SentraFactory(name="Sentra Perak Serangan", village=make_region("51.71.01.1001")),
    }
    year = 2024
    for name, product, village, kbli, subsector, sentra_key, workers, founded in DIRECTORY:
        business = BusinessFactory(
            name=name,
            main_product=product,
            village=make_region(village),
            kbli=make_kbli(kbli),
            subsector=CreativeSubsector.objects.get(code=subsector) if subsector else None,
            sentra=sentra[sentra_key] if sentra_key else None,
            year_founded=founded,
            status=PUBLISHED,
        )
        if workers is not None:
            BusinessYearFactory(business=business, year=year - 1, workforce_male=1, workforce_female=0)
            BusinessYearFactory(business=business, year=year, workforce_male=workers, workforce_female=0)
    BusinessFactory(
        name="Batik Draf",
        village=make_region("51.03.01.1001"),
        kbli=make_kbli("13134"),
        subsector=CreativeSubsector.objects.get(code="fesyen"),
        sentra=sentra["batik"],
        status=BusinessStatus.SUBMITTED,
    )
    return sentra


def names(data) -> list[str]:
    return [business.name for business in BusinessPublicFilterSet(data).qs]


def counts(options) -> dict[str, int]:
    return {option.value: option.count for option in options}


# --- parameters combined ------------------------------------------------------------------------------------------

SINGLE_PARAMETERS = [
    ("q", "kain"),
    ("q", "munggu"),
    ("wilayah", "51.03"),
    ("wilayah", "51.03.02"),
    ("wilayah", "51.71.01.1001"),
    ("kbli", "13"),
    ("kbli", "1313"),
    ("kbli", "32112"),
    ("subsektor", "fesyen"),
    ("subsektor", "kriya"),
    ("skala", "mikro"),
    ("skala", "kecil"),
    ("sentra", "perak"),
    ("sentra", "ukir"),
]
PAIRS = [(a, b) for a, b in itertools.combinations(SINGLE_PARAMETERS, 2) if a[0] != b[0]]


def _data(directory, *pairs) -> dict:
    return {name: directory[value].pk if name == "sentra" else value for name, value in pairs}


@pytest.mark.parametrize(("first", "second"), PAIRS, ids=[f"{a[0]}={a[1]}&{b[0]}={b[1]}" for a, b in PAIRS])
def test_two_parameters_give_the_intersection_of_each_alone(directory, first, second):
    alone = [set(names(_data(directory, pair))) for pair in (first, second)]
    assert all(alone), "each parameter alone finds something"
    assert set(names(_data(directory, first, second))) == alone[0] & alone[1]


def test_some_pairs_narrow_and_some_exclude_everything(directory):
    """Guards the intersection test against data where every pair agrees trivially."""
    alone = {pair: len(names(_data(directory, pair))) for pair in SINGLE_PARAMETERS}
    sizes = [(alone[a], len(names(_data(directory, a, b)))) for a, b in PAIRS]
    assert any(0 < both < first for first, both in sizes)
    assert any(both == 0 for _first, both in sizes)


def test_every_parameter_at_once(directory):
    data = {
        "q": "kain",
        "wilayah": "51.03",
        "kbli": "131",
        "subsektor": "fesyen",
        "skala": "mikro",
        "sentra": directory["batik"].pk,
        "urut": "-nama",
    }
    assert names(data) == ["Batik Tuban Sari"]
    assert names({**data, "sentra": directory["ukir"].pk}) == []


def test_combined_results_follow_the_requested_order(directory):
    data = {"wilayah": "51.03", "subsektor": "fesyen"}
    ascending = names({**data, "urut": "nama"})
    assert len(ascending) > 2
    assert names({**data, "urut": "-nama"}) == ascending[::-1]


def test_an_invalid_parameter_empties_the_result_whatever_the_others(directory):
    assert names({"q": "batik", "wilayah": "51.03", "kbli": "99"}) == []
    assert names({"subsektor": "fesyen", "sentra": "999999"}) == []


# --- queryset_without ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("left_out", ["q", "wilayah", "kbli", "subsektor", "skala", "sentra"])
def test_queryset_without_drops_only_the_named_parameter(directory, left_out):
    data = {
        "q": "kain",
        "wilayah": "51.03",
        "kbli": "13",
        "subsektor": "fesyen",
        "skala": "mikro",
        "sentra": directory["batik"].pk,
    }
    filterset = BusinessPublicFilterSet(data)
    others = {name: value for name, value in data.items() if name != left_out}
    assert {b.name for b in filterset.queryset_without(left_out)} == set(names(others))


def test_queryset_without_a_parameter_not_given_is_the_result(directory):
    filterset = BusinessPublicFilterSet({"wilayah": "51.03", "skala": "mikro"})
    assert {b.name for b in filterset.queryset_without("sentra")} == {b.name for b in filterset.qs}


def test_queryset_without_ignores_the_sort_order(directory):
    filterset = BusinessPublicFilterSet({"wilayah": "51.03", "subsektor": "fesyen", "urut": "-nama"})
    assert [b.name for b in filterset.queryset_without("subsektor")] == names({"wilayah": "51.03"})


def test_queryset_without_on_an_unbound_filterset_is_every_published_business(directory):
    filterset = BusinessPublicFilterSet(None)
    assert {b.name for b in filterset.queryset_without("wilayah")} == {row[0] for row in DIRECTORY}


def test_queryset_without_stays_empty_while_another_parameter_is_invalid(directory):
    filterset = BusinessPublicFilterSet({"wilayah": "51.99", "subsektor": "fesyen"})
    assert list(filterset.queryset_without("subsektor")) == []
    # ... even when the invalid one is the one left out: the visitor still asked for it
    assert list(filterset.queryset_without("wilayah")) == []


def test_queryset_without_is_not_blocked_by_an_invalid_sort_order(directory):
    filterset = BusinessPublicFilterSet({"wilayah": "51.71", "subsektor": "kriya", "urut": "omzet"})
    assert {b.name for b in filterset.queryset_without("subsektor")} == set(names({"wilayah": "51.71"}))


# --- directory_facets ---------------------------------------------------------------------------------------------


def _facets(data):
    filterset = BusinessPublicFilterSet(data)
    filterset.is_valid()
    return directory_facets(
        filterset.qs,
        wilayah=data.get("wilayah", ""),
        kbli=(data.get("kbli") or "").upper(),
        without=filterset.queryset_without,
    )


@pytest.mark.parametrize(
    "data",
    [
        {"q": "tenun"},
        {"q": "perak", "wilayah": "51"},
        {"wilayah": "51.03", "kbli": "13"},
        {"q": "batik", "subsektor": "kriya"},
        {"wilayah": "51", "skala": "mikro"},
        {"wilayah": "51.71", "subsektor": "kriya", "kbli": "32"},
        {"q": "kain", "wilayah": "51", "kbli": "13"},
    ],
)
def test_facets_counted_from_the_result_rows_equal_the_grouped_counts(directory, data):
    """The directory's live path reads the results' facet columns once (views.FACET_COLUMNS) and counts the facets
    in Python; a facet of a filter that is given still counts the results without it."""
    from businesses.views import FACET_COLUMNS, _narrowed

    filterset = BusinessPublicFilterSet(data)
    assert filterset.is_valid(), filterset.form.errors
    rows = list(filterset.qs.order_by().values_list(*FACET_COLUMNS))
    from_rows = directory_facets(
        filterset.qs,
        wilayah=data.get("wilayah", ""),
        kbli=data.get("kbli", ""),
        without=filterset.queryset_without,
        rows=rows,
        narrowed=_narrowed(filterset),
    )
    assert from_rows == _facets(data)
    assert any(option.count for options in from_rows.values() for option in options)


@pytest.mark.parametrize(("query", "kbli"), [("kain", "13"), ("cincin perak", "32"), ("kain", "131")])
def test_a_search_in_a_province_and_division_counts_each_facet_without_its_own_filter(directory, query, kbli):
    """A text search narrowed by a province and a KBLI division asks the index for their pair's token; the facet of
    each of the two still counts the results without it (the other filter and the words only), as the same search
    with that filter alone finds them."""
    BusinessFactory(  # found by every query here, but outside their KBLI codes
        name="Kain Perak Ukir Cincin",
        main_product="Kain",
        village=make_region("51.03.02.2001"),
        kbli=make_kbli("16291"),
        status=PUBLISHED,
    )
    data = {"q": query, "wilayah": "51", "kbli": kbli}
    filterset = BusinessPublicFilterSet(data)
    assert filterset.is_valid(), filterset.form.errors
    without_kbli = set(filterset.queryset_without("kbli").values_list("name", flat=True))
    without_region = set(filterset.queryset_without("wilayah").values_list("name", flat=True))
    assert without_kbli == set(names({"q": query, "wilayah": "51"}))
    assert without_region == set(names({"q": query, "kbli": kbli}))
    assert set(names(data)) == without_kbli & without_region
    assert "Kain Perak Ukir Cincin" in without_kbli - set(names(data))


@pytest.mark.parametrize(
    ("wilayah", "child_length"), [("", 2), ("51", 5), ("51.03", 8), ("51.71.01", 13), ("51.03.02", 13)]
)
def test_wilayah_facet_counts_the_results_in_each_child_region(directory, wilayah, child_length):
    data = {"wilayah": wilayah} if wilayah else {}
    options = _facets(data)["wilayah"]
    results = business_public()
    if wilayah:
        results = BusinessPublicFilterSet(data).qs
    expected = {}
    for business in results:
        code = business.village_id[:child_length]
        expected[code] = expected.get(code, 0) + 1
    assert counts(options) == expected
    for option in options:
        assert option.count == len(names({**data, "wilayah": option.value}))


def test_wilayah_facet_is_empty_at_a_village(directory):
    assert _facets({"wilayah": "51.03.02.2001"})["wilayah"] == []


def test_wilayah_facet_labels_are_region_names_largest_first(directory):
    options = _facets({"wilayah": "51"})["wilayah"]
    assert [(o.label, o.count) for o in options] == sorted(
        ((make_region(o.value).name, o.count) for o in options), key=lambda pair: (-pair[1], pair[0])
    )
    assert [o.count for o in options] == sorted((o.count for o in options), reverse=True)


def test_wilayah_facet_drills_down_inside_the_other_filters(directory):
    data = {"wilayah": "51.03", "q": "kain"}
    for option in _facets(data)["wilayah"]:
        assert option.count == len(names({**data, "wilayah": option.value}))
    assert sum(counts(_facets(data)["wilayah"]).values()) == len(names(data))


@pytest.mark.parametrize(("kbli", "child_length"), [("", 2), ("C", 2), ("13", 3), ("131", 4), ("1313", 5)])
def test_kbli_facet_counts_the_results_under_each_child_code(directory, kbli, child_length):
    data = {"kbli": kbli} if kbli else {}
    options = _facets(data)["kbli"]
    expected = {}
    for business in BusinessPublicFilterSet(data).qs:
        code = business.kbli_id[:child_length]
        expected[code] = expected.get(code, 0) + 1
    assert counts(options) == expected
    for option in options:
        assert option.count == len(names({**data, "kbli": option.value}))
        assert option.label.startswith(f"{option.value} ")


def test_kbli_facet_is_empty_at_a_five_digit_code(directory):
    assert _facets({"kbli": "13134"})["kbli"] == []


def test_kbli_facet_section_letter_is_accepted_in_lower_case(directory):
    assert counts(_facets({"kbli": "c"})["kbli"]) == counts(_facets({"kbli": "C"})["kbli"])


@pytest.mark.parametrize(("name", "value"), [("subsektor", "fesyen"), ("skala", "mikro"), ("sentra", "batik")])
def test_chosen_facet_still_offers_its_other_options_with_their_counts(directory, name, value):
    """Disjunctive facets: choosing one subsector (scale, sentra) counts the others as if it were not chosen."""
    chosen = directory[value].pk if name == "sentra" else value
    data = {"wilayah": "51.03", name: chosen}
    options = _facets(data)[name]
    assert len(options) > 1
    for option in options:
        assert option.count == len(names({**data, name: option.value}))
    assert str(chosen) in counts(options)


@pytest.mark.parametrize(
    ("chosen", "facet"),
    [({"subsektor": "kriya"}, "skala"), ({"subsektor": "kriya"}, "sentra"), ({"skala": "kecil"}, "subsektor")],
)
def test_other_facets_count_within_the_chosen_option(directory, chosen, facet):
    options = _facets(chosen)[facet]
    assert options
    for option in options:
        assert option.count == len(names({**chosen, facet: option.value}))
    assert sum(counts(options).values()) <= len(names(chosen))


def test_facets_leave_out_businesses_without_a_value(directory):
    facets = _facets({})
    no_subsector = sum(1 for row in DIRECTORY if row[4] is None)
    no_sentra = sum(1 for row in DIRECTORY if row[5] is None)
    no_figures = sum(1 for row in DIRECTORY if row[6] is None)
    assert sum(counts(facets["subsektor"]).values()) == len(DIRECTORY) - no_subsector
    assert sum(counts(facets["sentra"]).values()) == len(DIRECTORY) - no_sentra
    assert sum(counts(facets["skala"]).values()) == len(DIRECTORY) - no_figures


def test_skala_facet_follows_the_bps_order_and_the_latest_year(directory):
    options = _facets({})["skala"]
    order = [value for value, _label in ScaleBps.choices]
    assert [o.value for o in options] == sorted((o.value for o in options), key=order.index)
    # every business had one worker the year before, so counting any year but the latest would put all in mikro
    assert len(options) > 1
    assert {o.label for o in options} == {str(ScaleBps(o.value).label) for o in options}


def test_subsector_facet_labels_are_english_in_english(directory):
    with translation.override("en"):
        labels = {o.value: o.label for o in _facets({})["subsektor"]}
    assert labels == {
        code: name for code, name in CreativeSubsector.objects.filter(code__in=labels).values_list("code", "name_en")
    }
    assert labels["fesyen"] != CreativeSubsector.objects.get(code="fesyen").name


def test_sentra_facet_labels_are_sentra_names(directory):
    labels = {o.value: o.label for o in _facets({})["sentra"]}
    assert labels == {str(sentra.pk): sentra.name for sentra in directory.values()}


def test_facets_never_count_unpublished_businesses(directory):
    facets = _facets({"sentra": directory["batik"].pk})
    assert counts(facets["sentra"])[str(directory["batik"].pk)] == len(names({"sentra": directory["batik"].pk}))
    assert sum(counts(_facets({})["wilayah"]).values()) == len(DIRECTORY)


# --- sort orders --------------------------------------------------------------------------------------------------


def test_tertua_puts_businesses_without_a_founding_year_last(directory):
    ordered = names({"urut": "tertua"})
    unknown = sorted(row[0] for row in DIRECTORY if row[7] is None)
    known = [row for row in DIRECTORY if row[7] is not None]
    assert ordered[-len(unknown) :] == unknown
    assert ordered[: len(known)] == [row[0] for row in sorted(known, key=lambda row: row[7])]


def test_relevan_without_a_query_is_the_name_order(directory):
    filterset = BusinessPublicFilterSet({"urut": "relevan"})
    assert filterset.is_valid()
    assert [b.name for b in filterset.qs] == names({"urut": "nama"}) == sorted(row[0] for row in DIRECTORY)


def test_a_query_orders_by_relevance_by_default(directory):
    by_relevance = names({"q": "perak"})
    assert by_relevance[0] == "Perak Serangan"  # the name starts with the word, and it occurs twice
    assert by_relevance == names({"q": "perak", "urut": "relevan"})
    assert by_relevance != names({"q": "perak", "urut": "nama"})


@pytest.mark.parametrize("urut", ["nama", "-nama", "terbaru", "tertua"])
def test_an_explicit_order_overrides_relevance(directory, urut):
    assert names({"q": "perak", "urut": urut}) == [
        name for name in names({"urut": urut}) if name in set(names({"q": "perak"}))
    ]


# --- text search on every database --------------------------------------------------------------------------------


def test_every_word_must_occur_in_one_business(directory):
    assert names({"q": "batik"}) and names({"q": "perak"})
    assert names({"q": "batik perak"}) == []


def test_words_may_come_from_the_name_and_the_main_product(directory):
    assert names({"q": "sari tulis"}) == ["Batik Tuban Sari"]


def test_words_match_inside_longer_words(directory):
    assert set(names({"q": "atik"})) == {"Batik Tuban Sari", "Batik Kuta Indah"}


def test_search_ignores_case_and_punctuation(directory):
    assert names({"q": "TeNuN, eNdEk!"}) == names({"q": "tenun endek"}) == ["Tenun Endek Mertha"]


def test_endek_finds_the_endek_weaver(directory):
    assert names({"q": "endek"}) == ["Tenun Endek Mertha"]


def test_a_query_without_words_lists_everything(directory):
    assert names({"q": "!!! ..."}) == names({})


def test_words_after_the_eighth_are_ignored(directory):
    words = "batik tuban sari kain batik tulis tuban sari".split()
    assert len(words) == MAX_SEARCH_WORDS
    assert names({"q": " ".join([*words, "zzzzzz"])}) == ["Batik Tuban Sari"]
    assert names({"q": " ".join([*words[:-1], "zzzzzz"])}) == []


def test_search_never_reaches_unpublished_businesses(directory):
    assert "Batik Draf" not in names({"q": "draf"}) + names({"q": "batik draf"})


# --- "Maksud Anda" on every database -------------------------------------------------------------------------------


def suggestion(data) -> str | None:
    return BusinessPublicFilterSet(data).suggestion()


def test_a_typo_is_answered_with_the_word_the_registry_uses(directory):
    vocabulary_rebuild()
    if connection.vendor == "sqlite":
        assert names({"q": "batk"}) == []  # substrings only: the typo finds nothing on its own
    assert suggestion({"q": "batk"}) == "batik"
    assert set(names({"q": "batik"})) == {"Batik Tuban Sari", "Batik Kuta Indah"}


@pytest.mark.parametrize(
    ("typed", "corrected"),
    [
        ("tenun endk", "tenun endek"),  # the known word is kept
        ("Cincin PERK", "cincin perak"),
        ("serngan", "serangan"),  # a region's name and a business's
        ("ukri kayu", "ukir kayu"),  # two letters swapped
    ],
)
def test_each_unknown_word_is_corrected(directory, typed, corrected):
    vocabulary_rebuild()
    assert suggestion({"q": typed}) == corrected
    assert names({"q": corrected})


@pytest.mark.parametrize("typed", ["batik", "tenun endek", "bati", "kain", "xyzzy", "batik perak"])
def test_no_suggestion_for_words_in_use_or_without_a_near_one(directory, typed):
    vocabulary_rebuild()
    assert suggestion({"q": typed}) is None


def test_no_suggestion_that_finds_nothing_with_the_same_filters(directory):
    vocabulary_rebuild()
    assert suggestion({"q": "batk", "wilayah": "51.03"}) == "batik"
    assert suggestion({"q": "batk", "wilayah": "51.71"}) is None  # no batik in Denpasar
    assert suggestion({"q": "batk", "wilayah": "51.99"}) is None  # an invalid filter: nothing is offered


def test_no_suggestion_from_words_of_businesses_no_longer_in_the_directory(directory):
    """The vocabulary keeps a word until the nightly rebuild; the suggestion is checked against the directory."""
    vocabulary_rebuild()
    Business.objects.filter(name__startswith="Batik").update(status=BusinessStatus.INACTIVE)  # test data
    assert suggestion({"q": "batk"}) is None


def test_an_empty_vocabulary_offers_nothing(directory):
    SearchWord.objects.all().delete()
    assert suggestion({"q": "batk"}) is None


def test_the_directory_offers_the_corrected_search_as_a_link(client, directory):
    vocabulary_rebuild()
    page = client.get("/direktori/?q=batk&wilayah=51.03&page=2&utm_source=x").content.decode()
    assert 'Maksud Anda: <a href="?q=batik&amp;wilayah=51.03"><em>batik</em></a>?' in page
    page = client.get("/direktori/?q=batik").content.decode()
    assert "Maksud Anda" not in page


# --- PostgreSQL: typos, stems, ranking and indexes ----------------------------------------------------------------


def postgresql_only():
    if connection.vendor != "postgresql":
        pytest.skip("trigram similarity and Indonesian full-text search exist only on PostgreSQL")


def test_typo_batk_finds_batik(directory):
    postgresql_only()
    assert set(names({"q": "batk"})) == {"Batik Tuban Sari", "Batik Kuta Indah"}


def test_ukiran_finds_ukir_through_the_indonesian_stemmer(directory):
    postgresql_only()
    with connection.cursor() as cursor:  # not a substring, and too far for trigrams: only the stem can match
        cursor.execute("SELECT word_similarity('ukiran', 'relief ukir kayu') < 0.6")
        assert cursor.fetchone()[0]
    assert names({"q": "ukiran"}) == ["Ukir Kayu Munggu"]


def test_a_stemmed_query_needs_every_stem(directory):
    postgresql_only()
    assert names({"q": "ukiran kayu"}) == ["Ukir Kayu Munggu"]
    assert names({"q": "ukiran batik"}) == []


def test_a_word_that_only_looks_alike_is_dropped_when_businesses_hold_the_word(directory):
    postgresql_only()
    BusinessFactory(name="Batiik Kreasi", main_product="Kain pantai", status=PUBLISHED)  # a typo in the data
    BusinessFactory(name="Perabot Serangan", main_product="Meja kursi kayu", status=PUBLISHED)  # unrelated
    with connection.cursor() as cursor:  # both are trigram-similar enough for the index condition
        cursor.execute("SELECT word_similarity('batik', 'batiik kreasi'), word_similarity('perak', 'perabot serangan')")
        assert all(0.6 <= similarity < STRONG_SIMILARITY for similarity in cursor.fetchone())
    assert set(names({"q": "batik"})) == {"Batik Tuban Sari", "Batik Kuta Indah"}
    assert "Perabot Serangan" not in names({"q": "perak"})
    # Without a business that holds every word, the look-alikes are what there is.
    assert names({"q": "batik kreasi"}) == ["Batiik Kreasi"]
    assert "Perabot Serangan" in names({"q": "perak meja"})


def test_close_trigram_matches_follow_every_good_match(directory):
    """A query of several words with a typo in the data ("tullis") is close enough to be kept, after every business
    that holds the words, though first by name."""
    postgresql_only()
    BusinessFactory(name="Abadi Batik Tullis", main_product="Kain tullis", status=PUBLISHED)
    BusinessFactory(name="Batik Sari Tulis", main_product="Kain batik tulis", status=PUBLISHED)
    found = names({"q": "batik tulis"})
    assert found[-1] == "Abadi Batik Tullis"
    assert set(found[:-1]) == {"Batik Tuban Sari", "Batik Sari Tulis"}
    assert sorted(found)[0] == "Abadi Batik Tullis"


def test_names_starting_with_the_word_come_first_among_good_matches(directory):
    postgresql_only()
    BusinessFactory(name="Sanggar Tenun Ikat", main_product="Kain tenun ikat, kain tenun endek", status=PUBLISHED)
    found = names({"q": "tenun"})
    assert found[0] == "Tenun Endek Mertha"  # starts with the word, though the other holds it three times
    assert "Sanggar Tenun Ikat" in found


def test_more_occurrences_rank_higher(directory):
    postgresql_only()
    found = names({"q": "kain"})
    assert found[0] == "Cetak Kain Munggu"  # "kain" in the name and the product
    assert found != sorted(found)


@pytest.fixture
def search_indexes_only(directory):
    """The plans of this module's few rows, without the other ways to read them: no sequential scan, and the indexes
    that read every published row (status, name) dropped for the test (its transaction restores them). Over a
    handful of rows the planner otherwise rightly reads them all, whatever the search."""
    postgresql_only()
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        for name in ("business_published_name", "business_name_id", "business_village_name"):
            cursor.execute(f"DROP INDEX {name}")
        cursor.execute(
            "SELECT indexname FROM pg_indexes WHERE tablename = 'businesses_business' "
            "AND indexdef LIKE '%USING btree (status%'"
        )
        for (name,) in cursor.fetchall():
            cursor.execute(f'DROP INDEX "{name}"')


@pytest.mark.parametrize("query", ["batik", "kain batik tulis"])
def test_search_conditions_use_the_trigram_and_full_text_indexes(search_indexes_only, query):
    """Each condition the search ORs is served by an index: the stems by the full-text one (the directory reads them
    alone first, ikm_registry.keyset.window_page's `preferred`), every word as a substring and a trigram-similar word
    by the trigram one. (The OR of them all is planned as a whole only over a real table: over these few rows the
    planner may as well read the partial index whole.)"""
    filterset = BusinessPublicFilterSet({"q": query}, queryset=business_public_rows())
    assert filterset.qs is not None  # filtering sets the search's tiers
    narrowings = filterset.preferred_matches()
    stems, _tiers = next(narrowings)
    if " " not in query:  # a single word is first read from its bucket; a full bucket's count asks for the stems
        stems, _tiers = narrowings.send(1000)
    stems = stems.explain()
    assert "Bitmap Index Scan on business_search_scoped" in stems and "@@" in stems.split("Index Cond:")[1], stems
    word = query.split()[-1]
    for condition in ({"search_document__contains": word}, {"search_document__trigram_word_similar": word}):
        plan = Business.objects.filter(**condition).explain()  # the trigram index holds every business
        assert "Bitmap Index Scan on business_search_trgm" in plan, plan
        assert "Seq Scan" not in plan, plan


@pytest.mark.parametrize(
    ("data", "tokens"),
    [
        ({"wilayah": "51.03", "kbli": "13"}, ["w51.03", "k13"]),
        ({"wilayah": "51.03.01", "kbli": "13134", "subsektor": "fesyen"}, ["w51.03.01", "k13134", "sfesyen"]),
    ],
)
def test_a_narrowed_search_asks_one_index_for_its_words_and_its_filters(search_indexes_only, data, tokens):
    """The full-text index also holds each business's region, KBLI and subsector tokens (migration 0030): a search
    narrowed by them is one GIN scan that intersects the lists, not a bitmap per filter ANDed (which costs as much
    as the region and the KBLI division hold rows at national scale). The tokens say exactly what the filters say
    (test_a_narrowed_search_finds_what_the_filters_alone_would), and stand for them: the filters' own conditions
    beside them would let the planner AND in their indexes' bitmaps."""
    with connection.cursor() as cursor:  # nor the filters' own indexes
        cursor.execute(
            "SELECT indexname FROM pg_indexes WHERE tablename = 'businesses_business' "
            "AND indexdef ~ 'USING btree \\((kbli_id|village_id|subsector_id)'"
        )
        for (name,) in cursor.fetchall():
            cursor.execute(f'DROP INDEX "{name}"')
    filterset = BusinessPublicFilterSet({"q": "batik", **data}, queryset=business_public_rows())
    assert filterset.qs is not None  # filtering sets the search's tiers
    narrowed, _tiers = next(filterset.preferred_matches())  # the stems: the full-text index alone
    plan = narrowed.explain()
    index_scans = [line for line in plan.splitlines() if "Index Scan" in line]
    assert len(index_scans) == 1 and "business_search_scoped" in index_scans[0], plan
    condition = plan.split("Index Cond:")[1]
    for token in tokens:
        assert f"'{{{token}}}'::text[]" in condition, plan
    assert "LIKE" not in str(narrowed.query).upper()  # no filter's own condition (region_q, in_kbli)
    assert set(names({"q": "batik", **data})) == {"Batik Tuban Sari", "Batik Kuta Indah"}


def test_a_search_in_a_province_and_a_kbli_division_reads_the_pairs_own_list(search_indexes_only):
    """A province and a KBLI division: the stems are read from business_search_keys' lexeme:x<province><division>
    keys alone (one short list: the pair's matches of the word), with neither filter's own condition nor token;
    the whole search still asks for the pair's token, and both find what the filters alone would."""
    for n, village in enumerate(["51.03.01.1001", "51.71.01.1001", "51.03.01.1002"]):
        BusinessFactory(name=f"Batik Lain {n}", village=make_region(village), kbli=make_kbli("32112"), status=PUBLISHED)
    data = {"q": "batik", "wilayah": "51", "kbli": "13"}
    filterset = BusinessPublicFilterSet(data, queryset=business_public_rows())
    assert filterset.qs is not None  # filtering sets the search's tiers
    stems, _tiers = next(filterset.preferred_matches())
    sql = str(stems.query)
    assert "array_agg(lexeme || :x5113)" in sql and "ARRAY['w'" not in sql and "LIKE" not in sql.upper(), sql
    plan = stems.explain()
    index_scans = [line for line in plan.splitlines() if "Index Scan" in line]
    assert len(index_scans) == 1 and "business_search_keys" in index_scans[0], plan
    expected = {"Batik Tuban Sari", "Batik Kuta Indah"}
    assert set(stems.values_list("name", flat=True)) == expected
    assert "'{x5113}'::text[]" in filterset.qs.explain()
    assert set(names(data)) == expected
    filters_alone = BusinessPublicFilterSet({"wilayah": "51", "kbli": "13"}, queryset=business_public_rows()).qs
    assert expected == {name for name in filters_alone.values_list("name", flat=True) if "batik" in name.lower()}


# What the bucket's read (SearchKeys) asks for in its WHERE.
BUCKET = "array_agg(lexeme || ':0')"


def test_the_bucket_of_a_common_word_is_read_from_its_own_index(search_indexes_only):
    """The bucket's matches are those of the word's stems whose id is divisible by 16, found by one scan of
    business_search_keys (its keys: each lexeme with the business's bucket); unpublished holders stay out."""
    for n in range(40):
        BusinessFactory(name=f"Pembatikan {n}", main_product="Kain", status=PUBLISHED if n % 5 else "draft")
    filterset = BusinessPublicFilterSet({"q": "batik"}, queryset=business_public_rows())
    assert filterset.qs is not None  # filtering sets the search's tiers
    bucket, _tiers = next(filterset.preferred_matches())
    plan = bucket.explain()
    index_scans = [line for line in plan.splitlines() if "Index Scan" in line]
    assert len(index_scans) == 1 and "business_search_keys" in index_scans[0], plan
    assert "business_search_keys(" in plan.split("Index Cond:")[1], plan
    stem_matches = (
        Business.objects.filter(status=PUBLISHED)
        .annotate(vector=SearchVector("search_document", config="indonesian"))
        .filter(vector=SearchQuery("batik", config="indonesian", search_type="plain"))
        .values_list("pk", flat=True)
    )
    expected = {pk for pk in stem_matches if pk % 16 == 0}
    assert expected and len(expected) < len(stem_matches)
    assert set(bucket.values_list("pk", flat=True)) == expected


@pytest.mark.parametrize(
    "data",
    [
        {"wilayah": "51"},
        {"wilayah": "51.71"},
        {"wilayah": "51.03.02"},
        {"wilayah": "51.71.01.1001"},
        {"kbli": "13"},
        {"kbli": "321"},
        {"wilayah": "51.03", "kbli": "1313"},
        {"kbli": "32112", "subsektor": "kriya"},
        {"subsektor": "fesyen"},
        {"kbli": "C"},
    ],
)
def test_a_narrowed_search_finds_what_the_filters_alone_would(directory, data):
    """The tokens agree with the filters at every level: the same businesses as the filters applied to the search
    without the index's tokens (SQLite has no tokens; its search is the reference there)."""
    for query in ("perak", "kain", "cincin", "batik", "ukir"):
        expected = set(names({"q": query})) & set(names(data))
        assert set(names({"q": query, **data})) == expected, (query, data)


def test_a_search_whose_good_matches_fill_its_window_leaves_the_look_alikes_out(client, directory, settings):
    """The directory reads a text search's matches up to DIRECTORY_SEARCH_MAX (ikm_registry.keyset.window_page):
    when the businesses that hold every word fill it, the trigram look-alikes are not read at all (their index scan
    is the dearest part of a common word's search); when they do not, the look-alikes follow them."""
    postgresql_only()
    settings.PUBLIC_CACHE_SECONDS = 0
    BusinessFactory(name="Abadi Batik Tullis", main_product="Kain tullis", status=PUBLISHED)  # only looks alike
    BusinessFactory(name="Batik Sari Tulis", main_product="Kain batik tulis", status=PUBLISHED)
    good = set(names({"q": "batik tulis"})) - {"Abadi Batik Tullis"}
    assert len(good) >= 2

    def shown(url):
        response = client.get(url)
        return [business.name for business in response.context["page"].object_list], response.context["count"]

    settings.DIRECTORY_SEARCH_MAX = len(good) + 1
    found, count = shown("/direktori/?q=batik+tulis")
    assert count == len(good) + 1 and found[-1] == "Abadi Batik Tullis" and set(found[:-1]) == good
    settings.DIRECTORY_SEARCH_MAX = len(good) - 1
    found, count = shown("/direktori/?q=batik+tulis")
    assert count is None and len(found) == len(good) - 1 and set(found) <= good
    with CaptureQueriesContext(connection) as queries:
        client.get("/direktori/?q=batik+tulis")
    reads = [
        sql for query in queries.captured_queries if "window_tier" in (sql := query["sql"]) and "search_document" in sql
    ]
    assert len(reads) == 1 and "%>" not in reads[0] and "WORD_SIMILARITY" not in reads[0].upper(), reads


def test_a_search_whose_stem_matches_fill_its_window_reads_only_the_full_text_index(client, directory, settings):
    """The narrowest read first (window_page's `preferred`): when the businesses whose stems match fill the window,
    the window is read with the full-text condition alone, not the substring one (LIKE '%word%', whose trigram
    index scan costs as much again); when they do not (a word found only inside others), the substring matches
    come next, and the look-alikes after them."""
    postgresql_only()
    settings.PUBLIC_CACHE_SECONDS = 0
    stems = set(names({"q": "batik"}))
    assert len(stems) >= 2

    def window_reads(url) -> list[str]:
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url).status_code == 200
        return [
            sql.split(" WHERE ", 1)[1]
            for query in queries.captured_queries
            if "window_tier" in (sql := query["sql"]) and " LIMIT " in sql and "search_document" in sql
        ]

    assert set(names({"q": "batik", "subsektor": "fesyen"})) == stems
    settings.DIRECTORY_SEARCH_MAX = len(stems) - 1
    url = "/direktori/?q=batik&subsektor=fesyen"  # with a filter: no bucket (test_a_common_word_alone_fills_...)
    reads = window_reads(url)
    assert len(reads) == 1 and "to_tsvector" in reads[0] and "LIKE" not in reads[0].upper(), reads
    assert BUCKET not in reads[0], reads
    response = client.get(url)
    assert response.context["count"] is None and len(response.context["page"].object_list) == len(stems) - 1

    # "atik" is no word of any name: only the substring condition finds batik, and then the look-alikes are read too.
    # A single word alone is first sought in the bucket, which finds nothing: so few that the stem matches of the
    # whole registry are not read either.
    settings.DIRECTORY_SEARCH_MAX = 1000
    reads = window_reads("/direktori/?q=atik")
    assert len(reads) == 3, reads
    assert BUCKET in reads[0] and "LIKE" not in reads[0].upper(), reads
    assert "LIKE" in reads[1].upper() and "%>" not in reads[1] and "%>" in reads[2], reads
    reads = window_reads("/direktori/?q=atik&urut=nama")  # a single word in another order: the same reads
    assert len(reads) == 3 and BUCKET in reads[0], reads
    assert set(stems) <= set(names({"q": "atik"}))


def test_a_common_word_alone_fills_its_window_from_one_sixteenth_of_the_registry(client, directory, settings):
    """A single word and no filter: the window is read first from the businesses in SearchScope's bucket b0 (id
    modulo 16 is 0), whose stem matches are a sixteenth of the word's (PostgreSQL builds a bitmap of every match of
    a GIN scan before it reads a row). When they fill the window, that is the only read, and the pages show those
    businesses; when they do not, the stem matches of the whole registry are read next."""
    postgresql_only()
    settings.PUBLIC_CACHE_SECONDS = 0
    for n in range(48):
        BusinessFactory(name=f"Batik Lestari {n}", main_product="Kain", status=PUBLISHED)
    holders = Business.objects.filter(status=PUBLISHED, search_document__contains="batik")
    in_bucket = sorted(name for pk, name in holders.values_list("pk", "name") if pk % 16 == 0)
    stems = set(names({"q": "batik"}))
    assert len(in_bucket) >= 2 and len(stems) > len(in_bucket)

    def shown(url) -> tuple[list[str], list[str]]:
        with CaptureQueriesContext(connection) as queries:
            response = client.get(url)
        reads = [
            sql.split(" WHERE ", 1)[1]
            for query in queries.captured_queries
            if "window_tier" in (sql := query["sql"]) and " LIMIT " in sql and "search_document" in sql
        ]
        return [business.name for business in response.context["page"].object_list], reads

    settings.DIRECTORY_PAGE_SIZE = 50
    settings.DIRECTORY_SEARCH_MAX = len(in_bucket) - 1
    found, reads = shown("/direktori/?q=batik")
    assert len(reads) == 1 and BUCKET in reads[0], reads
    assert found == in_bucket[:-1]  # the bucket's first by name (tier: all start with the word)
    settings.DIRECTORY_SEARCH_MAX = len(in_bucket)  # the bucket's matches do not fill it: the stems come next
    found, reads = shown("/direktori/?q=batik")
    assert len(reads) == 2 and BUCKET in reads[0] and BUCKET not in reads[1], reads
    assert len(found) == len(in_bucket) and set(found) <= stems


def _good_match_checks(sqls: list[str]) -> list[str]:
    """The EXISTS that decides whether a PostgreSQL search keeps its looser matches (SearchCondition)."""
    return [sql for sql in sqls if sql.startswith("SELECT 1 AS") and "search_document" in sql and "window" not in sql]


def test_a_page_read_from_the_best_matches_alone_never_asks_whether_there_are_good_ones(client, directory, settings):
    """The condition of the whole search (good matches, and the looser ones only when there are none) is decided
    when it is first compiled: a page whose window the stem matches fill, and whose cards are read by id, never
    compiles it, so the EXISTS is not run. A page that needs the whole search asks once; the map (every result
    with coordinates) asks too, and the search finds the same."""
    postgresql_only()
    settings.PUBLIC_CACHE_SECONDS = 0
    for n in range(6):
        BusinessFactory(name=f"Batik Lestari {n}", main_product="Kain", status=PUBLISHED)
    stems = set(names({"q": "batik", "wilayah": "51"}))
    assert len(stems) > 3

    def run(url):
        with CaptureQueriesContext(connection) as queries:
            response = client.get(url)
        assert response.status_code == 200
        return response, [query["sql"] for query in queries.captured_queries]

    settings.DIRECTORY_SEARCH_MAX = 3  # the stem matches fill the window
    response, sqls = run("/direktori/?q=batik&wilayah=51")
    assert _good_match_checks(sqls) == []
    assert len(response.context["page"].object_list) == 3
    settings.DIRECTORY_SEARCH_MAX = 1000  # they do not: the whole search is read, and asks once
    response, sqls = run("/direktori/?q=batik&wilayah=51")
    assert len(_good_match_checks(sqls)) == 1
    assert {business.name for business in response.context["page"].object_list} == stems
    settings.DIRECTORY_SEARCH_MAX = 3
    response, sqls = run("/direktori/?q=batik&wilayah=51&tampilan=peta")
    assert len(_good_match_checks(sqls)) == 1


def test_a_search_with_good_matches_does_not_read_the_vocabulary(client, directory, settings):
    """ "Maksud Anda" corrects words the registry does not use; a page whose best matches hold every word (or its
    stems) has none to correct, and the vocabulary is not read. A typo still gets its suggestion, and a search in
    another order (no tiers to tell) asks the vocabulary as before."""
    settings.PUBLIC_CACHE_SECONDS = 0
    vocabulary_rebuild()

    def vocabulary_reads(url) -> tuple[int, str]:
        with CaptureQueriesContext(connection) as queries:
            page = client.get(url).content.decode()
        return sum("ikm_registry_searchword" in query["sql"] for query in queries.captured_queries), page

    reads, page = vocabulary_reads("/direktori/?q=batik")
    assert reads == 0 and "Maksud Anda" not in page
    reads, page = vocabulary_reads("/direktori/?q=bati")  # a word's start: every word occurs
    assert reads == 0 and "Maksud Anda" not in page
    reads, page = vocabulary_reads("/direktori/?q=batk")
    assert reads >= 1 and "<em>batik</em>" in page
    reads, page = vocabulary_reads("/direktori/?q=batik&urut=nama")
    assert reads >= 1 and "Maksud Anda" not in page


def test_a_chosen_region_and_kbli_are_read_once_for_their_check_and_their_labels(client, directory, settings):
    """The form's checks read the chosen region's trail and the KBLI's title in one query; the page shows them from
    there."""
    settings.PUBLIC_CACHE_SECONDS = 0
    with CaptureQueriesContext(connection) as queries:
        page = client.get("/direktori/?wilayah=51.03.01&kbli=13134").content.decode()
    sqls = [query["sql"] for query in queries.captured_queries]
    chosen = [sql for sql in sqls if "'51.03.01'" in sql and "'13134'" in sql]
    assert len(chosen) == 1 and '"businesses_region"' in chosen[0] and '"businesses_kbli"' in chosen[0], sqls
    assert not any('"businesses_kbli"."code" =' in sql or '"businesses_region"."code" =' in sql for sql in sqls), sqls
    assert '<option value="51.03.01" selected>' in page
    assert '<option value="13134" selected>13134 ' in page
    response = client.get("/direktori/?wilayah=51.03.99&kbli=99999")
    assert set(response.context["form"].errors) == {"wilayah", "kbli"}
