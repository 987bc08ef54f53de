"""The office's time zone (WIB, WITA, WIT from its province) and the place it signs at, in the core every report uses
(ikm_registry/zones.py, ikm_registry/reports/base.py)."""

import datetime
from types import SimpleNamespace

import pytest

from ikm_registry.reports import base
from ikm_registry.reports.base import Report, signing_place
from ikm_registry.reports.formatting import printed_at
from ikm_registry.zones import WIB, WIT, WITA, office_zone, region_zone
from tests.factories import SYSTEM, make_region, office_for, staff_user

WITA_PROVINCES = ("51", "52", "53", "63", "64", "65", "71", "72", "73", "74", "75", "76")
WIT_PROVINCES = ("81", "82", "91", "92", "93", "94", "95", "96")
WIB_PROVINCES = (
    "11",
    "12",
    "13",
    "14",
    "15",
    "16",
    "17",
    "18",
    "19",
    "21",
    "31",
    "32",
    "33",
    "34",
    "35",
    "36",
    "61",
    "62",
)


@pytest.mark.parametrize("province", WITA_PROVINCES)
def test_central_indonesian_time(province):
    assert region_zone(province) is WITA
    assert region_zone(f"{province}.71.01.1001") is WITA


@pytest.mark.parametrize("province", WIT_PROVINCES)
def test_eastern_indonesian_time(province):
    assert region_zone(f"{province}.01") is WIT


@pytest.mark.parametrize("province", WIB_PROVINCES)
def test_western_indonesian_time(province):
    assert region_zone(f"{province}.01") is WIB


def test_no_region_no_zone():
    assert region_zone("") is None and region_zone(None) is None and office_zone(None) is None


MOMENT = datetime.datetime(2026, 11, 22, 16, 30, tzinfo=datetime.UTC)  # 23.30 WIB, 00.30 WITA, 01.30 WIT


def test_printed_at_in_each_zone():
    assert printed_at(MOMENT, zone=WIB) == "22 November 2026 pukul 23.30 WIB"
    assert printed_at(MOMENT, zone=WITA) == "23 November 2026 pukul 00.30 WITA"
    assert printed_at(MOMENT, zone=WIT) == "23 November 2026 pukul 01.30 WIT"
    assert printed_at(MOMENT) == "22 November 2026 pukul 23.30 WIB"  # no office: the project's TIME_ZONE


@pytest.mark.parametrize(
    ("name", "place"),
    [
        ("Kabupaten Badung", "Badung"),
        ("Kota Denpasar", "Denpasar"),
        ("Kota Administrasi Jakarta Pusat", "Jakarta Pusat"),
        ("Kabupaten Administrasi Kepulauan Seribu", "Kepulauan Seribu"),
        ("KABUPATEN BADUNG", "Badung"),
        ("Kab. Lombok Barat", "Lombok Barat"),
        ("Bali", "Bali"),  # a province office: the province's name
        ("Daerah Istimewa Yogyakarta", "Daerah Istimewa Yogyakarta"),
        ("Kotawaringin Barat", "Kotawaringin Barat"),  # "Kota" only as a whole word
    ],
)
def test_signing_place(name, place):
    assert signing_place(SimpleNamespace(region=SimpleNamespace(name=name))) == place


class _Plain(Report):
    name = "test-plain"

    def get_context(self, *, user, params):
        return {}


def _furniture(user, region_code, monkeypatch):
    monkeypatch.setattr(base, "_now", lambda: MOMENT)
    region = make_region(region_code)
    return _Plain().document_context(user=user, params={"region": region})


@pytest.mark.parametrize(
    ("code", "name", "place", "printed", "signed"),
    [
        ("51.03", "Kabupaten Badung", "Badung", "23 November 2026 pukul 00.30 WITA", "23 November 2026"),
        ("91.71", "Kota Jayapura", "Jayapura", "23 November 2026 pukul 01.30 WIT", "23 November 2026"),
        ("32.73", "Kota Bandung", "Bandung", "22 November 2026 pukul 23.30 WIB", "22 November 2026"),
    ],
)
def test_a_report_of_an_office_prints_its_own_time_and_city(db, monkeypatch, code, name, place, printed, signed):
    make_region(code[:2])
    make_region(code, name)
    office_for(code)
    user = staff_user(region_code=code)
    context = _furniture(user, code, monkeypatch)
    assert (context["signing_place"], context["printed_at"], context["signing_date"]) == (place, printed, signed)


def test_a_province_office_signs_with_the_province_name(db, monkeypatch):
    make_region("51", "Bali")
    office_for("51")
    context = _furniture(staff_user(region_code="51"), "51", monkeypatch)
    assert context["signing_place"] == "Bali"
    assert context["printed_at"].endswith("WITA")


def test_the_command_without_a_user_uses_the_regions_office(db, monkeypatch):
    make_region("51", "Bali")
    make_region("51.03", "Kabupaten Badung")
    office_for("51.03")
    context = _furniture(SYSTEM, "51.03", monkeypatch)
    assert (context["signing_place"], context["printed_at"][-4:]) == ("Badung", "WITA")
