"""Database constraints refuse bad rows written around full_clean(); full_clean() reports them in Indonesian.

Each bad row is written with .create() or .update(), which skip model validation, so only the database stands
in the way. Where the backend names the violated CHECK constraint (SQLite and PostgreSQL both do), the test
checks that the intended constraint fired rather than some other one.
"""

from contextlib import contextmanager
from decimal import Decimal

import pytest
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import IntegrityError, transaction

from businesses.choices import ObstacleKind, Sex
from businesses.models import Assistance, Business, BusinessYear, Obstacle, Owner, Sentra, SentraRevitalisation
from ikm_registry.choices import KbliLevel, RegionLevel, StaffRole
from ikm_registry.models import Kbli, Office, Region, StaffMembership
from tests.factories import (
    AssistanceFactory,
    BusinessFactory,
    BusinessYearFactory,
    ObstacleFactory,
    OfficeFactory,
    OwnerFactory,
    SentraFactory,
    SentraRevitalisationFactory,
    UserFactory,
    make_region,
)

pytestmark = pytest.mark.usefixtures("bali_regions", "kbli")


@contextmanager
def refused_by_database(constraint: str | None = None):
    """Expect the block to raise IntegrityError (naming `constraint` when given), inside its own savepoint."""
    with pytest.raises(IntegrityError) as excinfo, transaction.atomic():
        yield
    if constraint:
        assert constraint in str(excinfo.value)


def clean_errors(obj, **kwargs) -> dict[str, list[str]]:
    with pytest.raises(ValidationError) as excinfo:
        obj.full_clean(**kwargs)
    return excinfo.value.message_dict


# --- Business -----------------------------------------------------------------------------------------------------


def test_database_refuses_a_second_business_with_the_same_nib():
    BusinessFactory(nib="9120001234567")
    with refused_by_database():
        Business.objects.create(name="Lain", nib="9120001234567", village_id="51.03.01.1001", kbli_id="13134")


def test_full_clean_reports_a_duplicate_nib():
    BusinessFactory(nib="9120001234567")
    duplicate = Business(name="Lain", nib="9120001234567", village_id="51.03.01.1001", kbli_id="13134")
    assert clean_errors(duplicate)[NON_FIELD_ERRORS] == ["NIB ini sudah terdaftar untuk IKM lain."]


def test_many_businesses_may_have_no_nib():
    BusinessFactory(nib="")
    BusinessFactory(nib="")
    assert Business.objects.filter(nib="").count() == 2


@pytest.mark.parametrize("nib", ["123456789012", "912000123456A", "9120 0012345"])
def test_database_refuses_a_nib_that_is_not_13_digits(nib):
    business = BusinessFactory()
    with refused_by_database("business_nib_13_digits"):
        Business.objects.filter(pk=business.pk).update(nib=nib)


def test_full_clean_reports_a_malformed_nib_on_the_field():
    business = BusinessFactory.build(nib="123456789012", owner=None)
    assert clean_errors(business)["nib"] == ["NIB harus terdiri dari 13 angka."]


def test_database_refuses_a_business_classified_by_a_kbli_class(kbli):
    with refused_by_database("business_kbli_is_subclass"):
        Business.objects.create(name="Batik", village_id="51.03.01.1001", kbli=kbli.textile_class)


def test_full_clean_reports_a_kbli_class_on_the_field(kbli):
    business = BusinessFactory.build(kbli=kbli.textile_class, owner=None)
    assert "kbli" in clean_errors(business)


def test_database_refuses_latitude_without_longitude():
    with refused_by_database("business_coordinates_in_indonesia"):
        BusinessFactory(latitude=Decimal("-8.7"), longitude=None)


def test_database_refuses_longitude_without_latitude():
    with refused_by_database("business_coordinates_in_indonesia"):
        BusinessFactory(latitude=None, longitude=Decimal("115.2"))


