"""A second `seed_demo` (every `make run`) after staff have worked on the demo rows: it finds its rows by a stable key,
re-creates or rewrites none of them, duplicates nothing and writes nothing at all (issue 9, point 4)."""

import datetime
from io import StringIO

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.db import connection
from django.db.models import Count
from django.test.utils import CaptureQueriesContext

from businesses import demo
from businesses.choices import BusinessStatus
from businesses.models import Business, BusinessYear, Owner, Product, Sentra
from ikm_registry.models import Office, Region

pytestmark = pytest.mark.django_db

WRITES = ("INSERT", "UPDATE", "DELETE")


def first_seed() -> None:
    call_command("seed_demo", stdout=StringIO())


def run_seed() -> tuple[str, list[str]]:
    """seed_demo's output and the SQL statements it ran (a run after the first)."""
    out = StringIO()
    with CaptureQueriesContext(connection) as queries:
        call_command("seed_demo", stdout=out)
    return out.getvalue(), [query["sql"] for query in queries.captured_queries]


def writes(statements: list[str]) -> list[str]:
    return [sql for sql in statements if sql.lstrip().upper().startswith(WRITES)]


def duplicates() -> list:
    rows = Business.objects.values("village", "name").annotate(n=Count("pk")).filter(n__gt=1)
    return list(rows)


def counts() -> dict[str, int]:
    return {model.__name__: model.objects.count() for model in (Business, Owner, BusinessYear, Product, Sentra, Office)}


def test_staff_edits_survive_a_second_run_which_writes_nothing():
    first_seed()
    User = get_user_model()
    published = Business.objects.filter(status=BusinessStatus.PUBLISHED).order_by("pk")
    renamed, closed, moved = published[0], published[1], published[2]
    planned_name = renamed.name
    renamed.name = "Art Shop Sari Baru"
    renamed.save()
    closed.status = BusinessStatus.INACTIVE
    closed.save()
    other_desa = Region.objects.filter(code__startswith=moved.village_id[:8], level="village")
    moved.village = other_desa.exclude(code=moved.village_id).first()
    moved.save()
    moved_to = moved.village_id
    gone = Business.objects.order_by("-pk").first()
    gone_key = (gone.village_id, gone.name)
    gone.delete()
    product = Product.objects.filter(business=renamed).first()
    product.delete()
    figures = BusinessYear.objects.filter(business=closed).order_by("year").first()
    figures.workforce_male += 7
    figures.save()
    edited_workforce = figures.workforce_male
    office = Office.objects.get(region_id="51.03")
    office.head_name = "Kepala Dinas yang baru"
    office.save()
    sentra = Sentra.objects.order_by("pk").first()
    sentra.name = "Sentra yang diganti namanya"
    sentra.save()
    admin = User.objects.get(username="admin")
    admin.set_password("sandi-baru-yang-kuat")
    admin.save()
    before = counts()

    output, statements = run_seed()

    assert duplicates() == []
    assert counts() == before
    assert writes(statements) == [], writes(statements)
    assert len(statements) < 25  # the fast path: read the ledger and count, nothing else
    assert "tidak ada yang ditulis" in output
    renamed.refresh_from_db()
    closed.refresh_from_db()
    moved.refresh_from_db()
    figures.refresh_from_db()
    assert renamed.name == "Art Shop Sari Baru"
    assert not Business.objects.filter(village=renamed.village, name=planned_name).exclude(pk=renamed.pk).exists()
    assert closed.status == BusinessStatus.INACTIVE
    assert moved.village_id == moved_to
    assert not Business.objects.filter(village_id=gone_key[0], name=gone_key[1]).exists()
    assert not Product.objects.filter(pk=product.pk).exists()
    assert figures.workforce_male == edited_workforce
    assert Office.objects.get(pk=office.pk).head_name == "Kepala Dinas yang baru"
    assert Sentra.objects.filter(name="Sentra yang diganti namanya").count() == 1
    assert not Sentra.objects.filter(village=sentra.village, name=demo.SENTRA[0].name).exists()
    assert User.objects.get(username="admin").check_password("sandi-baru-yang-kuat")


def test_moved_business_is_not_loaded_again_in_its_old_desa():
    first_seed()
    business = Business.objects.filter(status=BusinessStatus.VERIFIED).order_by("pk").first()
    old_desa, name = business.village_id, business.name
    business.village = Region.objects.filter(level="village").exclude(code=old_desa).order_by("code").first()
    business.save()

    run_seed()

    assert Business.objects.filter(name=name).count() == 1
    assert not Business.objects.filter(village_id=old_desa, name=name).exists()


def test_the_plan_does_not_drift_with_the_calendar(monkeypatch):
    monkeypatch.setattr(demo.timezone, "localdate", lambda: datetime.date(2026, 11, 30))
    first_seed()
    before = counts()
    years_before = sorted(set(BusinessYear.objects.values_list("year", flat=True)))

    # A year and more later (and on a New Year's day) the demo is what it was.
    for later in (datetime.date(2028, 1, 1), datetime.date(2031, 7, 15)):
        monkeypatch.setattr(demo.timezone, "localdate", lambda later=later: later)
        output, statements = run_seed()
        assert writes(statements) == []
        assert counts() == before
        assert sorted(set(BusinessYear.objects.values_list("year", flat=True))) == years_before == [2024, 2025]
        assert duplicates() == []
        assert "2024–2025" in output


def test_a_demo_loaded_before_the_ledger_is_adopted_not_duplicated():
    """An install seeded by the seed_demo that matched rows by (desa, name): its rows are found by their first
    history version, also when staff renamed or deleted them, and nothing is loaded a second time."""
    from businesses.models import DemoRecord

    first_seed()
    DemoRecord.objects.all().delete()  # as if loaded by the old seed_demo, which kept no ledger
    first = Business.objects.order_by("pk").first()
    first.name = "Nama Baru oleh Petugas"
    first.save()
    gone = Business.objects.order_by("-pk").first()
    gone_key = (gone.village_id, gone.name)
    gone.delete()
    before = counts()

    output, _statements = run_seed()

    assert counts() == before
    assert duplicates() == []
    assert not Business.objects.filter(village_id=gone_key[0], name=gone_key[1]).exists()
    assert DemoRecord.objects.count() == len(demo.plan_keys(demo.build_plan()))
    # ... and from now on the fast path.
    _output, statements = run_seed()
    assert writes(statements) == []


def test_reset_passwords_is_explicit():
    first_seed()
    User = get_user_model()
    admin = User.objects.get(username="admin")
    admin.set_password("sandi-baru-yang-kuat")
    admin.save()
    call_command("seed_demo", "--reset-passwords", stdout=StringIO())
    assert User.objects.get(username="admin").check_password(demo.DEMO_PASSWORD)
