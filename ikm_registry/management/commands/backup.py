from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.db import connection

from ikm_registry.backup import BackupError, backup
from ikm_registry.personal_data import personal_data_rows
from ikm_registry.services import command_actor, export_logged

# The kind of database copy a backup holds, as the export log's format.
DATABASE_FORMATS = {"postgresql": "pg_dump", "sqlite": "sqlite3"}


class Command(BaseCommand):
    help = (
        "Back up the database (pg_dump, or SQLite's online backup) and the file directories (MEDIA_ROOT and the "
        "private files) into a new directory registri-ikm-YYYYMMDD-HHMMSS under DESTINATION. Safe while the site runs. "
        "Recorded in the export log (every owner's NIK, phone and e-mail leaves with it)."
    )

    def add_arguments(self, parser):
        parser.add_argument("destination", help="directory in which the backup directory is created")

    def handle(self, *args, destination, **options):
        # Logged before the copy is taken, so that the backup holds its own log row and the manifest's counts are
        # the database's after the command; a backup that fails takes its row back.
        log = export_logged(
            actor=command_actor("backup"),
            what="backup",
            file_format=DATABASE_FORMATS.get(connection.vendor, connection.vendor),
            filter={"destination": destination},
            row_count=personal_data_rows(),
            personal_data=True,
            individual_data=True,
        )
        try:
            target = backup(Path(destination))
        except BackupError as error:
            log.delete()
            raise CommandError(str(error)) from error
        except BaseException:
            log.delete()
            raise
        self.stdout.write(str(target))
