"""Charts for reports (and later pages) as SVG, drawn by pygal.

pygal writes SVG in pure Python (no browser, no display, no native libraries) and WeasyPrint renders its SVG
as vectors, so a chart prints sharp and its labels stay text.
"""

from __future__ import annotations

import pygal
from pygal.style import Style

from ikm_registry.reports.formatting import number

FONT = "DejaVu Sans, sans-serif"
BAR_COLOUR = "#2f6f9f"

STYLE = Style(
    font_family=FONT,
    background="white",
    plot_background="white",
    foreground="#222",
    foreground_strong="#222",
    foreground_subtle="#bbb",
    colors=(BAR_COLOUR,),
    label_font_size=16,
    major_label_font_size=16,
    value_font_size=15,
    value_label_font_size=15,
    title_font_size=18,
    opacity="1",
    opacity_hover="1",
)


def integer_ticks(largest: float, most: int = 10) -> list[int]:
    """Ticks 0, step, 2·step, ... covering `largest` with a round step (1, 2, 5, 10, 20, ...) and at most `most` steps:
    counts get whole-number ticks, never "0 0 1 1 2" from rounded fractions."""
    step = 1
    while largest / step > most:
        for factor in (2, 5 / 2, 2):
            step = int(step * factor)
            if largest / step <= most:
                break
    top = -(-int(largest) // step) * step if largest > 0 else step
    return list(range(0, top + step, step))


def bar_chart(labels: list[str], values: list[int | float], *, title: str = "", width: int = 900) -> str:
    """A horizontal bar chart (one bar per label, value printed at its end) as an SVG string.

    Horizontal bars keep long region names readable; the height grows with the number of bars.
    """
    height = 80 + 28 * max(len(labels), 1)
    chart = pygal.HorizontalBar(
        width=width,
        height=height,
        style=STYLE,
        title=title or None,
        show_legend=False,
        print_values=True,
        print_values_position="top",
        value_formatter=number,
        disable_xml_declaration=True,
        js=[],
        truncate_label=-1,
        margin=8,
        spacing=6,
    )
    # pygal draws the first series value at the bottom; reverse so the list reads top to bottom like the table.
    chart.y_labels = integer_ticks(max(values, default=0))
    chart.x_labels = list(reversed(labels))
    chart.add("", list(reversed(values)))
    return chart.render(is_unicode=True)
