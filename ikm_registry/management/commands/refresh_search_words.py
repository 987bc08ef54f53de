from django.core.management.base import BaseCommand

from ikm_registry.vocabulary import vocabulary_rebuild


class Command(BaseCommand):
    help = (
        "Recount the search vocabulary (the words of published businesses' names and products, KBLI titles and "
        'region names) that the directory\'s "Maksud Anda" suggestions come from, and drop words no longer used. '
        "Saves and imports add new words as they happen; run this nightly (cron) and after bulk loads."
    )

    def handle(self, *args, **options):
        count = vocabulary_rebuild()
        if options["verbosity"] >= 1:
            self.stdout.write(f"{count} words")
