"""Time `progres-sertifikasi` for a whole province as it grows, on PostgreSQL: the queries must not grow with the rows.

Usage (from the project root, after `make test` created .venv):

    .venv/bin/python benchmarks/certification_progress.py [--sizes 10000:2000,100000:20000]
        [--postgres postgres://postgres@127.0.0.1:5432] [--output DIR]

It creates a scratch PostgreSQL database `ikm_bench_certification` (dropped at the end), migrates it and loads the
Bali regions (9 regencies, 57 kecamatan, 716 desa), the demo KBLI subset and offices, one LSP with three schemes and
a TUK per regency, and this year's targets: per scheme one for the province and one per regency (a number, or "all
IKM" for one scheme). Then, for each size BUSINESSES:CERTIFICATES in turn (rows are added to reach it, bulk_create):

- businesses spread over the desa (5 % draft, 3 % inactive), with no owner rows (the report does not read them);
- for each certificate a competent asesi (70 % with a NIK) in a session of its scheme at its regency's TUK in the
  year of issue, the certificate issued between January 2023 and October of this year, valid 36 months (1 %
  revoked, those past their date marked expired); besides, 15 % as many asesi waiting and 5 % not yet competent.

Measured in a fresh process per size (Django, the report module and WeasyPrint loaded before the clock starts),
as `render_report progres-sertifikasi --region 51 --year Y` makes it:

- target_progress(): seconds, queries and the slowest query's seconds (certification.selectors);
- the report's document context (targets, areas, the expiring list, letterhead): seconds and queries;
- the PDF (WeasyPrint, one process): seconds and pages;
- the daily expiry digest for every office (`notify_expiring`, e-mail kept in memory): seconds, queries, e-mails
  sent and the items they count.

The queries must be the same number at both sizes. --output DIR keeps the PDF of each size.
"""

import argparse
import json
import os
import random
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
DATABASE = os.environ.get("BENCH_DATABASE", "ikm_bench_certification")
PROVINCE = "51"
SCHEMES = [
    ("SKM/BNSP/00010/1/2020", "Pemasaran IKM"),
    ("SKM/BNSP/00011/1/2020", "Pengelola IKM"),
    ("SKM/BNSP/00012/1/2020", "Desain Kemasan"),
]
FIRST_YEAR = 2023
SESSION_SIZE = 20  # competent asesi per session, about


def setup_django() -> None:
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ikm_registry.settings")
    import django

    django.setup()


# --- the worker (runs inside Django, in its own process) -----------------------------------------------------------


def load_reference(year: int) -> None:
    """Regions, KBLI, offices; the LSP, its schemes, a TUK per regency; this year's targets."""
    from businesses import demo
    from certification.choices import TargetKind
    from certification.models import CertificationTarget, Lsp, Scheme, Tuk
    from ikm_registry.models import Region

    demo.load_regions(lambda message: None)
    demo.load_kbli()
    demo.load_offices()
    lsp = Lsp.objects.create(name="LSP Manajemen Industri (benchmark)", region_id="51.71")
    schemes = [Scheme.objects.create(lsp=lsp, code=code, name=name) for code, name in SCHEMES]
    regencies = list(Region.objects.filter(parent_id=PROVINCE).order_by("code").values_list("code", flat=True))
    Tuk.objects.bulk_create([Tuk(lsp=lsp, name=f"TUK Sewaktu {code}", region_id=code) for code in regencies])
    targets = []
    for index, scheme in enumerate(schemes):
        targets.append(CertificationTarget(region_id=PROVINCE, year=year, scheme=scheme, target=5_000))
        for code in regencies:
            if index == 1:
                targets.append(CertificationTarget(region_id=code, year=year, scheme=scheme, kind=TargetKind.ALL_IKM))
            else:
                targets.append(CertificationTarget(region_id=code, year=year, scheme=scheme, target=500))
    CertificationTarget.objects.bulk_create(targets)


