"""What events gives search engines (ikm_registry/sitemaps.py): the pages of the public agenda's events as a sitemap
section, and participants' personal links for robots.txt. Registered in EventsConfig.ready().

The section lists exactly the events whose page answers (`Event.objects.public()`, as `selectors.event_public`),
reading only ids and the date of the last change within one range of ids per page.
"""

from __future__ import annotations

from django.urls import reverse

from events.models import Event
from ikm_registry.sitemaps import KeysetSitemap, RobotsRule, SitemapSection, path_for, robots_rules, sitemap_sections


class EventSitemap(KeysetSitemap):
    """Events on the public agenda (/agenda/<id>/), with the date each was last changed."""

    changefreq = "weekly"

    def __init__(self):
        self.path = path_for("events:event_detail")

    def items(self):
        return Event.objects.public().values("pk", "updated_at")

    def location(self, item) -> str:
        return self.path(item["pk"])

    def lastmod(self, item):
        return item["updated_at"]


SITEMAP_SECTION = SitemapSection(name="kegiatan", order=200, sitemap=EventSitemap)
# A participant's personal link (/agenda/saya/<secret>/: their registration and certificate).
ROBOTS_RULE = RobotsRule(name="events", order=200, disallow=(lambda: reverse("events:agenda") + "saya/",))


def register_sitemaps() -> None:
    sitemap_sections.register(SITEMAP_SECTION, replace=True)
    robots_rules.register(ROBOTS_RULE, replace=True)
