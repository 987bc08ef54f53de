"""`python manage.py seed_demo`: load the Bali demo data set (idempotent) and print the demo logins."""

import time

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.utils.formats import number_format
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from businesses.choices import BusinessStatus, ScaleBps
from businesses.demo import ConcurrentSeed, demo_logins, demo_summary, seed
from ikm_registry.models import SearchWord
from ikm_registry.vocabulary import vocabulary_rebuild


class Command(BaseCommand):
    help = (
        "Load a believable Bali demo data set: regions, KBLI section C, offices and staff accounts, sentra and "
        "300+ IKM. Loads only what was never loaded: demo rows that staff edited or deleted are left as they are, "
        "and a second run writes nothing. Prints the demo logins."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--reset-passwords",
            action="store_true",
            help="set the demo accounts' passwords back to the demo password",
        )
        parser.add_argument(
            "--summary", action="store_true", help="also print counts per regency, status, BPS scale and sentra"
        )

    def handle(self, *args, reset_passwords=False, summary=False, **options):
        started = time.monotonic()
        progress = self.stdout.write if options["verbosity"] >= 1 else (lambda message: None)
        try:
            result = seed(reset_passwords=reset_passwords, progress=progress)
        except ValidationError as error:
            raise CommandError("; ".join(error.messages)) from error
        except ConcurrentSeed as error:
            raise CommandError(
                _("seed_demo lain berjalan bersamaan; tidak ada yang ditulis. Jalankan ulang.")
            ) from error
        if result.created or not SearchWord.objects.exists():
            vocabulary_rebuild()  # the demo's words for "Maksud Anda" in the search (bulk writes send no signals)
        elapsed = time.monotonic() - started
        counts = result.counts
        if result.created:
            message = _(
                "Demo Bali dimuat (%(seconds)s detik): %(businesses)s IKM, %(sentra)s sentra, %(years)s data tahunan "
                "(%(first_year)s–%(last_year)s), %(products)s produk."
            )
        else:
            message = _(
                "Demo Bali sudah dimuat sebelumnya; tidak ada yang ditulis ulang (%(seconds)s detik): %(businesses)s "
                "IKM, %(sentra)s sentra, %(years)s data tahunan (%(first_year)s–%(last_year)s), %(products)s produk."
            )
        self.stdout.write(
            self.style.SUCCESS(
                message
                % {
                    "seconds": number_format(elapsed, 1),
                    "businesses": counts["businesses"],
                    "sentra": counts["sentra"],
                    "years": counts["years"],
                    "first_year": result.data_years[0],
                    "last_year": result.data_years[1],
                    "products": counts["products"],
                }
            )
        )
        if summary:
            self.write_summary()
        self.write_logins()
        if not result.created and not reset_passwords:
            self.stdout.write(
                _("Kata sandi akun yang sudah ada tidak diubah; `seed_demo --reset-passwords` menyetelnya ulang.")
            )

    def write_logins(self):
        """The demo accounts as a plain-text table."""
        # With a context, so that Django's own catalogues ("username" → "nama pengguna") do not apply.
        rows = [
            (
                pgettext("demo login table", "username"),
                pgettext("demo login table", "password"),
                _("peran"),
                _("kantor"),
            )
        ]
        rows += [(row["username"], row["password"], row["role"], row["office"]) for row in demo_logins()]
        widths = [max(len(str(row[column])) for row in rows) for column in range(4)]
        self.stdout.write("")
        self.stdout.write(_("Akun demo:"))
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
        self.stdout.write(_("IKM per kabupaten/kota:"))
        for name, count in data["per_regency"].items():
            self.stdout.write(f"  {name:<24} {count:>4}")
        self.stdout.write(_("IKM per status:"))
        for status, count in data["per_status"].items():
            label = str(BusinessStatus(status).label)
            self.stdout.write(f"  {label:<24} {count:>4}")
        for year, scales in data["per_scale_bps"].items():
            self.stdout.write(_("Skala BPS %(year)s:") % {"year": year})
            for scale, count in scales.items():
                # Outside the f-string: xgettext does not look inside f-string expressions.
                label = str(ScaleBps(scale).label) if scale else _("(tanpa tenaga kerja)")
                self.stdout.write(f"  {label:<24} {count:>4}")
        self.stdout.write(_("Sentra (PP 29/2018: ≥ 5 anggota aktif sejenis):"))
        for row in data["sentra"]:
            verdict = _("memenuhi") if row["meets_pp29"] else _("BELUM memenuhi")
            self.stdout.write(
                f"  {row['name']:<42} KBLI {row['kbli']}  "
                + _("anggota aktif %(members)s, sejenis %(similar)s: %(verdict)s")
                % {
                    "members": f"{row['members']:>2}",
                    "similar": f"{row['similar_members']:>2}",
                    "verdict": verdict,
                }
            )
