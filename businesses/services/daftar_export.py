"""The "Daftar" export of the business list: a workbook a Kabid can hand on, with names where the import layout has
codes (desa, kecamatan, kabupaten/kota, KBLI title, subsector, legal form, status and scale labels).

The caller passes the rows (in the admin, the business list's own queryset: filtered, searched, ordered and scoped
to the user's region exactly as the list shows) and says how the list was filtered; the file carries a header
block (title, office and region, the filter, when it was made and how many rows), a frozen header row, column
widths and an autofilter. The rows are read in one query, in chunks, whatever their number.

Personal data follows the user's role (ikm_registry.personal_data): the owner's name is in every row (as in the
import-layout export); the phone and e-mail are whole for roles that may export personal data, and for the others
whole only where the owner consented to publish that channel (as printed reports and the public profile show it),
else masked. The NIK and the home address are never in this list. Every file with a row is logged (UU 27/2022).
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterator

import openpyxl
from django.db.models import F, OuterRef, Subquery
from django.utils import timezone
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.properties import PageSetupProperties

from businesses.choices import BusinessStatus, LegalForm, ScaleBps, ScalePp7, Sex
from businesses.models import Business, BusinessYear
from businesses.services.exporting import CONTENT_TYPES, SPOOL_BYTES, XLSX, ExportFile, chunk_size, counted
from businesses.services.layout import neutralise
from ikm_registry.personal_data import consent_given, personal_data_access
from ikm_registry.reports.base import letterhead_office
from ikm_registry.reports.formatting import printed_at
from ikm_registry.services import export_logged
from ikm_registry.zones import office_zone, region_zone

DAFTAR = "daftar"

# (key, header, width in characters) of each column, in order.
COLUMNS = (
    ("number", gettext_lazy("No."), 6),
    ("name", gettext_lazy("Nama usaha"), 32),
    ("legal_form", gettext_lazy("Bentuk usaha"), 16),
    ("nib", gettext_lazy("NIB"), 16),
    ("owner_name", gettext_lazy("Pemilik"), 26),
    ("owner_sex", gettext_lazy("Jenis kelamin"), 12),
    ("phone", gettext_lazy("Telepon"), 17),
    ("email", gettext_lazy("E-mail"), 26),
    ("address", gettext_lazy("Alamat usaha"), 34),
    ("village", gettext_lazy("Desa/kelurahan"), 20),
    ("district", gettext_lazy("Kecamatan"), 18),
    ("regency", gettext_lazy("Kabupaten/kota"), 22),
    ("kbli_code", gettext_lazy("KBLI"), 8),
    ("kbli_title", gettext_lazy("Uraian KBLI"), 44),
    ("subsector", gettext_lazy("Subsektor ekonomi kreatif"), 22),
    ("main_product", gettext_lazy("Produk utama"), 26),
    ("year_founded", gettext_lazy("Tahun berdiri"), 10),
    ("figures_year", gettext_lazy("Tahun data"), 9),
    ("workforce", gettext_lazy("Tenaga kerja"), 10),
    ("scale_pp7", gettext_lazy("Skala usaha (PP 7/2021)"), 14),
    ("scale_bps", gettext_lazy("Skala (BPS)"), 11),
    ("status", gettext_lazy("Status"), 15),
)
TEXT_COLUMNS = ("nib", "phone", "kbli_code")
NUMBER_COLUMNS = ("number", "year_founded", "figures_year", "workforce")


def daftar_rows(queryset, *, year: int | None = None):
    """`queryset` (businesses, already filtered, scoped and ordered) as dicts with every name joined and the figures
    of `year` — default: each business's latest year — as subqueries: one query, whatever the number of rows."""
    if year is None:
        figures = BusinessYear.objects.filter(business=OuterRef("pk")).order_by("-year")
    else:
        figures = BusinessYear.objects.filter(business=OuterRef("pk"), year=year)

    def figure(field):
        return Subquery(figures.values(field)[:1])

    subsector_name = "subsector__name_en" if (get_language() or "").startswith("en") else "subsector__name"
    rows = queryset.annotate(
        daftar_year=figure("year"),
        daftar_workforce=figure("workforce_total"),
        daftar_scale_pp7=figure("scale_pp7"),
        daftar_scale_bps=figure("scale_bps"),
    )
    return rows.values(
        "pk",
        "name",
        "legal_form",
        "nib",
        "address",
        "main_product",
        "year_founded",
        "status",
        "daftar_year",
        "daftar_workforce",
        "daftar_scale_pp7",
        "daftar_scale_bps",
        kbli_code=F("kbli_id"),
        kbli_title=F("kbli__title"),
        subsector_label=F(subsector_name),
        owner_name=F("owner__name"),
        owner_sex=F("owner__sex"),
        owner_phone=F("owner__phone"),
        owner_email=F("owner__email"),
        owner_phone_since=F("owner__phone_public_since"),
        owner_email_since=F("owner__email_public_since"),
        village_name=F("village__name"),
        district_name=F("village__parent__name"),
        regency_name=F("village__parent__parent__name"),
    )


