"""`{% site_header %}`, `{% site_footer %}` and `{% language_switch %}`: the public site's header (skip link, brand,
language switch, main menu) and footer, and the language switch the admin shows too.

Written here rather than in base.html: every public page renders them, and their two dozen `{% url %}` and
`{% translate %}` tags were some 4,000 function calls (0.5–1 ms) a page. Here the markup of each language (and URL
prefix) is built once per process — the URLs and the catalogue do not change while it runs — and a page adds what is
its own: which menu link is the current page, and the address the language switch returns to."""

from functools import lru_cache
from html import escape

from django import template
from django.conf import settings
from django.urls import get_script_prefix, reverse
from django.utils.safestring import mark_safe
from django.utils.translation import get_language, get_language_info, gettext
from django.utils.translation import gettext_lazy as _

register = template.Library()

# The main menu: (URL name, label, the url_names of the pages it is current on).
MENU = [
    ("businesses:directory", _("Direktori"), ("directory", "business_detail")),
    ("businesses:sentra_list", _("Sentra"), ("sentra_list", "sentra_detail")),
    ("events:agenda", _("Agenda"), ("agenda", "event_detail", "event_register")),
    ("businesses:statistics", _("Statistik"), ("statistics",)),
    ("businesses:register", _("Daftarkan usaha"), ("register", "register_done")),
    ("businesses:about", _("Tentang"), ("about",)),
]


def _text(value) -> str:
    return escape(str(value))


@lru_cache(maxsize=64)
def _language_switch(language: str, prefix: str) -> tuple[str, str]:
    """The switch's markup before and after the `next` address: a button for each language but `language`."""
    buttons = "".join(
        f'\n    <button type="submit" name="language" value="{code}" lang="{code}">'
        f"{_text(get_language_info(code)['name_local'])}</button>\n  "
        for code, _name in settings.LANGUAGES
        if code != language
    )
    start = (
        f'<form class="language-switch" action="{_text(reverse("set_language"))}" method="post">\n'
        '  <input type="hidden" name="next" value="'
    )
    return start, f'">\n  {buttons}\n</form>'


@register.simple_tag(takes_context=True)
def language_switch(context):
    """A button for each language other than the current one; posts to Django's set_language (a cookie), which
    returns to this page. Works without JavaScript."""
    start, end = _language_switch(get_language(), get_script_prefix())
    request = context.get("request")
    return mark_safe(f"{start}{_text(request.get_full_path() if request else '')}{end}")  # noqa: S308 (escaped)


@lru_cache(maxsize=64)
def _header(language: str, prefix: str, current: str | None) -> tuple[str, str]:
    """The header's markup before and after the language switch."""
    marked = ' aria-current="page"'
    links = "\n      ".join(
        f'<a href="{_text(reverse(name))}"{marked if current in pages else ""}>{_text(label)}</a>'
        for name, label, pages in MENU
    )
    start = (
        f'<a class="skip" href="#main">{_text(gettext("Langsung ke isi"))}</a>\n'
        '  <header class="site-header">\n'
        '    <div class="wrap bar">\n'
        f'      <a class="brand" href="{_text(reverse("businesses:home"))}">{_text(gettext("Registri IKM"))}</a>\n'
        "      "
    )
    end = (
        "\n    </div>\n"
        f'    <nav class="wrap nav" aria-label="{_text(gettext("Menu utama"))}">\n'
        f"      {links}\n"
        "    </nav>\n"
        "  </header>"
    )
    return start, end


@register.simple_tag(takes_context=True)
def site_header(context):
    """The skip link and the header: brand, language switch and the main menu, the current page's link marked."""
    request = context.get("request")
    match = getattr(request, "resolver_match", None)
    start, end = _header(get_language(), get_script_prefix(), match.url_name if match else None)
    return mark_safe(f"{start}{language_switch(context)}{end}")  # noqa: S308 (escaped)


@lru_cache(maxsize=16)
def _footer(language: str, prefix: str) -> str:
    return (
        '<footer class="site-footer">\n'
        '    <div class="wrap">\n'
        "      <p>"
        + _text(
            gettext(
                "Data IKM dikelola Dinas Perindustrian dan Perdagangan kabupaten/kota dan provinsi. Data pribadi "
                "pemilik tidak ditampilkan."
            )
        )
        + "\n"
        f'        <a href="{_text(reverse("businesses:about"))}">{_text(gettext("Tentang data ini"))}</a> ·\n'
        f'        <a href="{_text(reverse("opendata:index"))}">{_text(gettext("Data terbuka"))}</a> ·\n'
        f'        <a href="{_text(reverse("admin:index"))}">{_text(gettext("Masuk petugas"))}</a></p>\n'
        "      <p>"
        + _text(
            gettext(
                "Data wilayah: idn-area-data (fityannugroho), ODbL 1.0. Klasifikasi: KBLI 2020 (Peraturan BPS No. 2 "
                "Tahun 2020)."
            )
        )
        + "</p>\n"
        "    </div>\n"
        "  </footer>"
    )


@register.simple_tag
def site_footer():
    """Who keeps the data (and that owners' personal data are not shown), links to the data pages and the staff's
    login, and the credits of the reference data."""
    return mark_safe(_footer(get_language(), get_script_prefix()))  # noqa: S308 (escaped)
