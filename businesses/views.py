"""The public site: home, directory, business and sentra pages, statistics, self-registration and about.

Every business read goes through `business_public()` (published rows, public columns); pages for anonymous
visitors are cached until the data they show changes (ikm_registry/public_cache.py).
"""

import logging
from urllib.parse import quote_plus

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import OperationalError
from django.http import QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_http_methods

from businesses.choices import ScaleBps
from businesses.extensions import badges_of, directory_filters
from businesses.filtersets import ORDERINGS, BusinessPublicFilterSet, search_words
from businesses.forms import SelfRegistrationForm
from businesses.links import whatsapp_url
from businesses.models import Business, Sentra
from businesses.selectors import (
    FacetOption,
    business_card_list,
    business_cards,
    business_public_detail,
    business_public_links,
    business_public_products,
    business_public_rows,
    directory_facets,
    featured_products_public,
    featured_sentra_public,
    map_clusters,
    map_points,
    public_counts,
    region_counts,
    region_trail,
    sentra_public,
    sentra_public_detail,
    sentra_public_photo,
    single_province_code,
    statistics_summary,
    stored_counts,
    uncounted_facets,
)
from businesses.services.owner_link import owner_link_mailed, owner_link_path
from businesses.services.registration import business_register_public
from ikm_registry.admin_paging import EstimatedCountPaginator
from ikm_registry.choices import RegionLevel
from ikm_registry.error_pages import NotFound
from ikm_registry.keyset import IdsAmong, InvalidCursor, KeysetPage, SearchWindow, keyset_page, window_page
from ikm_registry.models import Office, Region
from ikm_registry.opengraph import OpenGraph, open_graph
from ikm_registry.public_cache import cache_public_page, cached_counts, wants_partial
from ikm_registry.ratelimits import limit_exceeded, too_many_requests
from ikm_registry.statistics import StatisticsArea, statistics_data, statistics_panels_for

logger = logging.getLogger(__name__)

SENTRA_PAGE_SIZE = 30
# Directory parameters that narrow the results (q and urut aside): counted on the collapsed filter panel.
FILTER_NAMES = ("wilayah", "kbli", "subsektor", "skala", "sentra")


def filter_names() -> tuple[str, ...]:
    """The directory's filters: its own and those other apps add (businesses/extensions.py)."""
    return (*FILTER_NAMES, *(extra.name for extra in directory_filters))


def directory_params() -> tuple[str, ...]:
    """Every parameter the directory reads; links and the page cache ignore any other."""
    return ("q", *filter_names(), "urut", "page", "sesudah", "sebelum", "tampilan")


@cache_public_page()
def home(request):
    counts = cached_counts(request, "home", public_counts)
    return render(
        request,
        "businesses/home.html",
        {
            "counts": counts,
            "featured_sentra": cached_counts(request, "home-sentra", featured_sentra_public),
            "featured_products": featured_products_public(),
            "regions": cached_counts(request, "home-regions", _home_regions),
        },
    )


def _home_regions():
    """Regions with published businesses and their counts, one level below Indonesia (or below the province of a
    provincial deployment): quick links on the home page."""
    return [
        (option.value, option.label, option.count) for option in region_counts(wilayah=single_province_code() or "")
    ]


