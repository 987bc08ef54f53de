"""Time the PDF reports over one regency of 4,045 businesses: the rekap, and the Daftar IKM (chunks rendered in
parallel and joined) next to a bare single-process WeasyPrint table of the same rows.

Usage (from the project root, after `make test` created .venv):

    .venv/bin/python benchmarks/reports.py [--rows 4045] [--workers 2] [--postgres postgres://postgres@127.0.0.1:5432]

It prepares a fresh database (a temporary SQLite file; with --postgres also a scratch PostgreSQL database
`ikm_bench_reports`, dropped at the end) with the Bali regions, the demo KBLI subset and offices, and `--rows`
verified or published businesses in Kabupaten Badung (51.03) with owners and figures for two years. Each
measurement runs in its own process (Django start-up excluded) and reports seconds, pages and the peak memory of the
process tree (the sum of the RSS of the process and its children, sampled every 20 ms with psutil):

- rekap: `render_report rekap --region 51.03 --year Y` as the command makes it (target < 2 s);
- daftar: `render_report daftar-ikm --region 51.03` (query, template, chunks in --workers processes, join, page
  numbers);
- bare: the same rows from the same query, a minimal HTML table with the same columns (no letterhead, no page
  numbers), one WeasyPrint run. The target is daftar ≤ 1.0 × bare.

The machine's 1-minute load average after each step is printed: the parallel renderer needs idle CPUs, so compare
runs made on a quiet machine.

--output DIR keeps the PDFs of the last run (rekap.pdf, bare.pdf, daftar.pdf) to look at.
"""

import argparse
import csv
import json
import os
import random
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
DATABASE = "ikm_bench_reports"
REGENCY = "51.03"


def setup_django() -> None:
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ikm_registry.settings")
    import django

    django.setup()


class PeakMemory:
    """Samples the RSS of this process and all its descendants; `peak` is the largest sum seen (bytes)."""

    def __init__(self, interval: float = 0.02):
        import psutil

        self.process = psutil.Process()
        self.interval = interval
        self.peak = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _sample(self) -> int:
        import psutil

        total = 0
        for process in [self.process, *self.process.children(recursive=True)]:
            try:
                total += process.memory_info().rss
            except psutil.Error:
                pass
        return total

    def _run(self):
        while not self._stop.is_set():
            self.peak = max(self.peak, self._sample())
            time.sleep(self.interval)

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join()
        self.peak = max(self.peak, self._sample())


# --- the worker (runs inside Django, one process per step) --------------------------------------------------------


def load(rows: int, year: int) -> None:
    from django.db import transaction

    from businesses import demo
    from businesses.models import Business, BusinessYear, Owner
    from ikm_registry.models import CreativeSubsector

    demo.load_regions(lambda message: None)
    demo.load_kbli()
    demo.load_users(demo.load_offices())
    with (ROOT / "businesses/demo_data/regions/villages.csv").open(encoding="utf-8") as handle:
        villages = [line["code"] for line in csv.DictReader(handle) if line["code"].startswith(REGENCY + ".")]
    subclasses = [code for code, _title in demo.KBLI_ROWS if len(code) == 5][:8]
    subsectors = [None, None, *CreativeSubsector.objects.values_list("code", flat=True)[:3]]
    randomly = random.Random(2026)
    products = ["Kain endek", "Patung kayu", "Keripik singkong", "Perak ukir", "Sokasi", "Garam laut", "Kopi bubuk"]
    businesses = [
        Business(
            name=f"{randomly.choice(['UD', 'CV', 'Usaha', 'Kerajinan'])} Bench {number}",
            village_id=randomly.choice(villages),
            kbli_id=randomly.choice(subclasses),
            subsector_id=randomly.choice(subsectors),
            main_product=randomly.choice(products),
            status=randomly.choice(["verified", "published"]),
        )
        for number in range(1, rows + 1)
    ]
    with transaction.atomic():
        Business.objects.bulk_create(businesses, batch_size=1000)
        Owner.objects.bulk_create(
            [Owner(business=b, name=f"Pemilik {b.name.split()[-1]}", sex="P") for b in businesses], batch_size=1000
        )
        BusinessYear.objects.bulk_create(
            [
                BusinessYear(
                    business=b,
                    year=y,
                    workforce_male=randomly.randint(0, 12),
                    workforce_female=randomly.randint(1, 12),
                    investment=randomly.randint(5, 900) * 1_000_000,
                    production_value=randomly.randint(5, 900) * 2_000_000,
                )
                for b in businesses
                for y in (year - 1, year)
            ],
            batch_size=1000,
        )


def bare_table(rows) -> str:
    cells = "".join(
        "<tr>"
        + "".join(
            f"<td>{value}</td>"
            for value in (
                number,
                row["name"],
                row["owner_name"],
                f"{row['village_name']}, {row['district_name']}",
                row["kbli_code"],
                row["main_product"],
                row["workforce"],
                row["scale"] or "",
                row["status"],
            )
        )
        + "</tr>"
        for number, row in enumerate(rows, start=1)
    )
    head = "".join(
        f"<th>{name}</th>"
        for name in ("No.", "Nama usaha", "Pemilik", "Desa, kecamatan", "KBLI", "Produk", "TK", "Skala", "Status")
    )
    return (
        "<style>@page { size: A4 landscape; margin: 15mm } table { border-collapse: collapse; width: 100%; "
        "font: 8.5pt sans-serif } td, th { border: 0.6pt solid #000; padding: 1.2mm 1.5mm }</style>"
        f"<table><thead><tr>{head}</tr></thead><tbody>{cells}</tbody></table>"
    )


