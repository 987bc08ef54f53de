"""Public statistics releases: the sums of confidential yearly figures that the public may see, and when.

Disclosure control, in three named rules:

1. **Frozen release per data year** (a statistical release calendar). The sums of a data year are computed once, on
   the first request on or after its release date (STATISTICS_RELEASE_MONTHS after the year ends, when the yearly
   data collection is settled), stored as a StatisticsRelease and never recomputed. Publishing, closing or
   correcting a business afterwards does not move any public sum, so comparing the page before and after a change
   isolates nothing; before the release date no sum of that year is shown at all.
2. **Threshold rule**: a year is released only once at least STATISTICS_MIN_BUSINESSES businesses have figures for
   it (until then it waits, showing no sums); a sum with fewer contributors than that is withheld.
3. **p% dominance rule**: a sum is withheld when the contributors other than the two largest add up to less than
   p % of the largest (STATISTICS_DOMINANCE_P), i.e. when the second-largest business could estimate the largest
   one's figure to within p % by subtracting its own.

Sums are released for the whole registry only (never per region or group: Bali minus Badung would be Denpasar).
Counted are businesses that are or were public: published ones and inactive ones (closed or moved, which were
published before), each in the years it has figures for. An inactive business leaves the directory, not the years
it was active in.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Count, Sum
from django.utils import timezone

from businesses.choices import BusinessStatus
from businesses.models import BusinessYear, StatisticsRelease

# Businesses whose figures the public statistics count: in the directory now, or in it until they closed.
COUNTED_STATUSES = (BusinessStatus.PUBLISHED, BusinessStatus.INACTIVE)


def release_date(year: int) -> datetime.date:
    """The day the sums of data year `year` are released: STATISTICS_RELEASE_MONTHS after the year ends."""
    months = settings.STATISTICS_RELEASE_MONTHS
    return datetime.date(year + 1 + months // 12, months % 12 + 1, 1)


def counted_figures(year: int | None = None):
    """The yearly figures the public statistics count (of published and inactive businesses)."""
    rows = BusinessYear.objects.filter(business__status__in=COUNTED_STATUSES)
    return rows if year is None else rows.filter(year=year)


def dominated(values: list[int], total: int, p: int) -> bool:
    """The p% rule: True when the contributions beyond the two largest (`values`, largest first) are less than p % of
    the largest, so that the second-largest contributor could estimate the largest to within p %."""
    largest = values[0] if values else 0
    second = values[1] if len(values) > 1 else 0
    return (total - largest - second) * 100 < p * largest


def sum_releasable(*, contributors: int, total: int, top: list[int], minimum: int, p: int) -> bool:
    """The threshold and p% rules for one sum of `contributors` businesses' figures adding up to `total` (`top`: the
    two largest, largest first): at least `minimum` contributors and not dominated by the largest."""
    return contributors >= minimum and not dominated(top, total, p)


def sum_discloses(values: Iterable[int | None], *, minimum: int | None = None, p: int | None = None) -> bool:
    """Whether printing the sum of `values` (one business's figure each; None: not reported, so not a contributor)
    gives a business's own figure away: some but fewer than `minimum` (STATISTICS_MIN_BUSINESSES) businesses reported
    it, or it fails the p% rule (STATISTICS_DOMINANCE_P). A sum nobody reported gives nothing away."""
    minimum = settings.STATISTICS_MIN_BUSINESSES if minimum is None else minimum
    p = settings.STATISTICS_DOMINANCE_P if p is None else p
    reported = sorted((value for value in values if value is not None), reverse=True)
    if not reported:
        return False
    return not sum_releasable(contributors=len(reported), total=sum(reported), top=reported[:2], minimum=minimum, p=p)


def _safe_sum(rows, field: str, *, minimum: int, p: int) -> int | None:
    """The sum of `field` over `rows`, or None when it fails the threshold or the p% rule."""
    reported = rows.filter(**{f"{field}__isnull": False})
    totals = reported.aggregate(n=Count("pk"), total=Sum(field))
    if totals["n"] < minimum:
        return None  # no need to read the largest
    total = totals["total"] or 0
    top = list(reported.order_by(f"-{field}").values_list(field, flat=True)[:2])
    return total if sum_releasable(contributors=totals["n"], total=total, top=top, minimum=minimum, p=p) else None


def statistics_release_make(*, year: int, now: datetime.datetime | None = None) -> StatisticsRelease | None:
    """Release data year `year` if it is due and has enough businesses; returns the release (new or earlier), or None
    when the year is not released yet. A release, once made, is returned unchanged."""
    now = now or timezone.now()
    existing = StatisticsRelease.objects.filter(year=year).first()
    if existing is not None:
        return existing
    if timezone.localdate(now) < release_date(year):
        return None
    minimum, p = settings.STATISTICS_MIN_BUSINESSES, settings.STATISTICS_DOMINANCE_P
    rows = counted_figures(year)
    businesses = rows.count()
    if businesses < minimum:
        return None  # waits for more businesses; nothing of the year has been shown yet
    release = StatisticsRelease(
        year=year,
        released_at=now,
        businesses=businesses,
        workforce=_safe_sum(rows, "workforce_total", minimum=minimum, p=p),
        investment=_safe_sum(rows, "investment", minimum=minimum, p=p),
        min_businesses=minimum,
        dominance_p=p,
    )
    try:
        with transaction.atomic():
            release.save()
    except IntegrityError:  # another request released the year a moment earlier: theirs stands
        return StatisticsRelease.objects.get(year=year)
    return release


def statistics_releases(
    *, years: Iterable[int] | None = None, now: datetime.datetime | None = None
) -> dict[int, StatisticsRelease]:
    """Every release by year, after making those that have fallen due since the last call. `years`: the data years
    with counted figures, when the caller has them already (else they are read)."""
    now = now or timezone.now()
    releases = {release.year: release for release in StatisticsRelease.objects.all()}
    today = timezone.localdate(now)
    if years is None:
        # order_by(): the model's ordering (business, -year) would make DISTINCT keep one row per business and year
        years = counted_figures().order_by().values_list("year", flat=True).distinct()
    due = [year for year in sorted(years) if year not in releases and release_date(year) <= today]
    for year in due:
        release = statistics_release_make(year=year, now=now)
        if release is not None:
            releases[year] = release
    return dict(sorted(releases.items()))
