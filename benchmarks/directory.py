"""Load-test the public directory (/direktori/) over 100,000 businesses on PostgreSQL under a real WSGI server.

Usage (from the project root, after `make test` created .venv):

    .venv/bin/python benchmarks/directory.py [--rows 100000] [--requests 300] [--seconds 25] [--concurrency 2]
        [--q perak] [--wilayah 51.03] [--kbli 32] [--postgres postgres://postgres@127.0.0.1:5432] [--keep]

What it does (about 7 minutes on 2 CPUs):

1. Creates the scratch PostgreSQL database `ikm_bench_directory` (dropped at the end unless --keep), migrates it,
   collects the static files into a temporary STATIC_ROOT (DEBUG off needs them, as after a deployment), loads the
   Bali regions and the demo KBLI subset with the project's own code (businesses.demo.load_regions, load_kbli),
   then writes `--rows` businesses with plain bulk_create: names and main products from a craft and food
   vocabulary (batik, tenun endek, ukiran kayu, perak, kopi, keripik, anyaman bambu, gerabah, ...), each with the
   KBLI subclass its product belongs to, spread over the 716 Bali desa; ~90 % published, about half with a
   creative subsector, ~80 % with coordinates; one Owner (NIK, phone, some e-mail, some consent to publish) and
   one BusinessYear (figures for the scale filter) each. Then ANALYZE.
2. Inspects in one Django process (no server): EXPLAIN (ANALYZE, BUFFERS) of the search query
   `BusinessPublicFilterSet({"q": Q}).qs` (which of the GIN indexes business_search_trgm / business_search_scoped
   the plan uses, planning + execution time), the SQL queries one uncached directory request makes
   (django.test.Client with PUBLIC_CACHE_SECONDS=0, CaptureQueriesContext) with EXPLAIN ANALYZE of each, slowest
   first (again with jit=off where PostgreSQL JIT-compiled it), and what opening a connection costs.
3. Serves the site with gunicorn (gthread: --workers processes × --threads threads; DEBUG=0, a SECRET_KEY,
   ALLOWED_HOSTS=127.0.0.1, the default cache: a table in the database) through benchmarks/bench_urls.py, which is the
   project's urlconf plus `/hello/` (HttpResponse("hello") behind the same middleware). gunicorn is not a project
   dependency: if the venv lacks it, this script runs `pip install gunicorn` into the venv.
4. Measures with its own load generator: --concurrency Python threads, each with one keep-alive http.client
   connection (reopened until each sits on a different server process), sending `Accept-Encoding: gzip` like a
   browser; --warmup requests per thread, then --requests timed requests (fewer when --seconds run out).
   p50/p95 latency (ms) and requests/s, /hello/ in every server run, and:
   - /direktori/?q=Q&wilayah=W&kbli=K and the plain /direktori/ (first page, no filter), not cached
     (PUBLIC_CACHE_SECONDS=0: Django's cache with timeout 0 keeps nothing, so every request renders), with
     CONN_MAX_AGE=60, with CONN_MAX_AGE=0 (a new PostgreSQL connection per request), and with PostgreSQL's JIT
     on (the site turns PostgreSQL's JIT off in its connection options; this run turns it back on to compare);
   - with the page cache on (PUBLIC_CACHE_SECONDS=300): the same filtered URL repeated (served from the cache
     after the warm-up), and a distinct page per request (`&page=<n>`:
     a cache miss that also stores the page); and a busy registry, where the data changes before every request
     (bench_urls bumps the public data version): no page comes from the cache, but the counts are shared for
     PUBLIC_COUNTS_MAX_AGE (60 s), so the plain /direktori/ no longer counts all businesses on every request.
5. Prints a markdown summary with the machine (CPUs, load average) next to every figure.

The load generator shares the machine's CPUs with the server and PostgreSQL (/hello/ shows that floor), and so
does anything else running: compare runs made with a low load average.
"""

import argparse
import csv
import http.client
import json
import os
import platform
import random
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
DATABASE = "ikm_bench_directory"
SECRET_KEY = "bench-directory-not-a-secret-" + "x" * 32

