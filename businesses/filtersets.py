"""FilterSets of the registry, built from the rules of businesses/rules.py.

- `BusinessStaffFilterSet` and `SentraStaffFilterSet`: the staff's filters (ikm_registry.filtering), one per listed
  model, used by the admin lists, the export of the business list and the Daftar IKM report.
- `BusinessPublicFilterSet`: the directory's search and filters over `business_public()`, shared by pages, API and
  exports.

Query parameters are part of the public interface (shared links): q, wilayah, kbli, subsektor, skala, sentra, urut.

Text search (`q`) matches `Business.search_document` (name and main product, lower-cased). On PostgreSQL every word
must occur in it or be trigram-similar to one of its words ("batk" finds batik), or the whole query must match its
Indonesian full-text vector (stems: "ukiran" finds ukir). Matches where every word occurs or the stems match rank
first (names that start with the first word first), by full-text rank plus word similarity; matches that are only
trigram-similar follow, and are dropped unless very close when there are such good matches. Both conditions are
served by GIN indexes (migrations 0008 and 0030; the full-text one also holds the region, KBLI and subsector
filters, so that a narrowed search is one index scan). On SQLite every word must occur as a substring. On both, a
word nobody in the registry uses is answered with "Maksud Anda: …?" (`suggestion()`, from the vocabulary of
ikm_registry/vocabulary.py).
"""

import re
from collections.abc import Iterator

import django_filters
from django import forms
from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.contrib.postgres.search import SearchQuery, SearchRank, SearchVector, TrigramWordSimilarity
from django.core.validators import RegexValidator
from django.db import connections, models
from django.db.models import Exists, F, OuterRef, Q
from django.utils.translation import gettext_lazy as _

from businesses import rules
from businesses.choices import SCALE_BPS_WORKERS, BusinessStatus, LegalForm, ScaleBps
from businesses.extensions import directory_filters
from businesses.models import SENTRA_MIN_MEMBERS, Business, Sentra
from businesses.selectors import business_public, chosen_references
from ikm_registry.choices import KbliLevel, RegionLevel
from ikm_registry.filtering import FilterAutocompleteSelect, LabelledModelChoiceFilter, StaffFilterSet
from ikm_registry.models import CreativeSubsector, Kbli, Region
from ikm_registry.scoping import region_q, scope_for
from ikm_registry.vocabulary import corrected_query

REGION_CODE = RegexValidator(
    r"^[0-9]{2}(\.[0-9]{2}(\.[0-9]{2}(\.[0-9]{4})?)?)?$",
    _("Kode wilayah tidak dikenal bentuknya (mis. 51, 51.03, 51.03.01, 51.03.01.1001)."),
)
KBLI_CODE = RegexValidator(r"^([A-Za-z]|[0-9]{2,5})$", _("Kode KBLI berupa huruf kategori atau 2–5 angka."))

SEARCH_CONFIG = "indonesian"
MAX_SEARCH_WORDS = 8
# PostgreSQL: trigram-only matches at least this similar to the query are kept beside matches that hold every word
# (pg_trgm's word_similarity; "batik" and "batiik", or "perak" and "perabot", are 0.67).
STRONG_SIMILARITY = 0.75
# ... and the rank a good match starts from, above any trigram-only match (full-text rank + similarity stay below 2).
GOOD_MATCH = 10.0


