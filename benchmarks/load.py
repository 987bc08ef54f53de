"""Issue 15, point 7: where one machine saturates — the public site under locust, in steps of more users.

Usage (from the project root; locust and gunicorn come with `pip install -e '.[bench]'`, and are installed into this
environment when missing):

    .venv/bin/python benchmarks/load.py [--database ikm_bench_national] [--users 1,2,4,8,16,32,64] [--seconds 20]
        [--cache off,on] [--workers 2×CPUs] [--threads 4] [--p95-limit 1000] [--growth 10] [--json out.json]
        [--project DIR] [--report out.json]

It starts gunicorn as the README's "Past one machine" sizes it (gthread, 2 × CPUs workers × 4 threads; DEBUG off,
the database cache, CONN_MAX_AGE=60, the API's anonymous rate limit lifted) on a free port of 127.0.0.1 against
`--database` (default the 1,000,000-business registry of benchmarks/national.py; it must exist, be migrated and
have its directory counts refreshed: `manage.py refresh_directory_counts`), samples published businesses' ids (for
their pages), provinces and regencies from it, and runs locust headless (benchmarks/locustfile.py: anonymous
visitors with the public mix of pages described there, no think time) once per step of `--users`, each step
`--seconds` long, after a warm-up of `--warmup` seconds whose figures are dropped. Loopback only: server, database
and load generator share the machine, so locust's own CPU is part of the picture (printed per step).

Per step: requests/s, p50, p95 and p99 in ms (locust's percentiles, rounded by it to 2 significant digits), the
error rate, the CPU used (in CPUs: 1.0 = one core busy all the step) by gunicorn, by locust, by the PostgreSQL
backends serving the server (application_name=bench-load) and by other postgres processes (other sessions on the
shared server), the whole machine's busy CPUs and its 1-minute load average. Then the knee, the earlier of two steps
(each printed too, with the most requests/s seen): the last before requests/s grow less than `--growth` % over the
step before, and the last before p95 passes `--p95-limit` ms — more users after it only wait longer. Then each kind
of request at the knee (the slowest first). With `--cache off,on` the steps run twice: nothing cached
(PUBLIC_CACHE_SECONDS=0) and with the page cache on (PUBLIC_CACHE_SECONDS=300, every page cached on first sight, in
the database's cache table as the site's default: it is not emptied first, so pages another run cached less than
300 s before answer at once; the warm-up fills it, and the first steps still meet more misses than the last).

--report FILE prints the tables of an earlier run's --json file again (with this run's --growth and --p95-limit).
--project DIR serves the code of another checkout (the benchmark's own modules stay in this folder), e.g. a snapshot
of a commit, `git archive HEAD | tar -x -C DIR`, when others edit the working tree during the run.

How long: len(users) × (seconds + ~3) per cache mode, plus the warm-up and the server's start: 6-8 minutes with the
defaults.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import psycopg

BENCHMARKS = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCHMARKS))

import directory  # noqa: E402  (benchmarks/directory.py: Server, ensure_gunicorn, machine)
import national  # noqa: E402  (benchmarks/national.py: the generated databases)
import scale  # noqa: E402  (benchmarks/scale.py: django_env, setup_django)

PYTHON = sys.executable
LOCUSTFILE = BENCHMARKS / "locustfile.py"
CACHE_SECONDS = {"off": 0, "on": 300}
TICKS = os.sysconf("SC_CLK_TCK")
APPLICATION = "bench-load"  # the server's connections carry this application_name (pg_stat_activity)


def ensure_locust() -> str:
    """locust's version, installed into this environment first when missing (it brings gevent: kept out of the
    `dev` extra, see pyproject.toml's `bench`)."""
    check = [PYTHON, "-c", "import locust; print(locust.__version__)"]
    found = subprocess.run(check, capture_output=True, text=True)
    if found.returncode != 0:
        print("locust is not installed in this environment: pip install locust", flush=True)
        subprocess.run([PYTHON, "-m", "pip", "install", "--quiet", "locust"], check=True)
        found = subprocess.run(check, capture_output=True, text=True, check=True)
    return found.stdout.strip().splitlines()[-1]


