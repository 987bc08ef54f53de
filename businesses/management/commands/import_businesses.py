from django.utils import timezone

from ikm_registry.tabular.command import TabularImportCommand


class Command(TabularImportCommand):
    help = (
        "Import businesses (IKM) from a CSV or XLSX file in the layout of DESIGN.md §8. Every row is checked "
        "first; errors name the row (header = row 1), the column and the reason. If any row is invalid nothing is "
        "written and the command exits non-zero, unless --skip-invalid: then the valid rows are written and the "
        "invalid ones saved with an 'alasan' column to a rejects file. Rows match registered businesses by NIB, "
        "else by name + owner + desa; re-importing the same file changes nothing. Without --user the import has full "
        "access and history names the command and the file; with --user it runs with that staff account's region "
        "and role (an official may not import), and history names it. --dry-run (or -v 2) prints, for every "
        "registered business a row changes, each column as old → new."
    )
    kind = "businesses"  # businesses.services.importing.BusinessImporter
    command_name = "import_businesses"

    def add_arguments(self, parser):
        super().add_arguments(parser)
        parser.add_argument(
            "--year", type=int, default=None, help="data year of the yearly figures (default: the current year)"
        )

    def importer_options(self, options) -> dict:
        return {"year": options["year"] or timezone.localdate().year}
