"""Reads of the registry: what the public sees and what staff need to look at."""

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connections, models, router
from django.db.models import CharField, Count, F, IntegerField, OuterRef, Subquery
from django.db.models.functions import Cast, Coalesce, Left
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import get_language

from businesses import rules
from businesses.choices import BusinessStatus, ScaleBps
from businesses.models import (
    SENTRA_MIN_MEMBERS,
    Business,
    BusinessYear,
    DirectoryCount,
    DirectoryCountRun,
    Product,
    Sentra,
)
from businesses.services.statistics import counted_figures, release_date, statistics_releases
from ikm_registry.choices import KbliLevel
from ikm_registry.keyset import IdsAmong
from ikm_registry.models import CreativeSubsector, Kbli, Region, TransitionLog
from ikm_registry.public_url import public_url
from ikm_registry.request_memo import request_memo
from ikm_registry.scoping import region_q
from ikm_registry.text import truncated


def public_counts() -> dict:
    """Counts for the public home page: published businesses and the sentra and desa they are in (from the stored
    directory counts when they hold; counted live on a small registry whose counts are being renewed)."""
    stored = stored_counts(facets=("jumlah", "desa", "sentra-total"))
    if stored is not None:
        sentra = stored["sentra-total"].get("")
        if sentra is None:  # counts made before they held this figure: one stored row per sentra with a member
            sentra = DirectoryCount.objects.filter(region="", kbli="", facet="sentra").count()
        return {"businesses": stored["jumlah"].get("", 0), "sentra": sentra, "villages": stored["desa"].get("", 0)}
    published = business_public_rows()
    return {
        "businesses": published.count(),
        "sentra": sentra_public().count(),
        "villages": published.values("village").distinct().count(),
    }


# --- stored counts (businesses/services/directory_counts.py) ------------------------------------------------------

# Region code lengths and KBLI code lengths the stored counts are kept for (see directory_counts.py).
STORED_REGION_LENGTHS = (0, 2, 5, 8)
STORED_KBLI_REGION_LENGTHS = (0, 2)


def stored_counts_hold() -> bool:
    """Whether the stored directory counts may be read: they count the current public data, or the registry is too
    large to count live (DIRECTORY_LIVE_COUNT_MAX published businesses) and they are the latest there are. Read once
    per request (ikm_registry.request_memo)."""
    return request_memo("businesses.stored_counts_hold", _stored_counts_hold)


def _stored_counts_hold() -> bool:
    from ikm_registry.public_cache import public_version

    run = DirectoryCountRun.objects.order_by("-computed_at", "-pk").only("data_version", "published").first()
    if run is None:
        return False
    return run.data_version == public_version() or run.published > settings.DIRECTORY_LIVE_COUNT_MAX


def figure_years(user, limit: int = 20) -> list[int]:
    """The data years with figures in the user's region, newest first (the export's choice of year): from the stored
    counts when they hold, so a national list does not read every yearly row on each view."""
    region = staff_region(user)
    stored = stored_counts(wilayah=region, facets=("tahun",)) if region is not None else None
    if stored is not None:
        return sorted((int(year) for year in stored["tahun"]), reverse=True)[:limit]
    rows = BusinessYear.objects.restrict(user).order_by("-year").values_list("year", flat=True).distinct()
    return list(rows[:limit])


def _sentra_below(user, below: dict[str, int]) -> list[Sentra]:
    """The first ten (by name) of the sentra below the rule, `below` {id: similar members} from the stored counts,
    each with `similar_member_count`: no count of the members of every sentra in the region."""
    region = staff_region(user) or ""
    stored = DirectoryCount.objects.filter(region=region, kbli="", facet="sentra-pp29")
    first = list(
        Sentra.objects.restrict(user)
        .filter(pk__in=stored.values(as_id=Cast("value", IntegerField())))
        .order_by("name", "pk")[:10]
    )
    for sentra in first:
        sentra.similar_member_count = below[str(sentra.pk)]
    return first


def stored_counts_time():
    """When the stored counts were made (None: never)."""
    return DirectoryCountRun.objects.order_by("-computed_at", "-pk").values_list("computed_at", flat=True).first()


def staff_region(user) -> str | None:
    """The region code a staff user's lists cover ("" for all of Indonesia), or None without a region."""
    from ikm_registry.scoping import scope_for

    scope = scope_for(user)
    if scope.everything:
        return ""
    return scope.region_code


def stored_counts_cover(wilayah: str = "", kbli: str = "") -> bool:
    """Whether counts are stored for this region and KBLI code (regions down to kecamatan; a KBLI division for
    Indonesia and the provinces)."""
    if len(wilayah) not in STORED_REGION_LENGTHS:
        return False
    return not kbli or (len(kbli) == 2 and kbli.isdigit() and len(wilayah) in STORED_KBLI_REGION_LENGTHS)


