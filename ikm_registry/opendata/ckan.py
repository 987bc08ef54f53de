"""A CKAN-compatible read API over the open-data datasets (`/api/3/action/<action>`, also `/api/action/<action>`),
so that a provincial or national CKAN portal harvests them with its stock CKAN harvester (ckanext-harvest), and any
CKAN client (ckanapi) reads them.

As CKAN does: GET with the parameters in the query string or POST with a JSON object; every answer is
`{"help": ..., "success": true, "result": ...}`, or `{"help": ..., "success": false, "error": {"__type": ...,
"message": ...}}` with 404 (Not Found Error), 409 (Validation Error, Search Query Error) or 400 (an unknown action,
a body that is not JSON). The actions a harvester and ckanapi call: package_list, package_show, package_search (q,
fq, rows, start, sort), current_package_list_with_resources, organization_list, organization_show, group_list,
tag_list, license_list, site_read, status_show, help_show. There is one organization: the publisher
(OPEN_DATA_PUBLISHER). Writing actions do not exist here.

`package_search`'s `fq` understands the filters stock harvesters send: `metadata_modified:[2025-01-01T00:00:00Z TO
*]` (and metadata_created), `organization:<name>` / `-organization:<name>` (owner_org), `name:`, `id:`, `tags:`,
`res_format:`; any other filter is a Search Query Error, not silently ignored.
"""

from __future__ import annotations

import datetime
import json
import re
import uuid

from django.http import JsonResponse
from django.utils import timezone, translation
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.text import slugify
from django.views.decorators.csrf import csrf_exempt

from ikm_registry.opendata.base import (
    SOURCE_LANGUAGE,
    dataset_summary,
    dataset_uuid,
    datasets,
    license_info,
    metadata_items,
    publisher_name,
    site_url,
)
from ikm_registry.public_cache import cache_public_page

# The CKAN release whose action API this one follows (status_show); clients use it to choose what to call.
CKAN_API_LEVEL = "2.10.0"
ROWS_MAX = 1000  # CKAN's ckan.search.rows_max
DEFAULT_ROWS = 10
PARAMETERS = ("id", "name", "q", "fq", "rows", "start", "sort", "limit", "offset", "all_fields", "include_datasets")
RESOURCE_FORMATS = (("csv", "CSV", "text/csv"), ("json", "JSON", "application/json"))


class ActionError(Exception):
    """A CKAN error answer: `kind` (its __type), the HTTP status and the error's fields."""

    def __init__(self, kind: str, status: int, **fields):
        super().__init__(kind)
        self.kind, self.http_status, self.fields = kind, status, fields


def not_found(message="Not found") -> ActionError:
    return ActionError("Not Found Error", 404, message=message)


def invalid(**errors) -> ActionError:
    return ActionError("Validation Error", 409, **errors)


def query_error(message) -> ActionError:
    return ActionError("Search Query Error", 409, message=f"Search Query Error: {message}")


# --- what a dataset looks like in CKAN ----------------------------------------------------------------------------


def ckan_time(value: datetime.datetime) -> str:
    """CKAN's timestamps: UTC without an offset, with microseconds (2025-07-01T02:00:00.000000)."""
    return value.astimezone(datetime.UTC).replace(tzinfo=None).isoformat(timespec="microseconds")


def organization_dict(request, *, package_count: int | None = None) -> dict:
    base = site_url(request)
    name = publisher_name()
    found = {
        "id": str(uuid.uuid5(uuid.NAMESPACE_URL, f"{base}/data/#penerbit")),
        "name": slugify(name) or "penerbit",
        "title": name,
        "display_name": name,
        "description": "",
        "type": "organization",
        "is_organization": True,
        "state": "active",
        "approval_status": "approved",
        "image_url": "",
        "image_display_url": "",
    }
    if package_count is not None:
        found["package_count"] = package_count
    return found


