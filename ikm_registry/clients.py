"""Who is asking: the client address that login throttling (django-axes) and rate limits (django-ratelimit) count.

Behind a reverse proxy every request comes from the proxy's address; CLIENT_IP_HEADER names the header in which the
proxy passes the visitor's address (e.g. `X-Real-IP`, or `X-Forwarded-For`, of which the right-most address is
used: the one the proxy itself appended; addresses further left are whatever the client sent). Without it, or when
the header holds no valid address, REMOTE_ADDR is used. Never set it without a proxy that overwrites the header:
anyone could then pick their own address.

An IPv6 client counts as its /64 network: one connection (a home, a phone, a server) gets a whole /64 and picks any
address in it, so counting exact addresses would give an attacker 2**64 fresh starts. The network is named by its
first address (`2001:db8:1:2::`), a valid address for django-axes to store; django-ratelimit masks it to the same
/64 again. An IPv4 address written as IPv6 (`::ffff:203.0.113.7`, from a dual-stack listener) counts as that IPv4
address, not as the /64 every IPv4 client would share.
"""

import ipaddress

from django.conf import settings

IPV6_PREFIX = 64
UNKNOWN_ADDRESS = "0.0.0.0"


def client_ip(request) -> str:
    header = settings.CLIENT_IP_HEADER
    if header:
        value = request.META.get("HTTP_" + header.upper().replace("-", "_"), "")
        counted = counted_address(value.split(",")[-1].strip())
        if counted:
            return counted
    # No address, or not an IP address (a server on a unix socket without a proxy header): such clients share one
    # count rather than break the rate limits.
    return counted_address(request.META.get("REMOTE_ADDR", "")) or UNKNOWN_ADDRESS


def counted_address(value: str) -> str | None:
    """The unit that throttling counts for one address: an IPv4 address itself, an IPv6 address's /64 network."""
    try:
        address = ipaddress.ip_address(value)
    except ValueError:
        return None
    if address.version == 6 and address.ipv4_mapped:
        return str(address.ipv4_mapped)
    if address.version == 6:
        mask = ((1 << IPV6_PREFIX) - 1) << (128 - IPV6_PREFIX)
        return str(ipaddress.IPv6Address(int(address) & mask))  # int() drops a zone (`fe80::1%eth0`) too
    return str(address)
