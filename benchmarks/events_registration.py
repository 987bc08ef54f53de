"""Register many people for the last places of an event at the same moment, on PostgreSQL, then check them in.

Usage (from the project root, after `make test` created .venv):

    .venv/bin/python benchmarks/events_registration.py [--clients 300] [--places 60] [--connections 40]
        [--postgres postgres://postgres@127.0.0.1:5432] [--sqlite]

It creates a scratch PostgreSQL database `ikm_bench_events_registration` (dropped at the end), migrates it, loads
the Bali regions and the demo offices and accounts, and opens one public event of the Badung office with `--places`
places and five sessions. Then, in one process (Django start-up excluded):

- registration: `--clients` threads wait at a barrier and are released together; each registers a different person
  through events.services.registration.registration_create(public=True) — the call the public form makes — on its
  own database connection, opened for the call and closed after it. PostgreSQL allows 100 connections, shared with
  whoever else uses the server, so at most `--connections` clients hold one at a time; the others queue for a slot,
  as requests queue for a web server's workers. Printed: errors (must be 0), confirmed (must be exactly the places),
  whether the waiting list is in arrival order (the order in which the event's row lock was granted, which gives
  `registered_at` and the primary key), and latency p50/p95/max — from the common start to the answer (queueing
  included) and of the call alone.
- check-in: the event is started and every confirmed participant is checked in at each of the five sessions by the
  Badung operator, one after the other as at a door (places × 5 calls of events.services.attendance.check_in(), 300
  by default), then scanned a second time at the first session; p50/p95/max of each.

--sqlite runs the same on a temporary SQLite file (IMMEDIATE transactions: one writer at a time, the others wait up
to SQLITE_BUSY_TIMEOUT s).
"""

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
DATABASE = os.environ.get("BENCH_DATABASE", "ikm_bench_events_registration")
SESSIONS = 5
OPERATOR = "operator.badung"  # a demo account of the organising office


def setup_django() -> None:
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ikm_registry.settings")
    import django

    django.setup()


# --- the worker (runs inside Django, in its own process) -----------------------------------------------------------


def make_event(places: int):
    """An open public event of the Badung office, in two weeks, with one session a day."""
    import datetime

    from businesses import demo
    from events.models import Event, Session
    from events.services.workflow import EVENT_WORKFLOW
    from ikm_registry.models import Office
    from ikm_registry.scoping import SystemActor

    demo.load_regions(lambda message: None)
    demo.load_users(demo.load_offices())
    office = Office.objects.get(region_id="51.03")
    start = datetime.date.today() + datetime.timedelta(days=14)
    event = Event(
        code="BENCH-REG-01",
        title="Pelatihan Batik Dasar (benchmark)",
        kind="pelatihan",
        office=office,
        venue_region_id="51.03",
        start_date=start,
        end_date=start + datetime.timedelta(days=SESSIONS - 1),
        quota=places,
    )
    EVENT_WORKFLOW.create(event, "open", actor=SystemActor("benchmark"))
    Session.objects.bulk_create(
        [Session(event=event, date=start + datetime.timedelta(days=day)) for day in range(SESSIONS)]
    )
    return event


def percentiles(values: list[float]) -> dict:
    ordered = sorted(values)
    cuts = statistics.quantiles(ordered, n=100, method="inclusive")
    return {"p50": cuts[49] * 1000, "p95": cuts[94] * 1000, "max": ordered[-1] * 1000}


