"""The review workflow of a business (DESIGN §4), declared with the core engine (ikm_registry/workflow.py).

draft → submitted → verified → published; submitted → returned (with a note) → submitted again;
submitted → rejected (with a reason); published → inactive. The engine checks the actor's role and region, locks
the row, checks the source state, validates, writes the status and logs the step in ikm_registry.TransitionLog
(who, when, from, to, why); the history row the save writes names the actor too. The functions below are the
business-named entry points the admin and other callers use.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from businesses.choices import BusinessStatus
from businesses.models import Business, Owner
from ikm_registry.scoping import CHANGE, user_may
from ikm_registry.workflow import Transition, Workflow

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractBaseUser

S = BusinessStatus

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
            four_eyes=True,  # where the office asks for it: not by whoever entered or submitted the record
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
            holder=True,  # the owner, through their private link, after correcting it
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


def _owner_present(business: Business, transition: Transition, actor) -> None:
    """The extra check of the steps towards publication: the record has its owner."""
    if transition.validates and not Owner.objects.filter(business=business).exists():
        raise ValidationError(
            _("IKM ini belum punya data pemilik; lengkapi dulu sebelum “%(action)s”.") % {"action": transition.label},
            code="owner_missing",
        )


def _tell_owner(business, transition, actor, note):
    from businesses.services.owner_notices import business_step_notice

    business_step_notice(business, transition, actor, note)


BUSINESS_WORKFLOW = Workflow(
    Business,
    field="status",
    region="village_id",
    transitions=TRANSITIONS.values(),
    check=_owner_present,
    after=_tell_owner,
    since="status_changed_at",
).register()


def available_transitions(*, business: Business, user: AbstractBaseUser) -> list[Transition]:
    """The steps `user` may take on `business` in its current state (empty for officials and other regions)."""
    return BUSINESS_WORKFLOW.available(business, user)


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


def _apply(action: str, *, business: Business, actor: AbstractBaseUser, note: str = "") -> Business:
    """Run `action` on `business` through the engine; a refusal writes nothing."""
    return BUSINESS_WORKFLOW.perform(business, action, actor, note=note)


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
