"""What search engines read: `robots.txt` and `sitemap.xml` (a sitemap index) with one sitemap per section, pages of
at most SITEMAP_PAGE_SIZE addresses (django.contrib.sitemaps).

The core names no app: each app registers the sections it publishes (`sitemap_sections`: businesses their profiles,
sentra and main pages; events the public agenda) and the paths crawlers should stay out of (`robots_rules`: private
links, confirmation pages). The core itself keeps crawlers out of the admin and the API's staff endpoints.

Addresses are the public site's (`ikm_registry.public_url`, PUBLIC_BASE_URL), whatever host a request came by, so the
sitemap, robots.txt and the pages' own links agree.

Scale: a registry of millions of businesses must not count or sort the whole table for each sitemap page. A section
over a queryset pages it by ranges of primary keys (`KeysetSitemap`): page N holds the rows with id in
[(N-1)·size, N·size), read through the primary key index whatever N is; the index lists as many pages as the highest
id needs (a page may hold fewer addresses than the size, never more). Only the id and the date of the last change
are read. The answers are cached like the public pages (ikm_registry.public_cache).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import urlsplit

from django.contrib.sitemaps import Sitemap
from django.contrib.sitemaps import views as sitemap_views
from django.db.models import Max
from django.http import Http404, HttpResponse
from django.template.response import TemplateResponse
from django.urls import reverse
from django.views.decorators.http import require_GET

from ikm_registry.public_cache import cache_public_page
from ikm_registry.public_url import public_base_url, public_url
from ikm_registry.registry import Contribution, Registry

# Addresses per sitemap page (the protocol allows 50,000; smaller pages are quicker to make and to fetch).
SITEMAP_PAGE_SIZE = 10_000


class PublicSitemap(Sitemap):
    """A sitemap whose addresses are the public site's (PUBLIC_BASE_URL), not the requesting host's."""

    limit = SITEMAP_PAGE_SIZE

    def get_urls(self, page=1, site=None, protocol=None):
        base = urlsplit(public_base_url())
        return self._urls(page, base.scheme, base.netloc + base.path.rstrip("/"))


@dataclass
class KeysetPage:
    number: int
    object_list: list


class KeysetPaginator:
    """Pages of a queryset by primary key ranges of `size`: page N is the rows with (N-1)·size ≤ pk < N·size."""

    def __init__(self, queryset, size: int):
        self.queryset, self.size = queryset, size

    @property
    def num_pages(self) -> int:
        highest = self.queryset.order_by().aggregate(highest=Max("pk"))["highest"]
        return max(1, math.ceil((highest + 1) / self.size)) if highest is not None else 1

    def page(self, number) -> KeysetPage:
        try:
            number = int(number)
        except (TypeError, ValueError):
            raise Http404(f"No sitemap page {number!r}") from None
        if number < 1 or (number > 1 and number > self.num_pages):
            raise Http404(f"No sitemap page {number!r}")
        low = (number - 1) * self.size
        rows = self.queryset.filter(pk__gte=low, pk__lt=low + self.size).order_by("pk")
        return KeysetPage(number, list(rows))


class KeysetSitemap(PublicSitemap):
    """A sitemap of `items()` (a queryset; give it `.values("pk", "updated_at")` or as little as `location` and
    `lastmod` need) paged by primary key ranges, so that no page counts or skips rows (KeysetPaginator)."""

    @property
    def paginator(self):
        return KeysetPaginator(self.items(), self.limit)


def path_for(url_name: str) -> Callable[[int], str]:
    """`reverse(url_name, args=[pk])` for thousands of ids a page: the pattern is reversed once."""
    sentinel = "2147483647"
    head, tail = reverse(url_name, args=[sentinel]).split(sentinel)
    return lambda pk: f"{head}{pk}{tail}"


@dataclass(frozen=True, kw_only=True)
class SitemapSection(Contribution):
    """A section of the sitemap: `sitemap()` makes its Sitemap; its pages are /sitemap-<name>.xml?p=N."""

    sitemap: Callable[[], Sitemap]


@dataclass(frozen=True, kw_only=True)
class RobotsRule(Contribution):
    """Paths crawlers should not follow (`Disallow:` lines); each a path or a callable returning one."""

    disallow: tuple[str | Callable[[], str], ...]


sitemap_sections: Registry[SitemapSection] = Registry("sitemap sections")
robots_rules: Registry[RobotsRule] = Registry("robots.txt rules")

robots_rules.register(
    RobotsRule(
        name="staff",
        order=10,
        disallow=(lambda: reverse("admin:index"), "/api/v1/staf/"),
    )
)


def _sections() -> dict[str, Sitemap]:
    return {section.name: section.sitemap() for section in sitemap_sections}


@require_GET
@cache_public_page()
def robots_txt(request):
    """robots.txt: the public site is open; the registered private paths are not; the sitemap index is named."""
    lines = ["User-agent: *"]
    for rule in robots_rules:
        for path in rule.disallow:
            lines.append(f"Disallow: {path() if callable(path) else path}")
    lines += ["Allow: /", "", f"Sitemap: {public_url(reverse('sitemap'))}", ""]
    return HttpResponse("\n".join(lines), content_type="text/plain; charset=utf-8")


@require_GET
@cache_public_page()
@sitemap_views.x_robots_tag
def sitemap_index(request):
    """sitemap.xml: every page of every section, as the public site's addresses."""
    entries = []
    for name, sitemap in _sections().items():
        address = public_url(reverse("sitemap_section", kwargs={"section": name}))
        entries.append(sitemap_views.SitemapIndexItem(address))
        for page in range(2, sitemap.paginator.num_pages + 1):
            entries.append(sitemap_views.SitemapIndexItem(f"{address}?p={page}"))
    return TemplateResponse(request, "sitemap_index.xml", {"sitemaps": entries}, content_type="application/xml")


@require_GET
@cache_public_page("p")
def sitemap_section(request, section: str):
    """One page (`?p=N`) of one section (Django's sitemap view over the registered sections)."""
    return sitemap_views.sitemap(request, sitemaps=_sections(), section=section)
