"""`python manage.py seed_demo`: load the Bali demo data set (idempotent) and print the demo logins."""

import time

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from businesses.demo import demo_logins, demo_summary, seed


class Command(BaseCommand):
    help = (
        "Load a believable Bali demo data set: regions, KBLI section C, offices and staff accounts, sentra and "
        "300+ IKM. Idempotent: a second run only resets the demo passwords. Prints the demo logins."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--force", action="store_true", help="rewrite every demo row even when the demo set is already complete"
        )
        parser.add_argument(
            "--summary", action="store_true", help="also print counts per regency, status, BPS scale and sentra"
        )

    def handle(self, *args, force=False, summary=False, **options):
        started = time.monotonic()
        progress = self.stdout.write if options["verbosity"] >= 1 else (lambda message: None)
        try:
            result = seed(force=force, progress=progress)
        except ValidationError as error:
            raise CommandError("; ".join(error.messages)) from error
        elapsed = time.monotonic() - started
        counts = result.counts
        self.stdout.write(
            self.style.SUCCESS(
                f"Demo Bali {'dimuat' if result.created else 'sudah ada'} dalam {elapsed:.1f} s: "
                f"{counts['businesses']} IKM, {counts['sentra']} sentra, {counts['years']} data tahunan "
                f"({result.data_years[0]}–{result.data_years[1]}), {counts['products']} produk."
            )
        )
        if summary:
            self.write_summary()
        self.write_logins()

    def write_logins(self):
        """The demo accounts as a plain-text table."""
        rows = [("username", "password", "peran", "kantor")]
        rows += [(row["username"], row["password"], row["role"], row["office"]) for row in demo_logins()]
        widths = [max(len(str(row[column])) for row in rows) for column in range(4)]
        self.stdout.write("")
        self.stdout.write("Akun demo:")
        for index, row in enumerate(rows):
            self.stdout.write(
                "  " + "  ".join(str(cell).ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip()
            )
            if index == 0:
                self.stdout.write("  " + "  ".join("-" * width for width in widths))

    def write_summary(self):
        """Counts per regency, status and BPS scale, and each sentra against PP 29/2018."""
        data = demo_summary()
        self.stdout.write("")
        self.stdout.write("IKM per kabupaten/kota:")
        for name, count in data["per_regency"].items():
            self.stdout.write(f"  {name:<24} {count:>4}")
        self.stdout.write("IKM per status:")
        for status, count in data["per_status"].items():
            self.stdout.write(f"  {status:<24} {count:>4}")
        for year, scales in data["per_scale_bps"].items():
            self.stdout.write(f"Skala BPS {year}:")
            for scale, count in scales.items():
                self.stdout.write(f"  {scale or '(tanpa tenaga kerja)':<24} {count:>4}")
        self.stdout.write("Sentra (PP 29/2018: ≥ 5 anggota aktif sejenis):")
        for row in data["sentra"]:
            verdict = "memenuhi" if row["meets_pp29"] else "BELUM memenuhi"
            self.stdout.write(
                f"  {row['name']:<42} KBLI {row['kbli']}  anggota aktif {row['members']:>2}, "
                f"sejenis {row['similar_members']:>2}: {verdict}"
            )
