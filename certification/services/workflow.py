"""The workflows of certification (DESIGN §4), declared on the core engine (ikm_registry/workflow.py).

Enrollment (an asesi): registered → scheduled (in a session, within its capacity) → assessed → competent (a
certificate is recorded) | not yet competent (may enrol again: services.enrollment.reenrol); withdrawn before the
assessment. Certificate: active → revoked (by the LSP), expired (its date passed: the daily job), renewed (a new
certificate names it while it is still valid — RCC needs a valid certificate: services.enrollment.issue_certificate).
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from certification.choices import CertificateStatus, EnrollmentStatus
from certification.models import AssessmentSession, Certificate, Enrollment
from ikm_registry.scoping import SystemActor
from ikm_registry.workflow import Transition, Workflow

S = EnrollmentStatus
C = CertificateStatus

# The daily job marking certificates whose date has passed.
EXPIRY_JOB = SystemActor("notify_expiring", label="sistem: masa berlaku")


def _enrollment_region(enrollment: Enrollment) -> str:
    return enrollment.business.village_id if enrollment.business_id else ""


def session_places_left(session: AssessmentSession, *, lock: bool = False) -> int:
    """Places left in `session` (under the session's row lock when `lock`: two schedulers cannot both take the
    last place)."""
    if lock:
        session = AssessmentSession.objects.select_for_update().get(pk=session.pk)
    taken = session.enrollments.filter(status__in=(S.SCHEDULED, S.ASSESSED, S.COMPETENT, S.NOT_YET_COMPETENT)).count()
    return session.capacity - taken


def _enrollment_check(enrollment: Enrollment, transition: Transition, actor) -> None:
    if transition.action == "schedule":
        if enrollment.session_id is None:
            # each code on the field's own error: ValidationError(dict, code=...) would drop it
            choose = _("Pilih jadwal uji sebelum menjadwalkan asesi.")
            raise ValidationError({"session": ValidationError(choose, code="no_session")})
        session = enrollment.session
        if session.scheme_id != enrollment.scheme_id:
            other = _("Jadwal uji ini untuk skema lain.")
            raise ValidationError({"session": ValidationError(other, code="other_scheme")})
        if session_places_left(session, lock=True) <= 0:
            full = _("Jadwal uji ini sudah penuh (%(n)s asesi).") % {"n": session.capacity}
            raise ValidationError({"session": ValidationError(full, code="session_full")})
    if transition.action == "assess":
        today = timezone.localdate()
        session = enrollment.session if enrollment.session_id else None
        if session is not None and session.start_date > today:
            raise ValidationError(
                _("Jadwal uji ini baru mulai %(date)s; asesi belum dapat dinyatakan sudah diuji.")
                % {"date": session.start_date.strftime("%d-%m-%Y")},
                code="not_yet_held",
            )
        if enrollment.assessed_on is None:
            enrollment.assessed_on = min(session.end_date, today) if session is not None else today
            enrollment.save(update_fields=["assessed_on"])


ENROLLMENT_WORKFLOW = Workflow(
    Enrollment,
    field="status",
    region=_enrollment_region,
    check=_enrollment_check,
    transitions=[
        Transition(
            "schedule", S.REGISTERED, S.SCHEDULED, gettext_lazy("Jadwalkan"),
            gettext_lazy("Masukkan asesi ke jadwal uji yang dipilih (selama kapasitas masih ada)."),
        ),
        Transition(
            "unschedule", S.SCHEDULED, S.REGISTERED, gettext_lazy("Keluarkan dari jadwal"),
            gettext_lazy("Kembalikan ke daftar tunggu; tempatnya bebas untuk asesi lain."),
        ),
        Transition(
            "assess", S.SCHEDULED, S.ASSESSED, gettext_lazy("Sudah diuji"),
            gettext_lazy("Asesi sudah mengikuti uji; menunggu keputusan LSP."),
        ),
        Transition(
            "competent", S.ASSESSED, S.COMPETENT, gettext_lazy("Kompeten (K)"),
            gettext_lazy("Keputusan LSP: kompeten. Catat sertifikatnya setelah terbit."),
        ),
        Transition(
            "not_yet_competent", S.ASSESSED, S.NOT_YET_COMPETENT, gettext_lazy("Belum kompeten (BK)"),
            gettext_lazy("Keputusan LSP: belum kompeten. Asesi dapat mendaftar ulang."),
        ),
        Transition(
            "withdraw", S.REGISTERED, S.WITHDRAWN, gettext_lazy("Mengundurkan diri"),
            gettext_lazy("Hapus dari daftar tunggu; tulis alasannya."), note_required=True,
        ),
        Transition(
            "withdraw_scheduled", S.SCHEDULED, S.WITHDRAWN, gettext_lazy("Mengundurkan diri"),
            gettext_lazy("Lepaskan tempat di jadwal uji; tulis alasannya."), note_required=True,
        ),
    ],
).register()  # fmt: skip


def _certificate_check(certificate: Certificate, transition: Transition, actor) -> None:
    if transition.action == "expire" and certificate.valid_until >= timezone.localdate():
        raise ValidationError(_("Sertifikat ini masih berlaku sampai %(d)s.") % {"d": certificate.valid_until})


CERTIFICATE_WORKFLOW = Workflow(
    Certificate,
    field="status",
    region=lambda certificate: _enrollment_region(certificate.enrollment),
    check=_certificate_check,
    transitions=[
        Transition(
            "revoke", C.ACTIVE, C.REVOKED, gettext_lazy("Cabut"),
            gettext_lazy("LSP mencabut sertifikat ini (mis. hasil surveilan); tulis alasannya."), note_required=True,
        ),
        Transition(
            "expire", C.ACTIVE, C.EXPIRED, gettext_lazy("Kedaluwarsa"),
            gettext_lazy("Masa berlaku sudah lewat."),
        ),
        Transition(
            "renew", C.ACTIVE, C.RENEWED, gettext_lazy("Diperpanjang"),
            gettext_lazy("Diganti sertifikat perpanjangan (RCC)."),
        ),
    ],
).register()  # fmt: skip
