"""What events add to the core's registries: the admin home's "Kegiatan" panel, the verifier of participation
certificates (/verifikasi/), the demo events of seed_demo, the events on a business's Riwayat page and in its Profil
IKM, and the events panel of the public Statistik page."""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy

from events import rules
from events.datasets import EVENTS_DATASET
from events.models import Agreement, Event, Outcome, Registration
from events.services.attendance import certificate_of
from ikm_registry.activities import ActivitySource, activity_sources
from ikm_registry.admin_history import TimelineSource, timeline_sources
from ikm_registry.admin_home import AdminPanel, PanelItem, admin_panels
from ikm_registry.demo import DemoSet, demo_sets
from ikm_registry.expiry import ExpiryItem, ExpirySource, expiry_sources
from ikm_registry.opendata import datasets as open_datasets
from ikm_registry.reports import Disclosure
from ikm_registry.reports.sections import ReportSection, report_sections
from ikm_registry.scoping import scope_for
from ikm_registry.statistics import StatisticsPanel, statistics_panels
from ikm_registry.verification import VerifiedCertificate, Verifier, verifiers


def participation_certificate(code: str) -> VerifiedCertificate | None:
    registration = certificate_of(code)
    if registration is None:
        return None
    event = registration.event
    return VerifiedCertificate(
        kind=str(gettext_lazy("Sertifikat peserta kegiatan")),
        number=f"{event.code}/{registration.certificate_number:04d}",
        holder=registration.name,
        subject=event.title,
        issued=event.end_date,
        issuer=event.office.name,
        valid=True,
    )


def attention_items(request) -> list[PanelItem]:
    """Counts of the user's region, each equal to the list its link opens (MoUs lapsing soon are on the core's
    "Segera berakhir" panel: EXPIRY_SOURCE)."""
    user = request.user
    events = Event.objects.restrict(user)
    changelist = reverse("admin:events_event_changelist")
    items = [
        PanelItem(_("kegiatan lewat tanggal, laporan belum selesai"), rules.report_due(events).count(),
                  f"{changelist}?perhatian=laporan"),
        PanelItem(_("kegiatan segera dimulai, pendaftaran belum dibuka"), rules.starting_soon(events).count(),
                  f"{changelist}?perhatian=segera"),
        PanelItem(_("tawaran tempat belum dijawab"), rules.offers_open(Registration.objects.restrict(user)).count(),
                  f"{reverse('admin:events_registration_changelist')}?status__exact=offered"),
    ]  # fmt: skip
    return [item for item in items if item.count]


PANEL = AdminPanel(
    name="events",
    title=gettext_lazy("Kegiatan"),
    items=attention_items,
    order=200,
    permission=lambda user: scope_for(user).reaches_regions,
)


def business_events(business, *, user=None) -> dict:
    """The events a business joined (its people's registrations), with attendance and what it gained: those of the
    events `user` may see (an event belongs to its office's region, wherever the business is)."""
    from django.db.models import Count

    from events.choices import RegistrationStatus
    from events.models import Outcome

    visible = Event.objects.restrict(user) if user is not None else Event.objects.all()
    registrations = Registration.objects.filter(
        business=business, status=RegistrationStatus.CONFIRMED, event__in=visible
    )
    events = (
        visible.filter(registrations__in=registrations)
        .distinct()
        .annotate(session_count=Count("sessions", distinct=True))
        .order_by("-start_date", "pk")
    )
    per_event = {
        row["event_id"]: row
        for row in registrations.values("event_id").annotate(
            people=Count("pk", distinct=True), attended=Count("attendances__session", distinct=True)
        )
    }
    outcomes = {outcome.event_id: outcome for outcome in Outcome.objects.filter(business=business, event__in=visible)}
    return {
        "rows": [
            {
                "event": event,
                "people": per_event.get(event.pk, {}).get("people", 0),
                "attended": per_event.get(event.pk, {}).get("attended", 0),
                "sessions": event.session_count,
                "outcome": outcomes.get(event.pk),
            }
            for event in events
        ],
    }


PROFIL_IKM_SECTION = ReportSection(
    report="profil-ikm",
    name="events",
    order=750,
    title=pgettext_lazy("Profil IKM section", "Kegiatan yang diikuti"),
    template_name="reports/profil_ikm/events.html",
    context=business_events,
    # Which events the business's people joined and its own sales at a pameran: individual data.
    disclosure=lambda context: Disclosure(
        personal_data=False, individual_data=any(row["outcome"] for row in context["rows"]), row_count=1
    ),
)


def _registration_label(instance) -> str:
    return f"{instance.event.title} ({instance.name})" if instance.event_id else instance.name


