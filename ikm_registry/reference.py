"""Reference-data imports: Kemendagri regions and KBLI 2020."""

from __future__ import annotations

import csv
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from ikm_registry.choices import KbliLevel, RegionKind, RegionLevel
from ikm_registry.models import Kbli, Region
from ikm_registry.numbers import thousands
from ikm_registry.public_cache import bump_public_version
from ikm_registry.text import whitespace_collapsed
from ikm_registry.vocabulary import vocabulary_add

BATCH_SIZE = 2000

# (file name, level, column that holds the parent code)
REGION_FILES = (
    ("provinces.csv", RegionLevel.PROVINCE, None),
    ("regencies.csv", RegionLevel.REGENCY, "province_code"),
    ("districts.csv", RegionLevel.DISTRICT, "regency_code"),
    ("villages.csv", RegionLevel.VILLAGE, "district_code"),
)
REGION_KINDS = {
    "KABUPATEN": RegionKind.KABUPATEN,
    "KOTA": RegionKind.KOTA,
    "DESA": RegionKind.DESA,
    "KELURAHAN": RegionKind.KELURAHAN,
}


@dataclass
class ImportCounts:
    """What an import did to one table."""

    label: str
    rows: int = 0
    created: int = 0
    updated: int = 0

    def __str__(self):
        return _("%(label)s: %(rows)s baris, %(created)s baru, %(updated)s diperbarui, %(same)s tetap") % {
            "label": self.label,
            "rows": thousands(self.rows),
            "created": thousands(self.created),
            "updated": thousands(self.updated),
            "same": thousands(self.rows - self.created - self.updated),
        }


def _read_csv(path: Path, required: Iterable[str]) -> list[dict[str, str]]:
    if not path.is_file():
        raise ValidationError(_("Berkas %(path)s tidak ditemukan.") % {"path": path})
    with path.open(newline="", encoding="utf-8-sig") as handle:
        reader = csv.DictReader(handle)
        missing = set(required) - set(reader.fieldnames or [])
        if missing:
            raise ValidationError(
                _("Berkas %(path)s tidak memiliki kolom: %(columns)s.")
                % {"path": path, "columns": ", ".join(sorted(missing))}
            )
        return [{key: (value or "").strip() for key, value in row.items()} for row in reader]


def _upsert(model, rows: dict[str, dict], fields: list[str], counts: ImportCounts, progress: Callable[[str], None]):
    """Create the codes that are new and update those whose fields changed; leave the rest alone."""
    existing = {obj.pk: obj for obj in model.objects.filter(pk__in=list(rows)).only(*fields)} if rows else {}
    to_create, to_update = [], []
    for code, values in rows.items():
        obj = existing.get(code)
        if obj is None:
            to_create.append(model(pk=code, **values))
        elif any(getattr(obj, field) != values[field] for field in fields):
            for field, value in values.items():
                setattr(obj, field, value)
            to_update.append(obj)
    for start in range(0, len(to_create), BATCH_SIZE):
        model.objects.bulk_create(to_create[start : start + BATCH_SIZE])
        progress(
            _("  %(label)s: %(done)s dari %(total)s dibuat")
            % {
                "label": counts.label,
                "done": thousands(min(start + BATCH_SIZE, len(to_create))),
                "total": thousands(len(to_create)),
            }
        )
    if to_update:
        model.objects.bulk_update(to_update, fields, batch_size=BATCH_SIZE)
    counts.rows, counts.created, counts.updated = len(rows), len(to_create), len(to_update)


REGION_CODE_PATTERNS = {
    RegionLevel.PROVINCE: re.compile(r"[0-9]{2}"),
    RegionLevel.REGENCY: re.compile(r"[0-9]{2}\.[0-9]{2}"),
    RegionLevel.DISTRICT: re.compile(r"[0-9]{2}\.[0-9]{2}\.[0-9]{2}"),
    RegionLevel.VILLAGE: re.compile(r"[0-9]{2}\.[0-9]{2}\.[0-9]{2}\.[0-9]{4}"),
}
KBLI_CODE_PATTERNS = {
    KbliLevel.SECTION: re.compile(r"[A-Z]"),
    KbliLevel.DIVISION: re.compile(r"[0-9]{2}"),
    KbliLevel.GROUP: re.compile(r"[0-9]{3}"),
    KbliLevel.CLASS: re.compile(r"[0-9]{4}"),
    KbliLevel.SUBCLASS: re.compile(r"[0-9]{5}"),
}


def _region_code_problem(code: str, parent_code: str | None, level: str) -> str | None:
    """The same rules as Region's database constraint, checked in Python so a 90k-row file needs no query per row."""
    if not REGION_CODE_PATTERNS[level].fullmatch(code):
        return _("kode %(code)s tidak sesuai tingkat %(level)s") % {"code": code, "level": RegionLevel(level).label}
    if parent_code and not code.startswith(parent_code + "."):
        return _("kode %(code)s tidak diawali kode induk %(parent)s") % {"code": code, "parent": parent_code}
    return None


