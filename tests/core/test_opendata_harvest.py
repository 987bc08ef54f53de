"""Harvesting the open data as portals do (issue 14, acceptance): ckanapi against the live server through the CKAN
action API (package_list, package_show of each, package_search paged like ckanext-harvest's CKAN harvester), and
the DCAT-AP catalog parsed with rdflib (every dataset and distribution with its DCAT types, pages followed like
ckanext-dcat, download URLs that answer with their files). Then CKAN's answers to what goes wrong."""

from __future__ import annotations

import csv
import datetime
import io
import json
from urllib.parse import urlsplit

import ckanapi
import pytest
import requests
from django.utils import timezone
from rdflib import RDF, Graph, Literal, Namespace, URIRef

from businesses.choices import BusinessStatus
from ikm_registry.opendata import dataset_summary, datasets
from ikm_registry.opendata import dcat as dcat_module
from tests.factories import SYSTEM, BusinessFactory, BusinessYearFactory, make_event, person

DCAT = Namespace("http://www.w3.org/ns/dcat#")
DCT = Namespace("http://purl.org/dc/terms/")
HYDRA = Namespace("http://www.w3.org/ns/hydra/core#")
BPS_EXTRAS = {"konsep", "definisi", "metode_perhitungan", "ukuran", "satuan", "klasifikasi_penyajian",
              "indikator_komposit", "periode", "produsen_data", "tanggal_pemutakhiran", "dapat_diakses_umum",
              "level_estimasi"}  # fmt: skip
MEDIA_TYPES = {"CSV": "text/csv", "JSON": "application/json"}
SETTLED = timezone.localdate().year - 2


def some_data(bali_regions, kbli):
    """Published businesses with figures of a released year, one with a halal certificate, and a public event with a
    participant (no competency certificate: one dataset without rows)."""
    from certification.models import ProductCertification
    from events.services.registration import registration_create

    for n in range(4):
        business = BusinessFactory(status=BusinessStatus.PUBLISHED, village=bali_regions.tuban, kbli=kbli.batik)
        BusinessYearFactory(business=business, year=SETTLED, workforce_male=3 + n, investment=(40 + n) * 1_000_000)
    ProductCertification.objects.create(
        business=business, kind="halal", number="ID51-1", issued_on=timezone.localdate()
    )
    event = make_event("51.03", status="completed", start_date=datetime.date(SETTLED, 5, 1), quota=None)
    registration_create(event=event, data=person(1), actor=SYSTEM)


def check_file(response_status, content_type, content: bytes, resource_format: str, dataset) -> None:
    assert response_status == 200
    assert content_type.startswith(MEDIA_TYPES[resource_format])
    if resource_format == "CSV":
        header = next(csv.reader(io.StringIO(content.decode())))
        assert tuple(header) == dataset.column_names
    else:
        document = json.loads(content)
        assert document["dataset"] == dataset.name and len(document["data"]) == document["jumlah_baris"]


# --- CKAN, over HTTP ------------------------------------------------------------------------------------------------


@pytest.fixture
def harvested(transactional_db, live_server, bali_regions, kbli, settings):
    settings.OPEN_DATA_MAX_AGE = 0
    some_data(bali_regions, kbli)
    with ckanapi.RemoteCKAN(live_server.url, user_agent="ckanext-harvest-test") as remote:
        yield remote


def test_a_ckan_harvest_yields_every_dataset_with_its_resources(harvested):
    names = harvested.action.package_list()
    assert names == datasets.names() and len(names) == 5
    for name in names:
        package = harvested.action.package_show(id=name)
        dataset = datasets.get(name)
        assert (package["name"], package["title"], package["type"]) == (name, str(dataset.title), "dataset")
        assert package["organization"]["title"] == "Dinas Perindustrian dan Perdagangan"
        assert package["license_id"] == "cc-by" and package["isopen"] is True
        assert BPS_EXTRAS <= {extra["key"] for extra in package["extras"]}
        assert all(isinstance(extra["value"], str) for extra in package["extras"])  # CKAN keeps extras as text
        assert {resource["format"] for resource in package["resources"]} == {"CSV", "JSON"}
        for resource in package["resources"]:
            answer = requests.get(resource["url"], timeout=30)
            check_file(answer.status_code, answer.headers["Content-Type"], answer.content, resource["format"], dataset)
        # the same package by its id, as a harvester that stored it asks again
        assert harvested.action.package_show(id=package["id"])["name"] == name


