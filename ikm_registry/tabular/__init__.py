"""The tabular import engine shared by every app (see engine.py): reading with limits, column classes, plan and
preview, all-or-nothing or skip-invalid with rejects, idempotent matching, bulk history, progress, a registry of
importers and one upload record (ikm_registry.models.TabularImport)."""
