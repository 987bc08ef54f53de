"""Charts for reports (and later pages) as SVG, drawn by pygal.

pygal writes SVG in pure Python (no browser, no display, no native libraries) and WeasyPrint renders its SVG
as vectors, so a chart prints sharp and its labels stay text.

Labels never overlap: the axes get as many ticks (and year labels) as fit their length, long category names are
cut with an ellipsis (the report's table names them in full), and a printed value that would cover another label —
two lines running close together, a short bar's value on its neighbour's — is left out after the chart is drawn
(`declutter`, measuring every label with the font it is printed in). The figures are in the report's tables anyway.
"""

from __future__ import annotations

import functools
import math
import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from pathlib import Path

import pygal
from django.utils.translation import gettext as _
from PIL import ImageFont
from pygal.style import Style

from ikm_registry.reports.formatting import number

FONT = "DejaVu Sans, sans-serif"
FONT_FILE = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")
BAR_COLOUR = "#2f6f9f"
# Category names longer than this are cut with an ellipsis (a chart's label column stays a third of its width).
LABEL_CHARACTERS = 40
LEGEND_FONT_SIZE = 14

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
    legend_font_size=LEGEND_FONT_SIZE,
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
    top = math.ceil(largest / step) * step if largest > 0 else step
    return list(range(0, top + step, step))


# --- where the labels are ----------------------------------------------------------------------------------------

SVG_NS = "http://www.w3.org/2000/svg"
ET.register_namespace("xlink", "http://www.w3.org/1999/xlink")
TRANSLATE = re.compile(r"translate\(\s*([-0-9.e]+)[\s,]+([-0-9.e]+)\s*\)")
# Ascent and descent of DejaVu Sans as a share of the font size (the box a line of text takes above and below its
# baseline).
ASCENT, DESCENT = 0.76, 0.24


@functools.cache
def _font(size: int) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(str(FONT_FILE), size)


def text_width(text: str, size: float) -> float:
    """The width in SVG units of `text` printed in DejaVu Sans at `size` px (what WeasyPrint prints)."""
    return _font(max(int(round(size)), 1)).getlength(text)


@dataclass
class Label:
    """A text of a chart with the box it covers (x0, y0, x1, y1) in the SVG's own coordinates."""

    element: ET.Element
    parent: ET.Element
    kind: str  # "value" (a printed figure), "axis", "title", "legend"
    text: str
    box: tuple[float, float, float, float]

    def overlaps(self, other: Label, gap: float = 1.0) -> bool:
        a, b = self.box, other.box
        return a[0] < b[2] + gap and b[0] < a[2] + gap and a[1] < b[3] + gap and b[1] < a[3] + gap


def _kind_size_anchor(classes: list[str], element: ET.Element, style: Style) -> tuple[str, float, str]:
    own = (element.get("class") or "").split()
    if "value" in own:
        anchor = element.get("text-anchor") or "start"
        return "value", style.value_font_size, anchor if anchor in ("start", "middle", "end") else "start"
    if "title" in own:
        return "title", style.title_font_size, "middle"
    if "legend" in classes or "legends" in classes:
        return "legend", style.legend_font_size, "start"
    size = style.major_label_font_size if "major" in own else style.label_font_size
    if "x" in classes and "axis" in classes:
        return "axis", size, "middle"
    if "y" in classes and "axis" in classes:
        return "axis", size, "end"
    return "other", style.label_font_size, "start"


def chart_labels(root: ET.Element, style: Style = STYLE) -> list[Label]:
    """Every non-empty text of a pygal chart (axes, title, legend, printed values) with its box, in drawing order."""
    found = []

    def walk(node, parent, dx, dy, classes):
        match = TRANSLATE.search(node.get("transform") or "")
        if match and node.tag != f"{{{SVG_NS}}}text":
            dx, dy = dx + float(match.group(1)), dy + float(match.group(2))
        classes = classes + (node.get("class") or "").split()
        if node.tag == f"{{{SVG_NS}}}text":
            text = "".join(node.itertext()).strip()
            if text and "tooltip" not in classes:
                kind, size, anchor = _kind_size_anchor(classes, node, style)
                x, y = dx + float(node.get("x", 0)), dy + float(node.get("y", 0))
                width = text_width(text, size)
                left = {"start": x, "middle": x - width / 2, "end": x - width}[anchor]
                found.append(
                    Label(node, parent, kind, text, (left, y - ASCENT * size, left + width, y + DESCENT * size))
                )
            return
        for child in list(node):
            walk(child, node, dx, dy, classes)

    walk(root, None, 0.0, 0.0, [])
    return found


