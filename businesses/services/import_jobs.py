"""Uploads of business files: the core's upload records and jobs (ikm_registry/tabular/uploads.py) with the business
importer's one option, the data year."""

from __future__ import annotations

from businesses.models import BUSINESS_IMPORT_KIND, BusinessImport
from ikm_registry.tabular.uploads import upload_plan, upload_store


def import_upload(*, upload, user, data_year: int, skip_invalid: bool) -> BusinessImport:
    """Keep an uploaded business file with its data year (see ikm_registry.tabular.uploads.upload_store)."""
    return upload_store(
        kind=BUSINESS_IMPORT_KIND,
        upload=upload,
        user=user,
        options={"year": data_year},
        skip_invalid=skip_invalid,
        model=BusinessImport,
    )


def import_plan_stored(business_import: BusinessImport, *, user, on_rows=None):
    """Check the stored file of an upload as `user` against the registry as it is now."""
    return upload_plan(business_import, user=user, on_rows=on_rows)
