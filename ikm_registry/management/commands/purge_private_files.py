"""`purge_private_files [--days N] [--dry-run]`: delete private files past their retention.

Import uploads, rejects files and background reports older than PRIVATE_FILES_RETENTION_DAYS (default 30) are
deleted, with what the rows describing them say of single rows (a check's reasons and changes); the rows stay with
their counts (who imported what, when, how many rows). Run it daily from cron, e.g.
`15 3 * * * cd /srv/registri-ikm && .venv/bin/python manage.py purge_private_files`; the worker (`db_worker`) also
runs it once a day.
"""

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from ikm_registry.private_files import private_files_purge


class Command(BaseCommand):
    help = (
        "Delete private files (import uploads, rejects files, background reports) older than "
        "PRIVATE_FILES_RETENTION_DAYS; the rows describing them stay."
    )

    def add_arguments(self, parser):
        parser.add_argument("--days", type=int, default=None, help="retention in days (default: the setting)")
        parser.add_argument("--dry-run", action="store_true", help="count what would be deleted, delete nothing")

    def handle(self, *args, days, dry_run, **options):
        days = settings.PRIVATE_FILES_RETENTION_DAYS if days is None else days
        if days < 0:
            raise CommandError("--days must be 0 or more")
        result = private_files_purge(days=days, dry_run=dry_run)
        verb = "would delete" if dry_run else "deleted"
        self.stdout.write(
            f"{verb} {result.files} private files older than {days} days, and {result.orphans} files no record names; "
            f"{'would clear' if dry_run else 'cleared'} the personal data of {result.records} records"
        )
