"""The periodic work of businesses (see ikm_registry.jobs): the directory counts, renewed by every worker when the
public data changed (businesses/services/directory_counts.py)."""

from django.conf import settings

from ikm_registry.jobs import PeriodicWork, register_periodic_work


def _refresh_directory_counts():
    from businesses.services.directory_counts import refresh_directory_counts

    return refresh_directory_counts(force=False)


register_periodic_work(
    PeriodicWork(
        key="businesses.directory_counts",
        every=lambda: settings.DIRECTORY_COUNTS_CHECK_SECONDS,
        run=_refresh_directory_counts,
    )
)