@pytest.mark.parametrize(
    ("latitude", "longitude"),
    [("10", "115.2"), ("-12", "115.2"), ("-8.7", "150"), ("-8.7", "90")],
    ids=["lat-north", "lat-south", "lon-east", "lon-west"],
)
def test_database_refuses_coordinates_outside_indonesia(latitude, longitude):
    business = BusinessFactory()
    with refused_by_database("business_coordinates_in_indonesia"):
        Business.objects.filter(pk=business.pk).update(latitude=Decimal(latitude), longitude=Decimal(longitude))


def test_database_accepts_coordinates_in_indonesia():
    business = BusinessFactory(latitude=Decimal("-8.670458"), longitude=Decimal("115.212629"))
    business.refresh_from_db()
    assert (business.latitude, business.longitude) == (Decimal("-8.670458"), Decimal("115.212629"))


def test_full_clean_reports_latitude_outside_indonesia_on_the_field():
    business = BusinessFactory.build(latitude=Decimal("10"), longitude=Decimal("115.2"), owner=None)
    errors = clean_errors(business)
    assert "latitude" in errors
    assert "di luar wilayah Indonesia" in errors["latitude"][0]


@pytest.mark.parametrize("year", [1899, 2101])
def test_database_refuses_an_impossible_founding_year(year):
    business = BusinessFactory()
    with refused_by_database("business_year_founded_range"):
        Business.objects.filter(pk=business.pk).update(year_founded=year)


def test_full_clean_reports_a_future_founding_year():
    business = BusinessFactory.build(year_founded=2101, owner=None)
    assert "tidak masuk akal" in clean_errors(business)["year_founded"][0]


# --- Business.clean -----------------------------------------------------------------------------------------------


def test_clean_refuses_latitude_without_longitude():
    business = BusinessFactory.build(latitude=Decimal("-8.7"), longitude=None, owner=None)
    assert clean_errors(business)["longitude"] == ["Isi lintang dan bujur berpasangan."]


def test_clean_refuses_longitude_without_latitude():
    business = BusinessFactory.build(latitude=None, longitude=Decimal("115.2"), owner=None)
    assert clean_errors(business)["latitude"] == ["Isi lintang dan bujur berpasangan."]


def test_clean_refuses_a_kbli_code_that_is_not_five_digits(kbli):
    business = BusinessFactory.build(kbli=kbli.jewellery_class, owner=None)
    errors = clean_errors(business)
    assert "Kode KBLI harus 5 angka (tingkat kelompok)." in errors["kbli"]


def test_clean_collapses_whitespace_in_the_name():
    business = BusinessFactory.build(name="  Batik   Tulis\tSari  ", owner=None)
    business.full_clean()
    assert business.name == "Batik Tulis Sari"


# --- Owner --------------------------------------------------------------------------------------------------------


def test_database_refuses_a_nik_that_is_not_16_digits():
    owner = OwnerFactory()
    with refused_by_database("owner_nik_16_digits"):
        Owner.objects.filter(pk=owner.pk).update(nik="517101010190001")


def test_full_clean_reports_a_short_nik_on_the_field():
    owner = OwnerFactory.build(business=BusinessFactory(owner=None), nik="517101010190001")
    assert clean_errors(owner)["nik"] == ["NIK harus terdiri dari 16 angka."]


def test_database_refuses_an_unknown_sex_code():
    owner = OwnerFactory()
    with refused_by_database("owner_sex_code"):
        Owner.objects.filter(pk=owner.pk).update(sex="X")


def test_full_clean_reports_an_unknown_sex_code_on_the_field():
    owner = OwnerFactory.build(business=BusinessFactory(owner=None), sex="X")
    assert "sex" in clean_errors(owner)


def test_owner_clean_refuses_a_female_nik_for_a_man():
    owner = OwnerFactory.build(business=BusinessFactory(owner=None), nik="5171017101900002", sex=Sex.MALE)
    assert "jenis kelamin yang berbeda" in clean_errors(owner)["nik"][0]


def test_owner_clean_refuses_a_male_nik_for_a_woman():
    owner = OwnerFactory.build(business=BusinessFactory(owner=None), nik="5171010101900001", sex=Sex.FEMALE)
    assert "nik" in clean_errors(owner)


