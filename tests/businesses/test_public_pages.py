"""The public site through django.test.Client: privacy of every page, visibility, query counts, caching, statistics.

The privacy tests crawl the site the way a visitor (or a search engine) would: the entry pages, every internal
link found on them, and every option of every GET form (the directory's filters, the registration's region steps),
in full and as the htmx fragment, and then look for private data in everything that came back. The public API is
read as another site's script reads it (crawl_api): its schema, every list that answers without a token, page after
page, and every row's detail.
"""

import datetime
import html
import io
import json
import re
import time
from collections import deque
from io import StringIO
from types import SimpleNamespace
from unittest import mock
from urllib.parse import urlencode, urljoin, urlsplit

import pytest
from django.conf import settings
from django.core.cache import cache
from django.core.management import call_command
from django.db import connection, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone, translation
from django.utils.translation import gettext

from businesses.choices import BusinessStatus
from businesses.filtersets import BusinessPublicFilterSet
from businesses.models import Business, BusinessYear, Owner, Sentra
from businesses.services.importing import businesses_import
from ikm_registry import public_cache as public_cache_module
from ikm_registry.choices import StaffRole
from ikm_registry.keyset import encode_cursor
from ikm_registry.models import CreativeSubsector
from ikm_registry.public_cache import bump_public_version
from tests.business_files import csv_bytes, row
from tests.factories import (
    BusinessFactory,
    BusinessYearFactory,
    OwnerFactory,
    ProductFactory,
    SentraFactory,
    SentraOfficerFactory,
    make_kbli,
    make_region,
    staff_user,
)
from tests.queries import no_registry_queries, registry_queries

OPEN_DATASETS = ("ikm-wilayah-kbli-skala", "ikm-tenaga-kerja-investasi", "kegiatan-peserta", "sertifikat-kompetensi",
                 "sertifikat-produk")  # fmt: skip

pytestmark = pytest.mark.django_db

PUBLISHED = BusinessStatus.PUBLISHED
HIDDEN_STATUSES = [status for status in BusinessStatus.values if status != PUBLISHED]
TODAY = timezone.localdate()
PAST = TODAY - datetime.timedelta(days=30)
FUTURE = TODAY + datetime.timedelta(days=30)
HX = {"HX-Request": "true"}
# Statistics release a data year's sums only with at least this many businesses (the threshold rule).
MIN_GROUP_FOR_SUMS = settings.STATISTICS_MIN_BUSINESSES


# --- crawling -----------------------------------------------------------------------------------------------------

LINK = re.compile(r'\b(?:href|action|hx-get)="([^"]*)"')
FORM = re.compile(r"<form\b([^>]*)>(.*?)</form>", re.S)
SELECT = re.compile(r'<select\b[^>]*\bname="([^"]+)"[^>]*>(.*?)</select>', re.S)
OPTION = re.compile(r'<option\b[^>]*\bvalue="([^"]*)"')
NOT_PUBLIC_SITE = ("/admin/", "/static/", "/media/", "/i18n/")


def _internal(page_url: str, href: str) -> str | None:
    """`href` as a path?query on this site, or None for other sites, anchors, mailto/tel and non-public paths."""
    href = html.unescape(href).strip()
    if not href or href.startswith(("#", "mailto:", "tel:", "javascript:")):
        return None
    parts = urlsplit(urljoin(f"http://testserver{page_url}", href))
    if parts.scheme not in ("http", "https") or parts.netloc != "testserver":
        return None
    if parts.path.startswith(NOT_PUBLIC_SITE):
        return None
    return parts.path + (f"?{parts.query}" if parts.query else "")


def links_of(page_url: str, content: str) -> list[str]:
    """Internal links, plus one URL per option of each select in each GET form (every filter value on its own)."""
    found = [_internal(page_url, href) for href in LINK.findall(content)]
    for attributes, body in FORM.findall(content):
        if re.search(r'method="post"', attributes, re.I):
            continue
        action = re.search(r'action="([^"]*)"', attributes)
        target = _internal(page_url, action.group(1) if action else page_url)
        if target is None:
            continue
        for name, options in SELECT.findall(body):
            for value in OPTION.findall(options):
                if value:
                    found.append(f"{urlsplit(target).path}?{urlencode({name: html.unescape(value)})}")
    return [url for url in found if url]


def crawl(client, start: list[str], *, limit: int = 2000) -> dict[str, SimpleNamespace]:
    """Every page reachable from `start` (breadth first); directory pages also as the htmx fragment ("HX " + url)."""
    pages: dict[str, SimpleNamespace] = {}
    queue = deque(start)
    while queue:
        url = queue.popleft()
        if url in pages:
            continue
        assert len(pages) < limit, f"the crawl found more than {limit} pages; is a link generating new URLs?"
        response = client.get(url)
        content = (b"".join(response.streaming_content) if response.streaming else response.content).decode()
        pages[url] = SimpleNamespace(status=response.status_code, content=content)
        if response.status_code in (301, 302):
            queue.append(_internal(url, response["Location"]))
            continue
        queue.extend(links_of(url, content))
        if urlsplit(url).path == "/direktori/":
            partial = client.get(url, headers=HX)
            pages[f"HX {url}"] = SimpleNamespace(status=partial.status_code, content=partial.content.decode())
            queue.extend(links_of(url, pages[f"HX {url}"].content))
    return pages


def indonesian(number: int) -> str:
    return f"{number:,}".replace(",", ".")


def number_forms(number: int) -> list[str]:
    """A figure as it could appear on a page: raw digits, Indonesian grouping (1.234.567) and English (1,234,567)."""
    return [str(number), indonesian(number), f"{number:,}"]


def phone_forms(phone: str) -> list[str]:
    return [phone, re.sub(r"\D", "", phone)]


def leaks(pages: dict[str, SimpleNamespace], needles) -> dict[str, list[str]]:
    """{needle: [urls of pages containing it]} for every needle found anywhere."""
    needles = sorted({needle for needle in needles if needle}, key=len, reverse=True)
    if not needles:
        return {}
    pattern = re.compile("|".join(re.escape(needle) for needle in needles))
    found: dict[str, list[str]] = {}
    for url, page in pages.items():
        for match in set(pattern.findall(page.content)):
            found.setdefault(match, []).append(url)
    return found


SELF_REGISTRATION = {
    "village": "51.03.01.1002",
    "address": "Jl. Pantai Kuta No. 8",
    "name": "Tenun Daftar Mandiri",
    "nib": "",
    "main_product": "Kain tenun ikat",
    "year_founded": "2019",
    "online_channels": "",
    "owner_name": "Ni Luh Mandiri",
    "owner_sex": "P",
    "owner_nik": "5103015708900002",
    "owner_phone": "0817-4444-5555",
    "publish_phone": "on",
    "owner_email": "daftar.mandiri@example.com",
    "publish_email": "on",
    "agree": "on",
    "website": "",
}

# The open data (/data/ links every dataset's page and files) and what portals harvest: the CKAN actions, each
# dataset by name, and the DCAT catalog.
OPEN_DATA_START = [
    "/data/",
    "/catalog.jsonld",
    "/api/3/action/package_list",
    "/api/3/action/current_package_list_with_resources",
    "/api/3/action/package_search?q=&rows=1000",
    "/api/3/action/organization_list?all_fields=true",
    "/api/3/action/organization_show?id=dinas-perindustrian-dan-perdagangan&include_datasets=true",
    "/api/3/action/status_show",
    "/api/3/action/tag_list",
    *(f"/api/3/action/package_show?id={name}" for name in OPEN_DATASETS),
    *(f"/data/{name}.{extension}" for name in OPEN_DATASETS for extension in ("csv", "json")),
]