class DaftarRows:
    """The rows of the list as cell values, numbered, read once in chunks; counts those with figures as it goes."""

    def __init__(self, queryset, *, user, year: int | None = None):
        self.queryset, self.year = queryset, year
        self.access = personal_data_access(user)
        self.with_figures = 0

    def contact(self, row, channel: str) -> str | None:
        value = row[f"owner_{channel}"]
        if not value:
            return None
        if self.access.export or consent_given(row[f"owner_{channel}_since"], self.today):
            return value
        return self.access.display(channel, value)

    def __iter__(self) -> Iterator[list]:
        self.today = timezone.localdate()
        labels = {
            "legal_form": dict(LegalForm.choices),
            "sex": dict(Sex.choices),
            "status": dict(BusinessStatus.choices),
            "pp7": dict(ScalePp7.choices),
            "bps": dict(ScaleBps.choices),
        }
        rows = daftar_rows(self.queryset, year=self.year).iterator(chunk_size=chunk_size())
        for number, row in enumerate(rows, start=1):
            self.with_figures += row["daftar_year"] is not None
            values = {
                "number": number,
                "name": row["name"],
                "legal_form": labels["legal_form"].get(row["legal_form"], row["legal_form"]),
                "nib": row["nib"],
                "owner_name": row["owner_name"],
                "owner_sex": labels["sex"].get(row["owner_sex"] or "", ""),
                "phone": self.contact(row, "phone"),
                "email": self.contact(row, "email"),
                "address": row["address"],
                "village": row["village_name"],
                "district": row["district_name"],
                "regency": row["regency_name"],
                "kbli_code": row["kbli_code"],
                "kbli_title": row["kbli_title"],
                "subsector": row["subsector_label"],
                "main_product": row["main_product"],
                "year_founded": row["year_founded"],
                "figures_year": row["daftar_year"],
                "workforce": row["daftar_workforce"],
                "scale_pp7": labels["pp7"].get(row["daftar_scale_pp7"] or "", ""),
                "scale_bps": labels["bps"].get(row["daftar_scale_bps"] or "", ""),
                "status": labels["status"].get(row["status"], row["status"]),
            }
            yield [values[key] for key, _header, _width in COLUMNS]


def _cell(sheet, value, *, font=None, fill=None, number_format=None, alignment=None):
    cell = WriteOnlyCell(sheet, value)
    if font is not None:
        cell.font = font
    if fill is not None:
        cell.fill = fill
    if number_format is not None:
        cell.number_format = number_format
    if alignment is not None:
        cell.alignment = alignment
    return cell


