"""Generate N businesses across all 38 provinces into a scratch PostgreSQL database, for every benchmark at scale.

Usage (from the project root, after `make test` created .venv):

    .venv/bin/python benchmarks/national.py --rows 1000000 [--sentra 10000] [--database ikm_bench_national]
        [--postgres postgres://postgres@127.0.0.1:5432] [--fresh]

From another benchmark: `national.ensure(rows=..., database=...)` returns the database's URL, generating it only when
it does not already hold that many rows from this generator (the table `bench_generated` records what was made).

What it writes (about 6 minutes for 1,000,000 rows on 2 CPUs; ~3.5 GB on disk):
- the whole Kemendagri region table (38 provinces, 514 regencies, 7,285 kecamatan, 83,762 desa) and KBLI 2020 from
  ../shared/data with the project's own import commands (import_regions, import_kbli);
- `--sentra` sentra spread over the regencies, each in one desa with a KBLI subclass of section C;
- `--rows` businesses: a province drawn by a rough share of IKM (Jawa Timur and Jawa Tengah ~15 % each, Jawa Barat
  ~12 %, the rest by their number of desa), then one of its desa; names and products from the craft and food
  vocabulary of benchmarks/directory.py (60 %) or from a random KBLI subclass of divisions 10–33; ~90 % published
  (the rest draft, submitted, verified, returned, inactive); ~80 % with coordinates near their regency; ~60 % of the
  vocabulary ones with a creative subsector; ~15 % members of a sentra of their regency; created over five years;
- one Owner each (NIK, phone, some e-mail, some consent to publish), one to three BusinessYear rows (the last three
  data years, the scale classes derived by the database) and a featured Product for ~5 %;
- ids are dense from 1, the sequences set after them; indexes are dropped during COPY and rebuilt, then ANALYZE.

The rows are written with PostgreSQL's COPY (psycopg), not through the ORM: the generator is for scale, and the
registry's own write paths are measured by their own benchmarks (import_businesses.py).
"""

from __future__ import annotations

import argparse
import csv
import os
import random
import subprocess
import sys
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared" / "data"
PYTHON = sys.executable
VERSION = 1  # bump when the generated data change shape: ensure() then regenerates
DEFAULT_DATABASE = "ikm_bench_national"
DEFAULT_POSTGRES = "postgres://postgres@127.0.0.1:5432"
SEED = 2026

# Share of IKM per province (percent), where it is known to be far from the share of desa; the others split the rest
# by their number of desa.
PROVINCE_SHARE = {"35": 15.0, "33": 15.0, "32": 12.0, "34": 3.0, "36": 3.0, "31": 2.0, "51": 3.0}
STATUSES = ["draft", "submitted", "verified", "returned", "inactive"]


def psql(postgres: str, database: str, sql: str) -> str:
    return subprocess.run(
        ["psql", f"{postgres}/{database}", "-tAc", sql], capture_output=True, text=True, check=True
    ).stdout.strip()


def generated(postgres: str, database: str) -> tuple[int, int] | None:
    """(rows, version) recorded in `database`, or None when it does not exist or was not made here."""
    exists = psql(postgres, "postgres", f"SELECT 1 FROM pg_database WHERE datname = '{database}'")
    if not exists:
        return None
    try:
        found = psql(postgres, database, "SELECT rows, version FROM bench_generated")
    except subprocess.CalledProcessError:
        return None
    if not found:
        return None
    rows, version = found.split("|")
    return int(rows), int(version)


def ensure(*, rows: int, database: str = DEFAULT_DATABASE, postgres: str = DEFAULT_POSTGRES, sentra: int = 0) -> str:
    """The URL of `database` holding `rows` generated businesses (generated now unless it already does)."""
    if generated(postgres, database) != (rows, VERSION):
        command = [PYTHON, __file__, "--rows", str(rows), "--database", database, "--postgres", postgres, "--fresh"]
        if sentra:
            command += ["--sentra", str(sentra)]
        subprocess.run(command, check=True)
    return f"{postgres}/{database}"


def manage(database_url: str, *args: str) -> None:
    environment = {**os.environ, "DATABASE_URL": database_url, "DEBUG": "0", "SECRET_KEY": "bench-" + "x" * 50}
    subprocess.run([PYTHON, str(ROOT / "manage.py"), *args], check=True, env=environment, cwd=ROOT)


