"""Documentation photos of an event: uploaded on the event's page, stored privately without EXIF/GPS, shown to staff
of the event's region only, and printed in the laporan kegiatan (which is then logged: people are in them)."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image

from events.choices import EventStatus
from events.models import EventPhoto
from ikm_registry.choices import StaffRole
from ikm_registry.models import ExportLog
from ikm_registry.reports import get_report, report_render
from tests.admin_forms import form_data_from_response
from tests.businesses.test_product_photos import jpeg
from tests.factories import make_event, staff_user
from tests.reports import pdf_text

pytestmark = pytest.mark.usefixtures("bali_regions")


@pytest.fixture(autouse=True)
def private_root(settings, tmp_path):
    settings.PRIVATE_FILES_ROOT = tmp_path / "private"
    settings.PHOTO_MAX_UPLOAD_MB = 10
    settings.PHOTO_MAX_MEGAPIXELS = 50
    settings.PHOTO_MAX_SIDE = 1600
    settings.PHOTO_THUMBNAIL_SIDE = 480


def test_a_photo_uploaded_on_the_event_page_is_private_clean_and_in_the_report(client, tmp_path):
    event = make_event(status=EventStatus.COMPLETED, title="Pelatihan Batik Dasar")
    operator = staff_user(StaffRole.OPERATOR, "51.03")
    client.force_login(operator)
    url = reverse("admin:events_event_change", args=[event.pk])
    data = form_data_from_response(client.get(url))
    data.update({"photos-TOTAL_FORMS": "1", "photos-0-caption": "Praktik mencanting hari pertama",
                 "photos-0-photo": SimpleUploadedFile("dok.jpg", jpeg(1200, 800), content_type="image/jpeg")})  # fmt: skip
    response = client.post(url, data)
    assert response.status_code == 302, response.context["adminform"].form.errors if response.context else response
    photo = EventPhoto.objects.get()
    assert photo.photo.name.startswith("event-photos/") and photo.photo_thumbnail.name.endswith("-thumb.jpg")
    stored = Image.open(photo.photo.path)
    assert not stored.getexif().get(0x8825) and not stored.getexif().get(0x010F)  # no GPS, no camera
    assert (tmp_path / "private" / photo.photo.name).exists()

    page = client.get(url).content.decode()
    photo_url = reverse("admin:events_event_photo", args=[event.pk, photo.pk])
    assert photo_url in page
    thumb = client.get(photo_url, {"kecil": "1"})
    assert (
        thumb["Content-Type"] == "image/jpeg" and Image.open(io.BytesIO(b"".join(thumb.streaming_content))).width <= 480
    )

    report = get_report("laporan-kegiatan")
    form = report.form_class(data={"event": event.code}, user=operator)
    assert form.is_valid()
    text = pdf_text(
        report_render(report=report(), user=operator, params=form.cleaned_data, filter_description=form.describe())
    )
    assert "L. Dokumentasi" in text and "Praktik mencanting hari pertama" in text
    assert ExportLog.objects.get().personal_data

    client.force_login(staff_user(StaffRole.OPERATOR, "51.71"))
    assert client.get(photo_url).status_code == 404
