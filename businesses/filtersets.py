"""The directory's search and filters: one FilterSet over `business_public()`, shared by pages, API and exports.

Query parameters are part of the public interface (shared links): q, wilayah, kbli, subsektor, skala, sentra, urut.

Text search (`q`) matches `Business.search_document` (name and main product, lower-cased). On PostgreSQL every word
must occur in it or be trigram-similar to one of its words ("batk" finds batik), or the whole query must match its
Indonesian full-text vector (stems: "ukiran" finds ukir); results are ranked by full-text rank plus word similarity.
Both conditions are served by GIN indexes (migration 0008). On SQLite every word must occur as a substring.
"""

import re

import django_filters
from django import forms
from django.contrib.postgres.search import SearchQuery, SearchRank, SearchVector, TrigramWordSimilarity
from django.core.validators import RegexValidator
from django.db import connections, models
from django.db.models import Exists, F, OuterRef, Q
from django.db.models.functions import Left
from django.utils.translation import gettext_lazy as _

from businesses.choices import ScaleBps
from businesses.models import Business, Sentra
from businesses.selectors import business_public, latest_years
from ikm_registry.choices import KbliLevel
from ikm_registry.models import CreativeSubsector, Kbli, Region
from ikm_registry.scoping import region_q

REGION_CODE = RegexValidator(
    r"^[0-9]{2}(\.[0-9]{2}(\.[0-9]{2}(\.[0-9]{4})?)?)?$",
    _("Kode wilayah tidak dikenal bentuknya (mis. 51, 51.03, 51.03.01, 51.03.01.1001)."),
)
KBLI_CODE = RegexValidator(r"^([A-Za-z]|[0-9]{2,5})$", _("Kode KBLI berupa huruf kategori atau 2–5 angka."))

SEARCH_CONFIG = "indonesian"
MAX_SEARCH_WORDS = 8


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
    """Checks that region and KBLI codes exist, so an unknown code is an error on its field."""

    def clean_wilayah(self):
        code = self.cleaned_data.get("wilayah")
        if code and not Region.objects.filter(code=code).exists():
            raise forms.ValidationError(_("Wilayah dengan kode %(code)s tidak ada."), params={"code": code})
        return code

    def clean_kbli(self):
        code = (self.cleaned_data.get("kbli") or "").upper()
        if code and not Kbli.objects.filter(code=code).exists():
            raise forms.ValidationError(_("KBLI dengan kode %(code)s tidak ada."), params={"code": code})
        return code


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
        label=_("Subsektor"), field_name="subsector", queryset=CreativeSubsector.objects.all()
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

    def filter_queryset(self, queryset):
        if any(name != "urut" for name in self.form.errors):
            return queryset.none()
        return super().filter_queryset(queryset)

    def queryset_without(self, name: str):
        """The results as if parameter `name` were not given (the others still apply): facet counts."""
        if not self.is_bound or any(field != "urut" for field in self.form.errors):
            return self.qs
        queryset = self.queryset.all()
        for field, value in self.form.cleaned_data.items():
            if field not in (name, "urut"):
                queryset = self.filters[field].filter(queryset, value)
        return queryset

    def filter_q(self, queryset, name, value):
        words = search_words(value)
        if not words:
            return queryset
        if queryset.db and self._is_postgresql(queryset):
            return self._search_postgresql(queryset, words)
        for word in words:
            queryset = queryset.filter(search_document__contains=word)
        # Without a rank, the closest thing to relevance: names that start with the first word come first.
        return queryset.alias(
            search_rank=models.Case(
                models.When(search_document__startswith=words[0], then=models.Value(1.0)),
                default=models.Value(0.0),
                output_field=models.FloatField(),
            )
        ).order_by("-search_rank", "name", "pk")

    @staticmethod
    def _is_postgresql(queryset) -> bool:
        return connections[queryset.db].vendor == "postgresql"

    @staticmethod
    def _search_postgresql(queryset, words):
        text = " ".join(words)
        query = SearchQuery(text, config=SEARCH_CONFIG, search_type="plain")
        every_word = Q()
        for word in words:
            every_word &= Q(search_document__contains=word) | Q(search_document__trigram_word_similar=word)
        return (
            queryset.alias(search_vector=SearchVector("search_document", config=SEARCH_CONFIG))
            .filter(every_word | Q(search_vector=query))
            .alias(search_rank=SearchRank(F("search_vector"), query) + TrigramWordSimilarity(text, "search_document"))
            .order_by("-search_rank", "name", "pk")
        )

    def filter_wilayah(self, queryset, name, value):
        return queryset.filter(region_q("village__code", value))

    def filter_kbli(self, queryset, name, value):
        if value.isalpha():
            divisions = Kbli.objects.filter(parent_id=value, level=KbliLevel.DIVISION).values("code")
            return queryset.alias(kbli_division=Left("kbli_id", 2)).filter(kbli_division__in=divisions)
        return queryset.filter(kbli__code__startswith=value)

    def filter_skala(self, queryset, name, value):
        """BPS class of the latest data year; the figures themselves never leave the database."""
        in_class = latest_years().filter(business=OuterRef("pk"), scale_bps=value)
        return queryset.filter(Exists(in_class))

    def sort(self, queryset, name, value):
        if value == "relevan" and not search_words(self.form.cleaned_data.get("q") or ""):
            value = "nama"
        return queryset.order_by(*ORDERINGS[value][1])
