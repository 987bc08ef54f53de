"""One staff FilterSet per listed model: the admin home's counts are the counts of the lists they link to, for
every role; the export and the Daftar IKM report take the same parameters as the business list and return the
same businesses; old links still work; a bad value is an error naming its filter."""

import csv
import html
import io
import re
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from businesses.choices import BusinessStatus, LegalForm
from businesses.filtersets import BusinessStaffFilterSet, SentraStaffFilterSet
from businesses.reports.listing import DaftarForm, daftar_rows
from ikm_registry.choices import StaffRole
from ikm_registry.filtering import FilterSetListFilter
from tests.factories import SYSTEM, BusinessFactory, BusinessYearFactory, SentraFactory, make_village, staff_user

pytestmark = pytest.mark.django_db

CHANGELIST = "admin:businesses_business_changelist"
ROLES = {
    "operator of Badung": (StaffRole.OPERATOR, "51.03"),
    "official of Badung": (StaffRole.OFFICIAL, "51.03"),
    "province staff of Bali": (StaffRole.PROVINCE, "51"),
    "national staff": (StaffRole.NATIONAL, "51"),
}
CARD = re.compile(r'<a class="card[^"]*" href="(?P<href>[^"]+)">\s*<span class="count">(?P<count>[\d.,]+)</span>')
GAP = re.compile(r'<li><a href="(?P<href>[^"]+)">(?P<count>[\d.,]+) IKM')
PAGINATOR = re.compile(r'<p class="paginator">(?P<body>.*?)</p>', re.S)
RESULT_COUNT = re.compile(r"([\d.,]+)\s+IKM\b")


def number(text: str) -> int:
    return int(text.replace(".", "").replace(",", ""))


def home_links(client) -> list[tuple[str, int]]:
    """Each "Perlu perhatian" card and "Data belum lengkap" line of the admin home: (link, count shown)."""
    page = client.get(reverse("admin:index")).content.decode()
    section = page[page.index('<section class="attention"') : page.index("</section>")]
    found = [(html.unescape(m["href"]), number(m["count"])) for m in (*CARD.finditer(section), *GAP.finditer(section))]
    assert len(found) == len(BusinessStatus.choices) + 3, section
    return found


def list_count(client, url: str) -> int:
    """The result count the business list prints under its table (what the user reads)."""
    response = client.get(url)
    assert response.status_code == 200, url
    paginator = PAGINATOR.search(response.content.decode())
    shown = RESULT_COUNT.findall(re.sub(r"<[^>]+>", " ", paginator["body"]))
    assert shown, paginator["body"]
    assert number(shown[-1]) == response.context["cl"].result_count
    return number(shown[-1])


def assert_home_counts_equal_their_lists(client):
    links = home_links(client)
    for url, count in links:
        assert list_count(client, url) == count, url
    return dict(links)


@pytest.fixture
def edge_cases(bali_regions, kbli):
    """Businesses that made the home counts and the lists disagree: incomplete ones of every status (the home counted
    only active ones), in Badung, Denpasar and outside Bali."""
    last_year = timezone.localdate().year - 1
    made = {}
    for key, village, status, nib, coordinates, figures in [
        ("active_bare", bali_regions.tuban, BusinessStatus.VERIFIED, "", None, None),
        ("inactive_bare", bali_regions.tuban, BusinessStatus.INACTIVE, "", None, last_year - 1),
        ("rejected_no_nib", bali_regions.kuta_village, BusinessStatus.REJECTED, "", ("-8.7", "115.2"), last_year),
        ("draft_old_figures", bali_regions.munggu, BusinessStatus.DRAFT, "9120000000001", None, last_year - 2),
        (
            "returned_complete",
            bali_regions.munggu,
            BusinessStatus.RETURNED,
            "9120000000002",
            ("-8.6", "115.1"),
            last_year,
        ),
        (
            "published_complete",
            bali_regions.tuban,
            BusinessStatus.PUBLISHED,
            "9120000000003",
            ("-8.7", "115.2"),
            last_year,
        ),
        ("submitted_no_nib", bali_regions.tuban, BusinessStatus.SUBMITTED, "", ("-8.7", "115.2"), last_year),
        ("denpasar_bare", bali_regions.serangan, BusinessStatus.VERIFIED, "", None, None),
        ("denpasar_inactive", bali_regions.sidakarya, BusinessStatus.INACTIVE, "", None, last_year),
        ("lombok_bare", make_village("52.01.01.2001"), BusinessStatus.PUBLISHED, "", None, None),
    ]:
        latitude, longitude = (Decimal(c) for c in coordinates) if coordinates else (None, None)
        business = BusinessFactory(
            name=key, village=village, status=status, nib=nib, latitude=latitude, longitude=longitude
        )
        if figures:
            BusinessYearFactory(business=business, year=figures)
        made[key] = business
    return made


