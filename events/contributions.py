"""What events add to the core's registries: the verifier of participation certificates (/verifikasi/) and the
demo events of seed_demo."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from events.services.attendance import certificate_of
from ikm_registry.demo import DemoSet, demo_sets
from ikm_registry.verification import VerifiedCertificate, Verifier, verifiers


def participation_certificate(code: str) -> VerifiedCertificate | None:
    registration = certificate_of(code)
    if registration is None:
        return None
    event = registration.event
    return VerifiedCertificate(
        kind=str(_("Sertifikat peserta kegiatan")),
        number=f"{event.code}/{registration.certificate_number:04d}",
        holder=registration.name,
        subject=event.title,
        issued=event.end_date,
        issuer=event.office.name,
        valid=True,
    )


def register_all() -> None:
    from events import demo

    verifiers.register(Verifier(name="events-participation", lookup=participation_certificate), replace=True)
    demo_sets.register(DemoSet(name="events", load=demo.load), replace=True)
