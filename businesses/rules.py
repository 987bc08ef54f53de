"""The registry's rules about a business, each defined once: every list, count, export, report and page uses these.

Each rule is a `Q` (or an expression) over `Business` unless it says otherwise, so it combines with any queryset,
is counted in the database and stays index-friendly at national scale (no per-row query, no Python loop):

- `is_public`: visible in the public directory (status published; the public columns are `selectors.business_public`).
- `is_active`: a real, operating IKM (submitted, verified or published).
- `has_coordinates` (the map), `missing_coordinates`, `missing_nib`, `missing_recent_figures`: "Data belum lengkap" (admin home, list filter).
- `is_latest_year` / `latest_years` / `latest_figure` / `has_latest_scale`: the latest data year of a business is
  its BusinessYear with the highest year (no later row); its figures and BPS class come from that row.
- `consented_contact`: an owner's phone or e-mail may be shown from the day its publication consent starts (the rule
  itself is ikm_registry.personal_data.consent_given / consent_lookup).
- `in_kbli`: a KBLI section letter (all its divisions) or a code prefix of 1–5 digits.
"""

from __future__ import annotations

import datetime

from django.db.models import CharField, Exists, Max, OuterRef, Q, Subquery, Value
from django.db.models.functions import Coalesce, Left
from django.utils import timezone

from businesses.choices import ACTIVE_STATUSES, BusinessStatus
from businesses.models import BusinessYear, Owner
from ikm_registry.choices import KbliLevel
from ikm_registry.models import Kbli
from ikm_registry.personal_data import consent_lookup


def _path(prefix: str, field: str) -> str:
    return f"{prefix}__{field}" if prefix else field


# --- status -------------------------------------------------------------------------------------------------------


def is_public(prefix: str = "") -> Q:
    """In the public directory: published. `prefix` reaches the business from a related row ("business",
    "members")."""
    return Q(**{_path(prefix, "status"): BusinessStatus.PUBLISHED})


def is_active(prefix: str = "") -> Q:
    """A real, operating IKM (or one about to be): submitted, verified or published."""
    return Q(**{_path(prefix, "status__in"): ACTIVE_STATUSES})


# --- incomplete data ("Perlu perhatian") --------------------------------------------------------------------------


def has_coordinates() -> Q:
    """A map position: latitude and longitude (the database keeps them as a pair within Indonesia, never 0/0)."""
    return Q(latitude__isnull=False, longitude__isnull=False)


def missing_coordinates() -> Q:
    """No map position (either coordinate missing; the database allows only both or neither)."""
    return Q(latitude__isnull=True) | Q(longitude__isnull=True)


def missing_nib() -> Q:
    """No Nomor Induk Berusaha (the column is never NULL: a missing NIB is the empty string)."""
    return Q(nib="")


def figures_year(today: datetime.date | None = None) -> int:
    """The data year every business should have figures for by now: last year."""
    return (today or timezone.localdate()).year - 1


def import_year(businesses, today: datetime.date | None = None) -> int:
    """The data year an import of yearly figures most likely brings for `businesses` (an office's, as scoped): the
    latest year for which some of its active businesses still lack figures — last year while its pendataan is not
    complete (the usual case: figures of a year are collected after it ends); the current year once every active
    business has last year's figures (the next collection has begun). A registry without active businesses gets
    last year's too. Never a year some businesses lack only because it has not ended yet while last year is still
    being collected."""
    last = figures_year(today)
    if lacking_figures(businesses, last).exists() or not businesses.filter(is_active()).exists():
        return last
    return last + 1


def lacking_figures(businesses, year: int):
    """The active ones of `businesses` without figures for `year`."""
    return businesses.filter(is_active()).exclude(
        Exists(BusinessYear.objects.filter(business=OuterRef("pk"), year=year))
    )


def missing_recent_figures(year: int | None = None) -> Q:
    """No figures for `year` (default: last year) or later."""
    year = figures_year() if year is None else year
    return ~Exists(BusinessYear.objects.filter(business=OuterRef("pk"), year__gte=year))


# --- the latest data year of a business ---------------------------------------------------------------------------


def is_latest_year() -> Q:
    """Over BusinessYear: the row is its business's latest data year (no later row of the same business)."""
    return ~Exists(BusinessYear.objects.filter(business=OuterRef("business"), year__gt=OuterRef("year")))


def latest_years():
    """Each business's latest data year as BusinessYear rows: one anti-join, not a subquery per business."""
    return BusinessYear.objects.filter(is_latest_year())


def latest_figure(field: str, *, business: str = "pk") -> Subquery:
    """Annotation: `field` of the latest data year of the business at `business` (an outer reference); None
    without figures. The (business, year) unique index serves it: one index probe per row shown."""
    latest = BusinessYear.objects.filter(business=OuterRef(business)).order_by("-year")
    return Subquery(latest.values(field)[:1])


def has_latest_scale(scale_bps: str) -> Q:
    """The BPS class of the business's latest data year is `scale_bps`."""
    return Q(Exists(latest_years().filter(business=OuterRef("pk"), scale_bps=scale_bps)))


def latest_data_year(businesses) -> int | None:
    """The latest year with figures among `businesses` (a Business queryset): the year an export shows."""
    rows = BusinessYear.objects.filter(business__in=businesses.order_by().values("pk"))
    return rows.aggregate(year=Max("year"))["year"]


# --- consent to publish the owner's contact -----------------------------------------------------------------------

CONTACT_CHANNELS = ("phone", "email")


def consented_contact(channel: str, today: datetime.date | None = None) -> Coalesce:
    """Annotation over Business: the owner's `channel` (phone or email) when its publication consent has started,
    else an empty string. A correlated subquery rather than a join, so queries that never read it (counts,
    facets) carry no join to the owner table."""
    if channel not in CONTACT_CHANNELS:
        raise ValueError(f"unknown contact channel {channel!r}")
    consented = Owner.objects.filter(business=OuterRef("pk"), **consent_lookup(channel, today)).exclude(**{channel: ""})
    return Coalesce(Subquery(consented.values(channel)[:1]), Value(""), output_field=CharField())


# --- classification -----------------------------------------------------------------------------------------------


def in_kbli(queryset, code: str):
    """`queryset` (of Business) limited to KBLI `code`: a section letter (its divisions) or a code prefix."""
    if code.isalpha():
        divisions = Kbli.objects.filter(parent_id=code.upper(), level=KbliLevel.DIVISION).values("code")
        return queryset.alias(kbli_division=Left("kbli_id", 2)).filter(kbli_division__in=divisions)
    return queryset.filter(kbli__code__startswith=code)
