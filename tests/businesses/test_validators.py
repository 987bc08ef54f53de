"""Validators for Indonesian identifiers and figures: good values pass, bad ones fail with Indonesian messages."""

from datetime import UTC, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from businesses import validators as v


def error_of(validator, value) -> ValidationError:
    with pytest.raises(ValidationError) as excinfo:
        validator(value)
    return excinfo.value


# --- NIB ----------------------------------------------------------------------------------------------------------


def test_nib_of_13_digits_is_valid():
    v.validate_nib("9120001234567")


@pytest.mark.parametrize(
    "value",
    ["912000123456", "91200012345678", "912000123456A", "9120 00123456", "", "９１２０００１２３４５６７"],
    ids=["12-digits", "14-digits", "letter", "space", "empty", "fullwidth-digits"],
)
def test_nib_not_13_ascii_digits_is_refused_in_indonesian(value):
    error = error_of(v.validate_nib, value)
    assert error.code == "invalid_nib"
    assert "NIB harus terdiri dari 13 angka" in error.messages[0]


# --- NIK ----------------------------------------------------------------------------------------------------------
# Layout: province(2) regency(2) district(2) DDMMYY (day + 40 for women) serial(4).


@pytest.mark.parametrize(
    "value",
    [
        "5171010101900001",  # man born 1 Jan 1990 in Denpasar Selatan
        "5171017101900002",  # woman born 31 Jan 1990 (31 + 40 = 71)
        "5103014101900003",  # woman born 1 Jan 1990 (1 + 40 = 41)
        "3273012902000001",  # 29 Feb 2000, a leap year
        "1101010101050001",  # born 2005: two-digit year read as 20xx when that is not in the future
    ],
    ids=["male", "female-day-71", "female-day-41", "leap-day", "born-2000s"],
)
def test_valid_nik_passes(value):
    v.validate_nik(value)


@pytest.mark.parametrize(
    ("value", "code", "fragment"),
    [
        ("517101010190001", "invalid_nik", "16 angka"),
        ("51710101019000012", "invalid_nik", "16 angka"),
        ("51710101019000AB", "invalid_nik", "16 angka"),
        ("9971010101900001", "invalid_nik_province", "kode provinsi"),
        ("5100010101900001", "invalid_nik_region", "tidak boleh 00"),
        ("5171000101900001", "invalid_nik_region", "tidak boleh 00"),
        ("5171013201900001", "invalid_nik_birth_date", "Tanggal lahir"),
        ("5171010113900001", "invalid_nik_birth_date", "Tanggal lahir"),
        ("5171010001900001", "invalid_nik_birth_date", "Tanggal lahir"),
        ("5171017201900001", "invalid_nik_birth_date", "Tanggal lahir"),
        ("5171012902990001", "invalid_nik_birth_date", "Tanggal lahir"),
        ("5171010101900000", "invalid_nik_serial", "0000"),
    ],
    ids=[
        "15-digits",
        "17-digits",
        "letters",
        "province-99",
        "regency-00",
        "district-00",
        "day-32",
        "month-13",
        "day-00",
        "female-day-72",
        "29-feb-non-leap-year",
        "serial-0000",
    ],
)
def test_invalid_nik_is_refused_with_reason(value, code, fragment):
    error = error_of(v.validate_nik, value)
    assert error.code == code
    assert "NIK" in error.messages[0]
    assert fragment in error.messages[0]


def test_nik_province_message_names_the_wrong_code():
    assert "(99)" in error_of(v.validate_nik, "9971010101900001").messages[0]


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("5171010101900001", ("1990-01-01", False)),
        ("5171017101900002", ("1990-01-31", True)),
        ("5171011512850001", ("1985-12-15", False)),
        ("5171015512850001", ("1985-12-15", True)),
    ],
)
def test_nik_birth_date_decodes_date_and_sex(value, expected):
    date, female = v.nik_birth_date(value)
    assert (date.isoformat(), female) == expected


# --- phone --------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "value", ["0812 3456 7890", "081234567890", "+62 361 123456", "62-812-3456-789", "(0361) 234567", "0361-234567"]
)
def test_indonesian_phone_numbers_pass(value):
    v.validate_phone(value)


@pytest.mark.parametrize(
    "value",
    ["12345678", "0812", "+1 202 555 0100", "0812-abc-4567", "0812345678901234567", "", "+62"],
    ids=["no-prefix", "too-short", "foreign", "letters", "too-long", "empty", "prefix-only"],
)
def test_bad_phone_numbers_are_refused_in_indonesian(value):
    error = error_of(v.validate_phone, value)
    assert error.code == "invalid_phone"
    assert "Nomor telepon tidak valid" in error.messages[0]