# Word in business names, main products, KBLI subclass (must exist in businesses.demo.KBLI_ROWS), subsector, weight.
VOCABULARY = [
    ("Batik", ["Kain batik tulis", "Kain batik cap", "Kemeja batik", "Batik Bali motif patra"], "13134", "fesyen", 6),
    ("Endek", ["Kain tenun endek", "Selendang tenun endek", "Endek motif cepuk"], "13122", "fesyen", 6),
    ("Songket", ["Kain tenun songket", "Songket benang emas"], "13121", "fesyen", 3),
    ("Ukir", ["Ukiran kayu", "Patung kayu", "Topeng kayu ukir", "Ukiran kayu cendana"], "16293", "kriya", 8),
    ("Perak", ["Perhiasan perak", "Cincin perak", "Gelang perak filigri", "Kerajinan perak"], "32112", "kriya", 6),
    ("Emas", ["Perhiasan emas", "Kalung emas"], "32119", "kriya", 2),
    ("Kopi", ["Kopi bubuk", "Kopi arabika Kintamani", "Kopi robusta sangrai"], "10761", "kuliner", 6),
    ("Keripik", ["Keripik singkong", "Keripik pisang", "Peyek kacang", "Kerupuk ikan"], "10794", "kuliner", 7),
    (
        "Anyaman",
        ["Anyaman bambu", "Sokasi anyaman bambu", "Keben anyaman bambu", "Tas anyaman rotan"],
        "16291",
        "kriya",
        6,
    ),
    ("Ata", ["Tas anyaman ata", "Anyaman lontar", "Anyaman pandan"], "16292", "kriya", 3),
    ("Gerabah", ["Gerabah tanah liat", "Pot gerabah", "Periuk gerabah"], "23932", "kriya", 4),
    ("Keramik", ["Keramik hias", "Keramik meja makan"], "23939", "kriya", 2),
    ("Arak", ["Arak Bali", "Arak beras"], "11010", "kuliner", 2),
    ("Garam", ["Garam laut Amed", "Garam palungan"], "10774", "kuliner", 2),
    ("Gula", ["Gula merah kelapa", "Gula aren"], "10722", "kuliner", 2),
    ("Dodol", ["Dodol ketan", "Dodol salak"], "10796", "kuliner", 2),
    ("Jaje", ["Jaje Bali", "Kue basah", "Jaje uli"], "10792", "kuliner", 4),
    ("Roti", ["Roti dan kue kering", "Kue kering"], "10710", "kuliner", 3),
    ("Minyak", ["Minyak kelapa tradisional", "Lengis tanusan"], "10423", None, 2),
    ("Bumbu", ["Base genep", "Sambal matah kemasan", "Bumbu Bali"], "10772", "kuliner", 3),
    ("Paras", ["Patung batu padas", "Ornamen batu paras"], "23963", "kriya", 3),
    ("Mebel", ["Mebel kayu jati", "Kursi kayu", "Lemari kayu ukir"], "31001", "desain-produk", 4),
    ("Konveksi", ["Pakaian jadi", "Kaos sablon Bali", "Seragam"], "14111", "fesyen", 4),
    ("Bordir", ["Bordir kebaya", "Sulaman"], "14302", "fesyen", 2),
    ("Jahit", ["Kebaya jahitan", "Busana adat Bali"], "14120", "fesyen", 3),
    ("Kulit", ["Tas kulit", "Dompet kulit", "Sandal kulit"], "15121", "fesyen", 2),
    ("Herbal", ["Sabun herbal", "Lulur Bali", "Minyak pijat"], "20232", None, 2),
    ("Pindang", ["Pindang tongkol", "Ikan pindang"], "10214", "kuliner", 2),
    ("Segara", ["Olahan rumput laut", "Dodol rumput laut"], "10298", "kuliner", 1),
    ("Tempe", ["Tempe kedelai"], "10391", "kuliner", 2),
    ("Cokelat", ["Cokelat batangan", "Permen cokelat"], "10732", "kuliner", 1),
    ("Batako", ["Paving dan batako", "Buis beton"], "23951", None, 1),
    ("Imitasi", ["Perhiasan imitasi", "Aksesoris manik-manik"], "32120", "kriya", 2),
    ("Gamelan", ["Gamelan Bali", "Rindik bambu", "Gong"], "32201", "musik", 2),
    ("Kerajinan", ["Lukisan kaca", "Kerajinan kerang", "Canang dan banten", "Lampion bambu"], "32903", "kriya", 4),
]
NAME_FORMS = ["UD", "CV", "Kerajinan", "Industri", "Usaha", "Toko", "IKM", "Pondok", "Griya", "Sanggar", "KUB"]
NAME_TAGS = (
    "Sari Dewi Ayu Jaya Mertha Sedana Lestari Amerta Giri Sukma Bhakti Manik Wangi Mas Taksu Sekar Wisnu Kencana "
    "Bali Dharma Santhi Asri Mandala Nadi Tirta Werdhi Murni Utama Abadi Agung Candra Surya Rahayu Ratna Kusuma "
    "Widya Laksmi Adnyana Putra Putri Sentosa Makmur Arta Nadi Yasa"
).split()
GIVEN = ["Wayan", "Made", "Nyoman", "Ketut", "Putu", "Kadek", "Komang", "Gede", "Nengah", "Luh"]
SURNAMES_MALE = ["Suarta", "Sudarsana", "Artawan", "Mertayasa", "Wiratama", "Suardana", "Darmawan", "Sukadana"]
SURNAMES_FEMALE = ["Widiani", "Sri Wahyuni", "Suartini", "Ariani", "Kartini", "Sukerti", "Mariani", "Astuti"]
STREETS = ["Jl. Raya", "Jl. Pura", "Jl. Banjar", "Gang", "Jl. Subak", "Jl. Pantai", "Jl. Pasar"]
LEGAL_FORMS = ["perorangan"] * 6 + ["ud"] * 2 + ["cv", "kub", "koperasi", "pt_perorangan"]
OTHER_STATUSES = ["verified", "verified", "submitted", "draft", "returned", "inactive"]


