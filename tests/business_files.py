"""Builders of business files (CSV and XLSX in the layout of DESIGN §8) for the import and export tests."""

from __future__ import annotations

import io
import zipfile

import openpyxl

from businesses.services.layout import COLUMNS

# A complete, valid row: a batik maker in Tuban (Badung, 51.03.01.1001) written the way an office types it.
VALID = {
    "nama_usaha": "Batik Sekar Jagad",
    "nib": "",
    "bentuk_usaha": "UD",
    "nama_pemilik": "Ni Made Sari",
    "nik_pemilik": "5103015508850001",  # Badung, Kuta; born 15-08-1985 (+40: a woman); serial 0001
    "jenis_kelamin_pemilik": "P",
    "telepon": "0812 3456 7890",
    "email": "sari@example.com",
    "alamat": "Jl. Raya Tuban No. 12",
    "kode_wilayah": "51.03.01.1001",
    "kbli": "13134",
    "subsektor_ekraf": "kriya",
    "produk_utama": "Kain batik tulis",
    "tahun_berdiri": "2015",
    "tenaga_kerja_laki": "2",
    "tenaga_kerja_perempuan": "3",
    "nilai_investasi": "Rp 50.000.000",
    "omzet_tahunan": "300.000.000",
    "kapasitas_produksi": "1.500",
    "satuan_kapasitas": "lembar/tahun",
    "nilai_produksi": "250000000",
    "latitude": "-8,7383",
    "longitude": "115.1686",
    "status": "",
}


def row(number: int = 0, **changes) -> dict:
    """A valid row; `number` makes name, owner (and NIK serial) distinct so many rows are not duplicates."""
    values = dict(VALID)
    if number:
        values["nama_usaha"] = f"Batik Sekar Jagad {number}"
        values["nama_pemilik"] = f"Ni Made Sari {number}"
        values["nik_pemilik"] = f"510301550885{number:04d}"
    values.update(changes)
    return values


def csv_bytes(rows: list[dict], *, columns=COLUMNS, delimiter: str = ",", bom: bool = False) -> bytes:
    lines = [delimiter.join(columns)]
    for values in rows:
        cells = []
        for column in columns:
            text = str(values.get(column, ""))
            if delimiter in text or '"' in text:
                text = '"' + text.replace('"', '""') + '"'
            cells.append(text)
        lines.append(delimiter.join(cells))
    data = ("\r\n".join(lines) + "\r\n").encode()
    return (b"\xef\xbb\xbf" + data) if bom else data


def xlsx_bytes(rows: list[list], header=COLUMNS) -> bytes:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(list(header))
    for cells in rows:
        sheet.append(cells)
    handle = io.BytesIO()
    workbook.save(handle)
    return handle.getvalue()


def write(tmp_path, name: str, content: bytes):
    path = tmp_path / name
    path.write_bytes(content)
    return path


# The four required columns, the header of a zip bomb.
ZIP_BOMB_COLUMNS = ["nama_usaha", "nama_pemilik", "kode_wilayah", "kbli"]


def zip_bomb(rows: int) -> bytes:
    """A valid workbook (header + `rows` identical rows in its one sheet): little to send, much more to unpack."""
    template = io.BytesIO(xlsx_bytes([], header=ZIP_BOMB_COLUMNS))
    header = b"".join(
        b'<c r="%s1" t="inlineStr"><is><t>%s</t></is></c>' % (letter, name.encode())
        for letter, name in zip((b"A", b"B", b"C", b"D"), ZIP_BOMB_COLUMNS, strict=True)
    )
    body = b'<row><c t="inlineStr"><is><t>Usaha</t></is></c></row>' * rows  # row and cell references are optional
    out = io.BytesIO()
    with zipfile.ZipFile(template) as source, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            data = source.read(info.filename)
            if info.filename == "xl/worksheets/sheet1.xml":
                head, tail = data.split(b"<sheetData>")[0], data.split(b"</sheetData>")[-1]
                data = head + b'<sheetData><row r="1">' + header + b"</row>" + body + b"</sheetData>" + tail
            target.writestr(info.filename, data)
    return out.getvalue()