def package_dict(request, dataset, summary) -> dict:
    """`dataset` as package_show gives a CKAN dataset: its resources (the CSV and JSON files), tags, organization,
    license, and the Satu Data metadata as extras."""
    base = site_url(request)
    package_id = dataset_uuid(request, dataset)
    license = license_info()
    created, modified = ckan_time(summary.issued), ckan_time(summary.modified)
    resources = []
    for position, (extension, label, media_type) in enumerate(RESOURCE_FORMATS):
        url = f"{base}/data/{dataset.name}.{extension}"
        resources.append(
            {
                "id": str(uuid.uuid5(uuid.NAMESPACE_URL, url)),
                "package_id": package_id,
                "name": f"{dataset.title} ({label})",
                "description": str(dataset.description),
                "format": label,
                "mimetype": media_type,
                "url": url,
                "url_type": None,
                "resource_type": None,
                "state": "active",
                "position": position,
                "created": created,
                "last_modified": modified,
                "metadata_modified": modified,
                "hash": "",
                "size": None,
                "cache_url": None,
                "datastore_active": False,
            }
        )
    tags = [
        {"id": str(uuid.uuid5(uuid.NAMESPACE_URL, f"{base}/data/#tag-{keyword}")), "name": str(keyword),
         "display_name": str(keyword), "state": "active", "vocabulary_id": None}
        for keyword in dataset.keywords
    ]  # fmt: skip
    organization = organization_dict(request)
    publisher = publisher_name()
    return {
        "id": package_id,
        "name": dataset.name,
        "title": str(dataset.title),
        "notes": str(dataset.description),
        "url": f"{base}/data/{dataset.name}/",
        "type": "dataset",
        "state": "active",
        "private": False,
        "version": None,
        "author": publisher,
        "author_email": None,
        "maintainer": publisher,
        "maintainer_email": None,
        "license_id": license["ckan_id"],
        "license_title": license["title"],
        "license_url": license["url"],
        "isopen": license["ckan_id"] in ("cc-by", "cc-by-sa", "cc-zero", "odc-odbl", "odc-pddl", "odc-by"),
        "metadata_created": created,
        "metadata_modified": modified,
        "creator_user_id": None,
        "owner_org": organization["id"],
        "organization": organization,
        "groups": [],
        "tags": tags,
        "num_tags": len(tags),
        "resources": resources,
        "num_resources": len(resources),
        "extras": [{"key": item.key, "value": item.text} for item in metadata_items(dataset, summary)],
        "relationships_as_object": [],
        "relationships_as_subject": [],
    }


def _packages(request) -> list[dict]:
    return [package_dict(request, dataset, dataset_summary(dataset, request=request)) for dataset in datasets]


# --- parameters -------------------------------------------------------------------------------------------------------


def _integer(params, name: str, default: int | None, *, maximum: int | None = None) -> int | None:
    value = params.get(name)
    if value in (None, ""):
        return default
    try:
        number = int(value)
    except (TypeError, ValueError):
        raise invalid(**{name: ["Invalid integer"]}) from None
    if number < 0:
        raise invalid(**{name: ["Must be a natural number"]})
    if maximum is not None and number > maximum:
        raise invalid(**{name: [f"Must be less than or equal to {maximum}"]})
    return number


def _flag(params, name: str) -> bool:
    value = params.get(name)
    return value is True or str(value).lower() in ("true", "1", "yes", "on")


def _window(items: list, params, *, offset_name="offset", limit_name="limit", default_limit=None) -> list:
    offset = _integer(params, offset_name, 0)
    limit = _integer(params, limit_name, default_limit)
    return items[offset:] if limit is None else items[offset : offset + limit]


def _moment(text: str) -> datetime.datetime:
    """A date or date-time of a Solr range (2025-01-01T00:00:00Z, 2025-01-01T00:00:00.123Z, 2025-01-01)."""
    text = text.strip()
    found = parse_datetime(text.replace("Z", "+00:00")) if "T" in text else None
    if found is None:
        day = parse_date(text)
        found = datetime.datetime.combine(day, datetime.time.min) if day else None
    if found is None:
        raise query_error(f"cannot read the date {text!r}")
    return found if timezone.is_aware(found) else found.replace(tzinfo=datetime.UTC)


def _in_range(value: str, bounds: str) -> bool:
    match = re.fullmatch(r"\[\s*(\S+)\s+TO\s+(\S+)\s*\]", bounds)
    if match is None:
        raise query_error(f"a range is written [FROM TO UNTIL], not {bounds}")
    moment = datetime.datetime.fromisoformat(value).replace(tzinfo=datetime.UTC)
    low, high = match.groups()
    return (low == "*" or moment >= _moment(low)) and (high == "*" or moment <= _moment(high))


TERM = re.compile(r'\s*([+-]?)([\w.]+):(\[[^\]]*\]|"[^"]*"|[^\s"\[\]]+)\s*')


