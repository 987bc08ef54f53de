"""Unicode in text fields and NUL characters in requests (issue 9, point 17).

Text is stored in NFC; control and format characters (an RTL override, a zero-width space) are refused with an
error naming the field, on every path (model, admin, import, self-registration); duplicate matching compares
normalised text; a NUL character anywhere in a request answers 400.
"""

import io
import unicodedata

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from businesses.choices import BusinessStatus
from businesses.models import Business, Owner, Sentra
from businesses.services import importing, registration
from businesses.services.duplicates import business_duplicates, business_match_key
from businesses.services.importing import businesses_import, businesses_import_plan
from ikm_registry.text import comparable
from tests.admin_forms import business_form_data
from tests.business_files import csv_bytes, row
from tests.factories import BusinessFactory
from tests.self_registration import form_data, register_url

pytestmark = pytest.mark.django_db

RLO = "\u202e"  # RIGHT-TO-LEFT OVERRIDE
ZWSP = "\u200b"  # ZERO WIDTH SPACE
CAFE_NFD = unicodedata.normalize("NFD", "Kafé Bali")
CAFE_NFC = "Kafé Bali"
YEAR = timezone.localdate().year


# --- the rule on the models --------------------------------------------------------------------------------------


def test_text_is_stored_in_nfc(bali_regions, kbli):
    business = BusinessFactory.build(name=CAFE_NFD, main_product=CAFE_NFD, owner=None)
    business.full_clean()
    assert business.name == business.main_product == CAFE_NFC
    assert len(business.name) == len(CAFE_NFD) - 1


@pytest.mark.parametrize(
    ("character", "code"), [(RLO, "U+202E"), (ZWSP, "U+200B"), ("\x1b", "U+001B"), ("\ufeff", "U+FEFF")]
)
def test_control_and_format_characters_are_refused_naming_the_field(bali_regions, kbli, character, code):
    business = BusinessFactory.build(main_product=f"Kain{character} tenun", owner=None)
    with pytest.raises(ValidationError) as raised:
        business.full_clean()
    [message] = raised.value.message_dict["main_product"]
    assert message.startswith("Komoditi / produk utama berisi karakter tersembunyi")
    assert code in message


def test_line_breaks_stay_in_multi_line_text_and_become_spaces_in_a_single_line(bali_regions, kbli):
    sentra = Sentra(
        name="Sentra Tenun",
        main_product="Tenun",
        village=bali_regions.tuban,
        address="Jl. Raya\nTuban\t5",
        description="Baris satu\nBaris dua\tdengan tab",
    )
    sentra.full_clean(exclude=["kbli"])
    assert sentra.address == "Jl. Raya Tuban 5"
    assert sentra.description == "Baris satu\nBaris dua\tdengan tab"


def test_a_hidden_character_in_multi_line_text_is_refused(bali_regions):
    sentra = Sentra(name="Sentra Tenun", main_product="Tenun", village=bali_regions.tuban, description=f"ab{RLO}c")
    with pytest.raises(ValidationError) as raised:
        sentra.full_clean(exclude=["kbli"])
    assert "U+202E" in raised.value.message_dict["description"][0]


# --- duplicate matching ------------------------------------------------------------------------------------------


def test_comparable_text_drops_what_does_not_show():
    assert comparable(f" Art{ZWSP} Shop\u00a0 Sari{RLO} ") == "Art Shop Sari"
    assert comparable(CAFE_NFD) == CAFE_NFC


@pytest.mark.parametrize("name", [f"Art Shop Sari{ZWSP}", f"Art Shop {RLO}Sari", "art  shop SARI"])
def test_an_invisible_character_does_not_make_a_duplicate_look_new(bali_regions, kbli, name):
    registered = BusinessFactory(name="Art Shop Sari", owner__name="Ni Made Sari", village=bali_regions.tuban)
    found = business_duplicates(name=name, owner_name=f"Ni Made{ZWSP} Sari", village_id=bali_regions.tuban.code)
    assert list(found) == [registered]


