"""Caching of what anonymous visitors see, and clearing it when the data behind it changes.

Every cached public value (a whole page, a set of counts) is stored under a key that carries the *public data
version*, a counter kept in the cache. Any committed change to data a public page shows bumps the counter, which
retires every cached page at once without having to know which pages showed the changed row. Changes reach the
counter two ways:

- `post_save` / `post_delete` of the models public pages read: each app registers those it owns in its
  `AppConfig.ready()` with `register_public_models(...)`, and the registry `public_models` connects both signals;
- `bump_public_version()` called by the bulk paths that bypass signals (imports, seed_demo, reference imports).

Counts over large tables (the directory's result count and filter counts, the home page, the statistics) are the
exception: `cached_counts` lets them lag a change by up to PUBLIC_COUNTS_MAX_AGE seconds, so that a stream of
changes does not make every request count the whole registry again.

The bump happens after the transaction commits, so a page rendered from the old data cannot be stored under the new
version. The cache must be shared by every server process (the default, a table in the database, is), or each keeps
its own counter and a page may stay stale for up to PUBLIC_CACHE_SECONDS.
"""

import gzip
import hashlib
import re
import secrets
import time
from functools import wraps

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.db.models.signals import post_delete, post_save
from django.http import HttpResponse
from django.middleware.gzip import GZipMiddleware
from django.utils.cache import patch_cache_control, patch_vary_headers
from django.utils.text import compress_string
from django.utils.translation import get_language

from ikm_registry.registry import Registry

VERSION_KEY = "public-data-version"


