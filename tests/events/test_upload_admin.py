"""The admin's upload pages of the core, used by the events importers: a daftar hadir uploaded from an event's page,
previewed with its errors, confirmed once; and the programme from the events list."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from events.choices import EventStatus
from events.models import Attendance, Event, Registration
from ikm_registry.choices import StaffRole
from ikm_registry.models import ExportLog, TabularImport
from tests.factories import make_event, staff_user

pytestmark = pytest.mark.usefixtures("bali_regions")
SHEET = "nama;jenis_kelamin;telepon;hadir_1\nNi Luh Ayu;P;081200000001;v\nI Made Wira;L;081200000002;\nRusak;Q;;\n"


@pytest.fixture(autouse=True)
def private_root(settings, tmp_path):
    settings.PRIVATE_FILES_ROOT = tmp_path / "private"


def test_a_daftar_hadir_uploaded_from_the_event_page_is_previewed_then_applied_once(client):
    event = make_event(status=EventStatus.COMPLETED)
    client.force_login(staff_user(StaffRole.OPERATOR, "51.03"))
    page = client.get(reverse("admin:events_event_change", args=[event.pk])).content.decode()
    upload_url = f"{reverse('admin:tabular_upload', args=['participants'])}?event={event.pk}"
    assert upload_url in page
    form = client.get(upload_url)
    assert "hadir_1" in form.content.decode() and event.title in form.content.decode()
    response = client.post(upload_url, {"file": SimpleUploadedFile("hadir.csv", SHEET.encode()), "skip_invalid": "on"})
    assert response.status_code == 302
    record = TabularImport.objects.get()
    assert (record.kind, record.options) == ("participants", {"event": event.pk})
    preview = client.get(response["Location"]).content.decode()
    assert "baris 4" not in preview  # rows are numbered in the table
    assert "jenis_kelamin" in preview and "Konfirmasi" in preview and not Registration.objects.exists()
    rejects = client.get(reverse("admin:tabular_upload_rejects", args=[record.pk]))
    assert b"alasan" in rejects.content and ExportLog.objects.get().personal_data
    client.post(response["Location"])
    client.post(response["Location"])  # a second confirmation writes nothing more
    assert sorted(Registration.objects.values_list("name", flat=True)) == ["I Made Wira", "Ni Luh Ayu"]
    assert Attendance.objects.count() == 1
    record.refresh_from_db()
    assert (record.state, record.created, record.invalid) == (TabularImport.State.APPLIED, 2, 1)


def test_another_regions_event_or_an_official_cannot_upload(client):
    event = make_event("51.71")
    url = reverse("admin:tabular_upload", args=["participants"])
    client.force_login(staff_user(StaffRole.OPERATOR, "51.03"))
    assert client.get(f"{url}?event={event.pk}").status_code == 404
    assert client.get(url).status_code == 404  # no event named
    assert client.get(reverse("admin:tabular_upload", args=["no-such-kind"])).status_code == 404
    client.force_login(staff_user(StaffRole.OFFICIAL, "51.71"))
    assert client.get(f"{url}?event={event.pk}").status_code == 403


def test_the_programme_is_uploaded_from_the_events_list_and_the_business_import_keeps_its_page(client):
    client.force_login(staff_user(StaffRole.OPERATOR, "51.03"))
    listing = client.get(reverse("admin:events_event_changelist")).content.decode()
    url = reverse("admin:tabular_upload", args=["events"])
    assert url in listing
    sheet = "kode_kegiatan;judul;jenis;tanggal_mulai;kode_wilayah_tempat\nBT-1;Bimtek Kemasan;bimtek;01/03/2027;51.03\n"
    response = client.post(url, {"file": SimpleUploadedFile("program.csv", sheet.encode())})
    client.post(response["Location"])
    assert Event.objects.get().code == "BT-1"
    assert client.get(reverse("admin:tabular_upload", args=["businesses"]))["Location"] == reverse(
        "admin:businesses_business_import"
    )
