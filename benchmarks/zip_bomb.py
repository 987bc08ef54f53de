"""How fast a zip-bomb workbook is refused (issue 9.13): an XLSX of a few hundred kilobytes holding millions of rows.

Usage (from the project root, after `make test` created .venv):

    .venv/bin/python benchmarks/zip_bomb.py [--rows 3000000]

It builds the workbook in memory (tests/business_files.py's zip_bomb: one sheet of identical rows, deflated)
and times businesses.services.importing.inspect_file on it with the default limits (IMPORT_MAX_UNPACKED_MB,
IMPORT_MAX_COMPRESSION_RATIO, IMPORT_MAX_ROWS). inspect_file reads only the zip directory, so the refusal costs
nothing like reading the rows (which took minutes and climbing memory before the limits existed).
"""

import argparse
import io
import os
import sys
import time
from pathlib import Path

import django

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ikm_registry.settings")
django.setup()

from django.core.exceptions import ValidationError  # noqa: E402

from businesses.services.importing import inspect_file  # noqa: E402
from tests.business_files import zip_bomb  # noqa: E402


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=3_000_000)
    rows = parser.parse_args().rows
    bomb = zip_bomb(rows)
    print(f"{rows:,} rows in an XLSX of {len(bomb) / 1e6:.2f} MB")
    started = time.perf_counter()
    try:
        inspect_file(io.BytesIO(bomb))
    except ValidationError as error:
        print(f"refused in {1000 * (time.perf_counter() - started):.1f} ms: {error.messages[0]}")
    else:
        print(f"accepted in {time.perf_counter() - started:.2f} s (within the limits)")


if __name__ == "__main__":
    main()
