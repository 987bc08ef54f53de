"""Business import (DESIGN §8): one engine behind the `import_businesses` command and the admin's upload page.

Planning reads a CSV or XLSX file, checks every row (parsing, the model validators and full_clean of Business,
Owner and BusinessYear, references, the importing user's region, duplicates within the file) and matches rows to
registered businesses — by NIB, else by name + owner + desa — with a few bulk queries, never one per row. The plan
says which rows would be created, updated (only when something differs) or left unchanged, and names every
problem by spreadsheet row (header = row 1), column and reason. Applying writes a plan in one transaction with
bulk inserts and updates that also write history rows naming the importing user; by default nothing is written
when any row is invalid.
"""

from __future__ import annotations

import csv
import functools
import io
import itertools
import re
import unicodedata
import zipfile
from collections.abc import Callable
from contextlib import contextmanager
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path
from xml.etree import ElementTree

import openpyxl
from django.conf import settings
from django.core.exceptions import NON_FIELD_ERRORS, ImproperlyConfigured, PermissionDenied, ValidationError
from django.db import IntegrityError, connection, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from businesses import validators as v
from businesses.choices import BusinessStatus, KbliLevel, LegalForm, RegionLevel, Sex
from businesses.forms import parse_decimal, parse_rupiah
from businesses.models import Business, BusinessYear, CreativeSubsector, Kbli, Owner, Region, whitespace_collapsed
from businesses.services.duplicates import business_match_key
from businesses.services.layout import COLUMNS, CSV_DELIMITER, REASON_COLUMN, REQUIRED, YEARLY, cell_text, neutralise
from businesses.services.reference import thousands
from businesses.services.workflow import BUSINESS_WORKFLOW
from ikm_registry.history import mask
from ikm_registry.public_cache import bump_public_version
from ikm_registry.scoping import CHANGE, CommandLine, scope_for

BATCH_SIZE = 1000
PROGRESS_EVERY = 1000
# SQLite allows 32,766 parameters in one statement; stay well below for `__in` lookups.
IN_CHUNK = 900

# Statuses a file may give a new business; the rest are reached only through the review workflow.
IMPORT_STATUSES = (BusinessStatus.DRAFT, BusinessStatus.SUBMITTED, BusinessStatus.VERIFIED, BusinessStatus.PUBLISHED)
DEFAULT_STATUS = BusinessStatus.VERIFIED

# column → model field, per model
BUSINESS_FIELDS = {
    "nama_usaha": "name",
    "nib": "nib",
    "bentuk_usaha": "legal_form",
    "alamat": "address",
    "kode_wilayah": "village",
    "kbli": "kbli",
    "subsektor_ekraf": "subsector",
    "produk_utama": "main_product",
    "tahun_berdiri": "year_founded",
    "latitude": "latitude",
    "longitude": "longitude",
}
OWNER_FIELDS = {
    "nama_pemilik": "name",
    "nik_pemilik": "nik",
    "jenis_kelamin_pemilik": "sex",
    "telepon": "phone",
    "email": "email",
}
YEAR_FIELDS = {
    "tenaga_kerja_laki": "workforce_male",
    "tenaga_kerja_perempuan": "workforce_female",
    "nilai_investasi": "investment",
    "omzet_tahunan": "turnover",
    "kapasitas_produksi": "production_capacity",
    "satuan_kapasitas": "capacity_unit",
    "nilai_produksi": "production_value",
}
# Foreign keys are resolved in bulk from the codes in the file; full_clean would query each one again.
BUSINESS_FK_COLUMNS = {"kode_wilayah": "village_id", "kbli": "kbli_id", "subsektor_ekraf": "subsector_id"}
MODEL_FIELDS = {Business: BUSINESS_FIELDS, Owner: OWNER_FIELDS, BusinessYear: YEAR_FIELDS}


def _attname(column: str, fields: dict[str, str]) -> str:
    return BUSINESS_FK_COLUMNS.get(column) or fields[column]


def _unchecked(model, fields: dict[str, str], present: set[str]) -> list[str]:
    """The fields of `model` full_clean skips: those the file does not set, and the resolved foreign keys."""
    checked = {name for column, name in fields.items() if column in present and column not in BUSINESS_FK_COLUMNS}
    return [model_field.name for model_field in model._meta.concrete_fields if model_field.name not in checked]


class Action:
    CREATE = "create"
    UPDATE = "update"
    UNCHANGED = "unchanged"
    INVALID = "invalid"

    labels = {
        CREATE: gettext_lazy("baru"),
        UPDATE: gettext_lazy("diperbarui"),
        UNCHANGED: gettext_lazy("tetap"),
        INVALID: gettext_lazy("tidak valid"),
    }


@dataclass(frozen=True)
class RowError:
    """One problem: the spreadsheet row (header = row 1), the column ('' for the whole row) and the reason."""

    row: int
    column: str
    message: str

    def __str__(self):
        if self.column:
            return _("baris %(row)s, kolom %(column)s: %(message)s") % {
                "row": self.row,
                "column": self.column,
                "message": self.message,
            }
        return _("baris %(row)s: %(message)s") % {"row": self.row, "message": self.message}


@dataclass
class RowOutcome:
    """What the import does with one row, for the preview and the report."""

    row: int
    action: str = Action.UNCHANGED
    name: str = ""
    village: str = ""
    business_id: int | None = None
    changed: list[str] = field(default_factory=list)  # columns whose value changes an existing business
    # (column, old, new) as shown to staff (NIK masked) for each column that changes an existing business
    changes: list[tuple[str, str, str]] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def action_label(self) -> str:
        return str(Action.labels[self.action])

    def describe_changes(self) -> str:
        """`kolom: 'lama' → 'baru'; …` for the command's report."""
        return "; ".join(f"{column}: {old or '—'} → {new or '—'}" for column, old, new in self.changes)


@dataclass
class _Write:
    """The objects one valid row creates or changes, and which of their fields change."""

    business: Business
    owner: Owner | None
    year: BusinessYear | None
    business_fields: list[str] = field(default_factory=list)
    owner_fields: list[str] = field(default_factory=list)
    year_fields: list[str] = field(default_factory=list)

    @property
    def is_new(self) -> bool:
        return self.business.pk is None


