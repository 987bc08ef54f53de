from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from ikm_registry.errors import describe
from ikm_registry.provisioning import office_provision

LETTERHEAD = [
    ("government_name", "first letterhead line, e.g. 'PEMERINTAH KABUPATEN BADUNG'"),
    ("address", "street address"),
    ("postal_code", "5-digit postal code"),
    ("phone", "telephone"),
    ("email", "e-mail address"),
    ("website", "website URL"),
    ("head_title", "title of the official who signs reports"),
    ("head_name", "name of the official who signs reports"),
    ("head_nip", "NIP of the official who signs reports"),
]


class Command(BaseCommand):
    help = (
        "Create an office (Dinas) for a province or regency/city, or update its letterhead. Idempotent: "
        "the office is found by region and name."
    )

    def add_arguments(self, parser):
        parser.add_argument("--region", required=True, help="Kemendagri code of a province or regency, e.g. 51.03")
        parser.add_argument("--name", required=True, help="e.g. 'Dinas Perindustrian dan Perdagangan Kabupaten Badung'")
        for field, text in LETTERHEAD:
            parser.add_argument(f"--{field.replace('_', '-')}", dest=field, help=text)

    def handle(self, *args, region, name, **options):
        letterhead = {field: options[field] for field, _text in LETTERHEAD}
        try:
            result = office_provision(region_code=region, name=name, **letterhead)
        except ValidationError as error:
            raise CommandError(describe(error)) from error
        self.stdout.write(f"{result.outcome}: office #{result.obj.pk} {result.obj.name} ({result.obj.region_id})")