def setup_django() -> None:
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ikm_registry.settings")
    import django

    django.setup()


# --- step 1: the data (runs inside Django) ------------------------------------------------------------------------


def generate(rows: int, year: int) -> dict:
    from django.db import connection, transaction

    from businesses import demo
    from businesses.models import Business, BusinessYear, Owner
    from ikm_registry.models import Kbli

    start = time.perf_counter()
    demo.load_regions(lambda message: None)
    demo.load_kbli()
    reference_seconds = time.perf_counter() - start
    existing = set(Kbli.objects.filter(level="subclass").values_list("code", flat=True))
    missing = {entry[2] for entry in VOCABULARY} - existing
    assert not missing, f"KBLI subclasses not in the demo set: {missing}"
    with (ROOT / "businesses/demo_data/regions/villages.csv").open(encoding="utf-8") as handle:
        villages = [line["code"] for line in csv.DictReader(handle)]
    weights = [entry[4] for entry in VOCABULARY]
    randomly = random.Random(2026)
    today = time.localtime()
    consent = f"{year - 1}-07-01"

    start = time.perf_counter()
    businesses, owners, figures = [], [], []
    for number in range(1, rows + 1):
        word, products, kbli, subsector, _weight = randomly.choices(VOCABULARY, weights)[0]
        village = randomly.choice(villages)
        shape = randomly.random()
        tag, tag2 = randomly.sample(NAME_TAGS, 2)
        if shape < 0.45:
            name = f"{randomly.choice(NAME_FORMS)} {word} {tag}"
        elif shape < 0.75:
            name = f"{word} {tag} {tag2}"
        else:  # no product word in the name: only the main product finds it
            name = f"{randomly.choice(NAME_FORMS)} {tag} {tag2}"
        located = randomly.random() < 0.8
        businesses.append(
            Business(
                name=name,
                legal_form=randomly.choice(LEGAL_FORMS),
                nib=f"{9_100_000_000_000 + number:013d}" if randomly.random() < 0.5 else "",
                address=f"{randomly.choice(STREETS)} {tag} No. {randomly.randint(1, 200)}",
                village_id=village,
                latitude=Decimal(f"-8.{randomly.randint(60000, 840000):06d}") if located else None,
                longitude=Decimal(f"115.{randomly.randint(50000, 700000):06d}") if located else None,
                kbli_id=kbli,
                subsector_id=subsector if subsector and randomly.random() < 0.6 else None,
                main_product=randomly.choice(products),
                year_founded=randomly.randint(1975, year),
                market_reach=randomly.choice(["lokal", "lokal", "regional", "nasional", "ekspor", ""]),
                online_channels=randomly.choice(["", "", "Instagram", "Tokopedia, Instagram", "Shopee, Facebook"]),
                status="published" if randomly.random() < 0.9 else randomly.choice(OTHER_STATUSES),
            )
        )
        female = randomly.random() < 0.45
        day = randomly.randint(1, 28) + (40 if female else 0)
        given = randomly.choice(GIVEN)
        owner_name = (
            f"Ni {given} {randomly.choice(SURNAMES_FEMALE)}"
            if female
            else f"I {given} {randomly.choice(SURNAMES_MALE)}"
        )
        phone = f"08{randomly.choice([12, 13, 21, 57, 77, 78])} {randomly.randint(1000, 9999)} {randomly.randint(100, 9999)}"
        email = f"usaha{number}@example.com" if randomly.random() < 0.3 else ""
        owners.append(
            Owner(
                name=owner_name,
                nik=(
                    f"{village[:2]}{village[3:5]}{village[6:8]}{day:02d}{randomly.randint(1, 12):02d}"
                    f"{randomly.randint(50, 99):02d}{number % 9999 + 1:04d}"
                    if randomly.random() < 0.7
                    else ""
                ),
                sex="P" if female else "L",
                phone=phone,
                email=email,
                home_address=f"Banjar {tag2}, {village}",
                phone_public_since=consent if randomly.random() < 0.35 else None,
                email_public_since=consent if email and randomly.random() < 0.5 else None,
            )
        )
        male_workers = randomly.choice([0, 1, 1, 2, 2, 3, 5, 8, 15, 30])
        investment = randomly.randint(5, 900) * 1_000_000
        figures.append(
            BusinessYear(
                year=year - (1 if today.tm_mon > 3 else 2),
                workforce_male=male_workers,
                workforce_female=randomly.choice([0, 1, 1, 2, 3, 4, 6, 12, 25]) + (0 if male_workers else 1),
                investment=investment,
                turnover=investment * randomly.randint(1, 6) if randomly.random() < 0.8 else None,
                production_value=investment * 2,
            )
        )
    build_seconds = time.perf_counter() - start

    start = time.perf_counter()
    with transaction.atomic():
        Business.objects.bulk_create(businesses, batch_size=2000)
        for business, owner, year_figures in zip(businesses, owners, figures, strict=True):
            owner.business = business
            year_figures.business = business
        Owner.objects.bulk_create(owners, batch_size=2000)
        BusinessYear.objects.bulk_create(figures, batch_size=2000)
    write_seconds = time.perf_counter() - start
    start = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    analyze_seconds = time.perf_counter() - start
    return {
        "reference_seconds": reference_seconds,
        "build_seconds": build_seconds,
        "write_seconds": write_seconds,
        "analyze_seconds": analyze_seconds,
        "published": Business.objects.filter(status="published").count(),
        "villages": len(villages),
    }


