"""Anonymous public traffic for benchmarks/load.py (issue 15, point 7: where one machine saturates).

    LOAD_DATA=sample.json locust -f benchmarks/locustfile.py --headless -u 16 -r 16 -t 20s --host http://127.0.0.1:PORT

benchmarks/load.py writes LOAD_DATA (published business ids sampled from the database, province and regency codes,
search words, KBLI divisions) and runs locust in steps; the file also works alone with any JSON of that shape.

Each simulated visitor is a closed loop without think time (LOAD_WAIT seconds between its requests, default 0):
N users are N requests in flight at most, so throughput and latency by N show where the server saturates. The mix
(weights out of 100) is a guess at a public directory's traffic: most visitors arrive on a business's page from a
search engine or a shared link, then browse the directory and search it:

| weight | request |
|---|---|
| 30 | a business's page `/direktori/ikm/<id>/` |
| 10 | the home page `/` |
| 12 | `/direktori/` and its numbered pages 2-5 |
| 15 | `/direktori/` filtered: a province, a regency, a KBLI division, a scale, or two of them |
| 12 | a text search `/direktori/?q=<word>` (sometimes with a province) |
| 6 | `/statistik/` |
| 5 | the map `/direktori/?tampilan=peta` (sometimes of a province) |
| 10 | the API list `/api/v1/usaha/` (sometimes filtered by province) |

Requests are grouped by kind in the statistics (`name=`), so a business page is one line whatever its id. Responses
other than 200 count as failures. The client asks for gzip, as browsers do; static files are not fetched (a
browser keeps them).
"""

from __future__ import annotations

import json
import os
import random
from pathlib import Path

from locust import FastHttpUser, constant, task

DATA = json.loads(Path(os.environ["LOAD_DATA"]).read_text(encoding="utf-8")) if os.environ.get("LOAD_DATA") else {}
DETAIL_IDS = DATA.get("detail_ids") or [1]
PROVINCES = DATA.get("provinces") or ["35"]
REGENCIES = DATA.get("regencies") or ["35.78"]
WORDS = DATA.get("words") or ["batik"]
KBLI = DATA.get("kbli") or ["13"]
SCALES = ["mikro", "kecil", "sedang", "besar"]
HTML = {"Accept": "text/html", "Accept-Encoding": "gzip"}
JSON = {"Accept": "application/json", "Accept-Encoding": "gzip"}


class PublicVisitor(FastHttpUser):
    wait_time = constant(float(os.environ.get("LOAD_WAIT", "0")))

    def page(self, path: str, name: str, headers: dict = HTML) -> None:
        self.client.get(path, name=name, headers=headers)

    @task(30)
    def business(self):
        self.page(f"/direktori/ikm/{random.choice(DETAIL_IDS)}/", "/direktori/ikm/[id]/")

    @task(10)
    def home(self):
        self.page("/", "/")

    @task(12)
    def directory(self):
        if random.random() < 0.6:
            self.page("/direktori/", "/direktori/")
        else:
            self.page(f"/direktori/?page={random.randint(2, 5)}", "/direktori/?page=[2-5]")

    @task(15)
    def directory_filtered(self):
        choice = random.random()
        if choice < 0.35:
            self.page(f"/direktori/?wilayah={random.choice(PROVINCES)}", "/direktori/?wilayah=[province]")
        elif choice < 0.55:
            self.page(f"/direktori/?wilayah={random.choice(REGENCIES)}", "/direktori/?wilayah=[regency]")
        elif choice < 0.75:
            self.page(f"/direktori/?kbli={random.choice(KBLI)}", "/direktori/?kbli=[division]")
        elif choice < 0.85:
            self.page(f"/direktori/?skala={random.choice(SCALES)}", "/direktori/?skala=[scale]")
        else:
            path = f"/direktori/?wilayah={random.choice(PROVINCES)}&kbli={random.choice(KBLI)}"
            self.page(path, "/direktori/?wilayah=[province]&kbli=[division]")

    @task(12)
    def search(self):
        if random.random() < 0.7:
            self.page(f"/direktori/?q={random.choice(WORDS)}", "/direktori/?q=[word]")
        else:
            path = f"/direktori/?q={random.choice(WORDS)}&wilayah={random.choice(PROVINCES)}"
            self.page(path, "/direktori/?q=[word]&wilayah=[province]")

    @task(6)
    def statistics(self):
        self.page("/statistik/", "/statistik/")

    @task(5)
    def map(self):
        if random.random() < 0.5:
            self.page("/direktori/?tampilan=peta", "/direktori/?tampilan=peta")
        else:
            path = f"/direktori/?tampilan=peta&wilayah={random.choice(PROVINCES)}"
            self.page(path, "/direktori/?tampilan=peta&wilayah=[province]")

    @task(10)
    def api(self):
        if random.random() < 0.7:
            self.page("/api/v1/usaha/", "/api/v1/usaha/", JSON)
        else:
            self.page(f"/api/v1/usaha/?wilayah={random.choice(PROVINCES)}", "/api/v1/usaha/?wilayah=[province]", JSON)
