"""factory_boy factories and builders for the registry's models, shared by every test module.

Regions and KBLI codes are primary keys with parents, so they are built by helpers (`make_region`,
`make_village`, `make_kbli`) that create any missing parent with the right level and kind rather than by
plain factories: `make_village("51.03.01.1001")` yields Bali → Badung → Kuta → the village.
"""

from __future__ import annotations

import datetime

import factory
from django.contrib.auth import get_user_model
from django.utils import timezone

from businesses.choices import AssistanceKind, BusinessStatus, FundingSource, ObstacleKind, Sex
from businesses.models import (
    Assistance,
    Business,
    BusinessYear,
    Obstacle,
    Owner,
    Product,
    Sentra,
    SentraFacility,
    SentraOfficer,
    SentraRevitalisation,
)
from ikm_registry.choices import KbliLevel, RegionKind, RegionLevel, StaffRole
from ikm_registry.models import Kbli, Office, Region, StaffMembership
from ikm_registry.scoping import SystemActor

# A management command run without --user: full access (reports, imports and exports made by the tests "as the
# command line").
SYSTEM = SystemActor("tests")
DEFAULT_VILLAGE = "51.03.01.1001"
DEFAULT_KBLI = "13134"

# --- regions ------------------------------------------------------------------------------------------------------

REGION_LEVELS = {1: RegionLevel.PROVINCE, 2: RegionLevel.REGENCY, 3: RegionLevel.DISTRICT, 4: RegionLevel.VILLAGE}

# Real names for the codes the tests use most, so failure messages read naturally.
REGION_NAMES = {
    "51": "Bali",
    "51.03": "Kabupaten Badung",
    "51.03.01": "Kuta",
    "51.03.01.1001": "Tuban",
    "51.03.01.1002": "Kuta",
    "51.03.02": "Mengwi",
    "51.03.02.2001": "Munggu",
    "51.71": "Kota Denpasar",
    "51.71.01": "Denpasar Selatan",
    "51.71.01.1001": "Serangan",
    "51.71.01.2007": "Sidakarya",
    "52": "Nusa Tenggara Barat",
}


def region_kind(code: str) -> str:
    """The kind Kemendagri numbering implies: regencies 71+ are kota; villages 1xxx are kelurahan."""
    parts = code.split(".")
    if len(parts) == 2:
        return RegionKind.KOTA if int(parts[1]) >= 71 else RegionKind.KABUPATEN
    if len(parts) == 4:
        return RegionKind.KELURAHAN if parts[3].startswith("1") else RegionKind.DESA
    return ""


def make_region(code: str, name: str | None = None) -> Region:
    """Get or create the region `code` and every missing parent, with level and kind derived from the code."""
    existing = Region.objects.filter(code=code).first()
    if existing is not None:
        return existing
    parts = code.split(".")
    parent = make_region(".".join(parts[:-1])) if len(parts) > 1 else None
    return Region.objects.create(
        code=code,
        name=name or REGION_NAMES.get(code, f"Wilayah {code}"),
        level=REGION_LEVELS[len(parts)],
        kind=region_kind(code),
        parent=parent,
    )


def make_village(code: str = DEFAULT_VILLAGE, name: str | None = None) -> Region:
    """A desa/kelurahan with its district, regency and province (created when missing)."""
    assert len(code.split(".")) == 4, f"{code} is not a village code"
    return make_region(code, name)


# --- KBLI ---------------------------------------------------------------------------------------------------------

