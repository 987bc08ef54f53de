"""Time the participation certificates (report `sertifikat-peserta`) of a large event against a bare WeasyPrint run of
the same HTML, on SQLite and PostgreSQL.

Usage (from the project root, after `make test` created .venv):

    .venv/bin/python benchmarks/events_certificates.py [--participants 500]
        [--postgres postgres://postgres@127.0.0.1:5432] [--skip-postgres] [--output DIR]

It prepares a fresh database (a temporary SQLite file; a scratch PostgreSQL database `ikm_bench_events_certificates`,
dropped at the end) with the Bali regions, the demo offices (their letterheads and signatories), one event of the
Badung office with two sessions and `--participants` confirmed participants who attended both, and numbers their
certificates with certificates_issue(). Each measurement runs in its own process (Django start-up excluded; Django,
the report modules and WeasyPrint loaded and warmed before the clock starts) and reports seconds (wall clock, and the
process's CPU time, which other work on the machine disturbs less), pages, pages/s and the peak memory of the process
(resource.getrusage ru_maxrss, Django included; "+" is how much the high-water mark rose during the measurement):

- report: the report as the admin Laporan page and `render_report` make it (SertifikatPesertaReport.render(): the
  queries, a QR code per certificate, the template, one WeasyPrint run);
- bare: the same report's HTML, made once before the clock (document_context() + render_to_string(), timed apart),
  then weasyprint.HTML(string=...).write_pdf() alone.

report ÷ bare shows what the report adds to WeasyPrint. --output DIR keeps report.pdf and bare.pdf to look at.
"""

import argparse
import io
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
DATABASE = os.environ.get("BENCH_DATABASE", "ikm_bench_events_certificates")
EVENT_CODE = "PLT-BENCH-01"
SESSIONS = 2


def setup_django() -> None:
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ikm_registry.settings")
    import django

    django.setup()


# --- the worker (runs inside Django, one process per step) --------------------------------------------------------


def load(participants: int) -> dict:
    """One event of the Badung office, every participant present at every session, certificates numbered."""
    import datetime
    import random

    from django.db import transaction

    from businesses import demo
    from events.choices import CheckInMethod, EventStatus, RegistrationStatus
    from events.models import Attendance, Event, Registration, Session
    from events.services.attendance import certificates_issue
    from events.services.workflow import EVENT_WORKFLOW, REGISTRATION_WORKFLOW
    from ikm_registry.models import Office
    from ikm_registry.scoping import SystemActor

    system = SystemActor("benchmark")
    demo.load_regions(lambda message: None)
    demo.load_users(demo.load_offices())
    office = Office.objects.get(region_id="51.03")
    start = datetime.date.today() - datetime.timedelta(days=SESSIONS)
    event = Event(
        code=EVENT_CODE,
        title="Pelatihan Peningkatan Mutu dan Desain Produk Kerajinan Endek bagi IKM Kabupaten Badung",
        kind="pelatihan",
        office=office,
        venue="Balai Diklat Industri, Jl. Raya Sempidi, Mengwi",
        venue_region_id="51.03",
        start_date=start,
        end_date=start + datetime.timedelta(days=SESSIONS - 1),
        quota=participants,
    )
    EVENT_WORKFLOW.create(event, EventStatus.ONGOING, actor=system)
    sessions = Session.objects.bulk_create(
        [Session(event=event, date=start + datetime.timedelta(days=day)) for day in range(SESSIONS)]
    )
    randomly = random.Random(2026)
    given = [*demo.GIVEN_FEMALE, *demo.GIVEN_MALE]
    orders = [*demo.ORDER_FEMALE, *demo.ORDER_MALE]
    registrations = [
        Registration(
            event=event,
            name=f"{randomly.choice(orders)} {randomly.choice(given)} {randomly.choice(given)}",
            sex=randomly.choice("LP"),
            category="pelaku_ikm",
            institution=randomly.choice(["", "UD Tenun Sari", "Kerajinan Endek Mas", "CV Kriya Dewata Mandiri"]),
            phone=f"0813{number:08d}",
            status=RegistrationStatus.CONFIRMED,
        )
        for number in range(participants)
    ]
    with transaction.atomic():
        Registration.objects.bulk_create(registrations, batch_size=1000)
        REGISTRATION_WORKFLOW.log_created(registrations, actor=system)
        Attendance.objects.bulk_create(
            [
                Attendance(registration=registration, session=session, method=CheckInMethod.PAPER)
                for registration in registrations
                for session in sessions
            ],
            batch_size=1000,
        )
    began = time.perf_counter()
    issued = certificates_issue(event, actor=system)
    return {"issued": issued, "issue_seconds": time.perf_counter() - began}


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def worker(step: str, participants: int) -> dict:
    setup_django()
    if step == "setup":
        return load(participants)
    from django.conf import settings
    from django.template.loader import render_to_string
    from pypdf import PdfReader

    from ikm_registry.reports import get_report
    from ikm_registry.reports.base import load_weasyprint
    from ikm_registry.scoping import SystemActor

    system = SystemActor("benchmark")
    weasyprint = load_weasyprint()
    weasyprint.HTML(string="<p>warm</p>").write_pdf()
    report_class = get_report("sertifikat-peserta")
    form = report_class.form_class(data={"event": EVENT_CODE}, user=system)
    assert form.is_valid(), form.errors
    report = report_class()
    result = {}
    if step == "report":
        before = peak_mb()
        began, cpu = time.perf_counter(), time.process_time()
        pdf = report.render(user=system, params=form.cleaned_data, filter_description=form.describe())
        seconds, cpu = time.perf_counter() - began, time.process_time() - cpu
    elif step == "bare":
        began, cpu = time.perf_counter(), time.process_time()
        context = report.document_context(user=system, params=form.cleaned_data, filter_description=form.describe())
        html = render_to_string(report.template_name, context)
        result["html_seconds"], result["html_cpu"] = time.perf_counter() - began, time.process_time() - cpu
        result["html_mb"] = len(html.encode()) / 2**20
        before = peak_mb()
        began, cpu = time.perf_counter(), time.process_time()
        pdf = weasyprint.HTML(string=html, base_url=str(settings.BASE_DIR)).write_pdf()
        seconds, cpu = time.perf_counter() - began, time.process_time() - cpu
    else:
        raise ValueError(step)
    peak = peak_mb()
    if os.environ.get("BENCH_CERTIFICATES_OUTPUT"):
        Path(os.environ["BENCH_CERTIFICATES_OUTPUT"], f"{step}.pdf").write_bytes(pdf)
    pages = len(PdfReader(io.BytesIO(pdf)).pages)
    return {
        **result,
        "seconds": seconds,
        "cpu": cpu,
        "pages": pages,
        "pdf_mb": len(pdf) / 2**20,
        "peak_mb": peak,
        "rise_mb": peak - before,
        "load": os.getloadavg()[0],
    }


