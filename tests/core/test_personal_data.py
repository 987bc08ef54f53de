"""Issue 9.9: one rule for personal data — the role decides which personal fields are shown, masked, searchable and
exported, on the change pages, the list search, the history pages and the exports alike."""

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse
from pytest_django.asserts import assertContains, assertNotContains

from businesses.models import Owner, SentraOfficer
from ikm_registry.choices import StaffRole
from ikm_registry.history import attribute
from ikm_registry.personal_data import FULL_ACCESS, RESTRICTED_ACCESS, mask, personal_data_access, personal_fields
from tests.factories import BusinessFactory, SentraFactory, UserFactory, make_kbli, make_village, staff_user

NIK = "5103015508850001"
PHONE = "081234567890"
EMAIL = "ni.made.sari@example.com"
HOME = "Jl. Kenanga Gg. II No. 7, Banjar Pemamoran"
OFFICER_PHONE = "085737001122"


@pytest.fixture
def business(db):
    make_kbli("13134")
    tuban = make_village("51.03.01.1001", "Tuban")
    business = BusinessFactory(name="Endek Sari", village=tuban, owner__name="Ni Made Sari")
    owner = business.owner
    owner.nik, owner.phone, owner.email, owner.home_address = NIK, PHONE, EMAIL, HOME
    attribute(owner, None, "data awal").save()
    owner.phone = "081299990000"
    owner.email = "sari.baru@example.com"
    owner.home_address = "Jl. Melati No. 3"
    attribute(owner, None, "kontak baru").save()
    return business


def client_for(client, role):
    if role == "superuser":
        user = get_user_model().objects.create_superuser("admin", "admin@example.org", "x")
    else:
        region = {"operator": "51.03", "official": "51.03", "province": "51", "national": "51"}[role]
        user = staff_user(role, region, username=f"user.{role}")
    client.force_login(user)
    return client


def change_url(obj):
    return reverse(f"admin:{obj._meta.app_label}_{obj._meta.model_name}_change", args=[obj.pk])


@pytest.mark.parametrize(
    ("role", "expected"),
    [
        ("superuser", FULL_ACCESS),
        (StaffRole.NATIONAL, FULL_ACCESS),
        (StaffRole.PROVINCE, FULL_ACCESS),
        (StaffRole.OPERATOR, FULL_ACCESS),
        (StaffRole.OFFICIAL, RESTRICTED_ACCESS),
    ],
)
def test_the_rule_per_role(db, role, expected):
    if role == "superuser":
        user = UserFactory(is_staff=True, is_superuser=True)
    else:
        user = staff_user(role, "51.03" if role in (StaffRole.OPERATOR, StaffRole.OFFICIAL) else "51")
    assert personal_data_access(user) == expected


def test_nobody_without_a_role_gets_anything(db):
    assert personal_data_access(UserFactory(is_staff=True)) == RESTRICTED_ACCESS
    assert personal_data_access(UserFactory()) == RESTRICTED_ACCESS


def test_models_name_their_personal_fields():
    assert personal_fields(Owner) == ("nik", "phone", "email", "home_address")
    assert personal_fields(SentraOfficer) == ("phone",)


def test_restricted_display_masks_and_hides():
    assert RESTRICTED_ACCESS.display("nik", NIK) == "5103••••••••0001"
    assert RESTRICTED_ACCESS.display("phone", PHONE) == "0812••••7890"
    assert RESTRICTED_ACCESS.display("home_address", HOME) == "(disembunyikan)"
    assert RESTRICTED_ACCESS.display("email", "") == "—"
    assert FULL_ACCESS.display("email", EMAIL) == EMAIL


