"""How each kind of product certificate lapses (../shared/reference/certification.md), and the P-IRT number.

The rules change (PP 28/2025 replaced PP 5/2021): each record keeps the legal basis it was entered under, a derived
expiry can be overridden by staff, and the windows below are the whole of what the code assumes.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from certification.choices import ProductCertificateKind as K


def add_months(day: date, months: int) -> date:
    """`day` plus `months` calendar months, on the last day of the month when the day does not exist (31 → 30)."""
    month0 = day.month - 1 + months
    year, month = day.year + month0 // 12, month0 % 12 + 1
    for last in (day.day, 30, 29, 28):
        try:
            return date(year, month, min(day.day, last))
        except ValueError:
            continue
    raise ValueError(day)  # unreachable


@dataclass(frozen=True)
class KindRule:
    legal_basis: str  # the default "dasar hukum" stored with a new record of this kind
    issuer: str  # the default issuer
    # Months before `valid_until` from which the certificate is in its renewal window (shown on the expiry list).
    renewal_months: int = 6
    # Months after filing (merek) or issue a certificate of this kind is valid when no date is typed; None: no rule.
    validity_months: int | None = None
    # Halal: no expiry, but the holder confirms every this many months that composition and process are unchanged.
    confirm_months: int | None = None


RULES: dict[str, KindRule] = {
    K.HALAL: KindRule(
        legal_basis="UU 33/2014 jo. UU 6/2023 Pasal 63B; PP 42/2024",
        issuer="BPJPH",
        confirm_months=12,
    ),
    K.PIRT: KindRule(legal_basis="Perbadan POM 22/2018; PP 28/2025", issuer="Pemerintah Kabupaten/Kota (DPMPTSP)"),
    K.SNI: KindRule(legal_basis="UU 20/2014; peraturan teknis produk", issuer="LSPro terakreditasi KAN"),
    K.BPOM_MD: KindRule(legal_basis="Perbadan POM 23/2023", issuer="BPOM"),
    K.BPOM_ML: KindRule(legal_basis="Perbadan POM 23/2023", issuer="BPOM"),
    K.MEREK: KindRule(legal_basis="UU 20/2016 Pasal 35", issuer="DJKI", validity_months=120),
    K.OTHER: KindRule(legal_basis="", issuer=""),
}

# Merek: after the expiry, six months of grace in which it can still be renewed with a fine (UU 20/2016 Pasal 35).
MEREK_GRACE_MONTHS = 6


# --- P-IRT -----------------------------------------------------------------------------------------------------

PIRT_PACKAGING = {
    "1": gettext_lazy("kaca"),
    "2": gettext_lazy("plastik"),
    "3": gettext_lazy("karton/kertas"),
    "4": gettext_lazy("kaleng"),
    "5": gettext_lazy("aluminium foil"),
    "6": gettext_lazy("lainnya"),
    "7": gettext_lazy("komposit"),
    "8": gettext_lazy("kemasan ganda"),
}


@dataclass(frozen=True)
class PirtNumber:
    """A 15-digit SPP-IRT number taken apart: packaging, food type, regency, product and IRTP serials, expiry year."""

    digits: str
    packaging: str
    food_type: str
    regency_code: str  # as Kemendagri writes it, "51.71"
    product_serial: str
    irtp_serial: str
    expiry_year: int

    @property
    def packaging_label(self) -> str:
        return str(PIRT_PACKAGING[self.packaging])

    @property
    def printed(self) -> str:
        """As printed on a label: 1234567890123-45."""
        return f"{self.digits[:13]}-{self.digits[13:]}"


def parse_pirt(value: str, *, today: date | None = None) -> PirtNumber:
    """Decode a P-IRT number however it was written ("P-IRT No. 2510101010001-29", spaces, dots); ValidationError
    naming what is wrong."""
    text = re.sub(r"(?i)^\s*(spp-?irt|p-?irt)\s*(nomor|no\.?)?\s*:?\s*", "", value or "")
    digits = re.sub(r"[\s.\-/]", "", text)
    if not digits.isdigit():
        raise ValidationError(_("Nomor P-IRT hanya berisi angka (15 angka, mis. 2510101010001-29)."), code="pirt")
    if len(digits) != 15:
        raise ValidationError(
            _("Nomor P-IRT terdiri dari 15 angka; yang tertulis %(n)s angka.") % {"n": len(digits)}, code="pirt"
        )
    if digits[0] not in PIRT_PACKAGING:
        raise ValidationError(
            _("Angka pertama nomor P-IRT (jenis kemasan) harus 1–8, bukan %(d)s.") % {"d": digits[0]}, code="pirt"
        )
    if digits[3:5] == "00" or digits[5:7] == "00":
        raise ValidationError(
            _("Angka ke-4 sampai ke-7 nomor P-IRT (kode provinsi dan kabupaten/kota) tidak valid: %(code)s.")
            % {"code": digits[3:7]},
            code="pirt",
        )
    return PirtNumber(
        digits=digits,
        packaging=digits[0],
        food_type=digits[1:3],
        regency_code=f"{digits[3:5]}.{digits[5:7]}",
        product_serial=digits[7:9],
        irtp_serial=digits[9:13],
        expiry_year=2000 + int(digits[13:15]),
    )


def pirt_expiry(number: PirtNumber, issued_on: date | None) -> date:
    """The expiry a P-IRT number implies: five years after issue when that falls in the year the number ends with
    (at most 5 years, Perbadan POM 22/2018), else the last day of that year."""
    if issued_on is not None:
        five_years = add_months(issued_on, 60)
        if five_years.year == number.expiry_year:
            return five_years
    return date(number.expiry_year, 12, 31)


# --- BPOM ------------------------------------------------------------------------------------------------------

BPOM_PATTERN = re.compile(r"^(MD|ML)(\d{12})$")


def normalise_bpom(value: str) -> str:
    """ "BPOM RI MD 123456789012" → "MD123456789012"."""
    return re.sub(r"(?i)^\s*(badan\s+pom|bpom)(\s*ri)?\s*", "", value or "").replace(" ", "").replace(".", "").upper()


def check_bpom(kind: str, value: str) -> str:
    number = normalise_bpom(value)
    prefix = "MD" if kind == K.BPOM_MD else "ML"
    match = BPOM_PATTERN.match(number)
    if match is None:
        raise ValidationError(
            _("Nomor BPOM %(prefix)s ditulis %(prefix)s diikuti 12 angka (mis. %(prefix)s 123456789012).")
            % {"prefix": prefix},
            code="bpom",
        )
    if match.group(1) != prefix:
        raise ValidationError(
            _("Nomor %(number)s adalah nomor %(other)s, bukan %(prefix)s: periksa jenis sertifikat.")
            % {"number": number, "other": match.group(1), "prefix": prefix},
            code="bpom",
        )
    return number


# --- derived dates ---------------------------------------------------------------------------------------------


def derived_valid_until(kind: str, *, number: str, issued_on: date | None, filed_on: date | None) -> date | None:
    """The expiry the rules give when none was typed; None when the kind has no rule (halal: none; SNI, BPOM: what
    each certificate says)."""
    if kind == K.PIRT:
        try:
            return pirt_expiry(parse_pirt(number), issued_on)
        except ValidationError:
            return None
    rule = RULES.get(kind)
    if rule is not None and rule.validity_months:
        start = filed_on if kind == K.MEREK else issued_on
        start = start or issued_on
        return add_months(start, rule.validity_months) if start else None
    return None


def renewal_opens(kind: str, valid_until: date | None) -> date | None:
    """The first day of the renewal window (six months before expiry for P-IRT and merek): the first day from which
    the expiry lies within `renewal_months` months — the rule the expiry list applies (a 31 May expiry opens on
    1 December, since 30 November plus six months is 30 May)."""
    if valid_until is None:
        return None
    months = RULES.get(kind, RULES[K.OTHER]).renewal_months
    opens = add_months(valid_until, -months)
    return opens + timedelta(days=1) if add_months(opens, months) < valid_until else opens


def confirmation_due(kind: str, confirmed_on: date | None, issued_on: date | None) -> date | None:
    """Halal: when the holder should next confirm that composition and process are unchanged."""
    rule = RULES.get(kind)
    if rule is None or not rule.confirm_months:
        return None
    start = confirmed_on or issued_on
    return add_months(start, rule.confirm_months) if start else None
