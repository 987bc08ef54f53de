"""Conditional GET for the public API: `ETag` and `Last-Modified` from the public data version.

Every committed change to data the public sees bumps the public data version (ikm_registry/public_cache.py), a
number that starts with the time of the change in microseconds. So a public answer's validators cost nothing to
compute: the ETag hashes the version with the request (path, query, language, format), and Last-Modified is the
version's time. A client that sends them back gets a 304 without the view's work.

HTTP dates have whole seconds, so a second change within the second of Last-Modified would carry the same date. So
Last-Modified is sent (and If-Modified-Since honoured) only once that second is over: an answer given during it
carries the ETag alone."""

import hashlib
import time

from django.http import HttpResponseNotModified
from django.utils.cache import patch_cache_control, patch_vary_headers
from django.utils.http import http_date, parse_http_date_safe, quote_etag
from django.utils.translation import get_language

from ikm_registry.public_cache import public_version

MAX_AGE = 60


def version_time(version: int) -> int:
    """Seconds since the epoch of the change that made `version` (see public_cache._new_version)."""
    return (version // 1024) // 1_000_000


def _etag(request, version: int) -> str:
    accept = request.META.get("HTTP_ACCEPT", "")
    text = f"{version}|{request.get_full_path()}|{get_language()}|{accept}"
    return quote_etag(hashlib.sha256(text.encode()).hexdigest()[:32])


def now() -> float:
    return time.time()


class NotModified(Exception):
    """The client's copy is current: answered 304 without running the view."""


class ConditionalGetMixin:
    """For public viewsets: 304 when the client's copy is current; validators and Cache-Control on every 200.

    The check runs after DRF's `initial()` — authentication and the rate limits — so a conditional request counts
    against the limit like any other and a refused token is refused; only the view's own work is saved."""

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        self.validators = None
        if request.method not in ("GET", "HEAD"):
            return
        version = public_version()
        etag, modified = _etag(request, version), version_time(version)
        if modified >= int(now()):  # the change's second is not over: another change may share its date
            modified = None
        self.validators = etag, modified
        if_none_match = request.META.get("HTTP_IF_NONE_MATCH")
        if_modified_since = parse_http_date_safe(request.META.get("HTTP_IF_MODIFIED_SINCE", ""))
        if if_none_match:
            current = etag in [tag.strip() for tag in if_none_match.split(",")]
        else:
            current = None not in (if_modified_since, modified) and if_modified_since >= modified
        if current:
            raise NotModified

    def handle_exception(self, exc):
        if isinstance(exc, NotModified):
            return HttpResponseNotModified()
        return super().handle_exception(exc)

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        validators = getattr(self, "validators", None)
        if validators is not None and response.status_code in (200, 304):
            etag, modified = validators
            response["ETag"] = etag
            if modified is not None:
                response["Last-Modified"] = http_date(modified)
            patch_cache_control(response, public=True, max_age=MAX_AGE)
            patch_vary_headers(response, ("Accept", "Accept-Language", "Cookie"))
        return response
