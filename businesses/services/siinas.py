"""SIINas export: the small-industry items Kemenperin collects per business and semester (Permenperin 13/2025,
Pasal 7), as a file an office hands on (CSV or XLSX; nothing is sent to another system).

One row per business for the chosen period (year and semester): the business's identity (NIB, name, legal form,
business address, desa and kabupaten/kota codes and names, KBLI) and the items of Pasal 7. The registry collects
figures once a year (pendataan tahunan, `BusinessYear`), not per semester, and records only some of the items: each
row carries the figures of the data year equal to the period's year, says so (`tahun_data`, `keterangan`), and
leaves empty what the registry does not record (investment in land and buildings, used capacity, quantity
produced, value of raw materials, raw water, fuel and lubricants, electricity, machines and equipment). Nothing is
estimated: a semester's share of a year is not computed, and a business without figures for that year gets its
identity only. The XLSX has a second sheet that explains every column and where its value comes from.

No personal data: the owner (name, NIK, phone, e-mail, home address) is not in the file. The figures are one
business's own (confidential, UU 3/2014): every file with a row is logged as an export of individual figures.

The caller passes the rows (in the admin, the business list's own queryset: filtered, searched, ordered and scoped
exactly as the list; the `export_siinas` command: the staff FilterSet for the user over a region). They are read in
one query whatever their number (the year's figures joined, names joined), in chunks, and written as they are read.
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterator

from django.db.models import F, FilteredRelation, Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from businesses.choices import LegalForm
from businesses.models import Business
from businesses.services.exporting import (
    CONTENT_TYPES,
    CSV,
    FORMATS,
    SPOOL_BYTES,
    CsvStream,
    ExportFile,
    ExportStream,
    chunk_size,
    counted,
    write_csv,
    write_xlsx,
)
from ikm_registry.services import export_logged

SEMESTERS = (1, 2)

# (column, what it holds, where the registry's value comes from) in file order. Columns with NOT_RECORDED as their
# source are SIINas items the registry does not collect: always empty.
NOT_RECORDED = gettext_lazy("Tidak dicatat registri: selalu kosong.")
YEARLY = gettext_lazy("Data tahunan (pendataan tahunan) tahun_data; angka setahun, bukan per semester.")
COLUMNS = (
    ("tahun", gettext_lazy("Tahun periode laporan."), gettext_lazy("Dipilih saat ekspor.")),
    ("semester", gettext_lazy("Semester periode laporan (1: Januari–Juni, 2: Juli–Desember)."),
     gettext_lazy("Dipilih saat ekspor.")),
    ("nib", gettext_lazy("Nomor Induk Berusaha (13 angka)."), gettext_lazy("NIB IKM; kosong bila belum punya.")),
    ("nama_usaha", gettext_lazy("Nama perusahaan/usaha."), gettext_lazy("Nama usaha.")),
    ("bentuk_usaha", gettext_lazy("Bentuk badan usaha."), gettext_lazy("Bentuk usaha.")),
    ("alamat_usaha", gettext_lazy("Alamat lokasi usaha (pabrik)."), gettext_lazy("Alamat usaha.")),
    ("kode_wilayah", gettext_lazy("Kode Kemendagri desa/kelurahan lokasi usaha."), gettext_lazy("Desa/kelurahan.")),
    ("desa", gettext_lazy("Nama desa/kelurahan."), gettext_lazy("Desa/kelurahan.")),
    ("kecamatan", gettext_lazy("Nama kecamatan."), gettext_lazy("Desa/kelurahan.")),
    ("kode_kabupaten", gettext_lazy("Kode Kemendagri kabupaten/kota."), gettext_lazy("Desa/kelurahan.")),
    ("kabupaten", gettext_lazy("Nama kabupaten/kota."), gettext_lazy("Desa/kelurahan.")),
    ("provinsi", gettext_lazy("Nama provinsi."), gettext_lazy("Desa/kelurahan.")),
    ("kbli", gettext_lazy("Kode KBLI 2020 (5 angka)."), gettext_lazy("KBLI IKM.")),
    ("uraian_kbli", gettext_lazy("Judul KBLI."), gettext_lazy("KBLI 2020.")),
    ("produk_utama", gettext_lazy("Jenis produk yang dihasilkan."), gettext_lazy("Komoditi / produk utama.")),
    ("tahun_data", gettext_lazy("Tahun data angka di baris ini."),
     gettext_lazy("Sama dengan tahun periode bila IKM punya data tahunan tahun itu; kosong bila belum.")),
    ("investasi_tanpa_tanah_bangunan", gettext_lazy("Nilai investasi tidak termasuk tanah dan bangunan (Rp)."),
     gettext_lazy("Nilai investasi (modal usaha tanpa tanah dan bangunan) data tahunan.")),
    ("investasi_tanah_bangunan", gettext_lazy("Nilai investasi tanah dan bangunan (Rp)."), NOT_RECORDED),
    ("kapasitas_terpasang", gettext_lazy("Kapasitas produksi terpasang."),
     gettext_lazy("Kapasitas produksi data tahunan, dalam satuan_kapasitas.")),
    ("kapasitas_terpakai", gettext_lazy("Kapasitas produksi terpakai."), NOT_RECORDED),
    ("satuan_kapasitas", gettext_lazy("Satuan kapasitas (mis. buah/tahun)."), gettext_lazy("Satuan kapasitas.")),
    ("jumlah_produksi", gettext_lazy("Jumlah produksi (volume)."), NOT_RECORDED),
    ("nilai_produksi", gettext_lazy("Nilai produksi (Rp)."), YEARLY),
    ("bahan_baku", gettext_lazy("Jenis bahan baku."), gettext_lazy("Bahan baku (teks) data IKM.")),
    ("nilai_bahan_baku", gettext_lazy("Nilai/jumlah bahan baku yang dipakai."), NOT_RECORDED),
    ("tenaga_kerja_laki", gettext_lazy("Tenaga kerja laki-laki (orang)."), YEARLY),
    ("tenaga_kerja_perempuan", gettext_lazy("Tenaga kerja perempuan (orang)."), YEARLY),
    ("tenaga_kerja", gettext_lazy("Jumlah tenaga kerja (orang)."), YEARLY),
    ("air_baku", gettext_lazy("Pemakaian air baku."), NOT_RECORDED),
    ("bahan_bakar_pelumas", gettext_lazy("Pemakaian bahan bakar dan pelumas."), NOT_RECORDED),
    ("listrik", gettext_lazy("Pemakaian listrik."), NOT_RECORDED),
    ("mesin_peralatan", gettext_lazy("Mesin dan peralatan."), NOT_RECORDED),
    ("keterangan", gettext_lazy("Catatan tentang angka baris ini."), gettext_lazy("Dibuat oleh ekspor.")),
)  # fmt: skip
COLUMN_NAMES = [name for name, _meaning, _source in COLUMNS]
# Columns of numbers (the rest are text); identifiers and codes stay text so Excel keeps every digit.
NUMERIC = (
    "tahun",
    "semester",
    "tahun_data",
    "investasi_tanpa_tanah_bangunan",
    "kapasitas_terpasang",
    "nilai_produksi",
    "tenaga_kerja_laki",
    "tenaga_kerja_perempuan",
    "tenaga_kerja",
)
TEXT_COLUMNS = ("nib", "kode_wilayah", "kode_kabupaten", "kbli")
SIINAS_CSV = "siinas-csv"
SIINAS_XLSX = "siinas-xlsx"
SIINAS_FORMATS = {SIINAS_CSV: CSV, SIINAS_XLSX: "xlsx"}


def siinas_rows(queryset, *, year: int):
    """`queryset` (businesses, filtered, scoped and ordered by the caller) as dicts with the names of its desa,
    kecamatan, kabupaten/kota, province and KBLI and the figures of data year `year` (None without them): one query,
    the year's figures joined (at most one row per business and year), whatever the number of businesses."""
    return queryset.annotate(siinas_figures=FilteredRelation("years", condition=Q(years__year=year))).values(
        "pk",
        "nib",
        "name",
        "legal_form",
        "address",
        "main_product",
        "raw_materials",
        village_code=F("village_id"),
        village_name=F("village__name"),
        district_name=F("village__parent__name"),
        regency_code=F("village__parent__parent_id"),
        regency_name=F("village__parent__parent__name"),
        province_name=F("village__parent__parent__parent__name"),
        kbli_code=F("kbli_id"),
        kbli_title=F("kbli__title"),
        figures_year=F("siinas_figures__year"),
        figures_investment=F("siinas_figures__investment"),
        figures_capacity=F("siinas_figures__production_capacity"),
        figures_capacity_unit=F("siinas_figures__capacity_unit"),
        figures_production_value=F("siinas_figures__production_value"),
        figures_male=F("siinas_figures__workforce_male"),
        figures_female=F("siinas_figures__workforce_female"),
        figures_workforce=F("siinas_figures__workforce_total"),
    )


