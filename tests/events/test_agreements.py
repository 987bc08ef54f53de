"""MoUs: the signed document is a private file, downloaded only by staff of the recording office's region."""

import datetime

import pytest
from django.core.files.base import ContentFile
from django.urls import reverse

from events.models import Agreement, AgreementParty, Institution
from ikm_registry.choices import StaffRole
from tests.factories import office_for, staff_user

pytestmark = pytest.mark.usefixtures("bali_regions")


@pytest.fixture(autouse=True)
def private_root(settings, tmp_path):
    settings.PRIVATE_FILES_ROOT = tmp_path / "private"


def test_the_signed_document_is_downloaded_through_the_admin_only_in_its_region(client):
    agreement = Agreement.objects.create(
        office=office_for("51.03"), title="MoU Desain Kriya", signed_on=datetime.date(2026, 5, 2)
    )
    agreement.document.save("mou.pdf", ContentFile(b"%PDF-1.4 ditandatangani"))
    AgreementParty.objects.create(agreement=agreement, institution=Institution.objects.create(name="Universitas Udayana"),
                                  number="B/1/UN14/2026")  # fmt: skip
    assert "/documents/" not in agreement.document.name and agreement.document.name.startswith("documents/")
    client.force_login(staff_user(StaffRole.OPERATOR, "51.03"))
    page = client.get(reverse("admin:events_agreement_change", args=[agreement.pk]))
    assert page.status_code == 200 and "Unduh dokumen" in page.content.decode()
    download = client.get(reverse("admin:events_agreement_document", args=[agreement.pk]))
    assert b"".join(download.streaming_content) == b"%PDF-1.4 ditandatangani"
    client.force_login(staff_user(StaffRole.OPERATOR, "51.71"))
    assert client.get(reverse("admin:events_agreement_document", args=[agreement.pk])).status_code == 404