def overlapping(labels: list[Label]) -> list[tuple[Label, Label]]:
    """The pairs of labels whose boxes meet."""
    return [(a, b) for i, a in enumerate(labels) for b in labels[i + 1 :] if a.overlaps(b)]


def _place_values(root: ET.Element, style: Style, placement: str) -> None:
    """Move pygal's printed values where they read best. "line": centred just above their point (pygal puts them
    below and to the right, across the line), moved inside the plot where they would cross its edge (the axis
    labels are beyond it). "bar" (horizontal bars): just after the bar's end, left-aligned (pygal centres them on
    it, half over the bar)."""
    size = style.value_font_size
    plot_width = None
    for group in root.iter(f"{{{SVG_NS}}}g"):
        if (group.get("class") or "").split() == ["plot"]:
            background = group.find(f"{{{SVG_NS}}}rect")
            plot_width = float(background.get("width")) if background is not None else None
            break
    for group in root.iter(f"{{{SVG_NS}}}g"):
        values = [
            child
            for child in group
            if child.tag == f"{{{SVG_NS}}}text" and "value" in (child.get("class") or "").split() and child.text
        ]
        for text in values:
            x, y = float(text.get("x", 0)), float(text.get("y", 0))
            if placement == "line":
                point_x, point_y = x - size, y - size - size / 3  # where pygal's _static_value started from
                half = text_width(text.text, size) / 2
                if plot_width is not None:  # inside the plot, clear of the axis labels on either side
                    point_x = min(max(point_x, half + 2), plot_width - half - 2)
                anchor = "middle"
                text.set("x", f"{point_x:.2f}")
                text.set("y", f"{point_y - 0.6 * size:.2f}")
            else:
                anchor = "start"
                text.set("x", f"{x - size / 2 + 4:.2f}")
            text.set("text-anchor", anchor)


def declutter(svg: str, style: Style = STYLE, placement: str = "") -> str:
    """`svg` with its printed values placed (`placement`, see _place_values) and without those that would cover
    another label (an axis label, the title, the legend, or a value kept before them): each is checked in drawing
    order against those kept."""
    root = ET.fromstring(svg)
    if placement:
        _place_values(root, style, placement)
    labels = chart_labels(root, style)
    kept = [label for label in labels if label.kind != "value"]
    for label in labels:
        if label.kind != "value":
            continue
        if any(label.overlaps(other) for other in kept):
            label.parent.remove(label.element)
        else:
            kept.append(label)
    # SVG as the default namespace ("<svg ...>", not "<ns0:svg ...>"), whatever another library registered since.
    ET.register_namespace("", SVG_NS)
    return ET.tostring(root, encoding="unicode")


def _axis_labels_overlap(svg: str, style: Style) -> bool:
    axis = [label for label in chart_labels(ET.fromstring(svg), style) if label.kind == "axis"]
    return bool(overlapping(axis))


def short_label(text: str, most: int = LABEL_CHARACTERS) -> str:
    """A category name cut to `most` characters with an ellipsis."""
    return text if len(text) <= most else text[: most - 1].rstrip() + "…"


# --- the page a chart is printed on ---------------------------------------------------------------------------------

# templates/reports/base.html: A4 with margins of 15 mm (top, right) and 18 mm (bottom, left); a chart's box
# (.chart) is 65 % of the text's width with 4 mm above it, its SVG scaled to that width.
A4_MM = (210, 297)
PAGE_MARGINS_MM = (15, 15, 18, 18)  # top, right, bottom, left
CHART_SHARE = 0.65
CHART_TOP_MM = 4
# The SVG is inline: the line's descent below it, and a little room for rounding.
CHART_SLACK_MM = 5


def page_chart_height(*, landscape: bool, width: int = 900, share: float = CHART_SHARE) -> int:
    """The height, in the units of a chart `width` wide, of the tallest chart one page holds (a page of its own,
    between the margins): a taller one would run over the footer and off the page (a chart never breaks)."""
    short, long = A4_MM
    top, right, bottom, left = PAGE_MARGINS_MM
    page_width, page_height = (long, short) if landscape else (short, long)
    box_width = (page_width - left - right) * share
    return int(width * (page_height - top - bottom - CHART_TOP_MM - CHART_SLACK_MM) / box_width)


# --- charts -------------------------------------------------------------------------------------------------------

