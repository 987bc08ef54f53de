"""Online shop and social links of a business: one platform each, typed as a URL or as a handle.

Owners write "@batiksari", "instagram.com/batiksari", "https://shopee.co.id/batiksari" or "batiksari" for the same
account; the registry stores one canonical https URL per link, so the profile shows a link that opens and the
platform's name beside it. A URL must be on the platform's own domain (a "Shopee" link to another site is refused:
nobody clicking "Shopee" expects to land elsewhere); "Situs web" takes any https/http address.

`channels_to_links()` reads the free text the registry stored before links existed ("Shopee, Instagram
@batiksari, https://…"): what names an account becomes a link, the rest stays as text so nothing is lost.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import urlsplit

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import models
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

# A handle as the platforms allow them: letters, digits, dot, underscore, hyphen.
HANDLE = re.compile(r"^[A-Za-z0-9._-]{1,60}$")
MAX_LINKS = 8


class Platform(models.TextChoices):
    WEBSITE = "website", gettext_lazy("Situs web")
    SHOPEE = "shopee", "Shopee"
    TOKOPEDIA = "tokopedia", "Tokopedia"
    TIKTOK_SHOP = "tiktokshop", "TikTok Shop"
    LAZADA = "lazada", "Lazada"
    BUKALAPAK = "bukalapak", "Bukalapak"
    BLIBLI = "blibli", "Blibli"
    INSTAGRAM = "instagram", "Instagram"
    FACEBOOK = "facebook", "Facebook"
    TIKTOK = "tiktok", "TikTok"
    YOUTUBE = "youtube", "YouTube"


@dataclass(frozen=True)
class PlatformRule:
    domains: tuple[str, ...]  # hosts (and their subdomains) a URL of the platform may be on
    handle_url: str = ""  # the profile URL of a handle; empty: only URLs are taken


RULES: dict[str, PlatformRule] = {
    Platform.WEBSITE: PlatformRule(()),
    Platform.SHOPEE: PlatformRule(("shopee.co.id", "shp.ee"), "https://shopee.co.id/{}"),
    Platform.TOKOPEDIA: PlatformRule(("tokopedia.com", "tokopedia.link"), "https://www.tokopedia.com/{}"),
    Platform.TIKTOK_SHOP: PlatformRule(("tiktok.com", "shop.tiktok.com"), "https://www.tiktok.com/@{}"),
    Platform.LAZADA: PlatformRule(("lazada.co.id",), "https://www.lazada.co.id/shop/{}/"),
    Platform.BUKALAPAK: PlatformRule(("bukalapak.com",), "https://www.bukalapak.com/u/{}"),
    Platform.BLIBLI: PlatformRule(("blibli.com",), "https://www.blibli.com/merchant/{}"),
    Platform.INSTAGRAM: PlatformRule(("instagram.com", "instagr.am"), "https://www.instagram.com/{}/"),
    Platform.FACEBOOK: PlatformRule(("facebook.com", "fb.com", "fb.me"), "https://www.facebook.com/{}"),
    Platform.TIKTOK: PlatformRule(("tiktok.com",), "https://www.tiktok.com/@{}"),
    Platform.YOUTUBE: PlatformRule(("youtube.com", "youtu.be"), "https://www.youtube.com/@{}"),
}
# Names owners write for a platform in free text (lower case, spaces dropped).
ALIASES = {
    "web": Platform.WEBSITE,
    "website": Platform.WEBSITE,
    "situs": Platform.WEBSITE,
    "situsweb": Platform.WEBSITE,
    "shopee": Platform.SHOPEE,
    "tokopedia": Platform.TOKOPEDIA,
    "tokped": Platform.TOKOPEDIA,
    "tiktokshop": Platform.TIKTOK_SHOP,
    "lazada": Platform.LAZADA,
    "bukalapak": Platform.BUKALAPAK,
    "blibli": Platform.BLIBLI,
    "instagram": Platform.INSTAGRAM,
    "ig": Platform.INSTAGRAM,
    "facebook": Platform.FACEBOOK,
    "fb": Platform.FACEBOOK,
    "tiktok": Platform.TIKTOK,
    "youtube": Platform.YOUTUBE,
    "yt": Platform.YOUTUBE,
}


def _host_on(host: str, domains: tuple[str, ...]) -> bool:
    host = host.lower().rstrip(".")
    return any(host == domain or host.endswith("." + domain) for domain in domains)


def platform_of_url(url: str) -> str:
    """The platform a URL belongs to by its host; a website when none matches."""
    host = urlsplit(url if "://" in url else "https://" + url).hostname or ""
    for platform, rule in RULES.items():
        if rule.domains and _host_on(host, rule.domains):
            if platform == Platform.TIKTOK and "/shop" in url:  # shop.tiktok.com is caught by TikTok Shop first
                return Platform.TIKTOK_SHOP
            return platform
    return Platform.WEBSITE


def link_url(platform: str, value: str) -> str:
    """The canonical URL of `value` (a URL or a handle) on `platform`; ValidationError naming the reason."""
    value = (value or "").strip()
    if platform not in RULES:
        raise ValidationError(_("Pilih platform dari daftar."), code="platform")
    if not value:
        raise ValidationError(_("Isi alamat atau nama akun."), code="required")
    rule = RULES[platform]
    label = Platform(platform).label
    has_scheme = re.match(r"^[A-Za-z][A-Za-z0-9+.-]*:", value) is not None  # https:, javascript:, data: …
    looks_like_url = has_scheme or "/" in value or (platform == Platform.WEBSITE and "." in value)
    if looks_like_url:
        url = value if has_scheme else "https://" + value
        if urlsplit(url).scheme.lower() not in ("http", "https"):
            raise ValidationError(_("Alamat harus diawali https:// atau http://."), code="scheme")
        try:
            URLValidator(schemes=["http", "https"])(url)
        except ValidationError as error:
            raise ValidationError(_("Alamat “%(value)s” tidak valid.") % {"value": value}, code="url") from error
        if len(url) > 300:
            raise ValidationError(_("Alamat terlalu panjang (paling banyak 300 karakter)."), code="max_length")
        host = urlsplit(url).hostname or ""
        if rule.domains and not _host_on(host, rule.domains):
            raise ValidationError(
                _("Alamat ini bukan alamat %(platform)s (%(host)s).") % {"platform": label, "host": host},
                code="domain",
            )
        return url
    handle = value.removeprefix("@")
    if not rule.handle_url:
        raise ValidationError(_("Tulis alamat lengkap situs web, mis. https://contoh.id"), code="url")
    if not HANDLE.match(handle):
        raise ValidationError(
            _("Nama akun %(platform)s hanya boleh berisi huruf, angka, titik, garis bawah atau tanda hubung.")
            % {"platform": label},
            code="handle",
        )
    return rule.handle_url.format(handle)


def display_name(platform: str, url: str) -> str:
    """What the profile shows beside the platform's name: the handle where the URL is a profile, else the host."""
    rule = RULES.get(platform)
    if rule and rule.handle_url:
        prefix, _sep, suffix = rule.handle_url.partition("{}")
        if url.startswith(prefix) and url.endswith(suffix):
            handle = url[len(prefix) : len(url) - len(suffix) if suffix else None]
            if HANDLE.match(handle):
                return "@" + handle
    parts = urlsplit(url)
    return (parts.hostname or "").removeprefix("www.") + (parts.path.rstrip("/") if parts.path != "/" else "")


