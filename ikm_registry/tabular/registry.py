"""The importers apps contribute: kind → Importer class, found by the admin's upload pages, the background jobs
and the commands.

An app registers its importer when it is ready (AppConfig.ready imports the module that calls `register`):

    from ikm_registry.tabular import registry
    from ikm_registry.tabular.engine import Importer

    @registry.register
    class ParticipantImporter(Importer):
        kind = "participants"
        ...
"""

from __future__ import annotations

from django.core.exceptions import ImproperlyConfigured

_importers: dict[str, type] = {}


def register(importer_class: type) -> type:
    """Register an Importer subclass under its `kind`; usable as a class decorator. Registering another class for a
    kind already taken is a configuration error (re-registering the same class is harmless)."""
    kind = getattr(importer_class, "kind", "")
    if not kind:
        raise ImproperlyConfigured(f"{importer_class.__name__} has no `kind`.")
    known = _importers.get(kind)
    if known is not None and known is not importer_class and known.__qualname__ != importer_class.__qualname__:
        raise ImproperlyConfigured(f"Importer kind {kind!r} is already registered by {known.__name__}.")
    _importers[kind] = importer_class
    return importer_class


def unregister(kind: str) -> None:
    _importers.pop(kind, None)


def get(kind: str) -> type:
    """The importer class of `kind`; LookupError when none is registered."""
    try:
        return _importers[kind]
    except KeyError:
        raise LookupError(f"No importer registered for kind {kind!r}.") from None


def choices() -> list[tuple[str, str]]:
    """(kind, label) of every registered importer, for forms and the command's help."""
    return [(kind, str(importer.label)) for kind, importer in sorted(_importers.items())]
