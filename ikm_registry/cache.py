"""The default cache: a table in the registry's own database, shared by every process and machine of an install.

Django's DatabaseCache increments a counter by reading and writing it back, so two processes counting at the same
moment can lose one count. Rate limits (django-ratelimit) count requests with `incr`; here it locks the row and
updates it in one transaction, so every count is kept.
"""

import base64
import pickle

from django.core.cache.backends.db import DatabaseCache as DjangoDatabaseCache
from django.db import connections, router, transaction
from django.utils.timezone import now

# The table `migrate` creates (ikm_registry migration "database_cache_table") and the default CACHE_URL names.
TABLE = "registri_ikm_cache"


class DatabaseCache(DjangoDatabaseCache):
    """Django's database cache with an atomic `incr`/`decr` that keeps the entry's expiry."""

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
