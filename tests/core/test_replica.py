"""DATABASE_REPLICA_URL: anonymous public reads come from the replica, everything else from the primary.

Run against two real databases in a process of their own (DATABASES is fixed when Django starts): a primary and a
"replica" copied from it, in which one business was then renamed, as if the replica had not yet received a change
or, here, so that every page tells which database it read.
"""

import json
import os
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from django.db import connection

from businesses.choices import BusinessStatus
from ikm_registry.replica import PublicReadMiddleware, ReplicaRouter, _public_read
from tests.factories import BusinessFactory

ROOT = Path(__file__).resolve().parents[2]
PUBLISHED = BusinessStatus.PUBLISHED

SCRIPT = r"""
import json, os, sys
import django
django.setup()
from django.contrib.auth import get_user_model
from django.db import connections
from django.test import Client
from django.test.utils import setup_test_environment

from businesses.models import Business

setup_test_environment()
out = {"aliases": sorted(connections.databases)}
pk = int(sys.argv[1])
anonymous = Client()
out["profile"] = anonymous.get(f"/direktori/ikm/{pk}/").content.decode()
out["directory"] = anonymous.get("/direktori/?q=replika").content.decode()
out["directory_primary_name"] = anonymous.get("/direktori/?q=utama").content.decode()
out["api"] = anonymous.get(f"/api/v1/usaha/{pk}/").content.decode()
staff = Client()
staff.force_login(get_user_model().objects.get(username="admin"))
out["admin"] = staff.get(f"/admin/businesses/business/{pk}/change/").content.decode()
# A write during an anonymous request's reads still goes to the primary (the router sends writes there).
from ikm_registry.replica import ReplicaRouter, _public_read
token = _public_read.set(True)
out["read_alias"] = ReplicaRouter().db_for_read(Business)
out["write_alias"] = ReplicaRouter().db_for_write(Business)
_public_read.reset(token)
print("RESULT " + json.dumps(out))
"""


def _env(primary: Path, replica: Path | None) -> dict:
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{primary}",
        "DJANGO_SETTINGS_MODULE": "ikm_registry.settings",
        "DEBUG": "1",
        "PUBLIC_CACHE_SECONDS": "0",
        "CACHE_URL": "locmemcache://",
        "PYTHONPATH": str(ROOT),
    }
    env.pop("DATABASE_REPLICA_URL", None)
    if replica is not None:
        env["DATABASE_REPLICA_URL"] = f"sqlite:///{replica}"
    return env


@pytest.mark.django_db(transaction=True)
def test_public_reads_come_from_the_replica_and_staff_reads_from_the_primary(tmp_path, bali_regions, kbli):
    if connection.vendor != "sqlite":
        pytest.skip("copies the SQLite test database into two files (VACUUM INTO); runs in the SQLite pass")
    business = BusinessFactory(name="Usaha Utama Lama", status=PUBLISHED)
    get_user_model().objects.create_superuser("admin", "admin@example.com", "x")
    pk, name = business.pk, business.name
    primary, replica = tmp_path / "primary.sqlite3", tmp_path / "replica.sqlite3"
    with connection.cursor() as cursor:  # the migrated test database with these rows, as the primary
        cursor.execute("VACUUM INTO %s", [str(primary)])
    shutil.copy(primary, replica)
    with sqlite3.connect(replica) as db:  # the replica's copy tells itself apart
        db.execute("UPDATE businesses_business SET name = 'Usaha Replika Baru' WHERE id = ?", [pk])
    result = subprocess.run(
        [sys.executable, "-c", SCRIPT, str(pk)], env=_env(primary, replica), cwd=ROOT, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr[-3000:]
    out = json.loads(result.stdout.split("RESULT ", 1)[1])
    assert out["aliases"] == ["default", "replica"]
    assert "Usaha Replika Baru" in out["profile"] and name not in out["profile"]
    assert "Usaha Replika Baru" in out["directory"] and "Usaha Replika Baru" not in out["directory_primary_name"]
    assert "Usaha Replika Baru" in out["api"]
    assert name in out["admin"] and "Usaha Replika Baru" not in out["admin"]
    assert (out["read_alias"], out["write_alias"]) == ("replica", "default")


def test_without_a_replica_every_read_uses_the_primary(settings):
    assert "replica" not in settings.DATABASES
    token = _public_read.set(True)
    try:
        from businesses.models import Business

        assert ReplicaRouter().db_for_read(Business) is None
    finally:
        _public_read.reset(token)


@pytest.mark.parametrize(
    ("method", "path", "cookies", "public"),
    [
        ("GET", "/direktori/", {}, True),
        ("HEAD", "/statistik/", {}, True),
        ("POST", "/direktori/", {}, False),
        ("GET", "/admin/", {}, False),
        ("GET", "/api/v1/staf/usaha/", {}, False),
        ("GET", "/usaha-saya/abc/", {}, False),
        ("GET", "/direktori/", {"sessionid": "x"}, False),
    ],
)
def test_which_requests_count_as_public_reads(rf, method, path, cookies, public):
    request = getattr(rf, method.lower())(path)
    request.COOKIES.update(cookies)
    assert PublicReadMiddleware._public(request) is public


def test_the_cache_and_jobs_are_never_read_from_the_replica(settings):
    settings.DATABASES = {**settings.DATABASES, "replica": settings.DATABASES["default"]}
    from django.contrib.sessions.models import Session

    from businesses.models import Business
    from ikm_registry.models import Job

    token = _public_read.set(True)
    try:
        router = ReplicaRouter()
        assert router.db_for_read(Business) == "replica"
        assert router.db_for_read(Job) is None
        assert router.db_for_read(Session) is None
    finally:
        _public_read.reset(token)
