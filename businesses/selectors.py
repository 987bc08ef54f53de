"""Reads of the registry: what the public sees and what staff need to look at."""

from collections.abc import Callable
from dataclasses import dataclass

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db.models import Count, F, OuterRef, Subquery
from django.db.models.functions import Coalesce, Left
from django.utils import timezone
from django.utils.translation import get_language

from businesses import rules
from businesses.choices import BusinessStatus, ScaleBps
from businesses.models import SENTRA_MIN_MEMBERS, Business, Product, Sentra
from businesses.services.statistics import counted_figures, release_date, statistics_releases
from ikm_registry.choices import KbliLevel
from ikm_registry.models import CreativeSubsector, Kbli, Region, TransitionLog
from ikm_registry.public_url import public_url
from ikm_registry.scoping import region_q


def public_counts() -> dict:
    """Counts for the public home page: published businesses and the sentra and desa they are in."""
    published = business_public()
    return {
        "businesses": published.count(),
        "sentra": sentra_public().count(),
        "villages": published.values("village").distinct().count(),
    }


# The columns of a business the public may see. Everything else (workflow status, who entered it, raw materials) and
# everything of the owner (NIK, home address, unconsented contact) and of the yearly figures stays on the staff side.
PUBLIC_FIELDS = (
    "id",
    "name",
    "legal_form",
    "nib",
    "address",
    "village",
    "latitude",
    "longitude",
    "kbli",
    "subsector",
    "main_product",
    "year_founded",
    "market_reach",
    "online_channels",
    "sentra",
)
# Public columns of the rows a business row joins: the desa with its kecamatan, regency and province, KBLI,
# subsector and sentra.
PUBLIC_RELATED_FIELDS = (
    "village__code",
    "village__name",
    "village__kind",
    "village__level",
    "village__parent",
    "village__parent__code",
    "village__parent__name",
    "village__parent__level",
    "village__parent__parent",
    "village__parent__parent__code",
    "village__parent__parent__name",
    "village__parent__parent__kind",
    "village__parent__parent__level",
    "village__parent__parent__parent",
    "village__parent__parent__parent__code",
    "village__parent__parent__parent__name",
    "village__parent__parent__parent__level",
    "kbli__code",
    "kbli__title",
    "subsector__code",
    "subsector__name",
    "subsector__name_en",
    "sentra__id",
    "sentra__name",
)
PUBLIC_CONTACT_ANNOTATIONS = ("public_phone", "public_email")


def business_public():
    """The only way a business reaches the public: published businesses, public columns only.

    Rows carry the desa and its parents, KBLI, subsector and sentra (one query for any number of rows), and the
    owner's contact as `public_phone` / `public_email` only for the channels the owner consented to publish, from
    the consent date on; otherwise the empty string. The owner row itself is never loaded, nor yearly figures.
    """
    today = timezone.localdate()
    return (
        Business.objects.filter(rules.is_public())
        .select_related("village__parent__parent__parent", "kbli", "subsector", "sentra")
        .only(*PUBLIC_FIELDS, *PUBLIC_RELATED_FIELDS)
        .annotate(
            public_phone=rules.consented_contact("phone", today), public_email=rules.consented_contact("email", today)
        )
        .order_by("name", "pk")
    )


def sentra_public():
    """Sentra with at least one published member, each with `published_member_count`; public columns only."""
    published = Count("members", filter=rules.is_public("members"), distinct=True)
    return (
        Sentra.objects.select_related("village__parent__parent__parent", "kbli")
        .only(
            "id",
            "name",
            "main_product",
            "kbli__code",
            "kbli__title",
            "village__code",
            "village__name",
            "village__kind",
            "village__level",
            "village__parent__name",
            "village__parent__level",
            "village__parent__parent__name",
            "village__parent__parent__level",
            "village__parent__parent__parent__name",
            "village__parent__parent__parent__level",
            "address",
            "year_established",
            "description",
        )
        .annotate(published_member_count=published)
        .filter(published_member_count__gt=0)
        .order_by("name", "pk")
    )


def business_public_url(business) -> str:
    """The absolute address of a business's page in the public directory (printed as a QR code on its profile).

    The public site's urlconf (businesses/urls.py) will serve this path; it is built here, once, so the paper and
    the site agree: PUBLIC_BASE_URL + /direktori/ikm/<pk>/ (ikm_registry.public_url).
    """
    return public_url(f"/direktori/ikm/{business.pk}/")


