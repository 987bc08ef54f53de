from ikm_registry.tabular.command import TabularImportCommand


class Command(TabularImportCommand):
    help = (
        "Import an LSP's result sheet (CSV or XLSX): one row per asesi with nama*, nik, nib (the business the asesi "
        "works for; else found by nik as its owner's NIK), jabatan (pemilik, pengelola, pemasaran, produksi, "
        "lainnya; default pengelola), skema* (the scheme's code), lsp (the LSP's name, when two LSPs share a "
        "code), tanggal_uji, hasil* (K or BK), nomor_sertifikat, nomor_registrasi, tanggal_terbit (both required "
        "for K) and berlaku_sampai (default: the scheme's validity). Dates as 2022-05-23, 23/05/2022 or 23-05-2022. "
        "Every row is checked first; nothing is written unless every row is valid (or --skip-invalid). A row "
        "matches the person's enrollment in that business and scheme by NIK, else name: re-importing changes "
        "nothing."
    )
    kind = "certificates"  # certification.importing.CertificateImporter
    command_name = "import_certificates"