# --- coordinates --------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("latitude", "longitude"),
    [
        (Decimal("-6.200000"), Decimal("106.816666")),  # Jakarta
        (Decimal("-8.493300"), Decimal("140.401800")),  # Merauke
        (Decimal("5.890000"), Decimal("95.316700")),  # Sabang
        (Decimal("-8.670458"), Decimal("115.212629")),  # Denpasar
    ],
    ids=["jakarta", "merauke", "sabang", "denpasar"],
)
def test_coordinates_inside_indonesia_pass(latitude, longitude):
    v.validate_latitude(latitude)
    v.validate_longitude(longitude)


@pytest.mark.parametrize("value", [Decimal("10"), Decimal("-12"), Decimal("-90"), Decimal("45.5")])
def test_latitude_outside_indonesia_is_refused(value):
    error = error_of(v.validate_latitude, value)
    assert error.code == "latitude_outside_indonesia"
    assert "Lintang" in error.messages[0] and "di luar wilayah Indonesia" in error.messages[0]


@pytest.mark.parametrize("value", [Decimal("150"), Decimal("90"), Decimal("-106.8"), Decimal("0")])
def test_longitude_outside_indonesia_is_refused(value):
    error = error_of(v.validate_longitude, value)
    assert error.code == "longitude_outside_indonesia"
    assert "Bujur" in error.messages[0] and "di luar wilayah Indonesia" in error.messages[0]


def test_missing_coordinates_pass_the_range_validators():
    v.validate_latitude(None)
    v.validate_longitude(None)


# --- years and amounts --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("offset", [0, -1, -50])
def test_current_and_past_years_pass(offset):
    v.validate_past_year(timezone.localdate().year + offset)


def test_year_1900_and_none_pass():
    v.validate_past_year(1900)
    v.validate_past_year(None)


@pytest.mark.parametrize(
    "year", [lambda: timezone.localdate().year + 1, lambda: 1899, lambda: 0], ids=["next", "1899", "0"]
)
def test_future_or_ancient_year_is_refused(year):
    value = year()
    error = error_of(v.validate_past_year, value)
    assert error.code == "invalid_year"
    assert f"Tahun {value} tidak masuk akal" in error.messages[0]
    assert str(timezone.localdate().year) in error.messages[0]


# New Year: the current year is the one of the registry's time zone, whichever side of UTC that lies.
NEW_YEAR_UTC = datetime(2026, 1, 1, 3, 0, tzinfo=UTC)  # 10:00 on 1 January in Jakarta, 31 December in New York
EVE_UTC = datetime(2025, 12, 31, 20, 0, tzinfo=UTC)  # already 03:00 on 1 January 2026 in Jakarta


@pytest.mark.parametrize(
    ("utc", "zone", "this_year"),
    [(NEW_YEAR_UTC, "America/New_York", 2025), (EVE_UTC, "Asia/Jakarta", 2026), (NEW_YEAR_UTC, "Asia/Jakarta", 2026)],
    ids=["behind-utc", "ahead-of-utc", "after-both"],
)
def test_the_current_year_is_the_time_zones_at_new_year(monkeypatch, utc, zone, this_year):
    monkeypatch.setattr(timezone, "now", lambda: utc)
    with timezone.override(ZoneInfo(zone)):
        for year in (this_year, this_year - 1, this_year - 5):
            v.validate_past_year(year)
        for year in (this_year + 1, this_year + 5):
            error = error_of(v.validate_past_year, year)
            assert f"antara 1900 dan {this_year}" in error.messages[0]
        # A NIK's two-digit birth year is 20YY once that year has come in the zone, else 19YY.
        for year in (this_year, this_year - 5):
            assert v.nik_birth_date(f"3171010101{year % 100:02d}0001")[0].year == year
        for year in (this_year + 1, this_year + 5):
            assert v.nik_birth_date(f"3171010101{year % 100:02d}0001")[0].year == year - 100


@pytest.mark.parametrize("value", [0, 1, 10**12, Decimal("0.00"), None])
def test_zero_and_positive_amounts_pass(value):
    v.validate_non_negative(value)


@pytest.mark.parametrize("value", [-1, Decimal("-0.01"), -(10**12)])
def test_negative_amounts_are_refused(value):
    error = error_of(v.validate_non_negative, value)
    assert error.code == "negative"
    assert error.messages == ["Nilai tidak boleh negatif."]


# --- KBLI ---------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("value", ["13134", "01111", "32112"])
def test_five_digit_kbli_code_passes(value):
    v.validate_kbli_subclass_code(value)


@pytest.mark.parametrize("value", ["1313", "131345", "1313a", "C", "", "13 34"])
def test_kbli_code_that_is_not_a_subclass_is_refused(value):
    error = error_of(v.validate_kbli_subclass_code, value)
    assert error.code == "invalid_kbli"
    assert "KBLI harus 5 angka" in error.messages[0]