def submitted_queue(businesses):
    """Submitted businesses, longest waiting first, each with `submitted_at`: when it last entered `submitted`.

    Records without a logged step into it (seeded or imported before every creation was logged) count from their
    creation.
    """
    entered = TransitionLog.objects.filter(
        content_type=ContentType.objects.get_for_model(Business),
        object_id=OuterRef("pk"),
        to_state=BusinessStatus.SUBMITTED,
    )
    return (
        businesses.filter(status=BusinessStatus.SUBMITTED)
        .annotate(submitted_at=Coalesce(Subquery(entered.order_by("-at").values("at")[:1]), F("created_at")))
        .select_related("village")
        .order_by("submitted_at", "pk")
    )


def business_transitions(*, business) -> list:
    """The workflow steps of one business, newest first, with who took them."""
    return list(business.transitions.select_related("actor").order_by("-at", "-pk"))


def review_note(*, business) -> TransitionLog | None:
    """For a returned or rejected business: the step that sent it there (who, when, the note); else None."""
    if business.status not in (BusinessStatus.RETURNED, BusinessStatus.REJECTED):
        return None
    steps = business.transitions.filter(to_state=business.status).select_related("actor")
    return steps.order_by("-at", "-pk").first()


def attention_summary(*, user) -> dict:
    """What needs a staff user's attention in their region: the admin home page.

    The "Data belum lengkap" counts are those of the business list filter each one links to (`kelengkapan`, the
    staff FilterSet): the same rule (businesses/rules.py) over every business the user may see, whatever its status.
    """
    businesses = Business.objects.restrict(user)
    status_counts = dict(businesses.values_list("status").annotate(n=Count("pk")).order_by())
    sentra = Sentra.objects.restrict(user).with_member_counts()
    return {
        "statuses": [
            {"value": value, "label": label, "count": status_counts.get(value, 0)}
            for value, label in BusinessStatus.choices
        ],
        "total": sum(status_counts.values()),
        "submitted_oldest": list(submitted_queue(businesses)[:10]),
        "submitted_count": status_counts.get(BusinessStatus.SUBMITTED, 0),
        "missing_figures": businesses.filter(rules.missing_recent_figures()).count(),
        "missing_coordinates": businesses.filter(rules.missing_coordinates()).count(),
        "missing_nib": businesses.filter(rules.missing_nib()).count(),
        "figures_year": rules.figures_year(),
        "sentra_below_rule": list(sentra.filter(similar_member_count__lt=SENTRA_MIN_MEMBERS).order_by("name")[:10]),
        "sentra_below_rule_count": sentra.filter(similar_member_count__lt=SENTRA_MIN_MEMBERS).count(),
        "sentra_min_members": SENTRA_MIN_MEMBERS,
    }


# --- the public directory -----------------------------------------------------------------------------------------

# Length of a region code one level below a code of this length (province 2 → regency 5 → kecamatan 8 → desa 13).
CHILD_CODE_LENGTH = {0: 2, 2: 5, 5: 8, 8: 13}
# Length of a KBLI code one level below (section letter → division, division → group, ...).
KBLI_CHILD_LENGTH = {0: 2, 1: 2, 2: 3, 3: 4, 4: 5}


@dataclass(frozen=True)
class FacetOption:
    value: str
    label: str
    count: int


def _latest_scale_counts(businesses) -> dict[str, int]:
    """Businesses of `businesses` per BPS class of their latest data year (those without a class left out)."""
    rows = rules.latest_years().filter(business__in=businesses.order_by().values("pk"), scale_bps__isnull=False)
    return dict(rows.values_list("scale_bps").annotate(n=Count("pk")).order_by())


