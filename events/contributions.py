"""What events add to the core's registries: the admin home's "Kegiatan" panel, the verifier of participation
certificates (/verifikasi/), the demo events of seed_demo, the events on a business's Riwayat page and in its Profil
IKM, and the events panel of the public Statistik page."""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from events import rules
from events.models import Agreement, Event, Registration
from events.services.attendance import certificate_of
from ikm_registry.admin_home import AdminPanel, PanelItem, admin_panels
from ikm_registry.demo import DemoSet, demo_sets
from ikm_registry.scoping import VIEW, scope_for
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
    """Counts of the user's region, each equal to the list its link opens."""
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
        PanelItem(_("nota kesepahaman berakhir dalam 90 hari"),
                  rules.agreements_lapsing(Agreement.objects.restrict(user)).count(),
                  f"{reverse('admin:events_agreement_changelist')}?perhatian=berakhir"),
    ]  # fmt: skip
    return [item for item in items if item.count]


PANEL = AdminPanel(
    name="events",
    title=gettext_lazy("Kegiatan"),
    items=attention_items,
    order=200,
    permission=lambda user: scope_for(user).allows(VIEW),
)


def register_all() -> None:
    from events import demo

    admin_panels.register(PANEL, replace=True)
    verifiers.register(Verifier(name="events-participation", lookup=participation_certificate), replace=True)
    demo_sets.register(DemoSet(name="events", load=demo.load), replace=True)
