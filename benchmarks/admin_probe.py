"""Time admin pages in one Django process, as a staff account, without writing to the database.

Usage (from the project root; the accounts are the ones benchmarks/scale.py makes: bench.jatim, bench.nasional,
bench.admin):

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/ikm_bench_national \\
        .venv/bin/python benchmarks/admin_probe.py --user bench.jatim --repeat 5 /admin/ '/admin/businesses/business/?p=5000'

Each URL is asked once to warm up, then --repeat times through django.test.Client (every middleware, DEBUG off):
min / median / max milliseconds, the number of queries of the last request, the page's size and its gzipped size.
The session lives in a signed cookie and the login does not touch `last_login`, so nothing is written.
"""

from __future__ import annotations

import argparse
import gzip
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("urls", nargs="+")
    parser.add_argument("--user", default="bench.jatim")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--follow", action="store_true", help="follow redirects")
    args = parser.parse_args()

    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ikm_registry.settings")
    os.environ.setdefault("DEBUG", "0")
    os.environ.setdefault("ALLOWED_HOSTS", "testserver")
    os.environ.setdefault("SECRET_KEY", "admin-probe-only")
    import django
    from django.conf import settings

    django.setup()
    settings.SESSION_ENGINE = "django.contrib.sessions.backends.signed_cookies"
    from django.contrib.auth import get_user_model, user_logged_in
    from django.contrib.auth.models import update_last_login
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    user_logged_in.disconnect(update_last_login, dispatch_uid="update_last_login")
    client = Client()
    client.force_login(get_user_model().objects.get(username=args.user))
    print(f"# {args.user}, {args.repeat} requests per URL after one warm-up; load average {os.getloadavg()[0]:.2f}")
    print("| URL | status | ms min / median / max | queries | KB | KB gzipped |")
    print("|---|---|---|---|---|---|")
    for url in args.urls:
        client.get(url, follow=args.follow)
        times = []
        for _ in range(args.repeat):
            with CaptureQueriesContext(connection) as queries:
                start = time.perf_counter()
                response = client.get(url, follow=args.follow)
                body = b"".join(response) if response.streaming else response.content
                times.append((time.perf_counter() - start) * 1000)
        print(
            f"| `{url}` | {response.status_code} | {min(times):.0f} / {statistics.median(times):.0f} / "
            f"{max(times):.0f} | {len(queries)} | {len(body) / 1024:.1f} | {len(gzip.compress(body)) / 1024:.1f} |",
            flush=True,
        )


if __name__ == "__main__":
    main()