def grow(businesses: int, certificates: int, year: int) -> dict:
    """Add businesses and certificates (with their asesi and sessions) until there are as many as asked."""
    import datetime

    from django.db import connection, transaction

    from businesses.models import Business
    from certification.models import AssessmentSession, Certificate, Enrollment, Scheme, Tuk
    from certification.product_rules import add_months
    from ikm_registry.models import Kbli, Region

    today = datetime.date.today()
    have_businesses, have_certificates = Business.objects.count(), Certificate.objects.count()
    randomly = random.Random(2026 + have_businesses)
    villages = list(
        Region.objects.filter(level="village", code__startswith=f"{PROVINCE}.").values_list("code", flat=True)
    )
    subclasses = list(Kbli.objects.filter(level="subclass").values_list("code", flat=True)[:8])
    statuses = ["verified"] * 46 + ["published"] * 46 + ["draft"] * 5 + ["inactive"] * 3
    with transaction.atomic():
        Business.objects.bulk_create(
            [
                Business(
                    name=f"{randomly.choice(['UD', 'CV', 'Usaha', 'Kerajinan'])} Bench {number}",
                    village_id=randomly.choice(villages),
                    kbli_id=randomly.choice(subclasses),
                    main_product="Kain endek",
                    status=randomly.choice(statuses),
                )
                for number in range(have_businesses + 1, businesses + 1)
            ],
            batch_size=2000,
        )
        pool = list(Business.objects.values_list("pk", "village_id"))
        schemes = list(Scheme.objects.order_by("pk"))
        tuks = {tuk.region_id: tuk for tuk in Tuk.objects.all()}
        last_issue = datetime.date(year, 10, 31)
        span = (last_issue - datetime.date(FIRST_YEAR, 1, 1)).days
        new = certificates - have_certificates
        # sessions: per TUK, scheme and year, enough for SESSION_SIZE competent asesi each
        per_year = max(1, new // (len(tuks) * len(schemes) * (year - FIRST_YEAR + 1) * SESSION_SIZE))
        sessions = AssessmentSession.objects.bulk_create(
            [
                AssessmentSession(
                    scheme=scheme,
                    tuk=tuk,
                    region_code=tuk.region_id,
                    start_date=datetime.date(when, 1 + n * 11 // per_year, 10),
                    end_date=datetime.date(when, 1 + n * 11 // per_year, 11),
                    capacity=SESSION_SIZE * 2,
                )
                for tuk in tuks.values()
                for scheme in schemes
                for when in range(FIRST_YEAR, year + 1)
                for n in range(per_year)
            ],
            batch_size=2000,
        )
        by_key = {}
        for session in sessions:
            by_key.setdefault((session.tuk.region_id, session.scheme_id, session.start_date.year), []).append(session)

        def person(status, *, issued=None):
            business_id, village = randomly.choice(pool)
            scheme = randomly.choice(schemes)
            session = None
            if issued is not None or status == "not_yet":
                when = issued.year if issued else randomly.randint(FIRST_YEAR, year)
                session = randomly.choice(by_key[(village[:5], scheme.pk, when)])
            number = next(serial)
            return Enrollment(
                business_id=business_id,
                scheme=scheme,
                name=f"Asesi Bench {number}",
                nik=f"51{number:014d}" if randomly.random() < 0.7 else "",
                status=status,
                session=session,
                assessed_on=session.end_date if session else None,
            )

        serial = iter(range(have_certificates * 2 + 1, 10**9))
        issued_on = [datetime.date(FIRST_YEAR, 1, 1) + datetime.timedelta(days=randomly.randint(0, span))
                     for _ in range(new)]  # fmt: skip
        competent = [person("competent", issued=day) for day in issued_on]
        others = [person("registered") for _ in range(new * 15 // 100)]
        others += [person("not_yet") for _ in range(new * 5 // 100)]
        Enrollment.objects.bulk_create([*competent, *others], batch_size=2000)
        rows = []
        for enrollment, day in zip(competent, issued_on, strict=True):
            valid_until = add_months(day, 36)
            status = "revoked" if randomly.random() < 0.01 else "expired" if valid_until < today else "active"
            rows.append(
                Certificate(
                    enrollment=enrollment,
                    number=f"{enrollment.pk:06d}/LSP-MI/{day.year}",
                    issued_on=day,
                    valid_until=valid_until,
                    status=status,
                )
            )
        Certificate.objects.bulk_create(rows, batch_size=2000)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")  # the planner's statistics, as autovacuum keeps them on a live database
    return {"businesses": Business.objects.count(), "certificates": Certificate.objects.count()}


def measure(year: int, output: str) -> dict:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from pypdf import PdfReader

    from certification.selectors import target_progress
    from ikm_registry.reports import get_report
    from ikm_registry.scoping import SystemActor

    system = SystemActor("benchmark")
    report_class = get_report("progres-sertifikasi")
    form = report_class.form_class(data={"region": PROVINCE, "year": year}, user=system)
    assert form.is_valid(), form.errors
    report = report_class()
    import weasyprint  # loaded before the clock starts, as in a running site or worker

    weasyprint.HTML(string="<p>warm</p>").write_pdf()
    connection.ensure_connection()
    result = {}
    with CaptureQueriesContext(connection) as queries:
        start = time.perf_counter()
        progress = target_progress(PROVINCE, year, actor=system)
        result["progress_s"] = time.perf_counter() - start
    result["progress_queries"] = len(queries.captured_queries)
    result["slowest_query_s"] = max(float(query["time"]) for query in queries.captured_queries)
    result["targets"] = len(progress)
    with CaptureQueriesContext(connection) as queries:
        start = time.perf_counter()
        context = report.document_context(user=system, params=form.cleaned_data, filter_description=form.describe())
        result["context_s"] = time.perf_counter() - start
    result["context_queries"] = len(queries.captured_queries)
    result["expiring"] = len(context["expiring"])
    start = time.perf_counter()
    pdf = report.render_pdf(context)
    result["pdf_s"] = time.perf_counter() - start
    import io

    result["pages"] = len(PdfReader(io.BytesIO(pdf)).pages)
    if output:
        Path(output).write_bytes(pdf)
    result.update(measure_digest())
    return result


def measure_digest() -> dict:
    """The daily "Segera berakhir" digest for every office (notify_expiring), e-mail kept in memory: seconds, queries,
    e-mails and the items they count. Each size sends afresh (the day's records are cleared first)."""
    from django.core import mail
    from django.db import connection
    from django.test.utils import CaptureQueriesContext, override_settings

    from ikm_registry.expiry import send_expiry_digests
    from ikm_registry.models import ExpiryDigest, Office

    ExpiryDigest.objects.all().delete()
    with override_settings(EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend"):
        mail.outbox = []
        with CaptureQueriesContext(connection) as queries:
            start = time.perf_counter()
            sent = send_expiry_digests()
            seconds = time.perf_counter() - start
    return {
        "digest_s": seconds,
        "digest_queries": len(queries.captured_queries),
        "digest_offices": Office.objects.count(),
        "digest_sent": sent.sent,
        "digest_items": sum(digest.items for digest in ExpiryDigest.objects.all()),
        "digest_slowest_s": max((float(q["time"]) for q in queries.captured_queries), default=0.0),
    }


def worker(step: str, args) -> dict:
    setup_django()
    if step == "reference":
        load_reference(args.year)
        return {}
    if step == "grow":
        return grow(args.businesses, args.certificates, args.year)
    if step == "measure":
        return measure(args.year, args.pdf or "")
    raise ValueError(step)


# --- the driver ---------------------------------------------------------------------------------------------------


def run_worker(database_url: str, step: str, args, **extra) -> dict:
    env = {**os.environ, "DATABASE_URL": database_url, "DEBUG": "0", "SECRET_KEY": os.environ.get("SECRET_KEY", "x")}
    command = [PYTHON, __file__, "--worker", step, "--year", str(args.year)]
    for name, value in extra.items():
        command += [f"--{name}", str(value)]
    output = subprocess.run(command, cwd=ROOT, env=env, check=True, capture_output=True, text=True).stdout
    return json.loads(output.strip().splitlines()[-1])


def migrate(database_url: str) -> None:
    env = {**os.environ, "DATABASE_URL": database_url, "DEBUG": "1"}
    subprocess.run([PYTHON, "manage.py", "migrate", "--noinput", "-v0"], cwd=ROOT, env=env, check=True)


def psql(server: str, sql: str) -> None:
    env = {**os.environ, "PGOPTIONS": "-c client_min_messages=warning"}
    subprocess.run(["psql", f"{server}/postgres", "-q", "-c", sql], check=True, stdout=subprocess.DEVNULL, env=env)


def bench(database_url: str, args) -> list[dict]:
    migrate(database_url)
    run_worker(database_url, "reference", args)
    results = []
    for size in args.sizes.split(","):
        businesses, certificates = (int(part) for part in size.split(":"))
        started = time.perf_counter()
        loaded = run_worker(database_url, "grow", args, businesses=businesses, certificates=certificates)
        load_s = time.perf_counter() - started
        pdf = str(args.output / f"progres-sertifikasi-{businesses}.pdf") if args.output else ""
        measured = run_worker(database_url, "measure", args, **({"pdf": pdf} if pdf else {}))
        results.append({**loaded, **measured, "load_s": load_s})
        print(f"  loaded {loaded['businesses']:,} businesses, {loaded['certificates']:,} certificates "
              f"in {load_s:.0f} s", flush=True)  # fmt: skip
    return results


def table(results: list[dict]) -> None:
    head = (f"{'businesses':>10} {'certificates':>12} {'targets':>7} | {'target_progress':>15} {'queries':>7} | "
            f"{'slowest':>7} | {'report data':>11} {'queries':>7} {'expiring':>8} | {'PDF':>7} {'pages':>5}")  # fmt: skip
    print(head)
    print("-" * len(head))
    for r in results:
        print(
            f"{r['businesses']:>10,} {r['certificates']:>12,} {r['targets']:>7} | {r['progress_s']:>13.3f} s "
            f"{r['progress_queries']:>7} {r['slowest_query_s']:>5.3f} s | {r['context_s']:>9.3f} s {r['context_queries']:>7} {r['expiring']:>8,} | "
            f"{r['pdf_s']:>5.1f} s {r['pages']:>5}"
        )
    print()
    head = f"{'businesses':>10} {'certificates':>12} | {'digest, all offices':>19} {'queries':>7} {'slowest':>7} | {'offices':>7} {'e-mails':>7} {'items':>7}"
    print(head)
    print("-" * len(head))
    for r in results:
        print(
            f"{r['businesses']:>10,} {r['certificates']:>12,} | {r['digest_s']:>17.3f} s {r['digest_queries']:>7} "
            f"{r['digest_slowest_s']:>5.3f} s | {r['digest_offices']:>7} {r['digest_sent']:>7} {r['digest_items']:>7,}"
        )
    counts = {(r["progress_queries"], r["context_queries"], r["digest_queries"]) for r in results}
    print("queries constant across sizes:", "yes" if len(counts) == 1 else f"NO {sorted(counts)}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="10000:2000,100000:20000", help="BUSINESSES:CERTIFICATES,... ascending")
    parser.add_argument("--postgres", default="postgres://postgres@127.0.0.1:5432", help="server URL, no database")
    parser.add_argument("--output", type=Path, help="keep the PDF of each size in this folder")
    parser.add_argument("--year", type=int, default=time.localtime().tm_year, help=argparse.SUPPRESS)
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    parser.add_argument("--businesses", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--certificates", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--pdf", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        print(json.dumps(worker(args.worker, args)))
        return
    if args.output:
        args.output.mkdir(parents=True, exist_ok=True)
    print(f"progres-sertifikasi --region {PROVINCE} --year {args.year} on PostgreSQL; {os.cpu_count()} CPUs")
    psql(args.postgres, f"DROP DATABASE IF EXISTS {DATABASE}")
    psql(args.postgres, f"CREATE DATABASE {DATABASE}")
    try:
        results = bench(f"{args.postgres}/{DATABASE}", args)
    finally:
        psql(args.postgres, f"DROP DATABASE IF EXISTS {DATABASE}")
    table(results)


if __name__ == "__main__":
    main()
