"""The business list's sentra and desa filters at national scale (issue 15, point 5): a search-as-you-type input served
by the admin's autocomplete, scoped to the staff member's region, the chosen value named, the page the same size
whatever the number of sentra and desa (tests/certification/test_relation_filters.py: a relation filter with more
rows than ADMIN_FILTER_OPTIONS_MAX)."""

import json
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from businesses.models import Sentra
from ikm_registry.choices import RegionKind, RegionLevel, StaffRole
from ikm_registry.models import Region
from tests.factories import BusinessFactory, SentraFactory, make_region, make_village, staff_user

pytestmark = pytest.mark.django_db

CHANGELIST = "admin:businesses_business_changelist"


@pytest.fixture
def bali_and_jatim(bali_regions, kbli):
    """Bali's sentra and desa, and a Jawa Timur sentra and a desa also called Tuban, each with a member."""
    sidoarjo_village = make_village("35.15.01.2001", "Tuban")
    make_region("35.15", "Kabupaten Sidoarjo")
    made = {
        "bali_sentra": SentraFactory(name="Sentra Batik Tuban", village=bali_regions.tuban, kbli=kbli.batik),
        "jatim_sentra": SentraFactory(name="Sentra Batik Sidoarjo", village=sidoarjo_village, kbli=kbli.batik),
        "jatim_village": sidoarjo_village,
    }
    BusinessFactory(name="Anggota Tuban", village=bali_regions.tuban, sentra=made["bali_sentra"])
    BusinessFactory(name="Bukan anggota", village=bali_regions.munggu)
    BusinessFactory(name="Anggota Sidoarjo", village=sidoarjo_village, sentra=made["jatim_sentra"])
    return made


@pytest.fixture
def bali_client(client, bali_regions):
    client.force_login(staff_user(StaffRole.PROVINCE, "51", username="staf.bali"))
    return client


def listed(client, params) -> list[str]:
    response = client.get(reverse(CHANGELIST), params)
    assert response.status_code == 200
    return sorted(business.name for business in response.context["cl"].result_list)


def autocomplete(client, field_name, term, *, app_label="businesses", model_name="business") -> list[str]:
    response = client.get(
        reverse("admin:autocomplete"),
        {"app_label": app_label, "model_name": model_name, "field_name": field_name, "term": term},
    )
    assert response.status_code == 200
    return [item["text"] for item in json.loads(response.content)["results"]]


def filter_html(page: str, title: str) -> str:
    start = page.index(f'<details data-filter-title="{title}"')
    return page[start : page.index("</details>", start)]


def test_the_sentra_filter_filters_and_names_the_chosen_sentra(bali_client, bali_and_jatim):
    sentra = bali_and_jatim["bali_sentra"]
    assert listed(bali_client, {"sentra": sentra.pk}) == ["Anggota Tuban"]
    page = bali_client.get(reverse(CHANGELIST), {"sentra": sentra.pk, "q": "Anggota"}).content.decode()
    chosen = filter_html(page, "sentra IKM")
    assert 'class="admin-autocomplete' in chosen or "admin-autocomplete" in chosen
    assert f'<option value="{sentra.pk}" selected>Sentra Batik Tuban</option>' in chosen
    # A new choice keeps the search; "Semua" clears the sentra and keeps the search.
    assert '<input type="hidden" name="q" value="Anggota">' in chosen
    assert '<a href="?q=Anggota">Semua</a>' in chosen


def test_the_desa_filter_filters_and_names_the_chosen_desa(bali_client, bali_and_jatim, bali_regions):
    assert listed(bali_client, {"desa": bali_regions.munggu.code}) == ["Bukan anggota"]
    page = bali_client.get(reverse(CHANGELIST), {"desa": bali_regions.munggu.code}).content.decode()
    chosen = filter_html(page, "desa/kelurahan")
    assert f'<option value="{bali_regions.munggu.code}" selected>Desa Munggu, Kec. Mengwi, ' in chosen


def test_nothing_is_chosen_without_a_value(bali_client, bali_and_jatim):
    page = bali_client.get(reverse(CHANGELIST)).content.decode()
    for title in ("sentra IKM", "desa/kelurahan"):
        chosen = filter_html(page, title)
        assert re.findall(r"<option[^>]*>", chosen) == ['<option value="">'], title
        assert '<li class="selected"><a href="?">Semua</a></li>' in chosen


def test_the_autocomplete_offers_only_the_staff_members_region(bali_client, bali_and_jatim):
    assert autocomplete(bali_client, "sentra", "Batik") == ["Sentra Batik Tuban"]
    assert autocomplete(bali_client, "sentra", "Sidoarjo") == []
    assert autocomplete(bali_client, "village", "Tuban") == ["Kelurahan Tuban, Kec. Kuta, Kabupaten Badung"]
    assert autocomplete(bali_client, "village", "35.15") == []