# --- step 2: EXPLAIN and query counts (runs inside Django, page cache off) ----------------------------------------

SEARCH_INDEXES = ("business_search_trgm", "business_search_scoped", "business_search_keys")


def explain(sql: str, params=None, *, jit: bool = True) -> tuple[list[str], float]:
    """EXPLAIN (ANALYZE, BUFFERS) of one query: the plan lines and its planning + execution time (ms)."""
    from django.db import connection

    with connection.cursor() as cursor:
        if not jit:
            cursor.execute("SET jit = off")
        cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql, params)
        lines = [row[0] for row in cursor.fetchall()]
        if not jit:
            cursor.execute("RESET jit")
    timings = {line.split(":")[0].strip(): float(line.split(":")[1].split()[0]) for line in lines if " Time: " in line}
    return lines, timings.get("Planning Time", 0) + timings["Execution Time"]


def indexes_in(lines: list[str]) -> list[str]:
    text = "\n".join(lines)
    found = [name for name in SEARCH_INDEXES if name in text]
    if "Seq Scan on businesses_business" in text:
        found.append("Seq Scan on businesses_business")
    return found


def inspect(args) -> dict:
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext, setup_test_environment

    from businesses.filtersets import BusinessPublicFilterSet

    assert connection.vendor == "postgresql"
    setup_test_environment()  # the test client then records the template context (and accepts its host name)
    out = {"search": {}, "pages": {}}
    # The search query exactly as the FilterSet builds it (all matches, ranked), then the first page of it.
    queryset = BusinessPublicFilterSet({"q": args.q}).qs
    for label, query in (("all matches", queryset.query), ("first page (LIMIT 20)", queryset[:20].query)):
        sql, params = query.sql_with_params()
        explain(sql, params)  # the first run reads cold pages; report the second
        lines, execution = explain(sql, params)
        out["search"][label] = {"plan": lines, "ms": execution, "indexes": indexes_in(lines)}
        if any(line.startswith("JIT:") for line in lines):
            out["search"][label]["ms_without_jit"] = explain(sql, params, jit=False)[1]
    out["search_matches"] = queryset.count()

    # What CONN_MAX_AGE=0 adds to every request: a new connection (Django's set-up included) before the first query.
    timings = []
    for _ in range(30):
        connection.close()
        start = time.perf_counter()
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        timings.append((time.perf_counter() - start) * 1000)
    out["connect_ms"] = statistics.median(timings)

    client = Client()
    for label, url in (("filtered", directory_url(args)), ("unfiltered", "/direktori/")):
        response = client.get(url)  # warm: first-request costs (translations, templates) not counted
        assert response.status_code == 200, (url, response.status_code)
        with CaptureQueriesContext(connection) as captured:
            start = time.perf_counter()
            response = client.get(url)
            view_ms = (time.perf_counter() - start) * 1000
        assert response.status_code == 200
        queries = []
        for query in captured.captured_queries:
            sql = query["sql"]
            entry = {"sql": sql, "client_ms": float(query["time"]) * 1000}
            if sql.lstrip().upper().startswith("SELECT"):
                lines, execution = explain(sql)
                entry.update(ms=execution, indexes=indexes_in(lines), plan=lines)
                if any(line.startswith("JIT:") for line in lines):
                    entry["ms_without_jit"] = explain(sql, jit=False)[1]
            queries.append(entry)
        out["pages"][label] = {
            "url": url,
            "queries": queries,
            "view_ms": view_ms,
            "bytes": len(response.content),
            "count": response.context["count"] if response.context else None,
        }
    return out


