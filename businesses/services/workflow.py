"""The review workflow of a business (DESIGN §4): the only code that changes `Business.status`.

draft → submitted → verified → published; submitted → returned (with a note) → submitted again;
submitted → rejected (with a reason); published → inactive. Each step checks the actor's role and
region, locks the row, checks the source state, validates, writes the status and records a
BusinessTransition (who, when, from, to, why). The history row the save writes names the actor too.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from businesses.choices import BusinessStatus
from businesses.models import Business, BusinessTransition, Owner
from ikm_registry.scoping import CHANGE, user_may

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractBaseUser
    from django.utils.functional import Promise

S = BusinessStatus


@dataclass(frozen=True)
class Transition:
    """One allowed step: what the admin offers as a button and what the service checks."""

    action: str
    source: str
    target: str
    label: Promise  # the button, e.g. "Kembalikan"
    confirm: Promise  # what pressing it does, shown next to the button
    note_required: bool = False
    # Steps towards publication check the record; sending it back, rejecting or closing it must work on bad data too.
    validates: bool = False


TRANSITIONS: dict[str, Transition] = {
    t.action: t
    for t in (
        Transition(
            "submit",
            S.DRAFT,
            S.SUBMITTED,
            gettext_lazy("Ajukan"),
            gettext_lazy("Ajukan IKM ini untuk diverifikasi."),
            validates=True,
        ),
        Transition(
            "verify",
            S.SUBMITTED,
            S.VERIFIED,
            gettext_lazy("Verifikasi"),
            gettext_lazy("Nyatakan data IKM ini sudah diperiksa dan benar."),
            validates=True,
        ),
        Transition(
            "publish",
            S.VERIFIED,
            S.PUBLISHED,
            gettext_lazy("Terbitkan"),
            gettext_lazy("Tampilkan IKM ini di direktori publik."),
            validates=True,
        ),
        Transition(
            "return",
            S.SUBMITTED,
            S.RETURNED,
            gettext_lazy("Kembalikan"),
            gettext_lazy("Kembalikan untuk diperbaiki; tulis apa yang harus diperbaiki."),
            note_required=True,
        ),
        Transition(
            "resubmit",
            S.RETURNED,
            S.SUBMITTED,
            gettext_lazy("Ajukan ulang"),
            gettext_lazy("Ajukan kembali setelah diperbaiki."),
            validates=True,
        ),
        Transition(
            "reject",
            S.SUBMITTED,
            S.REJECTED,
            gettext_lazy("Tolak"),
            gettext_lazy("Tolak pengajuan ini (bukan IKM, atau duplikat); tulis alasannya."),
            note_required=True,
        ),
        Transition(
            "deactivate",
            S.PUBLISHED,
            S.INACTIVE,
            gettext_lazy("Nonaktifkan"),
            gettext_lazy(
                "Usaha tutup atau pindah: hilang dari direktori publik, tetap dihitung dalam statistik tahun-tahun "
                "sebelumnya. Sebaiknya tulis alasannya."
            ),
        ),
    )
}


def available_transitions(*, business: Business, user: AbstractBaseUser) -> list[Transition]:
    """The steps `user` may take on `business` in its current state (empty for officials and other regions)."""
    possible = [t for t in TRANSITIONS.values() if t.source == business.status]
    if not possible or not user_may(user, CHANGE, business):
        return []
    return possible


# A business that was checked by staff (and perhaps shown to the public) is closed with "Nonaktifkan", never deleted:
# it stays in the statistics of its years and in its history. Only a superuser deletes one (a test record, a
# duplicate verified by mistake).
UNDELETABLE_STATUSES = (S.VERIFIED, S.PUBLISHED, S.INACTIVE)


def _deletes_any_status(user: AbstractBaseUser) -> bool:
    return bool(user.is_active and user.is_superuser)


def business_deletable(*, business: Business, user: AbstractBaseUser) -> bool:
    """Whether `user` may delete `business`: region and role as for any change, and its status allows it."""
    if not user_may(user, CHANGE, business):
        return False
    return _deletes_any_status(user) or business.status not in UNDELETABLE_STATUSES


def businesses_kept_from_deletion(*, businesses, user: AbstractBaseUser):
    """The same rule for a selection: those of `businesses` `user` may not delete for their status."""
    return businesses.none() if _deletes_any_status(user) else businesses.filter(status__in=UNDELETABLE_STATUSES)


def status_label(status: str) -> str:
    return str(BusinessStatus(status).label)


def _change_reason(source: str, target: str) -> str:
    # Stored with the record, so in the source language whatever the actor's language is.
    with translation.override(settings.LANGUAGE_CODE):
        return f"status: {status_label(source).lower()} → {status_label(target).lower()}"


def _validate(business: Business, transition: Transition) -> None:
    business.full_clean()
    if not Owner.objects.filter(business=business).exists():
        raise ValidationError(
            _("IKM ini belum punya data pemilik; lengkapi dulu sebelum “%(action)s”.") % {"action": transition.label},
            code="owner_missing",
        )


def _apply(action: str, *, business: Business, actor: AbstractBaseUser, note: str = "") -> Business:
    """Run `action` on `business`; the caller holds the transaction, so a refusal writes nothing."""
    transition = TRANSITIONS[action]
    note = note.strip()
    if not user_may(actor, CHANGE, business):
        raise PermissionDenied(_("Anda tidak berwenang mengubah status IKM ini."))
    if transition.note_required and not note:
        raise ValidationError(
            _("Catatan wajib diisi untuk “%(action)s”: tulis alasannya.") % {"action": transition.label},
            code="note_required",
        )
    locked = Business.objects.select_for_update().get(pk=business.pk)
    if locked.status != transition.source:
        raise ValidationError(
            _("“%(action)s” hanya untuk IKM berstatus %(required)s; status IKM ini %(current)s.")
            % {
                "action": transition.label,
                "required": status_label(transition.source),
                "current": status_label(locked.status),
            },
            code="wrong_status",
        )
    if transition.validates:
        _validate(locked, transition)
    locked.status = transition.target
    locked._history_user = actor
    locked._change_reason = _change_reason(transition.source, transition.target)
    locked.save(update_fields=["status", "updated_at"])
    BusinessTransition.objects.create(
        business=locked, from_status=transition.source, to_status=transition.target, actor=actor, note=note
    )
    return locked


@transaction.atomic
def business_submit(*, business: Business, actor: AbstractBaseUser, note: str = "") -> Business:
    """Send a draft for verification (draft → submitted)."""
    return _apply("submit", business=business, actor=actor, note=note)


@transaction.atomic
def business_verify(*, business: Business, actor: AbstractBaseUser, note: str = "") -> Business:
    """Confirm a submitted record was checked (submitted → verified)."""
    return _apply("verify", business=business, actor=actor, note=note)


@transaction.atomic
def business_publish(*, business: Business, actor: AbstractBaseUser, note: str = "") -> Business:
    """Show a verified business in the public directory (verified → published)."""
    return _apply("publish", business=business, actor=actor, note=note)


@transaction.atomic
def business_return(*, business: Business, actor: AbstractBaseUser, note: str = "") -> Business:
    """Send a submitted record back for correction; the note says what to correct (submitted → returned)."""
    return _apply("return", business=business, actor=actor, note=note)


@transaction.atomic
def business_resubmit(*, business: Business, actor: AbstractBaseUser, note: str = "") -> Business:
    """Submit a corrected record again (returned → submitted)."""
    return _apply("resubmit", business=business, actor=actor, note=note)


@transaction.atomic
def business_reject(*, business: Business, actor: AbstractBaseUser, note: str = "") -> Business:
    """Refuse a submitted record — not an IKM, or a duplicate; the note is the reason (submitted → rejected)."""
    return _apply("reject", business=business, actor=actor, note=note)


@transaction.atomic
def business_deactivate(*, business: Business, actor: AbstractBaseUser, note: str = "") -> Business:
    """Mark a published business closed or moved; it stays in the statistics of its years (published → inactive)."""
    return _apply("deactivate", business=business, actor=actor, note=note)


# action → service function, for callers that dispatch on the action name (the admin's buttons and bulk actions).
SERVICES = {
    "submit": business_submit,
    "verify": business_verify,
    "publish": business_publish,
    "return": business_return,
    "resubmit": business_resubmit,
    "reject": business_reject,
    "deactivate": business_deactivate,
}
