"""E-mails to participants who gave an address: the confirmation (or waiting-list place) with their personal link,
and an offered place with its deadline. Sent after the transaction commits; a mail server that refuses is logged,
never a reason to lose the registration (the personal link is also shown on the page)."""

from __future__ import annotations

import logging

from django.conf import settings
from django.core.mail import send_mail
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from ikm_registry.public_url import public_url

logger = logging.getLogger(__name__)


def personal_url(registration) -> str:
    """The participant's personal link (absolute: for e-mails and printed confirmations)."""
    return public_url(reverse("events:registration", args=[registration.secret]))


def _send(registration, subject: str, body: str) -> bool:
    if not registration.email:
        return False
    try:
        send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [registration.email])
    except Exception:  # noqa: BLE001 (any mail error: logged; the registration stands)
        logger.exception("Mail to registration %s failed", registration.pk)
        return False
    return True


def notify_registered(registration) -> bool:
    from events.choices import RegistrationStatus

    event = registration.event
    if registration.status == RegistrationStatus.WAITLISTED:
        state = _("Anda masuk daftar tunggu. Bila ada tempat kosong, kami menawarkannya lewat e-mail ini.")
    else:
        state = _("Pendaftaran Anda diterima. Kode peserta Anda: %(code)s (tunjukkan saat daftar hadir).") % {
            "code": registration.code
        }
    body = "\n\n".join(
        [
            _("Yth. %(name)s,") % {"name": registration.name},
            _("Terima kasih telah mendaftar untuk %(event)s (%(date)s).")
            % {"event": event.title, "date": event.start_date.strftime("%d-%m-%Y")},
            state,
            _("Lihat status, batalkan, atau unduh sertifikat lewat tautan pribadi ini (jangan dibagikan):\n%(url)s")
            % {"url": personal_url(registration)},
            event.office.name,
        ]
    )
    return _send(registration, _("Pendaftaran: %(event)s") % {"event": event.title}, body)


def notify_offered(registration) -> bool:
    event = registration.event
    until = timezone.localtime(registration.offer_expires_at).strftime("%d-%m-%Y %H:%M")
    body = "\n\n".join(
        [
            _("Yth. %(name)s,") % {"name": registration.name},
            _("Ada tempat kosong untuk %(event)s (%(date)s). Tempat ini ditahan untuk Anda sampai %(until)s.")
            % {"event": event.title, "date": event.start_date.strftime("%d-%m-%Y"), "until": until},
            _("Terima atau tolak tawaran lewat tautan pribadi Anda:\n%(url)s") % {"url": personal_url(registration)},
            _("Bila tidak diambil sampai batas waktu, tempat ini ditawarkan ke orang berikutnya di daftar tunggu."),
            event.office.name,
        ]
    )
    return _send(registration, _("Tempat tersedia: %(event)s") % {"event": event.title}, body)


def mail_participants(registrations, *, subject: str, body: str) -> int:
    """Staff's message to each participant with an e-mail address, one e-mail each (no one sees the others'
    addresses), signed with their personal link; returns how many were sent."""
    sent = 0
    for registration in registrations.exclude(email=""):
        text = "\n\n".join(
            [
                _("Yth. %(name)s,") % {"name": registration.name},
                body,
                _("Pendaftaran Anda untuk %(event)s: %(url)s")
                % {"event": registration.event.title, "url": personal_url(registration)},
                registration.event.office.name,
            ]
        )
        sent += _send(registration, subject, text)
    return sent
