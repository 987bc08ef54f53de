"""business_public() and sentra_public(): only published businesses, only public fields, consented contact only."""

import datetime

import pytest
from django.utils import timezone

from businesses.choices import BusinessStatus
from businesses.selectors import (
    PUBLIC_CONTACT_ANNOTATIONS,
    PUBLIC_FIELDS,
    business_public,
    public_counts,
    sentra_public,
)
from tests.factories import BusinessFactory, BusinessYearFactory, SentraFactory

pytestmark = pytest.mark.django_db

PUBLISHED = BusinessStatus.PUBLISHED
NIK = "5103014507850002"
PHONE = "081234567890"
EMAIL = "pemilik@example.com"


def published(**kwargs):
    return BusinessFactory(status=PUBLISHED, **kwargs)


def owner_with_contact(**consent):
    return published(
        owner__nik=NIK, owner__phone=PHONE, owner__email=EMAIL, owner__home_address="Jl. Rumah Pribadi 7", **consent
    )


@pytest.mark.parametrize("status", [s for s in BusinessStatus.values if s != PUBLISHED])
def test_unpublished_business_is_never_returned(status):
    BusinessFactory(status=status)
    assert not business_public().exists()


def test_published_business_is_returned():
    business = published()
    assert list(business_public()) == [business]


def test_rows_load_public_fields_only():
    owner_with_contact()
    row = business_public().get()
    loaded = {f.attname for f in row._meta.concrete_fields} - row.get_deferred_fields()
    assert loaded == {
        "id",
        *(
            f"{name}_id" if name in {"village", "kbli", "subsector", "sentra"} else name
            for name in PUBLIC_FIELDS
            if name != "id"
        ),
    }
    assert {"status", "raw_materials", "created_by_id", "created_at"} <= row.get_deferred_fields()
    assert "owner" not in row._state.fields_cache


def test_sql_never_selects_private_columns():
    sql = str(business_public().query).lower()
    for column in ("nik", "home_address", "turnover", "investment", "workforce", "production_value"):
        assert column not in sql


def test_values_of_public_fields_carry_no_private_data():
    owner_with_contact()
    row = business_public().values(*PUBLIC_FIELDS, *PUBLIC_CONTACT_ANNOTATIONS).get()
    assert NIK not in row.values()
    assert "Jl. Rumah Pribadi 7" not in row.values()
    assert set(row) == {*PUBLIC_FIELDS, *PUBLIC_CONTACT_ANNOTATIONS}


def test_contact_is_empty_without_consent():
    owner_with_contact()
    row = business_public().get()
    assert (row.public_phone, row.public_email) == ("", "")


def test_contact_is_empty_with_a_future_consent_date():
    tomorrow = timezone.localdate() + datetime.timedelta(days=1)
    owner_with_contact(owner__phone_public_since=tomorrow, owner__email_public_since=tomorrow)
    row = business_public().get()
    assert (row.public_phone, row.public_email) == ("", "")


def test_consented_phone_is_public_and_email_stays_private():
    owner_with_contact(owner__phone_public_since=timezone.localdate())
    row = business_public().get()
    assert (row.public_phone, row.public_email) == (PHONE, "")


def test_consented_email_is_public():
    owner_with_contact(owner__email_public_since=datetime.date(2024, 1, 1))
    assert business_public().get().public_email == EMAIL


def test_business_without_owner_is_returned_with_empty_contact():
    published(owner=None)
    row = business_public().get()
    assert (row.public_phone, row.public_email) == ("", "")


def test_region_parents_kbli_and_sentra_come_in_one_query(django_assert_num_queries):
    published(sentra=SentraFactory())
    with django_assert_num_queries(1):
        row = business_public().get()
        names = [row.village.name, row.village.parent.name, row.village.parent.parent.name]
        names += [row.village.parent.parent.parent.name, row.kbli.title, row.sentra.name]
    assert names == ["Tuban", "Kuta", "Kabupaten Badung", "Bali", "Industri Batik", row.sentra.name]


def test_yearly_figures_do_not_duplicate_rows():
    business = published()
    BusinessYearFactory(business=business, year=2023)
    BusinessYearFactory(business=business, year=2024)
    assert business_public().count() == 1


def test_sentra_public_counts_published_members_only():
    sentra = SentraFactory()
    published(sentra=sentra)
    published(sentra=sentra)
    BusinessFactory(sentra=sentra, status=BusinessStatus.VERIFIED)
    assert [(s, s.published_member_count) for s in sentra_public()] == [(sentra, 2)]


def test_sentra_without_published_members_is_left_out():
    sentra = SentraFactory()
    BusinessFactory(sentra=sentra, status=BusinessStatus.SUBMITTED)
    SentraFactory()
    assert not sentra_public().exists()


def test_home_page_counts_read_through_the_public_selectors():
    sentra = SentraFactory()
    published(sentra=sentra)
    BusinessFactory(status=BusinessStatus.VERIFIED, sentra=SentraFactory())  # a sentra with no published member
    BusinessFactory(status=BusinessStatus.SUBMITTED)
    assert public_counts() == {"businesses": 1, "sentra": 1, "villages": 1}
