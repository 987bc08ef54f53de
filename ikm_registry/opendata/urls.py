from django.urls import path

from ikm_registry.opendata import ckan, dcat, views

app_name = "opendata"
# Public interface (portals harvest these addresses, and users bookmark the files): keep the paths stable.
urlpatterns = [
    path("data/", views.index, name="index"),
    path("data/<slug:slug>/", views.detail, name="dataset"),
    path("data/<slug:slug>.csv", views.download, {"file_format": "csv"}, name="csv"),
    path("data/<slug:slug>.json", views.download, {"file_format": "json"}, name="json"),
    path("catalog.jsonld", dcat.catalog, name="catalog"),
    # CKAN's action API at its versioned address and at the one CKAN clients (ckanapi) call by default.
    path("api/3/action/<str:name>", ckan.action, name="ckan_action"),
    path("api/action/<str:name>", ckan.action, name="ckan_action_unversioned"),
]
