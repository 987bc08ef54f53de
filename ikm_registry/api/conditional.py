"""Conditional GET for the public API: `ETag` and `Last-Modified` from the public data version.

Every committed change to data the public sees bumps the public data version (ikm_registry/public_cache.py), a
number that starts with the time of the change in microseconds. So a public answer's validators cost nothing to
compute: the ETag hashes the version with the request (path, query, language, format), and Last-Modified is the
version's time. A client that sends them back gets a 304 without the view running."""

import hashlib

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


class ConditionalGetMixin:
    """For public viewsets: 304 when the client's copy is current; validators and Cache-Control on every 200."""

    def dispatch(self, request, *args, **kwargs):
        if request.method not in ("GET", "HEAD"):
            return super().dispatch(request, *args, **kwargs)
        version = public_version()
        etag = _etag(request, version)
        modified = version_time(version)
        if_none_match = request.META.get("HTTP_IF_NONE_MATCH")
        if_modified_since = parse_http_date_safe(request.META.get("HTTP_IF_MODIFIED_SINCE", ""))
        not_modified = (
            etag in [tag.strip() for tag in if_none_match.split(",")]
            if if_none_match
            else if_modified_since is not None and if_modified_since >= modified
        )
        if not_modified:
            response = self.not_modified()
        else:
            response = super().dispatch(request, *args, **kwargs)
            if response.status_code != 200:
                return response
        response["ETag"] = etag
        response["Last-Modified"] = http_date(modified)
        patch_cache_control(response, public=True, max_age=MAX_AGE)
        patch_vary_headers(response, ("Accept", "Accept-Language", "Cookie"))
        return response

    def not_modified(self):
        return HttpResponseNotModified()