def directory_url(args, extra: str = "") -> str:
    return f"/direktori/?q={args.q}&wilayah={args.wilayah}&kbli={args.kbli}{extra}"


# --- step 3 and 4: the server and the load generator --------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def ensure_gunicorn() -> str:
    check = subprocess.run(
        [PYTHON, "-c", "import gunicorn; print(gunicorn.__version__)"], capture_output=True, text=True
    )
    if check.returncode != 0:
        print("gunicorn is not installed in this environment: pip install gunicorn", flush=True)
        subprocess.run([PYTHON, "-m", "pip", "install", "--quiet", "gunicorn"], check=True)
        check = subprocess.run(
            [PYTHON, "-c", "import gunicorn; print(gunicorn.__version__)"], capture_output=True, text=True, check=True
        )
    return check.stdout.strip()


class Server:
    """gunicorn serving benchmarks.bench_urls on a free local port, stopped (SIGTERM to its own pid) on exit."""

    def __init__(self, database_url: str, args, *, conn_max_age: int, cache_seconds: int, jit: str = "on"):
        self.port = free_port()
        self.args = args
        self.env = {
            **os.environ,
            "PYTHONPATH": str(ROOT),
            "DATABASE_URL": database_url,
            "DEBUG": "0",
            "SECRET_KEY": SECRET_KEY,
            "ALLOWED_HOSTS": "127.0.0.1",
            "CONN_MAX_AGE": str(conn_max_age),
            "PUBLIC_CACHE_SECONDS": str(cache_seconds),
        }
        # settings.py opens the site's connections with options "-c jit=off"; BENCH_JIT_ON makes it "-c jit=on".
        if jit == "on":
            self.env["BENCH_JIT_ON"] = "1"
        # "+change": bench_urls bumps the public data version before every request, as a save would.
        if jit.endswith("+change"):
            self.env["BENCH_CHANGE_EVERY_REQUEST"] = "1"
        self.env.pop("CACHE_URL", None)
        self.env.pop("DJANGO_SETTINGS_MODULE", None)
        self.log = tempfile.NamedTemporaryFile("w+", prefix="bench-directory-gunicorn-", suffix=".log")

    def __enter__(self):
        command = [PYTHON, "-m", "gunicorn", "benchmarks.bench_urls:application", "--chdir", str(ROOT)]
        command += ["--bind", f"127.0.0.1:{self.port}", "--worker-class", "gthread"]
        command += ["--workers", str(self.args.workers), "--threads", str(self.args.threads)]
        command += ["--keep-alive", "120", "--timeout", "120", "--log-level", "warning"]
        self.process = subprocess.Popen(command, cwd=ROOT, env=self.env, stdout=self.log, stderr=subprocess.STDOUT)
        # Ready when every worker process has answered (each loads Django on its own).
        deadline, seen = time.monotonic() + 60, set()
        while len(seen) < self.args.workers:
            try:
                connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=5)
                status, _size, pid = get(connection, "/hello/")
                connection.close()
                if status == 200:
                    seen.add(pid)
                    continue
            except OSError:
                pass
            if self.process.poll() is not None or time.monotonic() > deadline:
                self.log.seek(0)
                raise RuntimeError(f"gunicorn did not start {self.args.workers} workers:\n{self.log.read()}")
            time.sleep(0.2)
        return self

    def __exit__(self, *exc):
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self.log.seek(0)
        errors = [line for line in self.log.read().splitlines() if "ERROR" in line or "Traceback" in line]
        if errors:
            print("  gunicorn log:", *errors[:10], sep="\n    ")
        self.log.close()


HEADERS = {"Accept-Encoding": "gzip", "User-Agent": "registri-ikm-bench/1", "Accept": "text/html"}


def get(connection: http.client.HTTPConnection, path: str, headers: dict | None = None) -> tuple[int, int, str]:
    """GET `path` with HEADERS (and `headers` over them): status, body size (as sent: gzipped), server pid."""
    connection.request("GET", path, headers={**HEADERS, **headers} if headers else HEADERS)
    response = connection.getresponse()
    body = response.read()
    return response.status, len(body), response.getheader("X-Bench-Worker", "?")


def open_spread(port: int, count: int, workers: int) -> list[http.client.HTTPConnection]:
    """`count` keep-alive connections, reopened until they sit on different server processes (as far as possible):
    with gthread a connection stays on the process that accepted it, and two busy connections on one process would
    share one CPU while the other process idles."""
    connections, seen = [], []
    for _ in range(count):
        for _attempt in range(40):
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
            _status, _size, pid = get(connection, "/hello/")
            if pid not in seen or len(set(seen)) >= workers:
                break
            connection.close()
        seen.append(pid)
        connections.append(connection)
    return connections