def test_a_different_unicode_form_does_not_make_a_duplicate_look_new(bali_regions, kbli):
    registered = BusinessFactory(name=CAFE_NFC, owner__name="Ni Made Sari", village=bali_regions.tuban)
    found = business_duplicates(name=CAFE_NFD, owner_name="Ni Made Sari", village_id=bali_regions.tuban.code)
    assert list(found) == [registered]


def test_a_stored_name_with_an_invisible_character_is_found_for_its_clean_spelling(bali_regions, kbli):
    """A name stored before the rule (here written past full_clean) is compared without what does not show."""
    registered = BusinessFactory(name="Art Shop Sari", owner__name="Ni Made Sari", village=bali_regions.tuban)
    Business.objects.filter(pk=registered.pk).update(name=f"Art Shop{ZWSP} Sari")
    Owner.objects.filter(business=registered).update(name=f"Ni Made{RLO} Sari")
    found = business_duplicates(name="Art Shop Sari", owner_name="Ni Made Sari", village_id=bali_regions.tuban.code)
    assert list(found) == [registered]


def test_letters_beyond_ascii_match_without_case_on_every_database(bali_regions, kbli):
    registered = BusinessFactory(name="KAFÉ BALI", owner__name="NI LUH ÉKA", village=bali_regions.tuban)
    found = business_duplicates(name="kafé bali", owner_name="ni luh éka", village_id=bali_regions.tuban.code)
    assert list(found) == [registered]


def test_self_registration_the_admin_and_the_import_use_one_match_key(bali_regions, kbli):
    assert importing.business_match_key is business_match_key
    assert registration.business_match_key is business_match_key
    assert business_match_key(f" KAFÉ{ZWSP}  Bali ", "NI  Luh", "51") == business_match_key("kafé bali", "ni luh", "51")


def test_duplicate_matching_makes_at_most_two_queries_however_full_the_desa(
    bali_regions, kbli, django_assert_max_num_queries
):
    for number in range(30):
        BusinessFactory(name=f"Usaha Tuban {number}", village=bali_regions.tuban)
    registered = BusinessFactory(name="Kafé Bali", owner__name="Ni Made Sari", village=bali_regions.tuban)
    with django_assert_max_num_queries(2):  # the desa's names, then the matches: not one per business
        found = list(business_duplicates(name="KAFÉ BALI", owner_name="ni made sari", village_id="51.03.01.1001"))
    assert found == [registered]


# --- the admin ---------------------------------------------------------------------------------------------------


def test_admin_change_form_refuses_a_hidden_character_on_its_field(client, operator, bali_regions, kbli):
    business = BusinessFactory(name="Art Shop Sari", village=bali_regions.tuban)
    client.force_login(operator)
    url = reverse("admin:businesses_business_change", args=[business.pk])
    response = client.post(url, business_form_data(business, name=f"Art Shop Sari{RLO}"))
    assert response.status_code == 200
    errors = response.context["adminform"].form.errors
    assert "U+202E" in errors["name"][0] and errors["name"][0].startswith("Nama usaha berisi karakter tersembunyi")
    business.refresh_from_db()
    assert business.name == "Art Shop Sari"


def test_admin_inline_refuses_a_hidden_character_on_its_field(client, operator, bali_regions, kbli):
    business = BusinessFactory(name="Art Shop Sari", village=bali_regions.tuban)
    client.force_login(operator)
    url = reverse("admin:businesses_business_change", args=[business.pk])
    response = client.post(url, business_form_data(business, **{"owner-0-name": f"Ni{ZWSP} Made"}))
    assert response.status_code == 200
    [owner_form] = response.context["inline_admin_formsets"][0].formset.forms
    assert "U+200B" in owner_form.errors["name"][0]
    assert Owner.objects.get(business=business).name != f"Ni{ZWSP} Made"


