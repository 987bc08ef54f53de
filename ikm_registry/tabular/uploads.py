"""Upload records (ikm_registry.TabularImport) of every importer: what is kept of them past their retention."""

from __future__ import annotations

from django.db.models import Q

# What a summary says of single rows (names, registered and new phones and e-mails, values quoted in reasons):
# dropped with the file when its retention runs out, while the totals stay.
SUMMARY_PERSONAL = ("rows", "errors", "notes", "updates")


def summaries_purge(imports, *, dry_run: bool = False) -> int:
    """Drop what the stored summaries of `imports` (past their retention; see ikm_registry.private_files) say of
    single rows; their totals and file errors stay. Returns how many summaries were (or would be) cleared."""
    personal = Q()
    for key in SUMMARY_PERSONAL:
        personal |= Q(summary__has_key=key)
    cleared = 0
    model = imports.model
    for pk, summary in imports.filter(personal).values_list("pk", "summary").iterator():
        cleared += 1
        if not dry_run:
            kept = {key: value for key, value in summary.items() if key not in SUMMARY_PERSONAL}
            model._base_manager.filter(pk=pk).update(summary={**kept, "purged": True})
    return cleared
