"""Change history: who changed what (field by field), shown on the record's Riwayat page, restorable, region-scoped.

The Badung operator (51.03) works on "Batik Tuban"; "Batik Serangan" lies in Denpasar (51.71).
"""

import pytest
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from pytest_django.asserts import assertContains, assertNotContains

from businesses.choices import BusinessStatus
from businesses.models import Business, BusinessYear, Owner, Product
from ikm_registry.admin_base import ScopedModelAdmin
from ikm_registry.choices import StaffRole
from ikm_registry.history import attribute, attributed
from ikm_registry.models import Office, StaffMembership
from tests.admin_forms import business_form_data
from tests.factories import (
    BusinessFactory,
    BusinessYearFactory,
    ProductFactory,
    SentraFactory,
    SentraOfficerFactory,
    UserFactory,
    make_kbli,
    make_village,
    office_for,
    staff_user,
)

NIK = "5103014508901114"  # a woman born 5 Aug 1990 in Kuta, Badung
OTHER_NIK = "5103015508901115"
MASKED_NIK = "5103••••••••1114"
MASKED_OTHER_NIK = "5103••••••••1115"
YEAR = 2024
YEAR_FIELDS = [
    "year",
    "workforce_male",
    "workforce_female",
    "investment",
    "turnover",
    "production_capacity",
    "capacity_unit",
    "production_value",
]


@pytest.fixture
def world(db):
    make_kbli("13134")
    badung = BusinessFactory(
        name="Batik Tuban", village=make_village("51.03.01.1001", "Tuban"), owner__nik=NIK, owner__name="Ni Made Sari"
    )
    BusinessYearFactory(business=badung, year=YEAR, investment=50_000_000)
    denpasar = BusinessFactory(name="Batik Serangan", village=make_village("51.71.01.1001", "Serangan"))
    return {"badung": badung, "denpasar": denpasar}


@pytest.fixture
def operator(world):
    return staff_user(StaffRole.OPERATOR, "51.03", username="operator.badung")


@pytest.fixture
def operator_client(client, operator):
    client.force_login(operator)
    return client


@pytest.fixture
def official_client(client, world):
    client.force_login(staff_user(StaffRole.OFFICIAL, "51.03", username="kabid.badung"))
    return client


def admin_url(obj, view, *args):
    return reverse(f"admin:{obj._meta.app_label}_{obj._meta.model_name}_{view}", args=[obj.pk, *args])


def history_url(obj):
    return admin_url(obj, "history")


def version_url(obj, record):
    return admin_url(obj, "simple_history", record.history_id)


def child_version_url(parent, record):
    return admin_url(parent, "history_child", record.instance._meta.model_name, record.history_id)


def change_data(business, **changes):
    """POST data for the business change form: the business, its owner and yearly figures as they are, + `changes`."""
    data = business_form_data(business)
    owner = business.owner
    for name in ("nik", "phone", "email", "home_address"):
        data[f"owner-0-{name}"] = getattr(owner, name)
    years = list(business.years.all())
    data.update({"years-TOTAL_FORMS": str(len(years)), "years-INITIAL_FORMS": str(len(years))})
    for index, year in enumerate(years):
        data[f"years-{index}-id"] = year.pk
        data[f"years-{index}-business"] = business.pk
        for name in YEAR_FIELDS:
            value = getattr(year, name)
            data[f"years-{index}-{name}"] = "" if value is None else value
    data.update(changes)
    return data


def edit(client, business, **changes):
    response = client.post(admin_url(business, "change"), change_data(business, **changes))
    assert response.status_code == 302, getattr(response, "context", None) and response.context.get("errors")
    return response


def revert(client, url):
    """Post the version form as the browser would: the version's values, unchanged."""
    form = client.get(url).context["adminform"].form
    data = {name: "" if value is None else value for name, value in form.initial.items() if name in form.fields}
    return client.post(url, data)


def move(business, village_code, user):
    business.village = make_village(village_code)
    attribute(business, user, "Pindah lokasi").save()


