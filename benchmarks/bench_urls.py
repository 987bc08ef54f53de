"""WSGI entry point and urlconf of the server that benchmarks/directory.py measures: the project's own site
(ikm_registry.urls, settings from ikm_registry.settings and the environment) plus `/hello/`, a bare
HttpResponse("hello") behind the same middleware, as the floor of what one request costs in that server.

    PYTHONPATH=. gunicorn benchmarks.bench_urls:application

ROOT_URLCONF is pointed at this module before Django starts; the application is the project's own
ikm_registry.wsgi (which refuses DEBUG off with the development SECRET_KEY). Every response carries
`X-Bench-Worker: <pid>`, so the load generator can see which server process answered.
"""

import os

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ikm_registry.settings")

from django.conf import settings  # noqa: E402

settings.ROOT_URLCONF = __name__  # loads the settings; must happen before django.setup() in ikm_registry.wsgi
if os.environ.get("BENCH_JIT_ON"):  # compare with PostgreSQL's JIT, which the site's settings turn off
    settings.DATABASES["default"].setdefault("OPTIONS", {})["options"] = "-c jit=on"

from django.http import HttpResponse  # noqa: E402
from django.urls import include, path  # noqa: E402

from ikm_registry.wsgi import application as project_application  # noqa: E402


def hello(request):
    return HttpResponse("hello")


def bare_api_views():
    """For benchmarks/api.py: the floor of a DRF answer on this server — `/bare-api/` (a constant JSON object, no
    database) and `/bare-api/usaha/` (a plain ListAPIView of businesses: id and name, DRF's own CursorPagination by
    id, the filters as bare lookups: `wilayah` a code prefix, `q` a substring of the search document)."""
    from rest_framework import generics, serializers
    from rest_framework.pagination import CursorPagination
    from rest_framework.response import Response
    from rest_framework.views import APIView

    from businesses.models import Business

    class Bare(APIView):
        authentication_classes, permission_classes, throttle_classes = [], [], []

        def get(self, request):
            return Response({"hello": "world"})

    class Row(serializers.ModelSerializer):
        class Meta:
            model = Business
            fields = ["id", "name"]

    class Pages(CursorPagination):
        ordering = "id"
        page_size = 50

    class BareList(generics.ListAPIView):
        authentication_classes, permission_classes, throttle_classes = [], [], []
        filter_backends = []
        serializer_class = Row
        pagination_class = Pages

        def get_queryset(self):
            rows = Business.objects.filter(status="published").only("id", "name")
            if wilayah := self.request.query_params.get("wilayah"):
                rows = rows.filter(village__code__startswith=wilayah + ".")
            if q := self.request.query_params.get("q"):
                rows = rows.filter(search_document__contains=q.lower())
            return rows

    return [path("bare-api/", Bare.as_view()), path("bare-api/usaha/", BareList.as_view())]


urlpatterns = [
    path("hello/", hello),
    *bare_api_views(),
    path("", include("ikm_registry.urls")),
]


CHANGE_EVERY_REQUEST = bool(os.environ.get("BENCH_CHANGE_EVERY_REQUEST"))


def application(environ, start_response):
    if CHANGE_EVERY_REQUEST:  # what a save does to the public cache (the version is per process with locmem)
        from ikm_registry.public_cache import _bump

        _bump()

    def start(status, headers, exc_info=None):
        return start_response(status, [*headers, ("X-Bench-Worker", str(os.getpid()))], exc_info)

    return project_application(environ, start)
