"""`{% business_cards cards %}`: the directory's cards (businesses.selectors.business_cards), one <li> each.

Written here rather than as an included template: a page of twenty cards through the template engine was some
9,000 function calls, a quarter of a directory page (each `{{ }}` resolves, localizes and escapes its value through
a dozen calls); here it is a few per value. The markup is the card's only copy, for the directory and a sentra's
members alike; the CSS is in static/css (.card, .card-title, .card-product, .card-meta, .card-tags)."""

from html import escape

from django import template
from django.utils.safestring import mark_safe
from django.utils.translation import gettext

register = template.Library()


def _text(value) -> str:
    return escape(str(value))


@register.simple_tag
def business_cards(cards):
    """The <li class="card"> of each card: name linking to its page, main product, desa, kecamatan and regency,
    KBLI title (its code as a tooltip) and sentra."""
    district = _text(gettext("Kec."))
    parts = []
    for card in cards:
        village = card.village
        product = f'<p class="card-product">{_text(card.main_product)}</p>' if card.main_product else ""
        sentra = f' <span class="tag tag-sentra">{_text(card.sentra.name)}</span>' if card.sentra else ""
        parts.append(
            f'\n<li class="card">\n'
            f'  <h3 class="card-title"><a href="{_text(card.url)}">{_text(card.name)}</a></h3>\n'
            f"  {product}\n"
            f'  <p class="card-meta">{_text(village.name)}, {district} {_text(village.parent.name)}, '
            f"{_text(village.parent.parent.name)}</p>\n"
            f'  <p class="card-tags"><span class="tag" title="KBLI {_text(card.kbli.code)}">'
            f"{_text(card.kbli.short_title)}</span>{sentra}</p>\n"
            f"</li>\n"
        )
    return mark_safe("".join(parts))  # noqa: S308 - every value above is escaped
