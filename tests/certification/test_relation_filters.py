"""A relation filter of an admin list (ScopedRelatedFieldListFilter) with more rows than ADMIN_FILTER_OPTIONS_MAX is a
search-as-you-type input served by the related admin's autocomplete, scoped like its list (issue 15, point 5): here
the scheme filter of the assessment sessions, for the operator of LSP A beside the schemes of LSP B."""

import datetime
import json

import pytest
from django.urls import reverse

from certification.models import AssessmentSession, Lsp, Scheme, Tuk
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

CHANGELIST = "admin:certification_assessmentsession_changelist"


@pytest.fixture
def lsp_world(bali_regions):
    """LSP A with schemes A1 and A2, LSP B with B1, a session of each; the operator of LSP A, logged in."""
    held = datetime.date(2026, 3, 2)
    schemes = {}
    for letter, names in (("A", ["A1", "A2"]), ("B", ["B1"])):
        lsp = Lsp.objects.create(name=f"LSP {letter}", region=bali_regions.badung)
        tuk = Tuk.objects.create(lsp=lsp, name=f"TUK {letter}", region=bali_regions.badung)
        for name in names:
            scheme = Scheme.objects.create(lsp=lsp, code=f"S-{name}", name=f"Skema {name}")
            AssessmentSession.objects.create(scheme=scheme, tuk=tuk, start_date=held, end_date=held, capacity=20)
            schemes[name] = scheme
        if letter == "A":
            operator = UserFactory(username="operator.lsp.a", is_staff=True)
            lsp.operators.add(operator)
    return {"schemes": schemes, "operator": operator}


@pytest.fixture
def lsp_client(client, lsp_world):
    client.force_login(lsp_world["operator"])
    return client


def filter_html(page: str, title: str) -> str:
    start = page.index(f'<details data-filter-title="{title}"')
    return page[start : page.index("</details>", start)]


def autocomplete(client, term) -> list[str]:
    response = client.get(
        reverse("admin:autocomplete"),
        {"app_label": "certification", "model_name": "assessmentsession", "field_name": "scheme", "term": term},
    )
    assert response.status_code == 200
    return [item["text"] for item in json.loads(response.content)["results"]]


def sessions(response) -> list[str]:
    return sorted(session.scheme.name for session in response.context["cl"].result_list)


def test_a_relation_filter_with_few_rows_lists_them(lsp_client, lsp_world):
    page = lsp_client.get(reverse(CHANGELIST)).content.decode()
    scheme_filter = filter_html(page, "skema")
    assert "admin-autocomplete" not in scheme_filter
    assert "Skema A1" in scheme_filter and "Skema A2" in scheme_filter
    assert "Skema B1" not in scheme_filter


def test_a_relation_filter_with_more_rows_than_the_maximum_is_an_autocomplete(lsp_client, lsp_world, settings):
    settings.ADMIN_FILTER_OPTIONS_MAX = 1
    url = reverse(CHANGELIST)
    scheme_filter = filter_html(lsp_client.get(url).content.decode(), "skema")
    assert "admin-autocomplete" in scheme_filter and "Skema A1" not in scheme_filter
    chosen = lsp_world["schemes"]["A2"]
    response = lsp_client.get(url, {"scheme__id__exact": chosen.pk})
    assert sessions(response) == ["Skema A2"]
    assert f'<option value="{chosen.pk}" selected>' in filter_html(response.content.decode(), "skema")
    offered = autocomplete(lsp_client, "Skema")
    assert len(offered) == 2 and "Skema A1" in offered[0] and "Skema A2" in offered[1], offered


def test_a_forged_id_of_another_lsps_scheme_lists_and_names_nothing(lsp_client, lsp_world, settings):
    settings.ADMIN_FILTER_OPTIONS_MAX = 1
    response = lsp_client.get(reverse(CHANGELIST), {"scheme__id__exact": lsp_world["schemes"]["B1"].pk})
    assert response.status_code == 200
    assert response.context["cl"].result_count == 0
    assert "Skema B1" not in response.content.decode()