# --- a hand-built registry for the privacy crawl ------------------------------------------------------------------

# Each owner's private data is distinctive, so that finding it anywhere in the HTML can only be a leak.
OWNERS = [
    # business name, village, kbli, phone, phone consent, email, email consent
    ("Batik Tuban Sari", "51.03.01.1001", "13134", "0812-3456-7801", PAST, "sari.tuban@example.com", None),
    ("Batik Kuta Indah", "51.03.01.1002", "13134", "0813-3456-7802", FUTURE, "indah.kuta@example.com", FUTURE),
    ("Cetak Kain Munggu", "51.03.02.2001", "13133", "0814-3456-7803", None, "munggu.cetak@example.net", PAST),
    ("Perak Serangan Jaya", "51.71.01.1001", "32112", "0815-3456-7804", None, "", None),
    ("Perak Sidakarya", "51.71.01.2007", "32112", "", None, "sidakarya.perak@example.org", None),
    ("Endek Tuban Lestari", "51.03.01.1001", "13134", "+62 361 765 4321", TODAY, "", None),
]


def _build_privacy_registry():
    for code in ("13134", "13133", "32112"):
        make_kbli(code)
    fashion = CreativeSubsector.objects.get(code="fesyen")
    sentra = SentraFactory(name="Sentra Batik Tuban", village=make_region("51.03.01.1001"), kbli=make_kbli("13134"))
    SentraOfficerFactory(sentra=sentra, name="Ketua Sentra", phone="0819-1111-2233")
    private = {"nik": [], "home_address": [], "phone": [], "email": [], "figures": []}
    public = {"phone": {}, "email": {}}
    year = TODAY.year - 1
    for n, (name, village, kbli_code, phone, phone_since, email, email_since) in enumerate(OWNERS):
        business = BusinessFactory(
            name=name,
            village=make_region(village),
            kbli=make_kbli(kbli_code),
            status=PUBLISHED,
            subsector=fashion if kbli_code.startswith("13") else None,
            sentra=sentra if village.startswith("51.03.01") else None,
            latitude=f"-8.7{n:04d}",
            longitude=f"115.1{n:04d}",
            nib=f"{9_120_000_000_100 + n:013d}",
            owner=None,
        )
        nik = f"51030{n + 1}4507850{n + 1:03d}"
        home = f"Jl. Rumah Pribadi Gg. Rahasia No. {n + 11}"
        OwnerFactory(
            business=business,
            nik=nik,
            phone=phone,
            phone_public_since=phone_since,
            email=email,
            email_public_since=email_since,
            home_address=home,
        )
        private["nik"].append(nik)
        private["home_address"].append(home)
        if phone and phone_since is not None and phone_since <= TODAY:
            public["phone"][business.pk] = phone
        else:
            private["phone"] += phone_forms(phone) if phone else []
        if email and email_since is not None and email_since <= TODAY:
            public["email"][business.pk] = email
        else:
            private["email"].append(email)
        for offset, data_year in enumerate((year - 1, year)):
            figures = {
                "investment": 71_234_567 + 1_010_101 * n + 7 * offset,
                "turnover": 613_579_246 + 2_020_203 * n + 11 * offset,
                "production_value": 457_812_369 + 3_030_307 * n + 13 * offset,
            }
            BusinessYearFactory(business=business, year=data_year, **figures)
            private["figures"] += [form for value in figures.values() for form in number_forms(value)]
        ProductFactory(business=business, name=f"Produk {name}", is_featured=n % 2 == 0)
    # An unpublished business whose owner consented: nothing of it may appear either.
    hidden = BusinessFactory(name="Usaha Belum Terbit", status=BusinessStatus.VERIFIED, sentra=sentra, owner=None)
    OwnerFactory(
        business=hidden,
        nik="5103016508900099",
        phone="0818-9999-0001",
        phone_public_since=PAST,
        email="belum.terbit@example.com",
        email_public_since=PAST,
        home_address="Jl. Tersembunyi No. 99",
    )
    private["nik"].append("5103016508900099")
    private["home_address"].append("Jl. Tersembunyi No. 99")
    private["phone"] += phone_forms("0818-9999-0001") + phone_forms("0819-1111-2233")
    private["email"].append("belum.terbit@example.com")
    BusinessYearFactory(business=hidden, year=year, investment=99_887_766, turnover=88_776_655)
    private["figures"] += number_forms(99_887_766) + number_forms(88_776_655)
    published = list(Business.objects.filter(status=PUBLISHED).values_list("pk", flat=True))
    registration = {**SELF_REGISTRATION, "kbli": "13134", "subsector": "", "legal_form": "perorangan"}
    private["nik"].append(registration["owner_nik"])
    private["phone"] += phone_forms(registration["owner_phone"])
    private["email"].append(registration["owner_email"])
    start = ["/", "/direktori/", "/direktori/?tampilan=peta", "/sentra/", "/statistik/", "/daftar/", "/tentang/"]
    start += ["/daftar/terkirim/", "/statistik/?wilayah=51", "/statistik/?wilayah=51.03", "/statistik/?wilayah=51.71"]
    start += [f"/direktori/?q={word}" for word in ("batik", "perak", "kain", "tuban", "belum")]
    start += [f"/direktori/ikm/{pk}/" for pk in published] + [f"/sentra/{sentra.pk}/"]
    start += OPEN_DATA_START
    return SimpleNamespace(
        private=private, public=public, published=published, sentra=sentra, start=start, registration=registration
    )


@pytest.fixture(scope="class")
def privacy_crawl(django_db_setup, django_db_blocker):
    """The registry above, crawled once for the class (inside a transaction rolled back afterwards)."""
    with django_db_blocker.unblock(), transaction.atomic():
        registry = _build_privacy_registry()
        cache.clear()
        client = Client()
        # A visitor registers a business (consenting to publish phone and e-mail): it waits for review, so neither
        # it nor its owner's data may appear, though the visitor's "sent" page is part of the crawl.
        registered = client.post("/daftar/?wilayah=51.03.01", registry.registration)
        assert registered.status_code == 302, registered.context["form"].errors
        registry.pages = crawl(client, registry.start)
        cache.clear()
        yield registry
        transaction.set_rollback(True)


def _api_path(url: str) -> str:
    """The path and query of a link in an API answer (an absolute URL)."""
    parts = urlsplit(url)
    return parts.path + (f"?{parts.query}" if parts.query else "")


