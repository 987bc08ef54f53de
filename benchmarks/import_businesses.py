"""Time the business import engine against a bare `bulk_create` of the same rows, on SQLite and PostgreSQL.

Usage (from the project root, after `make test` created .venv):

    .venv/bin/python benchmarks/import_businesses.py [--rows 10000] [--postgres postgres://postgres@127.0.0.1:5432]

It writes a CSV of valid businesses spread over the Bali villages of businesses/demo_data/regions (a few KBLI
subclasses, Indonesian number formats, half with NIB), prepares a fresh database with the regions, the demo KBLI
subset, offices and staff (a temporary SQLite file; a scratch PostgreSQL database `ikm_bench_businesses` and two
copies, all dropped at the end), then measures in separate processes on identical copies:

- bare: Business, Owner and BusinessYear objects built from the same parsed rows, saved with plain bulk_create
  into the empty registry (no checks, no matching, no history);
- import: businesses_import() as the command runs it (read, check every row, match, write with history), and a
  re-import of the same file (everything unchanged).

Times exclude Django start-up. The target is import ≤ 3 × bare.

With --admin (e.g. `--rows 100000 --admin --skip-postgres`), it also measures a long import through the admin
as an office would do it: the upload request, the background check job (as `db_worker` runs it), the confirmation
request and the background apply job, each in its own process with its peak memory (ru_maxrss, Django included),
and the unpacked size and compression ratio of the same rows as an XLSX file (for IMPORT_MAX_UNPACKED_MB and
IMPORT_MAX_COMPRESSION_RATIO).

With --registry N (PostgreSQL only, e.g. `--rows 100000 --registry 1000000`), the rows go into a registry that
already holds N businesses: benchmarks/national.py generates it once (`national.ensure`, database
`ikm_bench_national` for N = 1,000,000, else `ikm_bench_national_<N>`; an existing database of other rows is never
regenerated from here), and each step runs on a scratch copy of it (`CREATE DATABASE … TEMPLATE`, dropped at the
end; the template database itself is never written). The file is national: desa drawn from all of Indonesia, KBLI
subclasses of section C, NIBs that the registry does not hold; it is imported with full access (as
`import_businesses` without --user). Each step reports its peak memory (ru_maxrss of its process, Django included).
"""

import argparse
import csv
import json
import os
import random
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared" / "data"
PYTHON = sys.executable
DATABASE = os.environ.get("BENCH_DATABASE", "ikm_bench_businesses")  # scratch database (and its copies)
USERNAME = "staf.bali"  # province staff of Bali (demo accounts): every Bali desa is in scope


# --- the file -----------------------------------------------------------------------------------------------------


def setup_django() -> None:
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ikm_registry.settings")
    import django

    django.setup()


