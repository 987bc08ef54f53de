"""Benchmark the public API's business list (/api/v1/usaha/) on PostgreSQL under gunicorn, beside a bare DRF view.

Usage (from the project root, after `make test` created .venv):

    .venv/bin/python benchmarks/api.py [--rows 1000000] [--requests 200] [--seconds 20] [--keep]

It reuses benchmarks/directory.py: the same scratch data (`--rows` businesses over the 716 Bali desa, ~90 %
published, an owner and a data year each; written by `directory.py --worker setup` into the database
`ikm_bench_api`), the same gunicorn server (benchmarks/bench_urls.py: the project plus `/hello/` and the bare DRF
views `/bare-api/` and `/bare-api/usaha/`) and the same load generator (keep-alive, gzip, p50/p95, req/s). The API's
rate limits are lifted for the run (API_ANON_RATE).

Measured, each beside the bare DRF list with the same filter:
- the first page, unfiltered; filtered by region (`wilayah=51.03`, Kabupaten Badung: the data are Bali's, so a
  regency stands for a province at national scale) and by text (`q=perak`);
- a deep page: the cursor of the position 90 % into the table (keyset: `id > X ORDER BY id LIMIT n`), which must
  cost what the first page costs;
- `/bare-api/` (constant JSON, no database) and `/hello/` as the server's floor.
"""

from __future__ import annotations

import argparse
import base64
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import directory  # noqa: E402  (benchmarks/directory.py)

DATABASE = "ikm_bench_api"


def cursor(position: int) -> str:
    """DRF's cursor for "the rows after id `position`" (what a client gets by following `next`)."""
    return base64.b64encode(f"p={position}".encode()).decode()


def deep_position(database_url: str) -> int:
    query = "SELECT id FROM businesses_business ORDER BY id OFFSET (SELECT count(*) * 9 / 10 FROM businesses_business) LIMIT 1"
    server, _slash, name = database_url.rpartition("/")
    output = subprocess.run(
        ["psql", f"{server}/{name}", "-tAc", query], capture_output=True, text=True, check=True
    ).stdout.strip()
    return int(output)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--warmup", type=int, default=5)
    parser.add_argument("--concurrency", type=int, default=2)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--q", default="perak")
    parser.add_argument("--wilayah", default="51.03")
    parser.add_argument("--postgres", default="postgres://postgres@127.0.0.1:5432")
    parser.add_argument("--keep", action="store_true", help=f"keep the database {DATABASE} afterwards")
    parser.add_argument("--reuse", action="store_true", help=f"measure the kept database {DATABASE} again")
    args = parser.parse_args()
    args.kbli = ""
    database_url = f"{args.postgres}/{DATABASE}"
    host = directory.machine()
    directory.ensure_gunicorn()
    directory.HEADERS["Accept"] = "application/json"  # the API answers JSON only (text/html alone: 406)
    print(f"# API benchmark: {args.rows:,} businesses, {host['cpus']} CPUs, load {os.getloadavg()[0]:.2f}", flush=True)
    with tempfile.TemporaryDirectory(prefix="bench-api-static-") as static_root:
        os.environ["STATIC_ROOT"] = static_root
        os.environ["API_ANON_RATE"] = "1000000/m"
        env = {**os.environ, "DATABASE_URL": database_url, "DEBUG": "0", "SECRET_KEY": directory.SECRET_KEY}
        if not args.reuse:
            directory.psql(args.postgres, f"DROP DATABASE IF EXISTS {DATABASE}")
            directory.psql(args.postgres, f"CREATE DATABASE {DATABASE}")
            subprocess.run(
                [directory.PYTHON, "manage.py", "migrate", "--noinput", "-v0"], cwd=directory.ROOT, env=env, check=True
            )
            started = time.perf_counter()
            setup = directory.run_worker(database_url, "setup", args)
            print(f"data: {setup['published']:,} published; {time.perf_counter() - started:.0f} s", flush=True)
        subprocess.run(
            [directory.PYTHON, "manage.py", "collectstatic", "--noinput", "-v0"],
            cwd=directory.ROOT,
            env=env,
            check=True,
        )
        try:
            deep = cursor(deep_position(database_url))
            q, wilayah = args.q, args.wilayah
            pairs = [
                ("first page", "/api/v1/usaha/", "/bare-api/usaha/"),
                (f"wilayah={wilayah}", f"/api/v1/usaha/?wilayah={wilayah}", f"/bare-api/usaha/?wilayah={wilayah}"),
                (f"q={q}", f"/api/v1/usaha/?q={q}", f"/bare-api/usaha/?q={q}"),
                ("deep page (90 %)", f"/api/v1/usaha/?cursor={deep}", f"/bare-api/usaha/?cursor={deep}"),
            ]
            results = []
            with directory.Server(database_url, args, conn_max_age=60, cache_seconds=0, jit="off") as server:
                measure = lambda path: directory.load(  # noqa: E731
                    server.port,
                    lambda i: path,
                    requests=args.requests,
                    seconds=args.seconds,
                    warmup=args.warmup,
                    concurrency=args.concurrency,
                    workers=args.workers,
                )
                floor = {"hello": measure("/hello/"), "bare": measure("/bare-api/")}
                for label, api_path, bare_path in pairs:
                    results.append((label, measure(api_path), measure(bare_path)))
            print("\n| request | API p50 / p95 ms | req/s | bare DRF list p50 / p95 ms | req/s | API ÷ bare (p50) |")
            print("|---|---|---|---|---|---|")
            for label, api, bare in results:
                print(
                    f"| {label} | {api['p50']:.1f} / {api['p95']:.1f} | {api['rps']:.0f} | {bare['p50']:.1f} / "
                    f"{bare['p95']:.1f} | {bare['rps']:.0f} | {api['p50'] / bare['p50']:.1f}× |"
                )
            print(
                f"\nfloor: /hello/ {floor['hello']['p50']:.1f} ms p50 ({floor['hello']['rps']:.0f} req/s); "
                f"/bare-api/ {floor['bare']['p50']:.1f} ms p50 ({floor['bare']['rps']:.0f} req/s); "
                f"load average at the end {os.getloadavg()[0]:.2f}"
            )
            print(
                json.dumps(
                    {"rows": args.rows, "results": [[label, api, bare] for label, api, bare in results], "floor": floor}
                )
            )
        finally:
            if not args.keep:
                directory.psql(args.postgres, f"DROP DATABASE IF EXISTS {DATABASE}")


if __name__ == "__main__":
    main()
