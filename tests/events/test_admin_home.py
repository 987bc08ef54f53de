"""The admin home's "Kegiatan" panel: each count equals the list its link opens, for each role's region."""

import re
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from events.choices import EventStatus
from events.models import Agreement, Registration
from events.services.registration import holder_of, registration_create, registration_step
from ikm_registry.choices import StaffRole
from tests.factories import SYSTEM, make_event, office_for, person, staff_user

pytestmark = pytest.mark.usefixtures("bali_regions")
ITEM = re.compile(
    r'<li><a href="(?P<url>[^"]+)"><span class="count">(?P<count>[\d.]+)</span> (?P<label>[^<]+)</a></li>'
)


@pytest.fixture
def events_needing_attention():
    today = timezone.localdate()
    for region in ("51.03", "51.71"):
        make_event(region, status=EventStatus.ONGOING, start_date=today - timedelta(days=10))  # report due
        make_event(region, status=EventStatus.OPEN, start_date=today - timedelta(days=3))  # report due
        make_event(region, status=EventStatus.COMPLETED, start_date=today - timedelta(days=30))  # done
        make_event(region, status=EventStatus.PLANNED, start_date=today + timedelta(days=5))  # starting soon
        full = make_event(region, quota=1)
        first = registration_create(event=full, data=person(1), actor=SYSTEM)
        registration_create(event=full, data=person(2), actor=SYSTEM)
        registration_step(first, "withdraw", holder_of(first))  # the second is offered the place
        Agreement.objects.create(office=office_for(region), title=f"MoU {region}", signed_on=today - timedelta(days=700),
                                 valid_until=today + timedelta(days=30))  # fmt: skip
        Agreement.objects.create(office=office_for(region), title=f"MoU lama {region}",
                                 signed_on=today - timedelta(days=700), valid_until=today + timedelta(days=300))  # fmt: skip


EXPIRY_SECTION = re.compile(
    r'<h4><a href="(?P<url>[^"]+)"><span class="count">(?P<count>[\d.]+)</span> (?P<label>[^<]+)</a></h4>'
)


@pytest.mark.parametrize(
    ("role", "region", "expected", "mous"),
    [(StaffRole.OPERATOR, "51.03", [2, 1, 1], 1), (StaffRole.PROVINCE, "51", [4, 2, 2], 2)],
)
def test_each_count_equals_the_list_it_links_to(client, events_needing_attention, role, region, expected, mous):
    client.force_login(staff_user(role, region))
    page = client.get(reverse("admin:index")).content.decode()
    section = page[page.index("panel-events") :]
    items = [match.groupdict() for match in ITEM.finditer(section)][:3]
    assert len(items) == 3, section[:2000]
    counts = []
    for item in items:
        listed = client.get(item["url"].replace("&amp;", "&"))
        assert listed.status_code == 200
        assert listed.context["cl"].result_count == int(item["count"]), item
        counts.append(int(item["count"]))
    assert counts == expected  # report due, starting soon, offers waiting
    assert Registration.objects.filter(status="offered").count() == 2
    # MoUs lapsing within 90 days are on the core's "Segera berakhir" panel, linking to exactly that list.
    expiry = page[page.index("panel-expiry") :]
    (mou,) = [m.groupdict() for m in EXPIRY_SECTION.finditer(expiry) if "nota kesepahaman" in m["label"]]
    listed = client.get(mou["url"].replace("&amp;", "&"))
    assert listed.context["cl"].result_count == int(mou["count"]) == mous
    assert f"MoU {region if region != '51' else '51.03'}" in expiry and "MoU lama" not in expiry
