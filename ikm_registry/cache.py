"""The default cache: a table in the registry's own database, shared by every process and machine of an install.

Django's DatabaseCache increments a counter by reading and writing it back, so two processes counting at the same
moment can lose one count. Rate limits (django-ratelimit) count requests with `incr`; here it locks the row and
updates it in one transaction, so every count is kept.

When the table holds more than MAX_ENTRIES rows, Django's DatabaseCache deletes the alphabetically lowest third of
the keys. ":1:public-data-version" sorts before every ":1:public:..." page key, so each such cull deleted the public
data version and with it retired every cached public page. Here a cull deletes the entries that expire soonest
(pages of retired versions first: they were stored earliest) and never an entry stored without a timeout.
"""

import base64
import pickle
from datetime import datetime

from django.core.cache.backends.db import DatabaseCache as DjangoDatabaseCache
from django.db import connections, router, transaction
from django.utils.timezone import now

# The table `migrate` creates (ikm_registry migration "database_cache_table") and the default CACHE_URL names.
TABLE = "registri_ikm_cache"
# Django stores an entry without a timeout with the expiry datetime.max (9999-12-31); every real expiry is earlier.
KEPT_FROM = datetime(9000, 1, 1)


class DatabaseCache(DjangoDatabaseCache):
    """Django's database cache with an atomic `incr`/`decr` that keeps the entry's expiry, and a cull that keeps
    entries stored without a timeout (timeout=None: the public data version) and otherwise removes those that
    expire soonest."""

    def _cull(self, db, cursor, now, num):
        # Called by Django's _base_set, inside its cursor, when a set finds more than MAX_ENTRIES rows.
        connection = connections[db]
        table = connection.ops.quote_name(self._table)
        key = connection.ops.quote_name("cache_key")
        expires = connection.ops.quote_name("expires")
        adapt = connection.ops.adapt_datetimefield_value
        cursor.execute(f"DELETE FROM {table} WHERE {expires} < %s", [adapt(now)])
        remaining = num - cursor.rowcount
        if remaining <= self._max_entries:
            return
        if self._cull_frequency == 0:  # CULL_FREQUENCY=0: empty the cache, but for the kept entries
            cursor.execute(f"DELETE FROM {table} WHERE {expires} < %s", [adapt(KEPT_FROM)])
            return
        cursor.execute(
            f"DELETE FROM {table} WHERE {key} IN "
            f"(SELECT {key} FROM {table} WHERE {expires} < %s ORDER BY {expires}, {key} LIMIT %s)",
            [adapt(KEPT_FROM), remaining // self._cull_frequency],
        )

    def incr(self, key, delta=1, version=None):
        key = self.make_and_validate_key(key, version=version)
        db = router.db_for_write(self.cache_model_class)
        connection = connections[db]
        table = connection.ops.quote_name(self._table)
        # SQLite runs every transaction IMMEDIATE (settings): the first statement already holds the write lock.
        lock = " FOR UPDATE" if connection.features.has_select_for_update else ""
        expires_after = connection.ops.adapt_datetimefield_value(now().replace(microsecond=0, tzinfo=None))
        with transaction.atomic(using=db), connection.cursor() as cursor:
            cursor.execute(
                f"SELECT value FROM {table} WHERE cache_key = %s AND expires > %s{lock}", [key, expires_after]
            )
            row = cursor.fetchone()
            if row is None:
                raise ValueError(f"Key '{key}' not found")
            value = pickle.loads(base64.b64decode(connection.ops.process_clob(row[0]).encode())) + delta
            stored = base64.b64encode(pickle.dumps(value, self.pickle_protocol)).decode("latin1")
            cursor.execute(f"UPDATE {table} SET value = %s WHERE cache_key = %s", [stored, key])
        return value

    def decr(self, key, delta=1, version=None):
        return self.incr(key, -delta, version=version)
