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
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

from django.apps import apps
from django.conf import settings
from django.core import checks
from django.core.files.storage import FileSystemStorage, Storage, storages
from django.http import FileResponse, Http404
from django.utils import timezone
from django.utils.deconstruct import deconstructible
from django.utils.module_loading import import_string


class PrivateFileSystemStorage(FileSystemStorage):
    """FileSystemStorage rooted at PRIVATE_FILES_ROOT (read when used, so tests may change it), with no URL: the
    storage of private files unless AWS_PRIVATE_STORAGE_BUCKET_NAME puts them on object storage
    (ikm_registry/object_storage.py)."""

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


@deconstructible(path="ikm_registry.private_files.PrivateStorage")
class PrivateStorage(Storage):
    """The storage of private files: every call goes to STORAGES["private"] (PrivateFileSystemStorage, or
    PrivateS3Storage on object storage), looked up when used, so a test's override of STORAGES applies. Model fields
    and migrations name this class whatever the backend (the choice is the environment's, not a schema change, and
    no bucket or key is ever written into a migration). It never gives an address, whatever the backend."""

    @property
    def backend(self) -> Storage:
        return storages[PRIVATE]

    def url(self, name):
        raise ValueError("A private file has no public address; serve it through a view that checks its owner.")

    def open(self, name, mode="rb"):
        return self.backend.open(name, mode)

    def save(self, name, content, max_length=None):
        return self.backend.save(name, content, max_length=max_length)

    def get_valid_name(self, name):
        return self.backend.get_valid_name(name)

    def get_alternative_name(self, file_root, file_ext):
        return self.backend.get_alternative_name(file_root, file_ext)

    def get_available_name(self, name, max_length=None):
        return self.backend.get_available_name(name, max_length=max_length)

    def generate_filename(self, filename):
        return self.backend.generate_filename(filename)

    def path(self, name):
        return self.backend.path(name)

    def delete(self, name):
        return self.backend.delete(name)

    def exists(self, name):
        return self.backend.exists(name)

    def listdir(self, path):
        return self.backend.listdir(path)

    def size(self, name):
        return self.backend.size(name)

    def get_accessed_time(self, name):
        return self.backend.get_accessed_time(name)

    def get_created_time(self, name):
        return self.backend.get_created_time(name)

    def get_modified_time(self, name):
        return self.backend.get_modified_time(name)

    def __getattr__(self, name):  # the backend's own attributes: location, bucket_name, ...
        if name.startswith("__"):
            raise AttributeError(name)
        return getattr(self.backend, name)


PRIVATE = "private"  # the alias in STORAGES
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
    for name in (name for folder in FOLDERS for name in stored_names(private_storage, folder)):
        if name in known:
            continue
        try:
            if private_storage.get_modified_time(name) >= cutoff:
                continue
        except FileNotFoundError:
            continue
        result.orphans += 1
        if not dry_run:
            private_storage.delete(name)
    return result


def stored_names(storage, folder: str) -> Iterator[str]:
    """Every file name under `folder` in `storage`, recursively, through the storage's API (a directory on disk or a
    prefix in a bucket). Also the photo purge's listing (businesses.photos.stored_files)."""
    try:
        directories, files = storage.listdir(folder)
    except FileNotFoundError:
        return
    for file in files:
        yield f"{folder}/{file}"
    for directory in directories:
        yield from stored_names(storage, f"{folder}/{directory}")


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
