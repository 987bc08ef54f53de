"""What events add to a business: its Riwayat page lists its people's registrations and its outcomes; its Profil
IKM has a section of the events it joined, with attendance and what it gained."""

import pytest
from django.urls import reverse

from events.choices import EventStatus
from events.models import Outcome
from events.services.attendance import check_in
from events.services.registration import registration_create
from ikm_registry.choices import StaffRole
from ikm_registry.models import ExportLog
from ikm_registry.reports import get_report, report_render
from tests.factories import SYSTEM, BusinessFactory, make_event, make_village, person, staff_user
from tests.reports import pdf_text

pytestmark = pytest.mark.usefixtures("bali_regions")


@pytest.fixture
def joined():
    business = BusinessFactory(village=make_village("51.03.01.1001"), name="Tenun Ikat Sari")
    fair = make_event(status=EventStatus.ONGOING, kind="pameran", title="Pameran Kriya Badung", days=2)
    ayu = registration_create(event=fair, data=person(1, business=business), actor=SYSTEM)
    check_in(session=fair.sessions.first(), registration=ayu, actor=SYSTEM)
    Outcome.objects.create(event=fair, business=business, direct_sales=3_500_000, orders=2_000_000, buyers_met=4)
    make_event(title="Kegiatan lain")  # not joined
    return business


def test_the_profil_ikm_lists_the_events_joined_with_attendance_and_outcomes(joined):
    report = get_report("profil-ikm")
    operator = staff_user(StaffRole.OPERATOR, "51.03")
    form = report.form_class(data={"business": joined.pk}, user=operator)
    assert form.is_valid(), form.errors
    pdf = report_render(report=report(), user=operator, params=form.cleaned_data, filter_description=form.describe())
    text = " ".join(pdf_text(pdf, layout=False).split())  # table cells wrap: compare the words
    assert "Kegiatan yang diikuti" in text and "Pameran Kriya Badung" in text
    assert "1/2" in text.replace(" / ", "/") and "Rp 3.500.000" in text and "Kegiatan lain" not in text
    assert ExportLog.objects.get().individual_data  # its own sales figures are in the file


def test_the_business_riwayat_page_shows_its_registrations_and_outcomes(client, joined):
    client.force_login(staff_user(StaffRole.OPERATOR, "51.03"))
    page = client.get(reverse("admin:businesses_business_history", args=[joined.pk])).content.decode()
    assert "Pendaftaran kegiatan: Pameran Kriya Badung" in page
    assert "Hasil usaha di kegiatan: Pameran Kriya Badung" in page


def test_the_statistik_page_counts_public_events_participants_by_sex_and_ikm_reached(client, joined):
    from django.core.cache import cache

    internal = make_event(status=EventStatus.COMPLETED, is_public=False)
    registration_create(event=internal, data=person(9, sex="L"), actor=SYSTEM)
    cache.clear()
    page = client.get(reverse("businesses:statistics")).content.decode()
    section = page[page.index("Kegiatan pembinaan") :]
    row = section[section.index("<tbody>") : section.index("</tbody>")]
    cells = [cell for cell in row.replace("</td>", "|").replace("</th>", "|").split("|")]
    numbers = [c.rsplit(">", 1)[-1].strip() for c in cells if c.strip()]
    # the pameran and the other open event (public), one woman confirmed, one IKM; not the internal event or its man
    assert numbers[1:5] == ["2", "0", "1", "1"], numbers
