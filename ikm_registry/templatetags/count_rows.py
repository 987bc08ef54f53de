"""`{% count_rows data links %}`: the <tr> rows of a Statistik count table (statistics/_count_table.html).

Rendered here rather than by a template loop: the page's tables hold a hundred-odd rows (provinces or regencies,
KBLI divisions, subsectors, scales, years), and the template engine's work per row (a condition, a `length`, an
`intcomma`, five escaped values) was a third of the page's rendering. Each row: its label (a link to the area below
when `links` and the row names a region above the desa), a bar of `bar` percent, and its count written with the
active language's thousands separator, as `intcomma` writes it."""

from html import escape

from django import template
from django.contrib.humanize.templatetags.humanize import intcomma
from django.utils.formats import get_format
from django.utils.safestring import mark_safe

from ikm_registry.numbers import thousands

register = template.Library()

DESA_CODE_LENGTH = 13  # 51.03.01.2001: a desa has no area below it to link to


@register.simple_tag
def count_rows(data, links=False):
    separator = get_format("THOUSAND_SEPARATOR")
    parts = []
    for row in data:
        value = row.get if isinstance(row, dict) else lambda key, default="", row=row: getattr(row, key, default)
        code, count = str(value("code", "")), value("count")
        label = escape(str(value("label", "")))
        if links and len(code) < DESA_CODE_LENGTH:
            label = f'<a href="?wilayah={escape(code)}">{label}</a>'
        written = thousands(count, separator) if type(count) is int else escape(str(intcomma(count)))
        parts.append(
            f'\n    <tr>\n      <th scope="row">{label}\n        <svg class="bar" viewBox="0 0 100 1" '
            f'preserveAspectRatio="none" aria-hidden="true" focusable="false"><rect width="{escape(str(value("bar", "")))}" '
            f'height="1"></rect></svg></th>\n      <td class="num">{written}</td>\n    </tr>\n  '
        )
    return mark_safe("".join(parts))  # noqa: S308 - every value above is escaped
