"""Asesi and their certificates: enrol, schedule into a session, record the result, record the certificate the LSP
issued, enrol again after "belum kompeten". Every path (admin, import) goes through here and the workflow engine."""

from __future__ import annotations

from datetime import date

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from certification.choices import CertificateStatus, EnrollmentStatus
from certification.models import AssessmentSession, Certificate, Enrollment
from certification.product_rules import add_months
from certification.services.workflow import CERTIFICATE_WORKFLOW, ENROLLMENT_WORKFLOW
from ikm_registry.scoping import CHANGE, user_may


def _actor_user(actor):
    return actor if getattr(actor, "pk", None) is not None else None


def enrol(*, actor, **fields) -> Enrollment:
    """A new asesi, registered (waiting for a session). `fields` are Enrollment fields; the business must be one the
    actor may change (an LSP operator enrols people of any business only through an office's import)."""
    enrollment = Enrollment(**fields)
    if not user_may(actor, CHANGE, enrollment.business):
        raise PermissionDenied(_("Usaha ini di luar wilayah Anda."))
    enrollment.created_by = _actor_user(actor)
    enrollment.full_clean()
    with transaction.atomic():
        ENROLLMENT_WORKFLOW.create(enrollment, EnrollmentStatus.REGISTERED, actor=actor)
    return enrollment


def schedule(enrollment: Enrollment, session: AssessmentSession, *, actor) -> Enrollment:
    """Put a waiting asesi in `session`: refused when the session is full (counted under its row lock) or is for
    another scheme; nothing written on refusal."""
    with transaction.atomic():
        locked = Enrollment.objects.restrict(actor, CHANGE).select_for_update().filter(pk=enrollment.pk).first()
        if locked is None:
            raise PermissionDenied(_("Asesi ini di luar wilayah Anda."))
        if not AssessmentSession.objects.restrict(actor).filter(pk=session.pk).exists():
            raise PermissionDenied(_("Jadwal uji ini tidak dapat Anda pakai."))
        locked.session = session
        locked.save(update_fields=["session"])
        return ENROLLMENT_WORKFLOW.perform(locked, "schedule", actor)


def unschedule(enrollment: Enrollment, *, actor, note: str = "") -> Enrollment:
    with transaction.atomic():
        done = ENROLLMENT_WORKFLOW.perform(enrollment, "unschedule", actor, note=note)
        done.session = None
        done.save(update_fields=["session"])
        return done


def record_result(enrollment: Enrollment, competent: bool, *, actor, assessed_on: date | None = None,
                  note: str = "") -> Enrollment:  # fmt: skip
    """The LSP's decision for an assessed (or scheduled) asesi: K or BK."""
    with transaction.atomic():
        current = Enrollment.objects.get(pk=enrollment.pk)
        if assessed_on is not None and current.assessed_on != assessed_on:
            current.assessed_on = assessed_on
            current.save(update_fields=["assessed_on"])
        if current.status == EnrollmentStatus.SCHEDULED:
            current = ENROLLMENT_WORKFLOW.perform(current, "assess", actor)
        return ENROLLMENT_WORKFLOW.perform(current, "competent" if competent else "not_yet_competent", actor, note=note)


def issue_certificate(enrollment: Enrollment, *, actor, number: str, issued_on: date, registration_number: str = "",
                      valid_until: date | None = None, renews: Certificate | None = None) -> Certificate:  # fmt: skip
    """Record the certificate the LSP issued to a competent asesi; `renews` is the still-valid certificate an RCC
    replaces (marked renewed)."""
    certificate = Certificate(
        enrollment=enrollment,
        number=number,
        registration_number=registration_number,
        issued_on=issued_on,
        valid_until=valid_until,
        renews=renews,
    )
    with transaction.atomic():
        if not Enrollment.objects.restrict(actor, CHANGE).filter(pk=enrollment.pk).exists():
            raise PermissionDenied(_("Asesi ini di luar wilayah Anda."))
        certificate.full_clean()
        if renews is not None:
            if renews.effective_status() != CertificateStatus.ACTIVE:
                only_valid = _("Perpanjangan (RCC) hanya untuk sertifikat yang masih berlaku.")
                raise ValidationError({"renews": ValidationError(only_valid, code="not_active")})
            CERTIFICATE_WORKFLOW.perform(renews, "renew", actor)
        CERTIFICATE_WORKFLOW.create(certificate, CertificateStatus.ACTIVE, actor=actor)
    return certificate


def reenrol(enrollment: Enrollment, *, actor, session: AssessmentSession | None = None) -> Enrollment:
    """Enrol again a person found not yet competent: a new enrollment for the same scheme that names this one."""
    if enrollment.status != EnrollmentStatus.NOT_YET_COMPETENT:
        raise ValidationError(
            _("Daftar ulang hanya untuk asesi yang belum kompeten (status: %(s)s).")
            % {"s": enrollment.get_status_display()},
            code="not_bk",
        )
    if Enrollment.objects.filter(previous=enrollment).exists():
        raise ValidationError(_("Asesi ini sudah didaftarkan ulang."), code="already_reenrolled")
    again = enrol(
        actor=actor,
        business=enrollment.business,
        name=enrollment.name,
        role=enrollment.role,
        nik=enrollment.nik,
        phone=enrollment.phone,
        email=enrollment.email,
        scheme=enrollment.scheme,
        previous=enrollment,
    )
    if session is not None:
        again = schedule(again, session, actor=actor)
    return again


def surveillance_done(certificate: Certificate, *, actor, held_on: date) -> Certificate:
    """Record a surveillance of the holder: the next one falls `surveillance_months` after this one (none when that
    is past the certificate's validity)."""
    with transaction.atomic():
        locked = Certificate.objects.restrict(actor, CHANGE).select_for_update().filter(pk=certificate.pk).first()
        if locked is None:
            raise PermissionDenied(_("Sertifikat ini di luar wilayah Anda."))
        if locked.effective_status() != CertificateStatus.ACTIVE:
            raise ValidationError(_("Surveilan hanya untuk sertifikat yang berlaku."), code="not_active")
        months = locked.enrollment.scheme.surveillance_months
        following = add_months(held_on, months) if months else None
        locked.surveillance_due = following if following and following < locked.valid_until else None
        locked._history_user = _actor_user(actor)
        locked._change_reason = _("surveilan %(date)s") % {"date": held_on.strftime("%d-%m-%Y")}
        locked.save(update_fields=["surveillance_due"])
        return locked
