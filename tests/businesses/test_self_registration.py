"""Daftarkan usaha: the self-registration service, its form and pages, and where the record lands."""

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from businesses.choices import BusinessStatus
from businesses.models import Business, Owner
from businesses.selectors import attention_summary
from businesses.services.registration import SELF_REGISTRATION_NOTE, business_register_public
from ikm_registry.models import Office, TransitionLog
from tests.factories import BusinessFactory, office_for, staff_user
from tests.self_registration import VALID_NIK, form_data, register_url

pytestmark = pytest.mark.django_db


def arguments(regions, codes, **changes):
    values = {
        "name": "Tenun Sari Kuta",
        "village": regions.tuban,
        "kbli": codes.batik,
        "main_product": "Kain tenun endek",
        "owner_name": "Ni Made Sari",
        "owner_sex": "P",
        "owner_phone": "081234567890",
        "address": "Jl. Raya Tuban No. 5",
    }
    values.update(changes)
    return values


# --- the service ----------------------------------------------------------------------------------------------------


def test_creates_a_submitted_business_with_its_owner_and_first_step(bali_regions, kbli):
    business = business_register_public(**arguments(bali_regions, kbli, owner_nik=VALID_NIK))
    business.refresh_from_db()
    assert business.status == BusinessStatus.SUBMITTED
    assert business.created_by is None
    assert business.owner.nik == VALID_NIK
    # Created in the review queue: its first entry is the creation as submitted (no source state), by the public site.
    step = business.transitions.get()
    assert (step.action, step.from_state, step.to_state, step.actor, step.note) == (
        "create",
        "",
        BusinessStatus.SUBMITTED,
        None,
        SELF_REGISTRATION_NOTE,
    )
    assert business.history.get().history_change_reason == SELF_REGISTRATION_NOTE


def test_contact_consent_is_recorded_from_today_only_for_ticked_channels(bali_regions, kbli):
    business = business_register_public(
        **arguments(bali_regions, kbli, owner_email="sari@example.id", publish_phone=True, publish_email=False)
    )
    owner = Owner.objects.get(business=business)
    assert owner.phone_public_since == timezone.localdate()
    assert owner.email_public_since is None


def test_consent_without_the_contact_itself_records_nothing(bali_regions, kbli):
    business = business_register_public(**arguments(bali_regions, kbli, owner_email="", publish_email=True))
    assert Owner.objects.get(business=business).email_public_since is None


def test_lands_in_the_queue_of_the_office_covering_its_desa_only(bali_regions, kbli):
    badung = staff_user(region_code="51.03")
    denpasar = staff_user(region_code="51.71")
    business = business_register_public(**arguments(bali_regions, kbli))
    assert business in attention_summary(user=badung)["submitted_oldest"]
    assert business not in attention_summary(user=denpasar)["submitted_oldest"]


def test_reviewing_office_prefers_the_regency_office_to_the_province(bali_regions):
    province = office_for("51")
    assert Office.objects.covering(bali_regions.tuban.code) == province
    regency = office_for("51.03")
    assert Office.objects.covering(bali_regions.tuban.code) == regency
    assert Office.objects.covering(bali_regions.serangan.code) == province


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"owner_nik": "1234"}, "owner_nik"),
        ({"owner_nik": "5103011708900001"}, "owner_nik"),  # a man's birth date with sex P
        ({"owner_phone": "12ab"}, "owner_phone"),
        ({"owner_email": "not-an-email"}, "owner_email"),
        ({"nib": "123"}, "nib"),
        ({"year_founded": 2999}, "year_founded"),
        ({"name": ""}, "name"),
    ],
)
def test_a_bad_field_is_named_and_nothing_is_written(bali_regions, kbli, changes, field):
    with pytest.raises(ValidationError) as raised:
        business_register_public(**arguments(bali_regions, kbli, **changes))
    assert field in raised.value.message_dict
    assert not Business.objects.exists()
    assert not Owner.objects.exists()
    assert not TransitionLog.objects.exists()


def test_a_kecamatan_is_not_a_desa(bali_regions, kbli):
    with pytest.raises(ValidationError) as raised:
        business_register_public(**arguments(bali_regions, kbli, village=bali_regions.kuta))
    assert "village" in raised.value.message_dict


def test_a_kbli_class_is_not_a_subclass(bali_regions, kbli):
    with pytest.raises(ValidationError) as raised:
        business_register_public(**arguments(bali_regions, kbli, kbli=kbli.textile_class))
    assert "kbli" in raised.value.message_dict


def test_the_same_nib_twice_is_refused(bali_regions, kbli):
    BusinessFactory(nib="9120001234567", status=BusinessStatus.PUBLISHED)
    with pytest.raises(ValidationError) as raised:
        business_register_public(**arguments(bali_regions, kbli, nib="9120001234567"))
    assert "sudah terdaftar" in raised.value.message_dict["nib"][0]
    assert Business.objects.count() == 1


