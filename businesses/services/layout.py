"""The business spreadsheet layout of DESIGN §8, shared by the import, the export and the downloadable template.

One row per business; header names as here (case and surrounding spaces ignored on import). CSV files we write
are UTF-8 with a byte-order mark, semicolon-separated and with a decimal comma, the way Excel in an Indonesian
locale opens them directly; the import reads commas or semicolons and either decimal mark.
"""

from __future__ import annotations

# Cells, CSV conventions and the rejects column are the tabular engine's (ikm_registry/tabular/cells.py).
from ikm_registry.tabular.cells import (  # noqa: F401 (re-exported)
    CSV_DELIMITER,
    CSV_ENCODING,
    FORMULA_PREFIXES,
    REASON_COLUMN,
    cell_text,
    decimal_text,
    neutralise,
    unneutralise,
)

COLUMNS = (
    "nama_usaha",
    "nib",
    "bentuk_usaha",
    "nama_pemilik",
    "nik_pemilik",
    "jenis_kelamin_pemilik",
    "telepon",
    "email",
    "alamat",
    "kode_wilayah",
    "kbli",
    "subsektor_ekraf",
    "produk_utama",
    "tahun_berdiri",
    "tenaga_kerja_laki",
    "tenaga_kerja_perempuan",
    "nilai_investasi",
    "omzet_tahunan",
    "kapasitas_produksi",
    "satuan_kapasitas",
    "nilai_produksi",
    "latitude",
    "longitude",
    "status",
)
REQUIRED = ("nama_usaha", "nama_pemilik", "kode_wilayah", "kbli")
# The owner's personal data (UU 27/2022): only for roles that may see it, and every export of it is logged.
PERSONAL = ("nik_pemilik", "telepon", "email")
# Columns whose cells are numbers we format ourselves (never free text, so never a formula).
NUMERIC = (
    "tahun_berdiri",
    "tenaga_kerja_laki",
    "tenaga_kerja_perempuan",
    "nilai_investasi",
    "omzet_tahunan",
    "kapasitas_produksi",
    "nilai_produksi",
    "latitude",
    "longitude",
)
# The figures of one data year (BusinessYear).
YEARLY = (
    "tenaga_kerja_laki",
    "tenaga_kerja_perempuan",
    "nilai_investasi",
    "omzet_tahunan",
    "kapasitas_produksi",
    "satuan_kapasitas",
    "nilai_produksi",
)
