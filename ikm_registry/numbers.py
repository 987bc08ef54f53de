"""Numbers as Indonesian offices write them, whatever the UI language (imports, exports, history, forms): read
("Rp 25.000.000", "1.500", "12,5") and written (25.000.000). Numbers in documents, which follow the active
language, are ikm_registry/reports/formatting.py's (angka, rupiah)."""

import re
from decimal import Decimal


def thousands(number: int, separator: str = ".") -> str:
    """12345 → '12.345': dots (or `separator`: the active language's, for pages) between thousands."""
    return f"{int(number):,}".replace(",", separator)


_GROUPED = re.compile(r"[0-9]{1,3}(\.[0-9]{3})+")
_PLAIN = re.compile(r"[0-9]+")


def parse_rupiah(text: str) -> int | None:
    """Parse '1.500.000', 'Rp 1.500.000,00', '1500000' or '-' style input into whole rupiah; '' is None.

    Raises ValueError for anything else (US-style '1,500,000', fractions of a rupiah, words).
    """
    cleaned = re.sub(r"^rp\.?", "", (text or "").strip(), flags=re.IGNORECASE).replace(" ", "").replace("\u00a0", "")
    if cleaned == "":
        return None
    negative = cleaned.startswith("-")
    cleaned = cleaned.lstrip("-")
    whole, _sep, fraction = cleaned.partition(",")
    if fraction and not (fraction.isdigit() and int(fraction) == 0):
        raise ValueError(text)
    if _GROUPED.fullmatch(whole):
        whole = whole.replace(".", "")
    elif not _PLAIN.fullmatch(whole):
        raise ValueError(text)
    return -int(whole) if negative else int(whole)


_GROUPED_DECIMAL = re.compile(r"[1-9][0-9]{0,2}(\.[0-9]{3})+")
_PLAIN_DECIMAL = re.compile(r"[0-9]+(\.[0-9]+)?")


def parse_decimal(text: str, *, grouping: bool = True) -> Decimal | None:
    """Parse '1.500' (thousands), '1.500,75', '12,5', '12.5' into a Decimal; '' is None.

    A comma is always the decimal mark. With `grouping` (quantities), dots followed by groups of exactly three
    digits separate thousands, the Indonesian way ('1.500' is 1500, '0.250' and '12.5' are decimals); without it
    (coordinates), a dot is a decimal mark too. Raises ValueError for anything else.
    """
    cleaned = (text or "").strip().replace(" ", "").replace("\u00a0", "")
    if cleaned == "":
        return None
    sign = "-" if cleaned.startswith("-") else ""
    cleaned = cleaned.removeprefix("-")
    whole, comma, fraction = cleaned.partition(",")
    if grouping and _GROUPED_DECIMAL.fullmatch(whole):
        whole = whole.replace(".", "")
    if comma:
        if not (_PLAIN.fullmatch(whole) and _PLAIN.fullmatch(fraction)):
            raise ValueError(text)
        whole = f"{whole}.{fraction}"
    elif not _PLAIN_DECIMAL.fullmatch(whole):
        raise ValueError(text)
    return Decimal(sign + whole)


def format_rupiah(value) -> str:
    """1404300000 → '1.404.300.000'."""
    if value in (None, ""):
        return ""
    return thousands(value)
