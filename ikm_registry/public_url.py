"""Absolute addresses on the public site, for what leaves it (printed QR codes, e-mails, exports)."""

from django.conf import settings


def public_url(path: str) -> str:
    """PUBLIC_BASE_URL + `path` (an absolute path such as "/direktori/ikm/12/"): the one place that joins them, so
    that paper and site agree whatever the request that made the paper."""
    return f"{settings.PUBLIC_BASE_URL.rstrip('/')}/{path.lstrip('/')}"