class SearchScope(models.Func):
    """PostgreSQL: the tokens of the filters a text search is narrowed by, as the directory's full-text index holds
    them beside the words (business_search_scoped, migration 0030; the expression must be the index's): w<region
    code> for each level of the business's desa, k<KBLI code> for each length, s<creative subsector>,
    x<province><KBLI division> (the pair a province's office most often narrows by: a much shorter list than either
    alone, and a GIN scan's cost grows with the lists it intersects) (migration 0031)."""

    template = (
        "ARRAY['w' || left({village}, 2), 'w' || left({village}, 5), 'w' || left({village}, 8), 'w' || {village}, "
        "'k' || left({kbli}, 2), 'k' || left({kbli}, 3), 'k' || left({kbli}, 4), 'k' || {kbli}, "
        "'s' || {subsector}, 'x' || left({village}, 2) || left({kbli}, 2)]::text[]"
    )
    output_field = ArrayField(models.TextField())

    def __init__(self):
        super().__init__(F("village_id"), F("kbli_id"), F("subsector_id"))

    def as_sql(self, compiler, connection, **extra_context):
        village, kbli, subsector = (compiler.compile(column)[0] for column in self.get_source_expressions())
        return self.template.format(village=village, kbli=kbli, subsector=subsector), []


# The number of arbitrary parts of the registry (by id) a very common word's window is first read from (SearchKeys).
SEARCH_BUCKETS = 16


class SearchKeys(models.Expression):
    """PostgreSQL: "every lexeme of `text` is among the business's search keys with suffix `part`": the full-text
    match of `text` (its Indonesian stems) within one part of the registry. Served by business_search_keys
    (migration 0031; the expression must be the index's), which holds each published business's lexemes twice:
    with its bucket appended (`batik:0`, id modulo SEARCH_BUCKETS; `part` "0" is the first of those arbitrary
    parts) and with its province and KBLI division (`batik:x3513`, `part` "x3513"). A word's matches within such a
    part are one short posting list, where the word's own list at national scale holds tens of thousands and a
    GIN scan's cost grows with the lists it intersects (preferred_matches)."""

    conditional = True
    output_field = models.BooleanField()

    def __init__(self, text: str, part: str):
        super().__init__()
        self.text, self.part = text, part
        self.columns = [F("search_document"), F("id"), F("village_id"), F("kbli_id")]

    def get_source_expressions(self):
        return self.columns

    def set_source_expressions(self, expressions):
        self.columns = list(expressions)

    def as_sql(self, compiler, connection):
        document, pk, village, kbli = (compiler.compile(column)[0] for column in self.columns)
        return (
            f"business_search_keys({document}, {pk}, {village}, {kbli}) @> "
            "(SELECT array_agg(lexeme || %s) FROM unnest(to_tsvector(%s::regconfig, %s)))",
            [f":{self.part}", SEARCH_CONFIG, self.text],
        )


class SearchCondition(models.Expression):
    """The condition of a PostgreSQL text search's matches: `with_good` when any business matches the words well,
    else `without_good` (_search_postgresql). Whether any does (`has_good()`: an indexed EXISTS, remembered) is asked
    when the condition is first compiled, not when the search is built: a directory page read from the search's best
    matches alone (preferred_matches), its cards read by id, never compiles it, and never asks."""

    conditional = True
    output_field = models.BooleanField()

    def __init__(self, with_good: Q, without_good: Q, *, has_good):
        super().__init__()
        self.with_good, self.without_good, self.has_good = with_good, without_good, has_good

    def get_source_expressions(self):
        return [self.with_good, self.without_good]

    def set_source_expressions(self, expressions):
        self.with_good, self.without_good = expressions

    def as_sql(self, compiler, connection):
        return compiler.compile(self.with_good if self.has_good() else self.without_good)


def search_words(text: str) -> list[str]:
    """The words of a query as the search compares them: lower-case letters and digits, at most 8 words."""
    return re.findall(r"\w+", text.lower())[:MAX_SEARCH_WORDS]


# urut=<key>: the whitelisted sort orders; the first is the default (with a text query: relevance).
ORDERINGS = {
    "relevan": (_("Paling sesuai"), ("-search_rank", "name", "pk")),
    "nama": (_("Nama (A–Z)"), ("name", "pk")),
    "-nama": (_("Nama (Z–A)"), ("-name", "-pk")),
    "terbaru": (_("Terbaru didaftarkan"), ("-created_at", "-pk")),
    "tertua": (_("Paling lama berdiri"), (F("year_founded").asc(nulls_last=True), "name", "pk")),
}