# The stored facets with a few dozen rows per region at most (a value per child region, KBLI division, subsector,
# scale, status, year...): a page reads them all at once. The others (a row per sentra: thousands for a province) are
# read only when asked for by name. tests/businesses/test_directory_counts.py checks that the refresh writes no
# facet this list leaves out by mistake.
SMALL_STORED_FACETS = (
    "desa",
    "jumlah",
    "kbli",
    "kelengkapan",
    "peta",
    "sentra-total",
    "skala",
    "status",
    "subsektor",
    "tahun",
    "wilayah",
)
LARGE_STORED_FACETS = ("sentra", "sentra-pp29")


def _small_stored_counts(rows) -> dict[str, dict[str, int]]:
    """{facet: {value: count}} of every small stored facet of `rows` (one region and KBLI code)."""
    found: dict[str, dict[str, int]] = {}
    for facet, value, count in rows.filter(facet__in=SMALL_STORED_FACETS).values_list("facet", "value", "count"):
        found.setdefault(facet, {})[value] = count
    return found


def stored_counts(*, wilayah: str = "", kbli: str = "", facets=(), limits=None) -> dict[str, dict[str, int]] | None:
    """{facet: {value: count}} of the stored counts for `wilayah` and `kbli` (every facet named, empty when nothing
    counts there), or None when they do not hold or do not cover these codes. `limits` {facet: n}: read at most n + 1
    values of that facet (the caller shows none when there are more)."""
    if not stored_counts_cover(wilayah, kbli) or not stored_counts_hold():
        return None
    limits = limits or {}
    found: dict[str, dict[str, int]] = {facet: {} for facet in facets}
    rows = DirectoryCount.objects.filter(region=wilayah, kbli=kbli)
    small = [facet for facet in facets if facet not in limits and facet in SMALL_STORED_FACETS]
    if small:  # every small facet of these codes in one query, once per request (a page asks for several)
        every = request_memo(f"businesses.stored_counts:{wilayah}:{kbli}", lambda: _small_stored_counts(rows))
        for facet in small:
            found[facet] = dict(every.get(facet, {}))
    large = [facet for facet in facets if facet not in limits and facet not in SMALL_STORED_FACETS]
    for facet, value, count in rows.filter(facet__in=large).values_list("facet", "value", "count") if large else ():
        found[facet][value] = count
    for facet, limit in limits.items():
        if facet in facets:
            top = rows.filter(facet=facet).order_by("-count", "value").values_list("value", "count")[: limit + 1]
            found[facet] = dict(top)
    return found


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


def business_public_rows():
    """Published businesses as a bare queryset, to be read as values of public columns only (ids, PUBLIC_FIELDS,
    the facet columns) by the directory's search, pages and counts: cheaper to build and filter than
    business_public(), whose joins and consent annotations such reads never use. No row of it reaches a page as a
    model instance; pages show business_public() rows or the values read from this."""
    return Business.objects.filter(rules.is_public()).order_by("name", "pk")


def business_public():
    """The only way a business reaches the public: published businesses, public columns only.

    Rows carry the desa and its parents, KBLI, subsector and sentra (one query for any number of rows), and the
    owner's contact as `public_phone` / `public_email` only for the channels the owner consented to publish, from
    the consent date on; otherwise the empty string. The owner row itself is never loaded, nor yearly figures.
    """
    return (
        business_public_rows()
        .select_related("village__parent__parent__parent", "kbli", "subsector", "sentra")
        .only(*PUBLIC_FIELDS, *PUBLIC_RELATED_FIELDS)
        .annotate(**_public_contact())
    )


def _public_contact() -> dict:
    """The annotations `public_phone` and `public_email`: the owner's contact for the channels consented to today."""
    today = timezone.localdate()
    return {
        "public_phone": rules.consented_contact("phone", today),
        "public_email": rules.consented_contact("email", today),
    }


# The names a row of the public API shows of its desa and the regions above it, its KBLI code and its sentra, read as
# columns of the row (business_public_named) rather than as related instances: {annotation: path}.
REGION_TRAIL_DEPTH = 4  # desa, kecamatan, kabupaten/kota, provinsi
NAMED_COLUMNS = {
    **{
        f"trail_{depth}_{part}": "__".join(["village", *["parent"] * depth, part])
        for depth in range(REGION_TRAIL_DEPTH)
        for part in ("name", "level")
    },
    "kbli_title": "kbli__title",
    "sentra_name": "sentra__name",
}


def business_public_named():
    """Published businesses as business_public() gives them (public columns, the consented contact), each one
    instance carrying the names of its desa and the regions above it (`trail_<depth>_name` and `_level`, depth 0 the
    desa), of its KBLI code (`kbli_title`) and of its sentra (`sentra_name`, None without one) as columns: a page
    of fifty rows builds fifty instances instead of four hundred. For the public API's lists."""
    return (
        business_public_rows()
        .only(*PUBLIC_FIELDS)
        .annotate(**_public_contact(), **{name: F(path) for name, path in NAMED_COLUMNS.items()})
    )