@cache_public_page(directory_params)
def directory(request):
    # Read as values only (cards, counts, map points): the bare published rows, not business_public()'s instances.
    filterset = BusinessPublicFilterSet(request.GET or None, queryset=business_public_rows())
    results = filterset.qs
    form = filterset.form
    cleaned = form.cleaned_data if form.is_bound and hasattr(form, "cleaned_data") else {}
    wilayah = cleaned.get("wilayah") or "" if "wilayah" not in form.errors else ""
    kbli = cleaned.get("kbli") or "" if "kbli" not in form.errors else ""
    query = cleaned.get("q") or ""
    view = "peta" if request.GET.get("tampilan") == "peta" else "daftar"
    order_key = _order_key(request, form, query)
    try:
        page = _directory_page(request, filterset, results, order_key)
    except InvalidCursor:
        raise NotFound(
            _("Halaman hasil ini tidak ada lagi. Mulailah dari halaman pertama, atau persempit pencarian."),
            link_url=f"{reverse('businesses:directory')}?{_querystring(request, drop=('page', 'sesudah', 'sebelum'))}",
            link_label=_("Halaman pertama hasil ini"),
        ) from None
    # The result count and the filter counts: from the stored counts when the results are a region's (and a KBLI
    # division's) businesses; otherwise counted, shared between requests for the same filters for up to
    # PUBLIC_COUNTS_MAX_AGE seconds, exactly up to DIRECTORY_LIVE_COUNT_MAX results (the list itself is always
    # read fresh).
    counted = _querystring(request, drop=("page", "sesudah", "sebelum", "tampilan", "urut"))
    window = page.extra.get("window")
    count, facets = cached_counts(
        request,
        f"directory:{counted}",
        lambda: _directory_counts(filterset, results, wilayah=wilayah, kbli=kbli, window=window),
    )
    facet_fields = [
        {
            "name": name,
            "label": filterset.filters[name].label,
            "all_label": all_label,
            "options": facets[name],
            "selected": str(request.GET.get(name, "")) if name not in form.errors else "",
        }
        for name, all_label in (
            ("subsektor", _("Semua subsektor")),
            ("skala", _("Semua skala")),
            ("sentra", _("Semua sentra")),
        )
    ]
    for extra in directory_filters:
        facet_fields.append(
            {
                "name": extra.name,
                "label": extra.label,
                "all_label": extra.all_label,
                "options": facets.get(extra.name, []),
                "selected": str(request.GET.get(extra.name, "")) if extra.name not in form.errors else "",
            }
        )
    for field in facet_fields:  # a choice that is not among the options (a sentra chosen on its page) stays shown
        if field["selected"] and all(option.value != field["selected"] for option in field["options"]):
            label = _selected_label(field["name"], field["selected"])
            if label:
                field["options"] = [FacetOption(field["selected"], label, None), *field["options"]]
    context = {
        "facet_fields": facet_fields,
        "active_filters": sum(1 for name in filter_names() if request.GET.get(name) and name not in form.errors),
        "kbli_label": form.kbli_title if kbli else "",
        "form": form,
        "page": page,
        "count": count,
        "count_limit": settings.DIRECTORY_SEARCH_MAX if window is not None else settings.DIRECTORY_LIVE_COUNT_MAX,
        "search_window_cut": window is not None and not window.complete,
        "facets": facets,
        "wilayah_trail": list(form.region_trail) if wilayah else [],
        "kbli_selected": kbli,
        "query": query,
        "orderings": _orderings(has_query=bool(search_words(query))),
        "current_order": "" if "urut" in form.errors else request.GET.get("urut", ""),
        "view": view,
        "querystring_without_page": _querystring(request, drop=("page", "sesudah", "sebelum")),
        "querystring_without_view": _querystring(request, drop=("page", "sesudah", "sebelum", "tampilan")),
    }
    suggestion = filterset.suggestion() if query and not _holds_good_matches(page, filterset) else None
    if suggestion:  # "Maksud Anda: batik?": the same search with the corrected words
        context["suggestion"] = suggestion
        context["suggestion_querystring"] = _querystring(request, drop=("page", "sesudah", "sebelum"), q=suggestion)
    if view == "peta":
        # A region with many located businesses: a circle per region one level down (tapping opens its map);
        # otherwise the businesses themselves, at most DIRECTORY_MAP_LIMIT of them.
        clusters = map_clusters(wilayah=wilayah) if _only_region_and_kbli(filterset) and not kbli else None
        if clusters is not None:
            urls = _querystrings_with(
                request, "wilayah", [cluster["cluster"] for cluster in clusters], drop=("page", "sesudah", "sebelum")
            )
            for cluster, url in zip(clusters, urls, strict=True):
                cluster["url"] = "?" + url
        context["points"] = (
            clusters if clusters is not None else map_points(results, limit=settings.DIRECTORY_MAP_LIMIT)
        )
        context["map_clusters"] = clusters is not None
        context["map_limit"] = settings.DIRECTORY_MAP_LIMIT
    template = "businesses/_directory_body.html" if wants_partial(request) else "businesses/directory.html"
    return render(request, template, context)


def _holds_good_matches(page: KeysetPage, filterset) -> bool:
    """Whether a search ranked by relevance found good matches (its best tier first in the window): then every word
    is one the registry uses, and "Maksud Anda" has nothing to correct; the vocabulary is not read."""
    window, tiers = page.extra.get("window"), page.extra.get("tiers")
    return tiers is not None and bool(window.rows) and window.rows[0][0] < filterset.good_tiers


