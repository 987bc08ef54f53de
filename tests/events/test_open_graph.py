"""An event on the public agenda for search engines and link previews: its page's Open Graph tags (title, kind, dates,
place; the site's picture; absolute addresses of the public site; no participant), its place in the sitemap and
robots.txt keeping participants' personal links out."""

import datetime
import html
import re
from xml.etree import ElementTree

import pytest

from events.services.registration import registration_create
from tests.factories import SYSTEM, make_event, person

pytestmark = pytest.mark.usefixtures("bali_regions")

SITE = "https://ikm.example.go.id"


@pytest.fixture(autouse=True)
def public_site(settings):
    settings.PUBLIC_BASE_URL = SITE


def meta(content: bytes) -> dict[str, str]:
    return {
        name: html.unescape(value)
        for name, value in re.findall(
            r'<meta (?:property|name)="((?:og|twitter):[^"]+)" content="([^"]*)"', content.decode()
        )
    }


def test_event_preview_says_what_when_and_where(client):
    event = make_event(
        title="Pelatihan Batik Dasar",
        venue="Balai Desa Tuban",
        start_date=datetime.date(2030, 3, 4),
        days=3,
    )
    tags = meta(client.get(f"/agenda/{event.pk}/").content)
    assert tags["og:title"] == "Pelatihan Batik Dasar"
    assert tags["og:description"] == "Pelatihan · 4 Maret 2030 – 6 Maret 2030 · Balai Desa Tuban, Kabupaten Badung"
    assert tags["og:url"] == f"{SITE}/agenda/{event.pk}/"
    assert tags["og:image"] == f"{SITE}/static/img/og-default.png"
    assert (tags["og:type"], tags["og:locale"], tags["twitter:card"]) == ("website", "id_ID", "summary_large_image")


def test_event_preview_names_no_participant(client):
    event = make_event()
    registration_create(event=event, data=person(1, name="Ibu Zpeserta", phone="081299990001"), actor=SYSTEM)
    head = client.get(f"/agenda/{event.pk}/").content.decode().split("</head>")[0]
    assert "Zpeserta" not in head and "081299990001" not in head


def test_sitemap_lists_the_public_agenda_only(client):
    shown = make_event(title="Terbuka")
    internal = make_event(title="Rapat internal", is_public=False)
    content = client.get("/sitemap-kegiatan.xml").content
    found = [element.text for element in ElementTree.fromstring(content).iter() if element.tag.endswith("loc")]
    assert found == [f"{SITE}/agenda/{shown.pk}/"]
    assert client.get(f"/agenda/{internal.pk}/").status_code == 404


def test_robots_keeps_personal_links_out(client, db):
    assert "Disallow: /agenda/saya/" in client.get("/robots.txt").content.decode().splitlines()