# --- admin edits write attributed, field-level history -------------------------------------------------------------


class TestAdminEditsAreRecorded:
    def test_business_edit_records_the_user(self, operator_client, operator, world):
        edit(operator_client, world["badung"], name="Batik Tuban Asri")
        assert world["badung"].history.first().history_user == operator

    def test_business_edit_records_the_changed_field(self, operator_client, world):
        edit(operator_client, world["badung"], name="Batik Tuban Asri")
        latest = world["badung"].history.first()
        delta = latest.diff_against(latest.prev_record)
        assert [(c.field, c.old, c.new) for c in delta.changes] == [("name", "Batik Tuban", "Batik Tuban Asri")]

    def test_owner_inline_edit_records_the_user(self, operator_client, operator, world):
        edit(operator_client, world["badung"], **{"owner-0-phone": "0812 3456 7890"})
        owner_version = Owner.history.filter(business_id=world["badung"].pk).first()
        assert (owner_version.phone, owner_version.history_user) == ("0812 3456 7890", operator)

    def test_yearly_figure_inline_edit_records_user_and_change(self, operator_client, operator, world):
        edit(operator_client, world["badung"], **{"years-0-investment": "75.000.000"})
        latest = BusinessYear.history.filter(business_id=world["badung"].pk).first()
        delta = latest.diff_against(latest.prev_record)
        assert latest.history_user == operator
        assert [(c.field, c.old, c.new) for c in delta.changes] == [("investment", 50_000_000, 75_000_000)]


# --- the Riwayat page ----------------------------------------------------------------------------------------------