def _order_key(request, form, query: str) -> str:
    """The `urut` in force: the one asked for, else relevance with a text query and names without."""
    chosen = "" if "urut" in form.errors else request.GET.get("urut", "")
    has_query = bool(search_words(query))
    if chosen not in ORDERINGS or (chosen == "relevan" and not has_query):
        return "relevan" if has_query else "nama"
    return chosen


def _directory_page(request, filterset, results, order_key: str) -> KeysetPage:
    """The page of results the request asks for: after a cursor (`sesudah`, the "Berikutnya" link), before one
    (`sebelum`), or by number for the first DIRECTORY_MAX_PAGE_NUMBER pages (old links; `page`; a number past the
    results gets the first page, a later number NotFound); an unreadable cursor raises InvalidCursor."""
    size = settings.DIRECTORY_PAGE_SIZE
    ordering = ORDERINGS[order_key][1]
    after, before = request.GET.get("sesudah"), request.GET.get("sebelum")
    number = None
    if not after and not before:
        try:
            number = max(1, int(request.GET.get("page", 1)))
        except ValueError:
            number = 1
        if number > settings.DIRECTORY_MAX_PAGE_NUMBER:
            raise NotFound(
                _(
                    "Halaman sejauh ini tidak dibuka dengan nomornya. Gunakan tautan “Berikutnya”, atau persempit "
                    "pencarian dengan saringan."
                ),
                link_url=f"{reverse('businesses:directory')}?{_querystring(request, drop=('page',))}",
                link_label=_("Halaman pertama hasil ini"),
            )
    offset = ((number or 1) - 1) * size
    searching = filterset.search_tiers is not None
    tiers = filterset.search_tiers if order_key == "relevan" else None

    def matched_cards(_results, ids: list[int]):
        """The cards of a search's matches `ids` (the window's), read by id from the bare rows: the search's condition
        is not compiled (nor evaluated) again for them; with tiers, each with its rank within its tier."""
        return business_cards(filterset.queryset, ids, rank=filterset.rank_within_tier if tiers else None)

    def read(after=None, before=None, offset=0) -> KeysetPage:
        if not searching:
            return keyset_page(
                results, ordering=ordering, size=size, after=after, before=before, offset=offset, fetch=business_cards
            )
        # A text search: its first DIRECTORY_SEARCH_MAX matches, read once, ranked and paged (and counted) here.
        return window_page(
            results,
            ordering=("name", "pk") if tiers else ordering,
            tiers=tiers,
            size=size,
            window=settings.DIRECTORY_SEARCH_MAX,
            extra=FACET_COLUMNS,
            preferred=filterset.preferred_matches(),
            fetch=matched_cards,
            after=after,
            before=before,
            offset=offset,
        )

    page = read(after=after, before=before, offset=offset)
    if not page.object_list and (number or 1) > 1:  # an old link past the end of the results: their first page
        number = 1
        page = read()
    if tiers:  # the page's own rows by tier, then by their rank within it (words held more often first)
        tier_of = page.extra["tiers"]
        page.object_list.sort(key=lambda business: (tier_of[business.pk], -(business.search_rank or 0.0)))
    page.number = number
    return page


def _directory_counts(filterset, results, *, wilayah: str, kbli: str, window: SearchWindow | None = None):
    """(count, facets) of the results: the count None when it is over DIRECTORY_LIVE_COUNT_MAX (a text search's:
    DIRECTORY_SEARCH_MAX, `window`, its matches as the page read them) and not stored."""
    if window is None and _only_region_and_kbli(filterset):
        stored = stored_counts(
            wilayah=wilayah,
            kbli=kbli,
            facets=("jumlah", "wilayah", "kbli", "subsektor", "skala", "sentra"),
            limits={"sentra": settings.DIRECTORY_SENTRA_OPTIONS_MAX},
        )
        if stored is not None:
            facets = directory_facets(results, wilayah=wilayah, kbli=kbli, stored=stored)
            count = stored["jumlah"].get("", 0)
            return count, {**facets, **extension_facets(filterset, small=count <= settings.DIRECTORY_LIVE_COUNT_MAX)}
    if window is not None:
        limit, rows, over = window.size, window.extra(), not window.complete
    else:
        # The results' facet columns, read once (at most limit + 1 rows): the count and the facets come from them,
        # not from a GROUP BY each.
        limit = settings.DIRECTORY_LIVE_COUNT_MAX
        rows = list(results.order_by().values_list(*FACET_COLUMNS)[: limit + 1])
        over = len(rows) > limit
    if over:
        return None, {
            **uncounted_facets(wilayah=wilayah, kbli=kbli),
            **extension_facets(filterset, small=False, limit=limit),
        }
    facets = directory_facets(
        results,
        wilayah=wilayah,
        kbli=kbli,
        without=filterset.queryset_without,
        rows=rows,
        narrowed=_narrowed(filterset),
    )
    # The results as their ids (read above): counting over them does not evaluate (nor compile) the search again.
    counted = business_public_rows().filter(IdsAmong("pk", [row[0] for row in rows]))
    return len(rows), {**facets, **extension_facets(filterset, small=True, limit=limit, results=counted)}


