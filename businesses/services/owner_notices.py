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

from businesses.choices import BusinessStatus, ProposalStatus
from businesses.models import Owner
from ikm_registry.public_url import public_url
from ikm_registry.scoping import LinkHolder

logger = logging.getLogger(__name__)

# The steps an owner is told of: their record's and their proposal's decisions (not their own steps).
BUSINESS_NOTICES = (BusinessStatus.RETURNED, BusinessStatus.REJECTED, BusinessStatus.PUBLISHED)
PROPOSAL_NOTICES = (ProposalStatus.APPROVED, ProposalStatus.RETURNED, ProposalStatus.REJECTED)


def business_step_notice(business, transition, actor, note: str) -> None:
    """The business workflow's `after` hook."""
    if transition.target in BUSINESS_NOTICES and not isinstance(actor, LinkHolder):
        business_id, target = business.pk, transition.target
        transaction.on_commit(lambda: _send(business_id, _business_text(target, note)))


def proposal_step_notice(proposal, transition, actor, note: str) -> None:
    """The proposal workflow's `after` hook."""
    if transition.target in PROPOSAL_NOTICES and not isinstance(actor, LinkHolder):
        business_id, target = proposal.business_id, transition.target
        transaction.on_commit(lambda: _send(business_id, _proposal_text(target, note)))


def _business_text(target: str, note: str):
    def text(name: str) -> tuple[str, str]:
        status = BusinessStatus(target).label
        subject = _("%(name)s: pendaftaran %(status)s") % {"name": name, "status": str(status).lower()}
        lines = {
            BusinessStatus.RETURNED: _("Petugas Dinas mengembalikan pendaftaran Anda untuk diperbaiki."),
            BusinessStatus.REJECTED: _("Petugas Dinas menolak pendaftaran Anda."),
            BusinessStatus.PUBLISHED: _("Usaha Anda sekarang tampil di direktori Registri IKM."),
        }
        return subject, lines[target]

    return text, note


def _proposal_text(target: str, note: str):
    def text(name: str) -> tuple[str, str]:
        status = ProposalStatus(target).label
        subject = _("%(name)s: usulan perubahan %(status)s") % {"name": name, "status": str(status).lower()}
        lines = {
            ProposalStatus.APPROVED: _("Perubahan yang Anda usulkan sudah tampil di direktori."),
            ProposalStatus.RETURNED: _("Petugas Dinas mengembalikan usulan perubahan Anda untuk diperbaiki."),
            ProposalStatus.REJECTED: _("Petugas Dinas menolak usulan perubahan Anda; data usaha tidak berubah."),
        }
        return subject, lines[target]

    return text, note


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
