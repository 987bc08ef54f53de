"""`render_report NAME [--region CODE] [--year YYYY] [--year-from YYYY --year-to YYYY] [--user USERNAME]
[--business ID] [--sentra ID] [--event CODE_OR_ID]
[--param FIELD=VALUE ...] --output FILE.pdf` and `render_report --list`.

Without --user the report is made with full access: whoever runs manage.py already has the database. With --user it
sees only what that staff user may see, and a region outside the user's scope is refused. A file with personal data
or individual figures is logged (Log ekspor): for that user, or — without --user — for the command and the account
that ran it.
"""

import time
from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from ikm_registry.reports import ReportError, all_reports, get_report, report_render
from ikm_registry.scoping import SystemActor


def report_params(options) -> dict:
    """--business, --sentra, --event and every --param FIELD=VALUE as form data (later ones win)."""
    data = {key: options[key] for key in ("business", "sentra", "event") if options.get(key) is not None}
    for item in options.get("param") or []:
        key, sep, value = item.partition("=")
        if not sep or not key.strip():
            raise CommandError(f"--param {item!r}: write FIELD=VALUE.")
        data[key.strip().replace("-", "_")] = value
    return data


class Command(BaseCommand):
    help = "Render a PDF report (DESIGN §6). --list names the reports."

    def add_arguments(self, parser):
        parser.add_argument("name", nargs="?", help="Report name (see --list)")
        parser.add_argument("--list", action="store_true", help="List the reports and exit")
        parser.add_argument("--region", help="Region code, e.g. 51 or 51.03 or 51.03.01")
        parser.add_argument("--year", help="Data year, e.g. 2025")
        parser.add_argument("--year-from", help="First data year of a range (pertumbuhan), e.g. 2021")
        parser.add_argument("--year-to", help="Last data year of a range (pertumbuhan), e.g. 2025")
        parser.add_argument("--user", help="Make the report as this staff user (their scope applies)")
        parser.add_argument("--output", help="The PDF file to write")
        parser.add_argument("--business", help="Business ID (profil-ikm)")
        parser.add_argument("--sentra", help="Sentra ID (profil-sentra)")
        parser.add_argument("--event", help="Event code (kode kegiatan) or ID (the reports of an event)")
        parser.add_argument(
            "--param",
            action="append",
            default=[],
            metavar="FIELD=VALUE",
            help="Any other field of the report's form, e.g. --param business=12; repeatable",
        )

    def handle(self, *args, name, list, region, year, year_from, year_to, user, output, **options):
        if list:
            for report in all_reports():
                self.stdout.write(f"{report.name}\t{report.title}")
            return
        if not name:
            raise CommandError("Name a report (render_report --list shows them).")
        if not output:
            raise CommandError("--output FILE.pdf is required.")
        try:
            report = get_report(name)
        except ReportError as error:
            raise CommandError(f"{error} Known: {', '.join(r.name for r in all_reports())}.") from None
        as_user = SystemActor("render_report")  # full access, named in the export log
        if user:
            as_user = get_user_model().objects.filter(username=user).first()
            if as_user is None:
                raise CommandError(f"No user '{user}'.")
        given = {"region": region, "year": year, "year_from": year_from, "year_to": year_to}
        data = {key: value for key, value in given.items() if value is not None}
        data.update(report_params(options))
        form = report.form_class(data=data, user=as_user)
        if not form.is_valid():
            problems = "; ".join(
                f"--{field.replace('_', '-')}: {' '.join(errors)}" if field != "__all__" else " ".join(errors)
                for field, errors in form.errors.items()
            )
            raise CommandError(problems)
        started = time.perf_counter()
        with transaction.atomic():  # no log row for a file that could not be written
            pdf = report_render(
                report=report(),
                user=as_user,
                params=form.cleaned_data,
                filter_description=form.describe(),
            )
            Path(output).write_bytes(pdf)
        self.stdout.write(f"{output}: {len(pdf):,} bytes in {time.perf_counter() - started:.2f} s")