def crawl_api(client) -> dict[str, SimpleNamespace]:
    """The public API as anyone reads it, without a token: the schema and its docs; every list of the schema that
    answers without a token (those that answer 401 are the staff API's), page after page through its `next` links,
    with each region's and each filter's lists; every row's detail; the statistics at the root and per region."""
    pages: dict[str, SimpleNamespace] = {}

    def get(url: str):
        if url not in pages:
            response = client.get(url)
            pages[url] = SimpleNamespace(status=response.status_code, content=response.content.decode())
        return pages[url]

    schema = json.loads(get("/api/schema/?format=json").content)
    get("/api/schema/")
    get("/api/")
    starts = []
    for path, operations in schema["paths"].items():
        required = [p for p in operations.get("get", {}).get("parameters", []) if p.get("required")]
        if "get" in operations and "{" not in path and not required:  # verification needs a code: below
            starts.append(path)
    starts += [f"/api/v1/usaha/?{query}" for query in ("wilayah=51.03", "wilayah=51.71", "q=batik", "page_size=2")]
    starts += ["/api/v1/statistik/?wilayah=51", "/api/v1/statistik/?wilayah=51.03", "/api/v1/statistik/?wilayah=51.71"]
    starts += ["/api/v1/verifikasi/?kode=ZZZZZZZZ", "/api/v1/wilayah/?induk=51.03.01", "/api/v1/kbli/?induk=1313"]
    for start in starts:
        url, path = start, urlsplit(start).path
        while url:
            page = get(url)
            body = json.loads(page.content) if page.status == 200 else {}
            if not isinstance(body, dict) or "results" not in body:
                break
            for item in body["results"]:
                key = item.get("id", item.get("kode"))
                if key is not None:
                    get(f"{path}{key}/")
            url = _api_path(body["next"]) if body.get("next") else None
    return pages


@pytest.fixture(scope="class")
def privacy_api_crawl(privacy_crawl, django_db_blocker):
    """The public API over the privacy crawl's registry (in its transaction)."""
    with django_db_blocker.unblock():
        cache.clear()
        pages = crawl_api(Client())
        cache.clear()
    return pages


class TestPrivacyCrawl:
    def test_the_crawl_reached_every_kind_of_page(self, privacy_crawl):
        paths = {urlsplit(url.removeprefix("HX ")).path for url in privacy_crawl.pages}
        assert {f"/direktori/ikm/{pk}/" for pk in privacy_crawl.published} <= paths
        assert {"/", "/direktori/", "/sentra/", f"/sentra/{privacy_crawl.sentra.pk}/", "/statistik/"} <= paths
        assert {"/daftar/", "/tentang/"} <= paths
        queries = [urlsplit(url).query for url in privacy_crawl.pages]
        for parameter in ("wilayah=", "kbli=", "subsektor=", "skala=", "sentra=", "urut=", "tampilan=peta", "q="):
            assert any(parameter in query for query in queries), parameter
        assert any(url.startswith("HX ") for url in privacy_crawl.pages)
        # the registration steps down to the form of a kecamatan
        assert "/daftar/?wilayah=51.03.01" in privacy_crawl.pages
        # the open data: every dataset's page and files, found by following the links of /data/
        for name in OPEN_DATASETS:
            assert {f"/data/{name}/", f"/data/{name}.csv", f"/data/{name}.json"} <= paths
        assert {"/catalog.jsonld", "/api/3/action/package_show"} <= paths

    def test_the_crawl_saw_the_page_after_a_self_registration(self, privacy_crawl):
        sent = privacy_crawl.pages["/daftar/terkirim/"]
        assert sent.status == 200 and privacy_crawl.registration["name"] in sent.content
        elsewhere = [
            url for url, page in privacy_crawl.pages.items() if privacy_crawl.registration["name"] in page.content
        ]
        # The sent page, and the owner's private page its link leads to (whose address only that browser knows).
        owner_pages = [url for url in elsewhere if url.startswith("/usaha-saya/")]
        assert len(owner_pages) == 1 and len(owner_pages[0]) > len("/usaha-saya/") + 40
        assert sorted(set(elsewhere) - set(owner_pages)) == ["/daftar/terkirim/"]

    def test_every_internal_link_answers(self, privacy_crawl):
        broken = {url: page.status for url, page in privacy_crawl.pages.items() if page.status not in (200, 302)}
        assert broken == {}

    def test_no_nik_anywhere(self, privacy_crawl):
        assert leaks(privacy_crawl.pages, privacy_crawl.private["nik"]) == {}

    def test_no_home_address_anywhere(self, privacy_crawl):
        assert leaks(privacy_crawl.pages, privacy_crawl.private["home_address"]) == {}

    def test_no_unconsented_phone_anywhere(self, privacy_crawl):
        assert leaks(privacy_crawl.pages, privacy_crawl.private["phone"]) == {}

    def test_no_unconsented_email_anywhere(self, privacy_crawl):
        assert leaks(privacy_crawl.pages, privacy_crawl.private["email"]) == {}

    def test_no_individual_investment_turnover_or_production_value_anywhere(self, privacy_crawl):
        assert leaks(privacy_crawl.pages, privacy_crawl.private["figures"]) == {}

    def test_consented_contact_is_on_its_own_profile_only(self, privacy_crawl):
        consented = privacy_crawl.public["phone"].items() | privacy_crawl.public["email"].items()
        assert len(consented) == 3  # the crawl does see contact data where it is allowed
        for pk, contact in consented:
            found = leaks(privacy_crawl.pages, [contact])
            assert found == {contact: [f"/direktori/ikm/{pk}/"]}

    # The public API (issue 14): read without a token, as any other site or script would.

    def test_the_api_crawl_reached_every_public_endpoint(self, privacy_crawl, privacy_api_crawl):
        pages = privacy_api_crawl
        paths = {urlsplit(url).path for url in pages}
        assert {f"/api/v1/usaha/{pk}/" for pk in privacy_crawl.published} <= paths
        assert {
            "/api/schema/",
            "/api/v1/usaha/",
            "/api/v1/sentra/",
            f"/api/v1/sentra/{privacy_crawl.sentra.pk}/",
        } <= paths
        assert {
            "/api/v1/statistik/",
            "/api/v1/wilayah/",
            "/api/v1/wilayah/51.03.01.1001/",
            "/api/v1/kbli/13134/",
        } <= paths
        assert {"/api/v1/subsektor/fesyen/", "/api/v1/kegiatan/"} <= paths
        assert any("cursor=" in url for url in pages)  # the pages after the first, through `next`
        # the staff API answers nobody without a token: those lists were not read
        staff = {url: page.status for url, page in pages.items() if "/staf/" in url}
        assert staff and set(staff.values()) == {401}
        read = {url: page.status for url, page in pages.items() if "/staf/" not in url}
        assert {url: status for url, status in read.items() if status != 200} == {}

    def test_the_api_lists_every_published_business_once_and_no_other(self, privacy_crawl, privacy_api_crawl):
        listed = []
        url = next(url for url in privacy_api_crawl if url == "/api/v1/usaha/?page_size=2")
        while url:
            body = json.loads(privacy_api_crawl[url].content)
            listed += [row["id"] for row in body["results"]]
            url = _api_path(body["next"]) if body["next"] else None
        assert sorted(listed) == sorted(privacy_crawl.published) and len(listed) == len(set(listed))
        hidden = Business.objects.get(name="Usaha Belum Terbit").pk
        assert Client().get(f"/api/v1/usaha/{hidden}/").status_code == 404
        assert leaks(privacy_api_crawl, ["Usaha Belum Terbit", privacy_crawl.registration["name"]]) == {}

    def test_no_nik_home_address_or_unconsented_contact_in_the_api(self, privacy_crawl, privacy_api_crawl):
        private = privacy_crawl.private
        assert leaks(privacy_api_crawl, private["nik"] + private["home_address"]) == {}
        assert leaks(privacy_api_crawl, private["phone"] + private["email"]) == {}

    def test_no_individual_figures_in_the_api(self, privacy_crawl, privacy_api_crawl):
        assert leaks(privacy_api_crawl, privacy_crawl.private["figures"]) == {}

    def test_consented_contact_is_in_the_api_on_its_own_business_only(self, privacy_crawl, privacy_api_crawl):
        consented = privacy_crawl.public["phone"].items() | privacy_crawl.public["email"].items()
        assert len(consented) == 3
        others = {f"/api/v1/usaha/{pk}/" for pk in privacy_crawl.published}
        for pk, contact in consented:
            where = set(leaks(privacy_api_crawl, [contact]).get(contact, []))
            assert f"/api/v1/usaha/{pk}/" in where  # the crawl does see contact data where it is allowed
            assert not where & (others - {f"/api/v1/usaha/{pk}/"})
            # in a list only beside its own business
            for url in where - others:
                rows = json.loads(privacy_api_crawl[url].content)["results"]
                assert [row["id"] for row in rows if contact in (row["telepon"], row["email"])] == [pk]