# ISIC Rev.4 / KBLI 2020: the section each two-digit division belongs to.
SECTION_RANGES = [
    ("A", 1, 3),
    ("B", 5, 9),
    ("C", 10, 33),
    ("D", 35, 35),
    ("E", 36, 39),
    ("F", 41, 43),
    ("G", 45, 47),
    ("H", 49, 53),
    ("I", 55, 56),
    ("J", 58, 63),
    ("K", 64, 66),
    ("L", 68, 68),
    ("M", 69, 75),
    ("N", 77, 82),
    ("O", 84, 84),
    ("P", 85, 85),
    ("Q", 86, 88),
    ("R", 90, 93),
    ("S", 94, 96),
    ("T", 97, 98),
    ("U", 99, 99),
]
KBLI_LEVELS = {2: KbliLevel.DIVISION, 3: KbliLevel.GROUP, 4: KbliLevel.CLASS, 5: KbliLevel.SUBCLASS}
KBLI_TITLES = {
    "C": "Industri Pengolahan",
    "10": "Industri Makanan",
    "107": "Industri makanan lainnya",
    "1079": "Industri Produk Makanan Lainnya",
    "10794": "Industri Kerupuk, Keripik, Peyek Dan Sejenisnya",
    "13": "Industri tekstil",
    "131": "Industri pemintalan, pertenunan dan penyempurnaan tekstil",
    "1313": "Industri Penyempurnaan Tekstil",
    "13133": "Industri Pencetakan Kain",
    "13134": "Industri Batik",
    "32": "Industri pengolahan lainnya",
    "321": "Industri barang perhiasan dan barang berharga",
    "3211": "Industri Perhiasan dan Barang Sejenis",
    "32112": "Industri Barang Perhiasan Dari Logam Mulia Untuk Keperluan Pribadi",
}


def kbli_section(division: str) -> str:
    number = int(division)
    return next(letter for letter, low, high in SECTION_RANGES if low <= number <= high)


def make_kbli(code: str = DEFAULT_KBLI, title: str | None = None) -> Kbli:
    """Get or create KBLI `code` (a section letter or 2–5 digits) with its parent chain up to the section."""
    existing = Kbli.objects.filter(code=code).first()
    if existing is not None:
        return existing
    if code.isalpha():
        return Kbli.objects.create(
            code=code, title=title or KBLI_TITLES.get(code, f"Kategori {code}"), level=KbliLevel.SECTION
        )
    parent = make_kbli(kbli_section(code)) if len(code) == 2 else make_kbli(code[:-1])
    return Kbli.objects.create(
        code=code, title=title or KBLI_TITLES.get(code, f"KBLI {code}"), level=KBLI_LEVELS[len(code)], parent=parent
    )


# --- people and offices -------------------------------------------------------------------------------------------


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"pengguna{n}")
    email = factory.LazyAttribute(lambda user: f"{user.username}@example.go.id")
    is_staff = False
    password = factory.django.Password("rahasia-uji-123")


class OfficeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Office

    name = factory.Sequence(lambda n: f"Dinas Perindustrian dan Perdagangan {n}")
    region = factory.LazyFunction(lambda: make_region("51.03"))


class StaffMembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = StaffMembership

    user = factory.SubFactory(UserFactory, is_staff=True)
    office = factory.SubFactory(OfficeFactory)
    role = StaffRole.OPERATOR


def office_for(region_code: str) -> Office:
    """The (first) office of a region, created with the region chain when missing."""
    region = make_region(region_code)
    office = Office.objects.filter(region=region).first()
    return office or OfficeFactory(region=region, name=f"Disperindag {region.name}")


def staff_user(role: str = StaffRole.OPERATOR, region_code: str = "51.03", **user_fields):
    """A staff user (is_staff=True) with a membership of `role` in an office covering `region_code`."""
    user = UserFactory(is_staff=True, **user_fields)
    StaffMembershipFactory(user=user, office=office_for(region_code), role=role)
    return user


# --- the registry -------------------------------------------------------------------------------------------------


