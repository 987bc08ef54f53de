"""Indonesia's three time zones and the province each region lies in: the time an office prints on its documents.

A report printed by the office of Kabupaten Badung says "pukul 14.05 WITA", one of Kota Bandung "pukul 13.05 WIB",
one of Kota Jayapura "pukul 15.05 WIT", whatever TIME_ZONE the server runs in. The zone follows the province (the
first two digits of the Kemendagri code); the national office and the command line without a region keep the
project's TIME_ZONE.
"""

from __future__ import annotations

import datetime
import zoneinfo
from dataclasses import dataclass

from django.utils import timezone


@dataclass(frozen=True)
class Zone:
    """A time zone as an office writes it: the IANA name and the Indonesian abbreviation."""

    name: str
    label: str

    @property
    def tzinfo(self) -> zoneinfo.ZoneInfo:
        return zoneinfo.ZoneInfo(self.name)


WIB = Zone("Asia/Jakarta", "WIB")  # UTC+7: Sumatra, Java, West and Central Kalimantan
WITA = Zone("Asia/Makassar", "WITA")  # UTC+8
WIT = Zone("Asia/Jayapura", "WIT")  # UTC+9

# Provinces outside WIB, by their two-digit code (Permendagri numbering; every other province is WIB).
PROVINCE_ZONES: dict[str, Zone] = {
    "51": WITA,  # Bali
    "52": WITA,  # Nusa Tenggara Barat
    "53": WITA,  # Nusa Tenggara Timur
    "63": WITA,  # Kalimantan Selatan
    "64": WITA,  # Kalimantan Timur
    "65": WITA,  # Kalimantan Utara
    "71": WITA,  # Sulawesi Utara
    "72": WITA,  # Sulawesi Tengah
    "73": WITA,  # Sulawesi Selatan
    "74": WITA,  # Sulawesi Tenggara
    "75": WITA,  # Gorontalo
    "76": WITA,  # Sulawesi Barat
    "81": WIT,  # Maluku
    "82": WIT,  # Maluku Utara
    "91": WIT,  # Papua
    "92": WIT,  # Papua Barat
    "93": WIT,  # Papua Selatan
    "94": WIT,  # Papua Tengah
    "95": WIT,  # Papua Pegunungan
    "96": WIT,  # Papua Barat Daya
}


def region_zone(region_code: str | None) -> Zone | None:
    """The zone of the province region `region_code` lies in (any level: "51", "51.03", "51.03.01.1001"); None
    without a code."""
    if not region_code:
        return None
    return PROVINCE_ZONES.get(region_code[:2], WIB)


def office_zone(office) -> Zone | None:
    """The zone of an office (its region's province); None without an office."""
    return region_zone(office.region_id) if office is not None else None


def local_moment(value: datetime.datetime | None = None, zone: Zone | None = None) -> tuple[datetime.datetime, str]:
    """`value` (default: now) in `zone` with its abbreviation; without a zone, in the project's TIME_ZONE with the
    abbreviation that zone gives (Asia/Jakarta: WIB)."""
    value = value or timezone.now()
    if zone is None:
        moment = timezone.localtime(value)
        return moment, moment.tzname() or ""
    return timezone.localtime(value, zone.tzinfo), zone.label
