"""Telling an owner by e-mail when staff decide on their registration or their proposed changes, with their private
link (businesses.services.owner_link). Sent after the step's transaction commits; a mail server that refuses is
logged and the step stands (the owner sees the decision on their page anyway)."""

from __future__ import annotations

import logging

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from businesses.choices import BusinessStatus, ProposalStatus
from businesses.models import Owner
from ikm_registry.public_url import public_url
from ikm_registry.scoping import LinkHolder

logger = logging.getLogger(__name__)


def business_step_notice(business, transition, actor, note: str) -> None:
    """The business workflow's `after` hook."""
    _notice(business.pk, BusinessStatus, gettext_lazy("pendaftaran"), transition, actor, note)


def proposal_step_notice(proposal, transition, actor, note: str) -> None:
    """The proposal workflow's `after` hook."""
    _notice(proposal.business_id, ProposalStatus, gettext_lazy("usulan perubahan"), transition, actor, note)


# What each decision tells the owner, under "<business>: <what> <status>".
LINES = {
    (BusinessStatus, BusinessStatus.RETURNED): gettext_lazy(
        "Petugas Dinas mengembalikan pendaftaran Anda untuk diperbaiki."
    ),
    (BusinessStatus, BusinessStatus.REJECTED): gettext_lazy("Petugas Dinas menolak pendaftaran Anda."),
    (BusinessStatus, BusinessStatus.PUBLISHED): gettext_lazy("Usaha Anda sekarang tampil di direktori Registri IKM."),
    (ProposalStatus, ProposalStatus.APPROVED): gettext_lazy("Perubahan yang Anda usulkan sudah tampil di direktori."),
    (ProposalStatus, ProposalStatus.RETURNED): gettext_lazy(
        "Petugas Dinas mengembalikan usulan perubahan Anda untuk diperbaiki."
    ),
    (ProposalStatus, ProposalStatus.REJECTED): gettext_lazy(
        "Petugas Dinas menolak usulan perubahan Anda; data usaha tidak berubah."
    ),
}


def _notice(business_id: int, statuses, what, transition, actor, note: str) -> None:
    """Tell the owner of `business_id` after the commit, when the step is a decision of staff they are told of."""
    line = LINES.get((statuses, transition.target))
    if line is None or isinstance(actor, LinkHolder):
        return
    status = statuses(transition.target).label

    def text(name: str) -> tuple[str, str]:
        subject = _("%(name)s: %(what)s %(status)s") % {"name": name, "what": what, "status": str(status).lower()}
        return subject, str(line)

    transaction.on_commit(lambda: _send(business_id, (text, note)))


def _send(business_id: int, message) -> bool:
    text, note = message
    owner = Owner.objects.select_related("business").filter(business_id=business_id).first()
    if owner is None or not owner.email or not owner.link_secret:
        return False
    from businesses.services.owner_link import owner_link_path

    with translation.override(settings.LANGUAGE_CODE):  # the owner reads the site's language, not staff's
        subject, line = text(owner.business.name)
        parts = [line]
        if note:
            parts.append(_("Catatan petugas: %(note)s") % {"note": note})
        parts.append(
            _("Lihat dan tindak lanjuti melalui tautan pribadi Anda:\n%(link)s")
            % {"link": public_url(owner_link_path(owner.link_secret))}
        )
        body = "\n\n".join(parts)
    try:
        send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [owner.email])
    except OSError:
        logger.warning("Owner notice for business %s not sent", business_id, exc_info=True)
        return False
    return True