# --- the sample the visitors draw from (one Django process) -------------------------------------------------------


def worker_sample(count: int) -> dict:
    """Ids of published businesses (random ids of the registry's range, kept when business_public() has them),
    every province, some regencies, the generator's search words and KBLI divisions."""
    import random

    from django.db.models import Max, Min

    from businesses.models import Business
    from businesses.selectors import business_public
    from ikm_registry.models import Region

    randomly = random.Random(2026)
    bounds = Business.objects.aggregate(low=Min("pk"), high=Max("pk"))
    ids: list[int] = []
    for _attempt in range(20):
        if len(ids) >= count or bounds["low"] is None:
            break
        candidates = {randomly.randint(bounds["low"], bounds["high"]) for _ in range(count * 3)}
        ids += list(business_public().filter(pk__in=candidates).values_list("pk", flat=True)[: count - len(ids)])
    regions = Region.objects.filter(level__in=["province", "regency"]).values_list("code", "level")
    provinces = sorted(code for code, level in regions if level == "province")
    regencies = sorted(code for code, level in regions if level == "regency")
    return {
        "detail_ids": ids,
        "provinces": provinces,
        "regencies": randomly.sample(regencies, min(60, len(regencies))),
        "words": sorted({word.lower() for word, *_ in directory.VOCABULARY}),
        "kbli": sorted({code[:2] for _word, _products, code, *_ in directory.VOCABULARY}),
    }


def sample(database_url: str, count: int, path: Path) -> dict:
    result = subprocess.run(
        [PYTHON, __file__, "--project", str(scale.PROJECT), "--worker-sample", str(count)],
        cwd=scale.PROJECT,
        env=scale.django_env(database_url),
        capture_output=True,
        text=True,
    )
    if result.returncode != 0:
        sys.stderr.write(result.stderr[-5000:])
        raise SystemExit("sampling the database failed")
    data = json.loads(result.stdout.strip().splitlines()[-1])
    path.write_text(json.dumps(data))
    return data


# --- CPU accounting from /proc -------------------------------------------------------------------------------------


def _processes() -> list[tuple[int, int, str, int]]:
    """(pid, parent pid, command name, CPU ticks used) of every process that can be read."""
    out = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            raw = (entry / "stat").read_text()
        except OSError:
            continue
        name = raw[raw.index("(") + 1 : raw.rindex(")")]
        fields = raw[raw.rindex(")") + 2 :].split()
        out.append((int(entry.name), int(fields[1]), name, int(fields[11]) + int(fields[12])))
    return out


class CpuMeter:
    """CPU seconds used between start and the last reading by the gunicorn master and its workers, by locust, by the
    PostgreSQL backends serving the server (its connections say application_name=APPLICATION; their parallel
    workers count with them) and by every other postgres process (other sessions, background writers). Per process:
    its ticks at the last reading minus those at the first (0 for a process started in between); a process that
    ended between two readings loses the ticks of that last interval."""

    def __init__(self, server_pid: int, locust_pid: int, monitor):
        self.server_pid, self.locust_pid, self.monitor = server_pid, locust_pid, monitor
        self.first: dict[int, int] = {}
        self.last: dict[int, tuple[str, int]] = {}
        self.read(first=True)

    def backends(self) -> set[int]:
        rows = self.monitor.execute(
            "SELECT pid FROM pg_stat_activity WHERE application_name = %s OR leader_pid IN "
            "(SELECT pid FROM pg_stat_activity WHERE application_name = %s)",
            [APPLICATION, APPLICATION],
        ).fetchall()
        return {pid for (pid,) in rows}

    def read(self, *, first: bool = False) -> None:
        ours = self.backends()
        processes = _processes()
        server = {self.server_pid} | {pid for pid, parent, _name, _ticks in processes if parent == self.server_pid}
        for pid, _parent, name, ticks in processes:
            if pid in server:
                kind = "server"
            elif pid == self.locust_pid:
                kind = "locust"
            elif name == "postgres":
                kind = "postgres" if pid in ours else "postgres_other"
            else:
                continue
            if first:
                self.first[pid] = ticks
            self.last[pid] = (kind, ticks)

    def seconds(self) -> dict[str, float]:
        totals = {"server": 0.0, "locust": 0.0, "postgres": 0.0, "postgres_other": 0.0}
        for pid, (kind, ticks) in self.last.items():
            totals[kind] += (ticks - self.first.get(pid, 0)) / TICKS
        return totals