def write_daftar(rows, handle, *, heading: list[str], title: str) -> int:
    """The header block (`heading`: title first, then one line each), the column headers and `rows`, to an XLSX
    workbook in write-only mode (rows stream to a temporary file, not into memory); returns the row count."""
    workbook = openpyxl.Workbook(write_only=True)
    sheet = workbook.create_sheet(title[:31])
    header_row = len(heading) + 2  # the heading, a blank line, the headers
    last_column = get_column_letter(len(COLUMNS))
    sheet.freeze_panes = f"C{header_row + 1}"  # the headers and the number and name columns stay in view
    for index, (_key, _header, width) in enumerate(COLUMNS, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = width
    # Printed on A4 landscape, one page wide, the headers repeated on every page.
    sheet.page_setup.orientation = "landscape"
    sheet.page_setup.paperSize = "9"  # A4
    sheet.page_setup.fitToWidth = 1
    sheet.page_setup.fitToHeight = 0
    sheet.sheet_properties.pageSetUpPr = PageSetupProperties(fitToPage=True)
    sheet.print_title_rows = f"{header_row}:{header_row}"

    for index, line in enumerate(heading):
        font = Font(bold=True, size=14) if index == 0 else Font(size=10)
        sheet.append([_cell(sheet, neutralise(line), font=font)])
    sheet.append([])
    bold, grey = Font(bold=True), PatternFill("solid", fgColor="E6E6E6")
    wrap = Alignment(wrap_text=True, vertical="center")
    sheet.append([_cell(sheet, str(header), font=bold, fill=grey, alignment=wrap) for _key, header, _width in COLUMNS])
    keys = [key for key, _header, _width in COLUMNS]
    count = 0
    for row in rows:
        cells = []
        for key, value in zip(keys, row, strict=True):
            if value is None or value == "":
                cells.append(None)
            elif key in NUMBER_COLUMNS:
                cells.append(value)
            elif key in TEXT_COLUMNS:
                cells.append(_cell(sheet, neutralise(str(value)), number_format="@"))
            else:
                cells.append(neutralise(str(value)))
        sheet.append(cells)
        count += 1
    sheet.auto_filter.ref = f"A{header_row}:{last_column}{header_row + max(count, 1)}"
    workbook.save(handle)
    return count


def daftar_heading(*, title: str, office, region_name: str, filters: list[tuple[str, str]], count: int, year, zone):
    """The lines above the table: title; office and its region; the filter; the data year; when and how many."""
    lines = [title]
    if office is not None:  # "Dinas ... Kabupaten Badung", its region added only when the name does not say it
        region = office.region.name
        lines.append(office.name if region.casefold() in office.name.casefold() else f"{office.name} — {region}")
    lines.append(_("Wilayah: %(region)s") % {"region": region_name})
    if filters:
        lines.append(
            _("Penyaring: %(filters)s") % {"filters": "; ".join(f"{label}: {value}" for label, value in filters)}
        )
    else:
        lines.append(_("Penyaring: tidak ada (semua IKM yang dapat Anda lihat)"))
    if year is None:
        lines.append(_("Tenaga kerja dan skala: data tahunan terakhir tiap IKM (tahunnya di kolom Tahun data)."))
    else:
        lines.append(_("Tenaga kerja dan skala: data tahun %(year)s.") % {"year": year})
    lines.append(
        _("Dibuat pada %(when)s · %(count)s IKM")
        % {"when": printed_at(zone=zone), "count": f"{count:,}".replace(",", ".")}
    )
    return lines


def businesses_daftar_export(
    *,
    queryset,
    user,
    region=None,
    filters: list[tuple[str, str]] = (),
    filter: str = "",
    year: int | None = None,
    logged: bool = True,
    on_rows=None,
) -> ExportFile:
    """The Daftar workbook of `queryset` (filtered and scoped by the caller) for `user`; logged when it has a row
    (`logged=False`: by whoever hands it out, with `ExportFile.log`).

    `region`: the region the list covers (the user's own by default: their scope's); `filters`: the filter as
    (label, value) pairs for the header block; `filter`: the query string the export log records; `year`: the data
    year of workforce and scale (None: each business's latest); `on_rows(done)` follows the writing."""
    from ikm_registry.models import Region
    from ikm_registry.scoping import scope_for

    if region is None:
        code = scope_for(user).region_code
        region = Region.objects.filter(code=code).first() if code else None
    office = letterhead_office(user=user, region=region)
    region_name = region.name if region is not None else _("Seluruh Indonesia")
    title = _("Daftar IKM %(region)s") % {"region": region_name}
    count = queryset.count()
    zone = office_zone(office) or region_zone(region.code if region is not None else None)
    heading = daftar_heading(
        title=title, office=office, region_name=region_name, filters=list(filters), count=count, year=year, zone=zone
    )
    handle = tempfile.SpooledTemporaryFile(max_size=SPOOL_BYTES)
    rows = DaftarRows(queryset, user=user, year=year)
    written = write_daftar(counted(rows, on_rows), handle, heading=heading, title=_("Daftar IKM"))
    handle.seek(0)
    log = {}
    if written:
        log = {
            "what": Business._meta.label_lower,
            "file_format": XLSX,
            "filter": filter,
            "row_count": written,
            "personal_data": True,  # every row names its owner
            "individual_data": rows.with_figures > 0,
        }
        if logged:
            export_logged(user=user, **log)
    suffix = f"-{year}" if year else ""
    return ExportFile(
        file=handle,
        filename=f"daftar-ikm-{timezone.localdate():%Y%m%d}{suffix}.xlsx",
        content_type=CONTENT_TYPES[XLSX],
        row_count=written,
        personal_data=rows.access.export,
        year=year,
        log=log,
    )