class BusinessPublicFilterForm(forms.Form):
    """Checks that region and KBLI codes exist, so an unknown code is an error on its field; both in one query
    (selectors.chosen_references), whose rows the page that shows the choice uses too: the region and its parents,
    province first (`region_trail`), and the KBLI's title (`kbli_title`)."""

    region_trail: list[Region] | tuple = ()
    kbli_title = ""

    def clean_kbli(self):
        return (self.cleaned_data.get("kbli") or "").upper()

    def clean(self):
        cleaned = super().clean()
        code, kbli = cleaned.get("wilayah") or "", cleaned.get("kbli") or ""
        if not code and not kbli:
            return cleaned
        trail, title = chosen_references(wilayah=code, kbli=kbli)
        if code and (not trail or trail[-1].code != code):
            self.add_error(
                "wilayah",
                forms.ValidationError(_("Wilayah dengan kode %(code)s tidak ada."), params={"code": code}),
            )
        elif code:
            self.region_trail = trail
        if kbli and title is None:
            self.add_error(
                "kbli", forms.ValidationError(_("KBLI dengan kode %(code)s tidak ada."), params={"code": kbli})
            )
        elif kbli:
            self.kbli_title = title
        return cleaned


def _extension_method(function):
    return lambda queryset, name, value: function(queryset, value)


