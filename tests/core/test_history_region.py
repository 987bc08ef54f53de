"""Issue 9.12: history access follows the record's current (or, once deleted, last) region, and a sentra's members lie
in the sentra's region — a region that once held a record, or whose sentra a foreign business was put into, sees
nothing of it."""

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from pytest_django.asserts import assertContains, assertNotContains

from businesses.choices import BusinessStatus
from businesses.models import Business
from ikm_registry.choices import StaffRole
from ikm_registry.history import attribute
from tests.admin_forms import change_form_data
from tests.factories import BusinessFactory, SentraFactory, make_kbli, make_village, staff_user


@pytest.fixture
def places(db):
    make_kbli("13134")
    return {
        "tuban": make_village("51.03.01.1001", "Tuban"),
        "serangan": make_village("51.71.01.1001", "Serangan"),
    }


@pytest.fixture
def users(places):
    return {
        "badung": staff_user(StaffRole.OPERATOR, "51.03", username="operator.badung"),
        "denpasar": staff_user(StaffRole.OPERATOR, "51.71", username="operator.denpasar"),
        "bali": staff_user(StaffRole.PROVINCE, "51", username="staf.bali"),
    }


def as_user(client, user):
    client.force_login(user)
    return client


def history_urls(pk, record):
    return [
        reverse("admin:businesses_business_history", args=[pk]),
        reverse("admin:businesses_business_simple_history", args=[pk, record.history_id]),
    ]


@pytest.fixture
def moved_then_deleted(places, users):
    """Entered in Badung, moved to Denpasar by province staff, then deleted there as a draft."""
    business = BusinessFactory(name="Tenun Pindahan", village=places["tuban"], status=BusinessStatus.DRAFT)
    first = business.history.get()
    business.village = places["serangan"]
    attribute(business, users["bali"], "Pindah ke Denpasar").save()
    pk = business.pk
    attribute(business, users["denpasar"], "Data ganda").delete()
    return pk, first


def test_a_region_that_once_held_a_deleted_record_sees_none_of_its_history(client, users, moved_then_deleted):
    pk, first_version = moved_then_deleted
    badung = as_user(client, users["badung"])
    for url in history_urls(pk, first_version):
        assert badung.get(url).status_code == 404, url
    # nor may it restore it
    assert badung.post(history_urls(pk, first_version)[1], {}).status_code == 404
    assert not Business.objects.filter(pk=pk).exists()


def test_the_region_that_held_it_last_still_reads_it(client, users, moved_then_deleted):
    pk, first_version = moved_then_deleted
    response = as_user(client, users["denpasar"]).get(history_urls(pk, first_version)[0])
    assert response.status_code == 200
    assertContains(response, "Tenun Pindahan")


def test_a_moved_live_record_belongs_to_its_new_region(client, places, users):
    business = BusinessFactory(name="Tenun Pindahan", village=places["tuban"])
    first = business.history.get()
    business.village = places["serangan"]
    attribute(business, users["bali"], "Pindah").save()
    for url in history_urls(business.pk, first):
        assert as_user(client, users["badung"]).get(url).status_code == 404
    assert as_user(client, users["denpasar"]).get(history_urls(business.pk, first)[0]).status_code == 200


class TestSentraMembers:
    def test_a_business_cannot_join_a_sentra_of_another_regency(self, places):
        sentra = SentraFactory(name="Sentra Endek Tuban", village=places["tuban"], kbli_id="13134")
        business = BusinessFactory(name="Endek Serangan", village=places["serangan"])
        business.sentra = sentra
        with pytest.raises(ValidationError) as refused:
            business.full_clean()
        assert "kabupaten/kota yang sama" in refused.value.message_dict["sentra"][0]

    def test_nor_through_the_admin_as_province_staff(self, client, places, users):
        sentra = SentraFactory(name="Sentra Endek Tuban", village=places["tuban"], kbli_id="13134")
        business = BusinessFactory(name="Endek Serangan", village=places["serangan"])
        province = as_user(client, users["bali"])
        url = reverse("admin:businesses_business_change", args=[business.pk])
        response = province.post(url, change_form_data(province, url, sentra=sentra.pk))
        assert response.status_code == 200
        assert "sentra" in response.context["adminform"].form.errors
        business.refresh_from_db()
        assert business.sentra is None

    def test_a_sentra_in_the_same_regency_is_fine(self, places):
        sentra = SentraFactory(name="Sentra Endek Tuban", village=places["tuban"], kbli_id="13134")
        business = BusinessFactory(name="Endek Kuta", village=make_village("51.03.01.1002", "Kuta"))
        business.sentra = sentra
        business.full_clean()

    def test_a_foreign_member_already_recorded_is_not_shown_to_the_sentra_region(self, client, places, users):
        sentra = SentraFactory(name="Sentra Endek Tuban", village=places["tuban"], kbli_id="13134")
        BusinessFactory(name="Endek Tuban Asli", village=places["tuban"], sentra=sentra)
        foreign = BusinessFactory(name="Endek Serangan", village=places["serangan"])
        Business.objects.filter(pk=foreign.pk).update(sentra=sentra)  # recorded before the rule existed
        response = as_user(client, users["badung"]).get(reverse("admin:businesses_sentra_change", args=[sentra.pk]))
        assertContains(response, "Endek Tuban Asli")
        assertNotContains(response, "Endek Serangan")

    def test_the_upgrade_ends_memberships_across_regencies_and_says_why(self, places):
        import importlib

        from django.apps import apps

        migration = importlib.import_module("businesses.migrations.0014_detach_sentra_members_of_other_regencies")
        sentra = SentraFactory(name="Sentra Endek Tuban", village=places["tuban"], kbli_id="13134")
        own = BusinessFactory(name="Endek Tuban Asli", village=places["tuban"], sentra=sentra)
        foreign = BusinessFactory(name="Endek Serangan", village=places["serangan"])
        Business.objects.filter(pk=foreign.pk).update(sentra=sentra)  # recorded before the rule existed

        migration.detach(apps, None)

        foreign.refresh_from_db()
        own.refresh_from_db()
        assert (foreign.sentra, own.sentra) == (None, sentra)
        version = foreign.history.order_by("history_id").last()
        assert (version.sentra_id, version.history_change_reason) == (None, migration.REASON)
        assert version.history_user is None
        assert own.history.count() == 1  # untouched
