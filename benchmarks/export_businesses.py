"""Time the business list's exports over a national registry: when the first byte leaves, how long the whole file
takes, and the peak memory of the process (ru_maxrss, Django included).

Usage (from the project root, after `make test` created .venv):

    .venv/bin/python benchmarks/export_businesses.py [--registry 1000000] [--formats csv,xlsx]
        [--postgres postgres://postgres@127.0.0.1:5432] [--code DIR]

The registry is generated once by benchmarks/national.py (`national.ensure`; database `ikm_bench_national` for
1,000,000 businesses, else `ikm_bench_national_<N>`; an existing database of other rows is never regenerated from
here; `--registry-database` names a copy of it to use instead). The exports run on one scratch copy of it (`CREATE
DATABASE … TEMPLATE`, dropped at the end: an export writes its log entry, and the template is never written), each in
a process of its own, as a superuser (every row, every column) through the admin's export URL with Django's test
client:

- csv: the import layout as CSV, streamed: time to the response, to the first piece and to the last;
- xlsx: the import layout as XLSX. Past EXPORT_INLINE_MAX_ROWS the request queues a job (its time is the request's),
  which is then run in the same process as `db_worker` runs it; a list within the limit is written in the request.

`--code DIR` runs the exports with the code of DIR (e.g. `git archive HEAD | tar -x -C /tmp/head` for the figures
before a change) and this venv.
"""

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
SCRATCH = "ikm_bench_export"
USERNAME = "bench.export"


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def worker(step: str, code: Path) -> dict:
    sys.path.insert(0, str(code))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ikm_registry.settings")
    import django

    django.setup()
    from django.contrib.auth import get_user_model
    from django.test import Client
    from django.urls import reverse

    if step == "setup":
        get_user_model().objects.create_superuser(USERNAME, password="bench-export-1")
        return {}
    client = Client()
    client.force_login(get_user_model().objects.get(username=USERNAME))
    url = reverse("admin:businesses_business_export")
    start = time.perf_counter()
    response = client.get(url, {"format": step})
    answered = time.perf_counter() - start
    result = {"status": response.status_code, "response_s": answered}
    if response.status_code == 302:  # queued for the worker: run the job here, as db_worker would
        from ikm_registry import jobs
        from ikm_registry.models import Job

        job = Job.objects.get(status=Job.Status.QUEUED)
        began = time.perf_counter()
        jobs.job_run(job.pk, worker_id="benchmark")
        job.refresh_from_db()
        assert job.status == Job.Status.DONE, job.error
        result.update(job_s=time.perf_counter() - began, rows=job.progress_done, bytes=job.file.size)
        result["peak_mb"] = peak_mb()
        return result
    size, first = 0, None
    for piece in response.streaming_content:
        if first is None:
            first = time.perf_counter() - start
        size += len(piece)
    result.update(first_byte_s=first, total_s=time.perf_counter() - start, bytes=size, peak_mb=peak_mb())
    return result


def run_worker(database_url: str, step: str, code: Path, private: Path) -> dict:
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "DEBUG": "0",
        "SECRET_KEY": "bench-" + "x" * 50,
        "ALLOWED_HOSTS": "testserver",
        "PRIVATE_FILES_ROOT": str(private),
    }
    command = [PYTHON, __file__, "--worker", step, "--code", str(code)]
    output = subprocess.run(command, cwd=code, env=env, check=True, capture_output=True, text=True).stdout
    return json.loads(output.strip().splitlines()[-1])


def psql(server: str, sql: str) -> None:
    env = {**os.environ, "PGOPTIONS": "-c client_min_messages=warning"}
    subprocess.run(["psql", f"{server}/postgres", "-q", "-c", sql], check=True, stdout=subprocess.DEVNULL, env=env)


def copy_database(server: str, source: str, target: str, tries: int = 30) -> None:
    """CREATE DATABASE target TEMPLATE source, tried again while someone is connected to the source."""
    for attempt in range(tries):
        try:
            psql(server, f"CREATE DATABASE {target} TEMPLATE {source}")
            return
        except subprocess.CalledProcessError:
            if attempt == tries - 1:
                raise
            time.sleep(10)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--registry", type=int, default=1_000_000)
    parser.add_argument("--formats", default="csv,xlsx")
    parser.add_argument("--postgres", default="postgres://postgres@127.0.0.1:5432", help="server URL, no database")
    parser.add_argument("--code", type=Path, default=ROOT, help="the project's code to run (default: this one)")
    parser.add_argument(
        "--registry-database",
        default="",
        help="the generated registry to copy (default: national.py's); e.g. a copy of your own while others use it",
    )
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        print(json.dumps(worker(args.worker, args.code.resolve())))
        return
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    import national

    source = args.registry_database or (
        national.DEFAULT_DATABASE if args.registry == 1_000_000 else f"{national.DEFAULT_DATABASE}_{args.registry}"
    )
    found = national.generated(args.postgres, source)
    if found is not None and found != (args.registry, national.VERSION):
        raise SystemExit(f"{source} holds {found[0]:,} rows of version {found[1]}; not regenerated from here")
    national.ensure(rows=args.registry, database=source, postgres=args.postgres)
    code = args.code.resolve()
    print(f"{args.registry:,} businesses ({source}), code of {code}")
    psql(args.postgres, f"DROP DATABASE IF EXISTS {SCRATCH}")
    copy_database(args.postgres, source, SCRATCH)
    url = f"{args.postgres}/{SCRATCH}"
    try:
        with tempfile.TemporaryDirectory() as private:
            run_worker(url, "setup", code, Path(private))
            for step in args.formats.split(","):
                report(step, run_worker(url, step, code, Path(private)))
    finally:
        psql(args.postgres, f"DROP DATABASE IF EXISTS {SCRATCH}")


def report(step: str, found: dict) -> None:
    if "job_s" in found:
        print(
            f"{step:5} request {found['response_s']:6.2f} s (queued), job {found['job_s']:7.1f} s, "
            f"{found['rows']:,} rows, {found['bytes'] / 1e6:.0f} MB, peak {found['peak_mb']:.0f} MB",
            flush=True,
        )
    else:
        print(
            f"{step:5} response {found['response_s']:6.2f} s, first byte {found['first_byte_s']:6.2f} s, "
            f"last byte {found['total_s']:7.1f} s, {found['bytes'] / 1e6:.0f} MB, peak {found['peak_mb']:.0f} MB",
            flush=True,
        )


if __name__ == "__main__":
    main()