def _matches(package: dict, field: str, value: str) -> bool:
    value = value.strip('"')
    if field in ("metadata_modified", "metadata_created"):
        return _in_range(package[field], value)
    if field in ("organization", "owner_org"):
        organization = package["organization"]
        return value in (organization["name"], organization["id"])
    if field in ("name", "id"):
        return package[field] == value
    if field == "tags":
        return value in [tag["name"] for tag in package["tags"]]
    if field == "res_format":
        return value.upper() in [resource["format"].upper() for resource in package["resources"]]
    if field in ("type", "dataset_type"):
        return value == package["type"]
    if field == "capacity":
        return value == "public"
    return value == package["state"]  # state


FILTER_FIELDS = ("metadata_modified", "metadata_created", "organization", "owner_org", "name", "id", "tags",
                 "res_format", "type", "dataset_type", "capacity", "state")  # fmt: skip


def _filtered(packages: list[dict], expression: str) -> list[dict]:
    """`packages` that pass every term of a Solr filter query (a space-separated AND of field:value terms)."""
    expression = expression.strip()
    if expression in ("", "*:*"):
        return packages
    terms, position = [], 0
    while position < len(expression):
        match = TERM.match(expression, position)
        if match is None:
            raise query_error(f"cannot read {expression[position:]!r}")
        sign, field, value = match.groups()
        if field not in FILTER_FIELDS:
            raise query_error(f"unknown field {field!r} (this registry filters on {', '.join(FILTER_FIELDS)})")
        if field in ("metadata_modified", "metadata_created"):
            _in_range("2000-01-01T00:00:00", value)  # a range it cannot read is an error even without datasets
        terms.append((sign, field, value))
        position = match.end()
    return [
        package
        for package in packages
        if all(_matches(package, field, value) != (sign == "-") for sign, field, value in terms)
    ]


def _searched(packages: list[dict], q: str) -> list[dict]:
    """Free text: every word of `q` in the title, description, name, tags or metadata (case ignored); a `field:value`
    query filters like fq."""
    q = q.strip()
    if q in ("", "*:*", "*"):
        return packages
    if TERM.fullmatch(q):
        return _filtered(packages, q)
    words = q.lower().split()

    def text(package):
        parts = [package["name"], package["title"], package["notes"], *(tag["name"] for tag in package["tags"])]
        parts += [extra["value"] for extra in package["extras"]]
        return " ".join(parts).lower()

    return [package for package in packages if all(word in text(package) for word in words)]


SORT_KEYS = {
    "id": lambda package: package["id"],
    "name": lambda package: package["name"],
    "title_string": lambda package: package["title"].lower(),
    "title": lambda package: package["title"].lower(),
    "metadata_modified": lambda package: package["metadata_modified"],
    "metadata_created": lambda package: package["metadata_created"],
}


def _sorted(packages: list[dict], sort: str) -> list[dict]:
    """CKAN's `sort` ("metadata_modified desc", "name asc, id asc"); `score` (relevance) keeps the order given."""
    ordered = list(packages)
    clauses = [clause.split() for clause in sort.split(",") if clause.strip()]
    for clause in reversed(clauses):
        field, direction = clause[0], (clause[1].lower() if len(clause) > 1 else "asc")
        if direction not in ("asc", "desc") or len(clause) > 2:
            raise query_error(f"cannot sort by {' '.join(clause)!r}")
        if field == "score":
            continue
        if field not in SORT_KEYS:
            raise query_error(f"cannot sort by {field!r}")
        ordered.sort(key=SORT_KEYS[field], reverse=direction == "desc")
    return ordered


# --- the actions ------------------------------------------------------------------------------------------------------


def package_list(request, params):
    """The names of all datasets (limit, offset)."""
    return _window([dataset.name for dataset in datasets], params)


def current_package_list_with_resources(request, params):
    """Every dataset with its resources, latest change first (limit, offset)."""
    packages = sorted(_packages(request), key=lambda package: package["metadata_modified"], reverse=True)
    return _window(packages, params)


def package_show(request, params):
    """One dataset by its name or id."""
    wanted = params.get("id") or params.get("name")
    if not wanted:
        raise invalid(id=["Missing value"])
    for dataset in datasets:
        if wanted in (dataset.name, dataset_uuid(request, dataset)):
            return package_dict(request, dataset, dataset_summary(dataset, request=request))
    raise not_found()


