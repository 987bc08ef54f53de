"""What "needs attention" means for events, defined once: the admin home's counts and the list filters they link to
both use these (so a count always equals its list)."""

from __future__ import annotations

from datetime import timedelta

from django.db.models import Q
from django.utils import timezone

from events.choices import EventStatus, RegistrationStatus

# An MoU is listed this many days before it lapses.
AGREEMENT_NOTICE_DAYS = 90


def report_due(events, today=None):
    """Events whose dates have passed but that are not completed or cancelled: their report is due."""
    today = today or timezone.localdate()
    return events.filter(end_date__lt=today, status__in=(EventStatus.PLANNED, EventStatus.OPEN, EventStatus.ONGOING))


def starting_soon(events, today=None, days: int = 14):
    """Events starting within `days` that are still only planned (registration not opened)."""
    today = today or timezone.localdate()
    return events.filter(
        status=EventStatus.PLANNED, start_date__gte=today, start_date__lte=today + timedelta(days=days)
    )


def agreements_lapsing(agreements, today=None):
    """MoUs that lapse within AGREEMENT_NOTICE_DAYS (and have not lapsed yet)."""
    today = today or timezone.localdate()
    return agreements.filter(valid_until__gte=today, valid_until__lte=today + timedelta(days=AGREEMENT_NOTICE_DAYS))


def offers_open(registrations):
    """Places offered from a waiting list and not answered yet."""
    return registrations.filter(Q(status=RegistrationStatus.OFFERED))