class TestHistoryPage:
    def test_shows_who_changed_a_yearly_figure_from_what_to_what(self, operator_client, world):
        edit(operator_client, world["badung"], **{"years-0-investment": "75.000.000"})
        response = operator_client.get(history_url(world["badung"]))
        assertContains(response, f"Data tahunan: {YEAR}")
        assertContains(response, "operator.badung")
        assertContains(
            response,
            '<strong>Nilai investasi (Rp):</strong> <span class="old">50.000.000</span>'
            '<span class="arrow" aria-label="menjadi">→</span><span class="new">75.000.000</span>',
            html=True,
        )

    def test_uses_verbose_names_and_choice_labels(self, operator_client, world):
        edit(operator_client, world["badung"], legal_form="cv")
        response = operator_client.get(history_url(world["badung"]))
        assertContains(response, "<strong>Bentuk usaha:</strong>", html=True)
        assertContains(response, '<span class="new">CV</span>', html=True)
        assertNotContains(response, "legal_form")

    def test_masks_the_nik(self, operator_client, world):
        edit(operator_client, world["badung"], **{"owner-0-nik": OTHER_NIK})
        response = operator_client.get(history_url(world["badung"]))
        assertContains(response, MASKED_NIK)
        assertContains(response, MASKED_OTHER_NIK)
        assertNotContains(response, NIK)
        assertNotContains(response, OTHER_NIK)

    def test_leaves_out_saves_that_changed_nothing(self, operator_client, world):
        edit(operator_client, world["badung"], **{"years-0-investment": "75.000.000"})  # the business is saved too
        response = operator_client.get(history_url(world["badung"]))
        parts = [entry.part for entry in response.context["page_obj"]]
        assert parts.count("IKM") == 1  # its creation, not the save without changes

    def test_shows_the_change_reason(self, operator_client, operator, world):
        business = world["badung"]
        business.main_product = "Kain endek"
        attribute(business, operator, "Koreksi hasil verifikasi lapangan").save()
        assertContains(operator_client.get(history_url(business)), "Koreksi hasil verifikasi lapangan")

    def test_queries_do_not_grow_with_rows(self, operator_client, operator, world):
        def queries_for_page():
            with CaptureQueriesContext(connection) as queries:
                assert operator_client.get(history_url(world["badung"])).status_code == 200
            return len(queries)

        year = world["badung"].years.get()

        def change_figures(times):
            for _ in range(times):
                year.investment += 1_000_000
                attribute(year, operator).save()
                ProductFactory(business=world["badung"])

        change_figures(1)
        few = queries_for_page()
        change_figures(10)
        assert queries_for_page() == few

    def test_version_page_shows_the_versions_changes(self, operator_client, world):
        edit(operator_client, world["badung"], name="Batik Tuban Asri")
        response = operator_client.get(version_url(world["badung"], world["badung"].history.first()))
        assertContains(response, "Yang diubah pada versi ini")
        assertContains(response, '<strong>Nama usaha:</strong> <span class="old">Batik Tuban</span>', html=False)

    def test_version_page_shows_what_a_revert_would_write(self, operator_client, world):
        edit(operator_client, world["badung"], name="Batik Tuban Asri")
        first = world["badung"].history.last()
        response = operator_client.get(version_url(world["badung"], first))
        assert [(c.field, c.old, c.new) for c in response.context["differences_from_current"]] == [
            ("Nama usaha", "Batik Tuban Asri", "Batik Tuban")
        ]

    def test_owner_version_page_masks_the_nik(self, operator_client, world):
        record = Owner.history.filter(business_id=world["badung"].pk).first()
        response = operator_client.get(child_version_url(world["badung"], record))
        assertContains(response, MASKED_NIK)
        assertNotContains(response, NIK)

    def test_sentra_history_includes_its_officers(self, operator_client, world):
        sentra = SentraFactory(name="Sentra Tuban", village=world["badung"].village)
        SentraOfficerFactory(sentra=sentra, position="Ketua", name="I Wayan Dana")
        assertContains(operator_client.get(history_url(sentra)), "Pengurus sentra: Ketua: I Wayan Dana")

    def test_history_of_a_deleted_business_is_kept(self, operator_client, world):
        business = world["badung"]
        Business.objects.filter(pk=business.pk).update(status=BusinessStatus.DRAFT)  # a checked one is not deleted
        assert operator_client.post(admin_url(business, "delete"), {"post": "yes"}).status_code == 302
        response = operator_client.get(history_url(business))
        assertContains(response, "Data ini sudah dihapus")

    def test_region_history_still_uses_the_admin_log(self, admin_client, world):
        # Regions keep no simple-history; their Riwayat page is Django's own.
        region = world["badung"].village
        assert admin_client.get(history_url(region)).status_code == 200

    def test_office_history_page_lists_its_changes(self, admin_client, world):
        office = office_for("51.03")
        office.phone = "0361 123456"
        office.save()
        assertContains(admin_client.get(history_url(office)), '<span class="new">0361 123456</span>', html=True)


# --- scoping on every history path -----------------------------------------------------------------------------------


class TestOtherRegency:
    def test_history_list_is_404(self, operator_client, world):
        assert operator_client.get(history_url(world["denpasar"])).status_code == 404

    def test_version_page_is_404(self, operator_client, world):
        record = world["denpasar"].history.first()
        assert operator_client.get(version_url(world["denpasar"], record)).status_code == 404

    def test_revert_is_404_and_writes_nothing(self, operator_client, world):
        business = world["denpasar"]
        record = business.history.first()
        response = operator_client.post(version_url(business, record), {"name": "Diubah", "village": "51.71.01.1001"})
        assert response.status_code == 404
        business.refresh_from_db()
        assert business.name == "Batik Serangan"

    def test_inline_version_page_is_404(self, operator_client, world):
        record = Owner.history.filter(business_id=world["denpasar"].pk).first()
        assert operator_client.get(child_version_url(world["denpasar"], record)).status_code == 404

    def test_inline_version_of_another_business_is_404(self, operator_client, world):
        # A version of Denpasar's owner asked for under the Badung business's URL.
        record = Owner.history.filter(business_id=world["denpasar"].pk).first()
        assert operator_client.get(child_version_url(world["badung"], record)).status_code == 404

    def test_deleted_business_history_is_404(self, operator_client, world):
        business = world["denpasar"]
        Business.objects.filter(pk=business.pk).delete()
        assert operator_client.get(history_url(business)).status_code == 404

    def test_staff_without_office_is_denied(self, client, world):
        client.force_login(UserFactory(is_staff=True))
        assert client.get(history_url(world["badung"])).status_code == 403


