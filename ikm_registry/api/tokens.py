"""Personal API tokens of staff: created (the key shown once), recognised, revoked. Only a digest is stored."""

import hashlib
import hmac
import secrets
from datetime import timedelta

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from ikm_registry.models import ApiToken
from ikm_registry.scoping import scope_for

KEY_START = "ikm_"
PREFIX_LENGTH = len(KEY_START) + 12
# last_used_at is written at most this often per token, not on every request.
LAST_USED_RESOLUTION = timedelta(minutes=5)


def _digest(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def may_hold_token(user) -> bool:
    """Staff who reach any records (an office, national staff, an LSP's operator, superusers)."""
    return bool(user and user.is_active and user.is_staff and scope_for(user).has_access)


def may_manage_token(actor, holder) -> bool:
    """A staff member manages their own tokens; superusers anyone's."""
    return bool(actor and actor.is_active and (actor.is_superuser or (actor.is_staff and actor.pk == holder.pk)))


@transaction.atomic
def api_token_create(*, user, name: str, created_by, expires_at=None) -> tuple[ApiToken, str]:
    """A new token for `user`; returns it and its key, which is never stored and cannot be shown again."""
    if not may_manage_token(created_by, user):
        raise PermissionDenied(_("Anda hanya dapat membuat token untuk akun Anda sendiri."))
    if not may_hold_token(user):
        raise ValidationError(
            {"user": _("Token hanya untuk akun staf aktif yang punya kantor, peran nasional, atau LSP.")}
        )
    if expires_at is not None and expires_at <= timezone.now():
        raise ValidationError({"expires_at": _("Tanggal kedaluwarsa harus di masa depan.")})
    name = (name or "").strip()
    if not name:
        raise ValidationError({"name": _("Beri nama token ini (untuk apa dipakai).")})
    prefix = KEY_START + secrets.token_hex(6)
    key = f"{prefix}_{secrets.token_urlsafe(32)}"
    token = ApiToken(user=user, name=name, prefix=prefix, digest=_digest(key), created_by=created_by)
    token.expires_at = expires_at
    token.full_clean()
    token.save()
    return token, key


def api_token_revoke(*, token: ApiToken, actor) -> ApiToken:
    """Stop a token from opening the API (at once, for every later request); the row stays for the record."""
    if not may_manage_token(actor, token.user):
        raise PermissionDenied(_("Anda hanya dapat mencabut token Anda sendiri."))
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
    return token


def api_token_find(key: str) -> ApiToken | None:
    """The active token whose key is `key`, or None (also for a malformed key); notes when it was used."""
    key = (key or "").strip()
    if not key.startswith(KEY_START) or len(key) < PREFIX_LENGTH + 2 or key[PREFIX_LENGTH] != "_":
        return None
    token = ApiToken.objects.active().select_related("user").filter(prefix=key[:PREFIX_LENGTH]).first()
    if token is None or not hmac.compare_digest(token.digest, _digest(key)):
        return None
    now = timezone.now()
    if token.last_used_at is None or now - token.last_used_at > LAST_USED_RESOLUTION:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        token.last_used_at = now
    return token