def test_admin_change_form_stores_nfc(client, operator, bali_regions, kbli):
    business = BusinessFactory(name="Art Shop Sari", village=bali_regions.tuban)
    client.force_login(operator)
    url = reverse("admin:businesses_business_change", args=[business.pk])
    response = client.post(url, business_form_data(business, name=CAFE_NFD))
    assert response.status_code == 302
    business.refresh_from_db()
    assert business.name == CAFE_NFC


def admin_add_data(template, **changes):
    """POST data for the admin's add form: a new business and owner copied from `template` with `changes`."""
    data = business_form_data(template)
    data.update({"owner-INITIAL_FORMS": "0", "owner-0-id": "", "owner-0-business": ""})
    data.update(changes)
    return data


def test_admin_add_finds_a_stored_name_that_holds_an_invisible_character(client, operator, bali_regions, kbli):
    registered = BusinessFactory(name="Art Shop Sari", owner__name="Ni Made Sari", village=bali_regions.tuban)
    Business.objects.filter(pk=registered.pk).update(name=f"Art Shop{ZWSP} Sari")
    client.force_login(operator)
    response = client.post(
        reverse("admin:businesses_business_add"),
        admin_add_data(registered, name="Art Shop Sari", **{"owner-0-name": "Ni Made Sari"}),
    )
    assert response.status_code == 200
    assert (
        f"Kemungkinan duplikat: IKM dengan nama, pemilik dan desa yang sama sudah terdaftar (ID {registered.pk})"
        in (response.content.decode())
    )
    assert Business.objects.count() == 1


def test_admin_add_matches_letters_beyond_ascii_without_case(client, operator, bali_regions, kbli):
    registered = BusinessFactory(name="KAFÉ BALI", owner__name="NI LUH ÉKA", village=bali_regions.tuban)
    client.force_login(operator)
    response = client.post(
        reverse("admin:businesses_business_add"),
        admin_add_data(registered, name="kafé bali", **{"owner-0-name": "ni luh éka"}),
    )
    assert response.status_code == 200
    assert f"sudah terdaftar (ID {registered.pk})" in response.content.decode()
    assert Business.objects.count() == 1


def test_admin_edit_keeps_a_business_that_only_matches_itself(client, operator, bali_regions, kbli):
    business = BusinessFactory(name="KAFÉ BALI", owner__name="NI LUH ÉKA", village=bali_regions.tuban)
    client.force_login(operator)
    url = reverse("admin:businesses_business_change", args=[business.pk])
    response = client.post(url, business_form_data(business, name="Kafé Bali"))
    assert response.status_code == 302
    business.refresh_from_db()
    assert business.name == "Kafé Bali"


# --- imports -----------------------------------------------------------------------------------------------------


def test_import_refuses_a_hidden_character_naming_row_and_column(operator):
    plan = businesses_import_plan(
        source=io.BytesIO(csv_bytes([row(), row(1, nama_usaha=f"Batik{RLO} Sari")])),
        filename="ikm.csv",
        user=operator,
        year=YEAR,
    )
    [error] = plan.errors
    assert (error.row, error.column) == (3, "nama_usaha")
    assert "U+202E" in error.message


def test_import_matches_a_registered_business_written_in_another_unicode_form(operator, bali_regions):
    registered = BusinessFactory(name=CAFE_NFC, owner__name="Ni Made Sari", village=bali_regions.tuban, nib="")
    result = businesses_import(
        source=io.BytesIO(csv_bytes([row(nama_usaha=CAFE_NFD, nama_pemilik="Ni Made Sari", nib="")])),
        filename="ikm.csv",
        user=operator,
        year=YEAR,
    )
    assert result.created == 0
    assert list(Business.objects.all()) == [registered]