@dataclass
class ImportPlan:
    """The checked file: what would be created, updated, left alone, and which rows are invalid and why."""

    filename: str
    year: int
    columns: list[str]
    delimiter: str
    rows: list[RowOutcome] = field(default_factory=list)
    writes: list[_Write] = field(default_factory=list, repr=False)
    # (row number, raw cells in file order, errors) of each invalid row, for the rejects file
    rejected: list[tuple[int, list, list[RowError]]] = field(default_factory=list, repr=False)

    def count(self, action: str) -> int:
        return sum(1 for row in self.rows if row.action == action)

    @property
    def counts(self) -> dict[str, int]:
        return {
            "rows": len(self.rows),
            "created": self.count(Action.CREATE),
            "updated": self.count(Action.UPDATE),
            "unchanged": self.count(Action.UNCHANGED),
            "invalid": self.count(Action.INVALID),
        }

    @property
    def errors(self) -> list[RowError]:
        return [error for row in self.rows for error in row.errors]

    @property
    def notes(self) -> list[tuple[int, str]]:
        return [(row.row, note) for row in self.rows for note in row.notes]

    def summary(self) -> str:
        counts = {key: thousands(value) for key, value in self.counts.items()}
        return (
            _("%(rows)s baris: %(created)s baru, %(updated)s diperbarui, %(unchanged)s tetap, %(invalid)s tidak valid")
            % counts
        )

    def write_rejects(self, handle) -> int:
        """Write the invalid rows, in the file's own columns plus `alasan`, as CSV to a text handle."""
        writer = csv.writer(handle, delimiter=self.delimiter)
        writer.writerow([*self.columns, REASON_COLUMN])
        for _row, cells, errors in self.rejected:
            reasons = "; ".join(
                f"{error.column}: {error.message}" if error.column else error.message for error in errors
            )
            writer.writerow([neutralise(cell_text(cell)) for cell in cells] + [neutralise(reasons)])
        return len(self.rejected)


@dataclass
class ImportResult:
    """What applying a plan did. `written` is False when nothing was written (invalid rows, no --skip-invalid)."""

    plan: ImportPlan
    written: bool
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    invalid: int = 0


def _no_progress(message: str) -> None:
    pass


# --- reading ------------------------------------------------------------------------------------------------------


def _file_error(message: str) -> ValidationError:
    return ValidationError(message, code="import_file")


@contextmanager
def _open_binary(source):
    """A seekable binary handle for a path or an open file (Django File, BytesIO, ...), rewound to the start."""
    if isinstance(source, str | Path):
        with open(source, "rb") as handle:
            yield handle
        return
    if hasattr(source, "seek"):
        source.seek(0)
    yield source


# --- limits (zip bombs, huge files) ---------------------------------------------------------------------------------

XLSX_MAGIC = b"PK\x03\x04"
MEGABYTE = 1024 * 1024
# A member smaller than this may be compressed any amount (a sheet of blanks); the unpacked total still counts.
RATIO_FREE_BYTES = MEGABYTE
_ROW_TAG = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?row[\s>/]")
_RELATIONSHIP_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"


def _limit_error(message: str) -> ValidationError:
    return ValidationError(message, code="import_limit")


