# Two ways a text search's stems are read from a short list instead of the word's whole one (issue 15, point 3), in
# one GIN index over each published business's Indonesian lexemes, each twice (business_search_keys()): with the
# business's bucket appended (`batik:0`, mod(id, 16)) and with its province and KBLI division (`batik:x3513`).
# - A very common word alone ("batik": 29,000 matches at 1,000,000 businesses) is first read from one sixteenth of
#   the registry (preferred_matches' bucket). Migration 0030 held the bucket as a token b<mod(id, 16)> of
#   business_search_scoped beside the words: a GIN scan then intersected the word's whole posting list with the
#   bucket's (a sixteenth of every published business), 3 ms; here the bucket's 1,800 matches are one list, 0.3 ms.
# - A search in a province and a KBLI division (the narrowing a province's office uses most) reads its stems from
#   the pair's list alone, not the word's intersected with the pair token's.
# business_search_scoped is rebuilt without the b token, which nothing asks for any more (built under another name,
# then swapped: searches keep their index meanwhile). ANALYZE at the end: the planner estimates a condition on an
# expression index from that index's own statistics, which a new index lacks until the table is analyzed again
# (autovacuum waits for a tenth of the rows to change); without them it misjudged the narrowed search and ANDed in
# a btree bitmap of a hundred thousand rows.
#
# The expressions must be exactly what businesses/filtersets.py compiles (SearchKeys, SearchScope), or PostgreSQL
# will not use the indexes; tests/businesses/test_public_search.py checks with EXPLAIN. Built CONCURRENTLY: a
# registry of millions stays writable while they are made.

from django.db import migrations

SEARCH_KEYS = (
    "CREATE OR REPLACE FUNCTION business_search_keys(document text, id bigint, village text, kbli text) "
    "RETURNS text[] LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$ "
    "SELECT coalesce(array_agg(key) FILTER (WHERE key IS NOT NULL), '{}') "
    "FROM unnest(to_tsvector('indonesian'::regconfig, coalesce(document, ''))) words, "
    "LATERAL (VALUES (lexeme || ':' || mod(id, 16)::text), (lexeme || ':x' || left(village, 2) || left(kbli, 2))) "
    "keys(key) "
    "$$"
)
KEYS = (
    "CREATE INDEX CONCURRENTLY IF NOT EXISTS business_search_keys ON businesses_business USING gin ("
    "business_search_keys(search_document, id, village_id, kbli_id)) WHERE status = 'published'"
)


def scoped(name: str, *, bucket_token: bool) -> str:
    tokens = (
        "'w' || left(village_id, 2), 'w' || left(village_id, 5), 'w' || left(village_id, 8), 'w' || village_id, "
        "'k' || left(kbli_id, 2), 'k' || left(kbli_id, 3), 'k' || left(kbli_id, 4), 'k' || kbli_id, "
        "'s' || subsector_id, 'x' || left(village_id, 2) || left(kbli_id, 2)"
    )
    if bucket_token:
        tokens += ", 'b' || mod(id, 16)::text"
    return (
        f"CREATE INDEX CONCURRENTLY IF NOT EXISTS {name} ON businesses_business USING gin ("
        "to_tsvector('indonesian'::regconfig, COALESCE(search_document, ''::text)), "
        f"(ARRAY[{tokens}]::text[])"
        ") WHERE status = 'published'"
    )


def _rebuild_scoped(schema_editor, *, bucket_token: bool):
    schema_editor.execute(scoped("business_search_scoped_new", bucket_token=bucket_token))
    schema_editor.execute("DROP INDEX CONCURRENTLY IF EXISTS business_search_scoped")
    schema_editor.execute("ALTER INDEX business_search_scoped_new RENAME TO business_search_scoped")


def search_keys(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(SEARCH_KEYS)
    schema_editor.execute(KEYS)
    _rebuild_scoped(schema_editor, bucket_token=False)
    schema_editor.execute("ANALYZE businesses_business")


def bucket_token(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    _rebuild_scoped(schema_editor, bucket_token=True)
    schema_editor.execute("DROP INDEX CONCURRENTLY IF EXISTS business_search_keys")
    schema_editor.execute("DROP FUNCTION IF EXISTS business_search_keys(text, bigint, text, text)")
    schema_editor.execute("ANALYZE businesses_business")


class Migration(migrations.Migration):
    atomic = False  # CREATE INDEX CONCURRENTLY cannot run in a transaction

    dependencies = [
        ('businesses', '0030_business_search_scoped'),
    ]

    operations = [
        migrations.RunPython(search_keys, bucket_token, elidable=False),
    ]
