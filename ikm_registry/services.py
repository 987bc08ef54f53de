"""Writes that belong to the project as a whole rather than to one app."""

from __future__ import annotations

from collections.abc import Mapping

from django.db import models
from django.http import QueryDict

from ikm_registry.models import ExportLog
from ikm_registry.scoping import SystemActor


def _filter_text(filter) -> str:
    if filter is None:
        return ""
    if isinstance(filter, QueryDict):
        return filter.urlencode()
    if isinstance(filter, Mapping):
        return "&".join(
            f"{key}={value.pk if isinstance(value, models.Model) else value}"
            for key, value in sorted(filter.items())
            if value not in (None, "")
        )
    return str(filter)


def command_actor(command: str) -> str:
    """Who made a file without a user account, for the export log: the management command and the system account
    that ran it (SystemActor.log_name)."""
    return SystemActor(command).log_name


def export_logged(
    *,
    user=None,
    actor: str = "",
    what: str | type[models.Model],
    file_format: str,
    filter: str | Mapping | None,
    row_count: int,
    personal_data: bool,
    individual_data: bool = False,
) -> ExportLog:
    """Record one file that leaves with personal data or individual figures (UU 27/2022 PDP): who, when, what, filter.

    Call it for every such file an export view, report view or command hands out, with the filter the rows were
    selected by (the query string of the list page, a dict, or a description) and the number of rows (records) in
    it. `what` is the model exported, as a class or a label such as "businesses.business", or "report:<name>" for a
    PDF report. `user` is the staff user who receives the file; `actor` names the command that made it (required
    without a user: a command run without --user); a file the site hands a user has none. `personal_data`: it names people or holds their NIK, phone, e-mail or address;
    `individual_data`: it holds one business's figures (or sums over fewer businesses than the public statistics
    allow).
    """
    if isinstance(user, SystemActor):  # a command without --user: no account, the command is named
        user, actor = None, actor or user.log_name
    if isinstance(what, type) and issubclass(what, models.Model):
        what = what._meta.label_lower
    if row_count < 0:
        raise ValueError("row_count must not be negative")
    if user is None and not actor:
        raise ValueError("name the user or, for a command without one, the actor")
    return ExportLog.objects.create(
        user=user,
        actor=actor[: ExportLog._meta.get_field("actor").max_length],
        what=what,
        file_format=file_format.lower(),
        filter=_filter_text(filter),
        row_count=row_count,
        personal_data=personal_data,
        individual_data=individual_data,
    )