@transaction.atomic
def regions_import(*, directory: Path, progress: Callable[[str], None] = lambda message: None) -> list[ImportCounts]:
    """Load Kemendagri regions from provinces/regencies/districts/villages.csv; idempotent, all or nothing.

    Every parent must exist in the files or in the database already, so a partial update (one province's
    files) works as well as the full national set.
    """
    directory = Path(directory)
    result = []
    names = []
    known = set(Region.objects.values_list("code", flat=True))
    for filename, level, parent_column in REGION_FILES:
        path = directory / filename
        columns = ["code", "name"] + ([parent_column] if parent_column else [])
        rows = {}
        for line, row in enumerate(_read_csv(path, columns), start=2):
            code, parent_code = row["code"], row.get(parent_column) if parent_column else None
            problem = _region_code_problem(code, parent_code, level)
            if problem:
                raise ValidationError(
                    _("%(path)s baris %(line)s: %(problem)s.") % {"path": filename, "line": line, "problem": problem}
                )
            if parent_code and parent_code not in known:
                raise ValidationError(
                    _("%(path)s baris %(line)s: induk %(parent)s dari kode %(code)s tidak ada.")
                    % {"path": filename, "line": line, "parent": parent_code, "code": code}
                )
            if not row["name"]:
                raise ValidationError(_("%(path)s baris %(line)s: nama kosong.") % {"path": filename, "line": line})
            kind = row.get("type", "").upper()
            if kind and kind not in REGION_KINDS:
                raise ValidationError(
                    _("%(path)s baris %(line)s: jenis %(kind)s tidak dikenal.")
                    % {"path": filename, "line": line, "kind": kind}
                )
            rows[code] = {
                "name": whitespace_collapsed(row["name"]),
                "level": level,
                "kind": REGION_KINDS.get(kind, ""),
                "parent_id": parent_code or None,
            }
        counts = ImportCounts(label=filename)
        _upsert(Region, rows, ["name", "level", "kind", "parent_id"], counts, progress)
        known.update(rows)
        names.extend(values["name"] for values in rows.values())
        progress(str(counts))
        result.append(counts)
    bump_public_version()  # bulk writes send no signals; runs after commit
    vocabulary_add(names)  # region names are words people search for ("Maksud Anda", ikm_registry/vocabulary.py)
    return result


KBLI_ORDER = [KbliLevel.SECTION, KbliLevel.DIVISION, KbliLevel.GROUP, KbliLevel.CLASS, KbliLevel.SUBCLASS]


@transaction.atomic
def kbli_import(*, path: Path, progress: Callable[[str], None] = lambda message: None) -> ImportCounts:
    """Load KBLI 2020 (code,title,level,parent_code); parents before children; idempotent, all or nothing."""
    path = Path(path)
    rows = {}
    for line, row in enumerate(_read_csv(path, ["code", "title", "level", "parent_code"]), start=2):
        code, level, parent = row["code"], row["level"], row["parent_code"] or None
        reasons = []
        if level not in KBLI_ORDER:
            reasons.append(_("tingkat %(level)s tidak dikenal") % {"level": level})
        else:
            if not KBLI_CODE_PATTERNS[level].fullmatch(code):
                reasons.append(_("kode tidak sesuai tingkat %(level)s") % {"level": KbliLevel(level).label})
            if level != KbliLevel.SECTION and not parent:
                reasons.append(_("induk kosong"))
        if not row["title"]:
            reasons.append(_("judul kosong"))
        if reasons:
            raise ValidationError(
                _("%(path)s baris %(line)s: kode %(code)s tidak valid (%(reason)s).")
                % {"path": path.name, "line": line, "code": code, "reason": "; ".join(reasons)}
            )
        rows[code] = {"title": whitespace_collapsed(row["title"]), "level": level, "parent_id": parent}
    known = set(Kbli.objects.values_list("code", flat=True)) | set(rows)
    for code, values in rows.items():
        if values["parent_id"] and values["parent_id"] not in known:
            raise ValidationError(
                _("%(path)s: induk %(parent)s dari kode %(code)s tidak ada.")
                % {"path": path.name, "parent": values["parent_id"], "code": code}
            )
    ordered = dict(sorted(rows.items(), key=lambda item: KBLI_ORDER.index(item[1]["level"])))
    counts = ImportCounts(label=path.name)
    _upsert(Kbli, ordered, ["title", "level", "parent_id"], counts, progress)
    progress(str(counts))
    bump_public_version()  # bulk writes send no signals; runs after commit
    vocabulary_add(values["title"] for values in rows.values())
    return counts
