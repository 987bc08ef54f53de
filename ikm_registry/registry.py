"""Registries: how an app contributes to a page or mechanism of the core without the core importing the app.

A `Registry` holds named entries (classes or `Contribution` objects), in a stable order, and hands out those a
user may see. Apps fill them in their `AppConfig.ready()` (or in a module the registry autodiscovers, as reports do
from `<app>.reports`), so the core and `businesses` never name `events` or `certification`:

    from ikm_registry.admin_home import AdminPanel, admin_panels

    class EventsConfig(AppConfig):
        def ready(self):
            admin_panels.register(AdminPanel(name="events", title=_("Kegiatan"), items=events_needing_attention))

The registries of the project (docs/architecture.md lists them):

- `ikm_registry.reports.base.reports`: PDF reports (`@register` on a Report class);
- `ikm_registry.public_cache.public_models`: models whose changes retire the cached public pages;
- `ikm_registry.admin_home.admin_panels`: panels of the admin home's "Perlu perhatian";
- `ikm_registry.reports.sections.report_sections`: sections of a sectioned report (Profil IKM);
- `ikm_registry.admin_history.timeline_sources`: extra rows on a record's Riwayat page;
- `ikm_registry.statistics.statistics_panels`: panels of the public Statistik page;
- `ikm_registry.opendata.datasets`: open-data datasets (/data/, the CKAN action API, the DCAT catalog).

Tests register a throwaway entry with `with registry.registered(entry): ...`, which removes it afterwards.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

from django.core.exceptions import ImproperlyConfigured
from django.utils.module_loading import autodiscover_modules

T = TypeVar("T")

DEFAULT_ORDER = 100

_sequence = itertools.count()


@dataclass(frozen=True, kw_only=True)
class Contribution:
    """An entry of a registry: a unique `name`, an `order` (smaller first; ties in registration order) and who may
    see it: `permission(user) -> bool` (None: whoever reaches the page)."""

    name: str
    order: int = DEFAULT_ORDER
    permission: Callable[[Any], bool] | None = field(default=None, compare=False)

    def allowed(self, user) -> bool:
        return self.permission is None or bool(self.permission(user))


class Registry(Generic[T]):
    """Named entries in order. An entry is anything with a name: `key(entry)` gives it (default: its `name`
    attribute); `order(entry)` its place (default: its `order` attribute, else DEFAULT_ORDER), ties in registration
    order.

    `discover`: a module name imported from every installed app before the first read (like admin.py), for
    registries filled by decorators in such modules. `on_register` / `on_unregister` are called with each entry
    (the public-cache registry connects and disconnects signals there).
    """

    def __init__(
        self,
        label: str,
        *,
        key: Callable[[T], str] | None = None,
        order: Callable[[T], int] | None = None,
        discover: str | None = None,
        on_register: Callable[[T], None] | None = None,
        on_unregister: Callable[[T], None] | None = None,
    ):
        self.label = label
        self._key = key or (lambda entry: entry.name)
        self._order = order or (lambda entry: getattr(entry, "order", DEFAULT_ORDER))
        self._discover = discover
        self._discovered = discover is None
        self._on_register = on_register
        self._on_unregister = on_unregister
        self._entries: dict[str, tuple[int, T]] = {}

    def __repr__(self):
        return f"<Registry {self.label}: {', '.join(self._entries)}>"

    # --- writing --------------------------------------------------------------------------------------------------

    def register(self, entry: T, *, replace: bool = False) -> T:
        """Add `entry` and return it (so that it works as a class decorator). A second entry under the same name is
        an error (ImproperlyConfigured) unless `replace`, which keeps the first one's place in the order of ties."""
        name = self._key(entry)
        if not name:
            raise ImproperlyConfigured(f"{self.label}: an entry needs a name ({entry!r}).")
        existing = self._entries.get(name)
        if existing is not None:
            if not replace and existing[1] is not entry:
                raise ImproperlyConfigured(f"{self.label}: {name!r} is registered already.")
            if self._on_unregister:
                self._on_unregister(existing[1])
        sequence = existing[0] if existing is not None else next(_sequence)
        self._entries[name] = (sequence, entry)
        if self._on_register:
            self._on_register(entry)
        return entry

    def unregister(self, name_or_entry) -> None:
        name = name_or_entry if isinstance(name_or_entry, str) else self._key(name_or_entry)
        try:
            _sequence_, entry = self._entries.pop(name)
        except KeyError:
            raise LookupError(f"{self.label}: {name!r} is not registered.") from None
        if self._on_unregister:
            self._on_unregister(entry)

    @contextmanager
    def registered(self, entry: T):
        """Register `entry` for the duration of a `with` block (tests)."""
        self.register(entry)
        try:
            yield entry
        finally:
            if self._entries.get(self._key(entry), (None, None))[1] is entry:
                self.unregister(entry)

    # --- reading --------------------------------------------------------------------------------------------------

    def _load(self) -> None:
        if not self._discovered:
            self._discovered = True
            autodiscover_modules(self._discover)

    def __iter__(self) -> Iterator[T]:
        self._load()
        ordered = sorted(self._entries.values(), key=lambda item: (self._order(item[1]), item[0]))
        return iter([entry for _sequence_, entry in ordered])

    def __len__(self) -> int:
        self._load()
        return len(self._entries)

    def __contains__(self, name_or_entry) -> bool:
        self._load()
        if isinstance(name_or_entry, str):
            return name_or_entry in self._entries
        entry = self._entries.get(self._key(name_or_entry))
        return entry is not None and entry[1] is name_or_entry

    def get(self, name: str) -> T:
        """The entry named `name`; LookupError when there is none."""
        self._load()
        try:
            return self._entries[name][1]
        except KeyError:
            raise LookupError(f"{self.label}: {name!r} is not registered.") from None

    def names(self) -> list[str]:
        return [self._key(entry) for entry in self]

    def visible_to(self, user, **match) -> list[T]:
        """The entries `user` may see (their `allowed(user)`, when they have one), in order; `match`: only those whose
        attributes have these values (e.g. `report="profil-ikm"`)."""
        return [
            entry
            for entry in self
            if all(getattr(entry, attribute, None) == value for attribute, value in match.items())
            and (not hasattr(entry, "allowed") or entry.allowed(user))
        ]