# --- the demo data set --------------------------------------------------------------------------------------------


@pytest.fixture(scope="class")
def seeded_crawl(django_db_setup, django_db_blocker):
    """seed_demo (300+ businesses), then home, every directory page, every profile and sentra, statistics."""
    with django_db_blocker.unblock(), transaction.atomic():
        call_command("seed_demo", stdout=StringIO())
        cache.clear()
        client = Client()
        pages = {}

        def get(url):
            response = client.get(url)
            assert response.status_code == 200, url
            content = b"".join(response.streaming_content) if response.streaming else response.content
            pages[url] = SimpleNamespace(status=200, content=content.decode())
            return response

        get("/")
        number = 1
        while True:
            page = get(f"/direktori/?page={number}").context["page"]
            if not page.has_next():
                break
            number += 1
        get("/direktori/?tampilan=peta")
        published = list(Business.objects.filter(status=PUBLISHED).values_list("pk", flat=True))
        for pk in published:
            get(f"/direktori/ikm/{pk}/")
        get("/sentra/")
        for pk in Sentra.objects.values_list("pk", flat=True):
            response = client.get(f"/sentra/{pk}/")
            pages[f"/sentra/{pk}/"] = SimpleNamespace(status=response.status_code, content=response.content.decode())
        get("/statistik/")
        for code in Business.objects.values_list("village__parent__parent_id", flat=True).distinct():
            get(f"/statistik/?wilayah={code}")
        for url in OPEN_DATA_START + [f"/data/{name}/" for name in OPEN_DATASETS]:
            get(url)
        owners = list(
            Owner.objects.values(
                "business_id",
                "business__status",
                "nik",
                "phone",
                "phone_public_since",
                "email",
                "email_public_since",
                "home_address",
            )
        )
        figures = list(BusinessYear.objects.values_list("investment", "turnover", "production_value"))
        # The demo writes "Banjar <name>, Desa <name>" for homes and workshops alike: such an address is public as the
        # address of some business, and only the others can show a leak.
        public_addresses = set(Business.objects.filter(status=PUBLISHED).values_list("address", flat=True))
        cache.clear()
        yield SimpleNamespace(
            pages=pages,
            owners=owners,
            figures=figures,
            published=published,
            directory_pages=number,
            public_addresses=public_addresses,
        )
        transaction.set_rollback(True)


def _consented(owner, channel) -> bool:
    since = owner[f"{channel}_public_since"]
    return bool(owner[channel]) and owner["business__status"] == PUBLISHED and since is not None and since <= TODAY


class TestSeededDemoCrawl:
    def test_every_directory_page_and_profile_was_read(self, seeded_crawl):
        listed = {
            int(pk)
            for url, page in seeded_crawl.pages.items()
            if url.startswith("/direktori/?page=")
            for pk in re.findall(r'href="/direktori/ikm/(\d+)/"', page.content)
        }
        assert listed == set(seeded_crawl.published)
        assert seeded_crawl.directory_pages > 1

    def test_no_seeded_nik_anywhere(self, seeded_crawl):
        niks = [owner["nik"] for owner in seeded_crawl.owners]
        assert sum(1 for nik in niks if nik) > 100
        assert leaks(seeded_crawl.pages, niks) == {}

    def test_no_seeded_phone_without_consent_anywhere(self, seeded_crawl):
        phones = [
            form
            for owner in seeded_crawl.owners
            if owner["phone"] and not _consented(owner, "phone")
            for form in phone_forms(owner["phone"])
        ]
        assert len(phones) > 100
        assert leaks(seeded_crawl.pages, phones) == {}

    def test_no_seeded_email_without_consent_or_home_address_anywhere(self, seeded_crawl):
        private = [owner["email"] for owner in seeded_crawl.owners if not _consented(owner, "email")]
        homes = [owner["home_address"] for owner in seeded_crawl.owners]
        private += [home for home in homes if home not in seeded_crawl.public_addresses]
        assert len(private) > 100
        assert leaks(seeded_crawl.pages, private) == {}

    def test_no_seeded_individual_figures_anywhere(self, seeded_crawl):
        # Round amounts (e.g. 50.000.000) are common to many businesses; raw digits of any amount never belong on a
        # page, and a grouped amount of a million or more only as a sum, which the statistics show in millions.
        values = {value for row in seeded_crawl.figures for value in row if value and value >= 1_000_000}
        assert leaks(seeded_crawl.pages, [form for value in values for form in number_forms(value)]) == {}

    def test_seeded_consented_phones_appear_on_their_profiles(self, seeded_crawl):
        consented = [owner for owner in seeded_crawl.owners if _consented(owner, "phone")]
        assert consented
        for owner in consented:
            assert owner["phone"] in seeded_crawl.pages[f"/direktori/ikm/{owner['business_id']}/"].content


# --- visibility of unpublished businesses -------------------------------------------------------------------------


@pytest.fixture
def shown_and_hidden(bali_regions, kbli):
    """One published business in a sentra, and per test one business of another status with the same sentra but its
    own region (Denpasar), KBLI division (32) and subsector (musik), so that any count it reaches is visible."""
    sentra = SentraFactory(name="Sentra Batik Tuban")
    shown = BusinessFactory(name="Batik Terbit", status=PUBLISHED, sentra=sentra, village=bali_regions.tuban)
    BusinessYearFactory(business=shown, year=TODAY.year - 1)
    lonely = SentraFactory(name="Sentra Tanpa Terbit", village=bali_regions.sidakarya, kbli=kbli.silver)
    return SimpleNamespace(shown=shown, sentra=sentra, lonely=lonely, regions=bali_regions, kbli=kbli)


def _hidden(setup, status):
    business = BusinessFactory(
        name="Perak Tersembunyi",
        status=status,
        sentra=setup.sentra,
        village=setup.regions.sidakarya,
        kbli=setup.kbli.silver,
        subsector=CreativeSubsector.objects.get(code="musik"),
    )
    BusinessFactory(name="Perak Sendiri", status=status, sentra=setup.lonely, village=setup.regions.sidakarya)
    BusinessYearFactory(business=business, year=TODAY.year - 1)
    return business


@pytest.mark.parametrize("status", HIDDEN_STATUSES)
def test_unpublished_business_is_not_in_the_directory_or_its_facets(client, shown_and_hidden, status):
    _hidden(shown_and_hidden, status)
    response = client.get("/direktori/")
    assert [b.name for b in response.context["page"].object_list] == ["Batik Terbit"]
    assert response.context["count"] == 1
    facets = response.context["facets"]
    assert [(o.label, o.count) for o in facets["wilayah"]] == [("Bali", 1)]
    assert [(o.value, o.count) for o in facets["kbli"]] == [("13", 1)]
    assert facets["subsektor"] == []
    assert [(o.label, o.count) for o in facets["sentra"]] == [("Sentra Batik Tuban", 1)]
    assert "Tersembunyi" not in response.content.decode()