def generate(path: Path, rows: int, year: int, national: bool = False) -> None:
    """A valid file of `rows` businesses in Bali (or, `national`, all over Indonesia), written the way an office types
    it (mixed number formats)."""
    setup_django()
    from businesses.demo import KBLI_ROWS
    from businesses.services.layout import COLUMNS

    villages = []
    regions = SHARED / "regions" if national else ROOT / "businesses/demo_data/regions"
    with (regions / "villages.csv").open(encoding="utf-8") as handle:
        villages = [line["code"] for line in csv.DictReader(handle)]
    if national:
        with (SHARED / "kbli2020.csv").open(encoding="utf-8") as handle:
            subclasses = [
                line["code"]
                for line in csv.DictReader(handle)
                if line["level"] == "subclass" and line["code"][:2].isdigit() and 10 <= int(line["code"][:2]) <= 33
            ]
    else:
        subclasses = [code for code, _title in KBLI_ROWS if len(code) == 5][:8]
    # The national registry's NIBs are 9_100_000_000_000 + its ids: a national file's start elsewhere (all new).
    nib_base = 9_200_000_000_000 if national else 9_100_000_000_000
    subsectors = ["kriya", "kuliner", "fesyen", "", ""]
    randomly = random.Random(2026)
    with path.open("w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.writer(handle, delimiter=";")
        writer.writerow(COLUMNS)
        for number in range(1, rows + 1):
            village = randomly.choice(villages)
            female = randomly.random() < 0.5
            day = randomly.randint(1, 28) + (40 if female else 0)
            nik = f"{village[:2]}{village[3:5]}{village[6:8]}{day:02d}{randomly.randint(1, 12):02d}"
            nik += f"{randomly.randint(60, 99):02d}{number % 9999 + 1:04d}"
            investment = randomly.randint(5, 900) * 1_000_000
            values = {
                "nama_usaha": f"Usaha Bench {number}",
                "nib": f"{nib_base + number:013d}" if number % 2 else "",
                "bentuk_usaha": randomly.choice(["perorangan", "UD", "cv", ""]),
                "nama_pemilik": f"Pemilik Bench {number}",
                "nik_pemilik": nik if number % 3 else "",
                "jenis_kelamin_pemilik": "P" if female else "L",
                "telepon": f"0812 {randomly.randint(1000, 9999)} {randomly.randint(1000, 9999)}",
                "email": f"usaha{number}@example.com" if number % 4 == 0 else "",
                "alamat": f"Jl. Bench No. {number}",
                "kode_wilayah": village,
                "kbli": randomly.choice(subclasses),
                "subsektor_ekraf": randomly.choice(subsectors),
                "produk_utama": "Produk bench",
                "tahun_berdiri": str(randomly.randint(1980, year)),
                "tenaga_kerja_laki": str(randomly.randint(0, 12)),
                "tenaga_kerja_perempuan": str(randomly.randint(1, 12)),
                "nilai_investasi": randomly.choice([f"Rp {investment:,}".replace(",", "."), str(investment)]),
                "omzet_tahunan": f"{investment * 3:,}".replace(",", "."),
                "kapasitas_produksi": randomly.choice(["1.500", "12,5", "300", ""]),
                "satuan_kapasitas": "buah/tahun",
                "nilai_produksi": str(investment * 2),
                "latitude": f"-8,{randomly.randint(100000, 800000)}",
                "longitude": f"115.{randomly.randint(100000, 600000)}",
                "status": randomly.choice(["verified", "verified", "published", "draft", ""]),
            }
            writer.writerow([values[column] for column in COLUMNS])


# --- the worker (runs inside Django, one process per step) --------------------------------------------------------


def worker(step: str, path: Path, year: int, full_access: bool = False) -> dict:
    setup_django()
    from django.contrib.auth import get_user_model
    from django.db import transaction

    from businesses import demo
    from businesses.models import Business, BusinessYear, Owner
    from ikm_registry.scoping import SystemActor

    if step == "setup":
        demo.load_regions(lambda message: None)
        demo.load_kbli()
        demo.load_users(demo.load_offices())
        return {}
    # A national file is imported with full access, as `import_businesses` without --user.
    user = SystemActor("import_businesses") if full_access else get_user_model().objects.get(username=USERNAME)
    registered = Business.objects.count()
    if step == "bare":
        from businesses.services import importing

        columns, _delimiter, rows = importing.read_rows(path)
        parsed = [{column: importing.PARSERS[column](row.values[column]) for column in columns} for row in rows]
        start = time.perf_counter()
        businesses, owners, years = [], [], []
        for values in parsed:
            business = Business(
                name=values["nama_usaha"],
                nib=values["nib"],
                legal_form=values["bentuk_usaha"],
                address=values["alamat"],
                village_id=values["kode_wilayah"],
                kbli_id=values["kbli"],
                subsector_id=values["subsektor_ekraf"] or None,
                main_product=values["produk_utama"],
                year_founded=values["tahun_berdiri"],
                latitude=values["latitude"],
                longitude=values["longitude"],
                status=values["status"],
                created_by_id=getattr(user, "pk", None),
            )
            owner = Owner(**{field: values[column] for column, field in importing.OWNER_FIELDS.items()})
            figures = BusinessYear(year=year, **{field: values[c] for c, field in importing.YEAR_FIELDS.items()})
            businesses.append(business)
            owners.append(owner)
            years.append(figures)
        with transaction.atomic():
            Business.objects.bulk_create(businesses, batch_size=1000)
            for business, owner, figures in zip(businesses, owners, years, strict=True):
                owner.business = business
                figures.business = business
            Owner.objects.bulk_create(owners, batch_size=1000)
            BusinessYear.objects.bulk_create(years, batch_size=1000)
        return {"seconds": time.perf_counter() - start, "rows": len(businesses), "peak_mb": peak_mb()}
    if step.startswith("admin-"):
        return admin_step(step, path, user)
    if step == "import":
        from businesses.services.importing import businesses_import

        result = {}
        for run in ("first", "again"):
            start = time.perf_counter()
            # as the command runs it: read, check every row, match, write with history
            outcome = businesses_import(source=path, filename=path.name, user=user, year=year)
            assert outcome.written and not outcome.invalid, [str(error) for error in outcome.plan.errors[:5]]
            result[run] = {
                "seconds": time.perf_counter() - start,
                "created": outcome.created,
                "unchanged": outcome.unchanged,
                "peak_mb": peak_mb(),  # of the process so far (ru_maxrss never goes down)
            }
            outcome = None
        assert Business.objects.count() == registered + result["first"]["created"]
        return result
    raise ValueError(step)


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def admin_step(step: str, path: Path, user) -> dict:
    """One step of a long import through the admin, in this process: a request, or a job as db_worker runs it."""
    from django.test import Client
    from django.urls import reverse

    from businesses.models import BusinessImport
    from ikm_registry import jobs

    client = Client()
    client.force_login(user)
    if step == "admin-upload":
        with path.open("rb") as handle:
            start = time.perf_counter()
            response = client.post(
                reverse("admin:businesses_business_import"),
                {"file": handle, "data_year": str(time.localtime().tm_year - 1)},
            )
            upload = time.perf_counter() - start
        assert response.status_code == 302, response.content[:2000]
        start = time.perf_counter()
        page = client.get(response["Location"])
        preview = time.perf_counter() - start
        assert b"Memeriksa berkas di latar belakang" in page.content
        return {"request": upload, "page": preview, "peak_mb": peak_mb()}
    if step in ("admin-check", "admin-apply"):
        from ikm_registry.models import Job

        job = Job.objects.get(kind="tabular.check" if step == "admin-check" else "tabular.apply")
        start = time.perf_counter()
        jobs.job_run(job.pk, worker_id="benchmark")
        seconds = time.perf_counter() - start
        job.refresh_from_db()
        assert job.status == Job.Status.DONE, job.error
        business_import = BusinessImport.objects.get()
        return {"job": seconds, "peak_mb": peak_mb(), "rows": business_import.rows, "state": business_import.state}
    if step == "admin-confirm":
        business_import = BusinessImport.objects.get()
        url = reverse("admin:businesses_business_import_preview", args=[business_import.pk])
        start = time.perf_counter()
        page = client.get(url)
        preview = time.perf_counter() - start
        assert b"Konfirmasi" in page.content
        start = time.perf_counter()
        response = client.post(url)
        confirm = time.perf_counter() - start
        assert response.status_code == 302
        return {"page": preview, "request": confirm, "peak_mb": peak_mb()}
    raise ValueError(step)


def xlsx_figures(path: Path, tmp: Path) -> str:
    """The same rows as an XLSX written by openpyxl: its size, unpacked size and worst compression ratio."""
    import zipfile

    import openpyxl

    workbook = openpyxl.Workbook(write_only=True)
    sheet = workbook.create_sheet()
    with path.open(encoding="utf-8-sig", newline="") as handle:
        for line in csv.reader(handle, delimiter=";"):
            sheet.append(line)
    target = tmp / "businesses.xlsx"
    workbook.save(target)
    with zipfile.ZipFile(target) as archive:
        members = archive.infolist()
        unpacked = sum(info.file_size for info in members)
        ratio = max(info.file_size / max(info.compress_size, 1) for info in members if info.file_size > 1024 * 1024)
    return f"XLSX of the same rows: {target.stat().st_size / 1e6:.1f} MB, unpacks to {unpacked / 1e6:.0f} MB, ratio {ratio:.1f}"


def bench_admin(path: Path, year: int, tmp: Path, database_url: str, label: str) -> None:
    env_url = database_url
    upload = run_worker(env_url, "admin-upload", path, year)
    check = run_worker(env_url, "admin-check", path, year)
    confirm = run_worker(env_url, "admin-confirm", path, year)
    apply = run_worker(env_url, "admin-apply", path, year)
    print(
        f"{label:10} admin upload request {upload['request']:6.2f} s (peak {upload['peak_mb']:.0f} MB), "
        f"progress page {upload['page']:.2f} s"
    )
    print(
        f"{label:10} check job            {check['job']:6.2f} s (peak {check['peak_mb']:.0f} MB), {check['rows']:,} rows"
    )
    print(
        f"{label:10} preview page         {confirm['page']:6.2f} s, confirm request {confirm['request']:.2f} s "
        f"(peak {confirm['peak_mb']:.0f} MB)"
    )
    print(f"{label:10} apply job            {apply['job']:6.2f} s (peak {apply['peak_mb']:.0f} MB), {apply['state']}")


# --- the driver ---------------------------------------------------------------------------------------------------


def run_worker(database_url: str, step: str, path: Path, year: int, full_access: bool = False) -> dict:
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "DEBUG": "0",
        "ALLOWED_HOSTS": "testserver",
        "PRIVATE_FILES_ROOT": str(path.parent / "private"),
    }
    command = [PYTHON, __file__, "--worker", step, "--file", str(path), "--year", str(year)]
    if full_access:
        command.append("--full-access")
    output = subprocess.run(command, cwd=ROOT, env=env, check=True, capture_output=True, text=True).stdout
    return json.loads(output.strip().splitlines()[-1])