def _too_big(size: int) -> ValidationError:
    return _limit_error(
        _(
            "Berkas terlalu besar: isinya %(size)s MB, paling besar %(max)s MB. Bagi menjadi beberapa berkas "
            "(mis. per kecamatan)."
        )
        % {"size": thousands(-(-size // MEGABYTE)), "max": thousands(settings.IMPORT_MAX_UNPACKED_MB)}
    )


def _too_many_rows() -> ValidationError:
    return _limit_error(
        _("Berkas berisi lebih dari %(max)s baris data; bagi menjadi beberapa berkas (mis. per kecamatan).")
        % {"max": thousands(settings.IMPORT_MAX_ROWS)}
    )


def _first_sheet(archive: zipfile.ZipFile) -> str | None:
    """The archive path of the workbook's first sheet (the one openpyxl's worksheets[0] reads)."""
    try:
        workbook = ElementTree.fromstring(archive.read("xl/workbook.xml"))
        relations = ElementTree.fromstring(archive.read("xl/_rels/workbook.xml.rels"))
    except (KeyError, ElementTree.ParseError):
        return None
    sheet = next((element for element in workbook.iter() if element.tag.endswith("}sheet")), None)
    if sheet is None:
        return None
    relation_id = sheet.get(f"{{{_RELATIONSHIP_NS}}}id")
    for relation in relations:
        if relation.get("Id") == relation_id:
            target = relation.get("Target", "")
            return target.lstrip("/") if target.startswith("/") else f"xl/{target}"
    return None


def _count_tags(member) -> int:
    """Row elements in a sheet's XML, read in chunks (a tag cut between two chunks is counted once)."""
    count, carry = 0, b""
    while chunk := member.read(MEGABYTE):
        data = carry + chunk
        limit = max(len(data) - 64, 0)  # matches starting in the last bytes are counted with the next chunk
        count += sum(1 for match in _ROW_TAG.finditer(data) if match.start() < limit)
        carry = data[limit:]
    return count + len(_ROW_TAG.findall(carry))


def _within_row_limit(rows: int) -> int:
    """Rows of a file (blank ones included) may be up to twice the limit of data rows (read_rows counts exactly)."""
    if rows > 2 * settings.IMPORT_MAX_ROWS + 1:
        raise _too_many_rows()
    return rows


def inspect_file(source) -> int:
    """Check a CSV or XLSX file against the import limits before anything parses it; return its number of rows
    (header included; for a CSV, line breaks inside cells count as rows).

    An XLSX is a zip archive: the sizes its members unpack to are read from the archive's directory (zipfile never
    unpacks more than that), so a 2 MB file that would unpack to gigabytes (a zip bomb) is refused at once.
    Raises ValidationError naming the limit.
    """
    with _open_binary(source) as handle:
        magic = handle.read(len(XLSX_MAGIC))
        handle.seek(0)
        max_bytes = settings.IMPORT_MAX_UNPACKED_MB * MEGABYTE
        if magic != XLSX_MAGIC:
            handle.seek(0, io.SEEK_END)
            size = handle.tell()
            handle.seek(0)
            if size > max_bytes:
                raise _too_big(size)
            lines, last = 0, b""
            while chunk := handle.read(MEGABYTE):
                lines += chunk.count(b"\n")
                last = chunk[-1:]
            handle.seek(0)
            return _within_row_limit(lines + (1 if last not in (b"", b"\n") else 0))
        try:
            with zipfile.ZipFile(handle) as archive:
                members = archive.infolist()
                unpacked = sum(info.file_size for info in members)
                if unpacked > max_bytes:
                    raise _too_big(unpacked)
                for info in members:
                    ratio = info.file_size / max(info.compress_size, 1)
                    if info.file_size > RATIO_FREE_BYTES and ratio > settings.IMPORT_MAX_COMPRESSION_RATIO:
                        raise _limit_error(
                            _(
                                "Berkas XLSX ditolak: bagian %(member)s memuai %(ratio)s kali saat dibuka (paling "
                                "banyak %(max)s kali), seperti bom zip. Simpan ulang dari Excel atau kirim sebagai CSV."
                            )
                            % {
                                "member": info.filename,
                                "ratio": thousands(int(ratio)),
                                "max": thousands(settings.IMPORT_MAX_COMPRESSION_RATIO),
                            }
                        )
                sheet = _first_sheet(archive)
                if sheet is None or sheet not in archive.namelist():
                    return 0
                with archive.open(sheet) as member:
                    return _within_row_limit(_count_tags(member))
        except (zipfile.BadZipFile, zipfile.LargeZipFile, NotImplementedError, EOFError, OSError) as error:
            raise _file_error(_("Berkas XLSX tidak dapat dibaca (%(error)s).") % {"error": error}) from error
        finally:
            handle.seek(0)


def _sniff_delimiter(header_line: str) -> str:
    """Comma, semicolon (Excel in an Indonesian locale) or tab: whichever separates the header line most."""
    return max((",", ";", "\t"), key=header_line.count)


@contextmanager
def _table(source):
    """Yield (delimiter, rows): rows is an iterator of lists of cell values, the header first."""
    with _open_binary(source) as handle:
        magic = handle.read(8)
        handle.seek(0)
        if magic.startswith(XLSX_MAGIC):
            inspect_file(handle)  # sizes and compression before openpyxl unpacks anything
            try:
                workbook = openpyxl.load_workbook(handle, read_only=True, data_only=True)
            except Exception as error:  # openpyxl raises zipfile, KeyError and XML errors for damaged files
                raise _file_error(_("Berkas XLSX tidak dapat dibaca (%(error)s).") % {"error": error}) from error
            try:
                sheet = workbook.worksheets[0]
                sheet.reset_dimensions()  # some writers store wrong dimensions; read what is really there
                yield CSV_DELIMITER, (list(row) for row in sheet.iter_rows(values_only=True))
            finally:
                workbook.close()
            return
        if magic.startswith(b"\xd0\xcf\x11\xe0"):
            raise _file_error(_("Berkas Excel lama (.xls) tidak didukung; simpan sebagai .xlsx atau CSV UTF-8."))
        handle.seek(0, io.SEEK_END)
        if handle.tell() > settings.IMPORT_MAX_UNPACKED_MB * MEGABYTE:
            raise _too_big(handle.tell())
        handle.seek(0)
        text = io.TextIOWrapper(handle, encoding="utf-8-sig", newline="")
        try:
            first = text.readline()
            delimiter = _sniff_delimiter(first)
            yield delimiter, csv.reader(itertools.chain([first], text), delimiter=delimiter)
        finally:
            text.detach()  # leave the caller's file open


def _header(cells: list) -> tuple[list[str | None], list[str]]:
    """Normalised column names by position (None for a blank header cell) and the file-level problems."""
    names = [cell_text(cell).lower() or None for cell in cells]
    problems = []
    known = set(COLUMNS) | {REASON_COLUMN}
    unknown = [name for name in names if name and name not in known]
    if unknown:
        problems.append(
            _("Kolom tidak dikenal: %(columns)s. Kolom yang dikenal: %(known)s.")
            % {"columns": ", ".join(unknown), "known": ", ".join(COLUMNS)}
        )
    seen, doubled = set(), []
    for name in names:
        if name and name in seen and name not in doubled:
            doubled.append(name)
        seen.add(name)
    if doubled:
        problems.append(_("Kolom ganda: %(columns)s.") % {"columns": ", ".join(doubled)})
    missing = [name for name in REQUIRED if name not in seen]
    if missing:
        problems.append(_("Kolom wajib tidak ada: %(columns)s.") % {"columns": ", ".join(missing)})
    return names, problems


@dataclass
class _Row:
    number: int
    cells: list  # raw cells of the file's columns, in file order
    values: dict  # column → raw cell


def _no_rows(phase: str, done: int, total: int) -> None:
    pass


def read_rows(
    source, *, progress: Callable[[str], None] = _no_progress, on_rows: Callable[[str, int, int], None] = _no_rows
) -> tuple[list[str], str, list[_Row]]:
    """Read a business file: its columns (normalised, in file order), its CSV delimiter and its non-blank rows.

    Raises ValidationError for a file that cannot be read or whose header is wrong.
    """
    try:
        with _table(source) as (delimiter, rows):
            header = next(rows, None)
            if header is None:
                raise _file_error(_("Berkas kosong."))
            names, problems = _header(header)
            if problems:
                raise ValidationError([_file_error(problem) for problem in problems])
            positions = [(index, name) for index, name in enumerate(names) if name and name != REASON_COLUMN]
            columns = [name for _index, name in positions]
            result = []
            max_rows = settings.IMPORT_MAX_ROWS
            for number, cells in enumerate(rows, start=2):
                if number > 2 * max_rows + 1:  # blank rows cost reading time too
                    raise _too_many_rows()
                picked = [cells[index] if index < len(cells) else None for index, _name in positions]
                if all(cell_text(cell) == "" for cell in picked):
                    continue
                result.append(_Row(number, picked, dict(zip(columns, picked, strict=True))))
                if len(result) > max_rows:
                    raise _too_many_rows()
                if len(result) % PROGRESS_EVERY == 0:
                    progress(_("%(rows)s baris dibaca") % {"rows": thousands(len(result))})
                    on_rows("reading", len(result), 0)
    except UnicodeDecodeError as error:
        raise _file_error(_("Berkas CSV harus berenkode UTF-8; di Excel pilih Simpan Sebagai → CSV UTF-8.")) from error
    except csv.Error as error:
        raise _file_error(_("Berkas CSV rusak: %(error)s") % {"error": error}) from error
    if not result:
        raise _file_error(_("Berkas tidak berisi baris data."))
    return columns, delimiter, result


# --- cells --------------------------------------------------------------------------------------------------------


class _Bad(Exception):
    """A cell that cannot be read; the message says why, in the user's language."""


def _number(value) -> Decimal | None:
    """The value of a numeric spreadsheet cell (XLSX numbers), or None for text."""
    if isinstance(value, bool) or not isinstance(value, int | float | Decimal):
        return None
    return Decimal(repr(value)) if isinstance(value, float) else Decimal(value)


def _text(value) -> str:
    return cell_text(value)


def _identifier(value) -> str:
    """NIB and similar numbers: spaces and dashes some people type between groups are dropped."""
    return _text(value).replace(" ", "").replace("-", "").replace("\u00a0", "")


def _nik(value) -> str:
    number = _number(value)
    if number is not None and len(str(int(number))) > 15:
        raise _Bad(
            _(
                "NIK tersimpan sebagai angka; Excel hanya menyimpan 15 angka sehingga angka terakhir hilang. "
                "Format kolom sebagai Teks lalu ketik ulang NIK."
            )
        )
    return _identifier(value)


def _phone(value) -> str:
    number = _number(value)
    if number is not None:
        # Excel drops the leading 0 of a number typed as 081234567890.
        digits = str(int(number))
        return digits if digits.startswith("62") else "0" + digits
    return _text(value)


def _kbli(value) -> str:
    number = _number(value)
    if number is not None and number == int(number) and len(str(int(number))) < 5:
        return str(int(number)).zfill(5)  # KBLI 01111 typed as a number loses its leading zero
    return _identifier(value)


@functools.cache
def _choice_map(choices_class, language: str | None) -> dict[str, str]:
    """Value and label (in the active language and in Indonesian) of each choice, casefolded → value."""
    mapping = {}
    for choice in choices_class:
        mapping[choice.value.casefold()] = choice.value
        mapping[str(choice.label).casefold()] = choice.value
        with translation.override(None):
            mapping[str(choice.label).casefold()] = choice.value
    return mapping


def _choice(value, choices_class, default: str, message: Callable[[], str]) -> str:
    text = _text(value)
    if text == "":
        return default
    found = _choice_map(choices_class, translation.get_language()).get(text.casefold())
    if found is None:
        raise _Bad(message())
    return found


def _legal_form(value) -> str:
    return _choice(
        value,
        LegalForm,
        LegalForm.PERORANGAN,
        lambda: (
            _("Bentuk usaha tidak dikenal; isi salah satu dari: %(choices)s.")
            % {"choices": ", ".join(LegalForm.values)}
        ),
    )


SEX_WORDS = {"l": Sex.MALE, "p": Sex.FEMALE, "laki-laki": Sex.MALE, "perempuan": Sex.FEMALE}


def _sex(value) -> str:
    text = _text(value).casefold()
    if text == "":
        return ""
    if text not in SEX_WORDS:
        raise _Bad(_("Jenis kelamin harus L atau P."))
    return SEX_WORDS[text]


def _status(value) -> str:
    # Every status reads (an export holds them all and must import back); a new business takes only IMPORT_STATUSES.
    return _choice(
        value,
        BusinessStatus,
        DEFAULT_STATUS,
        lambda: _("Status harus salah satu dari: %(choices)s.") % {"choices": ", ".join(IMPORT_STATUSES)},
    )


COUNT_MESSAGE = gettext_lazy("Tulis jumlah orang sebagai bilangan bulat, mis. 12 atau 1.500.")
MONEY_MESSAGE = gettext_lazy("Tulis nilai rupiah sebagai angka, mis. 25.000.000 atau Rp 25.000.000.")


def _whole(value, message) -> int | None:
    number = _number(value)
    if number is not None:
        if number != number.to_integral_value():
            raise _Bad(str(message))
        return int(number)
    text = _text(value)
    if text.isdigit():
        return int(text)
    try:
        return parse_rupiah(text)
    except ValueError:
        raise _Bad(str(message)) from None


def _year(value) -> int | None:
    number = _number(value)
    text = str(int(number)) if number is not None and number == int(number) else _text(value)
    if text == "":
        return None
    if not text.isdigit():
        raise _Bad(_("Tulis tahun sebagai 4 angka, mis. 2015."))
    return int(text)


def _count(value) -> int:
    result = _whole(value, COUNT_MESSAGE)
    return 0 if result is None else result


def _money(value) -> int | None:
    return _whole(value, MONEY_MESSAGE)


def _quantity(value) -> Decimal | None:
    number = _number(value)
    if number is not None:
        return number
    try:
        return parse_decimal(_text(value))
    except (ValueError, InvalidOperation):
        raise _Bad(_("Tulis angka seperti 1.500 atau 12,5.")) from None


COORDINATE_PLACES = Decimal("0.000001")


def _coordinate(value) -> Decimal | None:
    number = _number(value)
    try:
        number = number if number is not None else parse_decimal(_text(value), grouping=False)
    except (ValueError, InvalidOperation):
        raise _Bad(_("Tulis koordinat sebagai angka desimal, mis. -8,65 atau -8.65.")) from None
    # GPS apps give more decimals than the six (about 10 cm) the register keeps.
    return None if number is None else number.quantize(COORDINATE_PLACES)


PARSERS: dict[str, Callable] = {
    "nama_usaha": _text,
    "nib": _identifier,
    "bentuk_usaha": _legal_form,
    "nama_pemilik": _text,
    "nik_pemilik": _nik,
    "jenis_kelamin_pemilik": _sex,
    "telepon": _phone,
    "email": _text,
    "alamat": _text,
    "kode_wilayah": _text,
    "kbli": _kbli,
    "subsektor_ekraf": _text,
    "produk_utama": _text,
    "tahun_berdiri": _year,
    "tenaga_kerja_laki": _count,
    "tenaga_kerja_perempuan": _count,
    "nilai_investasi": _money,
    "omzet_tahunan": _money,
    "kapasitas_produksi": _quantity,
    "satuan_kapasitas": _text,
    "nilai_produksi": _money,
    "latitude": _coordinate,
    "longitude": _coordinate,
    "status": _status,
}


def _loose(text: str) -> str:
    """Text as people read it: one Unicode form (NFC), single spaces, no case."""
    return " ".join(unicodedata.normalize("NFC", text).split()).casefold()


def _keep_registered_text(obj, before: dict) -> None:
    """Put back the registered value of every text attribute the row changes only by case, spacing or form."""
    for attname, old in before.items():
        new = getattr(obj, attname)
        if new != old and isinstance(new, str) and isinstance(old, str) and _loose(new) == _loose(old):
            setattr(obj, attname, old)


def _shown(column: str, value) -> str:
    """A value as the preview shows it to staff: NIK masked, numbers without trailing zeros."""
    if value is None or value == "":
        return ""
    if column == "nik_pemilik":
        return mask(value)
    if isinstance(value, Decimal):
        return format(value.normalize(), "f")
    return str(value)


def _chunks(items, size: int = IN_CHUNK):
    items = list(items)
    for start in range(0, len(items), size):
        yield items[start : start + size]


# --- planning -----------------------------------------------------------------------------------------------------


class _Reference:
    """Regions, KBLI codes, subsectors and registered businesses the file refers to, each loaded in bulk."""

    def __init__(self, rows: list[_Row], year: int):
        villages, kblis, nibs = set(), set(), set()
        for row in rows:
            villages.add(_text(row.values.get("kode_wilayah")))
            kblis.add(_kbli(row.values.get("kbli")))
            nib = _identifier(row.values.get("nib"))
            if nib:
                nibs.add(nib)
        self.region_levels = {}
        for chunk in _chunks(villages - {""}):
            self.region_levels.update(Region.objects.filter(code__in=chunk).values_list("code", "level"))
        self.kbli_levels = {}
        for chunk in _chunks(kblis - {""}):
            self.kbli_levels.update(Kbli.objects.filter(code__in=chunk).values_list("code", "level"))
        self.subsectors = {}
        for code, name, name_en in CreativeSubsector.objects.values_list("code", "name", "name_en"):
            for key in (code, name, name_en):
                self.subsectors[key.casefold()] = code
        self.by_nib: dict[str, Business] = {}
        self.by_key: dict[tuple, list[Business]] = {}
        businesses = Business.objects.select_related("owner", "sentra")  # sentra: Business.clean() checks its region
        for chunk in _chunks(nibs):
            for business in businesses.filter(nib__in=chunk):
                self.by_nib[business.nib] = business
        known_villages = [code for code, level in self.region_levels.items() if level == RegionLevel.VILLAGE]
        for chunk in _chunks(known_villages):
            for business in businesses.filter(village_id__in=chunk).order_by("pk"):
                business = self.by_nib.get(business.nib, business) if business.nib else business
                owner = getattr(business, "owner", None)
                if owner is not None:
                    key = business_match_key(business.name, owner.name, business.village_id)
                    self.by_key.setdefault(key, []).append(business)
        self.year = year
        self.years: dict[int, BusinessYear] = {}

    def load_years(self, business_ids):
        for chunk in _chunks(business_ids):
            for figures in BusinessYear.objects.filter(year=self.year, business_id__in=chunk):
                self.years[figures.business_id] = figures


class _Planner:
    def __init__(self, *, user, year: int, columns: list[str], progress, on_rows=_no_rows):
        self.user = user
        self.on_rows = on_rows
        self.year = year
        self.columns = columns
        self.present = set(columns)
        self.progress = progress
        self.scope = scope_for(user)
        # full_clean checks only the fields the file sets: the others hold defaults or what the registry already
        # accepted, and foreign keys were resolved in bulk (full_clean would query each one again).
        self.exclude = {model: _unchecked(model, fields, self.present) for model, fields in MODEL_FIELDS.items()}

    # -- one row, first pass: cells, references, matching ------------------------------------------------------

    def in_scope(self, code: str) -> bool:
        if self.scope.everything:
            return True
        region = self.scope.region_code
        return code == region or code.startswith(region + ".")

    def parse(self, row: _Row, outcome: RowOutcome) -> dict:
        values = {}
        bad = outcome.errors
        for column in self.columns:
            try:
                values[column] = PARSERS[column](row.values[column])
            except _Bad as error:
                bad.append(RowError(row.number, column, str(error)))
        for column in REQUIRED:
            if column in values and values[column] == "":
                bad.append(RowError(row.number, column, _("Wajib diisi.")))
                del values[column]
        return values

    def resolve(self, row: _Row, values: dict, outcome: RowOutcome, ref: _Reference) -> None:
        """Turn desa, KBLI and subsector into keys; refuse a desa outside the user's region."""

        def refuse(column, message):
            outcome.errors.append(RowError(row.number, column, message))
            del values[column]

        code = values.get("kode_wilayah")
        if code:
            level = ref.region_levels.get(code)
            if level is None:
                refuse("kode_wilayah", _("Kode wilayah %(code)s tidak dikenal.") % {"code": code})
            elif level != RegionLevel.VILLAGE:
                refuse(
                    "kode_wilayah",
                    _("%(code)s bukan kode desa/kelurahan; isi kode 4 tingkat, mis. 51.03.01.1001.") % {"code": code},
                )
            elif not self.in_scope(code):
                refuse(
                    "kode_wilayah",
                    _("Desa %(code)s berada di luar wilayah Anda (%(region)s).")
                    % {"code": code, "region": self.scope.region_code},
                )
        code = values.get("kbli")
        if code:
            level = ref.kbli_levels.get(code)
            if not (len(code) == 5 and code.isdigit()):
                refuse("kbli", _("Kode KBLI harus 5 angka (tingkat kelompok)."))
            elif level is None:
                refuse("kbli", _("KBLI %(code)s tidak dikenal (KBLI 2020).") % {"code": code})
            elif level != KbliLevel.SUBCLASS:
                refuse("kbli", _("KBLI %(code)s bukan kode kelompok (5 angka).") % {"code": code})
        name = values.get("subsektor_ekraf")
        if name:
            code = ref.subsectors.get(name.casefold())
            if code is None:
                refuse(
                    "subsektor_ekraf",
                    _("Subsektor ekraf %(value)s tidak dikenal; isi kode atau nama, mis. kriya atau Kuliner.")
                    % {"value": name},
                )
            else:
                values["subsektor_ekraf"] = code
        elif "subsektor_ekraf" in values:
            values["subsektor_ekraf"] = None

    def match(self, row: _Row, values: dict, outcome: RowOutcome, ref: _Reference, seen: dict) -> Business | None:
        """The registered business this row describes, if any; duplicates within the file are errors."""
        number = row.number
        nib = values.get("nib", "")
        key = None
        if values.get("nama_usaha") and values.get("nama_pemilik") and values.get("kode_wilayah"):
            key = business_match_key(values["nama_usaha"], values["nama_pemilik"], values["kode_wilayah"])
        if nib:
            first = seen.setdefault(("nib", nib), number)
            if first != number:
                outcome.errors.append(RowError(number, "nib", _("NIB sama dengan baris %(row)s.") % {"row": first}))
        if key:
            first = seen.setdefault(("key", key), number)
            if first != number:
                outcome.errors.append(
                    RowError(
                        number,
                        "nama_usaha",
                        _("Nama usaha, nama pemilik dan desa sama dengan baris %(row)s.") % {"row": first},
                    )
                )
        if seen.get(("nib", nib)) not in (None, number) or seen.get(("key", key)) not in (None, number):
            return None  # already refused as a repeat of an earlier row
        existing = ref.by_nib.get(nib) if nib else None
        if existing is None and key:
            # A row without NIB is the registered business of that name, owner and desa; a row whose NIB is new may
            # be one registered without a NIB (it gets its NIB now), never one registered with another NIB.
            candidates = [b for b in ref.by_key.get(key, []) if not nib or not b.nib]
            if len(candidates) > 1:
                outcome.errors.append(
                    RowError(
                        number,
                        "nama_usaha",
                        _(
                            "Ada beberapa IKM terdaftar dengan nama, pemilik dan desa ini (ID %(ids)s); "
                            "isi NIB atau gabungkan duplikatnya dulu."
                        )
                        % {"ids": ", ".join(str(b.pk) for b in candidates[:5])},
                    )
                )
                return None
            existing = candidates[0] if candidates else None
        if existing is None:
            return None
        if not self.in_scope(existing.village_id):
            outcome.errors.append(
                RowError(
                    number,
                    "nib",
                    _("NIB %(nib)s sudah terdaftar untuk IKM di luar wilayah Anda.") % {"nib": existing.nib},
                )
            )
            return None
        first = seen.setdefault(("pk", existing.pk), number)
        if first != number:
            outcome.errors.append(
                RowError(
                    number,
                    "nama_usaha",
                    _("Baris ini dan baris %(row)s menunjuk IKM terdaftar yang sama (ID %(id)s).")
                    % {"row": first, "id": existing.pk},
                )
            )
            return None
        return existing

    # -- one row, second pass: model instances, full_clean, what changes ---------------------------------------

    def assign(self, obj, values: dict, fields: dict[str, str]) -> dict[str, object]:
        """Set the row's values on `obj`; return the previous values of the attributes set."""
        before = {}
        for column, value in values.items():
            if column in fields:
                attname = _attname(column, fields)
                before[attname] = getattr(obj, attname)
                setattr(obj, attname, value)
        return before

    def clean(self, obj, fields: dict[str, str], exclude: list[str], number: int, outcome: RowOutcome) -> None:
        """full_clean without the queries: references were resolved and constraints are checked in bulk."""
        try:
            obj.full_clean(exclude=exclude, validate_unique=False, validate_constraints=False)
        except ValidationError as error:
            columns = {model_field: column for column, model_field in fields.items()}
            taken = {e.column for e in outcome.errors}
            for model_field, messages in error.message_dict.items():
                column = "" if model_field == NON_FIELD_ERRORS else columns.get(model_field, model_field)
                if column in taken:
                    continue  # one reason per cell: the first is the one to fix
                taken.add(column)
                outcome.errors.append(RowError(number, column, messages[0]))

    def build(self, row: _Row, values: dict, existing: Business | None, ref: _Reference, outcome: RowOutcome):
        number = row.number
        status = values.pop("status", DEFAULT_STATUS)
        business_values = {c: value for c, value in values.items() if c in BUSINESS_FIELDS}
        owner_values = {c: value for c, value in values.items() if c in OWNER_FIELDS}
        year_values = {c: value for c, value in values.items() if c in YEAR_FIELDS}
        has_figures = any(_text(row.values.get(column)) != "" for column in YEARLY if column in self.present)

        if existing is None:
            business = BUSINESS_WORKFLOW.initial(Business(created_by_id=self.user.pk), status)
            owner = Owner()
            if status not in IMPORT_STATUSES:
                outcome.errors.append(
                    RowError(
                        number,
                        "status",
                        _("IKM baru hanya boleh berstatus: %(choices)s.") % {"choices": ", ".join(IMPORT_STATUSES)},
                    )
                )
        else:
            # A blank cell keeps what is registered: an import adds and corrects, it never erases (a partial
            # spreadsheet must not wipe a NIK or coordinates). An export writes blanks only where the registry has
            # none, so re-importing it changes nothing either way.
            blank = {column for column in self.columns if _text(row.values[column]) == ""}
            business_values = {c: value for c, value in business_values.items() if c not in blank}
            business = existing
            owner = getattr(existing, "owner", None)
            if owner is None:
                owner = Owner(business=existing)
            else:
                owner_values = {c: value for c, value in owner_values.items() if c not in blank}
            if ref.years.get(existing.pk) is not None:
                year_values = {c: value for c, value in year_values.items() if c not in blank}
            if "status" in self.present and "status" not in blank and status != existing.status:
                outcome.notes.append(
                    _(
                        "Status di berkas (%(file)s) berbeda dari status sekarang (%(current)s); impor tidak "
                        "mengubah status IKM yang sudah terdaftar, gunakan alur verifikasi."
                    )
                    % {"file": BusinessStatus(status).label, "current": BusinessStatus(existing.status).label}
                )
        figures = ref.years.get(existing.pk) if existing is not None else None
        if figures is None and has_figures:
            figures = BusinessYear(year=self.year)

        business_before = self.assign(business, business_values, BUSINESS_FIELDS)
        self.clean(business, BUSINESS_FIELDS, self.exclude[Business], number, outcome)
        owner_before = self.assign(owner, owner_values, OWNER_FIELDS)
        self.clean(owner, OWNER_FIELDS, self.exclude[Owner], number, outcome)
        year_before = {}
        if figures is not None and has_figures:
            year_before = self.assign(figures, year_values, YEAR_FIELDS)
            self.clean(figures, YEAR_FIELDS, self.exclude[BusinessYear], number, outcome)
            founded = business.year_founded
            if founded and founded > self.year and not any(e.column == "tahun_berdiri" for e in outcome.errors):
                outcome.errors.append(
                    RowError(
                        number,
                        "tahun_berdiri",
                        _("Tahun berdiri %(founded)s sesudah tahun data %(year)s.")
                        % {"founded": founded, "year": self.year},
                    )
                )
        if outcome.errors:
            order = {column: index for index, column in enumerate(self.columns)}
            outcome.errors.sort(key=lambda error: order.get(error.column, -1))
            return None

        def changed(obj, before):
            return [attname for attname, old in before.items() if getattr(obj, attname) != old]

        if existing is None:
            return _Write(business, owner, figures if has_figures else None)
        # Text that differs from the registry only by case, spacing or Unicode form is the same text: the registry
        # keeps its own (a published "Art Shop Sari" must not become "art shop sari").
        _keep_registered_text(business, business_before)
        if owner.pk:
            _keep_registered_text(owner, owner_before)
        if figures is not None and figures.pk:
            _keep_registered_text(figures, year_before)
        write = _Write(
            business,
            owner,
            figures if (figures is not None and has_figures) else None,
            business_fields=changed(business, business_before),
            owner_fields=changed(owner, owner_before) if owner.pk else list(owner_before),
            year_fields=changed(figures, year_before) if figures is not None and figures.pk else list(year_before),
        )
        columns = []
        for fields, names in (
            (BUSINESS_FIELDS, write.business_fields),
            (OWNER_FIELDS, write.owner_fields if owner.pk else []),
            (YEAR_FIELDS, write.year_fields),
        ):
            columns += [column for column in fields if _attname(column, fields) in names]
        if owner.pk is None:
            columns.append("nama_pemilik")
        outcome.changed = list(dict.fromkeys(columns))
        for fields, obj, before, names in (
            (BUSINESS_FIELDS, business, business_before, write.business_fields),
            (OWNER_FIELDS, owner, owner_before, write.owner_fields),
            (YEAR_FIELDS, figures, year_before, write.year_fields),
        ):
            for column in fields:
                attname = _attname(column, fields)
                if attname not in names:
                    continue
                old = _shown(column, before[attname]) if obj.pk else ""
                new = _shown(column, getattr(obj, attname))
                if old != new:
                    outcome.changes.append((column, old, new))
        return write

    # -- the whole file ----------------------------------------------------------------------------------------

    def plan(self, plan: ImportPlan, rows: list[_Row]) -> None:
        ref = _Reference(rows, self.year)
        seen: dict = {}
        first_pass = []
        for row in rows:
            outcome = RowOutcome(row.number)
            values = self.parse(row, outcome)
            outcome.name = whitespace_collapsed(values.get("nama_usaha", _text(row.values.get("nama_usaha"))))
            outcome.village = _text(row.values.get("kode_wilayah"))
            self.resolve(row, values, outcome, ref)
            existing = self.match(row, values, outcome, ref, seen)
            first_pass.append((row, values, outcome, existing))
        ref.load_years([existing.pk for _row, _values, _outcome, existing in first_pass if existing is not None])
        total = thousands(len(rows))
        for done, (row, values, outcome, existing) in enumerate(first_pass, start=1):
            write = self.build(row, values, existing, ref, outcome)  # also when invalid: every reason is reported
            if write is None:
                outcome.action = Action.INVALID
                plan.rejected.append((row.number, row.cells, outcome.errors))
            else:
                outcome.business_id = existing.pk if existing is not None else None
                outcome.name = write.business.name  # what the registry will hold (its own spelling when kept)
                if existing is None:
                    outcome.action = Action.CREATE
                elif write.business_fields or write.owner_fields or write.year_fields:
                    outcome.action = Action.UPDATE
                else:
                    outcome.action = Action.UNCHANGED
                if outcome.action != Action.UNCHANGED:
                    plan.writes.append(write)
            plan.rows.append(outcome)
            if done % PROGRESS_EVERY == 0:
                self.progress(_("%(done)s dari %(total)s baris diperiksa") % {"done": thousands(done), "total": total})
                self.on_rows("checking", done, len(rows))


def _check_user_and_year(user, year: int) -> None:
    if not scope_for(user).allows(CHANGE):
        raise PermissionDenied(_("Akun Anda tidak boleh mengimpor IKM (hanya staf yang boleh mengubah data)."))
    try:
        v.validate_past_year(year)
    except ValidationError as error:
        raise ValidationError(_("Tahun data: %(reason)s") % {"reason": error.messages[0]}) from error


def businesses_import_plan(
    *,
    source,
    filename: str,
    user,
    year: int,
    progress: Callable[[str], None] = _no_progress,
    on_rows: Callable[[str, int, int], None] = _no_rows,
) -> ImportPlan:
    """Read and check a business file and say what importing it would do; writes nothing.

    `source` is a path or an open binary file. Raises PermissionDenied for a user who may not change businesses
    and ValidationError for a file that cannot be read (wrong header, not CSV/XLSX, not UTF-8, beyond the import
    limits). `progress` gets messages for a terminal, `on_rows(phase, done, total)` numbers for a progress bar.
    """
    _check_user_and_year(user, year)
    columns, delimiter, rows = read_rows(source, progress=progress, on_rows=on_rows)
    plan = ImportPlan(filename=Path(filename).name, year=year, columns=columns, delimiter=delimiter)
    _Planner(user=user, year=year, columns=columns, progress=progress, on_rows=on_rows).plan(plan, rows)
    return plan


def change_reason(filename: str, *, user=None) -> str:
    """The change reason of an import's history rows: the file, and the command when no user runs it."""
    if isinstance(user, CommandLine):
        return f"{user.command} {filename}"[:100]
    return (_("impor %(file)s") % {"file": filename})[:100]


def businesses_import_apply(
    plan: ImportPlan, *, user, skip_invalid: bool = False, progress: Callable[[str], None] = _no_progress
) -> ImportResult:
    """Write a plan in one transaction. All or nothing unless `skip_invalid`: then the valid rows are written.

    New businesses get the file's status, each with its first workflow log entry ("created as …", by `user`, naming
    the file; one bulk insert); existing ones keep theirs (only the review workflow changes a status). History rows
    name `user` and the file. Raises ValidationError when the registry changed under the import in a
    way that breaks a constraint (e.g. the same NIB saved meanwhile), PermissionDenied when a row would leave the
    user's region.
    """
    counts = plan.counts
    if counts["invalid"] and not skip_invalid:
        return ImportResult(plan, written=False, invalid=counts["invalid"])
    _check_user_and_year(user, plan.year)
    if not connection.features.can_return_rows_from_bulk_insert:
        raise ImproperlyConfigured("The business import needs a database that returns ids from bulk inserts.")
    history = _History(user=user, reason=change_reason(plan.filename, user=user), date=timezone.now())
    new = [write for write in plan.writes if write.is_new]
    changed = [write for write in plan.writes if not write.is_new]
    try:
        with transaction.atomic():
            history.create(Business, [w.business for w in new])
            # Each new business's first status entry ("created as verified", by the importer, naming the file).
            BUSINESS_WORKFLOW.log_created([w.business for w in new], actor=user, note=history.reason, at=history.date)
            if new:
                progress(_("%(n)s IKM baru disimpan") % {"n": thousands(len(new))})
            for write in plan.writes:
                if write.owner is not None and write.owner.pk is None:
                    write.owner.business = write.business
                if write.year is not None and write.year.pk is None:
                    write.year.business = write.business
            history.create(Owner, [w.owner for w in plan.writes if w.owner is not None and w.owner.pk is None])
            history.create(BusinessYear, [w.year for w in plan.writes if w.year is not None and w.year.pk is None])

            businesses = [w for w in changed if w.business_fields]
            for write in businesses:
                write.business.updated_at = history.date
            history.update(Business, [(w.business, w.business_fields + ["updated_at"]) for w in businesses])
            history.update(Owner, [(w.owner, w.owner_fields) for w in changed if w.owner.pk and w.owner_fields])
            history.update(
                BusinessYear, [(w.year, w.year_fields) for w in changed if w.year and w.year.pk and w.year_fields]
            )
            if changed:
                progress(_("%(n)s IKM diperbarui") % {"n": thousands(len(changed))})
            _recheck_scope(user, [w.business.pk for w in plan.writes])
            # Bulk writes send no signals: clear the cached public pages ourselves (after commit).
            bump_public_version()
    except IntegrityError as error:
        raise ValidationError(
            _("Data registri berubah selama impor (mis. NIB yang sama baru saja disimpan); ulangi impor."),
            code="import_conflict",
        ) from error
    return ImportResult(
        plan,
        written=True,
        created=counts["created"],
        updated=counts["updated"],
        unchanged=counts["unchanged"],
        invalid=counts["invalid"],
    )


# simple_history's own columns in every historical table; the rest are copies of the tracked fields.
HISTORY_COLUMNS = ("history_date", "history_change_reason", "history_type", "history_user")


@dataclass
class _History:
    """Bulk writes with their history rows: one user, reason and time for the whole import.

    The rows are the ones simple_history's bulk_create_with_history / bulk_update_with_history would write (every
    tracked field, history_user, history_change_reason, history_date, history_type "+" or "~"), but the database
    copies them from the rows just written (INSERT … SELECT) instead of Python building a historical instance per
    row: history was two thirds of the import's write time. A historical model with fields of its own falls back
    to simple_history's bulk_history_create.
    """

    user: object
    reason: str
    date: object

    def create(self, model, objects: list) -> None:
        if objects:
            model.objects.bulk_create(objects, batch_size=BATCH_SIZE)
            self.write(model, objects, history_type="+")

    def update(self, model, objects_and_fields: list[tuple]) -> None:
        """bulk_update grouped by the set of changed fields, so each UPDATE sets only what changed."""
        groups: dict[tuple, list] = {}
        for obj, fields in objects_and_fields:
            groups.setdefault(tuple(sorted(set(fields))), []).append(obj)
        for fields, objects in groups.items():
            model.objects.bulk_update(objects, list(fields), batch_size=BATCH_SIZE)
            self.write(model, objects, history_type="~")

    def write(self, model, objects: list, *, history_type: str) -> None:
        if not getattr(settings, "SIMPLE_HISTORY_ENABLED", True):
            return
        manager = model.history
        historical = manager.model
        tracked = historical.tracked_fields
        own = {field.name for field in historical._meta.concrete_fields} - {field.name for field in tracked}
        if own != {"history_id", *HISTORY_COLUMNS} or hasattr(historical, "history_relation"):
            manager.bulk_history_create(
                objects,
                batch_size=BATCH_SIZE,
                update=history_type == "~",
                default_user=self.user if self.user.pk else None,
                default_change_reason=self.reason,
                default_date=self.date,
            )
            return
        quote = connection.ops.quote_name
        target = [historical._meta.get_field(field.name).column for field in tracked]
        target += [historical._meta.get_field(name).column for name in HISTORY_COLUMNS]
        source = [quote(field.column) for field in tracked] + ["%s"] * len(HISTORY_COLUMNS)
        head = (
            f"INSERT INTO {quote(historical._meta.db_table)} ({', '.join(quote(column) for column in target)}) "
            f"SELECT {', '.join(source)} FROM {quote(model._meta.db_table)} WHERE {quote(model._meta.pk.column)} IN "
        )
        values = [connection.ops.adapt_datetimefield_value(self.date), self.reason, history_type, self.user.pk]
        with connection.cursor() as cursor:
            for chunk in _chunks([obj.pk for obj in objects]):
                cursor.execute(head + f"({', '.join(['%s'] * len(chunk))})", values + chunk)


def _recheck_scope(user, business_ids: list[int]) -> None:
    """After writing, every touched business must still be one the user may change (NetBox's re-check)."""
    if scope_for(user).everything:
        return
    allowed = 0
    for chunk in _chunks(business_ids):
        allowed += Business.objects.restrict(user, CHANGE).filter(pk__in=chunk).count()
    if allowed != len(business_ids):
        raise PermissionDenied(_("Impor akan menulis IKM di luar wilayah Anda."))


def businesses_import(
    *,
    source,
    filename: str,
    user,
    year: int,
    skip_invalid: bool = False,
    dry_run: bool = False,
    progress: Callable[[str], None] = _no_progress,
) -> ImportResult:
    """Plan and, unless `dry_run`, apply a business file (see businesses_import_plan and businesses_import_apply)."""
    plan = businesses_import_plan(source=source, filename=filename, user=user, year=year, progress=progress)
    if dry_run:
        counts = plan.counts
        return ImportResult(plan, written=False, invalid=counts["invalid"])
    return businesses_import_apply(plan, user=user, skip_invalid=skip_invalid, progress=progress)
