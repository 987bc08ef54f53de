"""Numbers, money and dates the way an Indonesian office writes them: 1.234.567; Rp 1.234.567; 22 November 2026.

Separators and month names follow the active language (Indonesian by default, the language of the documents).
"""

from __future__ import annotations

import datetime

from django.utils import dateformat, numberformat, timezone
from django.utils.formats import get_format
from django.utils.translation import gettext as _

from ikm_registry.zones import local_moment

EMPTY = "–"


def number(value, decimals: int = 0) -> str:
    """1234567 → "1.234.567" (Indonesian); None → "–"."""
    if value is None or value == "":
        return EMPTY
    return numberformat.format(
        value,
        get_format("DECIMAL_SEPARATOR"),
        decimal_pos=decimals,
        grouping=3,
        thousand_sep=get_format("THOUSAND_SEPARATOR"),
        force_grouping=True,
    )


def rupiah(value) -> str:
    """1234567 → "Rp 1.234.567"; None → "–"."""
    if value is None or value == "":
        return EMPTY
    return f"Rp {number(value)}"


def long_date(value: datetime.date | datetime.datetime | None) -> str:
    """A date as "22 November 2026" (month name in the active language)."""
    if value is None:
        return EMPTY
    if isinstance(value, datetime.datetime) and timezone.is_aware(value):
        value = timezone.localtime(value)
    return dateformat.format(value, "j F Y")


def printed_at(value: datetime.datetime | None = None, *, zone=None) -> str:
    """A moment (default: now) as "22 November 2026 pukul 14.05 WITA" in `zone` (an ikm_registry.zones.Zone: the
    printing office's, `office_zone()`), else in the project's time zone."""
    moment, label = local_moment(value, zone)
    return _("%(date)s pukul %(time)s %(zone)s") % {
        "date": long_date(moment.date()),
        "time": moment.strftime("%H.%M"),
        "zone": label,
    }
