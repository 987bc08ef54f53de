"""Region scoping on every admin path: an operator of Badung (51.03) versus records in Denpasar (51.71)."""

import json

import pytest
from django.urls import reverse
from pytest_django.asserts import assertContains

from businesses.choices import BusinessStatus
from businesses.models import Business, BusinessYear
from ikm_registry.choices import StaffRole
from tests.admin_forms import business_form_data
from tests.factories import (
    BusinessFactory,
    BusinessYearFactory,
    SentraFactory,
    UserFactory,
    make_kbli,
    make_village,
    staff_user,
)

BADUNG_VILLAGE = "51.03.01.1001"
DENPASAR_VILLAGE = "51.71.01.1001"


@pytest.fixture
def world(db):
    badung_village = make_village(BADUNG_VILLAGE, "Tuban")
    denpasar_village = make_village(DENPASAR_VILLAGE, "Serangan")
    make_kbli("13134")
    badung = BusinessFactory(name="Batik Tuban", village=badung_village)
    denpasar = BusinessFactory(name="Batik Serangan", village=denpasar_village)
    return {
        "badung": badung,
        "denpasar": denpasar,
        "badung_village": badung_village,
        "denpasar_village": denpasar_village,
        "badung_sentra": SentraFactory(name="Sentra Tuban", village=badung_village),
        "denpasar_sentra": SentraFactory(name="Sentra Serangan", village=denpasar_village),
    }


@pytest.fixture
def operator_client(client, world):
    client.force_login(staff_user(StaffRole.OPERATOR, "51.03", username="operator.badung"))
    return client


def change_url(obj):
    return reverse(f"admin:{obj._meta.app_label}_{obj._meta.model_name}_change", args=[obj.pk])


def autocomplete(client, field_name, term, model_name="business"):
    response = client.get(
        reverse("admin:autocomplete"),
        {"app_label": "businesses", "model_name": model_name, "field_name": field_name, "term": term},
    )
    assert response.status_code == 200
    return [item["text"] for item in json.loads(response.content)["results"]]


class TestOperatorOfAnotherRegency:
    def test_list_shows_only_own_regency(self, operator_client, world):
        response = operator_client.get(reverse("admin:businesses_business_changelist"))
        assert response.status_code == 200
        names = [business.name for business in response.context["cl"].result_list]
        assert names == ["Batik Tuban"]

    def test_change_view_of_other_regency_is_404(self, operator_client, world):
        assert operator_client.get(change_url(world["badung"])).status_code == 200
        assert operator_client.get(change_url(world["denpasar"])).status_code == 404

    def test_change_post_to_other_regency_is_404_and_writes_nothing(self, operator_client, world):
        business = world["denpasar"]
        response = operator_client.post(change_url(business), business_form_data(business, name="Diubah"))
        assert response.status_code == 404
        business.refresh_from_db()
        assert business.name == "Batik Serangan"

    def test_delete_view_of_other_regency_is_404(self, operator_client, world):
        url = reverse("admin:businesses_business_delete", args=[world["denpasar"].pk])
        assert operator_client.get(url).status_code == 404
        assert operator_client.post(url, {"post": "yes"}).status_code == 404
        assert Business.objects.filter(pk=world["denpasar"].pk).exists()

    def test_delete_view_of_own_regency_works(self, operator_client, world):
        draft = BusinessFactory(name="Draf Tuban", village=world["badung_village"], status=BusinessStatus.DRAFT)
        url = reverse("admin:businesses_business_delete", args=[draft.pk])
        assert operator_client.get(url).status_code == 200
        assert operator_client.post(url, {"post": "yes"}).status_code == 302
        assert not Business.objects.filter(pk=draft.pk).exists()

    def test_history_view_of_other_regency_is_404(self, operator_client, world):
        url = reverse("admin:businesses_business_history", args=[world["denpasar"].pk])
        assert operator_client.get(url).status_code == 404

    def test_bulk_delete_action_ignores_other_regency(self, operator_client, world):
        foreign = BusinessFactory(name="Draf Serangan", village=world["denpasar_village"], status=BusinessStatus.DRAFT)
        own = BusinessFactory(name="Draf Tuban", village=world["badung_village"], status=BusinessStatus.DRAFT)
        response = operator_client.post(
            reverse("admin:businesses_business_changelist"),
            {"action": "delete_selected", "_selected_action": [foreign.pk, own.pk], "post": "yes"},
        )
        assert response.status_code == 302
        assert Business.objects.filter(pk=foreign.pk).exists()
        assert not Business.objects.filter(pk=own.pk).exists()

    def test_village_autocomplete_offers_only_own_regency(self, operator_client, world):
        assert autocomplete(operator_client, "village", "Tuban") == ["Kelurahan Tuban, Kec. Kuta, Kabupaten Badung"]
        assert autocomplete(operator_client, "village", "Serangan") == []

    def test_village_autocomplete_offers_only_villages(self, operator_client, world):
        # "Kuta" is both a kecamatan and, in the fixture's tree, the parent of Tuban; only villages are offered.
        assert all(text.startswith(("Desa", "Kelurahan")) for text in autocomplete(operator_client, "village", "Ku"))

    def test_sentra_autocomplete_offers_only_own_regency(self, operator_client, world):
        assert autocomplete(operator_client, "sentra", "Sentra") == ["Sentra Tuban"]

    def test_form_choices_exclude_other_regency(self, operator_client, world):
        response = operator_client.get(reverse("admin:businesses_business_add"))
        form = response.context["adminform"].form
        assert list(form.fields["village"].queryset.values_list("code", flat=True)) == [BADUNG_VILLAGE]
        assert list(form.fields["sentra"].queryset) == [world["badung_sentra"]]

    def test_cannot_move_own_business_into_other_regency(self, operator_client, world):
        business = world["badung"]
        response = operator_client.post(change_url(business), business_form_data(business, village=DENPASAR_VILLAGE))
        assert response.status_code == 200  # the form comes back with an error
        assert "village" in response.context["adminform"].form.errors
        business.refresh_from_db()
        assert business.village_id == BADUNG_VILLAGE

    def test_can_edit_own_business(self, operator_client, world):
        business = world["badung"]
        response = operator_client.post(change_url(business), business_form_data(business, name="Batik Tuban Jaya"))
        assert response.status_code == 302, response.context and response.context["adminform"].form.errors
        business.refresh_from_db()
        assert business.name == "Batik Tuban Jaya"

    def test_cannot_attach_other_regency_sentra(self, operator_client, world):
        business = world["badung"]
        data = business_form_data(business, sentra=world["denpasar_sentra"].pk)
        response = operator_client.post(change_url(business), data)
        assert "sentra" in response.context["adminform"].form.errors
        business.refresh_from_db()
        assert business.sentra_id is None

    def test_sentra_list_and_change_are_scoped(self, operator_client, world):
        response = operator_client.get(reverse("admin:businesses_sentra_changelist"))
        assert [sentra.name for sentra in response.context["cl"].result_list] == ["Sentra Tuban"]
        assert operator_client.get(change_url(world["denpasar_sentra"])).status_code == 404
        assert operator_client.get(change_url(world["badung_sentra"])).status_code == 200

    def test_region_list_is_scoped(self, operator_client, world):
        response = operator_client.get(reverse("admin:ikm_registry_region_changelist"))
        codes = {region.code for region in response.context["cl"].result_list}
        assert BADUNG_VILLAGE in codes
        assert DENPASAR_VILLAGE not in codes

    def test_home_counts_only_own_regency(self, operator_client, world):
        BusinessFactory(village=world["denpasar_village"], status=BusinessStatus.SUBMITTED)
        response = operator_client.get(reverse("admin:index"))
        attention = response.context["attention"]
        assert attention["total"] == 1
        assert response.context["scope_label"] == "Kabupaten Badung"  # the core's line above the panels
        assert attention["submitted_oldest"] == []


