"""The owner's private link (/usaha-saya/<secret>/): no password, a secret sent to the e-mail or phone on file.

The secret is made when a business is registered on the public site (or when staff first send a link) and replaced
each time a link is sent again: a lost or forwarded old link stops working. Whoever holds it may follow their
submission, correct and resubmit it when it was returned, and propose changes once it is verified or published
(businesses.services.proposals); they act as a `LinkHolder` of that business alone.
"""

from __future__ import annotations

import logging
import re
import secrets

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.urls import reverse
from django.utils.translation import gettext as _

from businesses.links import whatsapp_url
from businesses.models import Business, Owner
from ikm_registry.messaging import TextMessagesUnavailable, send_text, text_messages_available
from ikm_registry.public_url import public_url
from ikm_registry.scoping import LinkHolder

logger = logging.getLogger(__name__)
HOLDER_LABEL = "pemilik (tautan pribadi)"


def new_link_secret() -> str:
    """About 256 bits, URL-safe (43 characters)."""
    return secrets.token_urlsafe(32)


def holder_of(business: Business) -> LinkHolder:
    """The actor the engine and history record for steps taken through the business's private link."""
    return LinkHolder(business, label=HOLDER_LABEL)


def owner_link_issue(owner: Owner) -> str:
    """Give `owner` a new secret (the previous link stops working) and return it."""
    owner.link_secret = new_link_secret()
    Owner.objects.filter(pk=owner.pk).update(link_secret=owner.link_secret)
    return owner.link_secret


def owner_by_secret(secret: str) -> Owner | None:
    """The owner whose private link this is, with their business (None for an unknown or malformed secret)."""
    if not secret or len(secret) > 64:
        return None
    return (
        Owner.objects.select_related("business__village__parent__parent__parent", "business__kbli")
        .filter(link_secret=secret)
        .first()
    )


def owner_link_path(secret: str) -> str:
    return reverse("businesses:owner_page", args=[secret])


def _message(business: Business, link: str) -> tuple[str, str]:
    subject = _("Tautan data usaha Anda: %(name)s") % {"name": business.name}
    body = _(
        "Melalui tautan pribadi ini Anda dapat melihat status pendaftaran %(name)s, memperbaikinya bila "
        "dikembalikan petugas, dan mengusulkan perubahan data setelah terbit:\n\n%(link)s\n\n"
        "Jangan bagikan tautan ini. Tautan lama tidak berlaku lagi."
    ) % {"name": business.name, "link": link}
    return subject, body


def owner_link_send(owner: Owner, *, channel: str, absolute_url=public_url) -> bool:
    """`absolute_url` turns the link's path into an address: the request's host from a page (request.
    build_absolute_uri), PUBLIC_BASE_URL from a command.

    Send a fresh link to the owner's e-mail (`channel="email"`) or phone (`"phone"`); False when the channel is
    empty or no text-message gateway is configured (nothing is changed then)."""
    business = owner.business
    address = owner.email if channel == "email" else owner.phone
    if not address or (channel == "phone" and not text_messages_available()):
        return False
    with transaction.atomic():
        secret = owner_link_issue(owner)
        link = absolute_url(owner_link_path(secret))
        subject, body = _message(business, link)
        if channel == "email":
            send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [address])
        else:
            try:
                send_text(address, body)
            except TextMessagesUnavailable:
                transaction.set_rollback(True)
                return False
    return True


def owner_link_whatsapp(owner: Owner, *, absolute_url=public_url) -> str:
    """A click-to-chat address that opens staff's own WhatsApp with a fresh link typed for the owner's number
    (empty when the phone is not a mobile number). Issuing it replaces the previous link."""
    target = whatsapp_url(owner.phone)
    if not target:
        return ""
    from urllib.parse import quote

    secret = owner_link_issue(owner)
    _subject, body = _message(owner.business, absolute_url(owner_link_path(secret)))
    return f"{target}?text={quote(body)}"


def _digits(value: str) -> str:
    digits = re.sub(r"\D", "", value or "")
    return "62" + digits[1:] if digits.startswith("0") else digits


def owner_link_request(*, reference: str, contact: str, absolute_url=public_url) -> None:
    """A visitor asks for the link of the business `reference` (its registration number or NIB) to be sent to
    `contact`. It is sent only when `contact` is that business's e-mail or phone on file, to that address; the
    caller answers the same whatever happened, so the form tells no one which businesses or contacts exist."""
    reference = (reference or "").strip()
    contact = (contact or "").strip()
    if not reference.isdigit() or not contact:
        return
    if len(reference) == 13:
        owner = Owner.objects.select_related("business").filter(business__nib=reference).first()
    else:
        owner = Owner.objects.select_related("business").filter(business_id=int(reference)).first()
    if owner is None:
        return
    if "@" in contact:
        if owner.email and owner.email.casefold() == contact.casefold():
            owner_link_send(owner, channel="email", absolute_url=absolute_url)
    elif owner.phone and len(_digits(contact)) >= 9 and _digits(owner.phone) == _digits(contact):
        owner_link_send(owner, channel="phone", absolute_url=absolute_url)


def owner_link_mailed(owner: Owner, *, absolute_url=public_url) -> bool:
    """Mail the link of a registration just made (its secret as it is) to the e-mail given; False without one or
    when the mail server refused it (the page shows the link anyway)."""
    if not owner.email or not owner.link_secret:
        return False
    subject, body = _message(owner.business, absolute_url(owner_link_path(owner.link_secret)))
    try:
        send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [owner.email])
    except OSError:
        logger.warning("The owner's link could not be mailed", exc_info=True)
        return False
    return True