def register_all(event, clients: int, connections: int) -> dict:
    from django.db import connection

    from events.services.registration import registration_create

    slots = threading.Semaphore(connections)
    start = {}
    barrier = threading.Barrier(clients, action=lambda: start.setdefault("at", time.perf_counter()))
    results = [None] * clients

    def client(number: int) -> None:
        data = {
            "name": f"Peserta Bench {number:03d}",
            "sex": "P" if number % 2 else "L",
            "category": "pelaku_ikm",
            "phone": f"0812{number:08d}",
        }
        barrier.wait()
        with slots:
            try:
                connection.ensure_connection()
                began = time.perf_counter()
                registration = registration_create(event=event, data=data, actor=None, public=True)
                done = time.perf_counter()
                results[number] = {"pk": registration.pk, "call": done - began, "total": done - start["at"]}
            except Exception as error:  # noqa: BLE001 (every failure is counted and shown)
                results[number] = {"error": f"{type(error).__name__}: {error}"}
            finally:
                connection.close()

    threads = [threading.Thread(target=client, args=(number,)) for number in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    wall = time.perf_counter() - start["at"]
    errors = [r["error"] for r in results if "error" in r]
    done = [r for r in results if "error" not in r]
    return {
        "wall": wall,
        "errors": len(errors),
        "error_samples": sorted(set(errors))[:5],
        "total": percentiles([r["total"] for r in done]) if done else None,
        "call": percentiles([r["call"] for r in done]) if done else None,
        # the order in which the clients heard back, to compare with the server's order (informational)
        "answered": [r["pk"] for r in sorted(done, key=lambda r: r["total"])],
    }


def check_order(event, places: int, answered: list[int]) -> dict:
    """Confirmed = the first `places` to get the event's lock; the waiting list = everyone after, in that order."""
    from events.choices import RegistrationStatus
    from events.models import Registration
    from events.services.registration import waiting_position

    rows = list(Registration.objects.filter(event=event).order_by("pk").values_list("pk", "status", "registered_at"))
    by_lock = [pk for pk, _status, _at in rows]
    times_follow_lock = all(a[2] <= b[2] for a, b in zip(rows, rows[1:], strict=False))
    confirmed = [pk for pk, status, _at in rows if status == RegistrationStatus.CONFIRMED]
    waiting = list(Registration.objects.filter(event=event).waiting().values_list("pk", flat=True))
    waitlisted = [pk for pk, status, _at in rows if status == RegistrationStatus.WAITLISTED]
    positions = [waiting_position(registration) for registration in Registration.objects.filter(pk__in=waiting)]
    order = {pk: index for index, pk in enumerate(answered)}
    inversions = sum(1 for a, b in zip(by_lock, by_lock[1:], strict=False) if order.get(a, 0) > order.get(b, 0))
    return {
        "registrations": len(rows),
        "confirmed": len(confirmed),
        "waitlisted": len(waitlisted),
        "other": len(rows) - len(confirmed) - len(waitlisted),
        "confirmed_first": confirmed == by_lock[: len(confirmed)],
        "waiting_in_lock_order": waiting == by_lock[len(confirmed) :] == waitlisted,
        "registered_at_follows_lock": times_follow_lock,
        "positions_ok": sorted(positions) == list(range(1, len(waiting) + 1)),
        "answer_order_inversions": inversions,
    }


def check_in_all(event) -> dict:
    from django.contrib.auth import get_user_model

    from events.choices import CheckInMethod, RegistrationStatus
    from events.models import Attendance
    from events.services.attendance import check_in
    from events.services.workflow import EVENT_WORKFLOW
    from ikm_registry.scoping import SystemActor

    EVENT_WORKFLOW.perform(event.pk, "start", SystemActor("benchmark"))
    event.refresh_from_db()
    operator = get_user_model().objects.get(username=OPERATOR)
    participants = list(event.registrations.filter(status=RegistrationStatus.CONFIRMED).order_by("name"))
    sessions = list(event.sessions.all())
    first, again = [], []
    for session in sessions:
        for registration in participants:
            began = time.perf_counter()
            done = check_in(session=session, registration=registration, actor=operator, method=CheckInMethod.SCAN)
            first.append(time.perf_counter() - began)
            assert done.created
    for registration in participants:
        began = time.perf_counter()
        done = check_in(session=sessions[0], registration=registration, actor=operator, method=CheckInMethod.SCAN)
        again.append(time.perf_counter() - began)
        assert not done.created
    assert Attendance.objects.filter(session__event=event).count() == len(first)
    return {"calls": len(first), "first": percentiles(first), "again": percentiles(again), "repeats": len(again)}


def worker(clients: int, places: int, connections: int) -> dict:
    setup_django()
    from django.db import connection

    event = make_event(places)
    connection.close()  # the clients open their own
    registered = register_all(event, clients, connections)
    answered = registered.pop("answered")
    return {
        "vendor": connection.vendor,
        "registration": registered,
        "order": check_order(event, places, answered),
        "check_in": check_in_all(event),
    }


# --- the driver ---------------------------------------------------------------------------------------------------


def run_worker(database_url: str, args) -> dict:
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "DEBUG": "0",
        "EMAIL_URL": "memorymail://",
        "PRIVATE_FILES_ROOT": tempfile.gettempdir(),
    }
    command = [PYTHON, __file__, "--worker", "--clients", str(args.clients), "--places", str(args.places)]
    command += ["--connections", str(args.connections)]
    output = subprocess.run(command, cwd=ROOT, env=env, check=True, stdout=subprocess.PIPE, text=True).stdout
    return json.loads(output.strip().splitlines()[-1])


