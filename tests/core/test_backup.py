"""Backup and restore (issue 9, point 20): a round trip of the Bali demo restores every table with the same number
of rows and every file byte for byte, on the engine the tests run on (SQLite or PostgreSQL)."""

import hashlib
import json
import subprocess
import sys
from importlib import import_module
from pathlib import Path

import pytest
from django.core.management import call_command
from django.db import connection
from django.db.migrations.loader import MigrationLoader

from businesses.models import Business
from ikm_registry.backup import FILE_ROOT_SETTINGS
from tests.processes import PROJECT, SubprocessDatabase, process_env, python

pytestmark = pytest.mark.django_db(transaction=True)

COUNTS = "import json\nfrom ikm_registry.backup import table_counts\nprint(json.dumps(table_counts()))"


def tree(root: Path) -> dict[str, str]:
    return {
        path.relative_to(root).as_posix(): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in sorted(root.rglob("*"))
        if path.is_file()
    }


def script(name: str, *args: str, env: dict) -> subprocess.CompletedProcess:
    result = subprocess.run(
        [str(PROJECT / "scripts" / name), *args], env={**env, "PYTHON": sys.executable}, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return result


# Where an install keeps its files, per setting: product photos and logos (media); import uploads, rejects files and
# finished reports (private files, under var/).
LAYOUT = {
    "MEDIA_ROOT": ("media", {
        "products/2026/11/tenun.jpg": bytes(range(256)) * 40,
        "products/2026/11/tenun_thumb.jpg": bytes(range(128)) * 10,
        "offices/logo badung.png": b"\x89PNG\r\n\x1a\n" + b"\x00" * 300,
    }),
    "PRIVATE_FILES_ROOT": ("var/private", {
        "imports/2026/11/5f2c9a.csv": b"nama_usaha;nama_pemilik\nTenun Sari;Ni Made\n",
        "rejects/2026/11/81be0d.csv": b"nama_usaha;alasan\n",
        "reports/2026/11/daftar-ikm.pdf": b"%PDF-1.7\n" + b"x" * 5000,
    }),
}  # fmt: skip
ROOTS = list(FILE_ROOT_SETTINGS)


def directories(base: Path) -> dict[str, str]:
    return {name: str(base / LAYOUT[name][0]) for name in ROOTS}


def fill_files(base: Path) -> None:
    for name in ROOTS:
        folder, files = LAYOUT[name]
        for relative, content in files.items():
            path = base / folder / relative
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(content)


def test_backup_and_restore_give_back_every_row_and_file(tmp_path, fresh_database_url):
    # seed_demo needs the creative subsectors a data migration adds; the flush after an earlier transactional test
    # removed them. The migration runs with the models as they were then (the subsectors belonged to businesses).
    migration = ("businesses", "0002_creative_subsectors")
    then = MigrationLoader(connection).project_state(migration).apps
    import_module(f"businesses.migrations.{migration[1]}").add_subsectors(then, None)
    call_command("seed_demo", verbosity=0)
    assert Business.objects.count() > 50
    original = tmp_path / "install"
    fill_files(original)

    with SubprocessDatabase(tmp_path) as database:
        source_env = database.env(**directories(original))
        printed = script("backup.sh", str(tmp_path / "backups"), env=source_env).stdout.strip()
        counts = json.loads(python(source_env, COUNTS))
    backup_dir = Path(printed)
    assert backup_dir.parent == tmp_path / "backups" and backup_dir.name.startswith("registri-ikm-")
    manifest = json.loads((backup_dir / "manifest.json").read_text())
    assert manifest["tables"] == counts
    assert sum(counts.values()) > 1000 and counts["businesses_business"] == Business.objects.count()

    restored = tmp_path / "restored"
    target_env = process_env(fresh_database_url, **directories(restored))
    output = script("restore.sh", str(backup_dir), "--noinput", env=target_env).stdout
    assert "Restored" in output

    assert json.loads(python(target_env, COUNTS)) == counts
    assert ROOTS == ["MEDIA_ROOT", "PRIVATE_FILES_ROOT"]
    for name in ROOTS:
        folder = LAYOUT[name][0]
        assert tree(restored / folder) == tree(original / folder) != {}
    # The restored install works: its public directory lists the demo's published businesses.
    printed = python(
        target_env,
        "from django.test import Client\nprint(Client(SERVER_NAME='localhost').get('/direktori/').status_code)",
    )
    assert printed.strip() == "200"


def test_restore_keeps_the_directories_it_replaces_and_refuses_another_engine(tmp_path, fresh_database_url):
    original = tmp_path / "install"
    fill_files(original)
    with SubprocessDatabase(tmp_path) as database:
        backup_dir = Path(
            script("backup.sh", str(tmp_path / "b"), env=database.env(**directories(original))).stdout.strip()
        )

    restored = tmp_path / "restored"
    (restored / "media").mkdir(parents=True)
    (restored / "media" / "only-here.txt").write_text("from before the restore")
    script("restore.sh", str(backup_dir), "--noinput", env=process_env(fresh_database_url, **directories(restored)))
    assert not (restored / "media" / "only-here.txt").exists()
    [kept] = restored.glob("media.before-restore-*")
    assert (kept / "only-here.txt").read_text() == "from before the restore"

    other_engine = "postgres://nobody@127.0.0.1:1/none" if database.file else f"sqlite:///{tmp_path / 'x.sqlite3'}"
    refused = subprocess.run(
        [str(PROJECT / "scripts" / "restore.sh"), str(backup_dir), "--noinput"],
        env={**process_env(other_engine, **directories(tmp_path / "other")), "PYTHON": sys.executable},
        capture_output=True,
        text=True,
    )
    assert refused.returncode != 0
    assert "DATABASE_URL points to" in refused.stderr


def test_the_manifest_describes_the_archive_even_when_a_file_changes_meanwhile(tmp_path):
    """The checksums are read from the written archive, not from the directory a second time: a file replaced or
    added after it was archived (the site keeps running during a backup) cannot make restore report a difference."""
    import tarfile

    from ikm_registry.backup import archive_digests, file_digests

    root = tmp_path / "media"
    (root / "products").mkdir(parents=True)
    (root / "products" / "a.jpg").write_bytes(b"first")
    archive = tmp_path / "media.tar.gz"
    with tarfile.open(archive, "w:gz") as tar:
        for path in sorted(root.iterdir()):
            tar.add(path, arcname=path.name)
    (root / "products" / "a.jpg").write_bytes(b"replaced while the backup ran")
    (root / "products" / "b.jpg").write_bytes(b"uploaded while the backup ran")

    digests = archive_digests(archive)
    restored = tmp_path / "restored"
    with tarfile.open(archive, "r:gz") as tar:
        tar.extractall(restored, filter="data")
    assert digests == file_digests(restored)
    assert list(digests) == ["products/a.jpg"]
