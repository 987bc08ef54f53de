"""The core of open data (ikm_registry/opendata): the dataset registry, the /data/ pages, the CSV and JSON files
with their Satu Data metadata, the cached rows (counted once per public data version, no more often than
OPEN_DATA_MAX_AGE while the registry changes), the tanggal pemutakhiran that moves only when the rows do, and the
conditional downloads (ETag, Last-Modified, 304). A throwaway dataset over the regions table stands in for the apps'.
"""

from __future__ import annotations

import csv
import datetime
import io
import json

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from ikm_registry.models import Region
from ikm_registry.opendata import Column, Dataset, datasets
from ikm_registry.public_cache import bump_public_version
from tests.queries import no_registry_queries, registry_queries

pytestmark = pytest.mark.django_db

# The fields of BPS's indicator metadata (MS-Ind) every dataset carries, as the JSON file and CKAN extras name them.
BPS_FIELDS = (
    "nama_indikator",
    "konsep",
    "definisi",
    "metode_perhitungan",
    "ukuran",
    "satuan",
    "klasifikasi_penyajian",
    "indikator_komposit",
    "indikator_pembangun",
    "level_estimasi",
    "periode",
    "produsen_data",
    "tanggal_pemutakhiran",
    "dapat_diakses_umum",
)
PAGE_LABELS = ("Konsep", "Definisi", "Metode/rumus perhitungan", "Ukuran", "Satuan", "Klasifikasi penyajian",
               "Indikator komposit", "Periode", "Produsen data", "Tanggal pemutakhiran", "Dapat diakses umum",
               "Level estimasi")  # fmt: skip
TOY_MODIFIED = datetime.datetime(2025, 3, 4, 5, 6, 7, tzinfo=datetime.UTC)


class Toy:
    """Rows of the throwaway dataset: one per region in the table, counted by the calls it gets."""

    def __init__(self):
        self.calls = 0

    def rows(self):
        self.calls += 1
        return [
            (2025, code, name, len(code)) for code, name in Region.objects.order_by("code").values_list("code", "name")
        ]


@pytest.fixture
def toy(bali_regions, settings):
    settings.OPEN_DATA_MAX_AGE = 0
    counter = Toy()
    dataset = Dataset(
        name="uji-wilayah",
        order=999,
        title="Wilayah uji",
        description="Dataset uji.",
        concept="Konsep uji",
        definition="Definisi uji",
        method="Metode uji",
        measure="Jumlah",
        unit="Karakter",
        classifications=("Wilayah",),
        estimation_level="Desa",
        keywords=("uji",),
        columns=(
            Column("tahun", "Tahun", "integer"),
            Column("kode_wilayah", "Kode wilayah"),
            Column("nama_wilayah", "Nama wilayah"),
            Column("panjang_kode", "Panjang kode", "integer"),
        ),
        rows=counter.rows,
        modified=lambda: TOY_MODIFIED,
    )
    with datasets.registered(dataset):
        yield counter


def body(response) -> str:
    return (b"".join(response.streaming_content) if response.streaming else response.content).decode()


def bump(capture):
    with capture(execute=True):
        bump_public_version()


# --- pages ------------------------------------------------------------------------------------------------------------


def test_the_data_page_lists_every_dataset_with_its_files(client, toy):
    response = client.get("/data/")
    assert response.status_code == 200
    content = response.content.decode()
    for dataset in datasets:
        assert str(dataset.title) in content
        for path in (f"/data/{dataset.name}/", f"/data/{dataset.name}.csv", f"/data/{dataset.name}.json"):
            assert f'href="{path}"' in content
    # the harvesting addresses, absolute
    assert "http://testserver/api/3/action/package_list" in content
    assert "http://testserver/catalog.jsonld" in content


def test_a_dataset_page_shows_the_bps_metadata_its_columns_and_a_preview(client, toy):
    content = client.get("/data/uji-wilayah/").content.decode()
    for label in PAGE_LABELS:
        assert f">{label}</th>" in content, label
    for column in ("tahun", "kode_wilayah", "nama_wilayah", "panjang_kode"):
        assert f"<code>{column}</code>" in content
    assert "Kabupaten Badung" in content  # a row of the preview
    assert "2025-03-04" in content  # tanggal pemutakhiran: the dataset's own date at its first count


@pytest.mark.parametrize("path", ["/data/tidak-ada/", "/data/tidak-ada.csv", "/data/tidak-ada.json"])
def test_an_unknown_dataset_is_404(client, toy, path):
    assert client.get(path).status_code == 404


