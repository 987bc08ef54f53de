"""What search engines and link previews read: robots.txt, the sitemap index and its sections (published profiles,
sentra with a published member; pages by ranges of ids, their cost flat), and the Open Graph tags of a business's and
a sentra's page — absolute addresses of the public site (PUBLIC_BASE_URL), nothing private, cached pages intact."""

import html
import io
import re
from xml.etree import ElementTree

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from PIL import Image

from businesses.choices import BusinessStatus
from businesses.models import Business
from ikm_registry import sitemaps
from tests.factories import BusinessFactory, ProductFactory, SentraFactory
from tests.queries import no_registry_queries, registry_queries

pytestmark = pytest.mark.django_db

SITE = "https://ikm.example.go.id"
NS = {"s": "http://www.sitemaps.org/schemas/sitemap/0.9"}
HIDDEN = [status for status in BusinessStatus.values if status != BusinessStatus.PUBLISHED]


@pytest.fixture(autouse=True)
def public_site(settings, tmp_path):
    settings.PUBLIC_BASE_URL = SITE
    settings.MEDIA_ROOT = str(tmp_path / "media")


@pytest.fixture
def published(bali_regions, kbli):
    return BusinessFactory(name="Batik Sari", status=BusinessStatus.PUBLISHED, village=bali_regions.tuban)


def locations(content: bytes) -> list[str]:
    return [element.text for element in ElementTree.fromstring(content).findall(".//s:loc", NS)]


def meta(content: bytes) -> dict[str, str]:
    """The page's Open Graph and Twitter tags (and canonical link), by property or name."""
    text = content.decode()
    found = {
        name: html.unescape(value)
        for name, value in re.findall(r'<meta (?:property|name)="((?:og|twitter):[^"]+)" content="([^"]*)"', text)
    }
    canonical = re.search(r'<link rel="canonical" href="([^"]+)"', text)
    if canonical:
        found["canonical"] = canonical.group(1)
    return found


def jpeg() -> bytes:
    handle = io.BytesIO()
    Image.new("RGB", (640, 480), "#aa3322").save(handle, "JPEG")
    return handle.getvalue()


# --- robots.txt -----------------------------------------------------------------------------------------------------


def test_robots_opens_the_public_site_and_closes_private_paths(client, db):
    response = client.get("/robots.txt", HTTP_HOST="localhost")
    assert response["Content-Type"] == "text/plain; charset=utf-8"
    lines = response.content.decode().splitlines()
    assert lines[0] == "User-agent: *"
    disallowed = {line.removeprefix("Disallow: ") for line in lines if line.startswith("Disallow:")}
    assert disallowed == {"/admin/", "/api/v1/staf/", "/usaha-saya/", "/agenda/saya/", "/daftar/terkirim/"}
    assert "Allow: /" in lines
    assert f"Sitemap: {SITE}/sitemap.xml" in lines  # the public site's address, not the host asked


def test_an_app_adds_its_paths_through_the_registry(client, db):
    rule = sitemaps.RobotsRule(name="test", disallow=("/rahasia/",))
    with sitemaps.robots_rules.registered(rule):
        assert "Disallow: /rahasia/" in client.get("/robots.txt").content.decode()


# --- the sitemap --------------------------------------------------------------------------------------------------


def test_index_names_every_section_at_the_public_address(client, published):
    response = client.get("/sitemap.xml", HTTP_HOST="localhost")
    assert response["Content-Type"] == "application/xml"
    assert locations(response.content) == [
        f"{SITE}/sitemap-ikm.xml",
        f"{SITE}/sitemap-sentra.xml",
        f"{SITE}/sitemap-kegiatan.xml",
    ]


def test_business_section_lists_published_profiles_only_with_their_last_change(client, published, bali_regions):
    hidden = {status: BusinessFactory(name=f"Tersembunyi {status}", status=status) for status in HIDDEN}
    response = client.get("/sitemap-ikm.xml")
    found = locations(response.content)
    assert found == [f"{SITE}/direktori/ikm/{published.pk}/"]
    assert all(f"/direktori/ikm/{business.pk}/" not in "".join(found) for business in hidden.values())
    lastmod = ElementTree.fromstring(response.content).find(".//s:lastmod", NS).text
    assert lastmod == published.updated_at.astimezone().date().isoformat()
    assert response["X-Robots-Tag"].startswith("noindex")