def package_search(request, params):
    """Datasets matching q (free text) and fq (filters), sorted (default: relevance, then latest change), paged by
    rows (≤ 1000) and start."""
    rows = _integer(params, "rows", DEFAULT_ROWS, maximum=ROWS_MAX)
    start = _integer(params, "start", 0)
    sort = params.get("sort") or "score desc, metadata_modified desc"
    found = _sorted(_filtered(_searched(_packages(request), params.get("q") or ""), params.get("fq") or ""), sort)
    return {
        "count": len(found),
        "results": found[start : start + rows],
        "sort": sort,
        "facets": {},
        "search_facets": {},
    }


def organization_list(request, params):
    """The publisher: its name, or (all_fields) the whole organization with its dataset count."""
    if _flag(params, "all_fields"):
        found = [organization_dict(request, package_count=len(datasets))]
    else:
        found = [organization_dict(request)["name"]]
    return _window(found, params)


def organization_show(request, params):
    """The publisher by name or id; its datasets with include_datasets."""
    wanted = params.get("id") or params.get("name")
    if not wanted:
        raise invalid(id=["Missing value"])
    organization = organization_dict(request, package_count=len(datasets))
    if wanted not in (organization["name"], organization["id"]):
        raise not_found("Organization not found")
    if _flag(params, "include_datasets"):
        organization["packages"] = _packages(request)
    organization.update({"users": [], "groups": [], "tags": [], "extras": []})
    return organization


def group_list(request, params):
    """No groups: datasets belong to the publisher only."""
    return []


def tag_list(request, params):
    """Every keyword of the datasets."""
    return sorted({str(keyword) for dataset in datasets for keyword in dataset.keywords})


def license_list(request, params):
    """The one license every dataset carries (OPEN_DATA_LICENSE)."""
    license = license_info()
    return [{"id": license["ckan_id"], "title": license["title"], "url": license["url"], "status": "active"}]


def site_read(request, params):
    return True


def status_show(request, params):
    """What this API is: the site, its language and the CKAN API level it follows."""
    return {
        "site_title": "Registri IKM",
        "site_description": f"Data terbuka {publisher_name()}",
        "site_url": site_url(request),
        "ckan_version": CKAN_API_LEVEL,
        "error_emails_to": None,
        "locale_default": SOURCE_LANGUAGE,
        "extensions": [],
    }


def help_show(request, params):
    """What an action does."""
    name = params.get("name")
    if name not in ACTIONS:
        raise not_found(f"Action function not found: {name}")
    return (ACTIONS[name].__doc__ or "").strip()


ACTIONS = {
    function.__name__: function
    for function in (
        package_list,
        current_package_list_with_resources,
        package_show,
        package_search,
        organization_list,
        organization_show,
        group_list,
        tag_list,
        license_list,
        site_read,
        status_show,
        help_show,
    )
}


def _parameters(request) -> dict:
    if request.method == "POST":
        body = request.body.decode("utf-8", errors="replace").strip()
        if not body:
            return {}
        if "json" in request.content_type or body.startswith("{"):
            try:
                found = json.loads(body)
            except ValueError as error:
                raise ActionError("Bad Request", 400, message=f"Bad request - JSON Error: {error}") from None
            if not isinstance(found, dict):
                raise ActionError("Bad Request", 400, message="Bad request - JSON Error: not an object")
            return found
        return request.POST.dict()
    return request.GET.dict()


@csrf_exempt
@cache_public_page(*PARAMETERS)
def action(request, name: str):
    """/api/3/action/<name>: one CKAN action, GET or POST, answered in CKAN's envelope."""
    base = site_url(request)
    envelope = {"help": f"{base}/api/3/action/help_show?name={name}"}
    function = ACTIONS.get(name)
    if request.method not in ("GET", "HEAD", "POST"):
        return _answer(
            {**envelope, "success": False, "error": {"__type": "Bad Request", "message": "GET or POST"}}, 405
        )
    if function is None:
        error = {"__type": "Bad Request", "message": f"Bad request - Action name not known: {name}"}
        return _answer({**envelope, "success": False, "error": error}, 400)
    try:
        with translation.override(SOURCE_LANGUAGE):
            result = function(request, _parameters(request))
    except ActionError as error:
        return _answer(
            {**envelope, "success": False, "error": {"__type": error.kind, **error.fields}}, error.http_status
        )
    return _answer({**envelope, "success": True, "result": result}, 200)


def _answer(payload: dict, status: int) -> JsonResponse:
    response = JsonResponse(payload, status=status, json_dumps_params={"ensure_ascii": False})
    if status == 405:
        response["Allow"] = "GET, HEAD, POST"
    return response
