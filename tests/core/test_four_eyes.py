"""Four eyes (optional per office): whoever entered or submitted a business does not verify it."""

import io

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse
from django.utils import timezone

from businesses.choices import BusinessStatus
from businesses.services.importing import businesses_import
from businesses.services.owner_link import holder_of
from businesses.services.workflow import BUSINESS_WORKFLOW, business_submit, business_verify
from ikm_registry.choices import StaffRole
from ikm_registry.scoping import SystemActor
from tests.admin_forms import change_form_data
from tests.business_files import csv_bytes, row
from tests.factories import BusinessFactory, office_for, staff_user
from tests.self_registration import form_data, register_url


@pytest.fixture
def badung(bali_regions, kbli):
    office = office_for("51.03")
    office.four_eyes = True
    office.save()
    return office


@pytest.fixture
def entering(badung):
    return staff_user(StaffRole.OPERATOR, "51.03", username="operator.satu")


@pytest.fixture
def checking(badung):
    return staff_user(StaffRole.OPERATOR, "51.03", username="operator.dua")


def verify_available(business, user) -> bool:
    return any(t.action == "verify" for t in BUSINESS_WORKFLOW.available(business, user))


def test_who_entered_a_record_does_not_verify_it(entering, checking, bali_regions):
    business = BusinessFactory(village=bali_regions.tuban, status=BusinessStatus.SUBMITTED, created_by=entering)
    assert not verify_available(business, entering) and verify_available(business, checking)
    with pytest.raises(PermissionDenied, match="empat mata"):
        business_verify(business=business, actor=entering)
    business.refresh_from_db()
    assert business.status == BusinessStatus.SUBMITTED
    business_verify(business=business, actor=checking)
    business.refresh_from_db()
    assert business.status == BusinessStatus.VERIFIED


def test_who_submitted_a_draft_does_not_verify_it(entering, checking, bali_regions):
    business = BusinessFactory(village=bali_regions.tuban, status=BusinessStatus.DRAFT, created_by=checking)
    business_submit(business=business, actor=entering)
    with pytest.raises(PermissionDenied):
        business_verify(business=business, actor=entering)
    # who entered it is barred too, though someone else submitted it
    with pytest.raises(PermissionDenied):
        business_verify(business=business, actor=checking)
    third = staff_user(StaffRole.OPERATOR, "51.03", username="operator.tiga")
    business_verify(business=business, actor=third)


def test_without_four_eyes_the_same_person_verifies(bali_regions, kbli):
    operator = staff_user(StaffRole.OPERATOR, "51.03", username="operator.sendiri")
    business = BusinessFactory(village=bali_regions.tuban, status=BusinessStatus.SUBMITTED, created_by=operator)
    assert verify_available(business, operator)
    business_verify(business=business, actor=operator)


def test_a_self_registration_and_an_owner_s_resubmission_bar_nobody(client, entering, bali_regions):
    client.post(register_url(), form_data(bali_regions))
    from businesses.models import Business

    business = Business.objects.get()
    assert verify_available(business, entering)
    BUSINESS_WORKFLOW.perform(business, "return", entering, note="Lengkapi NIB.")
    BUSINESS_WORKFLOW.perform(business, "resubmit", holder_of(business))
    business.refresh_from_db()
    # entering returned it (a step into "returned", not "submitted"): still free to verify the correction
    assert verify_available(business, entering)


def test_the_province_office_s_rule_covers_a_regency_without_an_office(bali_regions, kbli):
    province = office_for("51")
    province.four_eyes = True
    province.save()
    staff = staff_user(StaffRole.PROVINCE, "51", username="staf.provinsi")
    business = BusinessFactory(village=bali_regions.serangan, status=BusinessStatus.SUBMITTED, created_by=staff)
    with pytest.raises(PermissionDenied):
        business_verify(business=business, actor=staff)


def test_the_admin_offers_no_verify_button_and_refuses_the_post(client, entering, checking, bali_regions):
    business = BusinessFactory(village=bali_regions.tuban, status=BusinessStatus.SUBMITTED, created_by=entering)
    url = reverse("admin:businesses_business_change", args=[business.pk])
    client.force_login(entering)
    page = client.get(url).content.decode()
    assert 'value="verify"' not in page and "prinsip empat mata" in page
    client.post(url, change_form_data(client, url, _workflow="verify"))
    business.refresh_from_db()
    assert business.status == BusinessStatus.SUBMITTED
    # the bulk action refuses it too
    changelist = reverse("admin:businesses_business_changelist")
    refused = client.post(changelist, {"action": "verify_selected", "_selected_action": [business.pk]}, follow=True)
    assert "empat mata" in refused.content.decode()
    business.refresh_from_db()
    assert business.status == BusinessStatus.SUBMITTED
    client.force_login(checking)
    page = client.get(url).content.decode()
    assert 'value="verify"' in page and "prinsip empat mata" not in page


def test_an_import_cannot_create_verified_records_under_four_eyes(entering, bali_regions):
    year = timezone.localdate().year
    explicit = businesses_import(
        source=io.BytesIO(csv_bytes([row(status="verified")])), filename="ikm.csv", user=entering, year=year
    )
    assert not explicit.written and any(
        e.column == "status" and "empat mata" in e.message for e in explicit.plan.errors
    )
    blank = businesses_import(
        source=io.BytesIO(csv_bytes([row(1, status="")])), filename="ikm.csv", user=entering, year=year
    )
    assert blank.written
    from businesses.models import Business

    business = Business.objects.get()
    assert business.status == BusinessStatus.SUBMITTED and business.created_by == entering
    # a command (no account) is not bound by it
    command = businesses_import(
        source=io.BytesIO(csv_bytes([row(2, status="verified")])),
        filename="ikm.csv",
        user=SystemActor("import_businesses"),
        year=year,
    )
    assert command.written
