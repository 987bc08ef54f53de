"""Named locks held until the current transaction ends: "check, then insert" without a race between two clients.

PostgreSQL: a transaction-level advisory lock per name (pg_advisory_xact_lock), so two transactions with the same
name run their check-and-insert one after the other while others go on in parallel. SQLite: every transaction is
IMMEDIATE (settings), so a transaction that writes already holds the database's single write lock from its first
statement; nothing more is needed. Call inside `transaction.atomic()`, before the check.
"""

import hashlib

from django.db import connection


def lock_names(*names: str) -> None:
    """Take the locks for `names` (sorted, so two callers never wait on each other crosswise)."""
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        for name in sorted(set(names)):
            key = int.from_bytes(hashlib.blake2b(name.encode(), digest_size=8).digest(), "big", signed=True)
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [key])