def sentra_public(*, stored_counts: dict[int, int] | None = None):
    """Sentra with at least one published member, each with `published_member_count`; public columns only.

    The member counts come from the stored directory counts when they hold (stored_counts_hold), else are counted.
    `stored_counts` {sentra id: published members}, read from the stored counts by the caller: just those sentra."""
    if stored_counts is not None:
        counts = models.Case(
            *(models.When(pk=pk, then=models.Value(n)) for pk, n in stored_counts.items()),
            default=models.Value(0),
            output_field=models.IntegerField(),
        )
        sentra = Sentra.objects.filter(pk__in=list(stored_counts)).annotate(published_member_count=counts)
    elif stored_counts_hold():
        stored = DirectoryCount.objects.filter(region="", kbli="", facet="sentra")
        counted = stored.filter(value=Cast(OuterRef("pk"), CharField()))
        # Which sentra have members: one semi-join with the stored rows (each stands for a sentra with a published
        # member); the count itself only for the rows read.
        sentra = Sentra.objects.filter(pk__in=stored.values(as_id=Cast("value", IntegerField())))
        sentra = sentra.annotate(published_member_count=Subquery(counted.values("count")[:1]))
    else:
        published = Count("members", filter=rules.is_public("members"), distinct=True)
        sentra = Sentra.objects.annotate(published_member_count=published).filter(published_member_count__gt=0)
    return (
        sentra.select_related("village__parent__parent__parent", "kbli")
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
        .order_by("name", "pk")
    )


# What a directory card ({% business_cards %}, businesses/templatetags/business_cards.py) shows of the business's
# own row, and the keys its pages sort by; the names of its desa, kecamatan, regency, KBLI code and sentra come from
# reference_labels().
CARD_COLUMNS = (
    "pk",
    "name",
    "main_product",
    "created_at",
    "year_founded",
    "village_id",
    "kbli_id",
    "sentra_id",
)


def _reference_union(parts: list[str], params: list) -> list[tuple]:
    """The rows of the SELECTs `parts` over the reference tables, as one UNION ALL query on their database."""
    if not parts:
        return []
    with connections[router.db_for_read(Region) or DEFAULT_DB_ALIAS].cursor() as cursor:
        cursor.execute(" UNION ALL ".join(parts), params)
        return cursor.fetchall()


def _table(model) -> str:
    return connections[router.db_for_read(model) or DEFAULT_DB_ALIAS].ops.quote_name(model._meta.db_table)


def _subsector_name_column() -> str:
    return "name_en" if (get_language() or "").startswith("en") else "name"


def reference_labels(*, regions=(), kbli=(), subsectors=(), sentra=(), region_parents=False) -> dict[str, dict]:
    """The names of reference rows, in one query whatever the mix: {"wilayah": {code: (name, parent's name,
    grandparent's name)} (the parents' None unless `region_parents`), "kbli": {code: title}, "subsektor": {code: name in the active language}, "sentra": {id:
    name}}; unknown keys are left out.

    A page that names the regions, KBLI codes and sentra of its rows reads them here instead of joining them to
    each row: PostgreSQL plans a join of the business table with six reference tables in 2-5 ms, longer than it
    takes to run, and a union of four single-table lookups in a fraction of that. Written as SQL: the ORM's union of
    four annotated querysets costs more Python than the query costs the database."""
    regions, kbli, subsectors = sorted(set(regions)), sorted(set(kbli)), sorted(set(subsectors))
    sentra = sorted({int(pk) for pk in sentra})
    found: dict[str, dict] = {"wilayah": {}, "kbli": {}, "subsektor": {}, "sentra": {}}
    parts, params = [], []

    def among(values) -> str:
        params.extend(values)
        return ", ".join(["%s"] * len(values))

    if regions and not region_parents:
        table = _table(Region)
        parts.append(f"SELECT 'wilayah', code, name, NULL, NULL FROM {table} WHERE code IN ({among(regions)})")
    elif regions:
        table = _table(Region)
        parts.append(
            f"SELECT 'wilayah', d.code, d.name, p.name, g.name FROM {table} d LEFT JOIN {table} p ON p.code = d.parent_id"
            f" LEFT JOIN {table} g ON g.code = p.parent_id WHERE d.code IN ({among(regions)})"
        )
    if kbli:
        parts.append(f"SELECT 'kbli', code, title, NULL, NULL FROM {_table(Kbli)} WHERE code IN ({among(kbli)})")
    if subsectors:
        name, table = _subsector_name_column(), _table(CreativeSubsector)
        parts.append(f"SELECT 'subsektor', code, {name}, NULL, NULL FROM {table} WHERE code IN ({among(subsectors)})")
    if sentra:
        table = _table(Sentra)
        parts.append(f"SELECT 'sentra', CAST(id AS TEXT), name, NULL, NULL FROM {table} WHERE id IN ({among(sentra)})")
    for kind, key, label, parent, grandparent in _reference_union(parts, params):
        if kind == "wilayah":
            found[kind][key] = (label, parent, grandparent)
        elif kind == "sentra":
            found[kind][int(key)] = label
        else:
            found[kind][key] = label
    return found