@pytest.mark.parametrize("status", HIDDEN_STATUSES)
def test_unpublished_business_is_not_found_by_search_or_drill_down(client, shown_and_hidden, status):
    _hidden(shown_and_hidden, status)
    for query in ("?q=tersembunyi", "?q=perak", "?wilayah=51.71", "?kbli=32", "?subsektor=musik"):
        response = client.get(f"/direktori/{query}")
        assert response.context["count"] == 0, query
        assert "Tersembunyi" not in response.content.decode(), query


@pytest.mark.parametrize("status", HIDDEN_STATUSES)
def test_unpublished_business_profile_is_404(client, shown_and_hidden, status):
    hidden = _hidden(shown_and_hidden, status)
    assert client.get(f"/direktori/ikm/{hidden.pk}/").status_code == 404
    assert client.get(f"/direktori/ikm/{shown_and_hidden.shown.pk}/").status_code == 200


@pytest.mark.parametrize("status", HIDDEN_STATUSES)
def test_unpublished_business_is_not_a_sentra_member_on_the_site(client, shown_and_hidden, status):
    _hidden(shown_and_hidden, status)
    detail = client.get(f"/sentra/{shown_and_hidden.sentra.pk}/")
    assert "Tersembunyi" not in detail.content.decode()
    assert detail.context["sentra"].published_member_count == 1
    listing = client.get("/sentra/")
    assert [s.name for s in listing.context["page"].object_list] == ["Sentra Batik Tuban"]
    assert client.get(f"/sentra/{shown_and_hidden.lonely.pk}/").status_code == 404


@pytest.mark.parametrize("status", HIDDEN_STATUSES)
def test_unpublished_business_is_not_counted_on_the_home_page(client, shown_and_hidden, status):
    _hidden(shown_and_hidden, status)
    response = client.get("/")
    assert response.context["counts"] == {"businesses": 1, "sentra": 1, "villages": 1}
    assert [name for _code, name, _n in response.context["regions"]] == ["Kabupaten Badung"]


@pytest.mark.parametrize("status", HIDDEN_STATUSES)
def test_unpublished_business_is_not_in_the_statistics(client, shown_and_hidden, status):
    _hidden(shown_and_hidden, status)
    stats = client.get("/statistik/?wilayah=51").context["stats"]
    assert stats["total"] == 1
    assert [row["label"] for row in stats["regions"]] == ["Kabupaten Badung"]
    assert [row["code"] for row in stats["divisions"]] == ["13"]
    # A closed business left the directory, not the years it was active in (DESIGN.md §4).
    assert [row["count"] for row in stats["years"]] == [2 if status == BusinessStatus.INACTIVE else 1]


# --- query counts -------------------------------------------------------------------------------------------------


def _queries(client, url, **headers) -> int:
    cache.clear()
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url, headers=headers)
    assert response.status_code == 200, url
    return len(registry_queries(queries))


@pytest.fixture
def grow(bali_regions, kbli):
    """Adds published businesses with everything a card and a facet can show (sentra, subsector, figures, product,
    owner with consented contact), alternating between two villages and two KBLI codes."""
    sentra = SentraFactory(name="Sentra Batik Tuban")
    fashion = CreativeSubsector.objects.get(code="fesyen")

    def add(count):
        for _ in range(count):
            n = Business.objects.count()
            business = BusinessFactory(
                name=f"Usaha Batik {n:03d}",
                status=PUBLISHED,
                village=bali_regions.tuban if n % 2 else bali_regions.munggu,
                kbli=kbli.batik if n % 3 else kbli.printing,
                sentra=sentra,
                subsector=fashion,
                latitude="-8.7",
                longitude="115.2",
                owner__phone="081234567890",
                owner__phone_public_since=PAST,
            )
            BusinessYearFactory(business=business, year=TODAY.year - 1, workforce_male=1, workforce_female=1)
            ProductFactory(business=business, is_featured=True)

    add.sentra = sentra
    return add


def _directory_urls(sentra) -> list[tuple[str, dict]]:
    filters = f"q=usaha+batik&wilayah=51.03&kbli=1313&subsektor=fesyen&skala=mikro&sentra={sentra.pk}&urut=-nama"
    first = Business.objects.order_by("name", "pk").first()
    return [
        ("/direktori/", {}),
        (f"/direktori/?sesudah={encode_cursor([first.name, first.pk])}", {}),
        (f"/direktori/?{filters}", {}),
        ("/direktori/?tampilan=peta", {}),
        (f"/direktori/?{filters}&tampilan=peta", {}),
        ("/direktori/?wilayah=51.03.01", HX),
    ]


def test_directory_queries_do_not_grow_with_the_number_of_businesses(client, grow):
    grow(3)
    urls = _directory_urls(grow.sentra)
    for url, headers in urls:  # first requests may load things once per process
        _queries(client, url, **headers)
    few = [_queries(client, url, **headers) for url, headers in urls]
    grow(37)
    many = [_queries(client, url, **headers) for url, headers in urls]
    assert many == few


def test_directory_queries_do_not_grow_with_the_page_size(client, grow, settings):
    grow(40)
    urls = _directory_urls(grow.sentra)
    _queries(client, "/direktori/")
    counts, cards = {}, {}
    for size in (5, 50):
        settings.DIRECTORY_PAGE_SIZE = size
        counts[size] = [_queries(client, url, **headers) for url, headers in urls]
        cards[size] = len(client.get("/direktori/").context["page"].object_list)
    assert cards == {5: 5, 50: 40}
    assert counts[5] == counts[50]


def test_profile_queries_do_not_grow_with_the_number_of_products(client, grow):
    grow(2)
    first, second = Business.objects.order_by("pk")
    for _ in range(11):
        ProductFactory(business=second)
    _queries(client, f"/direktori/ikm/{first.pk}/")
    assert _queries(client, f"/direktori/ikm/{first.pk}/") == _queries(client, f"/direktori/ikm/{second.pk}/")
    cache.clear()
    assert len(client.get(f"/direktori/ikm/{second.pk}/").context["products"]) == 12


def test_sentra_page_queries_do_not_grow_with_the_number_of_members(client, grow, bali_regions, kbli):
    grow(20)
    small = SentraFactory(name="Sentra Kecil")
    for business in Business.objects.order_by("pk")[:2]:
        business.sentra = small
        business.save()
    _queries(client, f"/sentra/{small.pk}/")
    assert _queries(client, f"/sentra/{small.pk}/") == _queries(client, f"/sentra/{grow.sentra.pk}/")
    cache.clear()
    assert len(client.get(f"/sentra/{grow.sentra.pk}/").context["members"]) == 18


# --- caching ------------------------------------------------------------------------------------------------------


@pytest.fixture
def listed(bali_regions, kbli):
    return BusinessFactory(name="Batik Lama", status=PUBLISHED, village=bali_regions.tuban)


def test_second_anonymous_directory_request_is_served_from_the_cache(client, listed):
    first = client.get("/direktori/")
    with no_registry_queries():
        second = client.get("/direktori/")
    assert second.content == first.content