def migrate(database_url: str) -> None:
    env = {**os.environ, "DATABASE_URL": database_url, "DEBUG": "1"}
    subprocess.run([PYTHON, "manage.py", "migrate", "--noinput", "-v0"], cwd=ROOT, env=env, check=True)


def psql(server: str, sql: str) -> None:
    env = {**os.environ, "PGOPTIONS": "-c client_min_messages=warning"}
    subprocess.run(["psql", f"{server}/postgres", "-q", "-c", sql], check=True, stdout=subprocess.DEVNULL, env=env)


def report(label: str, bare: dict, imported: dict) -> None:
    rows = bare["rows"]
    first, again = imported["first"], imported["again"]
    print(
        f"{label:10} bare bulk_create   {bare['seconds']:6.2f} s  {rows / bare['seconds']:8,.0f} rows/s"
        f"   (peak {bare['peak_mb']:.0f} MB, every row in memory)"
    )
    print(
        f"{label:10} import (first)     {first['seconds']:6.2f} s  {rows / first['seconds']:8,.0f} rows/s"
        f"   ratio {first['seconds'] / bare['seconds']:.2f}×   peak {first['peak_mb']:.0f} MB"
    )
    print(
        f"{label:10} re-import (same)   {again['seconds']:6.2f} s  {rows / again['seconds']:8,.0f} rows/s"
        f"   ({again['unchanged']:,} unchanged)   peak {again['peak_mb']:.0f} MB"
    )


