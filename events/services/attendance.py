"""Attendance per session (daftar hadir) and the participation certificates it earns.

A participant is present at a session when they were checked in at the door (their code scanned or typed, or their
name found), marked from a paper sheet, or imported; a second check-in of the same person for the same session
changes nothing and says when the first one was. The certificate rule is a share of the event's sessions
(`certificate_min_percent`, 80 % by default); certificates are numbered per event when they are issued, and each has
a public verification code (/verifikasi/?kode=…).
"""

from __future__ import annotations

import math
import secrets
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Count, Max, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from events.choices import CheckInMethod, EventStatus, RegistrationStatus
from events.models import CODE_ALPHABET, Attendance, Event, Registration, Session
from ikm_registry.scoping import CHANGE, user_may

R = RegistrationStatus
VERIFICATION_CODE_LENGTH = 10


@dataclass
class CheckIn:
    registration: Registration
    attendance: Attendance
    created: bool  # False: already checked in for this session (a second scan)


def _require_change(actor, event) -> None:
    if not user_may(actor, CHANGE, event):
        raise PermissionDenied(_("Kegiatan ini di luar wilayah Anda atau Anda tidak boleh mengubahnya."))


def find_by_code(event, code: str) -> Registration | None:
    """The registration of `event` with this participant code (as typed: spaces, dashes and case aside)."""
    cleaned = "".join(ch for ch in code.upper() if ch.isalnum())
    if not cleaned:
        return None
    return Registration.objects.filter(event=event, code=cleaned).first()


def check_in(*, session: Session, registration: Registration, actor, method: str = CheckInMethod.SEARCH) -> CheckIn:
    """Record `registration` present at `session`. Only a confirmed participant of the session's event is checked
    in; a second check-in returns the first (created=False)."""
    event = session.event
    _require_change(actor, event)
    if registration.event_id != event.pk:
        raise ValidationError(_("Kode ini milik peserta kegiatan lain."), code="other_event")
    if registration.status != R.CONFIRMED:
        raise ValidationError(
            _("%(name)s berstatus %(status)s, bukan peserta terdaftar.")
            % {"name": registration.name, "status": registration.get_status_display().lower()},
            code="not_confirmed",
        )
    if event.status in (EventStatus.CANCELLED, EventStatus.PLANNED):
        raise ValidationError(_("Kegiatan ini belum dimulai atau dibatalkan."), code="event_closed")
    user = actor if getattr(actor, "pk", None) is not None else None
    existing = Attendance.objects.filter(registration=registration, session=session).first()
    if existing is not None:
        return CheckIn(registration, existing, created=False)
    if session.capacity is not None and Attendance.objects.filter(session=session).count() >= session.capacity:
        raise ValidationError(
            _("Sesi ini penuh (kapasitas %(capacity)s orang).") % {"capacity": session.capacity}, code="session_full"
        )
    try:
        with transaction.atomic():
            attendance = Attendance.objects.create(
                registration=registration, session=session, method=method, checked_in_by=user
            )
    except IntegrityError:  # the same person scanned at two doors at once
        return CheckIn(registration, Attendance.objects.get(registration=registration, session=session), False)
    return CheckIn(registration, attendance, created=True)


def check_out(*, session: Session, registration: Registration, actor) -> bool:
    """Undo a check-in (a wrong tick on the paper sheet); True when there was one."""
    _require_change(actor, session.event)
    deleted, _rows = Attendance.objects.filter(registration=registration, session=session).delete()
    return bool(deleted)


def sessions_needed(event) -> int:
    """How many sessions a participant attends to earn the certificate (at least one)."""
    total = event.sessions.count()
    return max(1, math.ceil(total * event.certificate_min_percent / 100)) if total else 0


def attendance_counts(event) -> dict[int, int]:
    """registration id → sessions attended, for the confirmed participants of `event`."""
    rows = (
        Registration.objects.filter(event=event, status=R.CONFIRMED)
        .annotate(attended=Count("attendances"))
        .values_list("pk", "attended")
    )
    return dict(rows)


def eligible(event):
    """The confirmed participants who attended enough sessions for the certificate."""
    needed = sessions_needed(event)
    if not needed:
        return Registration.objects.none()
    return (
        Registration.objects.filter(event=event, status=R.CONFIRMED)
        .annotate(attended=Count("attendances", filter=Q(attendances__session__event=event)))
        .filter(attended__gte=needed)
        .order_by("name", "pk")
    )


def _verification_code() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(VERIFICATION_CODE_LENGTH))


def certificates_issue(event, *, actor) -> int:
    """Number the certificates of every eligible participant who has none yet (in name order, after the numbers
    already given); returns how many were issued. Only for an event that is under way or completed."""
    _require_change(actor, event)
    if event.status not in (EventStatus.ONGOING, EventStatus.COMPLETED):
        raise ValidationError(_("Sertifikat diterbitkan setelah kegiatan berlangsung."), code="too_early")
    with transaction.atomic():
        locked = Event.objects.select_for_update().get(pk=event.pk)
        last = Registration.objects.filter(event=locked).aggregate(last=Max("certificate_number"))["last"] or 0
        issued = 0
        for registration in eligible(locked).filter(certificate_number__isnull=True):
            last += 1
            Registration.objects.filter(pk=registration.pk).update(
                certificate_number=last, certificate_code=_verification_code()
            )
            issued += 1
    return issued


def certificate_of(code: str) -> Registration | None:
    """The participation certificate with this verification code (for /verifikasi/), if any."""
    cleaned = "".join(ch for ch in (code or "").upper() if ch.isalnum())
    if len(cleaned) != VERIFICATION_CODE_LENGTH:
        return None
    return (
        Registration.objects.select_related("event__office")
        .filter(certificate_code=cleaned, certificate_number__isnull=False)
        .first()
    )


def today_session(event, today=None) -> Session | None:
    """The session of today, else the next one, else the last: what the check-in page opens on."""
    today = today or timezone.localdate()
    sessions = list(event.sessions.all())
    for session in sessions:
        if session.date >= today:
            return session
    return sessions[-1] if sessions else None
