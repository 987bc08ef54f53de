"""What the public side reads of events: only public events, never a participant."""

from __future__ import annotations

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from events.choices import EventStatus
from events.models import Event
from ikm_registry.choices import RegionLevel
from ikm_registry.error_pages import NotFound
from ikm_registry.models import Region
from ikm_registry.scoping import region_q


def agenda_events(*, past: bool = False, kind: str = "", region: str = "", today=None):
    """Public events, upcoming (soonest first) or past (latest first), of one kind and in one region (the venue's:
    a province or regency code) when given."""
    today = today or timezone.localdate()
    events = Event.objects.public().select_related("venue_region__parent__parent", "office")
    if past:
        events = events.filter(end_date__lt=today).order_by("-start_date", "pk")
    else:
        events = events.filter(end_date__gte=today).order_by("start_date", "pk")
    if kind:
        events = events.filter(kind=kind)
    if region:
        events = events.filter(region_q("venue_region__code", region))
    return events


def agenda_regions() -> list[Region]:
    """The provinces and regencies where public events take place, for the agenda's filter."""
    codes = set(Event.objects.public().values_list("venue_region_id", flat=True).distinct())
    wanted = {".".join(code.split(".")[:n]) for code in codes for n in (1, 2)}
    regions = Region.objects.filter(code__in=wanted, level__in=(RegionLevel.PROVINCE, RegionLevel.REGENCY))
    return sorted(regions, key=lambda region: region.code)


def event_public(pk: int) -> Event:
    """A public event for its page; 404 for an internal one or a draft not yet announced."""
    event = Event.objects.public().select_related("venue_region__parent__parent", "office").filter(pk=pk).first()
    if event is None:
        raise NotFound(
            _("Kegiatan ini tidak ada di agenda: mungkin belum diumumkan, khusus undangan, atau alamatnya salah."),
            link_url=reverse("events:agenda"),
            link_label=_("Lihat agenda kegiatan"),
        )
    return event


def is_upcoming(event, today=None) -> bool:
    return event.end_date >= (today or timezone.localdate()) and event.status != EventStatus.CANCELLED
