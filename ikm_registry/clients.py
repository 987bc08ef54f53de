"""Who is asking: the client address that login throttling (django-axes) and rate limits (django-ratelimit) count.

Behind a reverse proxy every request comes from the proxy's address; CLIENT_IP_HEADER names the header in which the
proxy passes the visitor's address (e.g. `X-Real-IP`, or `X-Forwarded-For`, of which the right-most address is
used: the one the proxy itself appended; addresses further left are whatever the client sent). Without it, or when
the header holds no valid address, REMOTE_ADDR is used. Never set it without a proxy that overwrites the header:
anyone could then pick their own address.
"""

import ipaddress

from django.conf import settings


def client_ip(request) -> str:
    header = settings.CLIENT_IP_HEADER
    if header:
        value = request.META.get("HTTP_" + header.upper().replace("-", "_"), "")
        candidate = value.split(",")[-1].strip()
        try:
            return str(ipaddress.ip_address(candidate))
        except ValueError:
            pass
    return request.META.get("REMOTE_ADDR", "")