class BusinessFactory(factory.django.DjangoModelFactory):
    """A verified business in Tuban (Badung) making batik, with an owner.

    Override the owner with `owner__name="..."`, or pass `owner=None` to create none.
    """

    class Meta:
        model = Business
        skip_postgeneration_save = True

    name = factory.Sequence(lambda n: f"Usaha {n}")
    village = factory.LazyFunction(make_village)
    kbli = factory.LazyFunction(make_kbli)
    main_product = "Kain batik"
    status = BusinessStatus.VERIFIED
    owner = factory.RelatedFactory("tests.factories.OwnerFactory", factory_related_name="business")

    class Params:
        with_nib = factory.Trait(nib=factory.Sequence(lambda n: f"{9_120_000_000_000 + n:013d}"))


class OwnerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Owner

    business = factory.SubFactory(BusinessFactory, owner=None)
    name = factory.Sequence(lambda n: f"Pemilik {n}")
    sex = Sex.FEMALE


class BusinessYearFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = BusinessYear

    business = factory.SubFactory(BusinessFactory)
    year = factory.LazyFunction(lambda: timezone.localdate().year - 1)
    workforce_male = 2
    workforce_female = 3
    investment = 50_000_000
    turnover = 300_000_000


class ProductFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Product

    business = factory.SubFactory(BusinessFactory)
    name = factory.Sequence(lambda n: f"Produk {n}")
    description = "Dibuat dengan tangan."


class SentraFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Sentra

    name = factory.Sequence(lambda n: f"Sentra {n}")
    main_product = "Batik"
    kbli = factory.LazyFunction(make_kbli)
    village = factory.LazyFunction(make_village)
    decree_number = factory.Sequence(lambda n: f"{n}/HK/2020")
    decree_date = datetime.date(2020, 3, 1)
    decree_issuer = "Bupati Badung"


class SentraOfficerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = SentraOfficer

    sentra = factory.SubFactory(SentraFactory)
    position = "Ketua"
    name = factory.Sequence(lambda n: f"Pengurus {n}")


class SentraFacilityFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = SentraFacility

    sentra = factory.SubFactory(SentraFactory)
    name = "Ruang pamer"
    quantity = 1


class SentraRevitalisationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = SentraRevitalisation

    sentra = factory.SubFactory(SentraFactory)
    year = 2022
    activity = "Revitalisasi ruang produksi"
    funding_source = FundingSource.DAK
    amount = 250_000_000


class AssistanceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Assistance

    business = factory.SubFactory(BusinessFactory)
    year = 2023
    kind = AssistanceKind.TRAINING
    description = "Pelatihan pewarnaan alami"
    provider = "Disperindag"
    value = 5_000_000


class ObstacleFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Obstacle

    business = factory.SubFactory(BusinessFactory)
    kind = ObstacleKind.CAPITAL
    year = 2023


# --- events -------------------------------------------------------------------------------------------------------


def make_event(region_code: str = "51.03", *, status: str = "open", quota: int | None = 30, days: int = 1, **fields):
    """An event of the office of `region_code` with one session per day, in `status` (set as the engine's first
    entry would: tests build any state directly), starting in two weeks."""
    from events.models import Event, Session
    from events.services.workflow import EVENT_WORKFLOW

    start = fields.pop("start_date", None) or datetime.date.today() + datetime.timedelta(days=14)
    office = office_for(region_code)
    event = Event(
        code=fields.pop("code", None) or f"KEG-{Event.objects.count() + 1:04d}",
        title=fields.pop("title", "Pelatihan Batik Dasar"),
        kind=fields.pop("kind", "pelatihan"),
        office=office,
        venue_region=fields.pop("venue_region", None) or office.region,
        start_date=start,
        end_date=start + datetime.timedelta(days=days - 1),
        quota=quota,
        **fields,
    )
    EVENT_WORKFLOW.create(event, status, actor=SYSTEM)
    for day in range(days):
        Session.objects.create(event=event, date=start + datetime.timedelta(days=day))
    return event


def person(number: int = 1, **fields) -> dict:
    """The fields of a registration form for participant `number`."""
    return {
        "name": f"Peserta {number}",
        "sex": "P" if number % 2 else "L",
        "category": "pelaku_ikm",
        "phone": f"0812{number:08d}",
        **fields,
    }
