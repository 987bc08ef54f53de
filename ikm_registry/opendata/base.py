"""The dataset registry and the cached tables behind `/data/`, the CKAN action API and the DCAT catalog.

A dataset's rows are counted once and kept in the cache, under the public data version (public_cache.py) like the
statistics: a change to public data makes the next request recount, but not sooner than OPEN_DATA_MAX_AGE seconds
after the last count (a busy registry is counted at most that often), and the rows are recounted at least that often
even without a change (registrations and releases that fall due do not bump the version). What pages and catalogs
show of a dataset (its summary: row count, years, regions, dates, fingerprint) is kept apart from its rows, so a
catalog never unpickles tables and a conditional download answers 304 from the summary alone.

Dates of a dataset:
- `modified` (tanggal pemutakhiran, dct:modified, CKAN metadata_modified): when its rows last changed. The rows'
  fingerprint is kept without expiry; a recount with a different fingerprint stamps the time of that recount. The
  first count takes the dataset's own `modified()` (a date the tables tell) when it has one.
- `issued` (dct:issued, CKAN metadata_created): when the registry first published the dataset (its first count).
"""

from __future__ import annotations

import datetime
import hashlib
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ImproperlyConfigured
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _

from ikm_registry.public_cache import public_version
from ikm_registry.public_url import request_base_url
from ikm_registry.registry import Contribution, Registry

# Satu Data's language: rows, file metadata, the CKAN API and the catalog are in Indonesian, whatever the visitor's.
SOURCE_LANGUAGE = "id"
COLUMN_TYPES = ("string", "integer", "number", "date")
# What a column's value may be: rows are pickled into the cache and written to CSV and JSON as they are.
PLAIN_VALUES = (str, int, float, datetime.date, type(None))
# EU vocabularies that DCAT-AP (and ckanext-dcat) expect for these properties.
EU_FREQUENCY = "http://publications.europa.eu/resource/authority/frequency/"
EU_THEME = "http://publications.europa.eu/resource/authority/data-theme/"
EU_LANGUAGE_IND = "http://publications.europa.eu/resource/authority/language/IND"

# OPEN_DATA_LICENSE (an SPDX identifier) → the CKAN license id, its title and its address. Another identifier is
# published as it is, without an address.
LICENSES = {
    "CC-BY-4.0": ("cc-by", "Creative Commons Attribution 4.0", "https://creativecommons.org/licenses/by/4.0/"),
    "CC-BY-SA-4.0": (
        "cc-by-sa",
        "Creative Commons Attribution Share-Alike 4.0",
        "https://creativecommons.org/licenses/by-sa/4.0/",
    ),
    "CC0-1.0": ("cc-zero", "Creative Commons CCZero", "https://creativecommons.org/publicdomain/zero/1.0/"),
    "ODbL-1.0": (
        "odc-odbl",
        "Open Data Commons Open Database License (ODbL)",
        "https://opendatacommons.org/licenses/odbl/1-0/",
    ),
    "PDDL-1.0": (
        "odc-pddl",
        "Open Data Commons Public Domain Dedication and License (PDDL)",
        "https://opendatacommons.org/licenses/pddl/1-0/",
    ),
}


@dataclass(frozen=True)
class Column:
    """A column of a dataset: its `name` in the files (kode_wilayah, jumlah_ikm), its `title` for people, its
    `type` (string, integer, number, date: the Frictionless Table Schema types) and what it holds."""

    name: str
    title: Any
    type: str = "string"
    description: Any = ""


@dataclass(frozen=True, kw_only=True)
class Dataset(Contribution):
    """A dataset of `/data/` (see the package docstring). `name` is its slug. The BPS indicator metadata (Peraturan
    BPS 5/2020, MS-Ind): `title` (nama indikator), `concept` (konsep), `definition` (definisi), `method`
    (metode/rumus perhitungan), `measure` (ukuran), `unit` (satuan), `classifications` (klasifikasi penyajian),
    `composite` and `components` (indikator komposit, indikator pembangun), `period` (periode) with its DCAT
    `frequency` (an EU frequency code), `estimation_level` (level estimasi); `notes` (catatan) say what else a user
    should know. `theme`: an EU data theme code. `year_column` and `region_column` name the columns the temporal and
    spatial coverage are read from."""

    title: Any
    description: Any
    concept: Any
    definition: Any
    method: Any
    measure: Any
    unit: Any
    classifications: tuple = ()
    composite: bool = False
    components: Any = ""
    period: Any = _("Tahunan")
    frequency: str = "ANNUAL"
    estimation_level: Any = ""
    notes: Any = ""
    keywords: tuple = ()
    theme: str = "ECON"
    columns: tuple[Column, ...]
    rows: Callable[[], Iterable[tuple]] = field(compare=False)
    modified: Callable[[], datetime.datetime | None] | None = field(default=None, compare=False)
    year_column: str = "tahun"
    region_column: str = "kode_wilayah"

    def __post_init__(self):
        for column in self.columns:
            if column.type not in COLUMN_TYPES:
                raise ImproperlyConfigured(f"dataset {self.name}: column {column.name} has type {column.type!r}.")

    @property
    def slug(self) -> str:
        return self.name

    @property
    def column_names(self) -> tuple[str, ...]:
        return tuple(column.name for column in self.columns)


