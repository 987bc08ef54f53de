"""Validators for Indonesian identifiers and figures; messages in Indonesian (the UI's source language)."""

import datetime
import re

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

# Kemendagri province codes that exist (38 provinces since 2022), used to check the first two digits of a NIK.
PROVINCE_CODES = frozenset(
    "11 12 13 14 15 16 17 18 19 21 31 32 33 34 35 36 51 52 53 61 62 63 64 65 71 72 73 74 75 76 81 82 91 92 93 94 95 96".split()
)

# Indonesia's extent (Weh island to Merauke, Miangas to Rote) with a small margin.
LATITUDE_RANGE = (-11.5, 6.5)
LONGITUDE_RANGE = (94.5, 141.5)

EARLIEST_YEAR = 1900

_DIGITS = re.compile(r"[0-9]+")


def validate_nib(value: str) -> None:
    """NIB (Nomor Induk Berusaha, issued by OSS): exactly 13 digits."""
    if not (_DIGITS.fullmatch(value or "") and len(value) == 13):
        raise ValidationError(_("NIB harus terdiri dari 13 angka."), code="invalid_nib")


def nik_birth_date(value: str) -> tuple[datetime.date, bool] | None:
    """Return (birth date, is_female) encoded in a NIK, or None if the date part is impossible."""
    day, month, year = int(value[6:8]), int(value[8:10]), int(value[10:12])
    female = day > 40
    if female:
        day -= 40
    century = 2000 if not_after_this_year(2000 + year) else 1900
    try:
        return datetime.date(century + year, month, day), female
    except ValueError:
        return None


def validate_nik(value: str) -> None:
    """NIK: 16 digits = province(2) regency(2) district(2) DDMMYY (day + 40 for women) serial(4)."""
    if not (_DIGITS.fullmatch(value or "") and len(value) == 16):
        raise ValidationError(_("NIK harus terdiri dari 16 angka."), code="invalid_nik")
    if value[:2] not in PROVINCE_CODES:
        raise ValidationError(
            _("Dua angka pertama NIK (%(code)s) bukan kode provinsi."),
            code="invalid_nik_province",
            params={"code": value[:2]},
        )
    if value[2:4] == "00" or value[4:6] == "00":
        raise ValidationError(
            _("Kode kabupaten/kota atau kecamatan pada NIK tidak boleh 00."), code="invalid_nik_region"
        )
    if nik_birth_date(value) is None:
        raise ValidationError(_("Tanggal lahir pada NIK (angka 7–12) tidak valid."), code="invalid_nik_birth_date")
    if value[12:] == "0000":
        raise ValidationError(_("Nomor urut pada NIK tidak boleh 0000."), code="invalid_nik_serial")


def validate_phone(value: str) -> None:
    """Indonesian phone number: 08…, +62… or 62…, 9–15 digits, spaces and dashes allowed."""
    digits = re.sub(r"[\s\-().]", "", value or "")
    if not re.fullmatch(r"(\+62|62|0)[0-9]{7,13}", digits):
        raise ValidationError(
            _("Nomor telepon tidak valid; tulis seperti 0812 3456 7890 atau +62 361 123456."), code="invalid_phone"
        )


def validate_latitude(value) -> None:
    low, high = LATITUDE_RANGE
    if value is not None and not (low <= value <= high):
        raise ValidationError(
            _("Lintang %(value)s berada di luar wilayah Indonesia (%(low)s sampai %(high)s)."),
            code="latitude_outside_indonesia",
            params={"value": value, "low": low, "high": high},
        )


def validate_longitude(value) -> None:
    low, high = LONGITUDE_RANGE
    if value is not None and not (low <= value <= high):
        raise ValidationError(
            _("Bujur %(value)s berada di luar wilayah Indonesia (%(low)s sampai %(high)s)."),
            code="longitude_outside_indonesia",
            params={"value": value, "low": low, "high": high},
        )


def not_after_this_year(year: int) -> bool:
    """Whether `year` is not after the current year of the active time zone. The local year is the UTC year or one
    either side of it: only a year in that span looks up the time zone, which costs more than the check itself (an
    import checks a year founded and a NIK's birth year on each of 100,000 rows)."""
    utc_year = timezone.now().year
    if year < utc_year - 1 or year > utc_year + 1:
        return year < utc_year
    return year <= timezone.localdate().year


def validate_past_year(value) -> None:
    """A year that has happened: not before 1900 and not after the current year."""
    if value is None:
        return
    if value < EARLIEST_YEAR or not not_after_this_year(value):
        raise ValidationError(
            _("Tahun %(value)s tidak masuk akal; isi antara %(low)s dan %(high)s."),
            code="invalid_year",
            params={"value": value, "low": EARLIEST_YEAR, "high": timezone.localdate().year},
        )


def validate_non_negative(value) -> None:
    if value is not None and value < 0:
        raise ValidationError(_("Nilai tidak boleh negatif."), code="negative")


def validate_kbli_subclass_code(value: str) -> None:
    """A KBLI 2020 subclass (kelompok) code: 5 digits."""
    if not (_DIGITS.fullmatch(value or "") and len(value) == 5):
        raise ValidationError(_("Kode KBLI harus 5 angka (tingkat kelompok)."), code="invalid_kbli")
