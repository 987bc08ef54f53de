"""Open data (`/data/`): datasets of aggregates with Satu Data metadata, as CSV and JSON, and the two ways portals
harvest them — a CKAN-compatible action API (`/api/3/action/...`) and a DCAT-AP catalog (`/catalog.jsonld`).

The core knows no app: each app registers its datasets in `datasets` from its `AppConfig.ready()`:

    from ikm_registry.opendata import Column, Dataset, datasets

    datasets.register(Dataset(
        name="kegiatan-peserta",                  # the slug: /data/kegiatan-peserta/, .csv, .json; the CKAN name
        title=_("Kegiatan pembinaan dan pesertanya per tahun"),
        description=_("..."),
        concept=..., definition=..., method=..., measure=..., unit=...,   # BPS indicator metadata (MS-Ind)
        classifications=(_("Tahun"), _("Wilayah"), ...),                   # klasifikasi penyajian
        estimation_level=_("Kabupaten/kota"),
        columns=(Column("tahun", _("Tahun"), "integer"), Column("kode_wilayah", _("Kode wilayah (Kemendagri)")), ...),
        rows=event_rows,                          # rows() -> tuples, one value per column, in order
        modified=events_modified,                 # optional: when the data behind the rows last changed
        order=300,
    ))

`rows` must count only what the public may see, in one grouped query (never a loop over the registry), and must
never give one business's own figures: sums of confidential figures come only from the frozen statistics releases.
Rows are computed in Indonesian (the language of Satu Data) and cached (base.py: `dataset_summary`, `dataset_rows`).
"""

from ikm_registry.opendata.base import (
    Column,
    Dataset,
    Summary,
    dataset_recount,
    dataset_rows,
    dataset_summary,
    datasets,
    license_info,
    metadata_items,
    publisher_name,
)

__all__ = [
    "Column",
    "Dataset",
    "Summary",
    "dataset_recount",
    "dataset_rows",
    "dataset_summary",
    "datasets",
    "license_info",
    "metadata_items",
    "publisher_name",
]