def test_a_cached_page_is_one_read_of_the_cache_while_the_data_stay_put(
    client, listed, settings, django_capture_on_commit_callbacks
):
    """The page is looked for under the data version this process read last, together with the current version: one
    query of the database cache per cached page served; after a change, two (the version, then the page under it)."""
    assert settings.CACHES["default"]["BACKEND"] == "ikm_registry.cache.DatabaseCache"
    first = client.get("/direktori/")

    def cache_reads():
        with CaptureQueriesContext(connection) as queries:
            response = client.get("/direktori/")
        return response, [query["sql"] for query in queries.captured_queries]

    response, reads = cache_reads()
    assert response.content == first.content
    assert len(reads) == 1 and "public-data-version" in reads[0], reads
    Business.objects.filter(pk=listed.pk).update(name="Batik Baru")
    with django_capture_on_commit_callbacks(execute=True):
        bump_public_version()  # as another process would after its change
    response, reads = cache_reads()
    assert "Batik Baru" in response.content.decode()  # the page under the old version is not served
    response, reads = cache_reads()
    assert "Batik Baru" in response.content.decode() and len(reads) == 1, reads


def test_a_cached_page_is_compressed_once_when_stored_not_for_every_visitor(client, listed):
    """The cache keeps a page gzip-compressed (with GZipMiddleware's random padding, made once): a visitor whose
    browser accepts gzip gets those bytes, one whose does not gets them decompressed; GZipMiddleware compresses
    nothing on a hit."""
    import gzip as gzip_module

    first = client.get("/direktori/", HTTP_ACCEPT_ENCODING="gzip, deflate")  # rendered: compressed by the middleware
    assert first["Content-Encoding"] == "gzip"
    plain = gzip_module.decompress(first.content)
    with mock.patch("django.middleware.gzip.compress_string") as middleware_compress:
        hit = client.get("/direktori/", HTTP_ACCEPT_ENCODING="gzip, deflate")
        again = client.get("/direktori/", HTTP_ACCEPT_ENCODING="br")
    middleware_compress.assert_not_called()
    assert hit["Content-Encoding"] == "gzip" and "Accept-Encoding" in hit["Vary"]
    assert gzip_module.decompress(hit.content) == plain and hit["Content-Length"] == str(len(hit.content))
    assert not again.has_header("Content-Encoding") and again.content == plain and "Accept-Encoding" in again["Vary"]
    assert hit["Content-Type"] == first["Content-Type"] and "public" in hit["Cache-Control"]


def test_parameters_the_page_does_not_read_share_its_cache_entry(client, listed):
    first = client.get("/direktori/?q=batik&wilayah=51.03")
    with no_registry_queries():
        for address in (
            "/direktori/?wilayah=51.03&q=batik",  # another order
            "/direktori/?q=batik&wilayah=51.03&kbli=&utm_source=wa&fbclid=abc",  # empty and tracking parameters
        ):
            assert client.get(address).content == first.content
    assert "utm_source" not in first.content.decode()


def test_a_parameter_the_page_reads_makes_another_entry(client, listed):
    client.get("/direktori/?q=batik")
    assert "Tidak ada IKM yang cocok" in client.get("/direktori/?q=perak").content.decode()


def test_directory_links_carry_only_directory_parameters(client, listed, settings):
    settings.DIRECTORY_PAGE_SIZE = 1
    BusinessFactory(name="Batik Muda", status=PUBLISHED)
    content = client.get("/direktori/?q=batik&utm_campaign=x").content.decode()
    link = re.search(r'rel="next" href="\?(q=batik&amp;sesudah=[A-Za-z0-9_-]+)"', content)
    assert link, "the next page's link keeps the query and carries a cursor"
    assert "utm_campaign" not in content.split("<main", 1)[1]
    following = client.get("/direktori/?" + link.group(1).replace("&amp;", "&"))
    assert [business.name for business in following.context["page"].object_list] == ["Batik Muda"]
    assert 'rel="prev"' in following.content.decode() and 'rel="next"' not in following.content.decode()


def test_counts_lag_a_change_by_at_most_their_max_age(client, listed, settings, django_capture_on_commit_callbacks):
    """The list is current at once; the result count and filter counts are recounted only when PUBLIC_COUNTS_MAX_AGE
    has passed, and a page showing stale counts is cached no longer than that."""
    settings.PUBLIC_COUNTS_MAX_AGE = 60
    assert client.get("/direktori/").context["count"] == 1
    with django_capture_on_commit_callbacks(execute=True):
        BusinessFactory(name="Batik Baru", status=PUBLISHED)
    response = client.get("/direktori/")
    assert "Batik Baru" in response.content.decode()  # the list is fresh
    assert response.context["count"] == 1  # the count is up to a minute old
    with mock.patch("ikm_registry.public_cache.time.time", return_value=time.time() + 61):
        with django_capture_on_commit_callbacks(execute=True):
            BusinessFactory(name="Batik Ketiga", status=PUBLISHED)
        assert client.get("/direktori/").context["count"] == 3


def test_a_page_with_stale_counts_is_cached_only_until_they_expire(
    client, listed, settings, django_capture_on_commit_callbacks
):
    settings.PUBLIC_COUNTS_MAX_AGE = 60
    client.get("/direktori/")
    with django_capture_on_commit_callbacks(execute=True):
        BusinessFactory(name="Batik Baru", status=PUBLISHED)
    with mock.patch("ikm_registry.public_cache.cache.set", wraps=public_cache_module.cache.set) as stored:
        client.get("/direktori/")
    page_timeouts = [call.args[2] for call in stored.call_args_list if ":page:" in call.args[0]]
    assert page_timeouts and all(0 < seconds <= 60 for seconds in page_timeouts)


def test_public_page_may_be_kept_by_browsers_and_shared_caches(client, listed, settings):
    settings.PUBLIC_HTTP_MAX_AGE = 123
    for _ in range(2):  # rendered, then from the cache
        response = client.get("/direktori/")
        control = {part.strip() for part in response["Cache-Control"].split(",")}
        assert {"public", "max-age=123"} <= control
        vary = {part.strip().lower() for part in response["Vary"].split(",")}
        assert {"cookie", "hx-request"} <= vary


def test_cache_is_per_data_version_so_an_uncommunicated_change_is_not_seen(client, listed):
    client.get("/direktori/")
    Business.objects.filter(pk=listed.pk).update(name="Batik Baru")  # no signal, no bump
    assert "Batik Lama" in client.get("/direktori/").content.decode()


def test_signed_in_staff_get_a_fresh_private_page(client, listed):
    client.get("/direktori/")
    Business.objects.filter(pk=listed.pk).update(name="Batik Baru")
    client.force_login(staff_user(StaffRole.OPERATOR, "51.03"))
    response = client.get("/direktori/")
    assert "Batik Baru" in response.content.decode()
    assert "private" in response["Cache-Control"] and "public" not in response["Cache-Control"]


def test_committed_change_to_a_published_business_shows_on_the_next_request(
    client, listed, django_capture_on_commit_callbacks
):
    client.get("/direktori/")
    client.get(f"/direktori/ikm/{listed.pk}/")
    with django_capture_on_commit_callbacks(execute=True):
        listed.name = "Batik Baru"
        listed.save()
    assert "Batik Baru" in client.get("/direktori/").content.decode()
    assert "Batik Baru" in client.get(f"/direktori/ikm/{listed.pk}/").content.decode()


def test_cache_is_cleared_only_when_the_change_commits(client, listed, django_capture_on_commit_callbacks):
    client.get("/direktori/")
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        listed.name = "Batik Baru"
        listed.save()
    assert callbacks  # the bump waits for the commit ...
    assert "Batik Lama" in client.get("/direktori/").content.decode()  # ... and until then the page stays
    for callback in callbacks:
        callback()
    assert "Batik Baru" in client.get("/direktori/").content.decode()