def channels_to_links(text: str) -> tuple[list[tuple[str, str]], str]:
    """Split free-text channels into (platform, url) links and the text left over (comma-separated).

    "Instagram @batiksari" and "IG: batiksari" give an Instagram link; a URL gives a link on its host's platform;
    a bare platform name ("Shopee") names no account and stays text.
    """
    links: list[tuple[str, str]] = []
    rest: list[str] = []
    for item in (part.strip() for part in re.split(r"[,;\n]", text or "")):
        if not item:
            continue
        link = _channel_link(item)
        if link and link not in links:
            links.append(link)
        elif not link:
            rest.append(item)
    return links, ", ".join(rest)


def _channel_link(item: str) -> tuple[str, str] | None:
    if "://" in item or re.match(r"^(www\.)?[a-z0-9-]+(\.[a-z0-9-]+)+/", item, re.IGNORECASE):
        platform = platform_of_url(item)
        try:
            return platform, link_url(platform, item)
        except ValidationError:
            return None
    match = re.match(r"^(?P<name>[A-Za-z ]+?)\s*[:\s]\s*@?(?P<handle>[A-Za-z0-9._-]+)$", item)
    if match:
        platform = ALIASES.get(match["name"].lower().replace(" ", ""))
        if platform and RULES[platform].handle_url:
            return platform, link_url(platform, match["handle"])
    return None


def whatsapp_url(phone: str) -> str:
    """The click-to-chat link of an Indonesian phone number (08…, +62…, 62…); empty when it is not a mobile."""
    digits = re.sub(r"\D", "", phone or "")
    if digits.startswith("0"):
        digits = "62" + digits[1:]
    if not digits.startswith("628") or not 10 <= len(digits) <= 15:
        return ""
    return "https://wa.me/" + digits
