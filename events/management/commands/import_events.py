from ikm_registry.tabular.command import TabularImportCommand


class Command(TabularImportCommand):
    help = (
        "Import an office's programme of events (CSV or XLSX): kode_kegiatan*, judul*, jenis* (workshop, "
        "pelatihan, bimtek, pameran, temu_usaha, studi_tiru, sosialisasi, pendampingan), tanggal_mulai*, "
        "tanggal_selesai, tempat, kode_wilayah_tempat*, penyelenggara (region code of the organising office; "
        "required without --user), kuota, pendaftaran_mulai, pendaftaran_selesai, publik (ya/tidak), mitra and "
        "narasumber (names separated by ';'), sumber_dana, anggaran, deskripsi. Dates as 2022-05-23, 23/05/2022 or "
        "23-05-2022. Every row is checked first; nothing is written unless every row is valid (or --skip-invalid). "
        "Rows match the office's events by kode_kegiatan: re-importing changes nothing."
    )
    kind = "events"  # events.importing.EventImporter
    command_name = "import_events"
