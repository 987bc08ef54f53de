"""Files sent to the browser while they are read from the database: an export of any length leaves in constant
memory, its first bytes at once.

A queryset's `.iterator(chunk_size=...)` reads its rows in chunks. On PostgreSQL it does so through a server-side
(named) cursor; outside a transaction Django declares it WITH HOLD, which makes PostgreSQL run the whole query and
keep its result before the first row is fetched (and which a transaction-pooling pgbouncer cannot keep between
transactions). `cursor_reading()` opens a transaction around the reading, so the cursor is a plain one that fetches
as it goes. On SQLite it opens none: a transaction there takes the write lock (transaction_mode IMMEDIATE), and a
read needs none (WAL). `DISABLE_SERVER_SIDE_CURSORS` must stay off: without server-side cursors the driver fetches
the whole result at once.
"""

from __future__ import annotations

import codecs
import csv
import io
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager

from django.db import DEFAULT_DB_ALIAS, connections, transaction

# A streamed file leaves in pieces of about this size (one write to the socket each).
PIECE_BYTES = 64 * 1024


@contextmanager
def cursor_reading(using: str = DEFAULT_DB_ALIAS):
    """The block's `.iterator()` reads go through a server-side cursor that fetches chunk by chunk (see above)."""
    connection = connections[using]
    if connection.vendor == "postgresql" and connection.get_autocommit():
        with transaction.atomic(using=using):
            yield
    else:
        yield


def streamed(pieces: Iterable[bytes], *, finished: Callable[[], None]) -> Iterator[bytes]:
    """`pieces` read inside cursor_reading(), then `finished()` — also when the download stops halfway (the browser
    went away: the server closes this generator), so that what has left is accounted for (the export log)."""
    try:
        with cursor_reading():
            yield from pieces
    finally:
        finished()


def csv_pieces(header: list, rows: Iterable[list], *, delimiter: str, encoding: str) -> Iterator[bytes]:
    """A CSV file (`header`, then `rows` of cell text) in pieces of about PIECE_BYTES, the header alone first: it
    leaves before the rows are read. The bytes are those csv.writer writes to a file in `encoding` (one byte-order
    mark at the start for utf-8-sig)."""
    text = io.StringIO()
    writer = csv.writer(text, delimiter=delimiter)
    encoder = codecs.getincrementalencoder(encoding)()
    writer.writerow(header)
    yield encoder.encode(text.getvalue())
    text.seek(0)
    text.truncate()
    for row in rows:
        writer.writerow(row)
        if text.tell() >= PIECE_BYTES:
            yield encoder.encode(text.getvalue())
            text.seek(0)
            text.truncate()
    yield encoder.encode(text.getvalue(), final=True)