datasets: Registry[Dataset] = Registry("open-data datasets")


# --- the cached table -----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Summary:
    """What is known of a dataset's rows without reading them: how many, their fingerprint (a SHA-256 of columns and
    rows: the downloads' ETag), when they were counted and last changed, when first published, the data years they
    cover and the provinces (code, name) their regions lie in."""

    fingerprint: str
    row_count: int
    computed_at: datetime.datetime
    modified: datetime.datetime
    issued: datetime.datetime
    first_year: int | None = None
    last_year: int | None = None
    provinces: tuple[tuple[str, str], ...] = ()

    @property
    def years(self) -> str:
        """The years covered as text: "2022–2025", "2025", or ""."""
        if self.first_year is None:
            return ""
        if self.first_year == self.last_year:
            return str(self.first_year)
        return f"{self.first_year}–{self.last_year}"


def _key(dataset: Dataset, part: str) -> str:
    return f"opendata:{dataset.name}:{part}"


def _max_age() -> int:
    return settings.OPEN_DATA_MAX_AGE


def _timeout() -> int:
    # How long a count is kept at all: the lag allowed, or (no lag allowed) as long as a cached page.
    return _max_age() or settings.PUBLIC_CACHE_SECONDS


def _aware(value) -> datetime.datetime | None:
    if value is None:
        return None
    if not isinstance(value, datetime.datetime):
        value = datetime.datetime.combine(value, datetime.time.min)
    if timezone.is_naive(value):
        value = timezone.make_aware(value)
    return value


def _count(dataset: Dataset) -> tuple[Summary, list[tuple]]:
    """Compute `dataset`'s rows (in Indonesian) and their summary; stamp the fingerprint's first sighting."""
    from ikm_registry.models import Region

    with translation.override(SOURCE_LANGUAGE):
        rows = [tuple(row) for row in dataset.rows()]
    names = dataset.column_names
    for row in rows[:1]:
        if len(row) != len(names) or not all(isinstance(value, PLAIN_VALUES) for value in row):
            raise ImproperlyConfigured(f"dataset {dataset.name}: a row must be plain values, one per column ({row!r}).")
    fingerprint = hashlib.sha256(repr((names, rows)).encode()).hexdigest()
    first_year = last_year = None
    if dataset.year_column in names:
        index = names.index(dataset.year_column)
        years = {row[index] for row in rows if row[index] is not None}
        first_year, last_year = (min(years), max(years)) if years else (None, None)
    provinces = ()
    if dataset.region_column in names:
        index = names.index(dataset.region_column)
        codes = {row[index][:2] for row in rows if row[index]}
        provinces = tuple(Region.objects.filter(code__in=codes).order_by("code").values_list("code", "name"))
    now = timezone.now()
    stamp = cache.get(_key(dataset, "stamp"))
    if stamp is None:
        modified = _aware(dataset.modified() if dataset.modified else None) or now
        issued = min(modified, now)
    elif stamp[0] != fingerprint:
        modified, issued = now, stamp[2]
    else:
        modified, issued = stamp[1], stamp[2]
    cache.set(_key(dataset, "stamp"), (fingerprint, modified, issued), timeout=None)
    summary = Summary(
        fingerprint=fingerprint,
        row_count=len(rows),
        computed_at=now,
        modified=modified,
        issued=issued,
        first_year=first_year,
        last_year=last_year,
        provinces=provinces,
    )
    return summary, rows


def _recount(dataset: Dataset, version) -> tuple[Summary, list[tuple]]:
    summary, rows = _count(dataset)
    cache.set(_key(dataset, f"rows:{summary.fingerprint}"), rows, _timeout())
    cache.set(_key(dataset, "summary"), (version, summary), _timeout())
    return summary, rows


def dataset_recount(dataset: Dataset) -> Summary:
    """Count `dataset` now and keep the count (`manage.py count_open_data`, run more often than OPEN_DATA_MAX_AGE,
    so that no request waits for a count)."""
    return _recount(dataset, public_version())[0]


def dataset_summary(dataset: Dataset, *, request=None) -> Summary:
    """The summary of `dataset`'s rows, counting them when the cached count is of an older public data version and
    older than OPEN_DATA_MAX_AGE (or gone). A stale count shortens the cache life of the page `request` renders."""
    version = public_version()
    entry = cache.get(_key(dataset, "summary"))
    if entry is not None:
        entry_version, summary = entry
        if entry_version == version:
            return summary
        age = (timezone.now() - summary.computed_at).total_seconds()
        if age < _max_age():
            if request is not None:
                remaining = max(1, int(_max_age() - age))
                request.public_cache_seconds = min(getattr(request, "public_cache_seconds", remaining), remaining)
            return summary
    return _recount(dataset, version)[0]