class TestRoles:
    def test_province_staff_sees_every_regency(self, client, world):
        client.force_login(staff_user(StaffRole.PROVINCE, "51", username="staf.bali"))
        response = client.get(reverse("admin:businesses_business_changelist"))
        assert {business.name for business in response.context["cl"].result_list} == {"Batik Tuban", "Batik Serangan"}
        assert client.get(change_url(world["denpasar"])).status_code == 200

    def test_official_reads_but_cannot_change(self, client, world):
        client.force_login(staff_user(StaffRole.OFFICIAL, "51.03", username="kabid.badung"))
        business = world["badung"]
        response = client.get(change_url(business))
        assert response.status_code == 200
        assert not response.context["has_change_permission"]
        assert client.post(change_url(business), business_form_data(business, name="X")).status_code == 403
        assert client.get(reverse("admin:businesses_business_add")).status_code == 403
        delete = reverse("admin:businesses_business_delete", args=[business.pk])
        assert client.get(delete).status_code == 403
        business.refresh_from_db()
        assert business.name == "Batik Tuban"

    def test_official_does_not_see_other_regency(self, client, world):
        client.force_login(staff_user(StaffRole.OFFICIAL, "51.03", username="kabid.badung"))
        assert client.get(change_url(world["denpasar"])).status_code == 404

    def test_staff_without_office_is_denied(self, client, world):
        client.force_login(UserFactory(is_staff=True, username="tanpa.kantor"))
        assert client.get(reverse("admin:businesses_business_changelist")).status_code == 403
        assert client.get(change_url(world["badung"])).status_code == 403

    def test_non_staff_is_sent_to_login(self, client, world):
        client.force_login(UserFactory(is_staff=False, username="warga"))
        response = client.get(reverse("admin:businesses_business_changelist"))
        assert response.status_code == 302
        assert reverse("admin:login") in response["Location"]

    def test_operator_cannot_edit_reference_data(self, operator_client, world):
        assert operator_client.get(reverse("admin:ikm_registry_kbli_changelist")).status_code == 200
        assert operator_client.get(reverse("admin:ikm_registry_kbli_add")).status_code == 403
        assert operator_client.get(reverse("admin:ikm_registry_region_add")).status_code == 403

    def test_operator_reads_own_office_only(self, operator_client, world):
        staff_user(StaffRole.OPERATOR, "51.71", username="operator.denpasar")
        response = operator_client.get(reverse("admin:ikm_registry_office_changelist"))
        assert [office.region_id for office in response.context["cl"].result_list] == ["51.03"]


