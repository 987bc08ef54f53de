"""How long the open-data datasets take to count at national scale, and what serving them costs afterwards.

Usage (from the project root):

    .venv/bin/python benchmarks/opendata.py [--businesses 1000000] [--years 3]
        [--postgres postgres://postgres@127.0.0.1:5432] [--keep]

What it does:

1. Creates the scratch PostgreSQL database `ikm_bench_opendata` (dropped at the end unless --keep), migrates it and
   loads the national reference tables with the project's own commands (`import_regions` of ../shared/data/regions:
   38 provinces, 514 regencies, 83,762 desa; `import_kbli` of ../shared/data/kbli2020.csv).
2. Writes `--businesses` businesses with plain SQL (generate_series): spread over every desa of Indonesia and every
   manufacturing KBLI subclass (divisions 10-33), 90 % published, 5 % inactive, 5 % verified; and `--years` data years
   of figures each (workforce from 0 to 40, so every BPS class occurs; an investment). Then ANALYZE.
3. In one Django process (DEBUG off, the default database cache): for each dataset, its rows counted directly
   (`Dataset.rows()`, twice: cold and warm buffers) with the number of rows; then through django.test.Client, the CSV
   and the JSON file the first time (count, fingerprint, store, stream) and again (from the cache), with their sizes;
   a conditional request (If-None-Match: 304); /data/, /catalog.jsonld and package_search, all from the cache; and
   EXPLAIN ANALYZE of the IKM dataset's grouped query.
4. Prints a markdown summary with the machine (CPUs, load average).
"""

import argparse
import os
import platform
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DATABASE = "ikm_bench_opendata"


def psql(server: str, sql: str) -> None:
    subprocess.run(["psql", f"{server}/postgres", "-q", "-c", sql], check=True)


def generate(businesses: int, years: int) -> dict:
    from django.db import connection, transaction
    from django.utils import timezone

    last = timezone.localdate().year - 1
    started = time.perf_counter()
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            """
            WITH v AS (SELECT array_agg(code ORDER BY code) AS codes FROM businesses_region WHERE level = 'village'),
                 k AS (SELECT array_agg(code ORDER BY code) AS codes FROM businesses_kbli
                       WHERE level = 'subclass' AND code >= '10000' AND code < '34000')
            INSERT INTO businesses_business (name, legal_form, nib, address, main_product, raw_materials, market_reach,
                online_channels, status, created_at, updated_at, kbli_id, village_id)
            SELECT 'Usaha ' || g, 'perorangan', '', '', 'Produk', '', '', '',
                   CASE WHEN g %% 20 < 18 THEN 'published' WHEN g %% 20 = 18 THEN 'inactive' ELSE 'verified' END,
                   now(), now(),
                   k.codes[1 + (g::bigint * 104729) %% array_length(k.codes, 1)],
                   v.codes[1 + (g::bigint * 7919) %% array_length(v.codes, 1)]
            FROM generate_series(1, %s) g, v, k
            """,
            [businesses],
        )
        cursor.execute(
            """
            INSERT INTO businesses_businessyear (business_id, year, workforce_male, workforce_female, investment,
                capacity_unit)
            SELECT b.id, y, (b.id * 37 + y) %% 7 + CASE WHEN b.id %% 53 = 0 THEN 30 ELSE 0 END,
                   (b.id * 11 + y) %% 5, ((b.id * 13 + y) %% 900 + 5) * 1000000, ''
            FROM businesses_business b, generate_series(%s, %s) y
            """,
            [last - years + 1, last],
        )
        cursor.execute("ANALYZE")
    return {"write_seconds": time.perf_counter() - started, "last_year": last}


def timed(function, *args, **kwargs):
    started = time.perf_counter()
    value = function(*args, **kwargs)
    return value, time.perf_counter() - started


def download(client, path: str) -> bytes:
    """A file read to its end (the time of a download includes writing it)."""
    return b"".join(client.get(path).streaming_content)