def dataset_rows(dataset: Dataset, *, request=None) -> tuple[Summary, list[tuple]]:
    """The summary and the rows of `dataset` (tuples in the order of its columns), from the cache when they are
    current (see dataset_summary)."""
    summary = dataset_summary(dataset, request=request)
    rows = cache.get(_key(dataset, f"rows:{summary.fingerprint}"))
    if rows is None:
        summary, rows = _recount(dataset, public_version())
    return summary, rows


# --- metadata ---------------------------------------------------------------------------------------------------------


def publisher_name() -> str:
    """The agency that produces the data (produsen data; the CKAN organization, the DCAT publisher)."""
    return settings.OPEN_DATA_PUBLISHER


def license_info() -> dict:
    """The license of every dataset: its SPDX `id`, CKAN `ckan_id`, `title` and `url` (empty when unknown)."""
    spdx = settings.OPEN_DATA_LICENSE
    ckan_id, title, url = LICENSES.get(spdx, (spdx, spdx, ""))
    return {"id": spdx, "ckan_id": ckan_id, "title": title, "url": url}


def site_url(request) -> str:
    """The public site's address for links that leave it (files, CKAN, DCAT): PUBLIC_BASE_URL, else (development)
    the address the request came by."""
    return (settings.PUBLIC_BASE_URL or request_base_url(request)).rstrip("/")


def dataset_uuid(request, dataset: Dataset) -> str:
    """A stable identifier of the dataset on this site (the CKAN id, dct:identifier): a name-based UUID of its page's
    address, so that two registries' datasets of the same slug differ in a portal that harvests both."""
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"{site_url(request)}/data/{dataset.name}/"))


@dataclass(frozen=True)
class MetadataItem:
    """One field of a dataset's metadata: `key` in the files and the CKAN extras, `label` for people, `value` (text,
    a list, a bool or a date) and `text`, the value written out."""

    key: str
    label: Any
    value: Any

    @property
    def text(self) -> str:
        value = self.value
        if isinstance(value, bool):
            return str(_("Ya") if value else _("Tidak"))
        if isinstance(value, list | tuple):
            return ", ".join(str(item) for item in value)
        if isinstance(value, datetime.datetime):
            return timezone.localtime(value).date().isoformat()
        if isinstance(value, datetime.date):
            return value.isoformat()
        return str(value) if value not in (None, "") else "–"


def metadata_items(dataset: Dataset, summary: Summary) -> list[MetadataItem]:
    """The dataset's metadata in the order of BPS's indicator metadata (MS-Ind), then what a portal needs besides."""
    provinces = [name for _code, name in summary.provinces]
    return [
        MetadataItem("nama_indikator", _("Nama indikator"), str(dataset.title)),
        MetadataItem("konsep", _("Konsep"), str(dataset.concept)),
        MetadataItem("definisi", _("Definisi"), str(dataset.definition)),
        MetadataItem("metode_perhitungan", _("Metode/rumus perhitungan"), str(dataset.method)),
        MetadataItem("ukuran", _("Ukuran"), str(dataset.measure)),
        MetadataItem("satuan", _("Satuan"), str(dataset.unit)),
        MetadataItem(
            "klasifikasi_penyajian", _("Klasifikasi penyajian"), [str(label) for label in dataset.classifications]
        ),
        MetadataItem("indikator_komposit", _("Indikator komposit"), dataset.composite),
        MetadataItem("indikator_pembangun", _("Indikator pembangun"), str(dataset.components)),
        MetadataItem("level_estimasi", _("Level estimasi"), str(dataset.estimation_level)),
        MetadataItem("periode", _("Periode"), str(dataset.period)),
        MetadataItem("cakupan_waktu", _("Cakupan waktu (tahun)"), summary.years),
        MetadataItem("cakupan_wilayah", _("Cakupan wilayah"), provinces),
        MetadataItem("produsen_data", _("Produsen data"), publisher_name()),
        MetadataItem("tanggal_pemutakhiran", _("Tanggal pemutakhiran"), summary.modified),
        MetadataItem("dapat_diakses_umum", _("Dapat diakses umum"), True),
        MetadataItem(
            "publikasi_ketersediaan",
            _("Publikasi ketersediaan"),
            str(_("Situs Registri IKM: halaman data terbuka (CSV, JSON), API CKAN dan katalog DCAT")),
        ),
        MetadataItem("lisensi", _("Lisensi"), license_info()["title"]),
        MetadataItem("catatan", _("Catatan"), str(dataset.notes)),
    ]


def json_value(value):
    """A metadata or row value as JSON holds it: dates as ISO text (datetimes as the local date and time)."""
    if isinstance(value, datetime.datetime):
        return timezone.localtime(value).isoformat(timespec="seconds")
    if isinstance(value, datetime.date):
        return value.isoformat()
    return value
