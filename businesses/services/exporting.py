"""Business export in the import layout (DESIGN §8): what an exported file holds imports back unchanged.

The caller passes the rows to export — in the admin, the business list's own queryset, so an export is filtered,
searched, ordered and region-scoped exactly as the list shows. Personal columns (NIK, phone, e-mail) go only to
roles that may see them. Every file with a row is logged (UU 27/2022 PDP): each row names its owner, and most hold
the business's own figures.

The rows are read in chunks of EXPORT_CHUNK_SIZE (2,000) through a server-side cursor, each chunk with its owners (joined) and
its figures (one query per chunk), whatever their number. A CSV is streamed (`businesses_export_stream`: the header
leaves at once, memory stays the same however long the list) and logged when its last row has left; an XLSX is
written to a temporary file first (`businesses_export`), in the request or, for a long list, by the worker.
"""

from __future__ import annotations

import csv
import io
import tempfile
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal

import openpyxl
from django.conf import settings
from django.db.models import Prefetch
from django.utils import timezone
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font

from businesses import rules
from businesses.models import Business, BusinessYear
from businesses.services.layout import (
    COLUMNS,
    CSV_DELIMITER,
    CSV_ENCODING,
    NUMERIC,
    PERSONAL,
    decimal_text,
    neutralise,
)
from ikm_registry.personal_data import personal_data_access
from ikm_registry.services import export_logged
from ikm_registry.streaming import csv_pieces, streamed

