"""Backing up and restoring an install: the database, uploaded media and the private files.

A backup is one directory, `registri-ikm-YYYYMMDD-HHMMSS/`, holding

- `database.dump` (PostgreSQL, `pg_dump --format=custom`) or `database.sqlite3` (SQLite's online backup API, a
  consistent copy taken while the site runs);
- `files/<SETTING>.tar.gz` for each directory of files the settings name (FILE_ROOT_SETTINGS: MEDIA_ROOT, and
  PRIVATE_FILES_ROOT, `var/private` by default: import uploads, rejects files, reports), a directory inside another
  archived with it;
- `manifest.json`: when, which engine, the row count of every table (taken in the same snapshot as the dump) and
  the SHA-256 of every file, against which `restore` checks what it restored.

The cache table's rows are left out (they are rebuilt on demand) and the cache is emptied after a restore.
"""

import datetime
import hashlib
import json
import os
import shutil
import sqlite3
import subprocess
import tarfile
from pathlib import Path

from django.conf import settings
from django.core.cache import cache, caches
from django.core.cache.backends.db import DatabaseCache
from django.db import connection, transaction

FORMAT_VERSION = 1
# Settings naming directories of files to keep, in the order they are archived.
FILE_ROOT_SETTINGS = ("MEDIA_ROOT", "PRIVATE_FILES_ROOT")


class BackupError(Exception):
    """A backup or restore that cannot go on; the message says why."""


# --- what to back up ---------------------------------------------------------------------------------------------


def file_roots() -> dict[str, Path]:
    """Setting name → directory, for the roots configured; a root inside another is left to the outer one."""
    roots = {}
    for name in FILE_ROOT_SETTINGS:
        value = getattr(settings, name, None)
        if value:
            roots[name] = Path(value).resolve()
    return {
        name: path
        for name, path in roots.items()
        if not any(other != name and path.is_relative_to(outer) for other, outer in roots.items())
    }


def _cache_table() -> str | None:
    default = caches["default"]
    return default._table if isinstance(default, DatabaseCache) else None


def _counts(cursor, tables) -> dict[str, int]:
    quote = connection.ops.quote_name
    result = {}
    for table in sorted(tables):
        cursor.execute(f"SELECT COUNT(*) FROM {quote(table)}")
        result[table] = cursor.fetchone()[0]
    return result


def table_counts() -> dict[str, int]:
    """Rows per table of the configured database (the cache table left out)."""
    skip = _cache_table()
    with connection.cursor() as cursor:
        return _counts(cursor, [t for t in connection.introspection.table_names(cursor) if t != skip])


def file_digests(root: Path) -> dict[str, str]:
    """Relative path → SHA-256 of every file under `root`."""
    digests = {}
    if root.is_dir():
        for path in sorted(root.rglob("*")):
            if path.is_file():
                with path.open("rb") as handle:
                    digests[path.relative_to(root).as_posix()] = hashlib.file_digest(handle, "sha256").hexdigest()
    return digests


def archive_digests(archive: Path) -> dict[str, str]:
    """Relative path → SHA-256 of every file in a .tar.gz written by backup() (the same keys as file_digests)."""
    digests = {}
    with tarfile.open(archive, "r:gz") as tar:
        for member in tar:
            if member.isfile():
                with tar.extractfile(member) as handle:
                    digests[member.name] = hashlib.file_digest(handle, "sha256").hexdigest()
    return dict(sorted(digests.items()))


# --- PostgreSQL client programs ----------------------------------------------------------------------------------


def _pg_env() -> dict[str, str]:
    """libpq's environment for the configured database (the password stays out of the command line)."""
    db = connection.settings_dict
    env = dict(os.environ)
    for variable, key in (("PGHOST", "HOST"), ("PGPORT", "PORT"), ("PGUSER", "USER"), ("PGPASSWORD", "PASSWORD")):
        if db.get(key):
            env[variable] = str(db[key])
    env["PGDATABASE"] = db["NAME"]
    return env


def _run(command: list[str], env: dict[str, str]) -> None:
    if shutil.which(command[0]) is None:
        raise BackupError(f"{command[0]} not found: install the PostgreSQL client programs (postgresql-client).")
    result = subprocess.run(command, env=env, capture_output=True, text=True)
    if result.returncode != 0:
        raise BackupError(f"{command[0]} failed ({result.returncode}): {result.stderr.strip()}")


# --- backup ------------------------------------------------------------------------------------------------------


