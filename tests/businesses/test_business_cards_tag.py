"""{% business_cards %}: the directory's cards written by Python, escaped, with what a card shows and nothing else."""

import pytest
from django.template import Context, Template

from businesses.selectors import Card

TEMPLATE = Template("{% load business_cards %}{% business_cards cards %}")


def card(**changes) -> Card:
    values = {
        "pk": 7,
        "url": "/direktori/ikm/7/",
        "name": "UD Sekar Jagad",
        "main_product": "Batik tulis",
        "village": Card(name="Tuban", parent=Card(name="Kuta", parent=Card(name="Kabupaten Badung"))),
        "kbli": Card(code="13134", title="Industri batik", short_title="Industri batik"),
        "sentra": Card(name="Sentra Batik Kuta"),
    }
    return Card(values, **changes)


def render(*cards) -> str:
    return TEMPLATE.render(Context({"cards": cards}))


def test_a_card_shows_name_link_product_place_kbli_and_sentra():
    assert render(card()) == (
        '\n<li class="card">\n'
        '  <h3 class="card-title"><a href="/direktori/ikm/7/">UD Sekar Jagad</a></h3>\n'
        '  <p class="card-product">Batik tulis</p>\n'
        '  <p class="card-meta">Tuban, Kec. Kuta, Kabupaten Badung</p>\n'
        '  <p class="card-tags"><span class="tag" title="KBLI 13134">Industri batik</span>'
        ' <span class="tag tag-sentra">Sentra Batik Kuta</span></p>\n'
        "</li>\n"
    )


def test_no_product_and_no_sentra_leave_no_empty_elements():
    html = render(card(main_product="", sentra=None))
    assert "card-product" not in html and "tag-sentra" not in html
    assert html.count("<li") == 1


@pytest.mark.parametrize(
    "field", ["name", "main_product", "url", "village", "kbli", "sentra"], ids=lambda field: f"hostile-{field}"
)
def test_every_value_is_escaped(field):
    hostile = '<script>alert("x")</script>'
    nested = {
        "village": Card(name=hostile, parent=Card(name=hostile, parent=Card(name=hostile))),
        "kbli": Card(code=hostile, title=hostile, short_title=hostile),
        "sentra": Card(name=hostile),
    }
    html = render(card(**{field: nested.get(field, hostile)}))
    assert "<script>" not in html
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in html


def test_cards_come_in_the_order_given():
    html = render(card(name="Kedua", pk=2), card(name="Pertama", pk=1))
    assert html.index("Kedua") < html.index("Pertama")
    assert render() == ""