class SiinasRows:
    """The rows of the file as cell values in COLUMN_NAMES order, read once in chunks; counts those with figures."""

    def __init__(self, queryset, *, year: int, semester: int):
        self.queryset, self.year, self.semester = queryset, year, semester
        self.with_figures = 0

    def __iter__(self) -> Iterator[list]:
        legal_forms = dict(LegalForm.choices)
        with_figures_note = _(
            "Angka setahun dari data tahunan %(year)s (registri mendata sekali setahun), bukan angka semester; kolom "
            "kosong = tidak dicatat registri."
        ) % {"year": self.year}
        without_figures_note = _("Belum ada data tahunan %(year)s untuk IKM ini di registri.") % {"year": self.year}
        for row in siinas_rows(self.queryset, year=self.year).iterator(chunk_size=chunk_size()):
            has_figures = row["figures_year"] is not None
            self.with_figures += has_figures
            values = {
                "tahun": self.year,
                "semester": self.semester,
                "nib": row["nib"],
                "nama_usaha": row["name"],
                "bentuk_usaha": str(legal_forms.get(row["legal_form"], row["legal_form"])),
                "alamat_usaha": row["address"],
                "kode_wilayah": row["village_code"],
                "desa": row["village_name"],
                "kecamatan": row["district_name"],
                "kode_kabupaten": row["regency_code"],
                "kabupaten": row["regency_name"],
                "provinsi": row["province_name"],
                "kbli": row["kbli_code"],
                "uraian_kbli": row["kbli_title"],
                "produk_utama": row["main_product"],
                "bahan_baku": row["raw_materials"],
                "keterangan": with_figures_note if has_figures else without_figures_note,
            }
            if has_figures:
                values.update(
                    {
                        "tahun_data": row["figures_year"],
                        "investasi_tanpa_tanah_bangunan": row["figures_investment"],
                        "kapasitas_terpasang": row["figures_capacity"],
                        "satuan_kapasitas": row["figures_capacity_unit"],
                        "nilai_produksi": row["figures_production_value"],
                        "tenaga_kerja_laki": row["figures_male"],
                        "tenaga_kerja_perempuan": row["figures_female"],
                        "tenaga_kerja": row["figures_workforce"],
                    }
                )
            yield [values.get(name) for name in COLUMN_NAMES]


