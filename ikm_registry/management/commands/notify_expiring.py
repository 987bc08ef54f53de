"""`notify_expiring [--dry-run] [--date YYYY-MM-DD]`: the daily "Segera berakhir" job (ikm_registry/expiry.py).

Each app first records what has lapsed (a competency certificate past its date becomes "kedaluwarsa", in its
workflow log); then every office whose region has something in a window — competency certificates and their
surveillance, product certificates in their renewal window, MoUs — gets one e-mail (its own address and its staff's),
once a day however often the job runs. For cron: `0 6 * * * cd /srv/registri-ikm && .venv/bin/python manage.py
notify_expiring`; the job worker (`db_worker`) also runs it once a day.
"""

from datetime import date

from django.core.management.base import BaseCommand, CommandError

from ikm_registry.expiry import send_expiry_digests


class Command(BaseCommand):
    help = "Mark lapsed certificates and e-mail each office the digest of what lapses soon in its region"

    def add_arguments(self, parser):
        parser.add_argument("--dry-run", action="store_true", help="list the digests; mark and send nothing")
        parser.add_argument("--date", default=None, help="the day to run for (YYYY-MM-DD; default today)")

    def handle(self, *args, dry_run, date: str | None, **options):
        try:
            today = _parse(date)
        except ValueError as error:
            raise CommandError(f"--date: {error}") from error
        result = send_expiry_digests(today=today, dry_run=dry_run, stdout=self.stdout)
        self.stdout.write(
            f"{result.lapsed} records marked lapsed; {result.offices} offices with something lapsing soon; "
            f"{result.sent} digests sent, {result.skipped} skipped (already sent today or no address)"
            + (f", {result.failed} NOT sent (the mail server refused; see the log, tried again at the next run)"
               if result.failed else "")
        )  # fmt: skip
        if result.failed:
            raise CommandError(f"{result.failed} digests could not be sent")


def _parse(value: str | None):
    return date.fromisoformat(value) if value else None
