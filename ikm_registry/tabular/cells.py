"""Spreadsheet cells as the tabular engine reads and writes them (CSV and XLSX, imports, exports, rejects files).

CSV files we write are UTF-8 with a byte-order mark, semicolon-separated and with a decimal comma, the way Excel in
an Indonesian locale opens them directly; imports read commas, semicolons or tabs and either decimal mark.
"""

from __future__ import annotations

import datetime
from decimal import Decimal

# The rejects file adds this column; the import ignores it, so a corrected rejects file imports as it is.
REASON_COLUMN = "alasan"

CSV_DELIMITER = ";"
CSV_ENCODING = "utf-8-sig"

# A spreadsheet treats a cell starting with one of these as a formula (CSV/formula injection, OWASP).
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def neutralise(text: str) -> str:
    """'=HYPERLINK(...)' → "'=HYPERLINK(...)": a text cell a spreadsheet will not run as a formula."""
    return "'" + text if text.startswith(FORMULA_PREFIXES) else text


def unneutralise(text: str) -> str:
    """Undo `neutralise`, so an exported file imports back to the same values."""
    return text[1:] if text.startswith("'") and text[1:2] and text[1:].startswith(FORMULA_PREFIXES) else text


def decimal_text(value: Decimal | None, decimal_mark: str = ",") -> str:
    """Decimal('1500.00') → '1500', Decimal('-8.650000') → '-8,65' (no exponent, no trailing zeros)."""
    if value is None:
        return ""
    text = format(value, "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text.replace(".", decimal_mark)


def cell_text(value) -> str:
    """The text of a spreadsheet cell: numbers as Excel shows them without grouping (9120001234567, not 9.12e12)."""
    if value is None:
        return ""
    if isinstance(value, str):
        return unneutralise(value.strip())
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if value.is_integer():
            return str(int(value))
        return decimal_text(Decimal(repr(value)), ".")
    if isinstance(value, Decimal):
        return decimal_text(value, ".")
    if isinstance(value, datetime.datetime):
        return value.date().isoformat() if value.time() == datetime.time() else value.isoformat(sep=" ")
    if isinstance(value, datetime.date | datetime.time):
        return value.isoformat()
    return str(value).strip()
