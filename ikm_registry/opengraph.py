"""Link previews of public pages (Open Graph, Twitter cards): what WhatsApp, Facebook or Telegram show when someone
shares the address of a business, a sentra or an event — its name, what it makes or what it is, where, and a
picture.

A view puts `og = open_graph(...)` in its context; `templates/includes/open_graph.html` (included by base.html)
writes the tags. Every address in them is absolute and the public site's (`ikm_registry.public_url`), so a page
cached for every visitor carries the same tags whoever asked first. A page passes only what it shows anyway:
never an owner's personal data.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.templatetags.static import static

from ikm_registry.public_url import public_base_url, public_url

# The picture of a page without one of its own: 1200 × 630, the size link previews show best.
DEFAULT_IMAGE = "img/og-default.png"
DEFAULT_IMAGE_SIZE = (1200, 630)
# Previews cut long descriptions; keep them to what they show.
DESCRIPTION_LENGTH = 200


@dataclass(frozen=True)
class OpenGraph:
    title: str
    description: str
    url: str
    image: str
    image_alt: str
    type: str = "website"
    image_width: int | None = None
    image_height: int | None = None


def absolute_url(url: str) -> str:
    """An address as the public site serves it: a path ("/media/…") joined to PUBLIC_BASE_URL; an address that is
    already absolute (media on object storage) as it is."""
    if url.startswith(("http://", "https://")):
        return url
    if url.startswith("//"):
        return f"{public_base_url().split('://', 1)[0]}:{url}"
    return public_url(url)


def _shortened(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= DESCRIPTION_LENGTH else text[: DESCRIPTION_LENGTH - 1].rstrip() + "…"


def open_graph(*, title: str, description: str, path: str, image_url: str = "", image_alt: str = "") -> OpenGraph:
    """The preview of the public page at `path`: its `title`, `description`, and `image_url` (a stored picture's
    URL), or the site's default picture."""
    if image_url:
        return OpenGraph(
            title=title,
            description=_shortened(description),
            url=public_url(path),
            image=absolute_url(image_url),
            image_alt=image_alt or title,
        )
    width, height = DEFAULT_IMAGE_SIZE
    return OpenGraph(
        title=title,
        description=_shortened(description),
        url=public_url(path),
        image=absolute_url(static(DEFAULT_IMAGE)),
        image_alt=image_alt or title,
        image_width=width,
        image_height=height,
    )