def test_sentra_section_lists_sentra_with_a_published_member(client, published, bali_regions, kbli):
    shown = SentraFactory(name="Sentra Batik Tuban", village=bali_regions.tuban)
    Business.objects.filter(pk=published.pk).update(sentra=shown)
    empty = SentraFactory(name="Sentra Tanpa Anggota Terbit", village=bali_regions.tuban)
    BusinessFactory(name="Anggota Draf", status=BusinessStatus.DRAFT, sentra=empty)
    assert locations(client.get("/sitemap-sentra.xml").content) == [f"{SITE}/sentra/{shown.pk}/"]


def test_pages_are_ranges_of_ids(client, bali_regions, kbli, monkeypatch):
    monkeypatch.setattr(sitemaps.KeysetSitemap, "limit", 4)
    businesses = [BusinessFactory(status=BusinessStatus.PUBLISHED) for _ in range(9)]
    highest = max(business.pk for business in businesses)
    pages = highest // 4 + 1
    index = locations(client.get("/sitemap.xml").content)
    assert [address for address in index if "sitemap-ikm" in address] == [f"{SITE}/sitemap-ikm.xml"] + [
        f"{SITE}/sitemap-ikm.xml?p={page}" for page in range(2, pages + 1)
    ]
    listed = []
    for page in range(1, pages + 1):
        found = locations(client.get("/sitemap-ikm.xml", {"p": page}).content)
        assert len(found) <= 4
        listed += found
    assert listed == [f"{SITE}/direktori/ikm/{business.pk}/" for business in sorted(businesses, key=lambda b: b.pk)]
    for wrong in (pages + 1, 0, "x"):
        assert client.get("/sitemap-ikm.xml", {"p": wrong}).status_code == 404
    assert client.get("/sitemap-nothing.xml").status_code == 404


def test_a_page_costs_the_same_whatever_the_number_of_rows(client, bali_regions, kbli):
    def queries() -> list[str]:
        from django.core.cache import cache

        cache.clear()
        with CaptureQueriesContext(connection) as captured:
            assert client.get("/sitemap-ikm.xml").status_code == 200
        return [sql for sql in registry_queries(captured) if sql.startswith("SELECT")]

    for _ in range(3):
        BusinessFactory(status=BusinessStatus.PUBLISHED)
    few = queries()
    for _ in range(30):
        BusinessFactory(status=BusinessStatus.PUBLISHED)
    many = queries()
    assert len(many) == len(few) == 1
    assert "LIMIT" not in many[0] and "OFFSET" not in many[0] and "COUNT" not in many[0]


def test_a_page_reads_only_ids_and_dates(client, published):
    with CaptureQueriesContext(connection) as captured:
        client.get("/sitemap-ikm.xml")
    (select,) = [sql for sql in registry_queries(captured) if sql.startswith("SELECT")]
    columns = select.split(" FROM ")[0]
    assert '"id"' in columns and '"updated_at"' in columns and '"name"' not in columns


def test_sitemap_is_cached_until_the_registry_changes(client, published, django_capture_on_commit_callbacks):
    first = client.get("/sitemap-ikm.xml").content
    with no_registry_queries():
        assert client.get("/sitemap-ikm.xml").content == first
    with django_capture_on_commit_callbacks(execute=True):
        newcomer = BusinessFactory(name="Baru Terbit", status=BusinessStatus.PUBLISHED)
    assert f"/direktori/ikm/{newcomer.pk}/" in client.get("/sitemap-ikm.xml").content.decode()


# --- Open Graph -----------------------------------------------------------------------------------------------------