def column_notes(*, year: int, semester: int) -> list[list[str]]:
    """The XLSX's second sheet: the period, then each column with what it holds and where its value comes from."""
    return [
        [_("Kolom"), _("Isi (item SIINas, Permenperin 13/2025 Pasal 7)"), _("Sumber di Registri IKM")],
        [
            _("Periode"),
            _("Tahun %(year)s semester %(semester)s.") % {"year": year, "semester": semester},
            _(
                "Registri mendata angka IKM sekali setahun: setiap baris memuat angka data tahunan %(year)s (bila ada) "
                "untuk kedua semester; angka semester tidak diperkirakan."
            )
            % {"year": year},
        ],
        *[[name, str(meaning), str(source)] for name, meaning, source in COLUMNS],
    ]


def _check(*, semester: int, file_format: str) -> None:
    if file_format not in FORMATS:
        raise ValueError(f"unknown format {file_format!r}")
    if semester not in SEMESTERS:
        raise ValueError(f"semester must be 1 or 2, not {semester!r}")


def _log(*, year: int, semester: int, file_format: str, filter: str, row_count: int, with_figures: int) -> dict:
    """The export log entry of a file of `row_count` rows (none without a row)."""
    if not row_count:
        return {}
    period = _("SIINas %(year)s semester %(semester)s") % {"year": year, "semester": semester}
    return {
        "what": Business._meta.label_lower,
        "file_format": file_format,
        "filter": f"{period}; {filter}" if filter else period,
        "row_count": row_count,
        "personal_data": False,  # no owner: name, NIK and contacts are not in the file
        "individual_data": with_figures > 0,
    }