def load(port: int, paths, *, requests: int, seconds: float, warmup: int, concurrency: int, workers: int) -> dict:
    """Warm-up, then `requests` timed GETs from `concurrency` threads (fewer if `seconds` run out first: no new
    request starts after that); paths(i) is the path of request i."""
    connections = open_spread(port, concurrency, workers)
    deadline = [0.0]
    latencies, sizes, pids, failures = [], [], {}, []
    lock = threading.Lock()
    counter = iter(range(requests))
    clock = {}

    def begin_timing():  # run by the last thread to reach `begin`, before any of them goes on
        clock["start"] = time.perf_counter()
        deadline[0] = clock["start"] + seconds

    begin = threading.Barrier(concurrency + 1, action=begin_timing)
    end = threading.Barrier(concurrency + 1)

    def run(thread: int, connection):
        for number in range(warmup):
            status, _size, _pid = get(connection, paths(-1 - thread - number * concurrency))
            if status != 200:
                failures.append(status)
        begin.wait()
        while True:
            with lock:
                number = next(counter, None) if time.perf_counter() < deadline[0] else None
            if number is None:
                break
            start = time.perf_counter()
            status, size, pid = get(connection, paths(number))
            elapsed = time.perf_counter() - start
            with lock:
                latencies.append(elapsed)
                sizes.append(size)
                pids[pid] = pids.get(pid, 0) + 1
                if status != 200:
                    failures.append(status)
        end.wait()

    threads = [threading.Thread(target=run, args=(i, c), daemon=True) for i, c in enumerate(connections)]
    for thread in threads:
        thread.start()
    begin.wait()
    end.wait()
    wall = time.perf_counter() - clock["start"]
    for thread in threads:
        thread.join()
    for connection in connections:
        connection.close()
    if failures:
        raise RuntimeError(f"{len(failures)} non-200 responses: {sorted(set(failures))}")
    cuts = statistics.quantiles(latencies, n=100, method="inclusive")
    return {
        "n": len(latencies),
        "p50": cuts[49] * 1000,
        "p95": cuts[94] * 1000,
        "mean": statistics.fmean(latencies) * 1000,
        "rps": len(latencies) / wall,
        "bytes": statistics.median(sizes),
        "split": "/".join(str(n) for n in sorted(pids.values(), reverse=True)),
        "load": os.getloadavg()[0],
    }


# --- the driver ---------------------------------------------------------------------------------------------------


def run_worker(database_url: str, step: str, args, extra_env: dict | None = None) -> dict:
    env = {**os.environ, "DATABASE_URL": database_url, "DEBUG": "0", "SECRET_KEY": SECRET_KEY, **(extra_env or {})}
    env.pop("DJANGO_SETTINGS_MODULE", None)
    command = [PYTHON, __file__, "--worker", step, "--rows", str(args.rows), "--q", args.q]
    command += ["--wilayah", args.wilayah, "--kbli", args.kbli]
    result = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True)
    if result.returncode != 0:
        sys.stderr.write(result.stderr)
        raise SystemExit(f"worker step {step} failed")
    return json.loads(result.stdout.strip().splitlines()[-1])


def psql(server: str, sql: str) -> str:
    env = {**os.environ, "PGOPTIONS": "-c client_min_messages=warning"}
    result = subprocess.run(
        ["psql", f"{server}/postgres", "-qtA", "-c", sql], check=True, capture_output=True, text=True, env=env
    )
    return result.stdout.strip()


def print_search(inspected: dict, args) -> None:
    print(f"\n## EXPLAIN (ANALYZE, BUFFERS): BusinessPublicFilterSet({{'q': {args.q!r}}}).qs")
    print(f"{inspected['search_matches']:,} published businesses match q={args.q!r}\n")
    for label, found in inspected["search"].items():
        jit = f" (JIT; {found['ms_without_jit']:.1f} ms with jit=off)" if "ms_without_jit" in found else ""
        print(
            f"### {label}: planning + execution {found['ms']:.1f} ms{jit}; "
            f"uses {', '.join(found['indexes']) or 'no search index'}"
        )
        print("```")
        print(*found["plan"], sep="\n")
        print("```")


