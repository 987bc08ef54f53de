"""The management command of a registered importer: `manage.py import_table KIND FILE`, and the base of an app's
own command (e.g. `import_businesses`, which fixes the kind and adds --year).

Every row is checked; errors name the row (header = row 1), the column and the reason. If any row is invalid
nothing is written and the command exits non-zero, unless --skip-invalid: then the valid rows are written and the
invalid ones saved with an 'alasan' column to a rejects file (logged as an export of personal data). Without --user
the import has full access and history names the command and the file. The file is checked and written in one pass
and one transaction (Importer.import_file: chunk by chunk for an importer with a chunk_size); a dry run only checks.

A run that writes (or fails to) leaves an upload record (ikm_registry.TabularImport) beside the admin's uploads: the
file kept privately for its retention, the counts, what the check found and the rejects; a dry run leaves none.
"""

from __future__ import annotations

from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from ikm_registry.scoping import SystemActor
from ikm_registry.services import command_actor, export_logged
from ikm_registry.tabular import registry
from ikm_registry.tabular.cells import CSV_ENCODING
from ikm_registry.tabular.engine import Action
from ikm_registry.tabular.uploads import upload_record_command


class TabularImportCommand(BaseCommand):
    """Subclasses set `kind` (or take it as the first argument when it is empty) and may add options, turning them
    into the importer's options in `importer_options`."""

    kind = ""
    command_name = "import_table"
    help = __doc__

    def add_arguments(self, parser):
        if not self.kind:
            parser.add_argument("kind", help="the importer (see ikm_registry.tabular.registry)")
        parser.add_argument("file", help="CSV (UTF-8, comma or semicolon) or XLSX (first sheet)")
        parser.add_argument(
            "--user", help="username of the staff account the import runs as (default: full access, as the command)"
        )
        parser.add_argument("--dry-run", action="store_true", help="check and report, write nothing")
        parser.add_argument(
            "--skip-invalid", action="store_true", help="write the valid rows and save the invalid ones to --rejects"
        )
        parser.add_argument(
            "--rejects",
            help="rejects file (default: <name>.rejects.csv next to FILE; with --dry-run written only when given)",
        )
        if not self.kind:
            parser.add_argument(
                "--option", action="append", default=[], metavar="NAME=VALUE", help="an option of the importer"
            )

    def importer_options(self, options) -> dict:
        pairs = [item.partition("=") for item in options.get("option") or []]
        return {name: value for name, _sep, value in pairs}

    def handle(self, *args, file, user, dry_run, skip_invalid, rejects, **options):
        kind = self.kind or options["kind"]
        try:
            importer_class = registry.get(kind)
        except LookupError as error:
            known = ", ".join(name for name, _label in registry.choices())
            raise CommandError(f"{error} ({known})") from error
        path = Path(file)
        if not path.is_file():
            raise CommandError(_("Berkas %(path)s tidak ditemukan.") % {"path": path})
        if user:
            account = get_user_model().objects.filter(username=user).first()
            if account is None or not account.is_active:
                raise CommandError(_("Tidak ada pengguna aktif %(user)s.") % {"user": user})
        else:
            account = SystemActor(self.command_name)
        progress = self.stderr.write if options["verbosity"] >= 1 else (lambda message: None)
        importer_options = self.importer_options(options)
        importer = importer_class(user=account, options=importer_options, progress=progress)
        record = {
            "kind": kind,
            "command": self.command_name,
            "path": path,
            "actor": account,
            "options": importer_options,
            "skip_invalid": skip_invalid,
        }
        try:
            if dry_run:
                plan, result = importer.plan(path, path.name, keep_writes=False), None
            else:
                result = importer.import_file(path, path.name, skip_invalid=skip_invalid, progress=progress)
                plan = result.plan
        except (PermissionDenied, ValidationError) as error:
            refused = getattr(error, "code", None) == "import_conflict" or isinstance(error, PermissionDenied)
            if importer.checked_plan is not None and refused and not dry_run:
                # refused while writing (another region's row, the registry changed): nothing was written
                upload_record_command(**record, plan=importer.checked_plan, result=None)
            messages = getattr(error, "messages", None) or [str(error)]
            raise CommandError("\n".join(messages)) from error

        for error in plan.errors:
            self.stderr.write(str(error))
        for row, note in plan.notes:
            self.stdout.write(_("baris %(row)s: %(message)s") % {"row": row, "message": note})
        if dry_run or options["verbosity"] >= 2:
            for outcome in plan.rows:
                if outcome.action == Action.UPDATE and outcome.changes:
                    self.stdout.write(
                        _("baris %(row)s (ID %(id)s, %(name)s) diperbarui: %(changes)s")
                        % {
                            "row": outcome.row,
                            "id": outcome.record_id,
                            "name": outcome.name,
                            "changes": outcome.describe_changes(),
                        }
                    )
        self.stdout.write(f"{path.name}: {plan.summary()}")

        invalid = plan.counts["invalid"]
        if invalid and skip_invalid and (rejects or not dry_run):
            rejects_path = Path(rejects) if rejects else path.with_name(f"{path.stem}.rejects.csv")
            with rejects_path.open("w", encoding=CSV_ENCODING, newline="") as handle:
                written = plan.write_rejects(handle)
            self.log_rejects(account, importer_class, path, written)
            self.stdout.write(_("%(n)s baris tidak valid disimpan di %(path)s") % {"n": invalid, "path": rejects_path})
        if invalid and not skip_invalid:
            if not dry_run:
                upload_record_command(**record, plan=plan, result=None)
            raise CommandError(
                _("Tidak ada yang ditulis: %(n)s baris tidak valid. Perbaiki, atau pakai --skip-invalid.")
                % {"n": invalid}
            )
        if dry_run:
            self.stdout.write(_("Uji coba (--dry-run): tidak ada yang ditulis."))
            return
        upload_record_command(**record, plan=plan, result=result)
        self.stdout.write(
            self.style.SUCCESS(
                _("Ditulis: %(created)s baru, %(updated)s diperbarui, %(unchanged)s tetap.")
                % {"created": result.created, "updated": result.updated, "unchanged": result.unchanged}
            )
        )

    def log_rejects(self, account, importer_class, path: Path, rows: int) -> None:
        """The rejects file holds the rows as typed (personal data included): it is an export of personal data."""
        user = account if account.pk else None
        export_logged(
            user=user,
            actor="" if user else command_actor(self.command_name),
            what=importer_class.model,
            file_format="csv",
            filter=_("baris tidak valid dari impor %(file)s") % {"file": path.name},
            row_count=rows,
            personal_data=True,
        )
