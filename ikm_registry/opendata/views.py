"""The open-data pages (`/data/`, `/data/<slug>/`) and downloads (`/data/<slug>.csv`, `/data/<slug>.json`).

Pages are cached like every public page. Downloads are not stored whole (a national table runs to megabytes): they
are written row by row from the cached rows, with an ETag (the rows' fingerprint) and Last-Modified (the dataset's
tanggal pemutakhiran), so a harvester that asks again with If-None-Match / If-Modified-Since gets a 304 without the
rows being read.
"""

from __future__ import annotations

import csv
import io
import json

from django.conf import settings
from django.http import StreamingHttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import translation
from django.utils.cache import get_conditional_response, patch_cache_control
from django.utils.http import http_date
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_safe

from ikm_registry.error_pages import NotFound
from ikm_registry.opendata.base import (
    SOURCE_LANGUAGE,
    Dataset,
    dataset_rows,
    dataset_summary,
    datasets,
    json_value,
    license_info,
    metadata_items,
    publisher_name,
    site_url,
)
from ikm_registry.public_cache import cache_public_page

PREVIEW_ROWS = 10
TYPE_LABELS = {"string": _("teks"), "integer": _("bilangan bulat"), "number": _("bilangan"), "date": _("tanggal")}
NUMERIC_TYPES = ("integer", "number")
MEDIA_TYPES = {"csv": "text/csv; charset=utf-8", "json": "application/json"}


def get_dataset(slug: str) -> Dataset:
    try:
        return datasets.get(slug)
    except LookupError:
        raise NotFound(
            _("Dataset ini tidak ada: mungkin alamatnya salah."),
            link_url=reverse("opendata:index"),
            link_label=_("Lihat semua data terbuka"),
        ) from None


def endpoints(request) -> dict:
    """The harvesting addresses shown on /data/ (absolute, as a portal's administrator would copy them)."""
    base = site_url(request)
    return {
        "site": base,
        "ckan": f"{base}/api/3/action/package_list",
        "ckan_search": f"{base}/api/3/action/package_search",
        "dcat": f"{base}/catalog.jsonld",
    }


@require_safe
@cache_public_page()
def index(request):
    items = [{"dataset": dataset, "summary": dataset_summary(dataset, request=request)} for dataset in datasets]
    return render(
        request,
        "opendata/index.html",
        {
            "items": items,
            "endpoints": endpoints(request),
            "publisher": publisher_name(),
            "license": license_info(),
        },
    )


@require_safe
@cache_public_page()
def detail(request, slug: str):
    dataset = get_dataset(slug)
    summary, rows = dataset_rows(dataset, request=request)
    columns = [
        {"name": column.name, "title": column.title, "description": column.description,
         "type_label": TYPE_LABELS[column.type], "numeric": column.type in NUMERIC_TYPES}
        for column in dataset.columns
    ]  # fmt: skip
    preview = [
        [{"value": value, "numeric": column["numeric"]} for column, value in zip(columns, row, strict=True)]
        for row in rows[:PREVIEW_ROWS]
    ]
    return render(
        request,
        "opendata/dataset.html",
        {
            "dataset": dataset,
            "summary": summary,
            "metadata": metadata_items(dataset, summary),
            "columns": columns,
            "preview": preview,
            "endpoints": endpoints(request),
            "license": license_info(),
        },
    )


CHUNK_ROWS = 2000  # rows written per piece of a streamed file (one piece per row made gzip and the loop slow)


def _csv_chunks(dataset: Dataset, rows):
    """The CSV in pieces of CHUNK_ROWS rows: dates as ISO text, None as an empty cell (csv's own conversions)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(dataset.column_names)
    for start in range(0, len(rows), CHUNK_ROWS):
        writer.writerows(rows[start : start + CHUNK_ROWS])
        yield buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()
    if not rows:
        yield buffer.getvalue()


def json_head(dataset: Dataset, summary) -> dict:
    """A JSON download without its rows: the dataset, its metadata and its columns (in Indonesian)."""
    with translation.override(SOURCE_LANGUAGE):
        return {
            "dataset": dataset.name,
            "judul": str(dataset.title),
            "deskripsi": str(dataset.description),
            "metadata": {item.key: json_value(item.value) for item in metadata_items(dataset, summary)},
            "lisensi": license_info(),
            "kolom": [
                {
                    "nama": column.name,
                    "judul": str(column.title),
                    "tipe": column.type,
                    "keterangan": str(column.description),
                }
                for column in dataset.columns
            ],
            "jumlah_baris": summary.row_count,
        }


def _json_chunks(dataset: Dataset, summary, rows):
    head = json.dumps(json_head(dataset, summary), ensure_ascii=False)
    yield head[:-1] + ', "data": ['
    names = dataset.column_names
    for start in range(0, len(rows), CHUNK_ROWS):
        records = [dict(zip(names, row, strict=True)) for row in rows[start : start + CHUNK_ROWS]]
        text = json.dumps(records, ensure_ascii=False, default=json_value)
        yield ("," if start else "") + text[1:-1]
    yield "]}\n"


@require_safe
def download(request, slug: str, file_format: str):
    """The dataset as CSV (UTF-8, comma, header row of column names) or JSON (metadata, columns and rows)."""
    dataset = get_dataset(slug)
    summary = dataset_summary(dataset, request=request)
    not_modified = get_conditional_response(
        request, etag=_etag(summary, file_format), last_modified=int(summary.modified.timestamp())
    )
    if not_modified is not None:
        return _headers(not_modified, summary, file_format)
    summary, rows = dataset_rows(dataset, request=request)
    if file_format == "csv":
        response = StreamingHttpResponse(_csv_chunks(dataset, rows), content_type=MEDIA_TYPES["csv"])
        response["Content-Disposition"] = f'attachment; filename="{dataset.name}.csv"'
    else:
        response = StreamingHttpResponse(_json_chunks(dataset, summary, rows), content_type=MEDIA_TYPES["json"])
    return _headers(response, summary, file_format)


def _etag(summary, file_format: str) -> str:
    return f'"{summary.fingerprint[:40]}-{file_format}"'


def _headers(response, summary, file_format: str):
    response["ETag"] = _etag(summary, file_format)
    response["Last-Modified"] = http_date(summary.modified.timestamp())
    patch_cache_control(response, public=True, max_age=settings.PUBLIC_HTTP_MAX_AGE)
    return response