class TestOfficial:
    def test_sees_history(self, official_client, world):
        assert official_client.get(history_url(world["badung"])).status_code == 200

    def test_version_page_has_no_revert_button(self, official_client, world):
        response = official_client.get(version_url(world["badung"], world["badung"].history.first()))
        assert response.status_code == 200
        assertNotContains(response, 'name="_save"')

    def test_revert_is_refused(self, official_client, world):
        business = world["badung"]
        first = business.history.last()
        Business.objects.filter(pk=business.pk).update(name="Diubah")
        response = official_client.post(
            version_url(business, first), {"name": "Batik Tuban", "legal_form": "perorangan"}
        )
        assert response.status_code == 403
        business.refresh_from_db()
        assert business.name == "Diubah"

    def test_inline_restore_is_refused(self, official_client, world):
        record = BusinessYear.history.filter(business_id=world["badung"].pk).first()
        assert official_client.post(child_version_url(world["badung"], record)).status_code == 403


class TestOperatorReverts:
    def test_value_comes_back(self, operator_client, world):
        business = world["badung"]
        edit(operator_client, business, name="Batik Tuban Asri")
        response = revert(operator_client, version_url(business, business.history.last()))
        assert response.status_code == 302
        business.refresh_from_db()
        assert business.name == "Batik Tuban"

    def test_revert_writes_a_history_row_with_user_and_reason(self, operator_client, operator, world):
        business = world["badung"]
        edit(operator_client, business, name="Batik Tuban Asri")
        revert(operator_client, version_url(business, business.history.last()))
        latest = business.history.first()
        assert (latest.name, latest.history_user) == ("Batik Tuban", operator)
        assert latest.history_change_reason.startswith("Dikembalikan ke versi ")

    def test_revert_keeps_the_workflow_status(self, operator_client, world):
        business = world["badung"]
        first = business.history.last()  # created as verified
        Business.objects.filter(pk=business.pk).update(status=BusinessStatus.INACTIVE)
        revert(operator_client, version_url(business, first))
        business.refresh_from_db()
        assert business.status == BusinessStatus.INACTIVE

    def test_version_located_outside_the_region_has_no_revert_button(self, operator_client, world, admin_user):
        business = world["denpasar"]
        move(business, "51.03.01.1002", admin_user)  # now in Badung; its first version lies in Denpasar
        response = operator_client.get(version_url(business, business.history.last()))
        assert response.status_code == 200
        assertNotContains(response, 'name="_save"')
        assertContains(response, "di luar wilayah Anda")

    def test_version_located_outside_the_region_is_not_restored(self, operator_client, world, admin_user):
        business = world["denpasar"]
        move(business, "51.03.01.1002", admin_user)
        first = business.history.last()
        response = operator_client.post(
            version_url(business, first), {"name": "Batik Serangan", "village": "51.71.01.1001"}
        )
        assert response.status_code == 403
        business.refresh_from_db()
        assert business.village_id == "51.03.01.1002"

    def test_refusal_after_the_write_rolls_the_revert_back(self, operator_client, world, monkeypatch):
        business = world["badung"]
        edit(operator_client, business, name="Batik Tuban Asri")

        def refuse(self, request, obj):
            raise PermissionDenied

        monkeypatch.setattr(ScopedModelAdmin, "recheck_after_write", refuse)
        response = revert(operator_client, version_url(business, business.history.last()))
        assert response.status_code == 403
        business.refresh_from_db()
        assert business.name == "Batik Tuban Asri"

    def test_restores_a_yearly_figure(self, operator_client, world):
        business = world["badung"]
        edit(operator_client, business, **{"years-0-investment": "75.000.000"})
        first = BusinessYear.history.filter(business_id=business.pk).last()
        response = operator_client.post(child_version_url(business, first))
        assert response.status_code == 302
        assert BusinessYear.objects.get(business=business, year=YEAR).investment == 50_000_000

    def test_restoring_a_yearly_figure_is_attributed(self, operator_client, operator, world):
        business = world["badung"]
        edit(operator_client, business, **{"years-0-investment": "75.000.000"})
        operator_client.post(child_version_url(business, BusinessYear.history.filter(business_id=business.pk).last()))
        latest = BusinessYear.history.filter(business_id=business.pk).first()
        assert latest.history_user == operator
        assert latest.history_change_reason.startswith("Dikembalikan ke versi ")

    def test_restores_a_deleted_product(self, operator_client, world):
        product = ProductFactory(business=world["badung"], name="Kain batik tulis")
        product_id = product.pk
        product.delete()
        deleted = Product.history.filter(id=product_id).first()
        operator_client.post(child_version_url(world["badung"], deleted))
        assert Product.objects.filter(pk=product_id, name="Kain batik tulis").exists()

    def test_restore_that_breaks_a_rule_says_why(self, operator_client, world):
        business = world["badung"]
        year = business.years.get()
        year_id = year.pk
        year.delete()
        BusinessYearFactory(business=business, year=YEAR)  # the year has been entered again since
        deleted = BusinessYear.history.filter(id=year_id).first()
        response = operator_client.post(child_version_url(business, deleted), follow=True)
        assertContains(response, "Data tahun ini sudah ada untuk IKM tersebut.")
        assert business.years.count() == 1


