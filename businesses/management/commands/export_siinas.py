"""`export_siinas --region CODE --year YYYY --semester 1|2 --output FILE [--user USERNAME] [--status STATUS]`

The SIINas items (Permenperin 13/2025 Pasal 7) of the businesses of a region for one semester, as CSV or XLSX (by
the output file's extension): one row per business with the figures of the data year YYYY; see
businesses/services/siinas.py for what each column holds and which items the registry does not record (empty).

The businesses are those of the region (a province, kabupaten/kota or kecamatan code) through the staff FilterSet,
by default the active ones (submitted, verified, published); --status picks one status instead. Without --user the
export has full access, as the command; with --user only what that staff user may see, and a region outside their
scope is refused. Every file with a row is logged (individual figures), for the user or the command.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from businesses import rules
from businesses.choices import BusinessStatus
from businesses.filtersets import BusinessStaffFilterSet
from businesses.services.siinas import SEMESTERS, businesses_siinas_export
from businesses.validators import EARLIEST_YEAR
from ikm_registry.choices import RegionLevel
from ikm_registry.models import Region
from ikm_registry.scoping import SystemActor

FORMATS = {".csv": "csv", ".xlsx": "xlsx"}
# The FilterSet parameter that narrows to a region of each level.
REGION_PARAM = {RegionLevel.PROVINCE: "kabupaten", RegionLevel.REGENCY: "kabupaten", RegionLevel.DISTRICT: "kecamatan"}


class Command(BaseCommand):
    help = __doc__

    def add_arguments(self, parser):
        parser.add_argument("--region", required=True, help="province, kabupaten/kota or kecamatan code, e.g. 51.03")
        parser.add_argument("--year", required=True, type=int, help="the year of the period (and of the figures)")
        parser.add_argument("--semester", required=True, type=int, choices=SEMESTERS, help="1 or 2")
        parser.add_argument("--output", required=True, help="FILE.xlsx or FILE.csv")
        parser.add_argument("--user", help="export as this staff user (their scope applies)")
        parser.add_argument(
            "--status",
            choices=BusinessStatus.values,
            help="only businesses of this status (default: submitted, verified and published)",
        )

    def handle(self, *args, region, year, semester, output, user, status, **options):
        path = Path(output)
        file_format = FORMATS.get(path.suffix.lower())
        if file_format is None:
            raise CommandError("--output must end in .xlsx or .csv.")
        if not EARLIEST_YEAR <= year <= 2100:
            raise CommandError(f"--year {year} is not a plausible year.")
        actor = SystemActor("export_siinas")
        if user:
            actor = get_user_model().objects.filter(username=user, is_active=True).first()
            if actor is None:
                raise CommandError(f"No active user '{user}'.")
        place = Region.objects.filter(code=region).first()
        if place is None or place.level not in REGION_PARAM:
            raise CommandError(f"Unknown province, kabupaten/kota or kecamatan code: {region}.")
        if not Region.objects.restrict(actor).filter(code=region).exists():
            raise CommandError(f"Region {region} is outside what user '{user}' may see.")
        data = {REGION_PARAM[place.level]: region}
        if status:
            data["status"] = status
        filterset = BusinessStaffFilterSet.for_user(actor, data=data)
        if not filterset.form.is_valid():
            raise CommandError(
                "; ".join(f"{name}: {' '.join(errors)}" for name, errors in filterset.form.errors.items())
            )
        businesses = filterset.qs
        if not status:
            businesses = businesses.filter(rules.is_active())
        export = businesses_siinas_export(
            queryset=businesses.order_by("village_id", "name", "pk"),
            user=actor,
            year=year,
            semester=semester,
            file_format=file_format,
            filter=f"--region {region}" + (f" --status {status}" if status else ""),
        )
        with export.file, path.open("wb") as handle:
            shutil.copyfileobj(export.file, handle)
        self.stdout.write(f"{path}: {export.row_count} IKM, SIINas {year} semester {semester} ({place.name})")