@pytest.mark.parametrize("role", ROLES)
def test_home_counts_equal_the_lists_they_link_to(client, edge_cases, role):
    client.force_login(staff_user(*ROLES[role]))
    counts = assert_home_counts_equal_their_lists(client)
    # the cards do count the edge cases: every incomplete business the user may see, whatever its status
    without_coordinates = counts[f"{reverse(CHANGELIST)}?kelengkapan=tanpa-koordinat"]
    expected = {"operator of Badung": 3, "official of Badung": 3, "province staff of Bali": 5, "national staff": 6}
    assert without_coordinates == expected[role]


def test_superuser_home_counts_equal_the_lists(admin_client, edge_cases):
    counts = assert_home_counts_equal_their_lists(admin_client)
    assert counts[f"{reverse(CHANGELIST)}?kelengkapan=tanpa-nib"] == 7


# --- the same filter everywhere ------------------------------------------------------------------------------------


@pytest.fixture
def operator_client(client, bali_regions):
    user = staff_user(StaffRole.OPERATOR, "51.03")
    client.force_login(user)
    client.user = user
    return client


@pytest.fixture
def listed(bali_regions, kbli):
    """Badung businesses differing in every filter, and one in Denpasar."""
    last_year = timezone.localdate().year - 1
    sentra = SentraFactory(name="Sentra Tuban", village=bali_regions.tuban, kbli=kbli.batik)
    rows = [
        ("Batik Mikro", bali_regions.tuban, kbli.batik, BusinessStatus.VERIFIED, 3, sentra, LegalForm.UD, ""),
        ("Batik Kecil", bali_regions.kuta_village, kbli.batik, BusinessStatus.PUBLISHED, 12, sentra, LegalForm.CV, ""),
        ("Perak", bali_regions.munggu, kbli.silver, BusinessStatus.VERIFIED, 2, None, LegalForm.UD, "9120000000009"),
        ("Draf Batik", bali_regions.tuban, kbli.printing, BusinessStatus.DRAFT, None, None, LegalForm.UD, ""),
        ("Denpasar", bali_regions.serangan, kbli.batik, BusinessStatus.VERIFIED, 4, None, LegalForm.UD, ""),
    ]
    for name, village, code, status, workforce, member_of, legal_form, nib in rows:
        business = BusinessFactory(
            name=name, village=village, kbli=code, status=status, sentra=member_of, legal_form=legal_form, nib=nib
        )
        if workforce is not None:
            BusinessYearFactory(business=business, year=last_year, workforce_male=workforce, workforce_female=0)
    return {"sentra": sentra}


def same_filter_params(listed):
    return [
        {"status": BusinessStatus.VERIFIED},
        {"kbli": "1313"},
        {"kbli": "C", "skala": "mikro"},
        {"skala": "kecil"},
        {"sentra": str(listed["sentra"].pk)},
        {"kelengkapan": "tanpa-nib"},
        {"kelengkapan": "tanpa-data-tahunan"},
        {"bentuk": LegalForm.CV},
        {"kecamatan": "51.03.02"},
    ]


def names_in_list(client, params) -> set[str]:
    response = client.get(reverse(CHANGELIST), params)
    assert response.status_code == 200
    return {business.name for business in response.context["cl"].queryset}


def names_in_export(client, params) -> set[str]:
    response = client.get(reverse("admin:businesses_business_export"), {**params, "format": "csv"})
    assert response.status_code == 200
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    return {row["nama_usaha"] for row in csv.DictReader(io.StringIO(text), delimiter=";")}


def names_in_daftar(user, params) -> set[str]:
    """Daftar IKM's region field takes the place of the list's region filters (kabupaten, kecamatan)."""
    params = dict(params)
    region = params.pop("kecamatan", None) or params.pop("kabupaten", None) or "51.03"
    form = DaftarForm(data={"region": region, **params}, user=user)
    assert form.is_valid(), form.errors
    return {row["name"] for row in daftar_rows(user=user, params=form.cleaned_data)}


def test_list_export_and_daftar_ikm_give_the_same_businesses(operator_client, listed):
    expected = {
        0: {"Batik Mikro", "Perak"},
        1: {"Batik Mikro", "Batik Kecil", "Draf Batik"},
        2: {"Batik Mikro", "Perak"},
        3: {"Batik Kecil"},
        4: {"Batik Mikro", "Batik Kecil"},
        5: {"Batik Mikro", "Batik Kecil", "Draf Batik"},
        6: {"Draf Batik"},
        7: {"Batik Kecil"},
        8: {"Perak"},
    }
    for index, params in enumerate(same_filter_params(listed)):
        shown = names_in_list(operator_client, params)
        assert shown == expected[index], params
        assert names_in_export(operator_client, params) == shown, params
        assert names_in_daftar(operator_client.user, params) == shown, params


