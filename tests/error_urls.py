"""The project's urls plus views that fail on purpose, on a public path and under /admin/, for the error page tests."""

from django.core.exceptions import PermissionDenied, SuspiciousOperation
from django.urls import path

from ikm_registry.urls import handler400, handler403, handler404, handler500  # noqa: F401
from ikm_registry.urls import urlpatterns as project_urlpatterns


def bad_request(request):
    raise SuspiciousOperation("rusak")


def forbidden(request):
    raise PermissionDenied


def broken(request):
    raise RuntimeError("boom")


urlpatterns = [
    path("uji/400/", bad_request),
    path("uji/403/", forbidden),
    path("uji/500/", broken),
    # Before the admin's own catch-all, which would send a visitor who is not signed in to the login page.
    path("admin/uji/400/", bad_request),
    path("admin/uji/403/", forbidden),
    path("admin/uji/500/", broken),
    *project_urlpatterns,
]
