"""The admin's business list for staff over several kabupaten/kota, and the home page's queue (issue 13, point 7):
province and national staff read each row's kabupaten/kota (no query per row); the queue and the sentra below the
PP 29/2018 rule link to the whole filtered lists, whose counts they print."""

import html
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from businesses.choices import BusinessStatus
from ikm_registry.choices import StaffRole
from ikm_registry.scoping import scope_for
from tests.businesses.test_staff_filters import list_count
from tests.factories import BusinessFactory, SentraFactory, make_region, make_village, staff_user

pytestmark = pytest.mark.django_db

CHANGELIST = "/admin/businesses/business/"
REGENCY_HEADER = 'class="sortable column-regency"'
SEE_ALL = re.compile(r'<p class="see-all"><a href="(?P<href>[^"]+)">Lihat semua (?P<count>\d+) (?P<what>IKM|sentra)')


def staff(role):
    region = {StaffRole.OPERATOR: "51.03", StaffRole.OFFICIAL: "51.03"}.get(role, "51")
    return staff_user(role, region)


@pytest.mark.parametrize(
    ("role", "shown"),
    [(StaffRole.OPERATOR, False), (StaffRole.OFFICIAL, False), (StaffRole.PROVINCE, True), (StaffRole.NATIONAL, True)],
)
def test_the_kabupaten_column_is_for_staff_over_several_regencies(client, bali_regions, kbli, role, shown):
    BusinessFactory(name="Batik Tuban", village=bali_regions.tuban)
    BusinessFactory(name="Batik Serangan", village=bali_regions.serangan)
    user = staff(role)
    assert scope_for(user).covers_several_regencies is shown
    client.force_login(user)
    page = client.get(CHANGELIST).content.decode()
    assert (REGENCY_HEADER in page) is shown
    if shown:
        assert '<td class="field-regency">Kabupaten Badung</td>' in page
        assert '<td class="field-regency">Kota Denpasar</td>' in page


def test_a_superuser_reads_the_kabupaten_column(admin_client, bali_regions, kbli):
    BusinessFactory(village=bali_regions.serangan)
    assert REGENCY_HEADER in admin_client.get(CHANGELIST).content.decode()


def test_the_list_is_sorted_by_kabupaten(client, bali_regions, kbli):
    BusinessFactory(name="A di Denpasar", village=bali_regions.serangan)
    BusinessFactory(name="B di Badung", village=bali_regions.tuban)
    client.force_login(staff(StaffRole.PROVINCE))
    response = client.get(CHANGELIST)
    column = response.context["cl"].list_display.index("regency")
    rows = list(client.get(f"{CHANGELIST}?o={column}").context["cl"].result_list)
    assert [row.name for row in rows] == ["B di Badung", "A di Denpasar"]


def test_the_kabupaten_column_costs_no_query_per_row(client, bali_regions, kbli):
    client.force_login(staff(StaffRole.PROVINCE))
    BusinessFactory(village=bali_regions.tuban)
    BusinessFactory(village=bali_regions.serangan)
    client.get(CHANGELIST)  # caches warmed (content types, the scope)
    with CaptureQueriesContext(connection) as few:
        assert client.get(CHANGELIST).status_code == 200
    for number in range(8):
        regency = make_region(f"51.{number + 2:02d}", f"Kabupaten Uji {number}")
        BusinessFactory(village=make_village(f"{regency.code}.01.2001"))
    with CaptureQueriesContext(connection) as many:
        page = client.get(CHANGELIST).content.decode()
    assert page.count('<td class="field-regency">') == 10
    assert len(many) == len(few), [query["sql"] for query in many]


# --- the home page's queue links to all of it ---------------------------------------------------------------------


def see_all(client) -> dict[str, tuple[str, int]]:
    page = client.get(reverse("admin:index")).content.decode()
    return {m["what"]: (html.unescape(m["href"]), int(m["count"])) for m in SEE_ALL.finditer(page)}


def test_the_queue_links_to_every_waiting_business(client, bali_regions, kbli):
    for number in range(12):
        BusinessFactory(name=f"Menunggu {number}", village=bali_regions.tuban, status=BusinessStatus.SUBMITTED)
    BusinessFactory(village=bali_regions.serangan, status=BusinessStatus.SUBMITTED)  # Denpasar's
    BusinessFactory(village=bali_regions.tuban, status=BusinessStatus.VERIFIED)
    client.force_login(staff(StaffRole.OPERATOR))
    url, count = see_all(client)["IKM"]
    assert url == f"{CHANGELIST}?status=submitted"
    assert count == 12  # the table above shows the ten that waited longest
    assert list_count(client, url) == 12


def test_the_sentra_below_the_rule_link_to_all_of_them(client, bali_regions, kbli):
    for number in range(12):
        SentraFactory(name=f"Sentra kecil {number}", village=bali_regions.tuban)
    SentraFactory(name="Sentra Denpasar", village=bali_regions.serangan)
    client.force_login(staff(StaffRole.OPERATOR))
    url, count = see_all(client)["sentra"]
    assert url == f"{reverse('admin:businesses_sentra_changelist')}?pp29=tidak"
    assert count == 12
    assert client.get(url).context["cl"].result_count == 12


def test_no_see_all_link_without_a_queue(client, bali_regions, kbli):
    client.force_login(staff(StaffRole.OPERATOR))
    assert see_all(client) == {}