CSV = "csv"
XLSX = "xlsx"
FORMATS = (CSV, XLSX)
CONTENT_TYPES = {
    CSV: "text/csv; charset=utf-8",
    XLSX: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
# Kept as text in XLSX so Excel neither rounds (NIK, NIB) nor drops leading zeros (phone, KBLI).
TEXT_FORMAT_COLUMNS = ("nib", "nik_pemilik", "telepon", "kode_wilayah", "kbli")
# Spool to disk past this size: a large register's file does not stay in memory.
SPOOL_BYTES = 8 * 1024 * 1024


def export_columns(*, personal: bool) -> list[str]:
    return [column for column in COLUMNS if personal or column not in PERSONAL]


def business_values(business: Business, figures: BusinessYear | None) -> dict[str, object]:
    """One business as a row of the layout: text as str, figures as int or Decimal, blanks as None."""
    owner = getattr(business, "owner", None)
    values = {
        "nama_usaha": business.name,
        "nib": business.nib,
        "bentuk_usaha": business.legal_form,
        "nama_pemilik": owner.name if owner else "",
        "nik_pemilik": owner.nik if owner else "",
        "jenis_kelamin_pemilik": owner.sex if owner else "",
        "telepon": owner.phone if owner else "",
        "email": owner.email if owner else "",
        "alamat": business.address,
        "kode_wilayah": business.village_id,
        "kbli": business.kbli_id,
        "subsektor_ekraf": business.subsector_id or "",
        "produk_utama": business.main_product,
        "tahun_berdiri": business.year_founded,
        "latitude": business.latitude,
        "longitude": business.longitude,
        "status": business.status,
    }
    if figures is not None:
        values.update(
            {
                "tenaga_kerja_laki": figures.workforce_male,
                "tenaga_kerja_perempuan": figures.workforce_female,
                "nilai_investasi": figures.investment,
                "omzet_tahunan": figures.turnover,
                "kapasitas_produksi": figures.production_capacity,
                "satuan_kapasitas": figures.capacity_unit,
                "nilai_produksi": figures.production_value,
            }
        )
    return values


# The fields of a business and its owner business_values reads.
ROW_FIELDS = (
    "name",
    "nib",
    "legal_form",
    "address",
    "village",
    "kbli",
    "subsector",
    "main_product",
    "year_founded",
    "latitude",
    "longitude",
    "status",
    "owner__name",
    "owner__nik",
    "owner__sex",
    "owner__phone",
    "owner__email",
)


def chunk_size() -> int:
    """Rows read per chunk (EXPORT_CHUNK_SIZE): one fetch of the cursor and one query of their figures each."""
    return settings.EXPORT_CHUNK_SIZE


def counted(rows: Iterable, on_rows: Callable[[int], None] | None) -> Iterable:
    """`rows`, calling `on_rows(done)` after each chunk (a background export's progress)."""
    if on_rows is None:
        return rows

    def counting():
        done, every = 0, chunk_size()
        for row in rows:
            yield row
            done += 1
            if done % every == 0:
                on_rows(done)

    return counting()


class ExportRows:
    """The rows of `queryset` in `columns`, with the figures of `year` (a fixed number of queries per chunk), read
    once; `with_figures` counts those that had figures for `year`, as they are read."""

    def __init__(self, queryset, *, year: int | None, columns: list[str]):
        self.queryset, self.year, self.columns = queryset, year, columns
        self.with_figures = 0

    def __iter__(self) -> Iterator[list]:
        figures = BusinessYear.objects.filter(year=self.year) if self.year else BusinessYear.objects.none()
        # Only what business_values reads: not the desa, KBLI and sentra a list joins for its own columns, nor the
        # business's and owner's other fields (a chunk's memory and the cursor's rows are a third as wide).
        rows = (
            self.queryset.select_related(None)
            .select_related("owner")
            .only(*ROW_FIELDS)
            .prefetch_related(Prefetch("years", queryset=figures, to_attr="export_figures"))
        )
        for business in rows.iterator(chunk_size=chunk_size()):
            found = business.export_figures[0] if business.export_figures else None
            self.with_figures += found is not None
            values = business_values(business, found)
            yield [values.get(column) for column in self.columns]


def _csv_cell(column: str, value, numeric=NUMERIC) -> str:
    if value is None:
        return ""
    if column in numeric:
        return decimal_text(value) if isinstance(value, Decimal) else str(value)
    return neutralise(str(value))


def csv_cells(rows, columns: list[str], *, numeric=NUMERIC) -> Iterator[list[str]]:
    """`rows` as CSV cells: numbers in `numeric` columns with a decimal comma, other text neutralised."""
    for row in rows:
        yield [_csv_cell(column, value, numeric) for column, value in zip(columns, row, strict=True)]


def write_csv(rows, columns: list[str], handle, *, numeric=NUMERIC) -> int:
    """Write a header and `rows` as semicolon-separated UTF-8 (with BOM) to a binary handle; return the row count.
    `numeric`: the columns whose values are numbers (decimals with a comma), the others are text."""
    text = io.TextIOWrapper(handle, encoding=CSV_ENCODING, newline="")
    writer = csv.writer(text, delimiter=CSV_DELIMITER)
    writer.writerow(columns)
    count = 0
    for cells in csv_cells(rows, columns, numeric=numeric):
        writer.writerow(cells)
        count += 1
    text.flush()
    text.detach()
    return count


class CsvStream:
    """A CSV export that leaves as it is read (ikm_registry.streaming): the header at once, then the rows in pieces
    of about 64 KB; `log(rows)` is called once when it ends — the last row sent, or the download stopped halfway —
    with the number of rows handed to the server by then."""

    def __init__(self, rows, columns: list[str], *, numeric=NUMERIC, log: Callable[[int], None]):
        self.rows, self.columns, self.numeric, self.log = rows, columns, numeric, log
        self.sent = 0

    def _counted(self):
        # Counted as handed to the writer: whenever a piece leaves, the rows counted are the rows it and the pieces
        # before it hold (a piece leaves right after the row that fills it).
        for cells in csv_cells(self.rows, self.columns, numeric=self.numeric):
            self.sent += 1
            yield cells

    def __iter__(self) -> Iterator[bytes]:
        pieces = csv_pieces(self.columns, self._counted(), delimiter=CSV_DELIMITER, encoding=CSV_ENCODING)
        return streamed(pieces, finished=lambda: self.log(self.sent))


def write_xlsx(
    rows,
    columns: list[str],
    handle,
    *,
    title: str = "IKM",
    numeric=NUMERIC,
    text_columns=TEXT_FORMAT_COLUMNS,
    notes: tuple[str, list[list]] | None = None,
) -> int:
    """Write a header and `rows` to the first sheet of an XLSX workbook (streamed: write-only mode). `numeric`: the
    columns written as numbers; `text_columns`: those kept as text (identifiers with leading zeros); `notes`: a
    second sheet (title, rows; the first row bold) explaining the first."""
    workbook = openpyxl.Workbook(write_only=True)
    sheet = workbook.create_sheet(title)
    sheet.freeze_panes = "A2"
    for index, column in enumerate(columns, start=1):
        sheet.column_dimensions[openpyxl.utils.get_column_letter(index)].width = max(12, len(column) + 2)
    bold = Font(bold=True)
    header = []
    for column in columns:
        cell = WriteOnlyCell(sheet, column)
        cell.font = bold
        header.append(cell)
    sheet.append(header)
    count = 0
    for row in rows:
        cells = []
        for column, value in zip(columns, row, strict=True):
            if value is None or value == "":
                cells.append(None)
            elif column in numeric:
                cells.append(float(value) if isinstance(value, Decimal) else value)
            elif column in text_columns:
                cell = WriteOnlyCell(sheet, neutralise(str(value)))
                cell.number_format = "@"
                cells.append(cell)
            else:
                cells.append(neutralise(str(value)))
        sheet.append(cells)
        count += 1
    if notes is not None:
        notes_title, notes_rows = notes
        notes_sheet = workbook.create_sheet(notes_title[:31])
        for letter, width in zip("ABC", (30, 70, 50), strict=True):
            notes_sheet.column_dimensions[letter].width = width
        for index, line in enumerate(notes_rows):
            font = bold if index == 0 else None
            notes_sheet.append([_note_cell(notes_sheet, value, font) for value in line])
    workbook.save(handle)
    return count


def _note_cell(sheet, value, font):
    cell = WriteOnlyCell(sheet, neutralise(str(value)) if isinstance(value, str) else value)
    if font is not None:
        cell.font = font
    return cell


@dataclass
class ExportFile:
    """A finished export: an open binary file positioned at the start, its name, type and row count, and the export
    log entry it makes (`log`: export_logged's arguments but the user; empty when it has no row)."""

    file: object
    filename: str
    content_type: str
    row_count: int
    personal_data: bool
    year: int | None
    log: dict = field(default_factory=dict)


@dataclass
class ExportStream:
    """An export sent while it is read: its pieces (a generator of bytes: a streaming response closes it when the
    download ends or stops), name and type. Its export log entry is written when the last piece has left, or when
    the download stopped (the rows sent by then)."""

    pieces: Iterator[bytes]
    filename: str
    content_type: str
    personal_data: bool
    year: int | None


def _log(*, file_format: str, filter: str, row_count: int, with_figures: int) -> dict:
    # Every row names its owner (personal data, whatever the columns) and may hold the business's own figures:
    # every file with a row is logged.
    if not row_count:
        return {}
    return {
        "what": Business._meta.label_lower,
        "file_format": file_format,
        "filter": filter,
        "row_count": row_count,
        "personal_data": True,
        "individual_data": with_figures > 0,
    }


def _filename(year: int | None, file_format: str) -> str:
    suffix = f"-{year}" if year else ""
    return f"ikm-{timezone.localdate():%Y%m%d}{suffix}.{file_format}"


def businesses_export(
    *,
    queryset,
    user,
    file_format: str,
    year: int | None = None,
    filter: str = "",
    logged: bool = True,
    on_rows: Callable[[int], None] | None = None,
) -> ExportFile:
    """Export `queryset` (already filtered and scoped by the caller) in the import layout to a temporary file; log
    personal exports.

    `year` is the data year of the figures (default: the latest present among the rows). The NIK, phone and e-mail
    columns are included when the user's role may export them (ikm_registry.personal_data: operators, province and
    national staff, superusers; not officials). `logged=False` leaves the logging to whoever hands the file out
    (a background export logs each download with `ExportFile.log`); `on_rows(done)` follows the writing.
    """
    if file_format not in FORMATS:
        raise ValueError(f"unknown format {file_format!r}")
    personal = personal_data_access(user).export
    if year is None:
        year = rules.latest_data_year(queryset)
    columns = export_columns(personal=personal)
    handle = tempfile.SpooledTemporaryFile(max_size=SPOOL_BYTES)
    rows = ExportRows(queryset, year=year, columns=columns)
    writing = counted(rows, on_rows)
    count = write_csv(writing, columns, handle) if file_format == CSV else write_xlsx(writing, columns, handle)
    handle.seek(0)
    log = _log(file_format=file_format, filter=filter, row_count=count, with_figures=rows.with_figures)
    if log and logged:
        export_logged(user=user, **log)
    return ExportFile(
        file=handle,
        filename=_filename(year, file_format),
        content_type=CONTENT_TYPES[file_format],
        row_count=count,
        personal_data=personal,
        year=year,
        log=log,
    )


def businesses_export_stream(*, queryset, user, year: int | None = None, filter: str = "") -> ExportStream:
    """The CSV export of `queryset` (as businesses_export) streamed: nothing is read before the response starts
    but the data year (`year`, default the latest among the rows); the rows follow chunk by chunk, and the export is
    logged when it ends (the rows sent: a download stopped halfway is logged with what had left)."""
    personal = personal_data_access(user).export
    if year is None:
        year = rules.latest_data_year(queryset)
    columns = export_columns(personal=personal)
    rows = ExportRows(queryset, year=year, columns=columns)

    def log(sent: int) -> None:
        entry = _log(file_format=CSV, filter=filter, row_count=sent, with_figures=rows.with_figures)
        if entry:
            export_logged(user=user, **entry)

    return ExportStream(
        pieces=iter(CsvStream(rows, columns, log=log)),
        filename=_filename(year, CSV),
        content_type=CONTENT_TYPES[CSV],
        personal_data=personal,
        year=year,
    )


def template_example(*, village_code: str) -> list:
    """One believable row for the downloadable template, in the full layout (a batik maker in `village_code`)."""
    example = {
        "nama_usaha": "Batik Sekar Jagad",
        "nib": "9120001234567",
        "bentuk_usaha": "ud",
        "nama_pemilik": "Ni Made Sari",
        "nik_pemilik": "5103015508850001",
        "jenis_kelamin_pemilik": "P",
        "telepon": "0812 3456 7890",
        "email": "sekarjagad@example.com",
        "alamat": "Jl. Raya Tuban No. 12",
        "kode_wilayah": village_code,
        "kbli": "13134",
        "subsektor_ekraf": "kriya",
        "produk_utama": "Kain batik tulis",
        "tahun_berdiri": 2015,
        "tenaga_kerja_laki": 2,
        "tenaga_kerja_perempuan": 3,
        "nilai_investasi": 50_000_000,
        "omzet_tahunan": 300_000_000,
        "kapasitas_produksi": Decimal("1500"),
        "satuan_kapasitas": "lembar/tahun",
        "nilai_produksi": 250_000_000,
        "latitude": Decimal("-8.738300"),
        "longitude": Decimal("115.168600"),
        "status": "verified",
    }
    return [example[column] for column in COLUMNS]
