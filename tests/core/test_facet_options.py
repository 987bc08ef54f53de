"""{% facet_options %}: the <option> elements of a directory filter, escaped, counted and truncated as the template
filters it replaces would write them."""

from django.template import Context, Template
from django.template.defaultfilters import truncatechars
from django.utils import translation

from businesses.selectors import FacetOption

TEMPLATE = Template("{% load facet_options %}{% facet_options options selected truncate=truncate %}")


def render(options, selected="", truncate=0, language="id") -> str:
    with translation.override(language):
        return TEMPLATE.render(Context({"options": options, "selected": selected, "truncate": truncate}))


def test_labels_and_values_are_escaped():
    html = render([FacetOption('"><script>', "<b>Batik & Tenun</b> 'Bali'", 3)])
    assert html == (
        '<option value="&quot;&gt;&lt;script&gt;">&lt;b&gt;Batik &amp; Tenun&lt;/b&gt; &#x27;Bali&#x27; (3)</option>'
    )


def test_counts_use_the_languages_thousands_separator_and_none_is_not_counted():
    options = [FacetOption("35", "Jawa Timur", 150524), FacetOption("51", "Bali", None)]
    assert render(options) == '<option value="35">Jawa Timur (150.524)</option><option value="51">Bali</option>'
    assert render(options, language="en").startswith('<option value="35">Jawa Timur (150,524)</option>')


def test_the_selected_value_is_marked():
    options = [FacetOption("kriya", "Kriya", 2), FacetOption("kuliner", "Kuliner", 1)]
    assert render(options, selected="kuliner") == (
        '<option value="kriya">Kriya (2)</option><option value="kuliner" selected>Kuliner (1)</option>'
    )


def test_long_labels_are_cut_as_truncatechars_cuts_them():
    title = "13 Industri tekstil, pemintalan, penenunan dan penyempurnaan kain untuk pakaian jadi"
    for length in (10, 70, len(title), len(title) + 1):
        expected = truncatechars(title, length)
        assert render([FacetOption("13", title, None)], truncate=length) == f'<option value="13">{expected}</option>'
    assert render([FacetOption("13", title, None)], truncate=10) == '<option value="13">13 Indust…</option>'