class BusinessPublicFilterSet(django_filters.FilterSet):
    """Search and filters of the public directory, always over `business_public()` (published, public fields).

    A parameter with an invalid value leaves an error on the form and the result empty (a filter the visitor asked
    for that cannot match), except `urut`, which then falls back to the default order.
    """

    q = django_filters.CharFilter(label=_("Cari"), method="filter_q", max_length=100)
    wilayah = django_filters.CharFilter(
        label=_("Wilayah"), method="filter_wilayah", max_length=13, validators=[REGION_CODE]
    )
    kbli = django_filters.CharFilter(label=_("KBLI"), method="filter_kbli", max_length=5, validators=[KBLI_CODE])
    subsektor = django_filters.ModelChoiceFilter(
        label=_("Subsektor"),
        field_name="subsector",
        method="filter_subsektor",
        queryset=CreativeSubsector.objects.all(),
    )
    skala = django_filters.ChoiceFilter(label=_("Skala (BPS)"), choices=ScaleBps.choices, method="filter_skala")
    sentra = django_filters.ModelChoiceFilter(label=_("Sentra"), field_name="sentra", queryset=Sentra.objects.all())
    urut = django_filters.ChoiceFilter(
        label=_("Urutkan"),
        choices=[(key, label) for key, (label, _fields) in ORDERINGS.items()],
        method="sort",
        empty_label=None,
    )

    class Meta:
        model = Business
        fields = []
        form = BusinessPublicFilterForm

    def __init__(self, data=None, queryset=None, **kwargs):
        super().__init__(data, queryset if queryset is not None else business_public(), **kwargs)
        for extra in directory_filters:  # filters other apps add (businesses/extensions.py)
            added = django_filters.ChoiceFilter(
                label=extra.label, choices=extra.choices(), method=_extension_method(extra.filter)
            )
            added.parent = self
            added.model = Business
            self.filters[extra.name] = added

    def filter_queryset(self, queryset):
        if any(name != "urut" for name in self.form.errors):
            return queryset.none()
        return super().filter_queryset(queryset)

    def queryset_without(self, name: str):
        """The results as if parameter `name` were not given (the others still apply): facet counts."""
        if not self.is_bound or any(field != "urut" for field in self.form.errors):
            return self.qs
        queryset = self.queryset.all()
        self._left_out = name
        try:
            for field, value in self.form.cleaned_data.items():
                if field not in (name, "urut"):
                    queryset = self.filters[field].filter(queryset, value)
        finally:
            self._left_out = None
        return queryset

    # With a text query, the conditions of its relevance tiers, best first, a row in the first it meets (see filter_q);
    # else None.
    search_tiers: list[Q] | None = None
    # ... of which the first two hold good matches: every word occurs (or, on PostgreSQL, the stems match)
    good_tiers = 2
    # ... and the rank of a match among those of its tier (more of the words, closer ones first): an expression over
    # the bare rows, for the page's own rows (the directory's cards); None where the tiers are all the rank (SQLite).
    rank_within_tier = None

    def filter_q(self, queryset, name, value):
        words = search_words(value)
        if not words:
            return queryset
        if queryset.db and self._is_postgresql(queryset):
            return self._search_postgresql(queryset, words)
        for word in words:
            queryset = queryset.filter(search_document__contains=word)
        # Without a rank, the closest thing to relevance: names that start with the first word come first.
        starts = Q(search_document__startswith=words[0])
        self.search_tiers = [starts, ~starts]
        return queryset.annotate(
            search_rank=models.Case(
                models.When(search_document__startswith=words[0], then=models.Value(1.0)),
                default=models.Value(0.0),
                output_field=models.FloatField(),
            )
        ).order_by("-search_rank", "name", "pk")

    @staticmethod
    def _is_postgresql(queryset) -> bool:
        return connections[queryset.db].vendor == "postgresql"

    def _search_postgresql(self, queryset, words):
        """Good matches (every word occurs, or the full-text stems match) first, names starting with the first word
        first among them; then matches that are only trigram-similar ("batk" → batik), and of those only the close
        ones (STRONG_SIMILARITY) when there are good matches at all: a word that merely looks alike ("perabot" for
        "perak") never sits between or after the businesses that hold the word."""
        text = " ".join(words)
        query = SearchQuery(text, config=SEARCH_CONFIG, search_type="plain")
        every_word_occurs, every_word_alike = Q(), Q()
        for word in words:
            every_word_occurs &= Q(search_document__contains=word)
            every_word_alike &= Q(search_document__contains=word) | Q(search_document__trigram_word_similar=word)
        good = every_word_occurs | Q(search_vector=query)
        self.rank_within_tier = SearchRank(SearchVector("search_document", config=SEARCH_CONFIG), query) + (
            TrigramWordSimilarity(text, "search_document")
        )
        queryset = queryset.alias(
            search_vector=SearchVector("search_document", config=SEARCH_CONFIG),
            search_similarity=TrigramWordSimilarity(text, "search_document"),
            search_scope=SearchScope(),
        )
        narrowed_to = self.__dict__.get("_narrowed_to")
        if narrowed_to == "bucket":  # the rows alone (preferred_matches): the window ranks them by the search's tiers
            return queryset.filter(SearchKeys(text, "0"))
        if self._pair_in_keys():
            cleaned = self.form.cleaned_data
            return queryset.filter(SearchKeys(text, f"x{cleaned['wilayah']}{cleaned['kbli']}"))
        if narrowed_to:
            return queryset.filter(Q(search_vector=query) if narrowed_to == "stems" else good)
        condition = SearchCondition(
            good | (every_word_alike & Q(search_similarity__gte=STRONG_SIMILARITY)),
            every_word_alike,
            has_good=lambda: self._has_good_matches(queryset, good, words),
        )
        tier = models.Case(
            models.When(good & Q(search_document__startswith=words[0]), then=models.Value(GOOD_MATCH + 1.0)),
            models.When(good, then=models.Value(GOOD_MATCH)),
            default=models.Value(0.0),
            output_field=models.FloatField(),
        )
        # The same order as tiers of conditions (ikm_registry.keyset's window_page): the directory ranks the matches of
        # its window by tier and name, never every match.
        starts = Q(search_document__startswith=words[0])
        self.search_tiers = [good & starts, good, condition]  # tested in turn (window_page): good & ~starts, ...
        self._good_match_tiers = [starts, good]  # the same numbers, for rows known to be good (preferred_matches)
        return (
            queryset.filter(condition)
            .annotate(search_rank=tier + SearchRank(F("search_vector"), query) + F("search_similarity"))
            .order_by("-search_rank", "name", "pk")
        )

    def preferred_matches(self) -> Iterator:
        """On PostgreSQL with a text query: the results limited to its best matches, narrowest first, the other
        filters the same: those whose stems match (the full-text index alone), then the good matches (every word
        occurs, or the stems match; the trigram-similar ones left out); else none. Each comes with the tiers its
        rows can be in (window_page: whether the name starts with the first word). Each is made when asked for (a
        generator): a search with many such matches need not evaluate the looser conditions, nor build their
        queries (ikm_registry.keyset.window_page, `preferred`): "batik" matches by its stem in tens of thousands of
        rows at national scale, and the substring index that finds "pembatikan" too costs as much again to scan.

        A single word and no other filter: first the stem matches within one sixteenth of the registry
        (SearchKeys). A word that common still fills the window from there: PostgreSQL builds and sorts a bitmap of
        every match a GIN scan finds before it reads the first row, and the bucket's index hands over the 1,800 of
        "batik" at 1,000,000 businesses as one short list (0.3 ms), where the word's 29,000 cost 5 ms. When the
        bucket held so few that all the stem matches would not fill half the window (window_page sends how many each
        read found), those are not read: the good matches come next. With a province and a KBLI division, the stems
        are read within that pair's part of the same index."""
        if not self.search_tiers or not self._is_postgresql(self.queryset) or not self.is_valid():
            return
        tiers = self.search_tiers
        narrowings = ["stems", "good"]
        given = {name for name, value in self.form.cleaned_data.items() if value not in (None, "", [])}
        if given <= {"q", "urut"} and len(search_words(self.form.cleaned_data["q"])) == 1:
            narrowings.insert(0, "bucket")
        skipped = set()
        for narrowed_to in narrowings:
            if narrowed_to in skipped:
                continue
            self._narrowed_to = narrowed_to
            try:
                narrowed = self.filter_queryset(self.queryset.all())
            finally:
                self._narrowed_to, self.search_tiers = None, tiers  # the tiers stay those of the whole search
            found = yield narrowed, self._good_match_tiers  # every row a good match: tier 0 or 1
            if (
                narrowed_to == "bucket"
                and found is not None
                and found * SEARCH_BUCKETS * 2 < settings.DIRECTORY_SEARCH_MAX
            ):
                skipped.add("stems")

    def _has_good_matches(self, queryset, good, words) -> bool:
        """Whether any business matches the words well (one indexed EXISTS per query, remembered: the directory
        filters the same words again for each facet count)."""
        remembered = self.__dict__.setdefault("_good_matches", {})
        key = tuple(words)
        if key not in remembered:
            remembered[key] = queryset.filter(good).exists()
        return remembered[key]

    def filter_wilayah(self, queryset, name, value):
        if not self._searching(queryset):
            return queryset.filter(region_q("village__code", value))
        if self._pair_in_keys():
            return queryset  # the search's own condition holds the pair (SearchKeys)
        if self._province_and_division():
            return self._scoped(queryset, f"x{value}{self.form.cleaned_data['kbli']}")
        return self._scoped(queryset, f"w{value}")  # REGION_CODE: a code of one of the levels the index holds

    def filter_kbli(self, queryset, name, value):
        if not self._searching(queryset) or not value.isdigit():  # a section letter has no token
            return rules.in_kbli(queryset, value)
        if self._province_and_division():
            return queryset  # the province's filter (or the search's keys) asked for both
        return self._scoped(queryset, f"k{value}")

    def _province_and_division(self) -> bool:
        """Whether a province and a KBLI division are both asked for (and neither left out of a facet's count): the
        search index holds a token for each pair (SearchScope's x<province><division>), whose list is a few percent
        of either's."""
        cleaned, left_out = self.form.cleaned_data, self.__dict__.get("_left_out")
        region, code = cleaned.get("wilayah") or "", cleaned.get("kbli") or ""
        return left_out not in ("wilayah", "kbli") and len(region) == 2 and len(code) == 2 and code.isdigit()

    def _pair_in_keys(self) -> bool:
        """Whether the search's stems are read with a province and KBLI division (preferred_matches' "stems"): their
        matches are then one short list of business_search_keys (lexeme:x<province><division>)."""
        return self.__dict__.get("_narrowed_to") == "stems" and self._province_and_division()

    def filter_subsektor(self, queryset, name, value):
        if not self._searching(queryset):
            return queryset.filter(subsector=value)
        return self._scoped(queryset, f"s{value.pk}")

    @staticmethod
    def _searching(queryset) -> bool:
        """Whether a PostgreSQL text search is being built (filter_q runs first and adds its aliases)."""
        return "search_scope" in queryset.query.annotations

    @staticmethod
    def _scoped(queryset, token: str):
        """A PostgreSQL text search narrowed by a filter asks for the filter's token (SearchScope) instead of the
        filter's own condition: it says exactly the same (the code's own prefix), and the words and the tokens are
        then found by one scan of the index that holds both, which intersects their lists ("batik" in Jawa Timur's
        KBLI 13 at 1,000,000 businesses: 3 ms instead of 16 ms for three bitmaps ANDed). The filter's own condition
        beside it would let the planner AND in the bitmap of its own index (a hundred thousand rows for a province
        or a KBLI division: 30 ms) when its estimates say the search finds many. Without a text search the filters'
        own conditions are used: their indexes serve them."""
        return queryset.filter(search_scope__contains=[token])

    def filter_skala(self, queryset, name, value):
        """BPS class of the latest data year; the figures themselves never leave the database."""
        return queryset.filter(rules.has_latest_scale(value))

    def sort(self, queryset, name, value):
        if value == "relevan" and not search_words(self.form.cleaned_data.get("q") or ""):
            value = "nama"
        return queryset.order_by(*ORDERINGS[value][1])

    def suggestion(self) -> str | None:
        """For "Maksud Anda": the query with each word that no published business, KBLI title or region name uses
        replaced by the nearest word that one does ("batk" → "batik"), when that search, with the same filters,
        finds something; else None. Reads the vocabulary (ikm_registry/vocabulary.py), not the businesses, unless
        there is a correction to check."""
        if not self.is_bound or not self.is_valid():
            return None
        query = self.form.cleaned_data.get("q") or ""
        corrected = corrected_query(query)
        if not corrected or search_words(corrected) == search_words(query):
            return None
        data = self.data.copy() if hasattr(self.data, "copy") else dict(self.data)
        data["q"] = corrected
        return corrected if type(self)(data, queryset=self.queryset).qs.exists() else None