def test_business_preview_shows_name_product_place_and_photo(client, published):
    Business.objects.filter(pk=published.pk).update(main_product="Kain batik tulis")
    ProductFactory(business=published, name="Tanpa foto", is_featured=True)
    product = ProductFactory(business=published, name="Selendang batik")
    product.photo = SimpleUploadedFile("selendang.jpg", jpeg(), "image/jpeg")
    product.save()
    product.refresh_from_db()
    tags = meta(client.get(f"/direktori/ikm/{published.pk}/").content)
    assert tags["og:title"] == tags["twitter:title"] == "Batik Sari"
    assert tags["og:description"] == "Kain batik tulis — Kec. Kuta, Kabupaten Badung"
    assert tags["og:url"] == tags["canonical"] == f"{SITE}/direktori/ikm/{published.pk}/"
    assert tags["og:image"] == tags["twitter:image"] == f"{SITE}{product.photo_small.url}"
    assert product.photo_small.url.endswith("-small.jpg")
    assert tags["og:image:alt"] == "Selendang batik"
    assert (tags["og:type"], tags["og:site_name"], tags["og:locale"]) == ("website", "Registri IKM", "id_ID")
    assert tags["twitter:card"] == "summary_large_image"


def test_business_without_a_photo_gets_the_site_picture_and_english_locale(client, published):
    tags = meta(client.get(f"/direktori/ikm/{published.pk}/").content)
    assert tags["og:image"] == f"{SITE}/static/img/og-default.png"
    assert (tags["og:image:width"], tags["og:image:height"]) == ("1200", "630")
    client.cookies["django_language"] = "en"
    assert meta(client.get(f"/direktori/ikm/{published.pk}/").content)["og:locale"] == "en_US"


def test_preview_holds_nothing_private_even_with_consent(client, published):
    import datetime

    owner = published.owner
    owner.name, owner.nik, owner.phone, owner.email = "Ni Made Rahasia", "5103015508850001", "081234567890", "r@x.id"
    owner.home_address = "Jl. Rumah Pribadi 3"
    owner.phone_public_since = datetime.date(2020, 1, 1)  # consented for the page; a preview needs no contact
    owner.save()
    content = client.get(f"/direktori/ikm/{published.pk}/").content
    head = content.decode().split("</head>")[0]
    preview = " ".join(meta(content).values())
    for private in ("Ni Made Rahasia", "5103015508850001", "081234567890", "r@x.id", "Rumah Pribadi"):
        assert private not in preview
        assert private not in head


def test_sentra_preview_uses_a_published_members_photo(
    client, published, bali_regions, django_capture_on_commit_callbacks
):
    sentra = SentraFactory(name="Sentra Batik Tuban", main_product="Batik tulis", village=bali_regions.tuban)
    Business.objects.filter(pk=published.pk).update(sentra=sentra)
    hidden = BusinessFactory(name="Draf", status=BusinessStatus.DRAFT, sentra=sentra)
    secret = ProductFactory(business=hidden, name="Foto draf")
    secret.photo = SimpleUploadedFile("draf.jpg", jpeg(), "image/jpeg")
    secret.save()
    tags = meta(client.get(f"/sentra/{sentra.pk}/").content)
    assert tags["og:title"] == "Sentra Batik Tuban"
    assert tags["og:description"] == "Batik tulis — Kec. Kuta, Kabupaten Badung"
    assert tags["og:url"] == f"{SITE}/sentra/{sentra.pk}/"
    assert tags["og:image"] == f"{SITE}/static/img/og-default.png"  # not the unpublished member's photo
    with django_capture_on_commit_callbacks(execute=True):  # the cached page is retired once the change commits
        product = ProductFactory(business=published, name="Kain")
        product.photo = SimpleUploadedFile("kain.jpg", jpeg(), "image/jpeg")
        product.save()
    product.refresh_from_db()
    assert meta(client.get(f"/sentra/{sentra.pk}/").content)["og:image"] == f"{SITE}{product.photo_small.url}"


def test_cached_profile_keeps_its_preview(client, published):
    first = client.get(f"/direktori/ikm/{published.pk}/", HTTP_HOST="localhost").content
    with no_registry_queries():
        second = client.get(f"/direktori/ikm/{published.pk}/").content
    assert second == first
    assert meta(second)["og:url"] == f"{SITE}/direktori/ikm/{published.pk}/"


def test_media_on_another_host_is_linked_as_it_is():
    from ikm_registry.opengraph import absolute_url

    assert (
        absolute_url("https://cdn.example.com/products/a-small.jpg") == "https://cdn.example.com/products/a-small.jpg"
    )
    assert absolute_url("//cdn.example.com/a.jpg") == "https://cdn.example.com/a.jpg"
    assert absolute_url("/media/a.jpg") == f"{SITE}/media/a.jpg"
