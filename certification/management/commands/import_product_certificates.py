from ikm_registry.tabular.command import TabularImportCommand


class Command(TabularImportCommand):
    help = (
        "Import the product certificates IKM hold (CSV or XLSX): one row per certificate with nib, or nama_usaha, "
        "nama_pemilik and kode_wilayah (a desa, kecamatan or kabupaten code, dotted or not); jenis* (halal, P-IRT, "
        "SNI, BPOM MD, BPOM ML, merek, lainnya), nomor*, produk (a product of the business by name, else kept as "
        "written), penerbit, tanggal_terbit, berlaku_sampai (default: P-IRT from its number, merek 10 years from "
        "tanggal_permohonan) and tanggal_permohonan. Dates as 2022-05-23, 23/05/2022 or 23-05-2022. Every row is "
        "checked first; nothing is written unless every row is valid (or --skip-invalid). Rows match by business, "
        "jenis and nomor: re-importing changes nothing."
    )
    kind = "product_certificates"  # certification.importing.ProductCertificateImporter
    command_name = "import_product_certificates"