# --- staff ----------------------------------------------------------------------------------------------------------

STAFF_KBLI_CODE = RegexValidator(r"^([A-Za-z]|[0-9]{1,5})$", _("Tulis huruf kategori atau 1 sampai 5 angka KBLI."))

# kelengkapan=<key>: "Data belum lengkap" (the admin home's counts link here).
NO_NIB = "tanpa-nib"
NO_COORDINATES = "tanpa-koordinat"
NO_RECENT_FIGURES = "tanpa-data-tahunan"
INCOMPLETE = {
    NO_NIB: (_("Belum ada NIB"), rules.missing_nib),
    NO_COORDINATES: (_("Belum ada koordinat"), rules.missing_coordinates),
    NO_RECENT_FIGURES: (_("Belum ada data tahun lalu"), rules.missing_recent_figures),
}


def _region_name(code: str, user) -> str:
    """A region code as a person reads it in a filter description: "Kabupaten Badung", "Kuta"; the code when unknown
    or outside the user's region (a list filtered to another region is empty, and names none of it)."""
    return Region.objects.restrict(user).filter(code=code).values_list("name", flat=True).first() or code


class RegionFiltersMixin:
    """kabupaten (hidden for staff of a single regency) and kecamatan (of the chosen or the user's own regency)."""

    def filter_region(self, queryset, name, value):
        return queryset.in_region(value)

    def lookups_kabupaten(self):
        regencies = Region.objects.filter(level=RegionLevel.REGENCY)
        regencies = regencies.restrict(self.user)
        if scope_for(self.user).region_code and regencies.count() <= 1:
            return []
        return [(region.code, region.name) for region in regencies.order_by("code")]

    def _regency(self):
        chosen = self.data.get("kabupaten") if self.data is not None else None
        if chosen:
            return chosen
        own = scope_for(self.user).region_code or ""
        if own and Region.objects.filter(code=own, level=RegionLevel.REGENCY).exists():
            return own
        return None

    def lookups_kecamatan(self):
        regency = self._regency()
        if regency is None:
            return []
        districts = Region.objects.filter(level=RegionLevel.DISTRICT, parent_id=regency)
        districts = districts.restrict(self.user)
        return [(district.code, district.name) for district in districts.order_by("name")]