def _new_version() -> int:
    """A version no earlier one had: the time in microseconds and random bits, so two processes bumping at the same
    moment still each leave a value that retires every page stored before their change committed."""
    return (time.time_ns() // 1000) * 1024 + secrets.randbelow(1024)


def public_version() -> int:
    version = cache.get(VERSION_KEY)
    if version is None:
        # First use, or the cache lost it: start a new series that cannot collide with keys of the old one.
        version = _new_version()
        if not cache.add(VERSION_KEY, version, timeout=None):
            version = cache.get(VERSION_KEY, version)
    return version


def _bump():
    # A new value rather than an increment: a read-and-write increment (file cache, database cache) can lose one of
    # two simultaneous bumps, leaving a page rendered between the two changes under the surviving version.
    cache.set(VERSION_KEY, _new_version(), timeout=None)


def bump_public_version() -> None:
    """Retire every cached public page and count, once the current transaction (if any) commits."""
    transaction.on_commit(_bump)


def on_public_data_change(sender, **kwargs) -> None:
    """Signal receiver: a row a public page may show was saved or deleted."""
    if kwargs.get("raw"):  # loaddata: fixtures are followed by an explicit bump where it matters
        return
    bump_public_version()


def _connect(model) -> None:
    label = model._meta.label
    post_save.connect(on_public_data_change, sender=model, dispatch_uid=f"public-cache-save-{label}")
    post_delete.connect(on_public_data_change, sender=model, dispatch_uid=f"public-cache-delete-{label}")


def _disconnect(model) -> None:
    label = model._meta.label
    post_save.disconnect(sender=model, dispatch_uid=f"public-cache-save-{label}")
    post_delete.disconnect(sender=model, dispatch_uid=f"public-cache-delete-{label}")


# The models public pages show (directly or through counts and statistics), by label ("businesses.Business"): a
# saved or deleted row of any of them retires every cached public page.
public_models: Registry = Registry(
    "public-cache models",
    key=lambda model: model._meta.label,
    order=lambda model: 0,
    on_register=_connect,
    on_unregister=_disconnect,
)


def register_public_models(*models) -> None:
    """Clear the cached public pages whenever a row of one of `models` is saved or deleted (bulk paths that bypass
    signals call bump_public_version() themselves). For `AppConfig.ready()`."""
    for model in models:
        public_models.register(model, replace=True)


def cached_counts(request, name: str, compute):
    """`compute()` (counts over large tables), recomputed at most every PUBLIC_COUNTS_MAX_AGE seconds.

    Cached per public data version, but a change to the data does not force a recount at once: the previous counts
    keep being served until they are PUBLIC_COUNTS_MAX_AGE old, so a busy registry (a change every few seconds)
    scans its tables at most that often instead of on every request after every change. While stale counts are served, the
    page they appear on is cached only until they expire. Lists themselves are never stale.
    """
    if settings.PUBLIC_CACHE_SECONDS <= 0:  # caching off: an entry would expire at once, its writes wasted
        return compute()
    key = f"public-counts:{get_language()}:{hashlib.sha256(name.encode()).hexdigest()}"
    version = public_version()
    now = time.time()
    entry = cache.get(key)
    if entry is not None:
        entry_version, computed_at, value = entry
        age = now - computed_at
        if entry_version == version:
            return value
        if age < settings.PUBLIC_COUNTS_MAX_AGE:
            remaining = max(1, int(settings.PUBLIC_COUNTS_MAX_AGE - age))
            request.public_cache_seconds = min(getattr(request, "public_cache_seconds", remaining), remaining)
            return value
    value = compute()
    cache.set(key, (version, now, value), settings.PUBLIC_CACHE_SECONDS)
    return value


def wants_partial(request) -> bool:
    """An htmx request for a fragment; not htmx restoring a page from history, which needs the whole page."""
    return request.headers.get("HX-Request") == "true" and request.headers.get("HX-History-Restore-Request") != "true"


def _page_key(request, params, version: int | None = None) -> str:
    """Path, the non-empty values of the parameters the page reads (sorted), language and htmx variant, under the
    public data version (the current one unless `version` is given).

    Other parameters (utm_*, fbclid, a reordered query) do not make a new page: they would each cost a full render
    and fill the cache with copies.
    """
    variant = "partial" if wants_partial(request) else "page"
    if len(params) == 1 and callable(params[0]):
        params = params[0]()  # parameters that apps add at start-up (the directory's filters)
    query = sorted((name, value) for name in params for value in request.GET.getlist(name) if value)
    address = request.path + "?" + "&".join(f"{name}={value}" for name, value in query)
    digest = hashlib.sha256(address.encode()).hexdigest()
    return f"public:{public_version() if version is None else version}:{get_language()}:{variant}:{digest}"


# The public data version this process read last. A page is looked for under it together with the current version,
# in one read of the cache; only when the version has changed since is the page read again under the new one.
_last_version: int | None = None


def _stored_page(request, params):
    """(the stored page or None, the key to store it under): one read of the shared cache for a page asked for again
    while the data stay put (the version and the page together), where reading the version, then the page, took two
    round trips to the cache (the database's, by default) for every cached page served."""
    global _last_version
    guessed = _last_version
    if guessed is not None:
        key = _page_key(request, params, version=guessed)
        found = cache.get_many([VERSION_KEY, key])
        if found.get(VERSION_KEY) == guessed:
            return found.get(key), key
    _last_version = version = public_version()
    key = _page_key(request, params, version=version)
    return cache.get(key), key


ACCEPTS_GZIP = re.compile(r"\bgzip\b")  # as GZipMiddleware reads Accept-Encoding


class CompressedPage:
    """A page as the cache stores it: its body gzip-compressed once, when stored (with GZipMiddleware's random
    padding), instead of by GZipMiddleware again for every visitor it is served to; served as it is to a client that
    accepts gzip, decompressed to one that does not."""

    __slots__ = ("status_code", "headers", "body")

    def __init__(self, status_code: int, headers: dict, body: bytes):
        self.status_code, self.headers, self.body = status_code, headers, body

    @classmethod
    def of(cls, response):
        """The page to store for `response`, or `response` itself when compressing would not make it shorter (as
        GZipMiddleware leaves it then)."""
        if response.streaming or response.has_header("Content-Encoding") or len(response.content) < 200:
            return response
        body = compress_string(response.content, max_random_bytes=GZipMiddleware.max_random_bytes)
        if len(body) >= len(response.content):
            return response
        headers = {name: value for name, value in response.items() if name.lower() != "content-length"}
        return cls(response.status_code, headers, body)

    def response(self, request) -> HttpResponse:
        if ACCEPTS_GZIP.search(request.META.get("HTTP_ACCEPT_ENCODING", "")):
            response = HttpResponse(self.body, status=self.status_code, headers=self.headers)
            response["Content-Encoding"] = "gzip"
            if response.get("ETag", "").startswith('"'):  # a strong ETag made weak, as GZipMiddleware does
                response["ETag"] = "W/" + response["ETag"]
        else:
            response = HttpResponse(gzip.decompress(self.body), status=self.status_code, headers=self.headers)
        response["Content-Length"] = str(len(response.content))
        patch_vary_headers(response, ("Accept-Encoding",))
        return response


def cache_public_page(*params: str):
    """Serve a public GET page from the cache for anonymous visitors; let browsers keep it PUBLIC_HTTP_MAX_AGE s.

    `params` names the query parameters the view reads (or is one function returning them, for parameters apps
    register at start-up); the page must not depend on any other. Signed-in users
    (staff checking their own edits) always get a fresh page. Responses that set cookies or are not 200 are not
    stored. The language is part of the key, since the page is rendered in the visitor's language.

        @cache_public_page("page")
        def sentra_list(request): ...
    """

    def decorator(view):
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            if request.method not in ("GET", "HEAD") or request.user.is_authenticated:
                response = view(request, *args, **kwargs)
                patch_cache_control(response, private=True, no_cache=True)
                return response
            # PUBLIC_CACHE_SECONDS 0: caching off; a stored page would expire at once, so none is read or written.
            response, key = _stored_page(request, params) if settings.PUBLIC_CACHE_SECONDS > 0 else (None, None)
            if isinstance(response, CompressedPage):
                response = response.response(request)
            elif response is None:
                response = view(request, *args, **kwargs)
                if hasattr(response, "render") and callable(response.render):
                    response = response.render()
                if key is not None and response.status_code == 200 and not response.cookies:
                    seconds = getattr(request, "public_cache_seconds", settings.PUBLIC_CACHE_SECONDS)
                    cache.set(key, CompressedPage.of(response), min(seconds, settings.PUBLIC_CACHE_SECONDS))
            patch_cache_control(response, public=True, max_age=settings.PUBLIC_HTTP_MAX_AGE)
            # The language comes from a cookie and htmx asks for a fragment with headers: all change the answer.
            patch_vary_headers(response, ("Cookie", "HX-Request", "HX-History-Restore-Request"))
            return response

        return wrapped

    return decorator
