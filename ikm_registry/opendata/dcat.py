"""The DCAT-AP catalog of the open-data datasets, as JSON-LD (`/catalog.jsonld`), for ckanext-dcat's harvester and
any other DCAT reader.

A dcat:Catalog published by the office (foaf:Organization) lists each dataset (dcat:Dataset: title, description,
keywords, theme, identifier, issued, modified, language, landing page, accrual periodicity, publisher, contact
point, temporal and spatial coverage) with its distributions (dcat:Distribution: the CSV and the JSON file, each with
its access and download URL, format, media type and license). Paged like ckanext-dcat's own endpoint: `?page=N`
(CATALOG_PAGE_SIZE datasets a page) described by a hydra:PagedCollection (hydra:nextPage, the property older
harvesters follow) that is also a hydra:PartialCollectionView (hydra:next, the newer one); `?modified_since=` (a date
or ISO date-time) keeps the datasets changed since then.
"""

from __future__ import annotations

import datetime
import math
from urllib.parse import urlencode

from django.http import JsonResponse
from django.utils import timezone, translation
from django.utils.dateparse import parse_date, parse_datetime
from django.views.decorators.http import require_safe

from ikm_registry.opendata.base import (
    EU_FREQUENCY,
    EU_LANGUAGE_IND,
    EU_THEME,
    SOURCE_LANGUAGE,
    dataset_summary,
    dataset_uuid,
    datasets,
    license_info,
    metadata_items,
    publisher_name,
    site_url,
)
from ikm_registry.opendata.ckan import RESOURCE_FORMATS
from ikm_registry.public_cache import cache_public_page

CATALOG_PAGE_SIZE = 100  # as ckanext-dcat

CONTEXT = {
    "dcat": "http://www.w3.org/ns/dcat#",
    "dct": "http://purl.org/dc/terms/",
    "foaf": "http://xmlns.com/foaf/0.1/",
    "vcard": "http://www.w3.org/2006/vcard/ns#",
    "skos": "http://www.w3.org/2004/02/skos/core#",
    "xsd": "http://www.w3.org/2001/XMLSchema#",
    "hydra": "http://www.w3.org/ns/hydra/core#",
}
MEDIA_TYPE = "application/ld+json"


def _text(value) -> dict:
    return {"@value": str(value), "@language": SOURCE_LANGUAGE}


def _time(value: datetime.datetime) -> dict:
    return {"@value": timezone.localtime(value).isoformat(timespec="seconds"), "@type": "xsd:dateTime"}


def _date(value: datetime.date) -> dict:
    return {"@value": value.isoformat(), "@type": "xsd:date"}


def _integer(value: int) -> dict:
    return {"@value": value, "@type": "xsd:integer"}


def dataset_nodes(request, dataset, summary, *, publisher: str, contact: str) -> list[dict]:
    """The dcat:Dataset node of `dataset` and the dcat:Distribution nodes of its files."""
    base = site_url(request)
    landing = f"{base}/data/{dataset.name}/"
    license = license_info()
    distributions = []
    for extension, label, media_type in RESOURCE_FORMATS:
        distribution = {
            "@id": f"{landing}#{extension}",
            "@type": "dcat:Distribution",
            "dct:title": _text(f"{dataset.title} ({label})"),
            "dct:description": _text(dataset.description),
            "dcat:accessURL": {"@id": landing},
            "dcat:downloadURL": {"@id": f"{base}/data/{dataset.name}.{extension}"},
            "dct:format": label,
            "dcat:mediaType": media_type,
            "dct:issued": _time(summary.issued),
            "dct:modified": _time(summary.modified),
        }
        if license["url"]:
            distribution["dct:license"] = {"@id": license["url"]}
        else:
            distribution["dct:rights"] = license["title"]
        distributions.append(distribution)
    node = {
        "@id": landing,
        "@type": "dcat:Dataset",
        "dct:identifier": dataset_uuid(request, dataset),
        "dct:title": _text(dataset.title),
        "dct:description": _text(dataset.description),
        "dcat:keyword": [_text(keyword) for keyword in dataset.keywords],
        "dcat:theme": {"@id": f"{EU_THEME}{dataset.theme}"},
        "dct:issued": _time(summary.issued),
        "dct:modified": _time(summary.modified),
        "dct:language": {"@id": EU_LANGUAGE_IND},
        "dcat:landingPage": {"@id": landing},
        "dct:accrualPeriodicity": {"@id": f"{EU_FREQUENCY}{dataset.frequency}"},
        "dct:publisher": {"@id": publisher},
        "dcat:contactPoint": {"@id": contact},
        "dcat:distribution": [{"@id": distribution["@id"]} for distribution in distributions],
        # The Satu Data metadata (BPS MS-Ind), as on the landing page and in the JSON file.
        "skos:note": [_text(f"{item.label}: {item.text}") for item in metadata_items(dataset, summary)],
    }
    if summary.first_year is not None:
        node["dct:temporal"] = {
            "@type": "dct:PeriodOfTime",
            "dcat:startDate": _date(datetime.date(summary.first_year, 1, 1)),
            "dcat:endDate": _date(datetime.date(summary.last_year, 12, 31)),
        }
    if summary.provinces:
        node["dct:spatial"] = [
            {"@type": "dct:Location", "dct:identifier": code, "skos:prefLabel": _text(name)}
            for code, name in summary.provinces
        ]
    return [node, *distributions]


