"""Reads of the registry: what the public sees and what staff need to look at."""

from django.conf import settings
from django.db.models import Count, Exists, F, OuterRef, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _

from businesses.choices import ACTIVE_STATUSES, BusinessStatus
from businesses.models import SENTRA_MIN_MEMBERS, Business, BusinessTransition, BusinessYear, Region, Sentra
from ikm_registry.scoping import scope_for


def public_counts() -> dict:
    """Counts for the public home page: published businesses and the sentra and desa they are in."""
    published = Business.objects.filter(status=BusinessStatus.PUBLISHED)
    return {
        "businesses": published.count(),
        "sentra": Sentra.objects.filter(members__status=BusinessStatus.PUBLISHED).distinct().count(),
        "villages": published.values("village").distinct().count(),
    }


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
