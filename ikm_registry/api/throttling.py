"""Rate limits of the API: per client address (CLIENT_IP_HEADER, IPv6 per /64) for anonymous reads, per user for
token holders. Counters live in the shared cache (CACHE_URL), like the site's other rate limits."""

from django.conf import settings
from rest_framework.throttling import SimpleRateThrottle

from ikm_registry.clients import client_ip


class ClientRateThrottle(SimpleRateThrottle):
    cache_format = "api-throttle:%(scope)s:%(ident)s"
    scope = "anon"

    def get_rate(self):
        # Read at each request (not when DRF's settings were loaded): API_ANON_RATE and API_TOKEN_RATE.
        return settings.API_TOKEN_RATE if self.scope == "token" else settings.API_ANON_RATE

    def allow_request(self, request, view):
        self.scope = "token" if request.auth is not None else "anon"
        self.rate = self.get_rate()
        self.num_requests, self.duration = self.parse_rate(self.rate)
        return super().allow_request(request, view)

    def get_cache_key(self, request, view):
        ident = f"user-{request.user.pk}" if request.auth is not None else client_ip(request)
        return self.cache_format % {"scope": self.scope, "ident": ident}