def test_a_filter_of_the_filterset_is_in_the_list_and_the_daftar_form(operator_client, listed):
    from businesses.admin import BusinessAdmin, SentraAdmin

    names = set(BusinessStaffFilterSet.base_filters)
    assert {f.parameter_name for f in BusinessAdmin.list_filter if issubclass(f, FilterSetListFilter)} == names
    assert {f.parameter_name for f in SentraAdmin.list_filter} == set(SentraStaffFilterSet.base_filters)
    region_filters = set(BusinessStaffFilterSet.region_filters)
    assert set(DaftarForm(user=operator_client.user).fields) == {"region"} | (names - region_filters)


def test_the_list_names_only_sentra_of_the_users_region(operator_client, listed, bali_regions, kbli):
    other = SentraFactory(name="Sentra Serangan", village=bali_regions.serangan, kbli=kbli.batik)
    BusinessFactory(name="Anggota lama", village=bali_regions.tuban, sentra=other)  # recorded before the rule
    page = operator_client.get(reverse(CHANGELIST), {"sentra": listed["sentra"].pk}).content.decode()
    assert f'<option value="{listed["sentra"].pk}" selected>{listed["sentra"].name}</option>' in page
    refused = operator_client.get(reverse(CHANGELIST), {"sentra": other.pk})
    assert refused.context["cl"].result_count == 0
    assert "Sentra Serangan" not in refused.content.decode()
    assert not DaftarForm(data={"region": "51.03", "sentra": other.pk}, user=operator_client.user).is_valid()


def test_old_list_links_are_redirected_to_the_new_parameters(operator_client, listed):
    response = operator_client.get(reverse(CHANGELIST), {"status__exact": "draft", "q": "Batik"})
    assert response.status_code == 302
    assert response.url == f"{reverse(CHANGELIST)}?status=draft&q=Batik"
    assert names_in_export(operator_client, {"status__exact": "draft"}) == {"Draf Batik"}


def test_old_daftar_parameters_still_filter(operator_client, listed):
    """A Daftar IKM job queued before the FilterSet stored `scale` and `subsector`: they still apply."""
    assert names_in_daftar(operator_client.user, {"scale": "kecil"}) == {"Batik Kecil"}


def test_a_refused_value_is_an_error_naming_the_filter_and_lists_nothing(operator_client, listed):
    response = operator_client.get(reverse(CHANGELIST), {"skala": "raksasa"}, follow=True)
    assert response.context["cl"].result_count == 0
    shown = [str(message) for message in response.context["messages"]]
    assert any(message.startswith("Skala usaha (BPS, data terakhir):") for message in shown), shown

    response = operator_client.get(reverse("admin:businesses_business_export"), {"kbli": "13x", "format": "csv"})
    assert response.status_code == 302
    shown = [str(message) for message in operator_client.get(response.url).context["messages"]]
    assert any(message.startswith("KBLI:") for message in shown), shown
    form = DaftarForm(data={"region": "51.03", "skala": "raksasa"}, user=operator_client.user)
    assert not form.is_valid() and "skala" in form.errors


def test_sentra_list_filters(operator_client, listed, bali_regions, kbli):
    url = reverse("admin:businesses_sentra_changelist")
    SentraFactory(name="Sentra Munggu", village=bali_regions.munggu, kbli=kbli.silver)
    below = operator_client.get(url, {"pp29": "tidak"}).context["cl"].queryset
    assert {sentra.name for sentra in below} == {"Sentra Tuban", "Sentra Munggu"}
    assert not operator_client.get(url, {"pp29": "ya"}).context["cl"].queryset.exists()
    in_mengwi = operator_client.get(url, {"kabupaten": "51.03"}).context["cl"].queryset
    assert in_mengwi.count() == 2


def test_the_filterset_outside_the_admin(operator_client, listed):
    """What an API or a command uses: the rows the user may see, filtered; a refused value lists nothing."""
    user = operator_client.user
    filterset = BusinessStaffFilterSet.for_user(user, data={"status": BusinessStatus.VERIFIED})
    assert {business.name for business in filterset.qs} == names_in_list(operator_client, {"status": "verified"})
    refused = BusinessStaffFilterSet.for_user(user, data={"status": BusinessStatus.VERIFIED, "skala": "raksasa"})
    assert "skala" in refused.form.errors
    assert not refused.qs.exists()
    everything = BusinessStaffFilterSet.for_user(SYSTEM, data={"status__exact": BusinessStatus.VERIFIED})
    assert {business.name for business in everything.qs} == {"Batik Mikro", "Perak", "Denpasar"}
    assert not BusinessStaffFilterSet.for_user(None, data={"status": BusinessStatus.VERIFIED}).qs.exists()