class Card(dict):
    """A directory card's values: a dict, which the template engine looks up first (`{{ business.village.name }}`
    costs a step per dot; an object's attribute is found only after a failed item lookup), whose keys also read as
    attributes (ikm_registry.keyset reads a row's sort keys so, and the directory sorts a page by `search_rank`)."""

    __slots__ = ()

    def __getattr__(self, name):
        try:
            return self[name]
        except KeyError:
            raise AttributeError(name) from None


class _CardLabel(models.Expression):
    """The name a card shows of a reference row, as a scalar subquery of the cards' own query: `column` of `model`'s
    row whose `key` is the card's `field` (its first `length` characters: a desa's code starts with its kecamatan's
    and its regency's, "51.03.01.1001", "51.03.01", "51.03"). Twenty cards' names cost a primary-key lookup each
    in the same query, planned in a fraction of a millisecond, where a join of the reference tables took longer to
    plan than to run and a second query a round trip."""

    output_field = CharField()

    def __init__(self, model, column: str, field: str, *, key: str = "code", length: int | None = None):
        super().__init__()
        self.model, self.column, self.key, self.length = model, column, key, length
        self.source = F(field)

    def get_source_expressions(self):
        return [self.source]

    def set_source_expressions(self, expressions):
        (self.source,) = expressions

    def as_sql(self, compiler, connection):
        value, params = compiler.compile(self.source)
        if self.length:
            value = f"substr({value}, 1, {self.length})"
        quote = connection.ops.quote_name
        table, column, key = quote(self.model._meta.db_table), quote(self.column), quote(self.key)
        return f"(SELECT {column} FROM {table} WHERE {key} = {value})", params


# The names a card shows (business_cards), in this order after CARD_COLUMNS.
CARD_LABELS = {
    "card_desa": (Region, "name", "village_id", {}),
    "card_kecamatan": (Region, "name", "village_id", {"length": 8}),
    "card_kabupaten": (Region, "name", "village_id", {"length": 5}),
    "card_kbli": (Kbli, "title", "kbli_id", {}),
    "card_sentra": (Sentra, "name", "sentra_id", {"key": "id"}),
}


def business_cards(results, ids: list[int], *, rank=None) -> dict[int, Card]:
    """The directory's cards of the businesses `ids` among `results` (a filtered `business_public()`), by id: Cards
    with the card's fields in the shape of a business (`card.village.parent.name`, `card.kbli.title`,
    `card.sentra.name`; `card.url`, its page; `search_rank`, the value of expression `rank`, when given). One
    query: the rows' own columns and the names they refer to (_CardLabel). Model instances with their desa,
    kecamatan, regency, KBLI and sentra rows cost three times as long for a page of twenty; the owner's contact is
    not read at all (no card shows it)."""
    labels = {
        name: _CardLabel(model, column, field, **options)
        for name, (model, column, field, options) in CARD_LABELS.items()
    }
    rows = results.order_by().filter(pk__in=ids).annotate(**labels)
    if rank is not None:
        rows = rows.annotate(search_rank=rank)
    rows = rows.values_list(*CARD_COLUMNS, *labels, *(("search_rank",) if rank is not None else ()))
    detail = reverse("businesses:business_detail", args=[0]).removesuffix("0/")
    cards = {}
    for (
        pk,
        name,
        product,
        created,
        founded,
        _village,
        code,
        sentra,
        desa,
        district,
        regency,
        title,
        sentra_name,
        *rank_of,
    ) in rows:
        title = title or ""
        cards[pk] = Card(
            pk=pk,
            id=pk,
            url=f"{detail}{pk}/",
            name=name,
            main_product=product,
            created_at=created,
            year_founded=founded,
            village=Card(name=desa or "", parent=Card(name=district or "", parent=Card(name=regency or ""))),
            kbli=Card(code=code, title=title, short_title=truncated(title, 60)),
            sentra=Card(name=sentra_name or "") if sentra else None,
            search_rank=rank_of[0] if rank_of else None,
        )
    return cards


def business_card_list(businesses) -> list[Card]:
    """The cards (business_cards) of every business of `businesses` (a filtered `business_public()`), in its order:
    a sentra's members."""
    ids = list(businesses.values_list("pk", flat=True))
    cards = business_cards(businesses, ids)
    return [cards[pk] for pk in ids if pk in cards]


