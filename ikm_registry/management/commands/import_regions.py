from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from ikm_registry.reference import regions_import


class Command(BaseCommand):
    help = "Load Kemendagri regions (provinces/regencies/districts/villages.csv) from DIR. Idempotent."

    def add_arguments(self, parser):
        parser.add_argument("directory", help="folder with provinces.csv, regencies.csv, districts.csv, villages.csv")

    def handle(self, *args, directory, **options):
        try:
            regions_import(directory=directory, progress=self.stdout.write)
        except ValidationError as error:
            raise CommandError("; ".join(error.messages)) from error
