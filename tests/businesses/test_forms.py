"""Rupiah amounts as Indonesian offices write them."""

import pytest
from django.core.exceptions import ValidationError

from ikm_registry.forms import RupiahField, RupiahInput
from ikm_registry.numbers import format_rupiah, parse_rupiah


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("25000000", 25_000_000),
        ("25.000.000", 25_000_000),
        ("Rp 25.000.000", 25_000_000),
        ("Rp25.000.000,00", 25_000_000),
        ("rp. 1.500", 1_500),
        (" 1 500 000 ", 1_500_000),
        ("0", 0),
        ("-5", -5),
        ("", None),
    ],
)
def test_parse_rupiah_accepts_indonesian_formats(text, expected):
    assert parse_rupiah(text) == expected


@pytest.mark.parametrize("text", ["1,500,000", "25.00.000", "1.5", "12,5", "dua juta", "Rp x", "1.500.000,50"])
def test_parse_rupiah_refuses_ambiguous_or_fractional_input(text):
    with pytest.raises(ValueError):
        parse_rupiah(text)


def test_format_rupiah_groups_thousands_with_dots():
    assert format_rupiah(1_404_300_000) == "1.404.300.000"
    assert format_rupiah(None) == ""


def test_rupiah_field_cleans_and_names_the_problem():
    field = RupiahField(required=False)
    assert field.clean("Rp 2.000.000.000") == 2_000_000_000
    with pytest.raises(ValidationError) as error:
        field.clean("1,5 juta")
    assert "25.000.000" in error.value.messages[0]


def test_rupiah_input_shows_dots_and_keeps_typed_text():
    widget = RupiahInput()
    assert 'value="989.000.000"' in widget.render("turnover", 989_000_000)
    assert 'value="1,5 juta"' in widget.render("turnover", "1,5 juta")
    assert 'inputmode="numeric"' in widget.render("turnover", None)