def test_ckanapi_gets_ckans_errors_as_its_own_exceptions(harvested):
    with pytest.raises(ckanapi.NotFound):
        harvested.action.package_show(id="tidak-ada")
    with pytest.raises(ckanapi.ValidationError):
        harvested.action.package_show()
    with pytest.raises(ckanapi.SearchQueryError):
        harvested.action.package_search(fq="nama_usaha:batik")
    with pytest.raises(ckanapi.ValidationError):
        harvested.action.package_search(rows="banyak")


def test_package_search_pages_as_the_ckan_harvester_pages(harvested):
    """ckanext-harvest's CKAN harvester: sort by id, rows per page, start moved on until a short page; after a first
    harvest only what changed since (fq metadata_modified); organizations included or excluded."""
    found, start = [], 0
    while True:
        page = harvested.action.package_search(rows=2, start=start, sort="id asc",
                                               fq="metadata_modified:[2000-01-01T00:00:00Z TO *]")  # fmt: skip
        assert page["count"] == 5
        found += [package["id"] for package in page["results"]]
        if len(page["results"]) < 2:
            break
        start += 2
    assert found == sorted(found) and len(set(found)) == 5
    later = (timezone.now() + datetime.timedelta(days=1)).strftime("%Y-%m-%dT%H:%M:%SZ")
    assert harvested.action.package_search(fq=f"metadata_modified:[{later} TO *]")["count"] == 0
    organization = harvested.action.organization_list()[0]
    assert harvested.action.package_search(fq=f"organization:{organization}", rows=10)["count"] == 5
    assert harvested.action.package_search(fq=f"-organization:{organization}")["count"] == 0
    assert [package["name"] for package in harvested.action.package_search(q="investasi")["results"]] == [
        "ikm-tenaga-kerja-investasi"
    ]


def test_the_publisher_is_the_one_organization(harvested):
    assert harvested.action.organization_list() == ["dinas-perindustrian-dan-perdagangan"]
    shown = harvested.action.organization_show(id="dinas-perindustrian-dan-perdagangan", include_datasets=True)
    assert shown["package_count"] == 5 and len(shown["packages"]) == 5
    assert harvested.action.site_read() is True
    assert harvested.action.status_show()["locale_default"] == "id"


def test_the_versioned_action_api_answers_get_only_clients(harvested, live_server):
    with ckanapi.RemoteCKAN(live_server.url, get_only=True) as remote:
        remote.base_url = "api/3/action/"
        assert remote.action.package_list() == datasets.names()
        assert remote.action.package_show(id="kegiatan-peserta")["num_resources"] == 2


# --- DCAT, parsed with rdflib ---------------------------------------------------------------------------------------


def local(url) -> str:
    parts = urlsplit(str(url))
    return parts.path + (f"?{parts.query}" if parts.query else "")


def catalog_pages(client, path="/catalog.jsonld"):
    """Every page of the catalog as ckanext-dcat's harvester reads it: parse, then follow hydra:nextPage."""
    graphs = []
    while path:
        response = client.get(path)
        assert response.status_code == 200 and response["Content-Type"] == "application/ld+json"
        graph = Graph().parse(data=response.content, format="json-ld")
        graphs.append(graph)
        following = [
            next_page
            for view in graph.subjects(RDF.type, HYDRA.PagedCollection)
            for next_page in graph.objects(view, HYDRA.nextPage)
        ]
        path = local(following[0]) if following else None
    return graphs


@pytest.fixture
def catalog_data(bali_regions, kbli, settings):
    settings.OPEN_DATA_MAX_AGE = 0
    some_data(bali_regions, kbli)


def test_the_dcat_catalog_has_every_dataset_and_distribution_and_its_files_answer(client, catalog_data):
    (graph,) = catalog_pages(client)
    catalog = URIRef("http://testserver/catalog.jsonld")
    assert (catalog, RDF.type, DCAT.Catalog) in graph
    listed = set(graph.objects(catalog, DCAT.dataset))
    assert listed == {URIRef(f"http://testserver/data/{name}/") for name in datasets.names()}
    for dataset_ref in listed:
        dataset = datasets.get(local(dataset_ref).strip("/").split("/")[-1])
        assert (dataset_ref, RDF.type, DCAT.Dataset) in graph
        required = [
            DCT.title,
            DCT.description,
            DCAT.keyword,
            DCAT.theme,
            DCT.identifier,
            DCT.issued,
            DCT.modified,
            DCT.language,
            DCAT.landingPage,
            DCT.accrualPeriodicity,
            DCT.publisher,
            DCAT.contactPoint,
        ]
        if dataset_summary(dataset).row_count:  # the years and regions its rows cover
            required += [DCT.temporal, DCT.spatial]
        for predicate in required:
            assert graph.value(dataset_ref, predicate) is not None, (dataset.name, predicate)
        distributions = list(graph.objects(dataset_ref, DCAT.distribution))
        assert len(distributions) == 2
        for distribution in distributions:
            assert (distribution, RDF.type, DCAT.Distribution) in graph
            assert graph.value(distribution, DCAT.accessURL) == dataset_ref
            assert graph.value(distribution, DCT.license) == URIRef("https://creativecommons.org/licenses/by/4.0/")
            file_format = str(graph.value(distribution, DCT["format"]))
            assert str(graph.value(distribution, DCAT.mediaType)) == MEDIA_TYPES[file_format]
            response = client.get(local(graph.value(distribution, DCAT.downloadURL)))
            content = b"".join(response.streaming_content)
            check_file(response.status_code, response["Content-Type"], content, file_format, dataset)