# The columns directory_facets() counts a result's facets from, in its `rows` order.
FACET_COLUMNS = ("pk", "village_id", "kbli_id", "subsector_id", "sentra_id")


def _narrowed(filterset) -> frozenset[str]:
    """The names of the filters given (with a valid value)."""
    if not filterset.is_bound or not filterset.is_valid():
        return frozenset()
    return frozenset(name for name, value in filterset.form.cleaned_data.items() if value not in (None, "", []))


def _only_region_and_kbli(filterset) -> bool:
    """Whether no filter but wilayah and kbli narrows the results (text search included)."""
    if not filterset.is_bound:
        return True
    if not filterset.is_valid():
        return False
    narrowing = {name for name, value in filterset.form.cleaned_data.items() if value not in (None, "")}
    return narrowing <= {"wilayah", "kbli", "urut"}


def _selected_label(name: str, value: str) -> str:
    """The name of a chosen sentra that the options leave out, when it is public (a sentra with a published
    member); a sentra the directory does not show is not named by guessing its id."""
    if name == "sentra" and value.isdigit():
        return sentra_public().filter(pk=value).values_list("name", flat=True).first() or ""
    return ""


def extension_facets(filterset, *, small: bool, limit: int | None = None, results=None) -> dict[str, list[FacetOption]]:
    """The options of the filters other apps add, each counted over the results of the other filters when those are
    at most `limit` (DIRECTORY_LIVE_COUNT_MAX; `small`: the results are); otherwise listed without counts.
    `results`: the results themselves, when cheaper to count over than the filterset's (their ids)."""
    facets = {}
    limit = limit or settings.DIRECTORY_LIVE_COUNT_MAX
    cleaned = filterset.form.cleaned_data if filterset.is_bound and filterset.is_valid() else {}
    for extra in directory_filters:
        others = None  # what to count over; None: too many (nor are the results without a filter fewer than with it)
        if small and not cleaned.get(extra.name):
            others = results if results is not None else filterset.queryset_without(extra.name)  # the same rows
        elif small:
            others = filterset.queryset_without(extra.name)
            if others.order_by().values("pk")[: limit + 1].count() > limit:
                others = None
        if others is None:
            facets[extra.name] = [FacetOption(str(value), str(label), None) for value, label in extra.choices()]
            continue
        counts = extra.counts(others)
        facets[extra.name] = [
            FacetOption(str(value), str(label), counts.get(value, 0)) for value, label in extra.choices()
        ]
    return facets


def _orderings(*, has_query: bool) -> list[tuple[str, str]]:
    """The sort choices; the first, empty one is the default: relevance with a text query, else by name. An empty
    `urut` follows the query, so typing a search on the plain list sorts by relevance."""
    default = "relevan" if has_query else "nama"
    rest = [(key, label) for key, (label, _fields) in ORDERINGS.items() if key not in (default, "relevan")]
    return [("", ORDERINGS[default][0]), *rest]


def _querystring(request, drop=(), **replace) -> str:
    """The directory's own non-empty parameters, less `drop`, with `replace` (name=value): for its links (pages,
    list/map, a corrected search)."""
    params = QueryDict(mutable=True)
    for name in directory_params():
        values = [replace[name]] if name in replace else [value for value in request.GET.getlist(name) if value]
        if name not in drop and values:
            params.setlist(name, values)
    return params.urlencode()


