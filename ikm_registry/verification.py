"""Verifikasi sertifikat (`/verifikasi/?kode=…`): one public page where anyone checks a certificate's code — from
the QR printed on it or typed — whatever app issued it (events: participation certificates; certification:
competency certificates). An app registers a `Verifier` in `verifiers`; the page asks each in turn.

What a verifier returns is all the page shows: whether the certificate is valid, its holder's name, what it
certifies and when, and who issued it. Nothing else about the holder (DESIGN §5).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

from django.shortcuts import render
from django.utils.cache import patch_cache_control
from django.views.decorators.http import require_GET

from ikm_registry.ratelimits import limit_exceeded, too_many_requests
from ikm_registry.registry import Contribution, Registry

# Lookups per client address: codes are long and random, and a limit keeps guessing pointless.
VERIFY_RATE = "60/h"


@dataclass(frozen=True)
class VerifiedCertificate:
    kind: str  # "Sertifikat peserta", "Sertifikat kompetensi"
    holder: str
    subject: str  # the event, or the scheme
    issued: date | None
    issuer: str
    valid: bool
    status: str = ""  # e.g. "berlaku", "kedaluwarsa", "dicabut"
    number: str = ""
    valid_until: date | None = None


@dataclass(frozen=True, kw_only=True)
class Verifier(Contribution):
    """`lookup(code) -> VerifiedCertificate | None`."""

    lookup: Callable[[str], VerifiedCertificate | None]


verifiers: Registry[Verifier] = Registry("certificate verifiers")


def verify(code: str) -> VerifiedCertificate | None:
    for verifier in verifiers:
        found = verifier.lookup(code)
        if found is not None:
            return found
    return None


@require_GET
def verify_view(request):
    code = (request.GET.get("kode") or "").strip()[:40]
    result = None
    if code:
        if limit_exceeded(request, group="verification", rate=VERIFY_RATE, method="GET"):
            return too_many_requests(request)
        result = verify(code)
    response = render(request, "verification.html", {"code": code, "result": result, "searched": bool(code)})
    patch_cache_control(response, private=True, no_cache=True)
    return response
