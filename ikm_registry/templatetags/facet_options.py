"""`{% facet_options options selected %}`: the <option> elements of a directory filter (FacetOption rows).

Rendered here rather than by a template loop: a directory page lists some ninety options (provinces, KBLI divisions,
subsectors, scales, sentra) and the template engine's per-option work — a loop, a comparison, `intcomma` resolving
the language's number format for each count — was a third of the page's rendering. Counts are written with the
active language's thousands separator, as `intcomma` writes them."""

from django import template
from django.template.defaultfilters import truncatechars
from django.utils.formats import get_format
from django.utils.html import format_html_join
from django.utils.safestring import mark_safe

register = template.Library()

SELECTED = mark_safe(" selected")  # noqa: S308 - a constant


@register.simple_tag
def facet_options(options, selected: str = "", truncate: int = 0):
    """One <option> per FacetOption: "Label (1.234)", or the label alone when not counted; `selected` marks the
    option of that value; labels longer than `truncate` characters are cut with an ellipsis."""
    separator = get_format("THOUSAND_SEPARATOR")

    def count(number) -> str:
        return "" if number is None else f" ({number:,})".replace(",", separator)

    return format_html_join(
        "",
        '<option value="{}"{}>{}{}</option>',
        (
            (
                option.value,
                SELECTED if selected and option.value == selected else "",
                truncatechars(option.label, truncate) if truncate else option.label,
                count(option.count),
            )
            for option in options
        ),
    )