class BusinessStaffFilterSet(RegionFiltersMixin, StaffFilterSet):
    """The staff's filters of businesses: admin list (and its export) and the Daftar IKM report.

    Parameters: status, kabupaten, kecamatan, desa, kbli, subsektor, skala, sentra, kelengkapan, bentuk. A sentra and
    a desa are chosen by autocomplete (a region holds thousands of each): the list's page never lists them all.
    """

    status = django_filters.ChoiceFilter(
        label=_("status"), choices=BusinessStatus.choices, empty_label=_("Semua status")
    )
    kabupaten = django_filters.CharFilter(
        label=_("kabupaten/kota"), method="filter_region", max_length=13, validators=[REGION_CODE]
    )
    kecamatan = django_filters.CharFilter(
        label=_("kecamatan"), method="filter_region", max_length=13, validators=[REGION_CODE]
    )
    desa = LabelledModelChoiceFilter(
        label=_("desa/kelurahan"),
        field_name="village",
        queryset=Region.objects.filter(level=RegionLevel.VILLAGE),
        widget=FilterAutocompleteSelect(Business, "village", placeholder=_("Ketik nama atau kode desa…")),
    )
    kbli = django_filters.CharFilter(
        label=_("KBLI"),
        method="filter_kbli",
        max_length=5,
        validators=[STAFF_KBLI_CODE],
        help_text=_("Kode atau awal kode, mis. 13 (golongan pokok) atau 13134."),
        widget=forms.TextInput(attrs={"class": "w-6em"}),
    )
    subsektor = django_filters.ModelChoiceFilter(
        label=_("subsektor ekonomi kreatif"), field_name="subsector", queryset=CreativeSubsector.objects.all()
    )
    skala = django_filters.ChoiceFilter(
        label=_("skala usaha (BPS, data terakhir)"), choices=ScaleBps.choices, method="filter_skala"
    )
    sentra = django_filters.ModelChoiceFilter(
        label=_("sentra IKM"),
        field_name="sentra",
        queryset=Sentra.objects.order_by("name"),
        widget=FilterAutocompleteSelect(Business, "sentra", placeholder=_("Ketik nama sentra…")),
    )
    kelengkapan = django_filters.ChoiceFilter(
        label=_("kelengkapan data"),
        choices=[(key, label) for key, (label, _rule) in INCOMPLETE.items()],
        method="filter_kelengkapan",
    )
    bentuk = django_filters.ChoiceFilter(label=_("bentuk usaha"), field_name="legal_form", choices=LegalForm.choices)

    legacy_params = {
        "status__exact": "status",
        "subsector__code__exact": "subsektor",
        "sentra__id__exact": "sentra",
        "legal_form__exact": "bentuk",
        # the Daftar IKM report's fields before the FilterSet
        "subsector": "subsektor",
        "scale": "skala",
    }
    region_filters = ("kabupaten", "kecamatan", "desa")

    class Meta:
        model = Business
        fields = []

    def setup(self):
        self.filters["sentra"].queryset = Sentra.objects.restrict(self.user).order_by("name")
        villages = Region.objects.filter(level=RegionLevel.VILLAGE).select_related("parent__parent")
        self.filters["desa"].queryset = villages.restrict(self.user)

    def filter_kbli(self, queryset, name, value):
        return rules.in_kbli(queryset, value)

    def filter_skala(self, queryset, name, value):
        return queryset.filter(rules.has_latest_scale(value))

    def filter_kelengkapan(self, queryset, name, value):
        return queryset.filter(INCOMPLETE[value][1]())

    def describe_kabupaten(self, value):
        return _region_name(value, self.user)

    def describe_kecamatan(self, value):
        return _region_name(value, self.user)

    def describe_desa(self, value):
        return value.label

    def describe_kbli(self, value):
        found = Kbli.objects.filter(code=value.upper()).values_list("title", flat=True).first()
        return f"{value.upper()} — {found}" if found else value

    # The options below never come from a scan of the businesses at national scale (a DISTINCT over the list on
    # every page view took seconds): the stored directory counts of the user's region when they hold (the codes in
    # use among its published businesses; any other code can still be typed), else, on a small registry, the codes
    # the listed businesses use.

    def _stored(self, facet: str) -> dict[str, int] | None:
        """The stored counts of `facet` in the user's region, or None when they do not hold (or there is none)."""
        from businesses.selectors import staff_region, stored_counts

        region = staff_region(self.user) if self.user is not None else None
        stored = stored_counts(wilayah=region, facets=(facet,)) if region is not None else None
        return None if stored is None else stored[facet]

    def _used(self, field: str):
        """Values of `field` among the rows of this FilterSet's queryset (the list as scoped)."""
        return self.queryset.order_by().filter(**{f"{field}__isnull": False}).values(field).distinct()

    def lookups_kbli(self):
        stored = self._stored("kbli")
        divisions = Kbli.objects.filter(level=KbliLevel.DIVISION).order_by("code")
        if stored is not None:
            divisions = divisions.filter(code__in=list(stored))
        else:  # one EXISTS probe per division (an index range scan each)
            visible = Business.objects.filter(kbli__code__startswith=OuterRef("code")).restrict(self.user)
            divisions = divisions.filter(Exists(visible))
        return [(code, f"{code} — {title}") for code, title in divisions.values_list("code", "title")]

    def lookups_subsektor(self):
        stored = self._stored("subsektor")
        used = CreativeSubsector.objects.filter(
            code__in=list(stored) if stored is not None else self._used("subsector")
        )
        return [(subsector.code, str(subsector)) for subsector in used]

    def lookups_skala(self):
        return [(value, f"{label} ({SCALE_BPS_WORKERS[value]})") for value, label in ScaleBps.choices]


class SentraStaffFilterSet(RegionFiltersMixin, StaffFilterSet):
    """The staff's filters of sentra: admin list. Parameters: kabupaten, pp29."""

    YES, NO = "ya", "tidak"

    kabupaten = django_filters.CharFilter(
        label=_("kabupaten/kota"), method="filter_region", max_length=13, validators=[REGION_CODE]
    )
    pp29 = django_filters.ChoiceFilter(
        label=_("memenuhi PP 29/2018"), choices=[(YES, _("Ya")), (NO, _("Tidak"))], method="filter_pp29"
    )
    region_filters = ("kabupaten",)

    class Meta:
        model = Sentra
        fields = []

    def filter_pp29(self, queryset, name, value):
        if "similar_member_count" not in queryset.query.annotations:
            queryset = queryset.with_member_counts()
        if value == self.YES:
            return queryset.filter(similar_member_count__gte=SENTRA_MIN_MEMBERS)
        return queryset.filter(similar_member_count__lt=SENTRA_MIN_MEMBERS)
