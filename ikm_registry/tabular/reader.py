"""Reading CSV and XLSX files for the tabular import engine, within the import limits (issue 6).

`inspect_file` checks a file's size, its rows and (for an XLSX, a zip archive) how far it unpacks before anything
parses it; `read_rows` reads the header (names matched case-insensitively, with each column's aliases) and the
non-blank rows, numbered as a spreadsheet numbers them (header = row 1). Both raise ValidationError naming the
problem. The limits are the settings IMPORT_MAX_UNPACKED_MB, IMPORT_MAX_ROWS and IMPORT_MAX_COMPRESSION_RATIO.
"""

from __future__ import annotations

import csv
import io
import itertools
import re
import zipfile
from collections.abc import Callable, Iterable
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from xml.etree import ElementTree

import openpyxl
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from ikm_registry.numbers import thousands
from ikm_registry.tabular.cells import CSV_DELIMITER, REASON_COLUMN, cell_text

PROGRESS_EVERY = 1000


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


def _header(
    cells: list,
    known: Iterable[str],
    required: Iterable[str],
    aliases: dict[str, str],
    ignored: list[str] | None = None,
) -> tuple[list[str | None], list[str]]:
    """Column names by position (None for a blank header cell; an alias becomes its column's name; spaces inside a
    name count once) and the file-level problems. With an `ignored` list, unknown names are not a problem: they are
    added to the list and their columns read as blank headers (a layout we do not own, e.g. an OSS export)."""
    known = list(known)
    accepted = set(known) | {REASON_COLUMN}
    names = []
    for cell in cells:
        name = " ".join(cell_text(cell).lower().split()) or None
        name = aliases.get(name, name) if name else None
        if name and ignored is not None and name not in accepted:
            ignored.append(cell_text(cell))
            name = None
        names.append(name)
    problems = []
    unknown = [name for name in names if name and name not in accepted]
    if unknown:
        problems.append(
            _("Kolom tidak dikenal: %(columns)s. Kolom yang dikenal: %(known)s.")
            % {"columns": ", ".join(unknown), "known": ", ".join(known)}
        )
    seen, doubled = set(), []
    for name in names:
        if name and name in seen and name not in doubled:
            doubled.append(name)
        seen.add(name)
    if doubled:
        problems.append(_("Kolom ganda: %(columns)s.") % {"columns": ", ".join(doubled)})
    missing = [name for name in required if name not in seen]
    if missing:
        problems.append(_("Kolom wajib tidak ada: %(columns)s.") % {"columns": ", ".join(missing)})
    return names, problems


@dataclass
class Row:
    """One non-blank row of a file: its spreadsheet number (header = row 1), its raw cells in the file's column
    order (for the rejects file) and the same cells by column name."""

    number: int
    cells: list
    values: dict


def _no_rows(phase: str, done: int, total: int) -> None:
    pass


def read_rows(
    source,
    *,
    columns: Iterable[str],
    required: Iterable[str] = (),
    aliases: dict[str, str] | None = None,
    progress: Callable[[str], None] = _no_progress,
    on_rows: Callable[[str, int, int], None] = _no_rows,
    ignored: list[str] | None = None,
) -> tuple[list[str], str, list[Row]]:
    """Read a file of the given `columns` (names; `aliases` maps other lower-case header names to them): the
    columns it has (in file order), its CSV delimiter and its non-blank rows. A column `alasan` (the reason column
    of a rejects file) is ignored, so a corrected rejects file imports as it is. Unknown columns are refused, unless
    an `ignored` list is given: then their headers are appended to it and their cells are not read.

    Raises ValidationError for a file that cannot be read, is beyond the limits, or whose header is wrong (unknown,
    doubled or missing required columns).
    """
    with open_rows(
        source,
        columns=columns,
        required=required,
        aliases=aliases,
        progress=progress,
        on_rows=on_rows,
        ignored=ignored,
    ) as (names, delimiter, rows):
        return names, delimiter, list(rows)


@contextmanager
def open_rows(
    source,
    *,
    columns: Iterable[str],
    required: Iterable[str] = (),
    aliases: dict[str, str] | None = None,
    progress: Callable[[str], None] = _no_progress,
    on_rows: Callable[[str, int, int], None] = _no_rows,
    ignored: list[str] | None = None,
):
    """read_rows without reading the whole file first: yields (columns, delimiter, rows) once the header is checked,
    `rows` an iterator of the non-blank rows read one by one while the file is open (an importer that checks in
    chunks keeps a chunk in memory, not the file). What read_rows refuses is raised where it is met: the header on
    entering, a row past the limit or a damaged cell while iterating, a file without data rows at its end."""
    aliases = {alias.lower(): name for alias, name in (aliases or {}).items()}
    try:
        with _table(source) as (delimiter, rows):
            header = next(rows, None)
            if header is None:
                raise _file_error(_("Berkas kosong."))
            names, problems = _header(header, columns, required, aliases, ignored)
            if problems:
                raise ValidationError([_file_error(problem) for problem in problems])
            positions = [(index, name) for index, name in enumerate(names) if name and name != REASON_COLUMN]
            names = [name for _index, name in positions]
            yield names, delimiter, _data_rows(rows, positions, names, progress, on_rows)
    except UnicodeDecodeError as error:
        raise _file_error(_("Berkas CSV harus berenkode UTF-8; di Excel pilih Simpan Sebagai → CSV UTF-8.")) from error
    except csv.Error as error:
        raise _file_error(_("Berkas CSV rusak: %(error)s") % {"error": error}) from error


def _data_rows(rows, positions, names, progress, on_rows):
    """The non-blank rows after the header, numbered as a spreadsheet numbers them, within IMPORT_MAX_ROWS."""
    max_rows = settings.IMPORT_MAX_ROWS
    read = 0
    for number, cells in enumerate(rows, start=2):
        if number > 2 * max_rows + 1:  # blank rows cost reading time too
            raise _too_many_rows()
        picked = [cells[index] if index < len(cells) else None for index, _name in positions]
        if all(cell_text(cell) == "" for cell in picked):
            continue
        read += 1
        if read > max_rows:
            raise _too_many_rows()
        yield Row(number, picked, dict(zip(names, picked, strict=True)))
        if read % PROGRESS_EVERY == 0:
            progress(_("%(rows)s baris dibaca") % {"rows": thousands(read)})
            on_rows("reading", read, 0)
    if not read:
        raise _file_error(_("Berkas tidak berisi baris data."))