def test_withdrawn_phone_consent_leaves_the_cached_profile(
    client, bali_regions, kbli, django_capture_on_commit_callbacks
):
    business = BusinessFactory(status=PUBLISHED, owner__phone="0812-7777-0001", owner__phone_public_since=PAST)
    assert "0812-7777-0001" in client.get(f"/direktori/ikm/{business.pk}/").content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        owner = Owner.objects.get(business=business)
        owner.phone_public_since = None
        owner.save()
    assert "0812-7777-0001" not in client.get(f"/direktori/ikm/{business.pk}/").content.decode()


def test_unpublished_business_leaves_the_cached_directory(client, listed, django_capture_on_commit_callbacks):
    client.get("/direktori/")
    client.get("/")
    with django_capture_on_commit_callbacks(execute=True):
        listed.status = BusinessStatus.INACTIVE
        listed.save()
    assert "Batik Lama" not in client.get("/direktori/").content.decode()
    assert client.get("/").context["counts"]["businesses"] == 0
    assert client.get(f"/direktori/ikm/{listed.pk}/").status_code == 404


def test_english_visitors_get_their_own_cached_page(client, listed):
    indonesian_page = client.get("/direktori/").content.decode()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    english_page = client.get("/direktori/").content.decode()
    assert '<html lang="en">' in english_page and '<html lang="id">' in indonesian_page
    with no_registry_queries():
        assert client.get("/direktori/").content.decode() == english_page
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "id"
    with no_registry_queries():
        assert client.get("/direktori/").content.decode() == indonesian_page


def test_htmx_fragment_is_cached_apart_from_the_full_page(client, listed):
    full = client.get("/direktori/").content.decode()
    fragment = client.get("/direktori/", headers=HX).content.decode()
    assert "<html" in full and "<html" not in fragment
    assert 'id="directory-body"' in fragment and "Batik Lama" in fragment
    with no_registry_queries():
        assert client.get("/direktori/", headers=HX).content.decode() == fragment
        assert client.get("/direktori/").content.decode() == full


def test_bump_public_version_retires_every_cached_page(client, listed, django_capture_on_commit_callbacks):
    ProductFactory(business=listed, is_featured=True)  # the home page names the businesses of featured products
    urls = ["/", "/direktori/", "/direktori/?q=batik", f"/direktori/ikm/{listed.pk}/"]
    for url in urls:
        assert "Batik Lama" in client.get(url).content.decode(), url
    Business.objects.filter(pk=listed.pk).update(name="Batik Baru")  # no signal
    with django_capture_on_commit_callbacks(execute=True):
        bump_public_version()
    for url in urls:
        assert "Batik Baru" in client.get(url).content.decode(), url


def test_bulk_import_retires_the_cached_directory(client, bali_regions, kbli, django_capture_on_commit_callbacks):
    operator = staff_user(StaffRole.OPERATOR, "51.03")
    assert client.get("/direktori/").context["count"] == 0
    with django_capture_on_commit_callbacks(execute=True):
        result = businesses_import(
            source=io.BytesIO(csv_bytes([row(status="Published")])),
            filename="ikm.csv",
            user=operator,
            year=TODAY.year - 1,
        )
    assert result.written
    name = Business.objects.get().name
    assert name in client.get("/direktori/").content.decode()


# --- statistics ---------------------------------------------------------------------------------------------------


@pytest.fixture
def statistics_registry(bali_regions, kbli):
    """MIN_GROUP_FOR_SUMS businesses in Badung, one fewer in Denpasar and one in Gianyar, with distinctive workforce
    and investment; Denpasar's also have figures for an earlier year that no other business has. The hidden groups
    together hold enough businesses that showing Badung's sums does not give theirs away. The year is released."""
    year = TODAY.year - 2
    badung, denpasar = [], []
    villages = [bali_regions.tuban, bali_regions.kuta_village, bali_regions.munggu]
    for n in range(MIN_GROUP_FOR_SUMS):
        business = BusinessFactory(status=PUBLISHED, village=villages[n % 3], kbli=kbli.batik)
        badung.append(BusinessYearFactory(business=business, year=year, workforce_male=1201 + 101 * n, investment=0))
    for n in range(MIN_GROUP_FOR_SUMS - 1):
        business = BusinessFactory(status=PUBLISHED, village=bali_regions.serangan, kbli=kbli.silver)
        denpasar.append(BusinessYearFactory(business=business, year=year, workforce_male=1511 + 111 * n))
        BusinessYearFactory(business=business, year=year - 3, workforce_male=1733 + 7 * n, investment=123_456_789)
    gianyar = BusinessFactory(status=PUBLISHED, village=make_region("51.04.01.2001"), kbli=kbli.silver)
    BusinessYearFactory(business=gianyar, year=year, workforce_male=1907)
    return SimpleNamespace(badung=badung, denpasar=denpasar, year=year, total=2 * MIN_GROUP_FOR_SUMS)


def _row_cells(content: str, label: str) -> list[str]:
    """The data cells of the statistics table row whose header is `label` (tags stripped)."""
    for table_row in re.findall(r"<tr>(.*?)</tr>", content, re.S):
        header = re.search(r"<th[^>]*>(.*?)</th>", table_row, re.S)
        if header and re.sub(r"<[^>]+>", "", header.group(1)).strip() == label:
            return [
                re.sub(r"<[^>]+>", "", cell).strip() for cell in re.findall(r"<td[^>]*>(.*?)</td>", table_row, re.S)
            ]
    raise AssertionError(f"no row {label!r}")


def test_statistics_count_businesses_per_region_kbli_subsector_and_scale(client, statistics_registry):
    stats = client.get("/statistik/?wilayah=51").context["stats"]
    assert {row["label"]: row["count"] for row in stats["regions"]} == {
        "Kabupaten Badung": MIN_GROUP_FOR_SUMS,
        "Kota Denpasar": MIN_GROUP_FOR_SUMS - 1,
        "Wilayah 51.04": 1,
    }
    assert {row["code"]: row["count"] for row in stats["divisions"]} == {
        "13": MIN_GROUP_FOR_SUMS,
        "32": MIN_GROUP_FOR_SUMS,
    }
    assert sum(row["count"] for row in stats["scales"]) == statistics_registry.total


def test_statistics_group_tables_carry_no_sums(client, statistics_registry):
    content = client.get("/statistik/?wilayah=51").content.decode()
    assert _row_cells(content, "Kabupaten Badung") == [str(MIN_GROUP_FOR_SUMS)]
    assert _row_cells(content, "Kota Denpasar") == [str(MIN_GROUP_FOR_SUMS - 1)]
    badung = sum(year.workforce_total for year in map(_refreshed, statistics_registry.badung))
    denpasar = sum(year.workforce_total for year in map(_refreshed, statistics_registry.denpasar))
    assert leaks({"statistik": SimpleNamespace(content=content)}, number_forms(badung) + number_forms(denpasar)) == {}


def test_statistics_root_shows_the_yearly_totals_of_enough_businesses(client, statistics_registry):
    content = client.get("/statistik/").content.decode()  # one province only: the root is Bali
    figures = [_refreshed(year) for year in statistics_registry.badung + statistics_registry.denpasar]
    gianyar = BusinessYear.objects.get(business__village__code="51.04.01.2001", year=statistics_registry.year)
    workforce = sum(year.workforce_total for year in figures) + gianyar.workforce_total
    latest = _row_cells(content, str(statistics_registry.year))
    assert latest[:2] == [str(statistics_registry.total), indonesian(workforce)]


