"""The pages of HTTP errors — 400, 403, 404, 500 and a refused CSRF token — in the layout of the part of the site the
visitor was on: the public site's (templates/base.html) or, under /admin/, the admin's; Indonesian, with the
language switch. Named by ikm_registry/urls.py (handler400 …) and CSRF_FAILURE_VIEW.

A view that knows what is missing raises `NotFound` with a message and a link (a business that is not, or no longer,
published: "… lihat Direktori IKM"); any other 404 gets the general text.

The 500 page is drawn without the database and without the request's context processors (the error may be the
database, the session or the user), from a plain context; should even that fail, a short page written here answers.
"""

from __future__ import annotations

import logging

from django.conf import settings
from django.http import Http404, HttpResponse, JsonResponse
from django.template import loader
from django.urls import NoReverseMatch, reverse
from django.utils.html import escape
from django.utils.translation import get_language, gettext_lazy

logger = logging.getLogger(__name__)

PUBLIC_TEMPLATE = "error.html"
ADMIN_TEMPLATE = "admin/registry/error.html"


class NotFound(Http404):
    """A 404 that says what is missing and where to look instead (`link_url`, named `link_label`)."""

    def __init__(self, message, *, link_url: str = "", link_label: str = ""):
        super().__init__(message)
        self.message = message
        self.link_url = link_url
        self.link_label = link_label


def in_admin(request) -> bool:
    """Whether `request` is for a page of the admin (its paths, the password reset pages included)."""
    try:
        prefix = reverse("admin:index")
    except NoReverseMatch:  # pragma: no cover - the project always has the admin
        return False
    return (getattr(request, "path", "") or "").startswith(prefix)


def in_api(request) -> bool:
    """Under /api/ every answer is JSON, errors included."""
    return (getattr(request, "path", "") or "").startswith("/api/")


def _admin_context(request) -> dict:
    """The admin's header (site name, the user's links) — or only the site name when reading the user fails."""
    from django.contrib import admin

    try:
        return admin.site.each_context(request)
    except Exception:  # a broken session or database must not turn a 4xx page into a 500
        logger.warning("Admin context not available for the error page of %s", request.path, exc_info=True)
        return _plain_admin_context()


def _plain_admin_context() -> dict:
    from django.contrib import admin

    return {"site_header": admin.site.site_header, "site_title": admin.site.site_title, "has_permission": False}


def _page(request, *, status: int, title, message, link_url: str = "", link_label: str = "", detail: str = ""):
    """The error page for `request`, in the admin's layout under /admin/ and the public one elsewhere."""
    context = {
        "status": status,
        "title": title,
        "message": message,
        "link_url": link_url,
        "link_label": link_label,
        "detail": detail,
    }
    if in_api(request):
        return JsonResponse({"detail": str(message)}, status=status)
    if in_admin(request):
        template, context = ADMIN_TEMPLATE, {**_admin_context(request), **context}
    else:
        template = PUBLIC_TEMPLATE
    return HttpResponse(loader.render_to_string(template, context, request=request), status=status)


BAD_REQUEST_TITLE = gettext_lazy("Permintaan tidak dapat diproses")
BAD_REQUEST = gettext_lazy(
    "Permintaan dari peramban Anda tidak lengkap atau tidak sah, sehingga tidak dapat diproses. Kembali ke halaman "
    "sebelumnya dan coba lagi."
)
FORBIDDEN_TITLE = gettext_lazy("Akses ditolak")
FORBIDDEN_PUBLIC = gettext_lazy("Halaman ini tidak terbuka untuk umum.")
FORBIDDEN_ADMIN = gettext_lazy(
    "Akun Anda tidak berwenang membuka halaman ini atau melakukan tindakan ini. Bila pekerjaan Anda memerlukannya, "
    "hubungi pengelola Registri IKM di kantor Anda."
)
NOT_FOUND_TITLE = gettext_lazy("Halaman tidak ditemukan")
NOT_FOUND = gettext_lazy(
    "Alamat ini tidak ada di Registri IKM. Mungkin salah ketik, atau halamannya sudah dipindahkan atau dihapus."
)
NOT_FOUND_ADMIN = gettext_lazy(
    "Alamat ini tidak ada, atau data yang dicarinya tidak ada di wilayah kerja Anda (atau sudah dihapus)."
)
SERVER_ERROR_TITLE = gettext_lazy("Terjadi kesalahan pada server")
SERVER_ERROR = gettext_lazy(
    "Maaf, halaman ini gagal dibuat karena kesalahan di pihak kami. Kesalahan ini sudah dicatat untuk pengelola "
    "sistem. Coba lagi beberapa saat lagi."
)
CSRF_TITLE = gettext_lazy("Formulir tidak dapat dikirim")
CSRF_FAILURE = gettext_lazy(
    "Formulir ini ditolak demi keamanan: halamannya sudah terlalu lama terbuka, atau peramban Anda tidak menyimpan "
    "cookie situs ini. Muat ulang halaman (atau masuk lagi), isi formulirnya, lalu kirim kembali. Pastikan cookie "
    "diizinkan untuk situs ini."
)


def bad_request(request, exception=None):
    """400: a malformed or suspicious request (handler400)."""
    return _page(request, status=400, title=BAD_REQUEST_TITLE, message=BAD_REQUEST)


def permission_denied(request, exception=None):
    """403: the user may not open this page (handler403)."""
    message = FORBIDDEN_ADMIN if in_admin(request) else FORBIDDEN_PUBLIC
    return _page(request, status=403, title=FORBIDDEN_TITLE, message=message)


def page_not_found(request, exception=None):
    """404 (handler404): what `NotFound` says, or the general text."""
    if isinstance(exception, NotFound):
        return _page(
            request,
            status=404,
            title=NOT_FOUND_TITLE,
            message=exception.message,
            link_url=exception.link_url,
            link_label=exception.link_label,
        )
    return _page(
        request, status=404, title=NOT_FOUND_TITLE, message=NOT_FOUND_ADMIN if in_admin(request) else NOT_FOUND
    )


def csrf_failure(request, reason: str = ""):
    """403 for a form whose CSRF token was missing or stale (CSRF_FAILURE_VIEW); the technical reason only in DEBUG."""
    return _page(
        request,
        status=403,
        title=CSRF_TITLE,
        message=CSRF_FAILURE,
        detail=reason if settings.DEBUG else "",
    )


def server_error(request=None):
    """500 (handler500): drawn from a plain context — no database, no context processors, nothing of the user."""
    if request is not None and in_api(request):
        return JsonResponse({"detail": str(SERVER_ERROR)}, status=500)
    admin = request is not None and in_admin(request)
    context = {"status": 500, "title": SERVER_ERROR_TITLE, "message": SERVER_ERROR}
    try:
        if admin:
            context.update(_plain_admin_context())
        template = loader.get_template(ADMIN_TEMPLATE if admin else PUBLIC_TEMPLATE)
        return HttpResponse(template.render(context), status=500)
    except Exception:
        logger.exception("The error page itself failed; answering with the plain one")
        body = (
            f'<!doctype html><html lang="{escape(get_language() or settings.LANGUAGE_CODE)}"><meta charset="utf-8">'
            f"<title>{escape(SERVER_ERROR_TITLE)}</title>"
            f"<h1>{escape(SERVER_ERROR_TITLE)}</h1><p>{escape(SERVER_ERROR)}</p></html>"
        )
        return HttpResponse(body, status=500)