def bench_sqlite(path: Path, year: int, tmp: Path, admin: bool = False) -> None:
    base = tmp / "base.sqlite3"
    migrate(f"sqlite:///{base}")
    run_worker(f"sqlite:///{base}", "setup", path, year)
    results = {}
    for step in ("bare", "import"):
        copy = tmp / f"{step}.sqlite3"
        shutil.copy(base, copy)
        results[step] = run_worker(f"sqlite:///{copy}", step, path, year)
    report("SQLite", results["bare"], results["import"])
    if admin:
        copy = tmp / "admin.sqlite3"
        shutil.copy(base, copy)
        bench_admin(path, year, tmp, f"sqlite:///{copy}", "SQLite")


def bench_postgres(server: str, path: Path, year: int, admin: bool = False) -> None:
    names = [DATABASE, f"{DATABASE}_bare", f"{DATABASE}_import", f"{DATABASE}_admin"]
    for name in names:
        psql(server, f"DROP DATABASE IF EXISTS {name}")
    psql(server, f"CREATE DATABASE {DATABASE}")
    try:
        migrate(f"{server}/{DATABASE}")
        run_worker(f"{server}/{DATABASE}", "setup", path, year)
        results = {}
        for step in ("bare", "import"):
            psql(server, f"CREATE DATABASE {DATABASE}_{step} TEMPLATE {DATABASE}")
            results[step] = run_worker(f"{server}/{DATABASE}_{step}", step, path, year)
        report("PostgreSQL", results["bare"], results["import"])
        if admin:
            psql(server, f"CREATE DATABASE {DATABASE}_admin TEMPLATE {DATABASE}")
            bench_admin(path, year, path.parent, f"{server}/{DATABASE}_admin", "PostgreSQL")
    finally:
        for name in names:
            psql(server, f"DROP DATABASE IF EXISTS {name}")