class TestInlinesAndFilters:
    def test_yearly_figures_show_derived_scale(self, operator_client, world):
        BusinessYearFactory(business=world["badung"], year=2024, workforce_male=3, workforce_female=3)
        response = operator_client.get(change_url(world["badung"]))
        assert response.status_code == 200
        assertContains(response, '<td class="field-bps_scale"><p>Kecil</p></td>', html=True)

    def test_scale_filter_uses_latest_year(self, operator_client, world):
        other = BusinessFactory(name="Perak Kuta", village=world["badung_village"])
        BusinessYearFactory(business=world["badung"], year=2023, workforce_male=30, workforce_female=0)
        BusinessYearFactory(business=world["badung"], year=2024, workforce_male=2, workforce_female=0)
        BusinessYearFactory(business=other, year=2024, workforce_male=25, workforce_female=0)
        response = operator_client.get(reverse("admin:businesses_business_changelist"), {"skala": "sedang"})
        assert [business.name for business in response.context["cl"].result_list] == ["Perak Kuta"]

    def test_district_filter_offered_for_own_regency(self, operator_client, world):
        response = operator_client.get(reverse("admin:businesses_business_changelist"))
        titles = [spec.title for spec in response.context["cl"].filter_specs if spec.has_output()]
        assert "kecamatan" in titles
        assert "kabupaten/kota" not in titles  # one regency: nothing to choose

    def test_kbli_division_filter(self, operator_client, world):
        make_kbli("32112")
        BusinessFactory(name="Perak Jimbaran", village=world["badung_village"], kbli_id="32112")
        make_kbli("10794")
        BusinessFactory(name="Keripik Serangan", village=world["denpasar_village"], kbli_id="10794")
        response = operator_client.get(reverse("admin:businesses_business_changelist"), {"kbli": "32"})
        assert [business.name for business in response.context["cl"].result_list] == ["Perak Jimbaran"]
        (spec,) = [
            spec for spec in response.context["cl"].filter_specs if getattr(spec, "parameter_name", "") == "kbli"
        ]
        # Divisions of the businesses the operator can see; 10 exists only in Denpasar.
        assert [code for code, _label in spec.lookup_choices] == ["13", "32"]

    def test_duplicate_by_name_owner_village_is_refused(self, operator_client, world):
        existing = world["badung"]
        response = operator_client.post(
            reverse("admin:businesses_business_add"),
            {
                **business_form_data(existing),
                "name": "  batik   TUBAN ",
                "owner-INITIAL_FORMS": "0",
                "owner-0-id": "",
                "owner-0-business": "",
                "owner-0-name": existing.owner.name.upper(),
            },
        )
        assert response.status_code == 200
        assert "Kemungkinan duplikat" in response.content.decode()
        assert Business.objects.filter(name__iexact="batik tuban").count() == 1

    def test_adding_a_business_records_its_creator(self, operator_client, world):
        data = business_form_data(world["badung"], name="Tenun Baru")
        data.update(
            {"owner-INITIAL_FORMS": "0", "owner-0-id": "", "owner-0-business": "", "owner-0-name": "Ni Made Sari"}
        )
        response = operator_client.post(reverse("admin:businesses_business_add"), data)
        assert response.status_code == 302
        created = Business.objects.get(name="Tenun Baru")
        assert created.created_by.username == "operator.badung"
        assert created.owner.name == "Ni Made Sari"

    def test_inline_yearly_figures_reject_negative(self, operator_client, world):
        business = world["badung"]
        data = business_form_data(business)
        data.update(
            {
                "years-TOTAL_FORMS": "1",
                "years-0-year": "2024",
                "years-0-workforce_male": "1",
                "years-0-workforce_female": "0",
                "years-0-investment": "-5",
            }
        )
        response = operator_client.post(change_url(business), data)
        assert response.status_code == 200
        assert "Nilai tidak boleh negatif." in response.content.decode()
        assert not BusinessYear.objects.filter(business=business).exists()


def test_no_foreign_key_to_a_large_table_renders_as_a_dropdown():
    """Regions (91k rows) and KBLI (2.7k) are always chosen by autocomplete, never a <select> of every row."""
    from django.contrib import admin as django_admin

    from ikm_registry.models import Kbli, Region

    def large_foreign_keys(model):
        return [
            field.name
            for field in model._meta.get_fields()
            if field.many_to_one and field.editable and field.related_model in (Region, Kbli)
        ]

    checked = 0
    for model, model_admin in django_admin.site._registry.items():
        for owner, model_class in [(model_admin, model)] + [(inline, inline.model) for inline in model_admin.inlines]:
            for name in large_foreign_keys(model_class):
                assert name in owner.autocomplete_fields, f"{getattr(owner, '__name__', type(owner).__name__)}.{name}"
                checked += 1
    assert checked >= 6  # business, sentra, office, region and KBLI parents