def test_the_same_name_owner_and_desa_twice_is_refused(bali_regions, kbli):
    BusinessFactory(name="Tenun Sari Kuta", village=bali_regions.tuban, owner__name="Ni Made Sari")
    with pytest.raises(ValidationError) as raised:
        business_register_public(**arguments(bali_regions, kbli, name="  tenun  sari kuta "))
    assert "name" in raised.value.message_dict
    assert Business.objects.count() == 1


# --- the pages ------------------------------------------------------------------------------------------------------


def test_step_one_walks_from_province_to_kecamatan(client, bali_regions, kbli):
    page = client.get(reverse("businesses:register")).content.decode()
    assert f'value="{bali_regions.bali.code}"' in page
    page = client.get(register_url("51")).content.decode()
    assert f'value="{bali_regions.badung.code}"' in page and f'value="{bali_regions.denpasar.code}"' in page
    page = client.get(register_url("51.03")).content.decode()
    assert f'value="{bali_regions.kuta.code}"' in page and f'value="{bali_regions.mengwi.code}"' in page
    assert 'name="owner_name"' not in page


def test_step_two_offers_the_kecamatan_desa_and_a_kbli_search(client, bali_regions, kbli):
    page = client.get(register_url("51.03.01")).content.decode()
    assert f'value="{bali_regions.tuban.code}"' in page
    assert f'value="{bali_regions.munggu.code}"' not in page  # another kecamatan
    assert 'name="kbli_q"' in page and 'name="cari_kbli"' in page
    assert 'name="kbli"' not in page  # no list of every code: the owner searches (tests/businesses/test_kbli_search.py)
    assert 'name="owner_name"' in page


def test_an_unknown_wilayah_starts_over(client, bali_regions):
    page = client.get(register_url("99.99")).content.decode()
    assert f'value="{bali_regions.bali.code}"' in page
    assert 'name="owner_name"' not in page


def test_a_valid_post_registers_and_tells_what_happens_next(client, bali_regions, kbli):
    office = office_for("51.03")
    response = client.post(register_url(), form_data(bali_regions))
    assert response.status_code == 302
    assert response["Location"] == reverse("businesses:register_done")
    business = Business.objects.get()
    assert business.status == BusinessStatus.SUBMITTED
    page = client.get(response["Location"]).content.decode()
    assert "Tenun Sari Kuta" in page
    assert f"IKM-{business.pk}" in page
    assert office.name in page
    assert VALID_NIK not in page


def test_an_invalid_post_names_the_field_and_writes_nothing(client, bali_regions, kbli):
    response = client.post(register_url(), form_data(bali_regions, owner_nik="5103011708900001", owner_phone=""))
    assert response.status_code == 200
    form = response.context["form"]
    assert "owner_phone" in form.errors
    assert not Business.objects.exists()


def test_a_service_error_is_shown_on_its_field(client, bali_regions, kbli):
    response = client.post(register_url(), form_data(bali_regions, owner_nik="5103011708900001"))
    assert response.status_code == 200
    assert "owner_nik" in response.context["form"].errors
    assert not Business.objects.exists()


def test_the_agreement_is_required(client, bali_regions, kbli):
    response = client.post(register_url(), form_data(bali_regions, agree=""))
    assert "agree" in response.context["form"].errors
    assert not Business.objects.exists()


def test_a_filled_honeypot_is_refused(client, bali_regions, kbli):
    response = client.post(register_url(), form_data(bali_regions, website="http://spam.example"))
    assert response.status_code == 200
    assert not Business.objects.exists()


def test_a_desa_of_another_kecamatan_is_refused(client, bali_regions, kbli):
    response = client.post(register_url(), form_data(bali_regions, village=bali_regions.munggu.code))
    assert "village" in response.context["form"].errors
    assert not Business.objects.exists()


def test_the_done_page_without_a_registration_goes_back_to_the_form(client, db):
    response = client.get(reverse("businesses:register_done"))
    assert response.status_code == 302
    assert response["Location"] == reverse("businesses:register")


def test_the_form_page_is_never_served_from_the_public_cache(client, bali_regions, kbli):
    response = client.get(register_url())
    assert "public" not in response.get("Cache-Control", "")
    assert "csrftoken" in response.cookies


def test_a_registration_never_appears_in_the_directory_before_review(client, bali_regions, kbli):
    client.post(register_url(), form_data(bali_regions))
    business = Business.objects.get()
    assert client.get(reverse("businesses:business_detail", args=[business.pk])).status_code == 404
    assert "Tenun Sari Kuta" not in client.get(reverse("businesses:directory")).content.decode()