@pytest.mark.parametrize(("nik", "sex"), [("5171017101900002", Sex.FEMALE), ("5171010101900001", Sex.MALE)])
def test_owner_clean_accepts_a_nik_that_matches_the_sex(nik, sex):
    OwnerFactory.build(business=BusinessFactory(owner=None), nik=nik, sex=sex).full_clean()


def test_owner_clean_refuses_phone_consent_without_a_phone():
    owner = OwnerFactory.build(business=BusinessFactory(owner=None), phone="", phone_public_since="2024-01-01")
    assert clean_errors(owner)["phone_public_since"] == ["Tidak ada nomor telepon untuk dipublikasikan."]


def test_owner_clean_refuses_email_consent_without_an_email():
    owner = OwnerFactory.build(business=BusinessFactory(owner=None), email="", email_public_since="2024-01-01")
    assert clean_errors(owner)["email_public_since"] == ["Tidak ada e-mail untuk dipublikasikan."]


def test_owner_clean_accepts_phone_consent_with_a_phone():
    owner = OwnerFactory.build(
        business=BusinessFactory(owner=None), phone="0812 3456 7890", phone_public_since="2024-01-01"
    )
    owner.full_clean()


# --- BusinessYear -------------------------------------------------------------------------------------------------


def test_database_refuses_two_figures_rows_for_the_same_year():
    figures = BusinessYearFactory(year=2023)
    with refused_by_database():
        BusinessYear.objects.create(business=figures.business, year=2023)


def test_full_clean_reports_two_figures_rows_for_the_same_year():
    figures = BusinessYearFactory(year=2023)
    errors = clean_errors(BusinessYear(business=figures.business, year=2023))
    assert errors[NON_FIELD_ERRORS] == ["Data tahun ini sudah ada untuk IKM tersebut."]


def test_the_same_year_is_allowed_for_different_businesses():
    BusinessYearFactory(year=2023)
    BusinessYearFactory(year=2023)
    assert BusinessYear.objects.filter(year=2023).count() == 2


@pytest.mark.parametrize("year", [1899, 2101])
def test_database_refuses_an_impossible_data_year(year):
    with refused_by_database("businessyear_year_range"):
        BusinessYearFactory(year=year)


def test_full_clean_reports_an_impossible_data_year_on_the_field():
    figures = BusinessYearFactory.build(business=BusinessFactory(), year=1899)
    assert "tidak masuk akal" in clean_errors(figures)["year"][0]


# investment, turnover, production_* are signed columns: only our named constraint can refuse them.
SIGNED_FIGURES = ["investment", "turnover", "production_capacity", "production_value"]
# The workforce columns are PositiveIntegerField: Django's own column CHECK may fire before ours, either is fine.
WORKFORCE_FIGURES = ["workforce_male", "workforce_female"]


@pytest.mark.parametrize("field", SIGNED_FIGURES)
def test_database_refuses_a_negative_amount(field):
    figures = BusinessYearFactory()
    with refused_by_database(f"businessyear_{field}_non_negative"):
        BusinessYear.objects.filter(pk=figures.pk).update(**{field: -1})


@pytest.mark.parametrize("field", WORKFORCE_FIGURES)
def test_database_refuses_a_negative_workforce(field):
    figures = BusinessYearFactory()
    with refused_by_database():
        BusinessYear.objects.filter(pk=figures.pk).update(**{field: -1})


@pytest.mark.parametrize("field", SIGNED_FIGURES + WORKFORCE_FIGURES)
def test_full_clean_reports_a_negative_figure_on_the_field(field):
    figures = BusinessYearFactory.build(business=BusinessFactory(), **{field: -1})
    assert "Nilai tidak boleh negatif." in clean_errors(figures)[field]


