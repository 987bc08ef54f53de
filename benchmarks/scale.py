"""Issue 15, national scale: the public site, the admin, exports, an import and reports over 1,000,000 businesses.

Usage (from the project root, after `make test` created .venv):

    .venv/bin/python benchmarks/scale.py --rows 1000000 [--small 10000] [--repeat 3]
        [--only public,admin,export,import,reports] [--label before|after] [--json out.json]
        [--deep-url /direktori/?page=2000] [--project DIR] [--requests 20] [--seconds 20] [--least 1]

The data come from benchmarks/national.py: `national.ensure()` makes (once; later runs reuse it) a scratch
PostgreSQL database of `--rows` businesses over all 38 provinces (`ikm_bench_national` for 1,000,000 rows,
`ikm_bench_national_10k` for 10,000, ...). This script never writes to their business tables: it adds three staff
accounts and their sessions (province staff of Jawa Timur, national staff, a superuser), export log rows and cache
rows, and runs the import in a copy of the database (`CREATE DATABASE ... TEMPLATE`, dropped afterwards).

--project DIR measures the code of another checkout (e.g. a git worktree of an older commit): the server, the
Django processes and manage.py run from DIR with PYTHONPATH=DIR; the benchmark's own modules stay in this folder.

What it measures (one server run reused by all repetitions; every figure with the 1-minute load average, since the
machine may be shared):

- public (gunicorn gthread, --workers × --threads, DEBUG off, the database cache, PUBLIC_CACHE_SECONDS=0: nothing
  cached): `/hello/` (a bare view behind the same middleware, benchmarks/bench_urls.py), `/`, `/statistik/`,
  `/direktori/`, a deep page (--deep-url, default `/direktori/?page=2000`; pass the keyset URL once the directory
  pages by cursor, e.g. the "next" link followed 2,000 times, or `/direktori/?sesudah=<cursor>`), the map view,
  `?q=batik`, `?wilayah=35` (Jawa Timur), `?q=batik&wilayah=35&kbli=13` and the API list `/api/v1/usaha/`: p50 per
  repetition (min / median / max over --repeat), the p50 as a multiple of `/hello/`'s in the same repetition, the
  gzipped size of the page (KB; more than 100 KB is flagged), and the ratio to the same URL over --small rows;
  then a page-cache hit (PUBLIC_CACHE_SECONDS=300, the filtered directory URL repeated) against `/hello/`;
- admin (same server, sessions of force-logged-in accounts sent as a cookie): the admin home as province staff
  (Jawa Timur) and as national staff; the business list as national staff, superuser and province staff:
  unfiltered, filtered (`?status=published&kbli=13`) and searched (`?q=batik`): p50 in ms and gzipped KB;
- export: the admin's CSV export (`/admin/businesses/business/export/?format=csv`) of Jawa Timur as its province
  staff and of the whole registry as the superuser, each in its own Django process (django.test.Client through the
  whole middleware): seconds, rows, MB, and the process's peak memory (ru_maxrss) beside its size before the request;
- import: import_businesses.py's CSV generator writes `--import-rows` new businesses (desa all over Indonesia when
  the generator offers it, NIBs moved out of the generated range, so every row is new); in a copy of the database,
  `manage.py import_businesses FILE --year Y` (full access, as run without --user) in its own process: seconds (Django
  start-up included) and the process's peak memory; in another copy, the same rows with a bare bulk_create
  (import_businesses.py's "bare" step; parsing not timed): seconds and peak memory;
- reports: `manage.py render_report rekap --region 35 --year Y` and `pertumbuhan --year-from Y-2 --year-to Y` as the
  Jawa Timur province staff: the seconds the command reports, and the peak memory of its process.

Per URL and repetition, on one keep-alive connection (latency, not throughput): a warm-up request (in the first
repetition; later only for pages under 2 s), then up to --requests timed ones, at least --least, and another only
while it should end within --seconds of the first: slow pages get one per repetition. A warm-up slower than
--seconds counts as that one. A request slower than --timeout (120 s) is reported as a timeout and that URL is not
asked again; an error status likewise. --repeat repetitions each ask every URL in turn.

The deep page of the smaller registry is its last page (the directory clamps a page number past the end).

How long: about an hour at 1,000,000 rows on 2 CPUs shared with other work (load average 5-6; the first "before"
run: requests 37 min, the national export 10 min, the import 10 min with two database copies of 15 s each, reports
2 min); less on a quiet machine. 10,000 rows take about 4 minutes.
"""

from __future__ import annotations

import argparse
import csv
import http.client
import inspect
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

BENCHMARKS = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCHMARKS))

