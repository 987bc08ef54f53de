from django.core.management.base import BaseCommand

from businesses.services.directory_counts import refresh_directory_counts


class Command(BaseCommand):
    help = (
        "Count the directory again (published businesses per region, KBLI, subsector, scale, sentra, data year; every "
        "business per status) for the directory's filters, the home page and Statistik. The worker does this when "
        "the data changed; --if-due counts only when it would."
    )

    def add_arguments(self, parser):
        parser.add_argument("--if-due", action="store_true", help="only when the data changed since the last count")

    def handle(self, *args, if_due: bool = False, **options):
        run = refresh_directory_counts(force=not if_due)
        if run is None:
            self.stdout.write("Hitungan direktori masih berlaku; tidak dihitung ulang.")
            return
        self.stdout.write(f"Hitungan direktori: {run.published} IKM terbit, dihitung dalam {run.seconds:.1f} detik.")
