from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from ikm_registry.reference import kbli_import


class Command(BaseCommand):
    help = "Load KBLI 2020 from FILE (code,title,level,parent_code). Idempotent."

    def add_arguments(self, parser):
        parser.add_argument("file", help="CSV in the layout of shared/data/kbli2020.csv")

    def handle(self, *args, file, **options):
        try:
            kbli_import(path=file, progress=self.stdout.write)
        except ValidationError as error:
            raise CommandError("; ".join(error.messages)) from error