import directory  # noqa: E402  (benchmarks/directory.py: Server, get, psql, machine)
import import_businesses  # noqa: E402  (benchmarks/import_businesses.py: the CSV and the bare insert)
import national  # noqa: E402  (benchmarks/national.py: the generated databases)

PYTHON = sys.executable
PARTS = ("public", "admin", "export", "import", "reports")
PROVINCE = "35"  # Jawa Timur: ~15 % of the generated businesses
USERS = {  # key: (username, role or "superuser", office region, office name)
    "province": ("bench.jatim", "province", PROVINCE, "Dinas Perindustrian dan Perdagangan Provinsi Jawa Timur"),
    "national": ("bench.nasional", "national", "31", "Direktorat Jenderal IKMA (benchmark)"),
    "superuser": ("bench.admin", "superuser", None, None),
}
EXPORT_URL = "/admin/businesses/business/export/?format=csv"
KB_LIMIT = 100
FAST_MS = 2000  # pages faster than this get a warm-up request in every repetition
WORKER_TIMEOUT = 3600  # seconds: an export, an import or a report process that takes longer is stopped
JSON_HEADERS = {"Accept": "application/json"}  # the API answers JSON only
PROJECT = directory.ROOT  # the checkout under test (--project)


def database_for(rows: int) -> str:
    """The generated database of `rows` businesses: never the 1,000,000-row one for another count (ensure() would
    regenerate it)."""
    if rows == 1_000_000:
        return national.DEFAULT_DATABASE
    return f"{national.DEFAULT_DATABASE}_{rows // 1000}k" if rows % 1000 == 0 else f"{national.DEFAULT_DATABASE}_{rows}"


def use_project(path: Path) -> None:
    """Run the code of `path`: the server (directory.Server), manage.py and the Django workers."""
    global PROJECT
    PROJECT = path.resolve()
    directory.ROOT = import_businesses.ROOT = PROJECT


def django_env(database_url: str, **extra: str) -> dict:
    env = {
        **os.environ,
        "PYTHONPATH": str(PROJECT),
        "DATABASE_URL": database_url,
        "DEBUG": "0",
        "SECRET_KEY": directory.SECRET_KEY,  # the server's: the sessions made here must be valid there
        "ALLOWED_HOSTS": "testserver,127.0.0.1",
        **extra,
    }
    env.pop("DJANGO_SETTINGS_MODULE", None)
    env.pop("CACHE_URL", None)
    return env


# --- Django workers (one process each, started by run_worker) -------------------------------------------------------