def test_statistics_hide_the_totals_of_a_year_with_too_few_businesses(client, statistics_registry):
    content = client.get("/statistik/").content.decode()
    early = str(statistics_registry.year - 3)
    # Not released: the year waits for more businesses and shows their count only.
    assert _row_cells(content, early)[:3] == [str(MIN_GROUP_FOR_SUMS - 1), "–", "–"]
    hidden_investment = (MIN_GROUP_FOR_SUMS - 1) * 123_456_789
    assert leaks({"statistik": SimpleNamespace(content=content)}, number_forms(hidden_investment)) == {}


@pytest.mark.parametrize("code", ["51.03", "51.71", "51.03.01"])
def test_statistics_below_the_root_show_no_totals(client, statistics_registry, code):
    """Bali's total minus Badung's would be Denpasar's: regions below the root get counts only."""
    stats = client.get(f"/statistik/?wilayah={code}").context["stats"]
    assert stats["with_sums"] is False
    assert all(row["workforce"] is None and row["investment"] is None for row in stats["years"])
    content = client.get(f"/statistik/?wilayah={code}").content.decode()
    shown = [_refreshed(year) for year in statistics_registry.badung + statistics_registry.denpasar]
    sums = {sum(year.workforce_total for year in shown if year.business.village_id.startswith(code))}
    assert leaks({"statistik": SimpleNamespace(content=content)}, [f for n in sums if n for f in number_forms(n)]) == {}


@pytest.fixture
def lone_business_statistics(bali_regions, kbli):
    """MIN_GROUP_FOR_SUMS businesses in Badung and a single one in Denpasar, all with figures for the same (released)
    year."""
    year = TODAY.year - 2
    villages = [bali_regions.tuban, bali_regions.kuta_village, bali_regions.munggu]
    for n in range(MIN_GROUP_FOR_SUMS):
        business = BusinessFactory(status=PUBLISHED, village=villages[n % 3], kbli=kbli.batik)
        BusinessYearFactory(business=business, year=year, workforce_male=1000 + n)  # no p% dominance
    lone = BusinessFactory(status=PUBLISHED, village=bali_regions.serangan, kbli=kbli.silver)
    BusinessYearFactory(business=lone, year=year, workforce_male=4321)
    return year


def test_a_lone_business_cannot_be_worked_out_from_any_two_statistics_pages(client, lone_business_statistics):
    """Every workforce figure on any statistics page; no difference of two of them is the lone business's 4321."""
    figures = set()
    for code in ["", "51", "51.03", "51.71", "51.03.01", "51.71.01"]:
        stats = client.get(f"/statistik/?wilayah={code}").context["stats"]
        figures |= {row["workforce"] for row in stats["years"] if row["workforce"] is not None}
        for table in ("regions", "divisions", "subsectors", "scales"):
            assert all("workforce" not in row for row in stats[table])
    assert figures, "the root shows the yearly total"
    assert 4321 not in figures
    assert not any(a - b == 4321 for a in figures for b in figures)


def _refreshed(year: BusinessYear) -> BusinessYear:
    """The row as stored (workforce_total is computed by the database)."""
    return BusinessYear.objects.select_related("business__village__parent").get(pk=year.pk)


# --- English ------------------------------------------------------------------------------------------------------


def test_directory_speaks_english_with_the_language_cookie(client, bali_regions, kbli):
    BusinessFactory(status=PUBLISHED, subsector=CreativeSubsector.objects.get(code="fesyen"))
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    content = client.get("/direktori/").content.decode()
    with translation.override("en"):
        all_regions = gettext("Seluruh Indonesia")
    assert all_regions != "Seluruh Indonesia", "the English catalogue lacks this label"
    assert all_regions in content and "Seluruh Indonesia" not in content
    assert "Fashion (1)" in content and "Fesyen" not in content  # subsector names come from the data


# --- bad parameters -----------------------------------------------------------------------------------------------


def _errors(content: str) -> str:
    block = re.search(r'<div class="errors" role="alert">(.*?)</div>', content, re.S)
    assert block, "no error message"
    return html.unescape(re.sub(r"<[^>]+>", " ", block.group(1)))


@pytest.mark.parametrize(("parameter", "value"), [("wilayah", "99.99"), ("kbli", "xx"), ("kbli", "99999")])
def test_bad_filter_value_names_the_field_and_shows_nothing(client, listed, parameter, value):
    response = client.get(f"/direktori/?{parameter}={value}")
    assert response.status_code == 200
    errors = _errors(response.content.decode())
    assert f"{BusinessPublicFilterSet.base_filters[parameter].label}:" in errors
    assert response.context["count"] == 0 and "Batik Lama" not in response.content.decode()


def test_unknown_region_message_repeats_the_code(client, listed):
    assert "99.99" in _errors(client.get("/direktori/?wilayah=99.99").content.decode())


def test_page_number_past_the_end_shows_the_first_page(client, bali_regions, kbli, settings):
    settings.DIRECTORY_PAGE_SIZE = 2
    for n in range(5):
        BusinessFactory(name=f"Usaha {n}", status=PUBLISHED)
    response = client.get("/direktori/?page=3")
    assert [b.name for b in response.context["page"].object_list] == ["Usaha 4"]
    response = client.get("/direktori/?page=40")
    assert response.status_code == 200
    page = response.context["page"]
    assert page.number == 1 and not page.has_previous() and page.has_next()
    assert [b.name for b in page.object_list] == ["Usaha 0", "Usaha 1"]


@pytest.mark.parametrize("page", ["abc", "0", "-1"])
def test_page_that_is_not_a_page_number_shows_a_page(client, listed, page):
    response = client.get(f"/direktori/?page={page}")
    assert response.status_code == 200 and "Batik Lama" in response.content.decode()


def test_unknown_sort_order_falls_back_to_names(client, bali_regions, kbli):
    for name in ("Cendana", "Anyaman", "Batik"):
        BusinessFactory(name=name, status=PUBLISHED)
    response = client.get("/direktori/?urut=bogus")
    assert response.status_code == 200
    assert [b.name for b in response.context["page"].object_list] == ["Anyaman", "Batik", "Cendana"]
    assert response.context["current_order"] == ""  # the default option: by name without a query
    assert response.context["orderings"][0] == ("", "Nama (A–Z)")


def test_statistics_ignore_an_unknown_region(client, statistics_registry):
    response = client.get("/statistik/?wilayah=99.99")
    assert response.status_code == 200
    assert response.context["stats"]["total"] == statistics_registry.total


def test_sentra_list_pages_through_every_sentra_with_published_members(client, bali_regions, kbli, monkeypatch):
    monkeypatch.setattr("businesses.views.SENTRA_PAGE_SIZE", 2)
    for name in ("Sentra A", "Sentra B", "Sentra C"):
        BusinessFactory(status=PUBLISHED, sentra=SentraFactory(name=name))
    BusinessFactory(status=BusinessStatus.SUBMITTED, sentra=SentraFactory(name="Sentra Tanpa Anggota Terbit"))
    first = client.get("/sentra/").content.decode()
    assert "Sentra A" in first and "Sentra B" in first and "Sentra C" not in first
    assert 'href="?page=2"' in first
    second = client.get("/sentra/?page=2").content.decode()
    assert "Sentra C" in second and 'href="?page=1"' in second
    assert "Sentra Tanpa Anggota Terbit" not in first + second
