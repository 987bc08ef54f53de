"""/api/: the documented API. /api/v1/… endpoints (the core's and those apps register in `api_routes`), the OpenAPI 3
schema at /api/schema/ and its browsable docs at /api/ (Swagger UI from the installed sidecar package, no CDN)."""

from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
from rest_framework.routers import DefaultRouter

from ikm_registry.api import imports, reference, schema  # noqa: F401 (schema: the filter parameters' extension)
from ikm_registry.api.registry import api_routes


class Router(DefaultRouter):
    include_root_view = True
    trailing_slash = "/"


def router_urls():
    router = Router()
    router.register("wilayah", reference.RegionViewSet, basename="wilayah")
    router.register("kbli", reference.KbliViewSet, basename="kbli")
    router.register("subsektor", reference.SubsectorViewSet, basename="subsektor")
    for route in api_routes:
        router.register(route.prefix, route.viewset, basename=route.basename or route.name)
    return router.urls


urlpatterns = [
    # The split view serves Swagger UI's start-up script as a file of its own: the Content Security Policy allows no
    # inline script.
    path("", SpectacularSwaggerSplitView.as_view(url_name="api-schema"), name="api-docs"),
    path("schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("v1/verifikasi/", reference.VerificationView.as_view(), name="api-verify"),
    path("v1/statistik/", reference.StatisticsView.as_view(), name="api-statistics"),
    path("v1/staf/impor/", imports.StaffImportKindsView.as_view(), name="api-import-kinds"),
    path("v1/staf/impor/<slug:jenis>/", imports.StaffImportView.as_view(), name="api-import"),
    path("v1/", include(router_urls())),
]