def backup(destination: Path, *, now: datetime.datetime | None = None) -> Path:
    """Write a backup directory under `destination` and return it."""
    now = now or datetime.datetime.now()
    target = Path(destination) / f"registri-ikm-{now:%Y%m%d-%H%M%S}"
    if target.exists():
        raise BackupError(f"{target} exists already.")
    (target / "files").mkdir(parents=True)
    if connection.vendor == "postgresql":
        counts, database_file = _backup_postgresql(target)
    elif connection.vendor == "sqlite":
        counts, database_file = _backup_sqlite(target)
    else:
        raise BackupError(f"No backup for the {connection.vendor} database engine.")
    files = {}
    for name, root in file_roots().items():
        archive = target / "files" / f"{name}.tar.gz"
        with tarfile.open(archive, "w:gz") as tar:
            if root.is_dir():
                for path in sorted(root.iterdir()):
                    tar.add(path, arcname=path.name)
        files[name] = {
            "path": str(root),
            "archive": archive.relative_to(target).as_posix(),
            # From the archive itself: a file added or replaced while the backup ran cannot make the manifest
            # disagree with what the archive holds.
            "sha256": archive_digests(archive),
        }
    manifest = {
        "format": FORMAT_VERSION,
        "created": now.isoformat(timespec="seconds"),
        "engine": connection.vendor,
        "database": database_file,
        "tables": counts,
        "files": files,
    }
    (target / "manifest.json").write_text(json.dumps(manifest, indent=2, ensure_ascii=False) + "\n")
    return target


def _backup_postgresql(target: Path) -> tuple[dict[str, int], str]:
    """pg_dump in the snapshot in which the rows are counted, so that the counts describe the dump exactly."""
    skip = _cache_table()
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        cursor.execute("SELECT pg_export_snapshot()")
        snapshot = cursor.fetchone()[0]
        counts = _counts(cursor, [t for t in connection.introspection.table_names(cursor) if t != skip])
        command = ["pg_dump", "--format=custom", f"--snapshot={snapshot}", f"--file={target / 'database.dump'}"]
        if skip:
            command.append(f"--exclude-table-data={skip}")
        _run(command, _pg_env())
    return counts, "database.dump"


def _backup_sqlite(target: Path) -> tuple[dict[str, int], str]:
    copy = target / "database.sqlite3"
    source = sqlite3.connect(connection.settings_dict["NAME"])
    destination = sqlite3.connect(copy)
    try:
        source.backup(destination)  # the online backup API: a consistent copy while others read and write
        skip = _cache_table()
        if skip:
            destination.execute(f'DELETE FROM "{skip}"')
            destination.commit()
        tables = [row[0] for row in destination.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
        counts = {
            table: destination.execute(f'SELECT COUNT(*) FROM "{table}"').fetchone()[0]
            for table in sorted(tables)
            if table != skip and not table.startswith("sqlite_")
        }
    finally:
        destination.close()
        source.close()
    return counts, "database.sqlite3"


# --- restore -----------------------------------------------------------------------------------------------------


def read_manifest(source: Path) -> dict:
    try:
        manifest = json.loads((Path(source) / "manifest.json").read_text())
    except FileNotFoundError:
        raise BackupError(f"{source} is not a backup of the registry (no manifest.json).") from None
    if manifest.get("format") != FORMAT_VERSION:
        raise BackupError(f"Unknown backup format {manifest.get('format')!r}.")
    return manifest


def restore(source: Path) -> dict:
    """Replace the configured database and file directories with the backup in `source`; return what differs from
    the manifest afterwards ({} when every table count and file matches).

    The directories are not emptied: each is moved aside to `<dir>.before-restore-<time>` (delete it once the
    restore is checked) and the archive is unpacked in its place.
    """
    source = Path(source)
    manifest = read_manifest(source)
    if manifest["engine"] != connection.vendor:
        raise BackupError(
            f"The backup holds a {manifest['engine']} database; DATABASE_URL points to {connection.vendor}."
        )
    if connection.vendor == "postgresql":
        connection.close()
        _run(
            ["pg_restore", "--clean", "--if-exists", "--no-owner", "--no-privileges", "--single-transaction",
             "--exit-on-error", f"--dbname={connection.settings_dict['NAME']}", str(source / manifest["database"])],
            _pg_env(),
        )  # fmt: skip
    else:
        connection.close()
        database = Path(connection.settings_dict["NAME"])
        database.parent.mkdir(parents=True, exist_ok=True)
        backup_copy = sqlite3.connect(source / manifest["database"])
        live = sqlite3.connect(database)
        try:
            backup_copy.backup(live)
        finally:
            live.close()
            backup_copy.close()
    cache.clear()  # pages and counters of the data before the restore

    stamp = datetime.datetime.now().strftime("%Y%m%d-%H%M%S")
    roots = file_roots()
    for name, entry in manifest["files"].items():
        root = roots.get(name) or Path(getattr(settings, name, None) or entry["path"]).resolve()
        if root.exists():
            root.rename(root.with_name(f"{root.name}.before-restore-{stamp}"))
        root.mkdir(parents=True)
        with tarfile.open(source / entry["archive"], "r:gz") as tar:
            tar.extractall(root, filter="data")
    return differences(manifest)


def differences(manifest: dict) -> dict:
    """What the configured database and directories hold that the manifest does not say (tables and files)."""
    found = {}
    counts = table_counts()
    tables = {t: (n, counts.get(t)) for t, n in manifest["tables"].items() if counts.get(t) != n}
    if tables:
        found["tables"] = tables
    roots = file_roots()
    for name, entry in manifest["files"].items():
        root = roots.get(name) or Path(getattr(settings, name, None) or entry["path"]).resolve()
        if file_digests(root) != entry["sha256"]:
            found.setdefault("files", []).append(name)
    return found
