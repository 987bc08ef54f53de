"""`count_open_data [SLUG ...]`: count the open-data datasets now and keep the counts (ikm_registry/opendata).

A request counts a dataset itself when its kept count is of older data and older than OPEN_DATA_MAX_AGE; at national
scale that count takes seconds to a minute. Run this more often than OPEN_DATA_MAX_AGE and no request waits for one,
e.g. every 30 minutes with the default hour: `*/30 * * * * cd /srv/registri-ikm && .venv/bin/python manage.py
count_open_data`. The datasets' tanggal pemutakhiran moves only when their rows do.
"""

import time

from django.core.management.base import BaseCommand, CommandError

from ikm_registry.opendata import dataset_recount, datasets


class Command(BaseCommand):
    help = "Count the open-data datasets (all, or those named) and keep the counts for /data/, CKAN and DCAT"

    def add_arguments(self, parser):
        parser.add_argument("slugs", nargs="*", help="datasets to count (default: all)")

    def handle(self, *args, slugs, **options):
        unknown = [slug for slug in slugs if slug not in datasets]
        if unknown:
            raise CommandError(f"no such dataset: {', '.join(unknown)} (there are: {', '.join(datasets.names())})")
        for dataset in datasets:
            if slugs and dataset.name not in slugs:
                continue
            started = time.perf_counter()
            summary = dataset_recount(dataset)
            self.stdout.write(
                f"{dataset.name}: {summary.row_count} rows in {time.perf_counter() - started:.1f} s, "
                f"last changed {summary.modified:%Y-%m-%d %H:%M}"
            )
