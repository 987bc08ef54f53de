"""The Laporan page's region field (issue 15: choices with thousands of values by autocomplete on every page): past
ADMIN_FILTER_OPTIONS_MAX regions it is a search-as-you-type input holding the chosen region only, served by
admin:report_regions with the regions the report's own form accepts for the user; a region outside the user's scope
is refused by the form however it is sent (the select or, without JavaScript, the typed code); few regions (a
regency's staff) stay a plain select."""

import json
import re

import pytest
from django.urls import reverse

from ikm_registry.choices import StaffRole
from ikm_registry.job_kinds import report_data
from ikm_registry.models import Job
from tests.factories import UserFactory, make_region, staff_user

pytestmark = pytest.mark.django_db

REGION_REPORTS = ("daftar-ikm", "daftar-sertifikat", "pertumbuhan", "progres-sertifikasi", "rekap", "rekap-kegiatan")


@pytest.fixture
def regions(bali_regions, settings):
    """Bali (51: Badung with Kuta and Mengwi, Denpasar with Denpasar Selatan) and Jawa Timur (35: Sidoarjo with a
    kecamatan, Surabaya with one); lists longer than three regions are searched."""
    settings.ADMIN_FILTER_OPTIONS_MAX = 3
    make_region("35", "Jawa Timur")
    make_region("35.15", "Kabupaten Sidoarjo")
    make_region("35.15.01", "Sidoarjo")
    make_region("35.78", "Kota Surabaya")
    make_region("35.78.01", "Karang Pilang")
    return bali_regions


def login(client, role, region_code, **fields):
    client.force_login(staff_user(role, region_code, **fields))
    return client


def region_field(page: str) -> str:
    start = page.index('<select name="region"')
    return page[start : page.index("</select>", start)]


def search(client, report, term="") -> list[str]:
    response = client.get(reverse("admin:report_regions"), {"report": report, "term": term})
    assert response.status_code == 200, response.content[:300]
    return [row["id"] for row in json.loads(response.content)["results"]]


# --- the page -----------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("report", REGION_REPORTS)
def test_national_staff_get_the_chosen_region_only(client, regions, report):
    login(client, StaffRole.NATIONAL, "31")
    page = client.get(reverse("admin:reports"), {"report": report}).content.decode()
    field = region_field(page)
    assert "admin-autocomplete" in field
    assert f'data-ajax--url="{reverse("admin:report_regions")}?report={report}"' in field
    assert re.findall(r"<option[^>]*>", field) == ['<option value="" selected>']  # no region of their own
    assert "Surabaya" not in page and "Badung" not in page
    assert 'name="region_kode"' in page  # without JavaScript: a region code typed instead
    assert "select2.full" in page and "admin/js/autocomplete.js" in page


def test_the_whole_country_stays_the_empty_choice(client, regions):
    login(client, StaffRole.NATIONAL, "31")
    field = region_field(client.get(reverse("admin:reports"), {"report": "rekap"}).content.decode())
    assert '<option value="" selected>Seluruh Indonesia</option>' in field
    assert 'data-placeholder="Seluruh Indonesia"' in field and 'data-allow-clear="true"' in field


def test_province_staff_get_their_province_chosen(client, regions):
    login(client, StaffRole.PROVINCE, "35")
    page = client.get(reverse("admin:reports"), {"report": "rekap"}).content.decode()
    field = region_field(page)
    assert "admin-autocomplete" in field and 'data-allow-clear="false"' in field
    assert re.findall(r"<option[^>]*>[^<]*", field) == [
        '<option value="">---------',
        '<option value="35" selected>35 Jawa Timur',
    ]
    assert "Sidoarjo" not in page


def test_the_page_does_not_grow_with_the_regions(client, regions):
    login(client, StaffRole.NATIONAL, "31")
    small = len(client.get(reverse("admin:reports"), {"report": "rekap"}).content)
    for number in range(1, 98):
        make_region(f"35.15.{number + 1:02d}", f"Kecamatan Baru {number}")
    large = len(client.get(reverse("admin:reports"), {"report": "rekap"}).content)
    assert abs(large - small) <= 8, (small, large)


def test_regency_staff_keep_a_plain_select(client, regions):
    """Badung and its two kecamatan: within ADMIN_FILTER_OPTIONS_MAX, every one listed, no script needed."""
    login(client, StaffRole.OPERATOR, "51.03")
    page = client.get(reverse("admin:reports"), {"report": "rekap"}).content.decode()
    field = region_field(page)
    assert "admin-autocomplete" not in field and 'name="region_kode"' not in page
    assert re.findall(r'value="([^"]+)"', field) == ["51.03", "51.03.01", "51.03.02"]
    assert "select2" not in page


# --- the search ---------------------------------------------------------------------------------------------------