def test_every_public_page_links_to_the_open_data(client, toy):
    assert 'href="/data/"' in client.get("/").content.decode()


# --- files --------------------------------------------------------------------------------------------------------------


def test_the_csv_has_the_column_names_then_one_line_per_row(client, toy):
    response = client.get("/data/uji-wilayah.csv")
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert 'filename="uji-wilayah.csv"' in response["Content-Disposition"]
    lines = list(csv.reader(io.StringIO(body(response))))
    assert lines[0] == ["tahun", "kode_wilayah", "nama_wilayah", "panjang_kode"]
    expected = [["2025", code, name, str(len(code))] for code, name in Region.objects.values_list("code", "name")]
    assert sorted(lines[1:]) == sorted(expected)


def test_the_json_has_the_metadata_the_columns_and_the_rows(client, toy):
    response = client.get("/data/uji-wilayah.json")
    assert response["Content-Type"] == "application/json"
    document = json.loads(body(response))
    assert document["dataset"] == "uji-wilayah"
    assert set(BPS_FIELDS) <= set(document["metadata"])
    assert document["metadata"]["konsep"] == "Konsep uji"
    assert document["metadata"]["indikator_komposit"] is False
    assert document["metadata"]["dapat_diakses_umum"] is True
    assert document["metadata"]["produsen_data"] == "Dinas Perindustrian dan Perdagangan"
    assert document["metadata"]["cakupan_waktu"] == "2025"
    assert document["metadata"]["cakupan_wilayah"] == ["Bali"]
    assert document["lisensi"]["id"] == "CC-BY-4.0"
    assert [column["nama"] for column in document["kolom"]] == ["tahun", "kode_wilayah", "nama_wilayah", "panjang_kode"]
    assert document["jumlah_baris"] == Region.objects.count() == len(document["data"])
    assert {"tahun": 2025, "kode_wilayah": "51.03", "nama_wilayah": "Kabupaten Badung", "panjang_kode": 5} in (
        document["data"]
    )


def test_the_files_are_in_indonesian_whatever_the_visitors_language(client, toy):
    client.cookies["django_language"] = "en"
    document = json.loads(body(client.get("/data/uji-wilayah.json", headers={"Accept-Language": "en"})))
    assert document["metadata"]["periode"] == "Tahunan"


def test_the_publisher_and_the_license_come_from_the_settings(client, toy, settings):
    settings.OPEN_DATA_PUBLISHER = "Dinas Perindustrian dan Perdagangan Provinsi Bali"
    settings.OPEN_DATA_LICENSE = "CC0-1.0"
    document = json.loads(body(client.get("/data/uji-wilayah.json")))
    assert document["metadata"]["produsen_data"] == "Dinas Perindustrian dan Perdagangan Provinsi Bali"
    assert document["lisensi"] == {
        "id": "CC0-1.0",
        "ckan_id": "cc-zero",
        "title": "Creative Commons CCZero",
        "url": "https://creativecommons.org/publicdomain/zero/1.0/",
    }


# --- caching, dates, conditional requests ---------------------------------------------------------------------------------


def test_rows_are_counted_once_per_public_data_version(client, toy, django_capture_on_commit_callbacks):
    for path in ("/data/uji-wilayah.csv", "/data/uji-wilayah.json", "/data/uji-wilayah/", "/data/"):
        assert client.get(path).status_code == 200
    assert toy.calls == 1
    bump(django_capture_on_commit_callbacks)
    client.get("/data/uji-wilayah.csv")
    assert toy.calls == 2


def test_a_busy_registry_is_recounted_at_most_every_max_age(client, toy, settings, django_capture_on_commit_callbacks):
    settings.OPEN_DATA_MAX_AGE = 3600
    client.get("/data/uji-wilayah.csv")
    Region.objects.filter(code="51.71.01.2007").update(name="Sidakarya Baru")
    bump(django_capture_on_commit_callbacks)
    assert "Sidakarya Baru" not in body(client.get("/data/uji-wilayah.csv"))  # the count of an hour ago still holds
    assert toy.calls == 1
    settings.OPEN_DATA_MAX_AGE = 0
    assert "Sidakarya Baru" in body(client.get("/data/uji-wilayah.csv"))
    assert toy.calls == 2


def test_a_download_from_the_cache_reads_no_table_of_the_registry(client, toy):
    client.get("/data/uji-wilayah.csv")
    with no_registry_queries():
        body(client.get("/data/uji-wilayah.csv"))
        body(client.get("/data/uji-wilayah.json"))


