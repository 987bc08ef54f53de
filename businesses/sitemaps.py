"""What businesses gives search engines (ikm_registry/sitemaps.py): the published business profiles and the sentra
pages as sitemap sections, and the private paths of its public site for robots.txt. Registered in
BusinessesConfig.ready().

Each section reads through the public selectors (`business_public_rows()`, `sentra_public()`), so exactly the pages that
answer are listed; a page of a section reads only ids (and the date of the last change) within one range of ids.
"""

from __future__ import annotations

from django.urls import reverse

from businesses.selectors import business_public_rows, sentra_public
from ikm_registry.sitemaps import KeysetSitemap, RobotsRule, SitemapSection, path_for, robots_rules, sitemap_sections


class BusinessSitemap(KeysetSitemap):
    """Published business profiles (/direktori/ikm/<id>/), with the date each was last changed."""

    changefreq = "monthly"

    def __init__(self):
        self.path = path_for("businesses:business_detail")

    def items(self):
        return business_public_rows().values("pk", "updated_at")

    def location(self, item) -> str:
        return self.path(item["pk"])

    def lastmod(self, item):
        return item["updated_at"]


class SentraSitemap(KeysetSitemap):
    """Sentra with a published member (/sentra/<id>/): the sentra the public list shows."""

    changefreq = "monthly"

    def __init__(self):
        self.path = path_for("businesses:sentra_detail")

    def items(self):
        return sentra_public().values("pk")

    def location(self, item) -> str:
        return self.path(item["pk"])


SITEMAP_SECTIONS = (
    SitemapSection(name="ikm", order=100, sitemap=BusinessSitemap),
    SitemapSection(name="sentra", order=110, sitemap=SentraSitemap),
)
# An owner's private link (and the page that sends it) and the page after a self-registration are nobody's search
# result.
ROBOTS_RULE = RobotsRule(
    name="businesses",
    order=100,
    disallow=(lambda: reverse("businesses:owner_link_request"), lambda: reverse("businesses:register_done")),
)


def register_sitemaps() -> None:
    for section in SITEMAP_SECTIONS:
        sitemap_sections.register(section, replace=True)
    robots_rules.register(ROBOTS_RULE, replace=True)