def test_national_staff_search_every_region_by_name_or_code(client, regions):
    login(client, StaffRole.NATIONAL, "31")
    assert search(client, "rekap", "sura") == ["35.78"]
    assert search(client, "rekap", "51.03") == ["51.03", "51.03.01", "51.03.02"]
    # provinces first (31: the national office's), then regencies, then kecamatan; never a desa
    assert search(client, "rekap", "") == [
        "31", "35", "51", "35.15", "35.78", "51.03", "51.71", "35.15.01", "35.78.01", "51.03.01", "51.03.02", "51.71.01",
    ]  # fmt: skip
    assert search(client, "rekap", "tuban") == []  # a kelurahan


def test_the_search_names_a_kecamatan_with_its_regency(client, regions):
    login(client, StaffRole.NATIONAL, "31")
    response = client.get(reverse("admin:report_regions"), {"report": "rekap", "term": "karang"})
    assert json.loads(response.content)["results"] == [
        {"id": "35.78.01", "text": "35.78.01 Kec. Karang Pilang, Kota Surabaya"}
    ]


def test_the_search_offers_the_levels_the_report_takes(client, regions):
    login(client, StaffRole.NATIONAL, "31")
    assert search(client, "progres-sertifikasi", "35") == ["35", "35.15", "35.78"]  # targets: no kecamatan


@pytest.mark.parametrize("report", REGION_REPORTS)
def test_province_staff_search_their_province_only(client, regions, report):
    login(client, StaffRole.PROVINCE, "35")
    found = search(client, report)
    assert found and all(code == "35" or code.startswith("35.") for code in found)
    assert search(client, report, "51") == []
    assert search(client, report, "badung") == []
    assert search(client, report, "kuta") == []


def test_regency_staff_search_their_regency_only(client, regions):
    login(client, StaffRole.OFFICIAL, "51.03")
    assert search(client, "rekap") == ["51.03", "51.03.01", "51.03.02"]
    assert search(client, "rekap", "denpasar") == []
    assert search(client, "rekap", "51") == ["51.03", "51.03.01", "51.03.02"]  # not the province


def test_the_search_pages_its_answer(client, regions):
    for number in range(1, 31):
        make_region(f"35.15.{number + 1:02d}", f"Kecamatan Baru {number}")
    login(client, StaffRole.NATIONAL, "31")
    first = client.get(reverse("admin:report_regions"), {"report": "rekap", "term": "baru"})
    second = client.get(reverse("admin:report_regions"), {"report": "rekap", "term": "baru", "page": 2})
    first, second = json.loads(first.content), json.loads(second.content)
    assert (len(first["results"]), first["pagination"]["more"]) == (20, True)
    assert (len(second["results"]), second["pagination"]["more"]) == (10, False)


def test_the_search_refuses_what_it_cannot_answer(client, regions):
    url = reverse("admin:report_regions")
    assert client.get(url, {"report": "rekap"}).status_code == 302  # anonymous: the login
    client.force_login(UserFactory(is_staff=True))  # staff without an office reach no region
    assert client.get(url, {"report": "rekap", "term": "a"}).status_code == 403
    login(client, StaffRole.NATIONAL, "31")
    assert client.get(url, {"report": "tidak-ada"}).status_code == 404
    assert client.get(url).status_code == 404
    assert client.get(url, {"report": "profil-ikm"}).status_code == 404  # a report about one record: no region


# --- what the form accepts ----------------------------------------------------------------------------------------


def post(client, data):
    return client.post(reverse("admin:reports") + "?report=rekap", {"report": "rekap", "year": 2025, **data})


@pytest.mark.parametrize("data", [{"region": "51.03"}, {"region": "35", "region_kode": "51.03"}])
def test_a_region_outside_the_scope_is_refused(client, regions, data):
    """Chosen in the select (a forged request) or typed as a code without JavaScript: the form refuses it and names
    it nowhere."""
    login(client, StaffRole.PROVINCE, "35")
    response = post(client, data)
    assert response.status_code == 200 and response["Content-Type"].startswith("text/html")
    page = response.content.decode()
    assert "di luar wilayah kerja Anda" in page
    assert "Badung" not in page and 'value="51.03"' not in page


def test_a_typed_code_is_the_region(client, rekap_data, settings):
    settings.ADMIN_FILTER_OPTIONS_MAX = 1
    login(client, StaffRole.PROVINCE, "51")
    response = post(client, {"region": "51", "region_kode": " 51.03 "})
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert "kabupaten-badung" in response["Content-Disposition"]


def test_a_background_report_keeps_the_typed_code(client, regions, settings, django_capture_on_commit_callbacks):
    settings.REPORT_BACKGROUND_ROWS = -1
    login(client, StaffRole.PROVINCE, "35")
    with django_capture_on_commit_callbacks(execute=False):
        response = client.post(
            reverse("admin:reports") + "?report=daftar-ikm",
            {"report": "daftar-ikm", "region": "35", "region_kode": "35.78"},
        )
    assert response.status_code == 302, response.content.decode()[:500]
    assert report_data(Job.objects.get())["region"] == "35.78"