# --- the driver ---------------------------------------------------------------------------------------------------


def run_worker(database_url: str, step: str, args) -> dict:
    env = {**os.environ, "DATABASE_URL": database_url, "DEBUG": "0"}
    command = [PYTHON, __file__, "--worker", step, "--participants", str(args.participants)]
    output = subprocess.run(command, cwd=ROOT, env=env, check=True, stdout=subprocess.PIPE, text=True).stdout
    return json.loads(output.strip().splitlines()[-1])


def migrate(database_url: str) -> None:
    env = {**os.environ, "DATABASE_URL": database_url, "DEBUG": "1"}
    subprocess.run([PYTHON, "manage.py", "migrate", "--noinput", "-v0"], cwd=ROOT, env=env, check=True)


def psql(server: str, sql: str) -> None:
    env = {**os.environ, "PGOPTIONS": "-c client_min_messages=warning"}
    subprocess.run(["psql", f"{server}/postgres", "-q", "-c", sql], check=True, stdout=subprocess.DEVNULL, env=env)


def bench(label: str, database_url: str, args) -> None:
    migrate(database_url)
    setup = run_worker(database_url, "setup", args)
    print(
        f"{label:10} {setup['issued']} certificates numbered by certificates_issue() in {setup['issue_seconds']:.2f} s"
    )
    results = {step: run_worker(database_url, step, args) for step in ("report", "bare")}
    for step, text in [("report", "sertifikat-peserta report"), ("bare", "bare WeasyPrint, same HTML")]:
        r = results[step]
        print(
            f"{label:10} {text:27} {r['seconds']:6.2f} s (CPU {r['cpu']:5.2f} s)  {r['pages']:4d} pages"
            f"  {r['pages'] / r['seconds']:5.1f} pages/s"
            f"  PDF {r['pdf_mb']:4.1f} MB  peak {r['peak_mb']:4.0f} MB (+{r['rise_mb']:.0f})"
            f"  (load average after: {r['load']:.1f})"
        )
    bare = results["bare"]
    print(
        f"{label:10} (the bare run's HTML, {bare['html_mb']:.1f} MB, took {bare['html_seconds']:.2f} s to make, "
        f"CPU {bare['html_cpu']:.2f} s: queries, a QR code per certificate, the template)"
    )
    ratio = results["report"]["seconds"] / bare["seconds"]
    cpu = results["report"]["cpu"] / bare["cpu"]
    memory = results["report"]["peak_mb"] / bare["peak_mb"]
    print(f"{label:10} report / bare: time {ratio:.2f}× (CPU {cpu:.2f}×), peak memory {memory:.2f}×")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--participants", type=int, default=500)
    parser.add_argument("--postgres", default="postgres://postgres@127.0.0.1:5432", help="server URL, no database")
    parser.add_argument("--skip-postgres", action="store_true")
    parser.add_argument("--output", type=Path, help="keep the PDFs (report.pdf, bare.pdf) in this folder")
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.output:
        args.output.mkdir(parents=True, exist_ok=True)
        os.environ["BENCH_CERTIFICATES_OUTPUT"] = str(args.output.resolve())
    if args.worker:
        print(json.dumps(worker(args.worker, args.participants)))
        return
    print(f"{args.participants} eligible participants of one event; {os.cpu_count()} CPUs")
    with tempfile.TemporaryDirectory() as directory:
        bench("SQLite", f"sqlite:///{Path(directory) / 'certificates.sqlite3'}", args)
    if not args.skip_postgres:
        psql(args.postgres, f"DROP DATABASE IF EXISTS {DATABASE}")
        psql(args.postgres, f"CREATE DATABASE {DATABASE}")
        try:
            bench("PostgreSQL", f"{args.postgres}/{DATABASE}", args)
        finally:
            psql(args.postgres, f"DROP DATABASE IF EXISTS {DATABASE}")


if __name__ == "__main__":
    main()
