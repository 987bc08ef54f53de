"""How big the default cache table grows and what its size costs: the basis of CACHE_URL's max_entries.

Usage (from the project root, after `make test` created .venv):

    .venv/bin/python benchmarks/cache_table.py [--postgres postgres://postgres@127.0.0.1:5432/ikm_bench_cache_table]

It migrates a scratch database (a SQLite file in a temporary directory, and with --postgres also that PostgreSQL
database, created and dropped), loads the Bali demo (seed_demo) and renders the public pages (home, directory list
and map, statistics, sentra, about, 20 business profiles) to measure what one cached page takes in the table. Then
it fills the table with entries of the median size and times one `cache.set` at each table size: Django's database
cache counts the rows of the table on every set, to know when to cull.
"""

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlsplit

PROJECT = Path(__file__).resolve().parent.parent
SIZES = (2000, 10000, 20000, 50000)


def child() -> None:
    import django

    django.setup()
    from django.core.cache import caches
    from django.db import connection
    from django.test import Client

    from businesses.models import Business, Sentra

    client = Client(SERVER_NAME="localhost")
    pages = ["/", "/direktori/", "/direktori/?q=tenun", "/direktori/?tampilan=peta", "/statistik/", "/sentra/"]
    pages += ["/tentang/", *(f"/sentra/{pk}/" for pk in Sentra.objects.values_list("pk", flat=True)[:5])]
    published = Business.objects.filter(status="published").values_list("pk", flat=True)[:20]
    pages += [f"/direktori/ikm/{pk}/" for pk in published]
    for page in pages:
        assert client.get(page).status_code == 200, page
    with connection.cursor() as cursor:
        cursor.execute("SELECT cache_key, LENGTH(value) FROM registri_ikm_cache")
        sizes = [length for key, length in cursor.fetchall() if ":public:" in key]
    median = int(statistics.median(sizes))
    print(
        f"{connection.vendor}: {len(sizes)} cached pages, {median / 1000:.1f} KB median, {max(sizes) / 1000:.1f} KB max"
    )
    value = os.urandom(median * 3 // 4)  # base64 makes 4 characters of 3 bytes
    cache = caches["default"]
    for size in SIZES:
        cache._max_entries = size * 2  # no cull while measuring
        cache.clear()
        cache.set_many({f"public:1:id:page:{number:08d}": value for number in range(size)}, timeout=300)
        times = []
        for number in range(200):
            start = time.perf_counter()
            cache.set(f"probe-{number}", value, timeout=300)
            times.append((time.perf_counter() - start) * 1000)
        megabytes = size * median / 1e6
        print(f"  {size:6d} rows (~{megabytes:.0f} MB): one set p50 {statistics.median(times):.2f} ms")
    cache.clear()


def measure(database_url: str) -> None:
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "DJANGO_SETTINGS_MODULE": "ikm_registry.settings",
        "SECRET_KEY": "benchmark-" + "x" * 50,
        "DEBUG": "0",
        "ALLOWED_HOSTS": "localhost",
        "LOG_LEVEL": "ERROR",
    }
    env.pop("CACHE_URL", None)
    for args in (["manage.py", "migrate", "--noinput", "-v0"], ["manage.py", "seed_demo"]):
        subprocess.run([sys.executable, *args], cwd=PROJECT, env=env, check=True, capture_output=True)
    subprocess.run([sys.executable, __file__, "--child"], cwd=PROJECT, env=env, check=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--postgres", help="URL of a scratch database, created and dropped")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    options = parser.parse_args()
    if options.child:
        sys.path.insert(0, str(PROJECT))
        child()
        return
    with tempfile.TemporaryDirectory() as tmp:
        measure(f"sqlite:///{tmp}/bench.sqlite3")
    if options.postgres:
        import psycopg

        parts = urlsplit(options.postgres)
        name = parts.path.lstrip("/")
        server = parts._replace(path="/postgres").geturl()
        with psycopg.connect(server, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}"')
            admin.execute(f'CREATE DATABASE "{name}"')
        try:
            measure(options.postgres)
        finally:
            with psycopg.connect(server, autocommit=True) as admin:
                admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


if __name__ == "__main__":
    main()
