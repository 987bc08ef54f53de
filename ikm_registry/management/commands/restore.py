import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.db import connection

from ikm_registry.backup import BackupError, file_roots, read_manifest, restore


class Command(BaseCommand):
    help = (
        "Restore a backup made by `backup`: replaces the database DATABASE_URL points to and the file directories "
        "(each old directory is kept as <dir>.before-restore-<time>), then checks every table count and file against "
        "the backup. Stop the web server and the worker first."
    )

    def add_arguments(self, parser):
        parser.add_argument("source", help="a backup directory (registri-ikm-YYYYMMDD-HHMMSS)")
        parser.add_argument("--noinput", "--no-input", action="store_false", dest="interactive", help="do not ask")

    def handle(self, *args, source, interactive, **options):
        try:
            manifest = read_manifest(Path(source))
        except BackupError as error:
            raise CommandError(str(error)) from error
        where = ", ".join(str(path) for path in file_roots().values())
        if interactive:
            answer = input(
                f"Replace the database {connection.settings_dict['NAME']} and the files in {where} with the backup "
                f"of {manifest['created']}? Type 'yes' to go on: "
            )
            if answer != "yes":
                raise CommandError("Restore cancelled.")
        try:
            differences = restore(Path(source))
        except BackupError as error:
            raise CommandError(str(error)) from error
        if differences:
            raise CommandError("Restored, but it differs from the backup: " + json.dumps(differences))
        tables = len(manifest["tables"])
        rows = sum(manifest["tables"].values())
        files = sum(len(entry["sha256"]) for entry in manifest["files"].values())
        self.stdout.write(f"Restored {tables} tables ({rows} rows) and {files} files from {manifest['created']}.")
