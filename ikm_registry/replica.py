"""Public reads from a read replica (`DATABASE_REPLICA_URL`), everything else from the primary.

A national registry's traffic is mostly anonymous visitors reading the directory, profiles, statistics and the public
API; PostgreSQL streaming replication gives read-only copies that can serve them while the primary takes the
offices' writes. With `DATABASE_REPLICA_URL` set, `PublicReadMiddleware` marks an anonymous GET or HEAD request to a
public page (not the admin, the staff API, an owner's or participant's private page) and `ReplicaRouter` sends that
request's reads of the registry's own tables to the alias "replica"; writes, signed-in users and every other request
use "default".

What stays on the primary whatever the request: the cache table (the public data version and the cached pages must
never lag a change: a withdrawn consent would otherwise stay public for the replica's lag), sessions, users and
permissions, and background jobs. A replica lags its primary by a moment; a visitor may see a change a second later,
never a staff user (signed in, so always on the primary).
"""

from __future__ import annotations

import contextvars

from django.conf import settings

REPLICA = "replica"
# Apps whose tables public pages read; only their reads may go to the replica.
PUBLIC_APPS = frozenset({"businesses", "events", "certification", "ikm_registry"})
# Models of those apps that must always be read from the primary.
PRIMARY_ONLY = frozenset({"job", "worker", "apitoken", "exportlog", "staffmembership"})
# Public paths that read data the visitor may have just changed (their own private pages): primary.
PRIVATE_PREFIXES = ("/admin/", "/api/v1/staf/", "/usaha-saya/", "/agenda/saya/", "/daftar/")

_public_read: contextvars.ContextVar[bool] = contextvars.ContextVar("public_read", default=False)


def replica_configured() -> bool:
    return REPLICA in settings.DATABASES


class PublicReadMiddleware:
    """Marks an anonymous read of a public page, for ReplicaRouter (does nothing without a replica)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if not replica_configured() or not self._public(request):
            return self.get_response(request)
        token = _public_read.set(True)
        try:
            return self.get_response(request)
        finally:
            _public_read.reset(token)

    @staticmethod
    def _public(request) -> bool:
        if request.method not in ("GET", "HEAD") or request.path.startswith(PRIVATE_PREFIXES):
            return False
        if settings.SESSION_COOKIE_NAME in request.COOKIES:  # may be signed in: the primary, fresh
            return False
        return "HTTP_AUTHORIZATION" not in request.META  # a staff token


class ReplicaRouter:
    """Reads of public tables during a public read go to "replica"; all else to "default" (see the module)."""

    def db_for_read(self, model, **hints):
        if not _public_read.get() or not replica_configured():
            return None
        meta = model._meta
        if meta.app_label not in PUBLIC_APPS or meta.model_name in PRIMARY_ONLY:
            return None
        return REPLICA

    def db_for_write(self, model, **hints):
        return "default"

    def allow_relation(self, obj1, obj2, **hints):
        return True  # the replica is a copy of the primary: the same rows

    def allow_migrate(self, db, app_label, **hints):
        return db != REPLICA  # the replica follows the primary's schema by replication