def print_pages(inspected: dict) -> None:
    for label, page in inspected["pages"].items():
        queries = page["queries"]
        total = sum(q.get("ms", 0) for q in queries)
        print(
            f"\n## SQL of one uncached {label} directory request ({page['url']}): {len(queries)} queries, "
            f"{page['count']:,} results, {page['bytes']:,} bytes of HTML, view {page['view_ms']:.0f} ms in-process "
            "(test client), "
            f"EXPLAIN ANALYZE planning + execution sum {total:.1f} ms; slowest first:"
        )
        ranked = sorted(queries, key=lambda q: -q.get("ms", q["client_ms"]))
        for query in ranked:
            sql = " ".join(query["sql"].split())
            indexes = ", ".join(query.get("indexes", []))
            if "ms_without_jit" in query:
                indexes += f" JIT; {query['ms_without_jit']:.1f} ms with jit=off"
            print(
                f"- {query.get('ms', 0):7.1f} ms (client {query['client_ms']:6.1f} ms){' ' + indexes if indexes else ''}"
                f": {sql[:150]}{'…' if len(sql) > 150 else ''}"
            )
        slowest = ranked[0]
        if "plan" in slowest:
            print(f"\nPlan of the slowest ({slowest['ms']:.1f} ms):\n```")
            print(*slowest["plan"], sep="\n")
            print("```")


def machine() -> dict:
    model = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return {"cpus": os.cpu_count(), "model": model or platform.processor(), "python": platform.python_version()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--requests", type=int, default=300, help="timed requests per measurement")
    parser.add_argument("--seconds", type=float, default=25, help="at most this long per measurement (then fewer)")
    parser.add_argument("--warmup", type=int, default=5, help="untimed requests per client thread first")
    parser.add_argument("--concurrency", type=int, default=2)
    parser.add_argument("--workers", type=int, default=2, help="gunicorn worker processes")
    parser.add_argument("--threads", type=int, default=2, help="threads per gunicorn worker")
    parser.add_argument("--q", default="perak", help="the search word")
    parser.add_argument("--wilayah", default="51.03", help="region filter (51.03 = Kabupaten Badung)")
    parser.add_argument("--kbli", default="32", help="KBLI filter: a division (2 digits) or a longer code")
    parser.add_argument("--postgres", default="postgres://postgres@127.0.0.1:5432", help="server URL, no database")
    parser.add_argument("--keep", action="store_true", help=f"keep the database {DATABASE} afterwards")
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    args = parser.parse_args()
    year = time.localtime().tm_year
    if args.worker:
        setup_django()
        result = generate(args.rows, year) if args.worker == "setup" else inspect(args)
        print(json.dumps(result))
        return

    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="bench-directory-static-") as static_root:
        os.environ["STATIC_ROOT"] = static_root  # inherited by every process below
        run(args, started)


