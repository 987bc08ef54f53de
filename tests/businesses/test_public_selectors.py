"""business_public() and sentra_public(): only published businesses, only public fields, consented contact only."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone, translation

from businesses.choices import BusinessStatus
from businesses.selectors import (
    PUBLIC_CONTACT_ANNOTATIONS,
    PUBLIC_FIELDS,
    business_cards,
    business_public,
    public_counts,
    reference_labels,
    sentra_public,
)
from ikm_registry.models import CreativeSubsector
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


def test_reference_labels_name_every_kind_in_one_query(django_assert_num_queries):
    business = published(sentra=SentraFactory(name="Sentra Tenun Gringsing"))
    kriya = CreativeSubsector.objects.get(code="kriya")  # the reference rows come with the migrations
    with django_assert_num_queries(1):
        labels = reference_labels(
            regions=[business.village_id, "51.03", "99.99.99.9999"],
            kbli=[business.kbli_id, "99999"],
            subsectors=["kriya", "tidak-ada"],
            sentra=[business.sentra_id, str(business.sentra_id), 987654],
            region_parents=True,
        )
    assert labels == {
        "wilayah": {
            business.village_id: ("Tuban", "Kuta", "Kabupaten Badung"),
            "51.03": ("Kabupaten Badung", "Bali", None),
        },
        "kbli": {business.kbli_id: "Industri Batik"},
        "subsektor": {"kriya": kriya.name},
        "sentra": {business.sentra_id: "Sentra Tenun Gringsing"},
    }
    with translation.override("en"):
        assert reference_labels(subsectors=["kriya"])["subsektor"] == {"kriya": kriya.name_en}


def test_reference_labels_of_nothing_read_nothing(django_assert_num_queries):
    with django_assert_num_queries(0):
        assert reference_labels() == {"wilayah": {}, "kbli": {}, "subsektor": {}, "sentra": {}}


def test_business_cards_carry_the_names_of_their_rows_in_one_query(django_assert_num_queries):
    with_sentra = published(sentra=SentraFactory(name="Sentra Perak Celuk"), main_product="Perak")
    without = published()
    hidden = BusinessFactory(status=BusinessStatus.SUBMITTED)
    with django_assert_num_queries(1):
        cards = business_cards(business_public(), [with_sentra.pk, without.pk, hidden.pk])
    assert set(cards) == {with_sentra.pk, without.pk}  # an id outside the results gets no card
    card = cards[with_sentra.pk]
    assert (card.name, card.main_product, card.url) == (with_sentra.name, "Perak", f"/direktori/ikm/{with_sentra.pk}/")
    assert [card.village.name, card.village.parent.name, card.village.parent.parent.name] == [
        "Tuban",
        "Kuta",
        "Kabupaten Badung",
    ]
    assert (card.kbli.code, card.kbli.title, card.sentra.name) == (
        with_sentra.kbli_id,
        "Industri Batik",
        "Sentra Perak Celuk",
    )
    assert cards[without.pk].sentra is None


@pytest.mark.parametrize(
    "url",
    [
        "/direktori/",
        "/direktori/?q=batik",
        "/direktori/?q=batik&urut=terbaru",
        "/direktori/?wilayah=51.03&kbli=13",
        "/direktori/?subsektor=fesyen&skala=mikro",
        "/direktori/?tampilan=peta",
    ],
)
def test_the_directory_reads_no_private_column(client, url):
    """The directory reads business_public_rows() as values: its SQL names no owner row, no yearly figure and no
    column the public may not see, whatever the filters."""
    owner_with_contact(sentra=SentraFactory(), main_product="Batik tulis")
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    business_sql = [query["sql"].lower() for query in queries if "businesses_business" in query["sql"]]
    assert business_sql, "the page read no business"
    for sql in business_sql:
        for private in ("businesses_owner", "nik", "home_address", "raw_materials", "created_by", "turnover"):
            assert private not in sql, (private, sql)


def test_reference_labels_name_regions_alone_unless_parents_are_asked_for():
    business = published()
    assert reference_labels(regions=[business.village_id, "51.03"])["wilayah"] == {
        business.village_id: ("Tuban", None, None),
        "51.03": ("Kabupaten Badung", None, None),
    }