# A bar chart's height: BAR_CHART_FRAME for its title and value axis and BAR_PITCH per bar, down to MIN_BAR_PITCH
# (the category labels stay their size and clear of each other) where the bars would not fit a page otherwise.
BAR_CHART_FRAME = 80
BAR_PITCH = 28
MIN_BAR_PITCH = 20


def bar_charts(
    labels: list[str], values: list[int | float], *, title: str = "", width: int = 900, max_height: int | None = None
) -> list[str]:
    """bar_chart() in figures at most `max_height` tall (page_chart_height(): a page's): as it is while it fits; else
    with thinner bars (down to MIN_BAR_PITCH per bar); else split into as few figures as hold them, of as many
    bars each (give or take one) and with the same bar thickness and value axis, the later ones titled as
    continued. None: one figure, however tall."""
    count = max(len(labels), 1)
    if max_height is None:
        return [bar_chart(labels, values, title=title, width=width)]
    room = max_height - BAR_CHART_FRAME
    per_figure = max(room // MIN_BAR_PITCH, 1)
    figures = math.ceil(count / per_figure)
    size = math.ceil(count / figures)
    pitch = max(min(BAR_PITCH, room / size), MIN_BAR_PITCH)
    if figures == 1:
        return [bar_chart(labels, values, title=title, width=width, pitch=pitch)]
    largest = max(values, default=0)
    charts = []
    for start in range(0, len(labels), size):
        part = title if start == 0 or not title else _("%(title)s (lanjutan)") % {"title": title}
        chunk = slice(start, start + size)
        charts.append(bar_chart(labels[chunk], values[chunk], title=part, width=width, pitch=pitch, largest=largest))
    return charts


def bar_chart(
    labels: list[str],
    values: list[int | float],
    *,
    title: str = "",
    width: int = 900,
    pitch: float = BAR_PITCH,
    largest: int | float | None = None,
) -> str:
    """A horizontal bar chart (one bar per label, value printed at its end) as an SVG string.

    Horizontal bars keep long region names readable; the height grows with the number of bars, `pitch` units each
    (bar_charts() fits them to a page). The value axis, up to `largest` (default: the largest value), gets as many
    ticks as its labels fit side by side.
    """
    height = round(BAR_CHART_FRAME + pitch * max(len(labels), 1))
    largest = max(values, default=0) if largest is None else largest
    # Room after the longest bar for its value, printed after the bar's end.
    right = max((text_width(number(value), STYLE.value_font_size) for value in [*values, largest]), default=0) + 12
    svg = ""
    for most in (10, 8, 6, 5, 4, 3, 2, 1):
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
            margin_right=right,
            spacing=6,
        )
        # pygal draws the first series value at the bottom; reverse so the list reads top to bottom like the table.
        chart.y_labels = integer_ticks(largest, most)
        chart.x_labels = [short_label(label) for label in reversed(labels)]
        chart.add("", list(reversed(values)))
        svg = chart.render(is_unicode=True)
        if not _axis_labels_overlap(svg, STYLE):
            break
    return declutter(svg, placement="bar")


LINE_COLOURS = (BAR_COLOUR, "#d9822b", "#a33b3b", "#4f8a3a")


def line_chart(
    labels: list[str],
    series: dict[str, list[int | float | None]],
    *,
    title: str = "",
    width: int = 900,
    dashed: tuple[str, ...] = (),
) -> str:
    """A line chart as an SVG string: one line per entry of `series` (name → values, one per label, e.g. per year;
    None where there is no figure: a gap in the line), the value printed at each point but zero (where it covers
    no other label), the names in a legend below. Series named in `dashed` are drawn dashed, so a line that runs on
    top of another stays visible. With many labels only every n-th is written, so that they do not touch."""
    style = Style(**{**{k: v for k, v in vars(STYLE).items() if not k.startswith("_")}, "colors": LINE_COLOURS})
    largest = max((max((v for v in values if v is not None), default=0) for values in series.values()), default=0)
    svg = ""
    for every in range(1, max(len(labels), 1) + 1):
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
            allow_interruptions=True,  # a year without figures is a gap, not a fall to zero
            x_labels_major_every=every if every > 1 else None,
            show_minor_x_labels=every == 1,
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
        # Headroom above the highest point for its printed value.
        chart.y_labels = integer_ticks(largest * 1.1)
        chart.x_labels = labels
        for name, values in series.items():
            # Zeros go unlabelled: along the axis their labels would cover the x labels (the y ticks still say 0).
            chart.add(name, values, formatter=lambda value: number(value) if value else "")
        svg = chart.render(is_unicode=True)
        if not _axis_labels_overlap(svg, style):
            break
    return declutter(svg, style, placement="line")
