"""Time `import_regions` (first load and an idempotent re-run) and `import_kbli` on SQLite and PostgreSQL.

Usage (from the project root, after `make run` or `make test` created .venv):

    .venv/bin/python benchmarks/import_regions.py [--data ../shared/data] [--postgres postgres://postgres@127.0.0.1:5432]

Each database is fresh: a temporary SQLite file, and a scratch PostgreSQL database `ikm_bench_regions`
that is dropped at the end. Prints one line per database and step with seconds and rows/s.
"""

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable


def manage(database_url: str, *args: str) -> float:
    env = {**os.environ, "DATABASE_URL": database_url, "DEBUG": "1"}
    start = time.perf_counter()
    subprocess.run([PYTHON, "manage.py", *args], cwd=ROOT, env=env, check=True, stdout=subprocess.DEVNULL)
    return time.perf_counter() - start


def psql(server: str, sql: str) -> None:
    subprocess.run(["psql", f"{server}/postgres", "-q", "-c", sql], check=True, stdout=subprocess.DEVNULL)


def bench(label: str, database_url: str, data: Path) -> None:
    manage(database_url, "migrate", "--noinput", "-v0")
    regions = 91_599
    for step in ("first load", "re-run"):
        seconds = manage(database_url, "import_regions", str(data / "regions"))
        print(f"{label:10} import_regions {step:10} {seconds:6.2f} s  {regions / seconds:9,.0f} rows/s")
    seconds = manage(database_url, "import_kbli", str(data / "kbli2020.csv"))
    print(f"{label:10} import_kbli    first load {seconds:6.2f} s  {2706 / seconds:9,.0f} rows/s")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", type=Path, default=ROOT.parent / "shared" / "data")
    parser.add_argument("--postgres", default="postgres://postgres@127.0.0.1:5432", help="server URL, no database")
    parser.add_argument("--skip-postgres", action="store_true")
    args = parser.parse_args()
    print("times include Django start-up (about 0.5 s) of each manage.py call")
    with tempfile.TemporaryDirectory() as tmp:
        bench("SQLite", f"sqlite:///{tmp}/bench.sqlite3", args.data)
    if not args.skip_postgres:
        psql(args.postgres, "DROP DATABASE IF EXISTS ikm_bench_regions")
        psql(args.postgres, "CREATE DATABASE ikm_bench_regions")
        try:
            bench("PostgreSQL", f"{args.postgres}/ikm_bench_regions", args.data)
        finally:
            psql(args.postgres, "DROP DATABASE IF EXISTS ikm_bench_regions")


if __name__ == "__main__":
    main()