def test_national_staff_are_offered_both_regions(client, bali_and_jatim):
    client.force_login(staff_user(StaffRole.NATIONAL, "51", username="staf.nasional"))
    assert autocomplete(client, "sentra", "Batik") == ["Sentra Batik Sidoarjo", "Sentra Batik Tuban"]
    assert len(autocomplete(client, "village", "Tuban")) == 2


@pytest.mark.parametrize("parameter", ["sentra", "desa"])
def test_a_forged_id_of_another_region_lists_and_names_nothing_of_theirs(bali_client, bali_and_jatim, parameter):
    value = bali_and_jatim["jatim_sentra"].pk if parameter == "sentra" else bali_and_jatim["jatim_village"].code
    response = bali_client.get(reverse(CHANGELIST), {parameter: value})
    assert response.status_code == 200
    assert response.context["cl"].result_count == 0
    page = response.content.decode()
    assert "Sidoarjo" not in page
    assert f'<option value="{value}" selected' not in page
    messages = [str(message) for message in response.context["messages"]]
    assert any(message.lower().startswith(("sentra ikm:", "desa/kelurahan:")) for message in messages), messages


def test_a_value_that_is_no_id_is_refused_not_a_server_error(bali_client, bali_and_jatim):
    response = bali_client.get(reverse(CHANGELIST), {"sentra": "abc", "desa": "'; drop"})
    assert response.status_code == 200
    assert response.context["cl"].result_count == 0


def add_sentra_and_villages(count: int, start: int, kbli_code):
    """`count` more sentra and desa in Kecamatan Kuta (Badung)."""
    district = Region.objects.get(code="51.03.01")
    villages = Region.objects.bulk_create(
        Region(
            code=f"51.03.01.{5000 + start + n}",
            name=f"Desa Baru {start + n}",
            level=RegionLevel.VILLAGE,
            kind=RegionKind.DESA,
            parent=district,
        )
        for n in range(count)
    )
    Sentra.objects.bulk_create(
        Sentra(name=f"Sentra Baru {start + n}", main_product="Batik", kbli_id=kbli_code, village=villages[n])
        for n in range(count)
    )


def test_the_page_does_not_grow_with_the_number_of_sentra_and_desa(bali_client, bali_and_jatim, kbli):
    add_sentra_and_villages(9, 0, kbli.batik.pk)
    assert Sentra.objects.in_region("51").count() == 10
    small = len(bali_client.get(reverse(CHANGELIST)).content)
    add_sentra_and_villages(490, 9, kbli.batik.pk)
    assert Sentra.objects.in_region("51").count() == 500
    large = len(bali_client.get(reverse(CHANGELIST)).content)
    assert abs(large - small) <= 8, (small, large)


def test_the_page_carries_the_autocomplete_scripts_once(bali_client, bali_and_jatim):
    page = bali_client.get(reverse(CHANGELIST)).content.decode()
    scripts = re.findall(r'<script src="([^"]+)"', page)
    names = ["jquery/jquery", "jquery.init.js", "select2.full", "admin/js/autocomplete.js", "filter_autocomplete.js"]
    found = [[index for index, src in enumerate(scripts) if name in src] for name in names]
    assert all(len(indexes) == 1 for indexes in found), scripts
    # jQuery, then django.jQuery, before select2's set-up and the filter's script that uses it.
    assert found[0] < found[1] < found[3] < found[4] and found[2] < found[3], scripts


def test_the_daftar_report_form_chooses_a_sentra_by_autocomplete(bali_client, bali_and_jatim, kbli):
    """The Daftar IKM report copies the list's filters: its sentra is the same input, with its scripts."""
    add_sentra_and_villages(20, 0, kbli.batik.pk)
    page = bali_client.get(reverse("admin:reports"), {"report": "daftar-ikm"}).content.decode()
    field = page[page.index('<select name="sentra"') : page.index("</select>", page.index('<select name="sentra"'))]
    assert "admin-autocomplete" in field
    assert re.findall(r"<option[^>]*>", field) == ['<option value="">']
    assert "Sentra Baru" not in page
    assert "select2.full" in page and "admin/js/autocomplete.js" in page


def test_the_sentra_autocomplete_reads_no_members(bali_client, bali_and_jatim):
    """The sentra list counts each sentra's members; a search for a sentra to choose does not join them."""
    with CaptureQueriesContext(connection) as queries:
        assert autocomplete(bali_client, "sentra", "Batik") == ["Sentra Batik Tuban"]
    sentra_reads = [q["sql"] for q in queries if 'FROM "businesses_sentra"' in q["sql"]]
    assert sentra_reads and not [sql for sql in sentra_reads if '"businesses_business"' in sql], sentra_reads