# --- reference data -----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("code", "level", "parent"),
    [
        ("51.3", RegionLevel.REGENCY, "51"),
        ("51.03.1", RegionLevel.DISTRICT, "51.03"),
        ("51.03.01.101", RegionLevel.VILLAGE, "51.03.01"),
        ("51.03.01", RegionLevel.VILLAGE, "51.03"),
        ("52", RegionLevel.PROVINCE, "51"),
        ("51.72", RegionLevel.REGENCY, None),
        ("5A", RegionLevel.PROVINCE, None),
    ],
    ids=[
        "short-regency",
        "short-district",
        "short-village",
        "district-code-as-village",
        "province-with-parent",
        "regency-without-parent",
        "letter",
    ],
)
def test_database_refuses_a_region_code_that_does_not_match_its_level(code, level, parent):
    with refused_by_database("region_code_matches_level"):
        Region.objects.create(code=code, name="Salah", level=level, parent_id=parent)


def test_full_clean_reports_a_region_code_that_does_not_match_its_level():
    region = Region(code="51.3", name="Salah", level=RegionLevel.REGENCY, parent_id="51")
    errors = clean_errors(region)
    assert errors[NON_FIELD_ERRORS] == [
        "Kode wilayah tidak sesuai dengan tingkatnya (mis. 51, 51.71, 51.71.01, 51.71.01.1001)."
    ]


def test_region_clean_refuses_a_code_outside_its_parent():
    region = Region(code="52.01", name="Salah", level=RegionLevel.REGENCY, parent_id="51")
    assert clean_errors(region)["parent"] == ["Kode wilayah harus diawali kode induknya."]


@pytest.mark.parametrize(
    ("code", "level"),
    [("131", KbliLevel.CLASS), ("1313", KbliLevel.SUBCLASS), ("13", KbliLevel.SECTION), ("c", KbliLevel.SECTION)],
)
def test_database_refuses_a_kbli_code_that_does_not_match_its_level(code, level):
    with refused_by_database("kbli_code_matches_level"):
        Kbli.objects.create(code=code, title="Salah", level=level)


def test_full_clean_reports_a_kbli_code_that_does_not_match_its_level():
    errors = clean_errors(Kbli(code="999", title="Salah", level=KbliLevel.CLASS))
    assert errors[NON_FIELD_ERRORS] == ["Kode KBLI tidak sesuai dengan tingkatnya."]


# --- Sentra -------------------------------------------------------------------------------------------------------


def test_database_refuses_a_sentra_classified_by_a_kbli_class(kbli):
    with refused_by_database("sentra_kbli_is_subclass"):
        Sentra.objects.create(
            name="Sentra Batik", main_product="Batik", kbli=kbli.textile_class, village_id="51.03.01.1001"
        )


def test_full_clean_reports_a_sentra_kbli_class_on_the_field(kbli):
    assert "kbli" in clean_errors(SentraFactory.build(kbli=kbli.textile_class))


def test_database_refuses_two_sentra_with_the_same_name_in_one_village():
    SentraFactory(name="Sentra Perak Celuk")
    with refused_by_database():
        SentraFactory(name="Sentra Perak Celuk")


def test_full_clean_reports_two_sentra_with_the_same_name_in_one_village():
    SentraFactory(name="Sentra Perak Celuk")
    errors = clean_errors(SentraFactory.build(name="Sentra Perak Celuk"))
    assert errors[NON_FIELD_ERRORS] == ["Sentra dengan nama ini sudah ada di desa tersebut."]


def test_the_same_sentra_name_is_allowed_in_another_village(bali_regions):
    SentraFactory(name="Sentra Perak")
    SentraFactory(name="Sentra Perak", village=bali_regions.serangan)
    assert Sentra.objects.filter(name="Sentra Perak").count() == 2


def test_database_refuses_a_negative_revitalisation_amount():
    revitalisation = SentraRevitalisationFactory()
    with refused_by_database("sentrarevitalisation_amount_non_negative"):
        SentraRevitalisation.objects.filter(pk=revitalisation.pk).update(amount=-1)


def test_full_clean_reports_a_negative_revitalisation_amount():
    revitalisation = SentraRevitalisationFactory.build(sentra=SentraFactory(), amount=-1)
    assert "Nilai tidak boleh negatif." in clean_errors(revitalisation)["amount"]


