"""What a page served from the cache costs with each cache backend: the default (a table in the database) against
the per-process memory cache it replaced, and a file cache for comparison.

Usage (from the project root, after `make test` created .venv):

    .venv/bin/python benchmarks/page_cache.py [--requests 2000] [--postgres postgres://postgres@127.0.0.1:5432]

It migrates a scratch database (a SQLite file in a temporary directory, and with --postgres also the PostgreSQL
database `ikm_bench_page_cache`, dropped at the end), loads the Bali demo (seed_demo), then for each backend starts
one Python process that requests each page once (rendered and stored) and then --requests times through Django's
test client: the whole middleware stack and the cache lookup, without HTTP. It prints p50 / p95 per request in ms.
"""

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

PROJECT = Path(__file__).resolve().parent.parent
PAGES = ["/direktori/?q=tenun&wilayah=51.03", "/", "/statistik/"]
BACKENDS = {
    "locmem (old default, per process)": "locmemcache://bench",
    "database (new default, shared)": "",
    "file (shared on one machine)": "filecache://{tmp}/filecache",
}


def child(requests: int) -> None:
    import django

    django.setup()
    from django.test import Client

    client = Client(SERVER_NAME="localhost")
    result = {}
    for page in PAGES:
        assert client.get(page).status_code == 200  # rendered and stored
        times = []
        for _ in range(requests):
            start = time.perf_counter()
            response = client.get(page)
            times.append((time.perf_counter() - start) * 1000)
            assert response.status_code == 200
        times.sort()
        result[page] = (statistics.median(times), times[int(len(times) * 0.95)])
    print(json.dumps(result))


def run(env: dict, *args: str) -> str:
    return subprocess.run(
        [sys.executable, *args], cwd=PROJECT, env=env, check=True, capture_output=True, text=True
    ).stdout


def measure(database_url: str, tmp: str, requests: int) -> None:
    base = {
        **os.environ,
        "DATABASE_URL": database_url,
        "DJANGO_SETTINGS_MODULE": "ikm_registry.settings",
        "SECRET_KEY": "benchmark-" + "x" * 50,
        "DEBUG": "0",
        "ALLOWED_HOSTS": "localhost",
        "LOG_LEVEL": "ERROR",
    }
    base.pop("CACHE_URL", None)
    run(base, "manage.py", "migrate", "--noinput", "-v0")
    run(base, "manage.py", "seed_demo")
    load = ", ".join(f"{value:.1f}" for value in os.getloadavg())
    print(f"\n{database_url.split(':')[0]}: p50 / p95 of a page served from the cache, {requests} requests each")
    print(f"({os.cpu_count()} CPUs, load average {load})")
    print("| cache | " + " | ".join(PAGES) + " |")
    print("|---|" + "---|" * len(PAGES))
    for label, url in BACKENDS.items():
        env = dict(base)
        if url:
            env["CACHE_URL"] = url.format(tmp=tmp)
        result = json.loads(run(env, __file__, "--child", "--requests", str(requests)))
        cells = [f"{p50:.2f} / {p95:.2f} ms" for p50, p95 in (result[page] for page in PAGES)]
        print(f"| {label} | " + " | ".join(cells) + " |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--postgres", help="server URL without database name, e.g. postgres://postgres@127.0.0.1:5432")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    options = parser.parse_args()
    if options.child:
        sys.path.insert(0, str(PROJECT))
        child(options.requests)
        return
    with tempfile.TemporaryDirectory() as tmp:
        measure(f"sqlite:///{tmp}/bench.sqlite3", tmp, options.requests)
        if options.postgres:
            import psycopg

            name = "ikm_bench_page_cache"
            with psycopg.connect(f"{options.postgres}/postgres", autocommit=True) as admin:
                admin.execute(f"DROP DATABASE IF EXISTS {name}")
                admin.execute(f"CREATE DATABASE {name}")
            try:
                measure(f"{options.postgres}/{name}", tmp, options.requests)
            finally:
                with psycopg.connect(f"{options.postgres}/postgres", autocommit=True) as admin:
                    admin.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


if __name__ == "__main__":
    main()