# --- the rows ----------------------------------------------------------------------------------------------------


def read_csv(name: str) -> list[dict]:
    with (SHARED / name).open(encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


class World:
    """The reference data the rows are drawn from: desa per province, regency centres, KBLI subclasses."""

    def __init__(self, randomly: random.Random):
        from directory import VOCABULARY  # benchmarks/directory.py

        villages = read_csv("regions/villages.csv")
        self.villages_by_province: dict[str, list[str]] = {}
        for row in villages:
            self.villages_by_province.setdefault(row["code"][:2], []).append(row["code"])
        provinces = sorted(self.villages_by_province)
        known = sum(PROVINCE_SHARE.values())
        rest = sum(len(self.villages_by_province[code]) for code in provinces if code not in PROVINCE_SHARE)
        self.provinces = provinces
        self.province_weights = [
            PROVINCE_SHARE.get(code, (100 - known) * len(self.villages_by_province[code]) / rest) for code in provinces
        ]
        # A centre for each regency inside Indonesia's bounding box, near its province's (pins cluster by place).
        self.centres: dict[str, tuple[float, float]] = {}
        for index, code in enumerate(provinces):
            latitude, longitude = -9.5 + (index * 7.3) % 14, 96.0 + index * 44 / len(provinces)
            for regency in {village[:5] for village in self.villages_by_province[code]}:
                self.centres[regency] = (latitude + randomly.uniform(-1, 1), longitude + randomly.uniform(-1, 1))
        self.vocabulary = VOCABULARY
        self.vocabulary_weights = [entry[4] for entry in VOCABULARY]
        subclasses = [
            row
            for row in read_csv("kbli2020.csv")
            if row["level"] == "subclass" and row["code"][:2].isdigit() and 10 <= int(row["code"][:2]) <= 33
        ]
        self.subclasses = [(row["code"], row["title"]) for row in subclasses]

    def village(self, randomly: random.Random) -> str:
        province = randomly.choices(self.provinces, self.province_weights)[0]
        return randomly.choice(self.villages_by_province[province])


def business_rows(world: World, rows: int, sentra_by_regency: dict[str, list[int]], randomly: random.Random):
    """Yield (business, owner, years, product) tuples of column values for COPY."""
    from directory import NAME_FORMS, NAME_TAGS, STREETS

    now = datetime.now(UTC)
    this_year = now.year
    first_data_year = this_year - 3
    legal_forms = ["perorangan"] * 6 + ["ud"] * 2 + ["cv", "kub", "koperasi", "pt_perorangan"]
    for number in range(1, rows + 1):
        village = world.village(randomly)
        tag, tag2 = randomly.sample(NAME_TAGS, 2)
        if randomly.random() < 0.6:
            word, products, kbli, subsector, _weight = randomly.choices(world.vocabulary, world.vocabulary_weights)[0]
            product = randomly.choice(products)
            subsector = subsector if subsector and randomly.random() < 0.6 else None
        else:
            kbli, title = randomly.choice(world.subclasses)
            word = title.split()[1] if len(title.split()) > 1 else title
            word = word.capitalize()
            product, subsector = title[:200], None
        shape = randomly.random()
        if shape < 0.45:
            name = f"{randomly.choice(NAME_FORMS)} {word} {tag}"
        elif shape < 0.75:
            name = f"{word} {tag} {tag2}"
        else:
            name = f"{randomly.choice(NAME_FORMS)} {tag} {tag2}"
        status = "published" if randomly.random() < 0.9 else randomly.choice(STATUSES)
        latitude = longitude = None
        if randomly.random() < 0.8:
            centre = world.centres[village[:5]]
            latitude = f"{centre[0] + randomly.uniform(-0.25, 0.25):.6f}"
            longitude = f"{centre[1] + randomly.uniform(-0.25, 0.25):.6f}"
        sentra = None
        choices = sentra_by_regency.get(village[:5])
        if choices and randomly.random() < 0.15:
            sentra = randomly.choice(choices)
        created = now - timedelta(seconds=randomly.randint(0, 5 * 365 * 86400))
        business = (
            number,
            name[:200],
            randomly.choice(legal_forms),
            f"{9_100_000_000_000 + number:013d}" if randomly.random() < 0.5 else "",
            f"{randomly.choice(STREETS)} {tag} No. {randomly.randint(1, 200)}",
            village,
            latitude,
            longitude,
            kbli,
            subsector,
            product,
            randomly.randint(1975, this_year),
            "",
            randomly.choice(["lokal", "lokal", "regional", "nasional", "ekspor", ""]),
            randomly.choice(["", "", "Instagram", "Shopee, Facebook"]),
            sentra,
            status,
            created,
            created + timedelta(days=randomly.randint(0, 30)),
        )
        female = randomly.random() < 0.45
        day = randomly.randint(1, 28) + (40 if female else 0)
        email = f"usaha{number}@example.com" if randomly.random() < 0.3 else ""
        consent = date(this_year - 1, 7, 1)
        owner = (
            number,
            number,
            f"Pemilik {tag} {tag2}",
            (
                f"{village[:2]}{village[3:5]}{village[6:8]}{day:02d}{randomly.randint(1, 12):02d}"
                f"{randomly.randint(50, 99):02d}{number % 9999 + 1:04d}"
                if randomly.random() < 0.7
                else ""
            ),
            "P" if female else "L",
            f"08{randomly.choice([12, 13, 21, 57, 77, 78])}{randomly.randint(1000, 9999)}{randomly.randint(100, 9999)}",
            email,
            f"Dusun {tag2}, {village}",
            consent if randomly.random() < 0.35 else None,
            consent if email and randomly.random() < 0.5 else None,
        )
        years = []
        for year in range(first_data_year, this_year):
            if randomly.random() < 0.6:
                male = randomly.choice([0, 1, 1, 2, 2, 3, 5, 8, 15, 30, 120])
                investment = randomly.randint(5, 900) * 1_000_000
                years.append(
                    (
                        number,
                        year,
                        male,
                        randomly.choice([0, 1, 1, 2, 3, 4, 6, 12, 25]) + (0 if male else 1),
                        investment,
                        investment * randomly.randint(1, 6) if randomly.random() < 0.8 else None,
                        investment * 2,
                    )
                )
        product_row = (number, product[:200], "", True) if randomly.random() < 0.05 else None
        yield business, owner, years, product_row


BUSINESS_COLUMNS = (
    "id name legal_form nib address village_id latitude longitude kbli_id subsector_id main_product year_founded "
    "raw_materials market_reach online_channels sentra_id status created_at updated_at"
).split()
OWNER_COLUMNS = "id business_id name nik sex phone email home_address phone_public_since email_public_since".split()
YEAR_COLUMNS = "business_id year workforce_male workforce_female investment turnover production_value".split()
PRODUCT_COLUMNS = "business_id name description is_featured".split()
SENTRA_COLUMNS = "id name main_product kbli_id village_id address description year_established".split()
TABLES = ("businesses_business", "businesses_owner", "businesses_businessyear", "businesses_product")


def secondary_indexes(cursor, tables) -> list[tuple[str, str]]:
    """(name, CREATE statement) of the indexes of `tables` that back no constraint: dropped during COPY."""
    cursor.execute(
        """
        SELECT i.indexname, i.indexdef FROM pg_indexes i
        WHERE i.tablename = ANY(%s)
          AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conname = i.indexname)
        """,
        [list(tables)],
    )
    return cursor.fetchall()


def copy_rows(raw, model, columns: list[str], values) -> None:
    """COPY `values` (tuples in the order of `columns`) into `model`'s table; text columns not given get ''."""
    from django.db import models

    blank = [
        field.column
        for field in model._meta.concrete_fields
        if isinstance(field, (models.CharField, models.TextField, models.FileField))
        and not isinstance(field, models.GeneratedField)
        and not field.null
        and field.column not in columns
    ]
    with raw.copy(f"COPY {model._meta.db_table} ({', '.join([*columns, *blank])}) FROM STDIN") as copy:
        padding = ("",) * len(blank)
        for value in values:
            copy.write_row(value + padding)


def write(database_url: str, rows: int, sentra_count: int) -> dict:
    sys.path.insert(0, str(ROOT))
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    os.environ["DATABASE_URL"] = database_url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ikm_registry.settings")
    import django

    django.setup()
    from django.db import connection

    from businesses.models import Business, BusinessYear, Owner, Product, Sentra

    randomly = random.Random(SEED)
    world = World(randomly)
    timings = {}
    start = time.perf_counter()
    sentra_by_regency: dict[str, list[int]] = {}
    with connection.cursor() as cursor:
        raw = cursor.cursor
        cursor.execute("SET session_replication_role = replica")  # no FK triggers during COPY
        names = set()

        def sentra_rows():
            for number in range(1, sentra_count + 1):
                village = world.village(randomly)
                word, products, kbli, _subsector, _weight = randomly.choices(
                    world.vocabulary, world.vocabulary_weights
                )[0]
                name = f"Sentra {word} {village[-4:]}"
                while (village, name) in names:
                    name += "+"
                names.add((village, name))
                sentra_by_regency.setdefault(village[:5], []).append(number)
                yield (number, name, randomly.choice(products), kbli, village, "", "", randomly.randint(1990, 2024))

        copy_rows(raw, Sentra, SENTRA_COLUMNS, sentra_rows())
        timings["sentra_s"] = time.perf_counter() - start

        indexes = secondary_indexes(cursor, TABLES)
        for name, _definition in indexes:
            cursor.execute(f'DROP INDEX "{name}"')
        start = time.perf_counter()
        pending_owners, pending_years, pending_products = [], [], []

        def businesses():
            for business, owner, years, product in business_rows(world, rows, sentra_by_regency, randomly):
                pending_owners.append(owner)
                pending_years.extend(years)
                if product:
                    pending_products.append(product)
                yield business

        copy_rows(raw, Business, BUSINESS_COLUMNS, businesses())
        timings["businesses_s"] = time.perf_counter() - start
        start = time.perf_counter()
        copy_rows(raw, Owner, OWNER_COLUMNS, pending_owners)
        copy_rows(raw, BusinessYear, YEAR_COLUMNS, pending_years)
        copy_rows(raw, Product, PRODUCT_COLUMNS, pending_products)
        timings["children_s"] = time.perf_counter() - start
        start = time.perf_counter()
        cursor.execute("SET maintenance_work_mem = '512MB'")
        for _name, definition in indexes:
            cursor.execute(definition)
        timings["indexes_s"] = time.perf_counter() - start
        cursor.execute("SET session_replication_role = origin")
        for table in ("businesses_business", "businesses_owner", "businesses_sentra"):
            cursor.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))")
        start = time.perf_counter()
        cursor.execute("VACUUM ANALYZE") if connection.connection.autocommit else cursor.execute("ANALYZE")
        timings["analyze_s"] = time.perf_counter() - start
        cursor.execute("CREATE TABLE bench_generated (rows integer, version integer, seed integer)")
        cursor.execute("INSERT INTO bench_generated VALUES (%s, %s, %s)", [rows, VERSION, SEED])
        cursor.execute("SELECT count(*) FILTER (WHERE status = 'published'), count(*) FROM businesses_business")
        timings["published"], timings["businesses"] = cursor.fetchone()
        cursor.execute("SELECT count(*) FROM businesses_businessyear")
        timings["years"] = cursor.fetchone()[0]
    return timings


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--sentra", type=int, default=0, help="default: one per 100 businesses, at most 10,000")
    parser.add_argument("--database", default=DEFAULT_DATABASE)
    parser.add_argument("--postgres", default=DEFAULT_POSTGRES)
    parser.add_argument("--fresh", action="store_true", help="drop the database first if it exists")
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    sentra = args.sentra or min(10_000, max(10, args.rows // 100))
    database_url = f"{args.postgres}/{args.database}"
    if args.worker:
        print(write(database_url, args.rows, sentra), flush=True)
        return
    if args.fresh:
        psql(args.postgres, "postgres", f'DROP DATABASE IF EXISTS "{args.database}"')
    psql(args.postgres, "postgres", f'CREATE DATABASE "{args.database}"')
    started = time.perf_counter()
    manage(database_url, "migrate", "--noinput", "-v0")
    manage(database_url, "import_regions", str(SHARED / "regions"))
    manage(database_url, "import_kbli", str(SHARED / "kbli2020.csv"))
    print(f"reference data in {time.perf_counter() - started:.0f} s", flush=True)
    subprocess.run(
        [
            PYTHON,
            __file__,
            "--worker",
            "--rows",
            str(args.rows),
            "--sentra",
            str(sentra),
            "--database",
            args.database,
            "--postgres",
            args.postgres,
        ],
        check=True,
    )
    print(f"{args.database}: {args.rows:,} businesses, {sentra:,} sentra in {time.perf_counter() - started:.0f} s")


if __name__ == "__main__":
    main()