def machine_busy() -> tuple[int, int]:
    """(busy, total) jiffies of all CPUs from /proc/stat."""
    values = [int(value) for value in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
    idle = values[3] + values[4]
    return sum(values) - idle, sum(values)


# --- one locust run ----------------------------------------------------------------------------------------------


@dataclass
class Target:
    """The running server, the sample its visitors draw from, and a connection that watches pg_stat_activity."""

    port: int
    server_pid: int
    data: Path
    wait: float
    monitor: psycopg.Connection


def run_locust(target: Target, users: int, seconds: float, prefix: Path) -> dict:
    """locust headless with `users` visitors spawned at once for `seconds`: the aggregated figures, the figures of
    each kind of request, and the CPU used meanwhile."""
    command = [PYTHON, "-m", "locust", "-f", str(LOCUSTFILE), "--headless", "--only-summary"]
    command += ["-u", str(users), "-r", str(users), "-t", f"{seconds:g}s", "--stop-timeout", "30"]
    command += ["--host", f"http://127.0.0.1:{target.port}", "--csv", str(prefix), "--exit-code-on-error", "0"]
    command += ["--loglevel", "WARNING"]
    env = {**os.environ, "LOAD_DATA": str(target.data), "LOAD_WAIT": str(target.wait)}
    log = prefix.with_suffix(".log")
    busy_before, total_before = machine_busy()
    started = time.perf_counter()
    with log.open("w") as output:
        process = subprocess.Popen(command, cwd=BENCHMARKS, env=env, stdout=output, stderr=subprocess.STDOUT)
        meter = CpuMeter(target.server_pid, process.pid, target.monitor)
        while process.poll() is None:  # the last reading before it exits holds locust's own ticks
            time.sleep(0.5)
            meter.read()
    wall = time.perf_counter() - started
    busy_after, total_after = machine_busy()
    if process.returncode != 0:
        raise SystemExit(f"locust failed (exit {process.returncode}):\n{log.read_text()[-3000:]}")
    rows = list(csv.DictReader(Path(f"{prefix}_stats.csv").open(encoding="utf-8")))
    kinds = {row["Name"]: figures(row) for row in rows if row["Name"] != "Aggregated"}
    total = next(figures(row) for row in rows if row["Name"] == "Aggregated")
    failures = [
        f"{row['Occurrences']}× {row['Name']}: {row['Error'][:120]}"
        for row in csv.DictReader(Path(f"{prefix}_failures.csv").open(encoding="utf-8"))
    ]
    cpu = {key: used / wall for key, used in meter.seconds().items()}
    cpu["machine"] = (busy_after - busy_before) / max(total_after - total_before, 1) * (os.cpu_count() or 1)
    warnings = [line.strip() for line in log.read_text().splitlines() if "CPU usage" in line]
    return {
        "users": users,
        **total,
        "kinds": kinds,
        "failures": failures,
        "cpu": cpu,
        "load": os.getloadavg()[0],
        "locust_warnings": warnings,
    }


def figures(row: dict) -> dict:
    count = int(row["Request Count"])
    return {
        "n": count,
        "errors": int(row["Failure Count"]),
        "error_rate": int(row["Failure Count"]) / count if count else 0.0,
        "rps": float(row["Requests/s"]),
        "p50": float(row["50%"]) if count else None,
        "p95": float(row["95%"]) if count else None,
        "p99": float(row["99%"]) if count else None,
        "mean": float(row["Average Response Time"]) if count else None,
    }


def knee(steps: list[dict], *, growth: float, p95_limit: float) -> dict:
    """Where more users stop paying: `throughput`, the last step before requests/s grow less than `growth` % over
    the step before; `latency`, the last step before p95 passes `p95_limit` ms (None: already the first); `step`,
    the earlier of the two (None: below the first step), with the reason (`why`: the step after it)."""
    found = {"throughput": None, "throughput_why": "", "latency": None, "latency_why": ""}
    for number, step in enumerate(steps[1:], start=1):
        before = steps[number - 1]
        if step["rps"] < before["rps"] * (1 + growth / 100):
            change = (step["rps"] / before["rps"] - 1) * 100 if before["rps"] else 0
            found["throughput"] = before
            found["throughput_why"] = f"{users(step['users'])}: req/s {change:+.0f} % over {before['users']}"
            break
    for number, step in enumerate(steps):
        if step["p95"] is not None and step["p95"] > p95_limit:
            found["latency"] = steps[number - 1] if number else None
            found["latency_why"] = f"{users(step['users'])}: p95 {step['p95']:,.0f} ms > {p95_limit:,.0f} ms"
            found["latency_passed"] = True
            break
    candidates = []
    if found["throughput"] is not None:
        candidates.append((found["throughput"]["users"], found["throughput"], found["throughput_why"]))
    if found.get("latency_passed"):
        count = found["latency"]["users"] if found["latency"] else 0
        candidates.append((count, found["latency"], found["latency_why"]))
    if candidates:
        _count, found["step"], found["why"] = min(candidates, key=lambda candidate: candidate[0])
    else:
        found["step"], found["why"] = steps[-1], f"req/s still grew ≥ {growth:g} % at every step, p95 within the limit"
    return found


# --- printing ----------------------------------------------------------------------------------------------------


def users(count: int) -> str:
    return f"{count} user" if count == 1 else f"{count} users"


def ms(value) -> str:
    return "–" if value is None else f"{value:,.0f}"


def print_steps(mode: str, steps: list[dict], found: dict, args) -> None:
    print(f"\n### Page cache {mode} (PUBLIC_CACHE_SECONDS={CACHE_SECONDS[mode]})\n")
    columns = "users | requests | req/s | p50 ms | p95 ms | p99 ms | errors | CPU gunicorn | CPU locust | CPU postgres"
    print(f"| {columns} | CPU other postgres | machine busy (of {os.cpu_count()}) | load 1m |")
    print("|---|---|---|---|---|---|---|---|---|---|---|---|---|")
    for step in steps:
        cpu = step["cpu"]
        print(
            f"| {step['users']} | {step['n']:,} | {step['rps']:,.1f} | {ms(step['p50'])} | {ms(step['p95'])} | "
            f"{ms(step['p99'])} | {step['error_rate']:.1%} | {cpu['server']:.2f} | {cpu['locust']:.2f} | "
            f"{cpu['postgres']:.2f} | {cpu['postgres_other']:.2f} | {cpu['machine']:.2f} | {step['load']:.1f} |"
        )

    def described(step) -> str:
        if step is None:
            return "below the first step"
        return f"{users(step['users'])}, {step['rps']:,.1f} req/s, p95 {ms(step['p95'])} ms"

    print(f"\n**Knee: {described(found['step'])}** (next: {found['why']})")
    if found["throughput_why"]:
        print(f"- requests/s stop growing after {described(found['throughput'])} ({found['throughput_why']})")
    else:
        print(f"- requests/s grew ≥ {args.growth:g} % at every step up to {steps[-1]['users']} users")
    if found["latency_why"] and found["latency"] is None:
        print(f"- p95 over {args.p95_limit:,.0f} ms from the first step ({found['latency_why']})")
    elif found["latency_why"]:
        print(f"- p95 within {args.p95_limit:,.0f} ms up to {described(found['latency'])} ({found['latency_why']})")
    else:
        print(f"- p95 within {args.p95_limit:,.0f} ms at every step")
    peak = max(steps, key=lambda step: step["rps"])
    print(f"- most: {peak['rps']:,.1f} req/s at {users(peak['users'])} (p95 {ms(peak['p95'])} ms)")
    last = found["step"] or steps[0]
    print(f"\nBy kind of request at {users(last['users'])}:\n")
    print("| request | share | req/s | p50 ms | p95 ms | p99 ms | errors |")
    print("|---|---|---|---|---|---|---|")
    for name, row in sorted(last["kinds"].items(), key=lambda item: -(item[1]["p50"] or 0)):
        share = row["n"] / last["n"] if last["n"] else 0
        print(
            f"| `{name}` | {share:.0%} | {row['rps']:,.1f} | {ms(row['p50'])} | {ms(row['p95'])} | {ms(row['p99'])} "
            f"| {row['errors']} |"
        )
    failures = sorted({failure for step in steps for failure in step["failures"]})
    if failures:
        print("\nFailures:", *failures[:10], sep="\n  ")
    warnings = sorted({warning for step in steps for warning in step["locust_warnings"]})
    if warnings:
        print("\nlocust:", *warnings[:3], sep="\n  ")


# --- the driver --------------------------------------------------------------------------------------------------


def main() -> None:
    cpus = os.cpu_count() or 1
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database", default=national.DEFAULT_DATABASE, help="a database of benchmarks/national.py")
    parser.add_argument("--postgres", default=national.DEFAULT_POSTGRES, help="server URL, no database")
    parser.add_argument("--users", default="1,2,4,8,16,32,64", help="comma-separated steps of concurrent users")
    parser.add_argument("--seconds", type=float, default=20, help="length of each step")
    parser.add_argument("--warmup", type=float, default=10, help="seconds of load before the steps, not counted")
    parser.add_argument("--cache", default="off,on", help="page cache modes to run: off, on or off,on")
    parser.add_argument("--workers", type=int, default=2 * cpus, help="gunicorn worker processes (2 × CPUs)")
    parser.add_argument("--threads", type=int, default=4, help="threads per gunicorn worker")
    parser.add_argument("--wait", type=float, default=0, help="seconds each visitor waits between its requests")
    parser.add_argument(
        "--p95-limit", type=float, default=1000, help="ms: a step whose p95 is over this is past the knee"
    )
    parser.add_argument("--growth", type=float, default=10, help="%%: a step adding less req/s than this is past it")
    parser.add_argument("--samples", type=int, default=500, help="published businesses whose pages are asked for")
    parser.add_argument("--force", action="store_true", help="run even when the directory counts were never refreshed")
    parser.add_argument("--json", type=Path, help="write every figure to this file")
    parser.add_argument("--project", type=Path, default=directory.ROOT, help="the checkout whose code is measured")
    parser.add_argument("--report", type=Path, help="print the tables of an earlier run's --json file, and stop")
    parser.add_argument("--worker-sample", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    scale.use_project(args.project)
    if args.report:
        for mode, result in json.loads(args.report.read_text())["modes"].items():
            found = knee(result["steps"], growth=args.growth, p95_limit=args.p95_limit)
            print_steps(mode, result["steps"], found, args)
        return
    if args.worker_sample:
        scale.setup_django()
        print(json.dumps(worker_sample(args.worker_sample)))
        return
    steps_users = [int(value) for value in args.users.split(",") if value.strip()]
    modes = [mode.strip() for mode in args.cache.split(",") if mode.strip()]
    if set(modes) - set(CACHE_SECONDS):
        parser.error("--cache: off, on or off,on")
    database_url = f"{args.postgres}/{args.database}"
    if not national.generated(args.postgres, args.database):
        raise SystemExit(f"{args.database} was not generated: .venv/bin/python benchmarks/national.py")
    refreshed = national.psql(args.postgres, args.database, "SELECT count(*) FROM businesses_directorycountrun")
    if refreshed == "0" and not args.force:
        raise SystemExit(f"{args.database}: no directory counts yet (manage.py refresh_directory_counts), or --force")
    gunicorn = directory.ensure_gunicorn()
    locust = ensure_locust()
    host = directory.machine()
    businesses = national.psql(args.postgres, args.database, "SELECT count(*) FROM businesses_business")
    commit = subprocess.run(["git", "log", "-1", "--format=%h %s"], capture_output=True, text=True, cwd=scale.PROJECT)
    print(
        f"# Load test (issue 15): {int(businesses):,} businesses in {args.database}; {host['cpus']} CPUs "
        f"({host['model']}), load average {' / '.join(f'{x:.2f}' for x in os.getloadavg())} before; Python "
        f"{host['python']}, gunicorn {gunicorn} gthread {args.workers}×{args.threads}, locust {locust} (FastHttpUser, "
        f"one process, wait {args.wait:g} s); steps of {args.seconds:g} s\n\ncode: {scale.PROJECT} "
        f"{commit.stdout.strip()[:100]}",
        flush=True,
    )
    results = {"machine": host, "args": {key: str(value) for key, value in vars(args).items()}, "modes": {}}
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="bench-load-") as folder:
        tmp = Path(folder)
        (tmp / "static").mkdir()
        os.environ["STATIC_ROOT"] = str(tmp / "static")  # inherited by the server: no collectstatic needed
        os.environ["PRIVATE_FILES_ROOT"] = str(tmp / "private")
        os.environ["API_ANON_RATE"] = "100000000/m"  # the API's limit per address would answer 429s
        data_path = tmp / "sample.json"
        data = sample(database_url, args.samples, data_path)
        print(
            f"sample: {len(data['detail_ids'])} published businesses, {len(data['provinces'])} provinces, "
            f"{len(data['regencies'])} regencies, {len(data['words'])} words, {len(data['kbli'])} KBLI divisions",
            flush=True,
        )
        for mode in modes:
            server_args = argparse.Namespace(workers=args.workers, threads=args.threads)
            with (
                directory.Server(
                    f"{database_url}?application_name={APPLICATION}",
                    server_args,
                    conn_max_age=60,
                    cache_seconds=CACHE_SECONDS[mode],
                    jit="off",
                ) as server,
                psycopg.connect(database_url, autocommit=True) as monitor,
            ):
                target = Target(server.port, server.process.pid, data_path, args.wait, monitor)
                if args.warmup > 0:
                    run_locust(target, args.workers * args.threads, args.warmup, tmp / f"{mode}-warmup")
                steps = []
                for count in steps_users:
                    step = run_locust(target, count, args.seconds, tmp / f"{mode}-{count}")
                    steps.append(step)
                    print(
                        f"  cache {mode}, {count:3} users: {step['rps']:7.1f} req/s  p50 {ms(step['p50']):>6}  "
                        f"p95 {ms(step['p95']):>6}  p99 {ms(step['p99']):>6} ms  errors {step['error_rate']:.1%}  "
                        f"CPU gunicorn {step['cpu']['server']:.2f} locust {step['cpu']['locust']:.2f} postgres "
                        f"{step['cpu']['postgres']:.2f} (others {step['cpu']['postgres_other']:.2f})  "
                        f"load {step['load']:.2f}",
                        flush=True,
                    )
            found = knee(steps, growth=args.growth, p95_limit=args.p95_limit)
            results["modes"][mode] = {"steps": steps, "knee": found}
    for mode, result in results["modes"].items():
        print_steps(mode, result["steps"], result["knee"], args)
    results["seconds"] = time.perf_counter() - started
    print(
        f"\nTotal {results['seconds'] / 60:.1f} min; load average now {' / '.join(f'{x:.2f}' for x in os.getloadavg())}"
    )
    if args.json:
        args.json.write_text(json.dumps(results, indent=1, default=str))
        print(f"figures in {args.json}")


if __name__ == "__main__":
    main()