def _querystrings_with(request, name: str, values: list[str], drop=()) -> list[str]:
    """_querystring(request, drop, **{name: value}) for each of `values` (a map's clusters: one link per region),
    the other parameters encoded once."""
    before, after, seen = [], [], False
    for param in directory_params():
        if param == name:
            seen = True
        elif param not in drop and (given := [value for value in request.GET.getlist(param) if value]):
            encoded = QueryDict(mutable=True)
            encoded.setlist(param, given)
            (after if seen else before).append(encoded.urlencode())
    key = quote_plus(name)  # as QueryDict.urlencode() writes one value
    return ["&".join([*before, f"{key}={quote_plus(str(value))}", *after]) for value in values]


@cache_public_page()
def business_detail(request, pk: int):
    try:
        business = business_public_detail(pk)
    except Business.DoesNotExist:
        raise NotFound(
            _("IKM ini tidak ada di direktori: mungkin belum atau tidak lagi diterbitkan, atau alamatnya salah."),
            link_url=reverse("businesses:directory"),
            link_label=_("Cari di Direktori IKM"),
        ) from None
    products = business_public_products(business)
    return render(
        request,
        "businesses/business_detail.html",
        {
            "business": business,
            "products": products,
            "og": _business_preview(business, products),
            "links": business_public_links(business),
            "whatsapp": whatsapp_url(business.public_phone),
            "scale_label": ScaleBps(business.latest_scale_bps).label if business.latest_scale_bps else "",
            "office": Office.objects.covering(business.village_id),
            "badges": badges_of(business),
        },
    )


def _place(village) -> str:
    """ "Kec. Kuta, Kabupaten Badung": where a business or sentra is, as a link preview says it."""
    district = village.parent
    return _("Kec. %(district)s, %(regency)s") % {"district": district.name, "regency": district.parent.name}


def _business_preview(business, products) -> OpenGraph:
    """The link preview of a business's page: its name, main product (else its KBLI) and place, and the small photo
    of its first product that has one (featured first, as on the page)."""
    photo = next((product for product in products if product.photo_small), None)
    return open_graph(
        title=business.name,
        description=f"{business.main_product or business.kbli.title} — {_place(business.village)}",
        path=reverse("businesses:business_detail", args=[business.pk]),
        image_url=photo.photo_small.url if photo else "",
        image_alt=photo.name if photo else "",
    )


@cache_public_page("page")
def sentra_list(request):
    sentra = sentra_public()
    # Ids first (the joins and member counts for the page's rows only), counted exactly up to ADMIN_EXACT_COUNT_MAX.
    paginator = EstimatedCountPaginator(sentra, SENTRA_PAGE_SIZE)
    return render(request, "businesses/sentra_list.html", {"page": paginator.get_page(request.GET.get("page"))})


@cache_public_page()
def sentra_detail(request, pk: int):
    try:
        sentra = sentra_public_detail(pk)
    except Sentra.DoesNotExist:
        raise NotFound(
            _("Sentra ini tidak ada di direktori: mungkin belum atau tidak lagi ditampilkan, atau alamatnya salah."),
            link_url=reverse("businesses:sentra_list"),
            link_label=_("Lihat daftar sentra IKM"),
        ) from None
    members = business_card_list(business_public_rows().filter(sentra=sentra))
    photo = sentra_public_photo(sentra)
    preview = open_graph(
        title=sentra.name,
        description=f"{sentra.main_product} — {_place(sentra.village)}",
        path=reverse("businesses:sentra_detail", args=[sentra.pk]),
        image_url=photo.photo_small.url if photo else "",
        image_alt=photo.name if photo else "",
    )
    return render(request, "businesses/sentra_detail.html", {"sentra": sentra, "members": members, "og": preview})


@cache_public_page("wilayah")
def statistics(request):
    trail = _area_trail(request)
    code = trail[-1].code if trail else ""
    # A provincial deployment starts at its province rather than at a table of one row.
    single_province = cached_counts(request, "single-province", lambda: single_province_code() or "")
    if not code and single_province:
        code, trail = single_province, region_trail(single_province)
    # Sums of yearly figures only at the root of the site: see public_statistics.
    area = StatisticsArea(code=code, with_sums=(code == single_province) if single_province else not code)

    def compute():
        return {"summary": statistics_summary(wilayah=area.code, with_sums=area.with_sums), **statistics_data(area)}

    computed = cached_counts(request, f"statistics-panels:{code}", compute)
    # The page's own figures and every panel's data by its name (businesses' panels: regions, divisions, ...).
    stats = {**computed["summary"], **{name: data for name, data in computed.items() if name != "summary"}}
    return render(
        request,
        "businesses/statistics.html",
        {
            "stats": stats,
            "panels": statistics_panels_for(request.user, area, stats),
            "trail": trail,
            "single_province": single_province,
        },
    )


