"""Rate limits per client address, counted in the shared cache (django-ratelimit; the address: clients.client_ip).

The counters live in the default cache, which every server process shares (a database table unless CACHE_URL says
otherwise), so the limit holds for the install, not per process. IPv6 clients are counted per /64 network.
"""

import math

from django.shortcuts import render
from django_ratelimit.core import get_usage


def limit_exceeded(request, *, group: str, rate: str, method: str = "POST") -> bool:
    """Count this request (a POST unless `method` says otherwise) against `rate` (e.g. "20/h") for the client's
    address; True once the limit is passed.

    Sets `request.retry_after` (seconds until the current window ends) for the answer.
    """
    usage = get_usage(request, group=group, key="ip", rate=rate, method=method, increment=True)
    if usage is None:
        return False
    request.retry_after = max(1, usage["time_left"])
    return usage["should_limit"]


def too_many_requests(request, template: str = "too_many_requests.html", context: dict | None = None):
    """HTTP 429 with a page saying when to try again (and a Retry-After header)."""
    seconds = getattr(request, "retry_after", 60)
    context = {"minutes": max(1, math.ceil(seconds / 60)), **(context or {})}
    response = render(request, template, context, status=429)
    response["Retry-After"] = str(seconds)
    return response
