"""Private files: import uploads, rejects files and the files of background jobs such as reports (they hold NIK,
phones, e-mail addresses).

They live under PRIVATE_FILES_ROOT, outside MEDIA_ROOT, so no web server or proxy ever serves them as media; they
are stored under random names (the uploaded name stays in the database only) and reach a browser only through a
view that checks the owner (`private_file_response`). `private_files_purge()` deletes them after
PRIVATE_FILES_RETENTION_DAYS, keeping the rows that describe them.
"""

from __future__ import annotations

import os
import secrets
import time
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

from django.apps import apps
from django.conf import settings
from django.core import checks
from django.core.files.storage import FileSystemStorage
from django.http import FileResponse, Http404
from django.utils import timezone
from django.utils.deconstruct import deconstructible
from django.utils.module_loading import import_string


@deconstructible(path="ikm_registry.private_files.PrivateStorage")
class PrivateStorage(FileSystemStorage):
    """FileSystemStorage rooted at PRIVATE_FILES_ROOT (read when used, so tests may change it), with no URL."""

    def __init__(self):
        super().__init__()

    @property
    def base_location(self):
        return settings.PRIVATE_FILES_ROOT

    @property
    def location(self):
        return os.path.abspath(self.base_location)

    @property
    def base_url(self):
        return None

    def url(self, name):
        raise ValueError("A private file has no public address; serve it through a view that checks its owner.")


private_storage = PrivateStorage()


def random_name(folder: str, filename: str) -> str:
    """`folder/<random>.<ext of filename>`: the address says nothing about the file or its owner."""
    suffix = Path(filename or "").suffix.lower()
    if not suffix[1:].isalnum() or len(suffix) > 6:
        suffix = ""
    return f"{folder}/{secrets.token_urlsafe(18)}{suffix}"


# The folders under PRIVATE_FILES_ROOT that private files are written to; the purge sweeps orphans in these only.
IMPORTS, REJECTS, REPORTS, JOBS = "imports", "rejects", "reports", "jobs"
FOLDERS = (IMPORTS, REJECTS, REPORTS, JOBS)


def import_upload_to(instance, filename: str) -> str:
    return random_name(IMPORTS, filename)


def rejects_upload_to(instance, filename: str) -> str:
    return random_name(REJECTS, filename)


def report_upload_to(instance, filename: str) -> str:
    """Kept for migration 0004, which named it."""
    return random_name(REPORTS, filename)


def job_upload_to(instance, filename: str) -> str:
    """The result file of a background job, in the folder its kind names (JobKind.file_folder)."""
    from ikm_registry.jobs import job_kind

    try:
        folder = job_kind(instance.kind).file_folder
    except LookupError:
        folder = JOBS
    return random_name(folder if folder in FOLDERS else JOBS, filename)


def private_file_response(field_file, *, filename: str) -> FileResponse:
    """The file as an attachment named `filename`; 404 when the file was purged or is missing. The caller has
    checked that the user owns it."""
    if not field_file or not field_file.storage.exists(field_file.name):
        raise Http404
    return FileResponse(field_file.open("rb"), as_attachment=True, filename=filename)


# --- retention ----------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class PrivateFileKind:
    """A model field holding private files and the date field from which its retention counts."""

    model: str  # app_label.ModelName
    field: str
    since: str


KINDS = (
    PrivateFileKind("ikm_registry.TabularImport", "file", "uploaded_at"),
    PrivateFileKind("ikm_registry.TabularImport", "rejects_file", "uploaded_at"),
    PrivateFileKind("ikm_registry.Job", "file", "created_at"),
)


@dataclass(frozen=True)
class PrivateDataKind:
    """Personal data that rows keep beside their private files (e.g. what a check found in an upload), cleared at
    the same age: `clear` (a dotted path) is called with the queryset of the model's rows past retention and
    `dry_run`, and returns how many rows it cleared (or would clear)."""

    model: str  # app_label.ModelName
    since: str
    clear: str


DATA_KINDS = (
    PrivateDataKind("ikm_registry.TabularImport", "uploaded_at", "ikm_registry.tabular.uploads.summaries_purge"),
)


@dataclass
class PurgeResult:
    files: int = 0  # files deleted that a row pointed to (the row stays, its field emptied)
    orphans: int = 0  # files no row points to
    records: int = 0  # rows whose other personal data was cleared (their counts stay)


def private_files_purge(*, days: int | None = None, dry_run: bool = False) -> PurgeResult:
    """Delete private files older than `days` (default PRIVATE_FILES_RETENTION_DAYS).

    The rows stay (their counts, who and when): only their file field is emptied, and the personal data they hold
    beside it (DATA_KINDS) is cleared. Files in the folders private files
    are written to (imports/, rejects/, reports/, jobs/) that no row names (left by an interrupted upload, or moved there
    from MEDIA_ROOT on upgrade) go by their age; nothing else under PRIVATE_FILES_ROOT is touched, should it be set to
    a directory that holds other files too.
    """
    days = settings.PRIVATE_FILES_RETENTION_DAYS if days is None else days
    cutoff = timezone.now() - timedelta(days=days)
    result = PurgeResult()
    known: set[str] = set()
    for kind in KINDS:
        model = apps.get_model(kind.model)
        rows = model.objects.exclude(**{kind.field: ""}).exclude(**{f"{kind.field}__isnull": True})
        for pk, name, since in rows.values_list("pk", kind.field, kind.since).iterator():
            known.add(name)
            if since >= cutoff:
                continue
            result.files += 1
            if not dry_run:
                private_storage.delete(name)
                model.objects.filter(pk=pk).update(**{kind.field: ""})
    for kind in DATA_KINDS:
        rows = apps.get_model(kind.model).objects.filter(**{f"{kind.since}__lt": cutoff})
        result.records += import_string(kind.clear)(rows, dry_run=dry_run)
    root = Path(private_storage.location)
    oldest = time.time() - days * 86400
    for path in (path for folder in FOLDERS for path in _files_under(root / folder)):
        name = path.relative_to(root).as_posix()
        if name in known:
            continue
        try:
            if path.stat().st_mtime >= oldest:
                continue
        except FileNotFoundError:
            continue
        result.orphans += 1
        if not dry_run:
            path.unlink(missing_ok=True)
    return result


def _files_under(root: Path) -> Iterable[Path]:
    if not root.is_dir():
        return []
    return [path for path in root.rglob("*") if path.is_file()]


# --- configuration --------------------------------------------------------------------------------------------------


@checks.register(checks.Tags.security)
def check_private_files_root(app_configs=None, **kwargs) -> list[checks.CheckMessage]:
    """PRIVATE_FILES_ROOT must not lie inside MEDIA_ROOT or STATIC_ROOT (served to anyone), nor hold them."""
    private = Path(os.path.abspath(settings.PRIVATE_FILES_ROOT))
    problems = []
    for name in ("MEDIA_ROOT", "STATIC_ROOT"):
        public = getattr(settings, name, None)
        if not public:
            continue
        public = Path(os.path.abspath(public))
        if private == public or public in private.parents or private in public.parents:
            problems.append(
                checks.Error(
                    f"PRIVATE_FILES_ROOT ({private}) overlaps {name} ({public}).",
                    hint=f"Private files (NIK, phones) must live outside {name}, which is served to anyone; set "
                    "PRIVATE_FILES_ROOT to a directory of its own.",
                    id="private_files.E001",
                )
            )
    return problems