def measure() -> dict:
    from django.core.cache import cache
    from django.db import connection
    from django.test import Client

    from businesses.datasets import IKM_DATASET
    from ikm_registry.opendata import datasets

    cache.clear()
    client = Client(HTTP_HOST="127.0.0.1")
    found = {"datasets": []}
    for dataset in datasets:
        rows, cold = timed(dataset.rows)
        _rows, warm = timed(dataset.rows)
        sizes, first, again = {}, {}, {}
        for extension in ("csv", "json"):
            path = f"/data/{dataset.name}.{extension}"
            content, first[extension] = timed(download, client, path)
            sizes[extension] = len(content)
            _content, again[extension] = timed(download, client, path)
        path = f"/data/{dataset.name}.csv"
        headers = {"If-None-Match": client.get(path)["ETag"]}
        not_modified, conditional = timed(client.get, path, headers=headers)
        assert not_modified.status_code == 304
        found["datasets"].append(
            {"name": dataset.name, "rows": len(rows), "cold": cold, "warm": warm, "first": first, "again": again,
             "sizes": sizes, "conditional": conditional}
        )  # fmt: skip
    for path in ("/data/", "/catalog.jsonld", "/api/3/action/package_search?rows=100"):
        client.get(path)
        _response, found[path] = timed(client.get, path)
    from django.db.models import Count
    from django.db.models.functions import Left

    from businesses.services.statistics import counted_figures

    query = (
        counted_figures().order_by()
        .annotate(regency=Left("business__village_id", 5), division=Left("business__kbli_id", 2))
        .values_list("year", "regency", "division", "scale_bps").annotate(n=Count("pk"))
    )  # fmt: skip
    sql, params = query.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN (ANALYZE, BUFFERS) {sql}", params)
        found["explain"] = [line for (line,) in cursor.fetchall()]
    found["ikm_dataset"] = IKM_DATASET.name
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--businesses", type=int, default=1_000_000)
    parser.add_argument("--years", type=int, default=3)
    parser.add_argument("--postgres", default="postgres://postgres@127.0.0.1:5432")
    parser.add_argument("--keep", action="store_true", help="keep the scratch database")
    parser.add_argument("--reuse", action="store_true", help="use the kept database (its businesses, if it has any)")
    args = parser.parse_args()
    url = f"{args.postgres}/{DATABASE}"
    env = {**os.environ, "DATABASE_URL": url, "DEBUG": "0", "SECRET_KEY": "bench-opendata-" + "x" * 40}
    prepared = {}
    if not args.reuse:
        psql(args.postgres, f"DROP DATABASE IF EXISTS {DATABASE}")
        psql(args.postgres, f"CREATE DATABASE {DATABASE}")
        started = time.perf_counter()
        manage = [sys.executable, str(ROOT / "manage.py")]
        subprocess.run([*manage, "migrate", "-v0"], check=True, env=env, cwd=ROOT)
        subprocess.run([*manage, "import_regions", str(ROOT.parent / "shared/data/regions")], check=True, env=env,
                       cwd=ROOT, stdout=subprocess.DEVNULL)  # fmt: skip
        subprocess.run([*manage, "import_kbli", str(ROOT.parent / "shared/data/kbli2020.csv")], check=True, env=env,
                       cwd=ROOT, stdout=subprocess.DEVNULL)  # fmt: skip
        prepared["reference_seconds"] = time.perf_counter() - started
    os.environ.update(env)
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ikm_registry.settings")
    import django

    django.setup()
    from businesses.models import Business

    if not Business.objects.exists():
        prepared.update(generate(args.businesses, args.years))
    found = measure()
    try:
        print_summary(args, prepared, found)
    finally:
        if not args.keep:
            from django.db import connections

            connections.close_all()
            psql(args.postgres, f"DROP DATABASE IF EXISTS {DATABASE}")


def print_summary(args, prepared, found) -> None:
    load = os.getloadavg()
    print(f"\n## Open data at {args.businesses:,} businesses × {args.years} data years (PostgreSQL)\n")
    print(f"Machine: {os.cpu_count()} CPUs, {platform.platform()}, load average {load[0]:.1f} / {load[1]:.1f}")
    if "reference_seconds" in prepared:
        print(f"Reference tables and migrate: {prepared['reference_seconds']:.0f} s")
    if "write_seconds" in prepared:
        print(f"Businesses and figures written: {prepared['write_seconds']:.0f} s\n")
    print("| dataset | rows | count (cold / warm) | CSV first / again | JSON first / again | CSV / JSON size | 304 |")
    print("|---|---|---|---|---|---|---|")
    for entry in found["datasets"]:
        first, again, sizes = entry["first"], entry["again"], entry["sizes"]
        print(f"| `{entry['name']}` | {entry['rows']:,} | {entry['cold']:.2f} / {entry['warm']:.2f} s | "
              f"{first['csv']:.2f} / {again['csv']:.3f} s | {first['json']:.2f} / {again['json']:.3f} s | "
              f"{sizes['csv'] / 1e6:.2f} / {sizes['json'] / 1e6:.2f} MB | {entry['conditional'] * 1000:.1f} ms |")  # fmt: skip
    for path in ("/data/", "/catalog.jsonld", "/api/3/action/package_search?rows=100"):
        print(f"\n{path} from the cache: {found[path] * 1000:.1f} ms")
    print(f"\nEXPLAIN ANALYZE of `{found['ikm_dataset']}`'s grouped query:\n")
    print("\n".join(f"    {line}" for line in found["explain"]))


if __name__ == "__main__":
    main()
