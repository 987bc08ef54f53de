"""Writes that belong to the project as a whole rather than to one app."""

from __future__ import annotations

from collections.abc import Mapping

from django.db import models
from django.http import QueryDict

from ikm_registry.models import ExportLog


def _filter_text(filter) -> str:
    if filter is None:
        return ""
    if isinstance(filter, QueryDict):
        return filter.urlencode()
    if isinstance(filter, Mapping):
        return "&".join(f"{key}={value}" for key, value in sorted(filter.items()) if value not in (None, ""))
    return str(filter)


def export_logged(
    *,
    user,
    what: str | type[models.Model],
    file_format: str,
    filter: str | Mapping | None,
    row_count: int,
    personal_data: bool,
) -> ExportLog:
    """Record one export (UU 27/2022 PDP asks it of every export containing personal data): who, when, what, filter.

    Call it for every file an export view or command hands out, with the filter the rows were selected by (the
    query string of the list page, a dict, or a description) and the number of rows written. `what` is the model
    exported, as a class or a label such as "businesses.business".
    """
    if isinstance(what, type) and issubclass(what, models.Model):
        what = what._meta.label_lower
    if row_count < 0:
        raise ValueError("row_count must not be negative")
    return ExportLog.objects.create(
        user=user,
        what=what,
        file_format=file_format.lower(),
        filter=_filter_text(filter),
        row_count=row_count,
        personal_data=personal_data,
    )