def directory_facets(
    results, *, wilayah: str = "", kbli: str = "", without: Callable | None = None
) -> dict[str, list[FacetOption]]:
    """Counts of `results` (a filtered `business_public()`) per option of each directory filter, largest first.

    wilayah: the regions one level below the chosen one; kbli: the codes one level below the chosen one (both drill
    down inside the current results). subsektor, skala (BPS class of the latest data year) and sentra count the
    results of every *other* filter, `without(name)`, so that choosing one subsector still shows the others to
    switch to. One GROUP BY query per facet plus one for the labels of each, whatever the number of results.
    """
    base = results.order_by()

    def others(name):
        return (without(name) if without else results).order_by()

    region_length = CHILD_CODE_LENGTH.get(len(wilayah))
    facets: dict[str, list[FacetOption]] = {}

    def grouped(expression, rows=None):
        rows = (base if rows is None else rows).annotate(facet=expression)
        return dict(rows.values_list("facet").annotate(n=Count("pk")).order_by())

    def options(counts, labels):
        # Businesses without a value (no subsector, no sentra) form a group under None, which has no label.
        found = [FacetOption(str(key), labels.get(key, str(key)), n) for key, n in counts.items() if key in labels]
        return sorted(found, key=lambda option: (-option.count, option.label))

    if region_length:
        counts = grouped(Left("village_id", region_length))
        labels = dict(Region.objects.filter(code__in=counts).values_list("code", "name"))
        facets["wilayah"] = options(counts, labels)
    else:
        facets["wilayah"] = []
    kbli_length = KBLI_CHILD_LENGTH.get(len(kbli))
    if kbli_length:
        counts = grouped(Left("kbli_id", kbli_length))
        labels = {
            code: f"{code} {title}" for code, title in Kbli.objects.filter(code__in=counts).values_list("code", "title")
        }
        facets["kbli"] = options(counts, labels)
    else:
        facets["kbli"] = []
    counts = grouped(F("subsector_id"), rows=others("subsektor"))
    name_field = "name_en" if get_language() == "en" else "name"
    facets["subsektor"] = options(
        counts, dict(CreativeSubsector.objects.filter(code__in=counts).values_list("code", name_field))
    )
    counts = _latest_scale_counts(others("skala"))
    facets["skala"] = [
        FacetOption(value, str(label), counts[value]) for value, label in ScaleBps.choices if value in counts
    ]
    counts = grouped(F("sentra_id"), rows=others("sentra"))
    facets["sentra"] = options(counts, dict(Sentra.objects.filter(pk__in=counts).values_list("pk", "name")))
    return facets


def region_trail(code: str) -> list[Region]:
    """The chosen region and its parents, province first (one query)."""
    if not code:
        return []
    parts = code.split(".")
    codes = [".".join(parts[: i + 1]) for i in range(len(parts))]
    return list(Region.objects.filter(code__in=codes).only("code", "name", "level", "kind").order_by("code"))


def map_points(results, *, limit: int) -> list[dict]:
    """The first `limit` results that have coordinates, as small dicts for the map (id, name, product, lat, lon)."""
    rows = results.filter(rules.has_coordinates()).values_list("pk", "name", "main_product", "latitude", "longitude")
    return [
        {"id": pk, "name": name, "product": product, "lat": float(lat), "lon": float(lon)}
        for pk, name, product, lat, lon in rows[:limit]
    ]


def business_public_detail(pk: int):
    """One published business for its public page, with `latest_scale_bps`; raises Business.DoesNotExist."""
    return business_public().annotate(latest_scale_bps=rules.latest_figure("scale_bps")).get(pk=pk)


def business_public_products(business) -> list[Product]:
    """A published business's products (name, description, photo and its thumbnail), featured first."""
    return list(
        Product.objects.filter(rules.is_public("business"), business=business)
        .only("id", "name", "description", "photo", "photo_thumbnail", "photo_small", "is_featured", "business_id")
        .order_by("-is_featured", "name", "pk")
    )


def business_public_links(business) -> list[dict]:
    """A published business's online shop and social links for its page: platform label, URL and the handle or
    host to show."""
    from businesses.links import Platform, display_name
    from businesses.models import BusinessLink

    links = BusinessLink.objects.filter(rules.is_public("business"), business=business).only("platform", "url")
    return [
        {"label": Platform(link.platform).label, "url": link.url, "name": display_name(link.platform, link.url)}
        for link in links.order_by("platform", "pk")
    ]


def featured_products_public(limit: int = 6) -> list[Product]:
    """Produk unggulan of published businesses for the home page, each with its business's id and name."""
    return list(
        Product.objects.filter(rules.is_public("business"), is_featured=True)
        .select_related("business")
        .only(
            "id",
            "name",
            "description",
            "photo_thumbnail",
            "photo_small",
            "business__id",
            "business__name",
            "business__main_product",
        )
        .order_by("-business__updated_at", "pk")[:limit]
    )


def sentra_public_photo(sentra) -> Product | None:
    """A product photo of one of a sentra's published members (a featured product first), for its link preview;
    None when no member's product has one."""
    return (
        Product.objects.filter(rules.is_public("business"), business__sentra=sentra)
        .exclude(photo_small="")
        .only("id", "name", "photo_small")
        .order_by("-is_featured", "pk")
        .first()
    )


def sentra_public_detail(pk: int):
    """One sentra with published members, for its public page; raises Sentra.DoesNotExist."""
    return sentra_public().get(pk=pk)


def _published_in(wilayah: str):
    published = Business.objects.filter(status=BusinessStatus.PUBLISHED)
    return published.filter(region_q("village__code", wilayah)) if wilayah else published


def _grouped(published, expression, labels: dict) -> list[dict]:
    """Rows {code, label, count} of `published` per value of `expression`, largest first."""
    counts = published.annotate(group=expression).values_list("group").annotate(n=Count("pk")).order_by()
    table = [{"code": group, "label": labels.get(group, group), "count": n} for group, n in counts if group is not None]
    table.sort(key=lambda row: (-row["count"], str(row["label"])))
    return table


