"""The registry's PDF reports (DESIGN §6), one module each; importing this package registers them with
ikm_registry.reports (its autodiscovery imports `<app>.reports`)."""

from businesses.reports import (
    growth,  # noqa: F401  (registers the report)
    listing,  # noqa: F401  (registers the report)
    profiles,  # noqa: F401  (registers the reports)
    rekap,  # noqa: F401  (registers the report)
)