def worker(step: str, rows: int, year: int, workers: int) -> dict:
    setup_django()
    if step == "setup":
        load(rows, year)
        return {}
    from pypdf import PdfReader

    from ikm_registry.models import Region
    from ikm_registry.reports import get_report
    from ikm_registry.scoping import SystemActor

    SYSTEM = SystemActor("benchmark")

    region = Region.objects.get(code=REGENCY)
    # Django, the report modules and WeasyPrint loaded before the clock starts, as in a running site or worker.
    import weasyprint

    weasyprint.HTML(string="<p>warm</p>").write_pdf()
    get_report("rekap")
    with PeakMemory() as memory:
        start = time.perf_counter()
        if step == "rekap":
            report = get_report("rekap")
            form = report.form_class(data={"region": REGENCY, "year": year}, user=SYSTEM)
            assert form.is_valid(), form.errors
            pdf = report().render(user=SYSTEM, params=form.cleaned_data, filter_description=form.describe())
        elif step == "daftar":
            from django.conf import settings

            settings.REPORT_WORKERS = workers
            report = get_report("daftar-ikm")
            form = report.form_class(data={"region": REGENCY}, user=SYSTEM)
            assert form.is_valid(), form.errors
            pdf = report().render(user=SYSTEM, params=form.cleaned_data, filter_description=form.describe())
        elif step == "bare":
            from businesses.reports.listing import daftar_rows

            table = list(daftar_rows(user=SYSTEM, params={"region": region}).iterator(chunk_size=2000))
            pdf = weasyprint.HTML(string=bare_table(table)).write_pdf()
        else:
            raise ValueError(step)
        seconds = time.perf_counter() - start
    import io

    if os.environ.get("BENCH_REPORTS_OUTPUT"):
        Path(os.environ["BENCH_REPORTS_OUTPUT"], f"{step}.pdf").write_bytes(pdf)
    pages = len(PdfReader(io.BytesIO(pdf)).pages)
    return {"seconds": seconds, "pages": pages, "peak_mb": memory.peak / 2**20, "load": os.getloadavg()[0]}


# --- the driver ---------------------------------------------------------------------------------------------------


def run_worker(database_url: str, step: str, args) -> dict:
    env = {**os.environ, "DATABASE_URL": database_url, "DEBUG": "0", "SECRET_KEY": os.environ.get("SECRET_KEY", "x")}
    command = [PYTHON, __file__, "--worker", step, "--rows", str(args.rows), "--year", str(args.year)]
    command += ["--workers", str(args.workers)]
    output = subprocess.run(command, cwd=ROOT, env=env, check=True, capture_output=True, text=True).stdout
    return json.loads(output.strip().splitlines()[-1])


def migrate(database_url: str) -> None:
    env = {**os.environ, "DATABASE_URL": database_url, "DEBUG": "1"}
    subprocess.run([PYTHON, "manage.py", "migrate", "--noinput", "-v0"], cwd=ROOT, env=env, check=True)


def psql(server: str, sql: str) -> None:
    env = {**os.environ, "PGOPTIONS": "-c client_min_messages=warning"}
    subprocess.run(["psql", f"{server}/postgres", "-q", "-c", sql], check=True, stdout=subprocess.DEVNULL, env=env)


def bench(label: str, database_url: str, args) -> None:
    migrate(database_url)
    run_worker(database_url, "setup", args)
    results = {step: run_worker(database_url, step, args) for step in ("rekap", "bare", "daftar")}
    for step, text in [
        ("rekap", "rekap (target < 2 s)"),
        ("bare", "bare WeasyPrint table, 1 process"),
        ("daftar", f"Daftar IKM, {args.workers} workers"),
    ]:
        r = results[step]
        print(
            f"{label:10} {text:34} {r['seconds']:6.2f} s  {r['pages']:4d} pages  peak {r['peak_mb']:6.0f} MB"
            f"  (load average after: {r['load']:.1f})"
        )
    ratio = results["daftar"]["seconds"] / results["bare"]["seconds"]
    memory = results["daftar"]["peak_mb"] / results["bare"]["peak_mb"]
    print(f"{label:10} Daftar IKM / bare: time {ratio:.2f}× (target ≤ 1.0×), peak memory {memory:.2f}×")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=4045)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--postgres", help="also on PostgreSQL: the server URL, no database")
    parser.add_argument("--output", type=Path, help="keep the PDFs (rekap.pdf, bare.pdf, daftar.pdf) in this folder")
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    parser.add_argument("--year", type=int, default=time.localtime().tm_year - 1, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.output:
        args.output.mkdir(parents=True, exist_ok=True)
        os.environ["BENCH_REPORTS_OUTPUT"] = str(args.output.resolve())
    if args.worker:
        print(json.dumps(worker(args.worker, args.rows, args.year, args.workers)))
        return
    print(f"{args.rows:,} businesses in {REGENCY}; data year {args.year}; {os.cpu_count()} CPUs")
    with tempfile.TemporaryDirectory() as directory:
        bench("SQLite", f"sqlite:///{Path(directory) / 'reports.sqlite3'}", args)
    if args.postgres:
        psql(args.postgres, f"DROP DATABASE IF EXISTS {DATABASE}")
        psql(args.postgres, f"CREATE DATABASE {DATABASE}")
        try:
            bench("PostgreSQL", f"{args.postgres}/{DATABASE}", args)
        finally:
            psql(args.postgres, f"DROP DATABASE IF EXISTS {DATABASE}")


if __name__ == "__main__":
    main()