def test_the_catalog_pages_like_ckanext_dcat(client, catalog_data, monkeypatch):
    monkeypatch.setattr(dcat_module, "CATALOG_PAGE_SIZE", 2)
    graphs = catalog_pages(client)
    assert len(graphs) == 3
    seen = [dataset for graph in graphs for dataset in graph.subjects(RDF.type, DCAT.Dataset)]
    assert len(seen) == len(set(seen)) == 5
    first = graphs[0]
    view = URIRef("http://testserver/catalog.jsonld?page=1")
    assert (view, RDF.type, HYDRA.PartialCollectionView) in first
    assert first.value(view, HYDRA.totalItems) == Literal(5)
    assert first.value(view, HYDRA.next) == URIRef("http://testserver/catalog.jsonld?page=2")
    assert str(first.value(view, HYDRA.lastPage)) == "http://testserver/catalog.jsonld?page=3"


def test_the_catalog_keeps_what_changed_since_a_date(client, catalog_data):
    tomorrow = (timezone.localdate() + datetime.timedelta(days=1)).isoformat()
    (graph,) = catalog_pages(client, f"/catalog.jsonld?modified_since={tomorrow}")
    assert list(graph.subjects(RDF.type, DCAT.Dataset)) == []
    (graph,) = catalog_pages(client, "/catalog.jsonld?modified_since=2000-01-01T00:00:00Z")
    assert len(list(graph.subjects(RDF.type, DCAT.Dataset))) == 5


@pytest.mark.parametrize(("query", "status"), [("page=0", 400), ("page=dua", 400), ("page=9", 404),
                                               ("modified_since=kemarin", 400)])  # fmt: skip
def test_a_catalog_page_that_cannot_be_is_refused(client, catalog_data, query, status):
    assert client.get(f"/catalog.jsonld?{query}").status_code == status


# --- CKAN's envelope and errors, through the test client ------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("path", "status", "kind"),
    [
        ("/api/3/action/package_show?id=tidak-ada", 404, "Not Found Error"),
        ("/api/3/action/package_show", 409, "Validation Error"),
        ("/api/3/action/package_search?rows=1001", 409, "Validation Error"),
        ("/api/3/action/package_search?start=-1", 409, "Validation Error"),
        ("/api/3/action/package_search?fq=metadata_modified:[kemarin TO *]", 409, "Search Query Error"),
        ("/api/3/action/package_search?sort=nama asc", 409, "Search Query Error"),
        ("/api/3/action/organization_show?id=lain", 404, "Not Found Error"),
        ("/api/3/action/package_create", 400, "Bad Request"),
    ],
)
def test_ckan_errors_have_ckans_shape_and_status(client, path, status, kind):
    response = client.get(path)
    assert response.status_code == status
    answer = response.json()
    assert answer["success"] is False and answer["error"]["__type"] == kind
    assert answer["help"].startswith("http://testserver/api/3/action/help_show?name=")


@pytest.mark.django_db
def test_actions_take_a_json_body_by_post_without_a_csrf_token(client):
    from django.test import Client

    strict = Client(enforce_csrf_checks=True)
    answer = strict.post("/api/3/action/package_show", {"id": "kegiatan-peserta"}, content_type="application/json")
    assert answer.status_code == 200 and answer.json()["result"]["name"] == "kegiatan-peserta"
    broken = strict.post("/api/3/action/package_show", "{not json", content_type="application/json")
    assert broken.status_code == 400 and broken.json()["success"] is False


@pytest.mark.django_db
def test_help_show_and_the_lists_of_tags_and_licenses(client):
    assert "name or id" in client.get("/api/3/action/help_show?name=package_show").json()["result"]
    assert "IKM" in client.get("/api/3/action/tag_list").json()["result"]
    assert client.get("/api/3/action/license_list").json()["result"][0]["id"] == "cc-by"
    assert client.get("/api/3/action/group_list").json()["result"] == []