class TestChangePage:
    def test_official_reads_them_masked_or_hidden(self, client, business):
        response = client_for(client, StaffRole.OFFICIAL).get(change_url(business))
        assert response.status_code == 200
        body = response.content.decode()
        owner = business.owner
        for value in (owner.nik, owner.phone, owner.email, owner.home_address):
            assert value not in body
        assertContains(response, mask(owner.nik))
        assertContains(response, mask(owner.phone))
        assertContains(response, mask(owner.email))
        assertContains(response, "(disembunyikan)")
        assertContains(response, "Ni Made Sari")  # the owner's name is not one of them

    @pytest.mark.parametrize("role", [StaffRole.OPERATOR, StaffRole.PROVINCE, "superuser"])
    def test_staff_who_enter_them_read_and_edit_them(self, client, business, role):
        response = client_for(client, role).get(change_url(business))
        owner = business.owner
        for name in ("nik", "phone", "email", "home_address"):
            assertContains(response, f'name="owner-0-{name}"')
            assertContains(response, getattr(owner, name))

    def test_sentra_officer_phone_is_masked_for_officials(self, client, business):
        sentra = SentraFactory(name="Sentra Endek Tuban", village=business.village)
        SentraOfficer.objects.create(sentra=sentra, position="Ketua", name="I Wayan Sudarma", phone=OFFICER_PHONE)
        official = client_for(client, StaffRole.OFFICIAL).get(change_url(sentra))
        assertNotContains(official, OFFICER_PHONE)
        assertContains(official, mask(OFFICER_PHONE))
        assertContains(official, "I Wayan Sudarma")


class TestSearch:
    def search(self, client, term):
        response = client.get(reverse("admin:businesses_business_changelist"), {"q": term})
        assert response.status_code == 200
        return [b.name for b in response.context["cl"].result_list]

    def test_official_cannot_find_a_business_by_nik(self, client, business):
        assert self.search(client_for(client, StaffRole.OFFICIAL), NIK) == []

    def test_operator_can(self, client, business):
        assert self.search(client_for(client, StaffRole.OPERATOR), NIK) == ["Endek Sari"]

    def test_official_still_finds_by_name(self, client, business):
        assert self.search(client_for(client, StaffRole.OFFICIAL), "Endek") == ["Endek Sari"]

    def test_official_search_help_does_not_offer_nik(self, client, business):
        response = client_for(client, StaffRole.OFFICIAL).get(reverse("admin:businesses_business_changelist"))
        assertNotContains(response, "NIK pemilik")


class TestHistoryPages:
    def history(self, client, business):
        return client.get(reverse("admin:businesses_business_history", args=[business.pk]))

    def test_official_history_masks_contacts_and_hides_the_home_address(self, client, business):
        response = self.history(client_for(client, StaffRole.OFFICIAL), business)
        assert response.status_code == 200
        body = response.content.decode()
        for value in (NIK, PHONE, EMAIL, HOME, "081299990000", "sari.baru@example.com", "Jl. Melati No. 3"):
            assert value not in body
        assertContains(response, mask(PHONE))
        assertContains(response, "(disembunyikan)")

    def test_operator_history_shows_contacts_but_never_a_whole_nik(self, client, business):
        response = self.history(client_for(client, StaffRole.OPERATOR), business)
        assertContains(response, PHONE)
        assertContains(response, "081299990000")
        assertContains(response, HOME)
        assertNotContains(response, NIK)
        assertContains(response, mask(NIK))

    def test_official_version_page_of_the_owner_masks_too(self, client, business):
        record = business.owner.history.order_by("history_id").last()
        url = reverse("admin:businesses_business_history_child", args=[business.pk, "owner", record.history_id])
        response = client_for(client, StaffRole.OFFICIAL).get(url)
        assert response.status_code == 200
        for value in (NIK, PHONE, EMAIL, HOME, "081299990000", "sari.baru@example.com", "Jl. Melati No. 3"):
            assertNotContains(response, value)


class TestExport:
    def export(self, client):
        response = client.get(reverse("admin:businesses_business_export"), {"format": "csv"})
        assert response.status_code == 200
        return b"".join(response.streaming_content).decode("utf-8-sig")

    def test_official_export_has_no_personal_columns(self, client, business):
        text = self.export(client_for(client, StaffRole.OFFICIAL))
        header = text.splitlines()[0].split(";")
        assert not {"nik_pemilik", "telepon", "email"} & set(header)
        assert "Ni Made Sari" in text and business.owner.nik not in text

    def test_operator_export_has_them(self, client, business):
        text = self.export(client_for(client, StaffRole.OPERATOR))
        assert business.owner.nik in text
