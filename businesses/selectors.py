"""Reads of the registry: what the public sees and what staff need to look at."""

from django.conf import settings
from django.db.models import Case, CharField, Count, Exists, F, OuterRef, Q, Subquery, Value, When
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _

from businesses.choices import ACTIVE_STATUSES, BusinessStatus
from businesses.models import SENTRA_MIN_MEMBERS, Business, BusinessTransition, BusinessYear, Region, Sentra
from ikm_registry.scoping import scope_for


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


def _consented(channel: str, today) -> Case:
    """The owner's `channel` (phone or email) when its publication consent has started, else an empty string."""
    return Case(
        When(
            Q(**{f"owner__{channel}_public_since__lte": today}) & ~Q(**{f"owner__{channel}": ""}),
            then=F(f"owner__{channel}"),
        ),
        default=Value(""),
        output_field=CharField(),
    )


def business_public():
    """The only way a business reaches the public: published businesses, public columns only.

    Rows carry the desa and its parents, KBLI, subsector and sentra (one query for any number of rows), and the
    owner's contact as `public_phone` / `public_email` only for the channels the owner consented to publish, from
    the consent date on; otherwise the empty string. The owner row itself is never loaded, nor yearly figures.
    """
    today = timezone.localdate()
    return (
        Business.objects.filter(status=BusinessStatus.PUBLISHED)
        .select_related("village__parent__parent__parent", "kbli", "subsector", "sentra")
        .only(*PUBLIC_FIELDS, *PUBLIC_RELATED_FIELDS)
        .annotate(public_phone=_consented("phone", today), public_email=_consented("email", today))
        .order_by("name", "pk")
    )


def sentra_public():
    """Sentra with at least one published member, each with `published_member_count`; public columns only."""
    published = Count("members", filter=Q(members__status=BusinessStatus.PUBLISHED), distinct=True)
    return (
        Sentra.objects.select_related("village__parent__parent", "kbli")
        .only(
            "id",
            "name",
            "main_product",
            "kbli__code",
            "kbli__title",
            "village__code",
            "village__name",
            "village__kind",
            "village__parent__name",
            "village__parent__parent__name",
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
    the site agree: PUBLIC_BASE_URL + /direktori/ikm/<pk>/.
    """
    return f"{settings.PUBLIC_BASE_URL.rstrip('/')}/direktori/ikm/{business.pk}/"


def submitted_queue(businesses):
    """Submitted businesses, longest waiting first, each with `submitted_at`: when it last entered `submitted`.

    Records that got their status without a transition (seeded or imported ones) count from their creation.
    """
    entered = BusinessTransition.objects.filter(business=OuterRef("pk"), to_status=BusinessStatus.SUBMITTED)
    return (
        businesses.filter(status=BusinessStatus.SUBMITTED)
        .annotate(submitted_at=Coalesce(Subquery(entered.order_by("-at").values("at")[:1]), F("created_at")))
        .select_related("village")
        .order_by("submitted_at", "pk")
    )


def business_transitions(*, business) -> list:
    """The workflow steps of one business, newest first, with who took them."""
    return list(business.transitions.select_related("actor").order_by("-at", "-pk"))


def review_note(*, business) -> BusinessTransition | None:
    """For a returned or rejected business: the step that sent it there (who, when, the note); else None."""
    if business.status not in (BusinessStatus.RETURNED, BusinessStatus.REJECTED):
        return None
    steps = business.transitions.filter(to_status=business.status).select_related("actor")
    return steps.order_by("-at", "-pk").first()


def attention_summary(*, user) -> dict:
    """What needs a staff user's attention in their region: the admin home page."""
    businesses = Business.objects.restrict(user)
    year = timezone.localdate().year
    status_counts = dict(businesses.values_list("status").annotate(n=Count("pk")).order_by())
    active = businesses.filter(status__in=ACTIVE_STATUSES)
    has_recent_figures = Exists(BusinessYear.objects.filter(business=OuterRef("pk"), year__gte=year - 1))
    sentra = Sentra.objects.restrict(user).with_member_counts()
    scope = scope_for(user)
    if scope.everything:
        scope_label = _("Seluruh Indonesia")
    else:
        scope_label = Region.objects.filter(code=scope.region_code).values_list("name", flat=True).first()
    return {
        "scope_label": scope_label,
        "statuses": [
            {"value": value, "label": label, "count": status_counts.get(value, 0)}
            for value, label in BusinessStatus.choices
        ],
        "total": sum(status_counts.values()),
        "submitted_oldest": list(submitted_queue(businesses)[:10]),
        "missing_figures": active.exclude(has_recent_figures).count(),
        "missing_coordinates": active.filter(latitude__isnull=True).count(),
        "missing_nib": active.filter(nib="").count(),
        "figures_year": year - 1,
        "sentra_below_rule": list(sentra.filter(similar_member_count__lt=SENTRA_MIN_MEMBERS).order_by("name")[:10]),
        "sentra_min_members": SENTRA_MIN_MEMBERS,
    }