def statistics_summary(*, wilayah: str = "", with_sums: bool = False) -> dict:
    """The Statistik page's own figures (see public_statistics): how many businesses are published in `wilayah`,
    and the disclosure rules the page explains."""
    return {
        "total": _published_in(wilayah).count(),
        "with_sums": with_sums,
        "min_group": settings.STATISTICS_MIN_BUSINESSES,
        "dominance_p": settings.STATISTICS_DOMINANCE_P,
        "release_months": settings.STATISTICS_RELEASE_MONTHS,
        "today": timezone.localdate(),
        "example_year": timezone.localdate().year - 1,
        "example_release": release_date(timezone.localdate().year - 1),
    }


def statistics_by_region(*, wilayah: str = "") -> list[dict]:
    """Published businesses per region one level below `wilayah` (per province for all of Indonesia)."""
    published = _published_in(wilayah)
    length = CHILD_CODE_LENGTH.get(len(wilayah), 13)
    region_codes = published.annotate(group=Left("village_id", length)).values_list("group", flat=True).distinct()
    region_labels = dict(Region.objects.filter(code__in=region_codes).values_list("code", "name"))
    return _grouped(published, Left("village_id", length), region_labels)


def statistics_by_division(*, wilayah: str = "") -> list[dict]:
    """Published businesses per KBLI division (golongan pokok)."""
    division_labels = dict(Kbli.objects.filter(level=KbliLevel.DIVISION).values_list("code", "title"))
    return _grouped(_published_in(wilayah), Left("kbli_id", 2), division_labels)


def statistics_by_subsector(*, wilayah: str = "") -> list[dict]:
    """Published businesses per creative-economy subsector, named in the active language."""
    name_field = "name_en" if get_language() == "en" else "name"
    subsector_labels = dict(CreativeSubsector.objects.values_list("code", name_field))
    return _grouped(_published_in(wilayah), F("subsector_id"), subsector_labels)


def statistics_by_scale(*, wilayah: str = "") -> list[dict]:
    """Published businesses per BPS scale class of their latest data year."""
    scale_counts = _latest_scale_counts(_published_in(wilayah))
    return [
        {"code": value, "label": str(label), "count": scale_counts[value]}
        for value, label in ScaleBps.choices
        if value in scale_counts
    ]


def statistics_by_year(*, wilayah: str = "", with_sums: bool = False) -> list[dict]:
    """Businesses with figures per data year; `with_sums`, the released sums of each year (see public_statistics)."""
    counted = counted_figures()
    if wilayah:
        counted = counted.filter(region_q("business__village__code", wilayah))
    live = dict(counted.values_list("year").annotate(n=Count("pk")).order_by())
    releases = statistics_releases(years=live) if with_sums else {}  # live: the years, already counted
    years = []
    for year in sorted(set(live) | set(releases)):
        release = releases.get(year)
        if release is not None:
            years.append(
                {
                    "year": year,
                    "count": release.businesses,
                    "workforce": release.workforce,
                    "investment": release.investment,
                    "released_at": release.released_at,
                    "release_date": None,
                }
            )
        else:
            years.append(
                {
                    "year": year,
                    "count": live[year],
                    "workforce": None,
                    "investment": None,
                    "released_at": None,
                    "release_date": release_date(year),
                }
            )
    return years


def public_statistics(*, wilayah: str = "", with_sums: bool = False) -> dict:
    """Aggregates for the Statistik page over the businesses in `wilayah` (all of Indonesia when empty): the page's
    summary and one table per panel businesses registers on it (businesses/contributions.py).

    Groups (regions one level down, KBLI divisions, subsectors, BPS scale of the latest data year) count the current
    directory: published businesses only; where a business is, its KBLI, subsector and scale are public on its profile
    anyway. Data years count every business that is or was public (published or inactive) in the years it has
    figures for, so a business that closes stays in the years it was active.

    Sums of the confidential yearly figures (workforce, investment) come only `with_sums` (the root of the site), and
    only from the frozen releases of businesses/services/statistics.py: never computed from the live data, so no
    change moves them and no reading before and after a change tells one business's figures.
    """
    return {
        **statistics_summary(wilayah=wilayah, with_sums=with_sums),
        "regions": statistics_by_region(wilayah=wilayah),
        "divisions": statistics_by_division(wilayah=wilayah),
        "subsectors": statistics_by_subsector(wilayah=wilayah),
        "scales": statistics_by_scale(wilayah=wilayah),
        "years": statistics_by_year(wilayah=wilayah, with_sums=with_sums),
    }