def _since(request) -> datetime.datetime | None:
    text = (request.GET.get("modified_since") or "").strip()
    if not text:
        return None
    found = parse_datetime(text.replace("Z", "+00:00").replace(" ", "+"))
    if found is None:
        day = parse_date(text)
        if day is None:
            raise ValueError(f"modified_since must be a date or an ISO date-time, not {text!r}")
        found = datetime.datetime.combine(day, datetime.time.min)
    return found if timezone.is_aware(found) else timezone.make_aware(found)


def _page(request) -> int:
    text = request.GET.get("page") or "1"
    if not text.isdigit() or int(text) < 1:
        raise ValueError("Page param must be a positive integer starting in 1")
    return int(text)


@require_safe
@cache_public_page("page", "modified_since")
def catalog(request):
    """/catalog.jsonld: one page of the catalog."""
    try:
        since, page = _since(request), _page(request)
    except ValueError as error:
        return JsonResponse({"error": str(error)}, status=400, json_dumps_params={"ensure_ascii": False})
    base = site_url(request)
    with translation.override(SOURCE_LANGUAGE):
        listed = [(dataset, dataset_summary(dataset, request=request)) for dataset in datasets]
        if since is not None:
            listed = [(dataset, summary) for dataset, summary in listed if summary.modified >= since]
        pages = max(1, math.ceil(len(listed) / CATALOG_PAGE_SIZE))
        if page > pages:
            return JsonResponse({"error": f"page {page} > {pages}"}, status=404)
        shown = listed[(page - 1) * CATALOG_PAGE_SIZE : page * CATALOG_PAGE_SIZE]
        publisher, contact = f"{base}/data/#penerbit", f"{base}/data/#kontak"
        catalog_node = {
            "@id": f"{base}/catalog.jsonld",
            "@type": "dcat:Catalog",
            "dct:title": _text(f"Data terbuka Registri IKM — {publisher_name()}"),
            "dct:description": _text(
                "Data agregat industri kecil dan menengah (IKM) dengan metadata Satu Data Indonesia: jumlah IKM, "
                "tenaga kerja dan investasi yang dirilis, kegiatan pembinaan, dan sertifikasi."
            ),
            "dct:language": {"@id": EU_LANGUAGE_IND},
            "foaf:homepage": {"@id": f"{base}/data/"},
            "dct:publisher": {"@id": publisher},
            "dcat:dataset": [{"@id": f"{base}/data/{dataset.name}/"} for dataset, _summary in shown],
        }
        if listed:
            catalog_node["dct:modified"] = _time(max(summary.modified for _dataset, summary in listed))
        license = license_info()
        if license["url"]:
            catalog_node["dct:license"] = {"@id": license["url"]}
        graph = [
            catalog_node,
            {"@id": publisher, "@type": "foaf:Organization", "foaf:name": publisher_name(),
             "foaf:homepage": {"@id": f"{base}/"}},
            {"@id": contact, "@type": "vcard:Organization", "vcard:fn": publisher_name(),
             "vcard:hasURL": {"@id": f"{base}/tentang/"}},
        ]  # fmt: skip
        for dataset, summary in shown:
            graph += dataset_nodes(request, dataset, summary, publisher=publisher, contact=contact)
        graph.append(_paging(base, page, pages, len(listed), since_text=request.GET.get("modified_since") or ""))
    response = JsonResponse({"@context": CONTEXT, "@graph": graph}, json_dumps_params={"ensure_ascii": False})
    response["Content-Type"] = MEDIA_TYPE
    return response


def _paging(base: str, page: int, pages: int, total: int, *, since_text: str) -> dict:
    """hydra's description of this page, with both the properties ckanext-dcat has read (nextPage... as text) and
    those of current Hydra (next... as links)."""

    def url(number: int) -> str:
        query = {"modified_since": since_text} if since_text else {}
        return f"{base}/catalog.jsonld?{urlencode({**query, 'page': number})}"

    node = {
        "@id": url(page),
        "@type": ["hydra:PagedCollection", "hydra:PartialCollectionView"],
        "hydra:totalItems": _integer(total),
        "hydra:itemsPerPage": _integer(CATALOG_PAGE_SIZE),
        "hydra:firstPage": url(1),
        "hydra:lastPage": url(pages),
        "hydra:first": {"@id": url(1)},
        "hydra:last": {"@id": url(pages)},
    }
    if page < pages:
        node["hydra:nextPage"] = url(page + 1)
        node["hydra:next"] = {"@id": url(page + 1)}
    if page > 1:
        node["hydra:previousPage"] = url(page - 1)
        node["hydra:previous"] = {"@id": url(page - 1)}
    return node
