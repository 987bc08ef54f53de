from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from ikm_registry.backup import BackupError, backup


class Command(BaseCommand):
    help = (
        "Back up the database (pg_dump, or SQLite's online backup) and the file directories (MEDIA_ROOT and the "
        "private files) into a new directory registri-ikm-YYYYMMDD-HHMMSS under DESTINATION. Safe while the site runs."
    )

    def add_arguments(self, parser):
        parser.add_argument("destination", help="directory in which the backup directory is created")

    def handle(self, *args, destination, **options):
        try:
            target = backup(Path(destination))
        except BackupError as error:
            raise CommandError(str(error)) from error
        self.stdout.write(str(target))