def _area_trail(request) -> list[Region]:
    """`?wilayah=` as a trail of regions, province first, for pages that go down to the kecamatan; [] for a code
    that does not exist or is a desa."""
    code = request.GET.get("wilayah", "").strip()
    trail = region_trail(code) if code else []
    if not trail or trail[-1].code != code or trail[-1].level == RegionLevel.VILLAGE:
        return []
    return trail


@require_http_methods(["GET", "POST"])
def register(request):
    """Daftarkan usaha. Step 1 chooses the kecamatan by GET (works without JavaScript); step 2 is the form.

    Posts are limited per client address (REGISTRATION_RATE; HTTP 429 past it). A database too busy to take the
    registration answers 503 with the form and a message, never 500.
    """
    trail = _area_trail(request)
    current = trail[-1] if trail else None
    kecamatan = current if current and current.level == RegionLevel.DISTRICT else None
    if current is None:
        choices = Region.objects.filter(level=RegionLevel.PROVINCE)
    elif kecamatan is None:
        choices = Region.objects.filter(parent=current)
    else:
        choices = Region.objects.none()
    choices = list(choices.only("code", "name", "kind", "level").order_by("name"))
    # "Cari KBLI" without JavaScript posts the form too, but registers nothing: not counted.
    if (
        request.method == "POST"
        and not SelfRegistrationForm.is_kbli_search(request)
        and limit_exceeded(request, group="self-registration", rate=settings.REGISTRATION_RATE)
    ):
        message = _(
            "Mendaftarkan banyak usaha sekaligus, misalnya dalam sebuah acara? Hubungi Dinas: petugas dapat "
            "memasukkan data dari satu spreadsheet."
        )
        return too_many_requests(request, context={"message": message})
    form = None
    status = 200
    if kecamatan is not None:
        form = SelfRegistrationForm.for_request(request, kecamatan=kecamatan)
        if form.is_bound and form.is_valid():
            try:
                business = business_register_public(**form.service_arguments())
            except ValidationError as error:
                for field, messages in error.message_dict.items():
                    for message in messages:
                        form.add_error(field if field in form.fields else None, message)
            except OperationalError:  # the database is busy (SQLite: another writer held it too long)
                logger.warning("Self-registration refused: database busy", exc_info=True)
                form.add_error(
                    None, _("Server sedang sibuk dan pendaftaran Anda belum tersimpan. Kirim ulang sebentar lagi.")
                )
                status = 503
            else:
                # What the next page tells the owner; the submitted record itself is never read on the public side.
                request.session["registered_business"] = {
                    "reference": business.pk,
                    "name": business.name,
                    "village": form.cleaned_data["village"].code,
                    "link": owner_link_path(business.owner.link_secret),
                    "emailed": owner_link_mailed(business.owner, absolute_url=request.build_absolute_uri),
                }
                return redirect(reverse("businesses:register_done"))
    return render(
        request,
        "businesses/register.html",
        {
            "trail": trail,
            "back_code": trail[-2].code if len(trail) > 1 else "",
            "choices": choices,
            "kecamatan": kecamatan,
            "form": form,
        },
        status=status,
    )


def register_done(request):
    """What happens next, for the business just registered in this browser session."""
    registered = request.session.get("registered_business")
    if not registered:
        return redirect(reverse("businesses:register"))
    return render(
        request,
        "businesses/register_done.html",
        {"registered": registered, "office": Office.objects.covering(registered["village"])},
    )


@cache_public_page("q", "pilih")
def register_kbli(request):
    """The KBLI codes that words find, as the radio buttons of the registration form (`pilih`: the code already
    chosen, kept on top): what static/js/register.js shows while the owner types. Without JavaScript the form's
    "Cari KBLI" button shows the same in the whole form."""
    form = SelfRegistrationForm(initial={"kbli_q": request.GET.get("q", ""), "kbli": request.GET.get("pilih", "")})
    return render(request, "businesses/_kbli_choices.html", {"form": form})


@cache_public_page()
def about(request):
    return render(request, "businesses/about.html")
