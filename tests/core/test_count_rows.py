"""{% count_rows %}: the rows of a Statistik count table, escaped, linked and counted as the template loop it
replaces wrote them."""

from types import SimpleNamespace

from django.template import Context, Template
from django.utils import translation

TEMPLATE = Template("{% load count_rows %}{% count_rows data links %}")


def render(data, links=False, language="id") -> str:
    with translation.override(language):
        return TEMPLATE.render(Context({"data": data, "links": links}))


def test_a_row_has_its_label_bar_and_count_with_the_languages_separator():
    rows = [{"code": "35", "label": "Jawa Timur", "count": 150524, "bar": 100}]
    html = render(rows)
    assert '<th scope="row">Jawa Timur\n' in html and '<rect width="100" height="1">' in html
    assert '<td class="num">150.524</td>' in html
    assert '<td class="num">150,524</td>' in render(rows, language="en")


def test_links_go_to_regions_above_the_desa_only_when_asked():
    rows = [
        {"code": "51.03", "label": "Badung", "count": 2, "bar": 100},
        {"code": "51.03.01.2001", "label": "Tuban", "count": 1, "bar": 50},
    ]
    linked = render(rows, links=True)
    assert '<a href="?wilayah=51.03">Badung</a>' in linked
    assert "?wilayah=51.03.01.2001" not in linked and '<th scope="row">Tuban\n' in linked
    assert "?wilayah=" not in render(rows)


def test_labels_and_codes_are_escaped_and_objects_serve_as_rows():
    hostile = '<img src=x onerror="alert(1)">'
    html = render([SimpleNamespace(code='"><b>', label=hostile, count=3, bar=7)], links=True)
    assert "<img" not in html and "<b>" not in html
    assert "&lt;img src=x onerror=&quot;alert(1)&quot;&gt;" in html and 'href="?wilayah=&quot;&gt;&lt;b&gt;"' in html


def test_a_count_that_is_not_a_whole_number_is_written_as_intcomma_writes_it():
    html = render([{"code": "", "label": "Rata-rata", "count": 1234.5, "bar": 1}])
    assert '<td class="num">1.234,5</td>' in html
