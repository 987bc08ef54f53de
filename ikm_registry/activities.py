"""Activities that helped a business: the programme items other apps keep (events: a pelatihan, bimtek or
pendampingan), named by certification when it records what helped an IKM obtain a certificate — without either app
knowing the other. An app registers an `ActivitySource`; a record points at an activity with a generic relation
("app.model", pk), and the admin offers the activities the user may see.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from ikm_registry.registry import Contribution, Registry


@dataclass(frozen=True, kw_only=True)
class ActivitySource(Contribution):
    """`model`: "app.Model"; `choices(user) -> iterable of records` the user may pick (restricted, newest first,
    bounded); `label(record) -> str` as a list and a report name it."""

    label: Callable
    model: str
    choices: Callable


activity_sources: Registry[ActivitySource] = Registry("activity sources")


def activity_key(record) -> str:
    return f"{record._meta.label_lower}:{record.pk}"


def activity_choices(user) -> list[tuple[str, str]]:
    """(key, label) of every activity `user` may name, source by source."""
    return [
        (activity_key(record), source.label(record))
        for source in activity_sources.visible_to(user)
        for record in source.choices(user)
    ]


def activity_label(record) -> str:
    """How the activity `record` is named, by its source; "" for None."""
    if record is None:
        return ""
    for source in activity_sources:
        if source.model.lower() == record._meta.label_lower:
            return source.label(record)
    return str(record)