TIMELINE = (
    TimelineSource(
        name="events-registrations",
        model="businesses.Business",
        title=gettext_lazy("Pendaftaran kegiatan"),
        records=lambda business: Registration.history.filter(business_id=business.pk).select_related("event"),
        restrict=lambda records, user: records.filter(event_id__in=Event.objects.restrict(user).values("pk")),
        label=_registration_label,
    ),
    TimelineSource(
        name="events-outcomes",
        model="businesses.Business",
        title=gettext_lazy("Hasil usaha di kegiatan"),
        records=lambda business: Outcome.history.filter(business_id=business.pk),
        restrict=lambda records, user: records.filter(event_id__in=Event.objects.restrict(user).values("pk")),
        label=lambda instance: instance.event.title if instance.event_id else "",
        # outcomes are edited on their event's page
        url=lambda record: reverse("admin:events_event_change", args=[record.event_id]),
    ),
)


def events_per_year(area) -> list[dict]:
    """Public events that took place (not cancelled) per year in the area (the organising office's region), with
    their confirmed participants by sex and the distinct registered IKM they reached: counts only."""
    from django.db.models import Count, Q

    from businesses.choices import Sex
    from events.choices import EventStatus, RegistrationStatus
    from ikm_registry.scoping import region_q

    events = Event.objects.public().exclude(status__in=(EventStatus.CANCELLED, EventStatus.PLANNED))
    if area.code:
        events = events.filter(region_q("region_code", area.code))
    per_year = dict(events.values_list("start_date__year").annotate(n=Count("pk")))
    confirmed = Registration.objects.filter(event__in=events, status=RegistrationStatus.CONFIRMED)
    people = confirmed.values("event__start_date__year").annotate(
        male=Count("pk", filter=Q(sex=Sex.MALE)),
        female=Count("pk", filter=Q(sex=Sex.FEMALE)),
        businesses=Count("business", distinct=True),
    )
    by_year = {row["event__start_date__year"]: row for row in people}
    return [
        {
            "year": year,
            "events": count,
            "male": by_year.get(year, {}).get("male", 0),
            "female": by_year.get(year, {}).get("female", 0),
            "businesses": by_year.get(year, {}).get("businesses", 0),
        }
        for year, count in sorted(per_year.items(), reverse=True)
    ]


STATISTICS_PANEL = StatisticsPanel(
    name="events",
    order=300,
    title=gettext_lazy("Kegiatan pembinaan"),
    caption=gettext_lazy("Kegiatan per tahun, peserta menurut jenis kelamin, dan IKM yang terjangkau"),
    template_name="events/_stat_panel.html",
    data=events_per_year,
)


def _agreement_item(agreement) -> ExpiryItem:
    return ExpiryItem(
        label=_("Nota kesepahaman: %(title)s") % {"title": agreement.title},
        due=agreement.valid_until,
        url=reverse("admin:events_agreement_change", args=[agreement.pk]),
    )


EXPIRY_SOURCE = ExpirySource(
    name="events-agreements",
    order=400,
    title=gettext_lazy("nota kesepahaman berakhir dalam 90 hari"),
    queryset=lambda restrict, today: rules.agreements_lapsing(restrict(Agreement.objects.all()), today).order_by(
        "valid_until", "pk"
    ),
    item=_agreement_item,
    list_url=lambda: f"{reverse('admin:events_agreement_changelist')}?perhatian=berakhir",
)


ACTIVITY_YEARS = 3  # how far back an event may be named as the activity that helped a business


def _helping_events(user):
    from datetime import timedelta

    from django.utils import timezone

    since = timezone.localdate() - timedelta(days=365 * ACTIVITY_YEARS)
    return Event.objects.restrict(user).filter(start_date__gte=since).order_by("-start_date", "pk")[:500]


ACTIVITY_SOURCE = ActivitySource(
    name="events",
    model="events.Event",
    label=lambda event: f"{event.code} — {event.title} ({event.start_date:%d-%m-%Y})",
    choices=_helping_events,
)


def register_all() -> None:
    from events import demo

    admin_panels.register(PANEL, replace=True)
    report_sections.register(PROFIL_IKM_SECTION, replace=True)
    statistics_panels.register(STATISTICS_PANEL, replace=True)
    for source in TIMELINE:
        timeline_sources.register(source, replace=True)
    verifiers.register(Verifier(name="events-participation", lookup=participation_certificate), replace=True)
    demo_sets.register(DemoSet(name="events", load=demo.load), replace=True)
    expiry_sources.register(EXPIRY_SOURCE, replace=True)
    activity_sources.register(ACTIVITY_SOURCE, replace=True)
    open_datasets.register(EVENTS_DATASET, replace=True)  # /data/kegiatan-peserta/ (events/datasets.py)
