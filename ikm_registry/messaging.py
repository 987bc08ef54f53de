"""Short text messages (SMS or a WhatsApp gateway) to a phone number, through a pluggable backend.

TEXT_MESSAGE_BACKEND names a class with `send(phone, body)`; the registry ships three: the console (prints, for
`make run`), an in-memory outbox (tests) and "disabled" (the default in production until an office plugs in its
gateway: the public site then offers e-mail only, and staff send a link from their own WhatsApp with the admin's
click-to-chat button). A gateway backend is a small class of the deployment's own, named by its dotted path.
"""

from __future__ import annotations

import logging
import sys

from django.conf import settings
from django.utils.module_loading import import_string

logger = logging.getLogger(__name__)


class TextMessagesUnavailable(Exception):
    """No gateway is configured: the caller offers another channel."""


class DisabledBackend:
    available = False

    def send(self, phone: str, body: str) -> None:
        raise TextMessagesUnavailable("TEXT_MESSAGE_BACKEND is not configured")


class ConsoleBackend:
    available = True

    def send(self, phone: str, body: str) -> None:
        sys.stdout.write(f"[SMS to {phone}]\n{body}\n")
        sys.stdout.flush()


outbox: list[tuple[str, str]] = []


class LocmemBackend:
    """Keeps messages in `ikm_registry.messaging.outbox` (tests clear it)."""

    available = True

    def send(self, phone: str, body: str) -> None:
        outbox.append((phone, body))


def backend():
    return import_string(settings.TEXT_MESSAGE_BACKEND)()


def text_messages_available() -> bool:
    return bool(getattr(backend(), "available", True))


def send_text(phone: str, body: str) -> None:
    """Send `body` to `phone`; TextMessagesUnavailable when no gateway is configured."""
    backend().send(phone, body)
    logger.info("Text message sent to a phone ending %s", phone[-3:])