def test_counting_a_dataset_costs_its_own_queries_and_one_for_the_province_names(client, toy):
    with CaptureQueriesContext(connection) as captured:
        body(client.get("/data/uji-wilayah.csv"))
    # the toy's one query, the names of the provinces its regions lie in (the rest: the cache's savepoints)
    assert len([sql for sql in registry_queries(captured) if not sql.startswith(("SAVEPOINT", "RELEASE"))]) == 2


def test_tanggal_pemutakhiran_moves_only_when_the_rows_change(client, toy, django_capture_on_commit_callbacks):
    first = json.loads(body(client.get("/data/uji-wilayah.json")))["metadata"]["tanggal_pemutakhiran"]
    assert first.startswith("2025-03-04")  # the dataset's own date at its first count
    bump(django_capture_on_commit_callbacks)
    same = json.loads(body(client.get("/data/uji-wilayah.json")))["metadata"]["tanggal_pemutakhiran"]
    assert toy.calls == 2 and same == first  # recounted, nothing changed
    Region.objects.filter(code="51.71.01.2007").update(name="Sidakarya Baru")
    bump(django_capture_on_commit_callbacks)
    moved = json.loads(body(client.get("/data/uji-wilayah.json")))["metadata"]["tanggal_pemutakhiran"]
    assert moved.startswith(timezone.localdate().isoformat())


def test_a_harvester_asking_again_gets_304_without_a_count(client, toy, django_capture_on_commit_callbacks):
    response = client.get("/data/uji-wilayah.csv")
    etag, modified = response["ETag"], response["Last-Modified"]
    assert etag.startswith('"') and etag.endswith('-csv"')
    assert client.get("/data/uji-wilayah.csv", headers={"If-None-Match": etag}).status_code == 304
    assert client.get("/data/uji-wilayah.csv", headers={"If-Modified-Since": modified}).status_code == 304
    assert client.get("/data/uji-wilayah.json", headers={"If-None-Match": etag}).status_code == 200  # another file
    Region.objects.filter(code="51.71.01.2007").update(name="Sidakarya Baru")
    bump(django_capture_on_commit_callbacks)
    assert client.get("/data/uji-wilayah.csv", headers={"If-None-Match": etag}).status_code == 200


def test_files_may_be_cached_by_anyone(client, toy):
    response = client.get("/data/uji-wilayah.json")
    assert "public" in response["Cache-Control"]


# --- the registry's rules ---------------------------------------------------------------------------------------------


def test_a_column_of_an_unknown_type_is_refused():
    with pytest.raises(ImproperlyConfigured):
        Dataset(name="x", title="x", description="x", concept="x", definition="x", method="x", measure="x", unit="x",
                columns=(Column("a", "A", "boolean"),), rows=list)  # fmt: skip


def test_rows_must_be_plain_values_one_per_column(client, bali_regions):
    broken = Dataset(name="rusak", title="x", description="x", concept="x", definition="x", method="x", measure="x",
                     unit="x", columns=(Column("a", "A"), Column("b", "B")), rows=lambda: [("satu",)])  # fmt: skip
    with datasets.registered(broken), pytest.raises(ImproperlyConfigured):
        client.get("/data/rusak.csv")


def test_the_apps_register_their_datasets():
    assert datasets.names() == [
        "ikm-wilayah-kbli-skala",
        "ikm-tenaga-kerja-investasi",
        "kegiatan-peserta",
        "sertifikat-kompetensi",
        "sertifikat-produk",
    ]


def test_count_open_data_counts_ahead_of_the_requests(client, toy, settings, django_capture_on_commit_callbacks):
    from io import StringIO

    from django.core.management import CommandError, call_command

    settings.OPEN_DATA_MAX_AGE = 3600
    client.get("/data/uji-wilayah.csv")
    Region.objects.filter(code="51.71.01.2007").update(name="Sidakarya Baru")
    bump(django_capture_on_commit_callbacks)
    out = StringIO()
    call_command("count_open_data", "uji-wilayah", stdout=out)
    assert out.getvalue().startswith(f"uji-wilayah: {Region.objects.count()} rows in ")
    assert "Sidakarya Baru" in body(client.get("/data/uji-wilayah.csv"))  # the command's count, not an hour-old one
    assert toy.calls == 2
    with pytest.raises(CommandError, match="no such dataset: tidak-ada"):
        call_command("count_open_data", "tidak-ada")
