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


LINE_COLOURS = (BAR_COLOUR, "#d9822b", "#a33b3b", "#4f8a3a")


def line_chart(
    labels: list[str],
    series: dict[str, list[int | float]],
    *,
    title: str = "",
    width: int = 900,
    dashed: tuple[str, ...] = (),
) -> str:
    """A line chart as an SVG string: one line per entry of `series` (name → values, one per label, e.g. per year),
    the value printed at each point but zero, the names in a legend below. Series named in `dashed` are drawn
    dashed, so a line that runs on top of another stays visible."""
    style = Style(**{**{k: v for k, v in vars(STYLE).items() if not k.startswith("_")}, "colors": LINE_COLOURS})
    chart = pygal.Line(
        width=width,
        height=380,
        style=style,
        title=title or None,
        show_legend=len(series) > 1,
        legend_at_bottom=True,
        legend_at_bottom_columns=max(len(series), 1),
        print_values=True,
        value_formatter=number,
        disable_xml_declaration=True,
        js=[],
        truncate_label=-1,
        truncate_legend=-1,
        margin=8,
        dots_size=4,
        classes=["pygal-chart", "line-chart"],
        # pygal's own rule (#chart-id .reactive: 1px) beats a per-series stroke_style; these win over it.
        css=[
            *pygal.Config().css,
            "inline:svg.line-chart .series path.line { stroke-width: 3px !important; }",
            *(
                f"inline:svg.line-chart .serie-{index} path.line {{ stroke-dasharray: 12, 8 !important; }}"
                for index, name in enumerate(series)
                if name in dashed
            ),
        ],
    )
    chart.y_labels = integer_ticks(max((max(values, default=0) for values in series.values()), default=0))
    chart.x_labels = labels
    for name, values in series.items():
        # Zeros go unlabelled: along the axis their labels would cover the x labels (the y ticks still say 0).
        chart.add(name, values, formatter=lambda value: number(value) if value else "")
    return chart.render(is_unicode=True)