def setup_django() -> None:
    sys.path.insert(0, str(PROJECT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ikm_registry.settings")
    import django

    django.setup()


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def worker_users() -> dict:
    """The staff accounts (idempotent) and a fresh session for each: {key: sessionid}, and where the code came from."""
    from django.conf import settings
    from django.contrib.auth import get_user_model
    from django.test import Client

    import businesses
    from ikm_registry.provisioning import office_provision, staff_provision

    User = get_user_model()
    sessions = {}
    for key, (username, role, region, office_name) in USERS.items():
        if role == "superuser":
            user = User.objects.filter(username=username).first() or User.objects.create_superuser(
                username, f"{username}@example.com", None
            )
        else:
            office = office_provision(region_code=region, name=office_name).obj
            staff_provision(username=username, office=office, role=role)
            user = User.objects.get(username=username)
        client = Client()
        client.force_login(user)
        sessions[key] = client.cookies[settings.SESSION_COOKIE_NAME].value
    return {"sessions": sessions, "cookie": settings.SESSION_COOKIE_NAME, "code": businesses.__file__}


def worker_export(username: str, url: str) -> dict:
    """The admin export view through the test client (all middleware), as `username`; the file read to the end."""
    from django.contrib.auth import get_user_model
    from django.test import Client

    client = Client()
    client.force_login(get_user_model().objects.get(username=username))
    before = peak_mb()
    start = time.perf_counter()
    response = client.get(url)
    size = lines = 0
    for chunk in response.streaming_content if response.streaming else [response.content]:
        size += len(chunk)
        lines += chunk.count(b"\n")
    seconds = time.perf_counter() - start
    return {
        "status": response.status_code,
        "seconds": seconds,
        "rows": max(lines - 1, 0),
        "mb": size / 1e6,
        "base_mb": before,
        "peak_mb": peak_mb(),
        "load": os.getloadavg()[0],
    }


def worker_import_file(path: Path, rows: int, year: int) -> dict:
    """import_businesses.py's file of `rows` valid businesses (desa all over Indonesia where it can draw them, else
    Bali's), with NIBs moved out of the range national.py generates (9100000000001...): every row is new."""
    draft = path.with_suffix(".draft.csv")
    national_file = "national" in inspect.signature(import_businesses.generate).parameters
    if national_file:
        import_businesses.generate(draft, rows, year, national=True)
    else:
        import_businesses.generate(draft, rows, year)
    with (
        draft.open(encoding="utf-8-sig", newline="") as source,
        path.open("w", encoding="utf-8-sig", newline="") as target,
    ):
        reader, writer = csv.reader(source, delimiter=";"), csv.writer(target, delimiter=";")
        header = next(reader)
        writer.writerow(header)
        nib = header.index("nib")
        for row in reader:
            if row[nib]:
                row[nib] = str(int(row[nib]) + 100_000_000_000)
            writer.writerow(row)
    draft.unlink()
    return {"mb": path.stat().st_size / 1e6, "spread": "desa all over Indonesia" if national_file else "Bali desa"}


def worker_bare(path: Path, year: int) -> dict:
    """import_businesses.py's bare step: the same rows parsed, then plain bulk_create (timed part only)."""
    import_businesses.USERNAME = USERS["national"][0]  # created_by of the rows
    result = import_businesses.worker("bare", path, year)
    return {**result, "peak_mb": peak_mb(), "load": os.getloadavg()[0]}


def run_worker(database_url: str, step: str, *options: str, check: bool = True) -> dict:
    command = [PYTHON, __file__, "--project", str(PROJECT), "--worker", step, *options]
    env = django_env(database_url, PRIVATE_FILES_ROOT=os.environ["BENCH_PRIVATE_ROOT"])
    try:
        result = subprocess.run(command, cwd=PROJECT, env=env, capture_output=True, text=True, timeout=WORKER_TIMEOUT)
    except subprocess.TimeoutExpired:
        if check:
            raise SystemExit(f"worker step {step} took more than {WORKER_TIMEOUT} s") from None
        return {"error": f"timeout (> {WORKER_TIMEOUT} s)"}
    if result.returncode != 0:
        if check:
            sys.stderr.write(result.stderr[-5000:])
            raise SystemExit(f"worker step {step} failed")
        return {"error": result.stderr.strip().splitlines()[-1] if result.stderr.strip() else "failed"}
    return json.loads(result.stdout.strip().splitlines()[-1])


# --- HTTP measurements ---------------------------------------------------------------------------------------------


def measure(port: int, path: str, args, headers: dict | None = None, *, warmup: int = 0) -> dict:
    """`warmup` untimed requests, then timed ones on one keep-alive connection (the latency of one request, not
    throughput): up to --requests, at least --least, and after that another only if it should end (judging by the
    last) within --seconds of the first. A warm-up slower than --seconds counts as the first timed request: the
    first-request costs it carries (templates, imports) are well under a percent of it. A timeout or an error status
    ends the measurement."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=args.timeout)
    latencies, sizes, error, counted = [], [], None, False
    timed_from = None
    while True:
        warming = warmup > 0
        if not warming:
            timed_from = timed_from or time.perf_counter()
            if len(latencies) >= args.requests:
                break
            spent = time.perf_counter() - timed_from
            if len(latencies) >= args.least and spent + latencies[-1] / 1000 > args.seconds:
                break
        start = time.perf_counter()
        try:
            status, size, _pid = directory.get(connection, path, headers)
        except TimeoutError:
            error = f"timeout (> {args.timeout:.0f} s)"
        except (OSError, http.client.HTTPException) as problem:
            error = f"{type(problem).__name__}: {problem}"
        else:
            if status != 200:
                error = f"HTTP {status}"
        if error:
            break
        elapsed = time.perf_counter() - start
        if warming:
            warmup -= 1
            if elapsed <= args.seconds:
                continue
            warmup, timed_from, counted = 0, start, True  # a slow page: the warm-up is the first timed request
        latencies.append(elapsed * 1000)
        sizes.append(size)
    connection.close()
    figures = {"n": len(latencies), "load": os.getloadavg()[0], "error": error, "warmup_counted": counted}
    if latencies:
        figures.update(p50=statistics.median(latencies), max=max(latencies), kb=statistics.median(sizes) / 1024)
    return figures


def spread(values: list[float]) -> tuple[float, float, float] | None:
    return (min(values), statistics.median(values), max(values)) if values else None


def summarise(runs: list[dict], floors: list[dict] | None = None) -> dict:
    """min/median/max of the p50s of the repetitions; with `floors` (the /hello/ run of each repetition), the ratio
    of each repetition's p50 to its floor's."""
    done = [run for run in runs if "p50" in run]
    out = {
        "p50": spread([run["p50"] for run in done]),
        "kb": max((run["kb"] for run in done), default=None),
        "n": [run["n"] for run in runs],
        "load": spread([run["load"] for run in runs]),
        "errors": sorted({run["error"] for run in runs if run["error"]}),
    }
    if floors:
        ratios = [run["p50"] / floor["p50"] for run, floor in zip(runs, floors, strict=False) if "p50" in run]
        out["x_bare"] = spread(ratios)
    return out


def run_requests(port: int, requests: list[tuple], args, *, label: str) -> dict:
    """Every repetition asks every URL in turn (so a passing load spike hits one repetition, not one URL);
    `/hello/` first in each. A URL that failed is not asked again."""
    runs: dict[str, list[dict]] = {name: [] for name, *_ in requests}
    failed = set()
    for repetition in range(1, args.repeat + 1):
        for name, path, headers in requests:
            if name in failed:
                continue
            # Warm-up in the first repetition, and later for fast pages only, whose first request on the other
            # server process (templates not yet compiled there) would weigh; the server stays up between them.
            previous = runs[name][-1].get("p50", 0) if runs[name] else 0
            warm = args.warmup if repetition == 1 or previous < FAST_MS else 0
            figures = measure(port, path, args, headers, warmup=warm)
            runs[name].append(figures)
            if figures["error"]:
                failed.add(name)
            shown = f"p50 {figures['p50']:9.1f} ms  {figures['kb']:6.1f} KB" if "p50" in figures else "-"
            print(
                f"  {label} rep {repetition}: {name:44} N {figures['n']:2}  {shown}  (load {figures['load']:.2f})"
                f"{'  ' + figures['error'] if figures['error'] else ''}",
                flush=True,
            )
    return runs


def public_requests(args) -> list[tuple]:
    q, wilayah, kbli = args.q, args.wilayah, args.kbli
    return [
        ("/hello/ (bare view)", "/hello/", None),
        ("/ (home)", "/", None),
        ("/statistik/", "/statistik/", None),
        ("/direktori/", "/direktori/", None),
        (f"deep page {args.deep_url}", args.deep_url, None),
        ("/direktori/?tampilan=peta", "/direktori/?tampilan=peta", None),
        (f"/direktori/?q={q}", f"/direktori/?q={q}", None),
        (f"/direktori/?wilayah={wilayah}", f"/direktori/?wilayah={wilayah}", None),
        (f"/direktori/?q={q}&wilayah={wilayah}&kbli={kbli}", f"/direktori/?q={q}&wilayah={wilayah}&kbli={kbli}", None),
        ("API /api/v1/usaha/", "/api/v1/usaha/", JSON_HEADERS),
    ]


def admin_requests(args, sessions: dict, cookie: str) -> list[tuple]:
    def as_user(key):
        return {"Cookie": f"{cookie}={sessions[key]}"}

    changelist = "/admin/businesses/business/"
    requests = [
        ("admin home, province staff (Jawa Timur)", "/admin/", as_user("province")),
        ("admin home, national staff", "/admin/", as_user("national")),
    ]
    for key, who in (("national", "national staff"), ("superuser", "superuser"), ("province", "province staff")):
        requests += [
            (f"business list, {who}", changelist, as_user(key)),
            (
                f"business list ?status=published&kbli={args.kbli}, {who}",
                f"{changelist}?status=published&kbli={args.kbli}",
                as_user(key),
            ),
            (f"business list ?q={args.q}, {who}", f"{changelist}?q={args.q}", as_user(key)),
        ]
    return requests


# --- parts -------------------------------------------------------------------------------------------------------


def part_public_admin(args, large_url: str, small_url: str | None, sessions: dict | None, cookie: str) -> dict:
    out = {}
    public = public_requests(args) if "public" in args.parts else [public_requests(args)[0]]
    admin = admin_requests(args, sessions, cookie) if "admin" in args.parts else []
    with directory.Server(large_url, args, conn_max_age=60, cache_seconds=0, jit="off") as server:
        check_code(server)
        runs = run_requests(server.port, public + admin, args, label=f"{args.rows:,}")
    floors = runs[public[0][0]]
    out["large"] = {name: {**summarise(runs[name], floors), "runs": runs[name]} for name, *_ in public + admin}
    if "public" not in args.parts:
        return out
    if small_url:
        with directory.Server(small_url, args, conn_max_age=60, cache_seconds=0, jit="off") as server:
            runs = run_requests(server.port, public, args, label=f"{args.small:,}")
        floors = runs[public[0][0]]
        out["small"] = {name: {**summarise(runs[name], floors), "runs": runs[name]} for name, *_ in public}
    hit = public[-2]  # the filtered directory URL
    with directory.Server(large_url, args, conn_max_age=60, cache_seconds=300, jit="off") as server:
        runs = run_requests(server.port, [public[0], (f"{hit[0]} (cache hit)", hit[1], None)], args, label="cached")
    floors = runs[public[0][0]]
    out["cache"] = {name: {**summarise(runs[name], floors), "runs": runs[name]} for name in runs}
    return out


def check_code(server) -> None:
    """Which checkout the server's processes import (gunicorn --chdir PROJECT with PYTHONPATH=PROJECT)."""
    found = subprocess.run(
        [PYTHON, "-c", "import businesses, benchmarks.bench_urls as b; print(businesses.__file__, b.__file__)"],
        cwd=PROJECT,
        env=server.env,
        capture_output=True,
        text=True,
    ).stdout.strip()
    print(f"  server code: {found}", flush=True)
    if not found.startswith(str(PROJECT)):
        raise SystemExit(f"the server would not run {PROJECT}: {found}")


def part_export(args, large_url: str) -> dict:
    out = {}
    for key, label in (("province", "Jawa Timur, province staff"), ("superuser", "whole registry, superuser")):
        runs = []
        for repetition in range(1, args.export_repeat + 1):
            result = run_worker(large_url, "export", "--user", USERS[key][0], "--url", EXPORT_URL, check=False)
            runs.append(result)
            print(f"  export {label} rep {repetition}: {result}", flush=True)
        done = [run for run in runs if "seconds" in run and run["status"] == 200]
        out[label] = {
            "seconds": spread([run["seconds"] for run in done]),
            "peak_mb": spread([run["peak_mb"] for run in done]),
            "base_mb": spread([run["base_mb"] for run in done]),
            "rows": done[0]["rows"] if done else None,
            "mb": done[0]["mb"] if done else None,
            "load": spread([run["load"] for run in done]),
            "errors": [run.get("error") or f"HTTP {run['status']}" for run in runs if run not in done],
            "runs": runs,
        }
    return out


def copy_database(postgres: str, source: str, target: str) -> str:
    """CREATE DATABASE target TEMPLATE source, waiting while other sessions are connected to the source."""
    directory.psql(postgres, f"DROP DATABASE IF EXISTS {target}")
    for attempt in range(60):
        try:
            directory.psql(postgres, f"CREATE DATABASE {target} TEMPLATE {source}")
            return f"{postgres}/{target}"
        except subprocess.CalledProcessError:
            if attempt == 0:
                print(f"  {source} is in use; waiting to copy it", flush=True)
            time.sleep(10)
    raise SystemExit(f"could not copy {source}: other sessions stay connected to it")


def part_import(args, tmp: Path) -> dict:
    year = datetime.now(UTC).year - 1
    path = tmp / "import.csv"
    made = run_worker(
        f"{args.postgres}/{args.database}",
        "import-file",
        *("--file", str(path), "--rows", str(args.import_rows), "--year", str(year)),
    )
    print(f"  import file: {args.import_rows:,} rows ({made['spread']}), {made['mb']:.1f} MB", flush=True)
    out = {"rows": args.import_rows, "file_mb": made["mb"], "file": made["spread"]}
    for step in ("import", "bare"):
        scratch = f"{args.database}_scale_{step}"
        start = time.perf_counter()
        url = copy_database(args.postgres, args.database, scratch)
        print(f"  copied {args.database} to {scratch} in {time.perf_counter() - start:.0f} s", flush=True)
        try:
            if step == "import":  # the command, as an office's IT would run it: full access, no --user
                result = run_command(url, tmp, "import_businesses", str(path), "--year", str(year))
                result["summary"] = result.pop("stdout").strip().splitlines()[-3:]
            else:
                result = run_worker(url, "bare", "--file", str(path), "--year", str(year), check=False)
        finally:
            directory.psql(args.postgres, f"DROP DATABASE IF EXISTS {scratch}")
        out[step] = result
        print(f"  {step}: {result}", flush=True)
    return out


def run_command(database_url: str, tmp: Path, *argv: str) -> dict:
    """`manage.py ARGV` in its own process: its output, the wall time (Django start-up included) and the process's
    peak memory (ru_maxrss of that child alone, from wait4)."""
    env = django_env(database_url, PRIVATE_FILES_ROOT=os.environ["BENCH_PRIVATE_ROOT"])
    out, err = tmp / "command.out", tmp / "command.err"
    start = time.perf_counter()
    with out.open("w") as stdout_file, err.open("w") as stderr_file:
        process = subprocess.Popen(
            [PYTHON, "manage.py", *argv], cwd=PROJECT, env=env, stdout=stdout_file, stderr=stderr_file
        )
        _pid, status, usage = os.wait4(process.pid, 0)
    process.returncode = os.waitstatus_to_exitcode(status)
    result = {
        "wall": time.perf_counter() - start,
        "peak_mb": usage.ru_maxrss / 1024,
        "load": os.getloadavg()[0],
        "stdout": out.read_text(),
    }
    if process.returncode != 0:
        result["error"] = (err.read_text().strip().splitlines() or [f"exit {process.returncode}"])[-1]
    return result


def render_report(database_url: str, tmp: Path, name: str, *options: str) -> dict:
    """`manage.py render_report` as the Jawa Timur staff: the seconds it reports (Django start-up excluded), the wall
    time and the peak memory of its process."""
    output = tmp / f"{name}.pdf"
    result = run_command(
        database_url, tmp, "render_report", name, "--user", USERS["province"][0], "--output", str(output), *options
    )
    stdout = result.pop("stdout")
    if "error" not in result:  # "FILE.pdf: 123,456 bytes in 1.23 s"
        result["seconds"] = float(stdout.strip().rsplit(" in ", 1)[1].split()[0])
        result["kb"] = output.stat().st_size / 1024
    return result


def part_reports(args, large_url: str, tmp: Path) -> dict:
    year = datetime.now(UTC).year - 1
    reports = {
        f"rekap --region {PROVINCE} --year {year}": ("rekap", "--region", PROVINCE, "--year", str(year)),
        f"pertumbuhan --region {PROVINCE} --year-from {year - 2} --year-to {year}": (
            "pertumbuhan",
            "--region",
            PROVINCE,
            "--year-from",
            str(year - 2),
            "--year-to",
            str(year),
        ),
    }
    out = {}
    for label, (name, *options) in reports.items():
        runs = []
        for repetition in range(1, args.repeat + 1):
            result = render_report(large_url, tmp, name, *options)
            runs.append(result)
            print(f"  report {label} rep {repetition}: {result}", flush=True)
            if "error" in result:
                break
        done = [run for run in runs if "seconds" in run]
        out[label] = {
            "seconds": spread([run["seconds"] for run in done]),
            "wall": spread([run["wall"] for run in done]),
            "peak_mb": spread([run["peak_mb"] for run in done]),
            "kb": done[0]["kb"] if done else None,
            "load": spread([run["load"] for run in done]),
            "errors": [run["error"] for run in runs if "error" in run],
            "runs": runs,
        }
    return out


# --- printing ----------------------------------------------------------------------------------------------------


def fmt(values, digits: int = 1, unit: str = "") -> str:
    if not values:
        return "–"
    low, middle, high = values
    return f"{low:,.{digits}f} / **{middle:,.{digits}f}** / {high:,.{digits}f}{unit}"


def fmt_load(values) -> str:
    return "–" if not values else f"{values[0]:.1f}–{values[2]:.1f}"


def print_tables(results: dict, args) -> None:
    requests = results.get("requests", {})
    large, small = requests.get("large", {}), requests.get("small", {})
    heavy = []
    if large:
        print(f"\n## Requests over {args.rows:,} businesses, nothing cached (PUBLIC_CACHE_SECONDS=0)\n")
        print(
            f"p50 per repetition: min / **median** / max over {args.repeat}; ×bare: that p50 ÷ `/hello/`'s in the same "
            f"repetition (median, min–max); KB: gzipped body; ×{args.small:,}: median p50 ÷ the same URL's over "
            f"{args.small:,} businesses.\n"
        )
        print(f"| request | N per rep | p50 ms | ×bare | KB gzip | ×{args.small:,} rows | load 1m | errors |")
        print("|---|---|---|---|---|---|---|---|")
        for name, row in large.items():
            x_bare = row.get("x_bare")
            bare = f"{x_bare[1]:,.1f}× ({x_bare[0]:,.1f}–{x_bare[2]:,.1f})" if x_bare else "–"
            if name.startswith("admin") or name.startswith("business list"):
                bare = "–"
            versus = "–"
            if name in small and small[name]["p50"] and row["p50"]:
                versus = f"{row['p50'][1] / small[name]['p50'][1]:,.1f}×"
            kb = "–" if row["kb"] is None else f"{row['kb']:,.1f}"
            if row["kb"] and row["kb"] > KB_LIMIT:
                kb += " ⚠"
                heavy.append(name)
            print(
                f"| `{name}` | {'/'.join(map(str, row['n']))} | {fmt(row['p50'])} | {bare} | {kb} | {versus} "
                f"| {fmt_load(row['load'])} | {'; '.join(row['errors'])} |"
            )
        if heavy:
            print(f"\n⚠ over {KB_LIMIT} KB gzipped: {', '.join(heavy)}")
    if small:
        print(f"\nThe same public URLs over {args.small:,} businesses:\n")
        print("| request | p50 ms | ×bare | KB gzip | load 1m |")
        print("|---|---|---|---|---|")
        for name, row in small.items():
            x_bare = row.get("x_bare")
            bare = f"{x_bare[1]:,.1f}×" if x_bare else "–"
            kb = "–" if row["kb"] is None else f"{row['kb']:,.1f}"
            print(f"| `{name}` | {fmt(row['p50'])} | {bare} | {kb} | {fmt_load(row['load'])} |")
    cache = requests.get("cache")
    if cache:
        print("\nPage cache on (PUBLIC_CACHE_SECONDS=300), the same URL repeated:\n")
        print("| request | p50 ms | ×bare | KB gzip | load 1m |")
        print("|---|---|---|---|---|")
        for name, row in cache.items():
            x_bare = row.get("x_bare")
            bare = f"{x_bare[1]:,.1f}× ({x_bare[0]:,.1f}–{x_bare[2]:,.1f})" if x_bare else "–"
            print(f"| `{name}` | {fmt(row['p50'])} | {bare} | {row['kb'] or 0:,.1f} | {fmt_load(row['load'])} |")
    exports = results.get("export")
    if exports:
        print(f"\n## Admin CSV export (`{EXPORT_URL}`), one process each (min / **median** / max)\n")
        print("| export | rows | MB | seconds | peak MB (process) | MB before the request | load 1m | errors |")
        print("|---|---|---|---|---|---|---|---|")
        for name, row in exports.items():
            rows = f"{row['rows']:,}" if row["rows"] is not None else "–"
            mb = f"{row['mb']:,.0f}" if row["mb"] is not None else "–"
            print(
                f"| {name} | {rows} | {mb} | {fmt(row['seconds'])} | {fmt(row['peak_mb'], 0)} | "
                f"{fmt(row['base_mb'], 0)} | {fmt_load(row['load'])} | {'; '.join(row['errors'])} |"
            )
    imported = results.get("import")
    if imported:
        print(
            f"\n## Import of {imported['rows']:,} new businesses ({imported['file']}, {imported['file_mb']:.0f} MB CSV) "
            f"into the {args.rows:,} registry, each in its own copy of the database (one run each)\n"
        )
        print("| step | seconds | peak MB (process) | load 1m | notes |")
        print("|---|---|---|---|---|")
        run, bare = imported.get("import", {}), imported.get("bare", {})
        if "error" not in run:
            ratio = f"{run['wall'] / bare['seconds']:.1f}× bare" if "seconds" in bare else ""
            print(
                f"| `manage.py import_businesses FILE --year Y` | {run['wall']:,.1f} | {run['peak_mb']:,.0f} "
                f"| {run['load']:.1f} | {ratio}; Django start-up included; {' '.join(run['summary'])[:300]} |"
            )
        else:
            print(f"| `manage.py import_businesses` | – | – | – | {run.get('error')} |")
        if "seconds" in bare:
            print(
                f"| bare bulk_create of the same rows | {bare['seconds']:,.1f} | {bare['peak_mb']:,.0f} | "
                f"{bare['load']:.1f} | {bare['rows']:,} rows; reading and parsing the file not timed |"
            )
        else:
            print(f"| bare bulk_create | – | – | – | {bare.get('error')} |")
    reports = results.get("reports")
    if reports:
        print(
            f"\n## Reports as the Jawa Timur province staff (render_report; min / **median** / max of {args.repeat})\n"
        )
        print("| report | seconds (command) | wall s (with Django start-up) | peak MB | PDF KB | load 1m | errors |")
        print("|---|---|---|---|---|---|---|")
        for name, row in reports.items():
            kb = f"{row['kb']:,.0f}" if row["kb"] else "–"
            print(
                f"| `{name}` | {fmt(row['seconds'], 2)} | {fmt(row['wall'], 1)} | {fmt(row['peak_mb'], 0)} | {kb} "
                f"| {fmt_load(row['load'])} | {'; '.join(row['errors'])} |"
            )


# --- the driver --------------------------------------------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=1_000_000, help="businesses in the measured registry")
    parser.add_argument("--small", type=int, default=10_000, help="the registry public pages are compared to (0: none)")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--only", default=",".join(PARTS), help=f"comma-separated parts: {','.join(PARTS)}")
    parser.add_argument("--label", default="", help="a name for this run (before, after), printed and in the JSON")
    parser.add_argument("--json", type=Path, help="write every figure to this file")
    parser.add_argument("--deep-url", default="/direktori/?page=2000", help="the deep directory page")
    parser.add_argument("--project", type=Path, default=directory.ROOT, help="the checkout whose code is measured")
    parser.add_argument("--requests", type=int, default=20, help="at most this many timed requests per URL and rep")
    parser.add_argument("--seconds", type=float, default=20, help="time budget per URL and rep (see measure)")
    parser.add_argument("--least", type=int, default=1, help="at least this many timed requests per URL and rep")
    parser.add_argument("--warmup", type=int, default=1, help="untimed requests first, per URL and rep")
    parser.add_argument("--timeout", type=float, default=120, help="seconds before a request counts as a timeout")
    parser.add_argument("--export-repeat", type=int, default=1, help="runs of each export")
    parser.add_argument("--import-rows", type=int, default=100_000)
    parser.add_argument("--q", default="batik")
    parser.add_argument("--wilayah", default=PROVINCE)
    parser.add_argument("--kbli", default="13")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn worker processes")
    parser.add_argument("--threads", type=int, default=2, help="threads per gunicorn worker")
    parser.add_argument("--postgres", default=national.DEFAULT_POSTGRES, help="server URL, no database")
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    parser.add_argument("--user", help=argparse.SUPPRESS)
    parser.add_argument("--url", help=argparse.SUPPRESS)
    parser.add_argument("--file", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--year", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    use_project(args.project)
    if args.worker:
        setup_django()
        steps = {
            "users": lambda: worker_users(),
            "export": lambda: worker_export(args.user, args.url),
            "import-file": lambda: worker_import_file(args.file, args.rows, args.year),
            "bare": lambda: worker_bare(args.file, args.year),
        }
        print(json.dumps(steps[args.worker]()))
        return
    args.parts = [part.strip() for part in args.only.split(",") if part.strip()]
    unknown = set(args.parts) - set(PARTS)
    if unknown:
        parser.error(f"--only: unknown {', '.join(sorted(unknown))}; choose from {', '.join(PARTS)}")
    args.database = database_for(args.rows)
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="bench-scale-") as directory_name:
        tmp = Path(directory_name)
        os.environ["STATIC_ROOT"] = str(tmp / "static")  # inherited by every process below
        os.environ["BENCH_PRIVATE_ROOT"] = str(tmp / "private")
        os.environ["API_ANON_RATE"] = "1000000/m"  # the API's rate limit would answer 429s
        results = run(args, tmp)
    results["seconds"] = time.perf_counter() - started
    print(
        f"\nTotal {results['seconds'] / 60:.0f} min; load average now {' / '.join(f'{x:.2f}' for x in os.getloadavg())}"
    )
    if args.json:
        args.json.write_text(json.dumps(results, indent=1, default=str))
        print(f"figures in {args.json}")


def run(args, tmp: Path) -> dict:
    gunicorn = directory.ensure_gunicorn()
    host = directory.machine()
    commit = subprocess.run(
        ["git", "-C", str(PROJECT), "log", "-1", "--format=%h %s"], capture_output=True, text=True
    ).stdout.strip()
    print(
        f"# National scale (issue 15){' — ' + args.label if args.label else ''}: {args.rows:,} businesses; "
        f"{host['cpus']} CPUs ({host['model']}), load average {os.getloadavg()[0]:.2f}; Python {host['python']}, "
        f"gunicorn {gunicorn} gthread {args.workers}×{args.threads}\n\ncode: {PROJECT} at {commit[:100]}",
        flush=True,
    )
    results = {"label": args.label, "rows": args.rows, "small": args.small, "machine": host, "commit": commit}
    results["args"] = {key: str(value) for key, value in vars(args).items()}
    large_url = national.ensure(rows=args.rows, database=args.database, postgres=args.postgres)
    small_url = None
    if args.small and "public" in args.parts:
        small_url = national.ensure(rows=args.small, database=database_for(args.small), postgres=args.postgres)
    subprocess.run(
        [PYTHON, "manage.py", "collectstatic", "--noinput", "-v0"], cwd=PROJECT, env=django_env(large_url), check=True
    )
    users = run_worker(large_url, "users")
    print(f"staff sessions made; Django workers run {users['code']}", flush=True)
    if not users["code"].startswith(str(PROJECT)):
        raise SystemExit(f"the workers would not run {PROJECT}")
    if "public" in args.parts or "admin" in args.parts:
        print("\n## requests", flush=True)
        results["requests"] = part_public_admin(args, large_url, small_url, users["sessions"], users["cookie"])
    if "export" in args.parts:
        print("\n## exports", flush=True)
        results["export"] = part_export(args, large_url)
    if "reports" in args.parts:
        print("\n## reports", flush=True)
        results["reports"] = part_reports(args, large_url, tmp)
    if "import" in args.parts:
        print("\n## import", flush=True)
        results["import"] = part_import(args, tmp)
    print_tables(results, args)
    return results


if __name__ == "__main__":
    main()