# --- attribution for services and commands ---------------------------------------------------------------------------


class TestAttribution:
    def test_attribute_sets_user_and_reason(self, world, admin_user):
        business = world["badung"]
        business.main_product = "Kain endek"
        attribute(business, admin_user, "Impor 2024").save()
        latest = business.history.first()
        assert (latest.history_user, latest.history_change_reason) == (admin_user, "Impor 2024")

    def test_attributed_block_covers_every_save_and_delete(self, world, admin_user):
        with attributed(admin_user, "Pembersihan data"):
            world["badung"].save()
            world["denpasar"].delete()
        rows = [Business.history.filter(id=world["badung"].pk).first(), Business.history.filter(history_type="-").get()]
        assert [(row.history_user, row.history_change_reason) for row in rows] == [(admin_user, "Pembersihan data")] * 2

    def test_attribute_wins_over_the_block(self, world, admin_user, operator):
        with attributed(admin_user, "Impor"):
            attribute(world["badung"], operator, "Koreksi").save()
        latest = world["badung"].history.first()
        assert (latest.history_user, latest.history_change_reason) == (operator, "Koreksi")

    def test_block_ends_with_the_block(self, world, admin_user):
        with attributed(admin_user, "Impor"):
            pass
        world["badung"].save()
        assert world["badung"].history.first().history_user is None

    def test_long_reason_is_shortened_to_fit(self, world, admin_user):
        attribute(world["badung"], admin_user, "x" * 300).save()
        assert len(world["badung"].history.first().history_change_reason) == 100


class TestOfficesAndStaffHaveHistory:
    def test_office_change_is_recorded(self, world, admin_user):
        office = office_for("51.03")
        office.head_name = "I Made Wirawan"
        attribute(office, admin_user, "Pergantian kepala dinas").save()
        latest = Office.history.filter(id=office.pk).first()
        assert (latest.head_name, latest.history_user) == ("I Made Wirawan", admin_user)

    def test_staff_membership_change_is_recorded(self, operator, admin_user):
        membership = operator.membership
        membership.role = StaffRole.OFFICIAL
        attribute(membership, admin_user, "Mutasi jabatan").save()
        latest = StaffMembership.history.filter(id=membership.pk).first()
        assert [latest.role, latest.prev_record.role] == [StaffRole.OFFICIAL, StaffRole.OPERATOR]
        assert latest.history_user == admin_user