def test_import_matches_a_stored_name_that_holds_an_invisible_character(operator, bali_regions):
    """A name stored before the rule (here written past full_clean) still matches its clean spelling."""
    registered = BusinessFactory(owner__name="Ni Made Sari", village=bali_regions.tuban, nib="")
    Business.objects.filter(pk=registered.pk).update(name=f"Art Shop{ZWSP} Sari")
    plan = businesses_import_plan(
        source=io.BytesIO(csv_bytes([row(nama_usaha="Art Shop Sari", nama_pemilik="Ni Made Sari", nib="")])),
        filename="ikm.csv",
        user=operator,
        year=YEAR,
    )
    assert [outcome.business_id for outcome in plan.rows] == [registered.pk]


# --- self-registration -------------------------------------------------------------------------------------------


def test_self_registration_refuses_a_hidden_character_on_its_field(client, bali_regions, kbli):
    response = client.post(register_url(), form_data(bali_regions, name=f"Tenun{RLO} Sari"))
    assert response.status_code == 200
    assert "U+202E" in response.context["form"].errors["name"][0]
    assert not Business.objects.exists()


def test_self_registration_owner_field_error_lands_on_the_owner_field(client, bali_regions, kbli):
    response = client.post(register_url(), form_data(bali_regions, owner_name=f"Ni{ZWSP} Made"))
    assert response.status_code == 200
    assert "U+200B" in response.context["form"].errors["owner_name"][0]
    assert not Business.objects.exists()


def test_self_registration_of_a_registered_business_in_another_unicode_form_is_refused(client, bali_regions, kbli):
    BusinessFactory(
        name=CAFE_NFC, owner__name="Ni Made Sari", village=bali_regions.tuban, status=BusinessStatus.PUBLISHED
    )
    response = client.post(register_url(), form_data(bali_regions, name=CAFE_NFD))
    assert "sudah terdaftar" in response.context["form"].errors["name"][0]
    assert Business.objects.count() == 1


def test_self_registration_finds_a_stored_name_that_holds_an_invisible_character(client, bali_regions, kbli):
    registered = BusinessFactory(name="Art Shop Sari", owner__name="Ni Made Sari", village=bali_regions.tuban)
    Business.objects.filter(pk=registered.pk).update(name=f"Art Shop{ZWSP} Sari")
    response = client.post(register_url(), form_data(bali_regions, name="Art Shop Sari", owner_name="Ni Made Sari"))
    assert "sudah terdaftar" in response.context["form"].errors["name"][0]
    assert Business.objects.count() == 1


def test_self_registration_matches_letters_beyond_ascii_without_case(client, bali_regions, kbli):
    BusinessFactory(name="KAFÉ BALI", owner__name="NI MADE SARI", village=bali_regions.tuban)
    response = client.post(register_url(), form_data(bali_regions, name="kafé bali", owner_name="Ni Made Sari"))
    assert "sudah terdaftar" in response.context["form"].errors["name"][0]
    assert Business.objects.count() == 1


# --- NUL characters in requests ----------------------------------------------------------------------------------


def test_nul_in_an_admin_search_answers_400(client, operator):
    client.force_login(operator)
    response = client.get("/admin/businesses/business/?q=%00")
    assert response.status_code == 400
    assert "NUL" in response.content.decode()


@pytest.mark.parametrize(
    "address", ["/direktori/?q=batik%00", "/direktori/?wilayah%00=51", "/statistik/?wilayah=51%00", "/tentang/%00/"]
)
def test_nul_in_a_public_address_answers_400(client, db, address):
    assert client.get(address).status_code == 400


def test_nul_in_a_form_field_answers_400(client, bali_regions, kbli):
    response = client.post(register_url(), form_data(bali_regions, name="Tenun\x00Sari"))
    assert response.status_code == 400
    assert not Business.objects.exists()


def test_nul_in_a_login_answers_400(client, db):
    response = client.post("/admin/login/", {"username": "admin\x00", "password": "x"})
    assert response.status_code == 400