def bench_registry(server: str, path: Path, year: int, registry: int, source: str = "") -> None:
    """Import into scratch copies of a generated registry of `registry` businesses (benchmarks/national.py), or of
    `source`, a copy of one."""
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    import national

    if not source:
        source = national.DEFAULT_DATABASE if registry == 1_000_000 else f"{national.DEFAULT_DATABASE}_{registry}"
    found = national.generated(server, source)
    if found is not None and found != (registry, national.VERSION):
        raise SystemExit(f"{source} holds {found[0]:,} rows of version {found[1]}; not regenerated from here")
    national.ensure(rows=registry, database=source, postgres=server)
    results = {}
    for step in ("bare", "import"):
        copy = f"{DATABASE}_registry_{step}"
        psql(server, f"DROP DATABASE IF EXISTS {copy}")
        copy_database(server, source, copy)
        try:
            results[step] = run_worker(f"{server}/{copy}", step, path, year, full_access=True)
        finally:
            psql(server, f"DROP DATABASE IF EXISTS {copy}")
    report(f"PG+{registry // 1000:,}k", results["bare"], results["import"])


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
    parser.add_argument("--rows", type=int, default=10_000)
    parser.add_argument("--postgres", default="postgres://postgres@127.0.0.1:5432", help="server URL, no database")
    parser.add_argument("--skip-postgres", action="store_true")
    parser.add_argument("--admin", action="store_true", help="also time a long import through the admin and its jobs")
    parser.add_argument(
        "--registry", type=int, default=0, help="import into a copy of a generated registry of this many businesses"
    )
    parser.add_argument(
        "--registry-database",
        default="",
        help="the generated registry to copy (default: national.py's); e.g. a copy of your own while others use it",
    )
    parser.add_argument("--full-access", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    parser.add_argument("--file", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--year", type=int, default=time.localtime().tm_year - 1, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        print(json.dumps(worker(args.worker, args.file, args.year, args.full_access)))
        return
    with tempfile.TemporaryDirectory() as directory:
        tmp = Path(directory)
        path = tmp / "businesses.csv"
        generate(path, args.rows, args.year, national=bool(args.registry))
        print(f"{args.rows:,} businesses, {path.stat().st_size / 1e6:.1f} MB CSV; data year {args.year}")
        if args.registry:
            bench_registry(args.postgres, path, args.year, args.registry, args.registry_database)
            return
        bench_sqlite(path, args.year, tmp, args.admin)
        if not args.skip_postgres:
            bench_postgres(args.postgres, path, args.year, args.admin)
        if args.admin:
            print(xlsx_figures(path, tmp))


if __name__ == "__main__":
    main()
