"""Downloadable XLSX templates of an import: the layout's header and example rows on the first sheet (the one the
import reads), and on a second sheet every value the coded columns take, with its meaning and the other spellings
the import accepts — so an operator fills a file without guessing codes.

Every `Choice` column of the importer gets its list from its choices (and synonyms); an importer adds lists of its
own (`AllowedValues`: a subsector by code or name, examples of free text) and sheets of reference codes (desa codes
of the user's region, KBLI). The first sheet's coded columns get a drop-down of those values (a warning, not a
refusal, for a value typed otherwise: a synonym is still read), and the columns of identifiers (NIK, NIB, phone,
codes) are formatted as text so that Excel keeps their leading zeros and all their digits.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import openpyxl
from django.utils.translation import gettext as _
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter, quote_sheetname
from openpyxl.worksheet.datavalidation import DataValidation

from ikm_registry.tabular.cells import neutralise
from ikm_registry.tabular.columns import Choice, Identifier, choice_key

# Rows of the first sheet that get the drop-downs and the text format (an office's file is rarely longer).
FORMATTED_ROWS = 5000
HEADER_FONT = Font(bold=True)
HEADER_FILL = PatternFill("solid", fgColor="E6E6E6")


@dataclass
class AllowedValues:
    """The values one column takes: (value, meaning, other spellings accepted) each; `note` says more (e.g. "free
    text: examples"); `dropdown`: offer them as a drop-down on the first sheet."""

    column: str
    values: list[tuple[str, str, str]]
    note: str = ""
    dropdown: bool = True


@dataclass
class ReferenceSheet:
    """A sheet of reference codes (e.g. the desa codes of the user's region) for `column`: header and rows; the
    column's drop-down on the first sheet lists the sheet's first column when `dropdown`."""

    title: str
    column: str
    header: list[str]
    rows: list[list]
    note: str = ""
    dropdown: bool = False
    widths: list[int] = field(default_factory=list)


def choice_values(column: Choice, *, only=None) -> AllowedValues:
    """The allowed values of a Choice column: each value with its label and the synonyms the import reads for it
    (`only`: the values to list, e.g. the statuses a new record may have)."""
    spellings: dict[str, list[str]] = {}
    for text, value in column.spellings.items():
        if choice_key(text) != choice_key(value):
            spellings.setdefault(str(value), []).append(text)
    values = []
    for value, label in column.allowed():
        if only is not None and value not in only:
            continue
        values.append((value, label, ", ".join(spellings.get(value, []))))
    return AllowedValues(column.name, values)


def _header(sheet, names: list[str]) -> None:
    sheet.append(names)
    for cell in sheet[sheet.max_row]:
        cell.font, cell.fill = HEADER_FONT, HEADER_FILL
        cell.alignment = Alignment(vertical="center")


def write_template(
    handle,
    *,
    columns: list[str],
    rows: list[list],
    allowed: list[AllowedValues],
    reference_sheets: list[ReferenceSheet] = (),
    text_columns=(),
    title: str = "IKM",
) -> None:
    """An XLSX template to `handle`: `columns` and example `rows` on the first sheet; the `allowed` values on the
    second ("Nilai yang diizinkan"); each reference sheet after it."""
    workbook = openpyxl.Workbook()
    data = workbook.active
    data.title = title[:31]
    _header(data, list(columns))
    for row in rows:
        data.append([neutralise(value) if isinstance(value, str) else value for value in row])
    data.freeze_panes = "A2"
    for index, name in enumerate(columns, start=1):
        letter = get_column_letter(index)
        data.column_dimensions[letter].width = max(12, len(name) + 2)
        if name in text_columns:
            # New cells typed in the column are text: a NIK keeps its 16 digits, a phone its leading 0.
            data.column_dimensions[letter].number_format = "@"
            for row_cells in data.iter_rows(min_row=2, min_col=index, max_col=index):
                for cell in row_cells:
                    cell.number_format = "@"
                    if cell.value is not None:
                        cell.value = str(cell.value)

    values_sheet = workbook.create_sheet(_("Nilai yang diizinkan")[:31])
    values_sheet.append([_("Nilai yang boleh diisi pada kolom berkode. Huruf besar/kecil, titik dan spasi diabaikan.")])
    values_sheet["A1"].font = Font(bold=True)
    values_sheet.append([])
    _header(values_sheet, [_("kolom"), _("isi"), _("arti"), _("juga diterima")])
    for letter, width in zip("ABCD", (24, 22, 44, 60), strict=True):
        values_sheet.column_dimensions[letter].width = width
    values_sheet.freeze_panes = "A4"
    ranges: dict[str, str] = {}
    quoted = quote_sheetname(values_sheet.title)
    for section in allowed:
        if section.note:
            values_sheet.append([section.column, "", section.note])
            values_sheet.cell(values_sheet.max_row, 3).font = Font(italic=True)
        first = values_sheet.max_row + 1
        for value, meaning, spellings in section.values:
            values_sheet.append([section.column, neutralise(value), neutralise(meaning), neutralise(spellings)])
            values_sheet.cell(values_sheet.max_row, 2).number_format = "@"
        if section.values and section.dropdown:
            ranges[section.column] = f"{quoted}!$B${first}:$B${values_sheet.max_row}"
    for sheet_info in reference_sheets:
        if sheet_info.note:
            values_sheet.append([sheet_info.column, "", sheet_info.note])
            values_sheet.cell(values_sheet.max_row, 3).font = Font(italic=True)
        sheet = workbook.create_sheet(sheet_info.title[:31])
        _header(sheet, sheet_info.header)
        for row in sheet_info.rows:
            sheet.append([neutralise(value) if isinstance(value, str) else value for value in row])
        sheet.freeze_panes = "A2"
        for index, width in enumerate(sheet_info.widths, start=1):
            sheet.column_dimensions[get_column_letter(index)].width = width
        if sheet_info.rows:
            sheet.auto_filter.ref = f"A1:{get_column_letter(len(sheet_info.header))}{len(sheet_info.rows) + 1}"
            if sheet_info.dropdown:
                ranges[sheet_info.column] = f"{quote_sheetname(sheet.title)}!$A$2:$A${len(sheet_info.rows) + 1}"
    values_sheet.auto_filter.ref = f"A3:D{max(values_sheet.max_row, 4)}"

    for index, name in enumerate(columns, start=1):
        if name not in ranges:
            continue
        letter = get_column_letter(index)
        validation = DataValidation(
            type="list",
            formula1=ranges[name],
            allow_blank=True,
            showErrorMessage=True,
            errorStyle="warning",  # another spelling the import reads (a synonym, a code without dots) may be typed
            errorTitle=_("Nilai tidak ada di daftar"),
            error=_("Nilai ini tidak ada di daftar pada lembar berikutnya. Tetap pakai?"),
        )
        validation.add(f"{letter}2:{letter}{FORMATTED_ROWS}")
        data.add_data_validation(validation)
    workbook.save(handle)


def importer_template(handle, importer_class, *, user) -> bool:
    """The XLSX template of a registered importer to `handle`: its columns with the example rows it gives
    (`template_rows(user)`), the values of its coded columns and the other header names each column is read under.
    False (nothing written) when the importer offers no template."""
    rows = importer_class.template_rows(user)
    if rows is None:
        return False
    allowed = [choice_values(column) for column in importer_class.columns if isinstance(column, Choice)]
    headers = [
        (column.name, str(column.label) if column.label != column.name else "", ", ".join(column.aliases))
        for column in importer_class.columns
        if column.aliases
    ]
    if headers:
        allowed.append(
            AllowedValues(
                _("nama kolom"), headers, note=_("Judul kolom lain yang dibaca sama dengan kolom ini."), dropdown=False
            )
        )
    write_template(
        handle,
        columns=importer_class.column_names(),
        rows=rows,
        allowed=allowed,
        text_columns=[column.name for column in importer_class.columns if isinstance(column, Identifier)],
        title=str(importer_class.label),
    )
    return True