def business_public_url(business) -> str:
    """The absolute address of a business's page in the public directory (printed as a QR code on its profile).

    The public site's urlconf (businesses/urls.py) will serve this path; it is built here, once, so the paper and
    the site agree: PUBLIC_BASE_URL + /direktori/ikm/<pk>/ (ikm_registry.public_url).
    """
    return public_url(f"/direktori/ikm/{business.pk}/")


def submitted_queue(businesses):
    """Submitted businesses, longest waiting first, each with `submitted_at`: when it last entered `submitted` (the
    workflow writes it with each step), or its creation for a record submitted before that was written. The index
    business_submitted_queue serves the order: the first rows come at once, however long the queue."""
    waiting_since = Coalesce(F("status_changed_at"), F("created_at"))
    return (
        businesses.filter(status=BusinessStatus.SUBMITTED)
        .annotate(submitted_at=waiting_since)
        .select_related("village")
        .order_by(waiting_since.asc(), "pk")
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
    region = staff_region(user)
    stored = (
        stored_counts(wilayah=region, facets=("status", "kelengkapan", "sentra-pp29")) if region is not None else None
    )
    if stored is not None:  # at national scale: from the stored counts, not three scans of the region's businesses
        status_counts, incomplete, below = stored["status"], stored["kelengkapan"], stored["sentra-pp29"]
        missing = {key: incomplete.get(key, 0) for key in ("tanpa-data-tahunan", "tanpa-koordinat", "tanpa-nib")}
        sentra_below, sentra_below_count = _sentra_below(user, below), len(below)
        counted_at = stored_counts_time()
    else:
        status_counts = dict(businesses.values_list("status").annotate(n=Count("pk")).order_by())
        missing = {
            "tanpa-data-tahunan": businesses.filter(rules.missing_recent_figures()).count(),
            "tanpa-koordinat": businesses.filter(rules.missing_coordinates()).count(),
            "tanpa-nib": businesses.filter(rules.missing_nib()).count(),
        }
        below_rule = (
            Sentra.objects.restrict(user).with_member_counts().filter(similar_member_count__lt=SENTRA_MIN_MEMBERS)
        )
        sentra_below, sentra_below_count = list(below_rule.order_by("name")[:10]), below_rule.count()
        counted_at = None
    return {
        "statuses": [
            {"value": value, "label": label, "count": status_counts.get(value, 0)}
            for value, label in BusinessStatus.choices
        ],
        "total": sum(status_counts.values()),
        "submitted_oldest": list(submitted_queue(businesses)[:10]),
        "submitted_count": status_counts.get(BusinessStatus.SUBMITTED, 0),
        "missing_figures": missing["tanpa-data-tahunan"],
        "missing_coordinates": missing["tanpa-koordinat"],
        "missing_nib": missing["tanpa-nib"],
        "figures_year": rules.figures_year(),
        "sentra_below_rule": sentra_below,
        "sentra_below_rule_count": sentra_below_count,
        "sentra_min_members": SENTRA_MIN_MEMBERS,
        "counted_at": counted_at,  # None: counted just now
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
    count: int | None  # None: not counted (too many results to count at once)


def _latest_scale_counts(businesses=None, *, ids=None) -> dict[str, int]:
    """Businesses of `businesses` (or with the primary keys `ids`) per BPS class of their latest data year (those
    without a class left out)."""
    rows = rules.latest_years().filter(scale_bps__isnull=False)
    if ids is None:
        rows = rows.filter(business__in=businesses.order_by().values("pk"))
    else:
        rows = rows.filter(IdsAmong("business_id", ids))
    return dict(rows.values_list("scale_bps").annotate(n=Count("pk")).order_by())


def directory_facets(
    results,
    *,
    wilayah: str = "",
    kbli: str = "",
    without: Callable | None = None,
    stored: dict[str, dict[str, int]] | None = None,
    rows: list[tuple] | None = None,
    narrowed: frozenset[str] = frozenset(),
) -> dict[str, list[FacetOption]]:
    """Counts of `results` (a filtered `business_public()`) per option of each directory filter, largest first.

    wilayah: the regions one level below the chosen one; kbli: the codes one level below the chosen one (both drill
    down inside the current results). subsektor, skala (BPS class of the latest data year) and sentra count the
    results of every *other* filter, `without(name)`, so that choosing one subsector still shows the others to
    switch to. One GROUP BY query per facet plus one for the labels of each, whatever the number of results.

    `stored`: the stored counts of `stored_counts()` for these codes, when the results are exactly the businesses
    in `wilayah` and `kbli` (no other filter); they stand in for the GROUP BY queries. A facet missing from them
    (sentra with too many values to offer) has no options.

    `rows`: every result as (pk, village_id, kbli_id, subsector_id, sentra_id), read once by the caller (a text
    search with few results); the facets are counted from them in Python instead of a GROUP BY each, which would
    evaluate the search again, except those of the filters in `narrowed` (given), which count `without(name)`.
    """
    base = results.order_by()
    column = {"wilayah": 1, "kbli": 2, "subsektor": 3, "sentra": 4}

    def others(name):
        return (without(name) if without else results).order_by()

    region_length = CHILD_CODE_LENGTH.get(len(wilayah))
    facets: dict[str, list[FacetOption]] = {}

    def grouped(expression, *, facet, length=None, drill=False):
        if stored is not None:
            return stored.get(facet) or {}
        # wilayah and kbli drill down inside the results (`drill`): always countable from the rows; the others count
        # the results of every other filter.
        if rows is not None and (drill or facet not in narrowed):
            values = (row[column[facet]] for row in rows)
            return dict(Counter(value[:length] if length and value else value for value in values))
        queryset = (base if drill else others(facet)).annotate(facet=expression)
        return dict(queryset.values_list("facet").annotate(n=Count("pk")).order_by())

    def options(counts, labels):
        # Businesses without a value (no subsector, no sentra) form a group under None, which has no label.
        found = [FacetOption(str(key), labels.get(key, str(key)), n) for key, n in counts.items() if key in labels]
        return sorted(found, key=lambda option: (-option.count, option.label))

    counted: dict[str, dict] = {}
    if region_length:
        counted["wilayah"] = grouped(
            Left("village_id", region_length), facet="wilayah", length=region_length, drill=True
        )
    kbli_length = KBLI_CHILD_LENGTH.get(len(kbli))
    if kbli_length:
        counted["kbli"] = grouped(Left("kbli_id", kbli_length), facet="kbli", length=kbli_length, drill=True)
    counted["subsektor"] = grouped(F("subsector_id"), facet="subsektor")
    if stored is not None:
        counted["skala"] = stored.get("skala") or {}
    elif rows is not None and "skala" not in narrowed:
        counted["skala"] = _latest_scale_counts(ids=[row[0] for row in rows])
    else:
        counted["skala"] = _latest_scale_counts(others("skala"))
    sentra_counts = grouped(F("sentra_id"), facet="sentra")
    if stored is not None:
        sentra_counts = {int(key): n for key, n in sentra_counts.items()}
    # too many to offer in a list: the sentra pages link to their members instead
    offered = sum(1 for key in sentra_counts if key is not None) <= settings.DIRECTORY_SENTRA_OPTIONS_MAX
    labels = reference_labels(  # every option's label in one query
        regions=counted.get("wilayah", ()),
        kbli=[code for code in counted.get("kbli", ()) if code],
        subsectors=[code for code in counted["subsektor"] if code],
        sentra=[pk for pk in sentra_counts if pk is not None] if offered else (),
    )
    region_names = {code: names[0] for code, names in labels["wilayah"].items()}
    facets["wilayah"] = options(counted["wilayah"], region_names) if region_length else []
    kbli_labels = {code: f"{code} {title}" for code, title in labels["kbli"].items()}
    facets["kbli"] = options(counted["kbli"], kbli_labels) if kbli_length else []
    facets["subsektor"] = options(counted["subsektor"], labels["subsektor"])
    facets["skala"] = [
        FacetOption(value, str(label), counted["skala"][value])
        for value, label in ScaleBps.choices
        if value in counted["skala"]
    ]
    facets["sentra"] = options(sentra_counts, labels["sentra"]) if offered else []
    return facets


def uncounted_facets(*, wilayah: str = "", kbli: str = "") -> dict[str, list[FacetOption]]:
    """The directory's filter options without counts (count None), from the reference tables: for results too many
    to count at once. Regions and KBLI codes one level below the chosen ones, every subsector and scale; sentra only
    when a regency or smaller is chosen and it has few. The three reference lists in one query (as
    reference_labels: SQL, each part numbered in its own order)."""
    parts, params = [], []
    if CHILD_CODE_LENGTH.get(len(wilayah)):
        table = _table(Region)
        where = "parent_id = %s" if wilayah else "parent_id IS NULL"
        params.extend([wilayah] if wilayah else [])
        parts.append(
            f"SELECT 'wilayah', code, name, ROW_NUMBER() OVER (ORDER BY name, code) FROM {table} WHERE {where}"
        )
    if KBLI_CHILD_LENGTH.get(len(kbli)):
        table = _table(Kbli)
        where = "parent_id = %s" if kbli else "level = %s"
        params.append(kbli or KbliLevel.DIVISION.value)
        parts.append(
            f"SELECT 'kbli', code, code || ' ' || title, ROW_NUMBER() OVER (ORDER BY code) FROM {table} WHERE {where}"
        )
    name, table = _subsector_name_column(), _table(CreativeSubsector)
    parts.append(f"SELECT 'subsektor', code, {name}, ROW_NUMBER() OVER (ORDER BY {name}, code) FROM {table}")
    facets: dict[str, list[FacetOption]] = {"wilayah": [], "kbli": [], "subsektor": []}
    for kind, code, label, _position in sorted(_reference_union(parts, params), key=lambda row: (row[0], row[3])):
        facets[kind].append(FacetOption(code, label, None))
    sentra = []
    if len(wilayah) >= 5:
        found = list(
            Sentra.objects.filter(region_q("village__code", wilayah))
            .order_by("name", "pk")
            .values_list("pk", "name")[: settings.DIRECTORY_SENTRA_OPTIONS_MAX + 1]
        )
        if len(found) <= settings.DIRECTORY_SENTRA_OPTIONS_MAX:
            sentra = [FacetOption(str(pk), name, None) for pk, name in found]
    facets["skala"] = [FacetOption(value, str(label), None) for value, label in ScaleBps.choices]
    facets["sentra"] = sentra
    return facets


def region_trail(code: str) -> list[Region]:
    """The chosen region and its parents, province first (one query)."""
    return chosen_references(wilayah=code)[0]


def chosen_references(*, wilayah: str = "", kbli: str = "") -> tuple[list[Region], str | None]:
    """What a page that shows a chosen region and KBLI code reads of them, in one query: the region's trail (as
    region_trail: the region and its parents, province first; it ends before the region when that does not exist)
    and the KBLI code's title (None when there is no such code)."""
    parts, params = [], []
    if wilayah:
        parts_of_code = wilayah.split(".")
        codes = [".".join(parts_of_code[: i + 1]) for i in range(len(parts_of_code))]
        params.extend(codes)
        parts.append(
            f"SELECT 'wilayah', code, name, level, kind FROM {_table(Region)} "
            f"WHERE code IN ({', '.join(['%s'] * len(codes))})"
        )
    if kbli:
        params.append(kbli)
        parts.append(f"SELECT 'kbli', code, title, NULL, NULL FROM {_table(Kbli)} WHERE code = %s")
    trail, title = [], None
    for kind, code, label, level, region_kind in _reference_union(parts, params):
        if kind == "wilayah":
            trail.append(Region(code=code, name=label, level=level, kind=region_kind))
        else:
            title = label
    return sorted(trail, key=lambda region: region.code), title


def map_points(results, *, limit: int) -> list[dict]:
    """The first `limit` results that have coordinates, as small dicts for the map (id, name, product, lat, lon)."""
    rows = results.filter(rules.has_coordinates()).values_list("pk", "name", "main_product", "latitude", "longitude")
    return [
        {"id": pk, "name": name, "product": product, "lat": float(lat), "lon": float(lon)}
        for pk, name, product, lat, lon in rows[:limit]
    ]


def map_clusters(*, wilayah: str = "") -> list[dict] | None:
    """For the map of a region with more located businesses than DIRECTORY_MAP_LIMIT: one circle per region one
    level down, at the mean position of its businesses, with their number (from the stored counts; a bounded
    answer however many businesses there are). None when the stored counts do not hold or cover the region, or it
    has few enough located businesses to show them as pins."""
    if not stored_counts_cover(wilayah) or not stored_counts_hold():
        return None
    rows = list(
        DirectoryCount.objects.filter(region=wilayah, kbli="", facet="peta").values_list(
            "value", "count", "latitude", "longitude"
        )
    )
    if sum(count for _code, count, _lat, _lon in rows) <= settings.DIRECTORY_MAP_LIMIT:
        return None
    names = dict(Region.objects.filter(code__in=[code for code, *_rest in rows]).values_list("code", "name"))
    return [
        {"cluster": code, "name": names.get(code, code), "count": count, "lat": latitude, "lon": longitude}
        for code, count, latitude, longitude in rows
        if latitude is not None
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


def featured_sentra_public(limit: int = 6) -> list[Card]:
    """The sentra with the most published members, for the home page (from the stored counts when they hold), as
    Cards: pk, name, main_product, regency (its name) and published_member_count; most members first."""
    columns = ("pk", "name", "main_product", "village__parent__parent__name")
    if stored_counts_hold():
        # The top rows of the stored counts name the sentra and their counts: the sentra read by primary key, not
        # semi-joined with every stored row first.
        top = DirectoryCount.objects.filter(region="", kbli="", facet="sentra").order_by("-count", "value")
        counts = {int(value): n for value, n in top.values_list("value", "count")[:limit]}
        rows = [(*row, counts[row[0]]) for row in Sentra.objects.filter(pk__in=list(counts)).values_list(*columns)]
    else:
        rows = sentra_public().order_by("-published_member_count", "name")
        rows = list(rows.values_list(*columns, "published_member_count")[:limit])
    found = [
        Card(pk=pk, name=name, main_product=product, regency=regency, published_member_count=members)
        for pk, name, product, regency, members in rows
    ]
    return sorted(found, key=lambda sentra: (-sentra.published_member_count, sentra.name))


def single_province_code() -> str | None:
    """The province code when every published business lies in one province (a provincial deployment)."""
    stored = stored_counts(facets=("wilayah",))
    if stored is not None:
        provinces = [code for code, n in stored["wilayah"].items() if n]
        return provinces[0] if len(provinces) == 1 else None
    provinces = list(
        business_public()
        .order_by()
        .annotate(province=Left("village_id", 2))
        .values_list("province", flat=True)
        .distinct()[:2]
    )
    return provinces[0] if len(provinces) == 1 else None


def region_counts(*, wilayah: str = "") -> list[FacetOption]:
    """Published businesses per region one level below `wilayah`, largest first (stored counts when they hold)."""
    stored = stored_counts(wilayah=wilayah, facets=("wilayah",))
    if stored is not None:
        counts = stored["wilayah"]
        labels = dict(Region.objects.filter(code__in=list(counts)).values_list("code", "name"))
        found = [FacetOption(code, labels.get(code, code), n) for code, n in counts.items() if code in labels]
        return sorted(found, key=lambda option: (-option.count, option.label))
    return directory_facets(business_public_rows(), wilayah=wilayah)["wilayah"]


def featured_products_public(limit: int = 6) -> list[Product]:
    """Produk unggulan of published businesses for the home page, newest first, each with its business's id and
    name (an index on the featured products' ids serves it: no scan of the businesses)."""
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
        .order_by("-pk")[:limit]
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


def _stored_table(wilayah: str, facet: str, labels) -> list[dict] | None:
    """Rows {code, label, count} of the stored counts of `facet` in `wilayah`, largest first; None when they do not
    hold or cover it (the caller counts live). `labels`: {code: label}, or a function of the codes returning it."""
    stored = stored_counts(wilayah=wilayah, facets=(facet,))
    if stored is None:
        return None
    if callable(labels):
        labels = labels(list(stored[facet]))
    table = [{"code": code, "label": labels.get(code, code), "count": n} for code, n in stored[facet].items()]
    table.sort(key=lambda row: (-row["count"], str(row["label"])))
    return table


def statistics_summary(*, wilayah: str = "", with_sums: bool = False) -> dict:
    """The Statistik page's own figures (see public_statistics): how many businesses are published in `wilayah`,
    and the disclosure rules the page explains."""
    stored = stored_counts(wilayah=wilayah, facets=("jumlah",))
    return {
        "total": stored["jumlah"].get("", 0) if stored is not None else _published_in(wilayah).count(),
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
    length = CHILD_CODE_LENGTH.get(len(wilayah), 13)
    stored = _stored_table(
        wilayah, "wilayah", lambda codes: dict(Region.objects.filter(code__in=codes).values_list("code", "name"))
    )
    if stored is not None:
        return stored
    published = _published_in(wilayah)
    region_codes = published.annotate(group=Left("village_id", length)).values_list("group", flat=True).distinct()
    region_labels = dict(Region.objects.filter(code__in=region_codes).values_list("code", "name"))
    return _grouped(published, Left("village_id", length), region_labels)


def statistics_by_division(*, wilayah: str = "") -> list[dict]:
    """Published businesses per KBLI division (golongan pokok)."""
    division_labels = dict(Kbli.objects.filter(level=KbliLevel.DIVISION).values_list("code", "title"))
    stored = _stored_table(wilayah, "kbli", division_labels)
    return stored if stored is not None else _grouped(_published_in(wilayah), Left("kbli_id", 2), division_labels)


def statistics_by_subsector(*, wilayah: str = "") -> list[dict]:
    """Published businesses per creative-economy subsector, named in the active language."""
    name_field = "name_en" if get_language() == "en" else "name"
    subsector_labels = dict(CreativeSubsector.objects.values_list("code", name_field))
    stored = _stored_table(wilayah, "subsektor", subsector_labels)
    return stored if stored is not None else _grouped(_published_in(wilayah), F("subsector_id"), subsector_labels)


def statistics_by_scale(*, wilayah: str = "") -> list[dict]:
    """Published businesses per BPS scale class of their latest data year."""
    stored = stored_counts(wilayah=wilayah, facets=("skala",))
    scale_counts = stored["skala"] if stored is not None else _latest_scale_counts(_published_in(wilayah))
    return [
        {"code": value, "label": str(label), "count": scale_counts[value]}
        for value, label in ScaleBps.choices
        if value in scale_counts
    ]


def statistics_by_year(*, wilayah: str = "", with_sums: bool = False) -> list[dict]:
    """Businesses with figures per data year; `with_sums`, the released sums of each year (see public_statistics)."""
    stored = stored_counts(wilayah=wilayah, facets=("tahun",))
    if stored is not None:
        live = {int(year): n for year, n in stored["tahun"].items()}
    else:
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
