import os
import sys

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from ikm_registry.choices import StaffRole
from ikm_registry.errors import describe
from ikm_registry.provisioning import office_for_region, staff_provision


class Command(BaseCommand):
    help = (
        "Create a staff account with a role in an office, or update it. Idempotent. A new account without "
        "--password-env/--password-stdin gets no usable password: set it with `manage.py changepassword`."
    )

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument("--region", required=True, help="region code of the office, e.g. 51.03")
        parser.add_argument("--office-name", help="the office's name, when the region has several offices")
        parser.add_argument("--role", required=True, choices=StaffRole.values)
        parser.add_argument("--email")
        parser.add_argument("--first-name")
        parser.add_argument("--last-name")
        password = parser.add_mutually_exclusive_group()
        password.add_argument("--password-env", metavar="VARIABLE", help="read the password from this variable")
        password.add_argument("--password-stdin", action="store_true", help="read the password from standard input")

    def handle(self, *args, username, region, office_name, role, password_env, password_stdin, **options):
        password = None
        if password_env:
            password = os.environ.get(password_env)
            if not password:
                raise CommandError(f"--password-env: the variable {password_env} is empty or not set.")
        elif password_stdin:
            password = sys.stdin.readline().rstrip("\n")
            if not password:
                raise CommandError("--password-stdin: no password on standard input.")
        try:
            office = office_for_region(region_code=region, name=office_name)
            result = staff_provision(
                username=username,
                office=office,
                role=role,
                email=options["email"],
                first_name=options["first_name"],
                last_name=options["last_name"],
                password=password,
            )
        except ValidationError as error:
            raise CommandError(describe(error)) from error
        self.stdout.write(f"{result.outcome}: {username} — {role} — {office.name} ({office.region_id})")
        if result.outcome == "created" and password is None:
            self.stdout.write(f"Set a password with: python manage.py changepassword {username}")