def _filename(year: int, semester: int, file_format: str) -> str:
    return f"siinas-ikm-{year}-s{semester}-{timezone.localdate():%Y%m%d}.{file_format}"


def businesses_siinas_export(
    *,
    queryset,
    user,
    year: int,
    semester: int,
    file_format: str,
    filter: str = "",
    logged: bool = True,
    on_rows=None,
) -> ExportFile:
    """The SIINas-shaped file of `queryset` (filtered and scoped by the caller) for period `year`/`semester`, as
    CSV or XLSX (`file_format`: "csv" or "xlsx"), in a temporary file; logged as an export of individual figures when
    it has a row (`logged=False`: by whoever hands it out, with `ExportFile.log`). `on_rows(done)` follows the
    writing."""
    _check(semester=semester, file_format=file_format)
    handle = tempfile.SpooledTemporaryFile(max_size=SPOOL_BYTES)
    rows = SiinasRows(queryset, year=year, semester=semester)
    writing = counted(rows, on_rows)
    if file_format == CSV:
        count = write_csv(writing, COLUMN_NAMES, handle, numeric=NUMERIC)
    else:
        count = write_xlsx(
            writing,
            COLUMN_NAMES,
            handle,
            title="SIINas",
            numeric=NUMERIC,
            text_columns=TEXT_COLUMNS,
            notes=(_("Keterangan kolom"), column_notes(year=year, semester=semester)),
        )
    handle.seek(0)
    log = _log(
        year=year,
        semester=semester,
        file_format=file_format,
        filter=filter,
        row_count=count,
        with_figures=rows.with_figures,
    )
    if log and logged:
        export_logged(user=user, **log)
    return ExportFile(
        file=handle,
        filename=_filename(year, semester, file_format),
        content_type=CONTENT_TYPES[file_format],
        row_count=count,
        personal_data=False,
        year=year,
        log=log,
    )


def businesses_siinas_stream(*, queryset, user, year: int, semester: int, filter: str = "") -> ExportStream:
    """The SIINas CSV of `queryset` streamed (ikm_registry.streaming): the header at once, the rows chunk by chunk,
    logged when it ends with the rows sent."""
    _check(semester=semester, file_format=CSV)
    rows = SiinasRows(queryset, year=year, semester=semester)

    def log(sent: int) -> None:
        entry = _log(
            year=year, semester=semester, file_format=CSV, filter=filter, row_count=sent, with_figures=rows.with_figures
        )
        if entry:
            export_logged(user=user, **entry)

    return ExportStream(
        pieces=iter(CsvStream(rows, COLUMN_NAMES, numeric=NUMERIC, log=log)),
        filename=_filename(year, semester, CSV),
        content_type=CONTENT_TYPES[CSV],
        personal_data=False,
        year=year,
    )