# --- assistance and obstacles -------------------------------------------------------------------------------------


def test_database_refuses_a_negative_assistance_value():
    assistance = AssistanceFactory()
    with refused_by_database("assistance_value_non_negative"):
        Assistance.objects.filter(pk=assistance.pk).update(value=-1)


def test_full_clean_reports_a_negative_assistance_value():
    assistance = AssistanceFactory.build(business=BusinessFactory(), value=-1)
    assert "Nilai tidak boleh negatif." in clean_errors(assistance)["value"]


def test_database_refuses_the_same_obstacle_twice_in_a_year():
    obstacle = ObstacleFactory(kind=ObstacleKind.CAPITAL, year=2023)
    with refused_by_database():
        Obstacle.objects.create(business=obstacle.business, kind=ObstacleKind.CAPITAL, year=2023)


def test_full_clean_reports_the_same_obstacle_twice_in_a_year():
    obstacle = ObstacleFactory(kind=ObstacleKind.CAPITAL, year=2023)
    errors = clean_errors(Obstacle(business=obstacle.business, kind=ObstacleKind.CAPITAL, year=2023))
    assert errors[NON_FIELD_ERRORS] == ["Kendala ini sudah dicatat untuk tahun tersebut."]


def test_the_same_obstacle_may_be_recorded_in_another_year():
    obstacle = ObstacleFactory(kind=ObstacleKind.CAPITAL, year=2023)
    ObstacleFactory(business=obstacle.business, kind=ObstacleKind.CAPITAL, year=2024)
    assert obstacle.business.obstacles.count() == 2


# --- offices and staff --------------------------------------------------------------------------------------------


def test_database_refuses_two_offices_with_the_same_name_in_one_region(bali_regions):
    OfficeFactory(name="Disperindag Badung", region=bali_regions.badung)
    with refused_by_database():
        Office.objects.create(name="Disperindag Badung", region=bali_regions.badung)


def test_full_clean_reports_two_offices_with_the_same_name_in_one_region(bali_regions):
    OfficeFactory(name="Disperindag Badung", region=bali_regions.badung)
    errors = clean_errors(Office(name="Disperindag Badung", region=bali_regions.badung))
    assert errors[NON_FIELD_ERRORS] == ["Kantor dengan nama ini sudah ada di wilayah tersebut."]


@pytest.mark.parametrize("region_code", ["51.03.01", "51.03.01.1001"], ids=["district", "village"])
def test_office_clean_refuses_a_region_below_regency(region_code):
    office = Office(name="Kantor Kecamatan", region=make_region(region_code))
    assert "Wilayah kerja kantor harus provinsi atau kabupaten/kota." in clean_errors(office)["region"]


@pytest.mark.parametrize("region_code", ["51", "51.71"], ids=["province", "regency"])
def test_office_clean_accepts_a_province_or_regency(region_code):
    Office(name="Disperindag", region=make_region(region_code)).full_clean()


@pytest.mark.parametrize(
    ("role", "region_code", "allowed"),
    [
        (StaffRole.PROVINCE, "51.03", False),
        (StaffRole.PROVINCE, "51", True),
        (StaffRole.OPERATOR, "51", False),
        (StaffRole.OPERATOR, "51.03", True),
        (StaffRole.OFFICIAL, "51", True),
        (StaffRole.OFFICIAL, "51.03", True),
        (StaffRole.NATIONAL, "51", True),
    ],
    ids=[
        "province-role-regency-office",
        "province-role-province-office",
        "operator-province-office",
        "operator-regency-office",
        "official-province",
        "official-regency",
        "national",
    ],
)
def test_staff_membership_role_must_fit_the_office_level(role, region_code, allowed):
    membership = StaffMembership(
        user=UserFactory(is_staff=True), office=OfficeFactory(region=make_region(region_code)), role=role
    )
    if allowed:
        membership.full_clean()
    else:
        assert list(clean_errors(membership)) == ["role"]
