"""Absolute addresses on the public site, for what leaves it (printed QR codes, e-mails, exports).

Which site: a page of the admin prints the address the user reached the admin by (the request's scheme and host,
set for the request by PublicBaseUrlMiddleware); a job queued from the admin keeps that address for the worker that
runs it later (ikm_registry.jobs); anything else — a management command, the worker's own daily mail — uses the
PUBLIC_BASE_URL setting. `manage.py check --deploy` warns when PUBLIC_BASE_URL is unset with DEBUG off
(ikm_registry.W001): a report made by a command would then point at this development address.
"""

from __future__ import annotations

from contextlib import contextmanager
from contextvars import ContextVar
from urllib.parse import urlsplit

from django.conf import settings
from django.core import checks
from django.urls import NoReverseMatch, reverse

# Where `make run` serves: links made without a request or PUBLIC_BASE_URL point here.
DEVELOPMENT_BASE_URL = "http://127.0.0.1:8000"

_base_url: ContextVar[str | None] = ContextVar("public_base_url", default=None)


def public_base_url() -> str:
    """The public site's address for what is made now (no trailing slash): the admin request's, else the one a job
    was queued with, else PUBLIC_BASE_URL (DEVELOPMENT_BASE_URL when unset)."""
    return (_base_url.get() or settings.PUBLIC_BASE_URL or DEVELOPMENT_BASE_URL).rstrip("/")


def requested_base_url() -> str | None:
    """The address set for the current request or job (None outside them): what a job queued now keeps."""
    return _base_url.get()


@contextmanager
def served_from(base_url: str | None):
    """Within the block, public_url() joins paths to `base_url` (nothing changes when it is empty)."""
    if not base_url:
        yield
        return
    token = _base_url.set(base_url.rstrip("/"))
    try:
        yield
    finally:
        _base_url.reset(token)


def request_base_url(request) -> str:
    """The scheme and host `request` came by, e.g. "https://ikm.baliprov.go.id" (the TLS proxy's scheme once
    SECURE_PROXY_SSL_HEADER is set; the host checked against ALLOWED_HOSTS)."""
    return request.build_absolute_uri("/").rstrip("/")


def public_url(path: str) -> str:
    """The public site's address + `path` (an absolute path such as "/direktori/ikm/12/"): the one place that joins
    them, so that paper and site agree."""
    return f"{public_base_url()}/{path.lstrip('/')}"


def _admin_prefix() -> str | None:
    try:
        return reverse("admin:index")
    except NoReverseMatch:  # pragma: no cover - the project always has the admin
        return None


class PublicBaseUrlMiddleware:
    """On the admin's pages (rendering included), printed links point to the host the user reached the admin by:
    staff at https://ikm.baliprov.go.id/admin/ print QR codes for that site, whatever PUBLIC_BASE_URL says. Public
    pages are left alone (they are cached whole for every visitor)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        prefix = _admin_prefix()
        if prefix is None or not request.path.startswith(prefix):
            return self.get_response(request)
        with served_from(request_base_url(request)):
            return self.get_response(request)


@checks.register(checks.Tags.security, deploy=True)
def check_public_base_url(app_configs=None, **kwargs) -> list[checks.CheckMessage]:
    """`check --deploy`: PUBLIC_BASE_URL set to the public site's https:// address when DEBUG is off."""
    if settings.DEBUG:
        return []
    base = settings.PUBLIC_BASE_URL
    if not base:
        return [
            checks.Warning(
                "PUBLIC_BASE_URL is not set.",
                hint=f"QR codes and links in reports, certificates and mails made by management commands and the "
                f"worker's own jobs would point to {DEVELOPMENT_BASE_URL}. Set PUBLIC_BASE_URL to the public site's "
                "address, e.g. https://ikm.example.go.id.",
                id="ikm_registry.W001",
            )
        ]
    parts = urlsplit(base)
    if parts.scheme not in ("http", "https") or not parts.hostname or parts.hostname in ("127.0.0.1", "localhost"):
        return [
            checks.Warning(
                f"PUBLIC_BASE_URL ({base}) is not the address of a public site.",
                hint="Set it to the scheme and host the public reaches the site by, e.g. https://ikm.example.go.id.",
                id="ikm_registry.W002",
            )
        ]
    return []