def run(args, started: float) -> None:
    gunicorn_version = ensure_gunicorn()
    host = machine()
    database_url = f"{args.postgres}/{DATABASE}"
    print(
        f"# Directory benchmark: {args.rows:,} businesses, {host['cpus']} CPUs ({host['model']}), "
        f"load average {os.getloadavg()[0]:.2f}",
        flush=True,
    )
    psql(args.postgres, f"DROP DATABASE IF EXISTS {DATABASE}")
    psql(args.postgres, f"CREATE DATABASE {DATABASE}")
    try:
        pg_version = psql(args.postgres, "SHOW server_version")
        start = time.perf_counter()
        migrate_env = {**os.environ, "DATABASE_URL": database_url, "DEBUG": "0", "SECRET_KEY": SECRET_KEY}
        subprocess.run([PYTHON, "manage.py", "migrate", "--noinput", "-v0"], cwd=ROOT, env=migrate_env, check=True)
        migrate_seconds = time.perf_counter() - start
        # DEBUG off serves static files as after a deployment: collected (and hashed, with a manifest storage).
        start = time.perf_counter()
        collect_env = {**migrate_env, "STATIC_ROOT": os.environ["STATIC_ROOT"]}
        subprocess.run(
            [PYTHON, "manage.py", "collectstatic", "--noinput", "-v0"], cwd=ROOT, env=collect_env, check=True
        )
        collect_seconds = time.perf_counter() - start
        setup = run_worker(database_url, "setup", args)
        print(
            f"migrate {migrate_seconds:.1f} s; collectstatic {collect_seconds:.1f} s; regions + KBLI {setup['reference_seconds']:.1f} s; "
            f"{args.rows:,} businesses + owners + years: built {setup['build_seconds']:.1f} s, "
            f"bulk_create {setup['write_seconds']:.1f} s; ANALYZE {setup['analyze_seconds']:.1f} s; "
            f"{setup['published']:,} published over {setup['villages']} desa",
            flush=True,
        )
        inspected = run_worker(database_url, "inspect", args, {"PUBLIC_CACHE_SECONDS": "0"})
        print_search(inspected, args)
        print_pages(inspected)

        filtered = directory_url(args)
        hello = ("/hello/", "–", lambda i: "/hello/")
        uncached = [hello, (filtered, "off", lambda i: filtered), ("/direktori/", "off", lambda i: "/direktori/")]
        # The site's connections run with jit=off (settings.py); "on" re-enables it for comparison.
        plans = [  # one gunicorn run each: (CONN_MAX_AGE, PUBLIC_CACHE_SECONDS, PostgreSQL jit, measurements)
            (60, 0, "off", uncached),
            (0, 0, "off", uncached),
            (60, 0, "on", uncached),
            (
                60,
                300,
                "off",
                [
                    hello,
                    (filtered, "hit (same URL)", lambda i: filtered),
                    (filtered + "&page=<n>", "miss (page per request)", lambda i: directory_url(args, f"&page={i}")),
                ],
            ),
            (  # a busy registry: the data changes before every request, so no page comes from the cache
                60,
                300,
                "off+change",
                [
                    (filtered, "miss (data changed)", lambda i: filtered),
                    ("/direktori/", "miss (data changed)", lambda i: "/direktori/"),
                ],
            ),
        ]
        results = []
        print(
            f"\n## Load: gunicorn {gunicorn_version} gthread {args.workers} workers × {args.threads} threads; "
            f"{args.concurrency} client threads (Python http.client, keep-alive, gzip); {args.warmup} warm-up "
            f"requests per thread, then {args.requests} timed (at most {args.seconds:.0f} s)",
            flush=True,
        )
        for conn_max_age, cache_seconds, jit, measurements in plans:
            with Server(database_url, args, conn_max_age=conn_max_age, cache_seconds=cache_seconds, jit=jit) as server:
                for label, cache, paths in measurements:
                    figures = load(
                        server.port,
                        paths,
                        requests=args.requests,
                        seconds=args.seconds,
                        warmup=args.warmup,
                        concurrency=args.concurrency,
                        workers=args.workers,
                    )
                    row = {"url": label, "cache": cache, "conn_max_age": conn_max_age, "jit": jit, **figures}
                    results.append(row)
                    print(
                        f"CONN_MAX_AGE={conn_max_age:<3} jit {jit:3} cache {cache:22} {label:50} N {figures['n']:3}  "
                        f"p50 {figures['p50']:7.1f} ms  p95 {figures['p95']:7.1f} ms  {figures['rps']:7.1f} req/s  "
                        f"(load {figures['load']:.2f})",
                        flush=True,
                    )

        search = inspected["search"]["first page (LIMIT 20)"]
        print("\n## Summary\n")
        print(
            f"Machine: {host['cpus']} CPUs ({host['model']}), load average now "
            f"{' / '.join(f'{x:.2f}' for x in os.getloadavg())} (1/5/15 min); Python {host['python']}, "
            f"PostgreSQL {pg_version}, gunicorn {gunicorn_version} (gthread, {args.workers} workers × "
            f"{args.threads} threads), the default database cache. Data: {args.rows:,} businesses "
            f"({setup['published']:,} published); generation {setup['build_seconds'] + setup['write_seconds']:.1f} s. "
            f"Load: {args.concurrency} concurrent keep-alive clients, {args.requests} requests after "
            f"{args.warmup * args.concurrency} warm-up.\n"
        )
        print(
            "| URL | page cache | CONN_MAX_AGE | PG jit | N | p50 ms | p95 ms | req/s | body bytes (gzip) "
            "| requests per worker | load 1m |"
        )
        print("|---|---|---|---|---|---|---|---|---|---|---|")
        for r in results:
            print(
                f"| `{r['url']}` | {r['cache']} | {r['conn_max_age']} | {r['jit']} | {r['n']} | {r['p50']:.1f} | {r['p95']:.1f} "
                f"| {r['rps']:.1f} | {r['bytes']:,.0f} | {r['split']} | {r['load']:.2f} |"
            )
        pages = inspected["pages"]
        print(
            f"\nSearch `q={args.q}` (first page, EXPLAIN ANALYZE): {search['ms']:.1f} ms, uses "
            f"{', '.join(search['indexes']) or 'no search index'}; all matches: "
            f"{inspected['search']['all matches']['ms']:.1f} ms ({inspected['search_matches']:,} rows). "
            f"SQL queries per uncached request: filtered {len(pages['filtered']['queries'])}, unfiltered "
            f"{len(pages['unfiltered']['queries'])}. Opening a PostgreSQL connection (what CONN_MAX_AGE=0 adds to "
            f"each request): {inspected['connect_ms']:.1f} ms (median of 30). Total run {time.perf_counter() - started:.0f} s."
        )
    finally:
        if args.keep:
            print(f"kept database {DATABASE} ({database_url})")
        else:
            psql(args.postgres, f"DROP DATABASE IF EXISTS {DATABASE}")


if __name__ == "__main__":
    main()