def migrate(database_url: str) -> None:
    env = {**os.environ, "DATABASE_URL": database_url, "DEBUG": "1"}
    subprocess.run([PYTHON, "manage.py", "migrate", "--noinput", "-v0"], cwd=ROOT, env=env, check=True)


def psql(server: str, sql: str) -> None:
    env = {**os.environ, "PGOPTIONS": "-c client_min_messages=warning"}
    subprocess.run(["psql", f"{server}/postgres", "-q", "-c", sql], check=True, stdout=subprocess.DEVNULL, env=env)


def ms(figures: dict) -> str:
    return f"p50 {figures['p50']:7.1f} ms   p95 {figures['p95']:7.1f} ms   max {figures['max']:7.1f} ms"


def yes(value: bool) -> str:
    return "yes" if value else "NO"


def report(label: str, result: dict, args) -> bool:
    reg, order, door = result["registration"], result["order"], result["check_in"]
    print(
        f"{label:10} {args.clients} clients at once for {args.places} places, at most {args.connections} "
        f"connections at a time: all answered in {reg['wall']:.2f} s ({args.clients / reg['wall']:.0f} registrations/s)"
    )
    print(f"{label:10}   errors {reg['errors']} (must be 0)" + "".join(f"\n{'':14}{e}" for e in reg["error_samples"]))
    print(
        f"{label:10}   confirmed {order['confirmed']} (must be {args.places}), waiting list {order['waitlisted']}, "
        f"other {order['other']}"
    )
    print(
        f"{label:10}   arrival order: confirmed are the first {order['confirmed']} to get the lock "
        f"{yes(order['confirmed_first'])}; "
        f"waiting list in lock order {yes(order['waiting_in_lock_order'])}; registered_at follows it "
        f"{yes(order['registered_at_follows_lock'])}; positions 1…{order['waitlisted']} {yes(order['positions_ok'])}"
    )
    print(
        f"{label:10}   (order in which the clients heard back differs from the lock order at "
        f"{order['answer_order_inversions']} of {order['registrations'] - 1} neighbours: threads wake up late)"
    )
    print(f"{label:10}   latency from the common start  {ms(reg['total'])}")
    print(f"{label:10}   registration_create() alone     {ms(reg['call'])}")
    print(f"{label:10} check_in(), {door['calls']} calls one after another  {ms(door['first'])}")
    print(f"{label:10}   the same again ({door['repeats']} repeat scans)   {ms(door['again'])}")
    return (
        reg["errors"] == 0
        and order["confirmed"] == args.places
        and order["confirmed_first"]
        and order["waiting_in_lock_order"]
        and order["registered_at_follows_lock"]
        and order["positions_ok"]
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--clients", type=int, default=300)
    parser.add_argument("--places", type=int, default=60)
    parser.add_argument("--connections", type=int, default=40, help="clients holding a connection at once")
    parser.add_argument("--postgres", default="postgres://postgres@127.0.0.1:5432", help="server URL, no database")
    parser.add_argument("--skip-postgres", action="store_true")
    parser.add_argument("--sqlite", action="store_true", help="also on a temporary SQLite file")
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        print(json.dumps(worker(args.clients, args.places, args.connections)))
        return
    print(f"{os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f}")
    ok = True
    if not args.skip_postgres:
        psql(args.postgres, f"DROP DATABASE IF EXISTS {DATABASE}")
        psql(args.postgres, f"CREATE DATABASE {DATABASE}")
        try:
            migrate(f"{args.postgres}/{DATABASE}")
            ok &= report("PostgreSQL", run_worker(f"{args.postgres}/{DATABASE}", args), args)
        finally:
            psql(args.postgres, f"DROP DATABASE IF EXISTS {DATABASE}")
    if args.sqlite:
        with tempfile.TemporaryDirectory() as directory:
            url = f"sqlite:///{Path(directory) / 'events.sqlite3'}"
            migrate(url)
            ok &= report("SQLite", run_worker(url, args), args)
    if not ok:
        sys.exit("FAILED: errors, a wrong number confirmed, or the waiting list out of order (see above)")


if __name__ == "__main__":
    main()
