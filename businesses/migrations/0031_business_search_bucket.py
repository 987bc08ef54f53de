# A very common word alone ("batik": tens of thousands of matches at national scale) is first read from one
# sixteenth of the registry (preferred_matches' bucket). Migration 0030 held the bucket as a token b<mod(id, 16)> of
# business_search_scoped beside the words: a GIN scan then intersects the word's whole posting list with the
# bucket's (a sixteenth of every published business), 3 ms for "batik" at 1,000,000 businesses. Here each published
# business's Indonesian lexemes are indexed with its bucket appended (`batik:0`, business_bucket_lexemes()): the
# bucket's matches are one short posting list, read in a tenth of that. business_search_scoped is rebuilt without the
# b token, which nothing asks for any more (built under another name, then swapped: searches keep their index).
#
# The expressions must be exactly what businesses/filtersets.py compiles (SearchBucket, SearchScope), or PostgreSQL
# will not use the indexes; tests/businesses/test_public_search.py checks with EXPLAIN. Built CONCURRENTLY: a
# registry of millions stays writable while they are made.

from django.db import migrations

BUCKET_LEXEMES = (
    "CREATE OR REPLACE FUNCTION business_bucket_lexemes(document text, id bigint) RETURNS text[] "
    "LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$ "
    "SELECT coalesce(array_agg(lexeme || ':' || mod(id, 16)::text), '{}') "
    "FROM unnest(to_tsvector('indonesian'::regconfig, coalesce(document, ''))) "
    "$$"
)
BUCKET = (
    "CREATE INDEX CONCURRENTLY IF NOT EXISTS business_search_bucket ON businesses_business USING gin ("
    "business_bucket_lexemes(search_document, id)) WHERE status = 'published'"
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


def bucket_index(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(BUCKET_LEXEMES)
    schema_editor.execute(BUCKET)
    _rebuild_scoped(schema_editor, bucket_token=False)


def bucket_token(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    _rebuild_scoped(schema_editor, bucket_token=True)
    schema_editor.execute("DROP INDEX CONCURRENTLY IF EXISTS business_search_bucket")
    schema_editor.execute("DROP FUNCTION IF EXISTS business_bucket_lexemes(text, bigint)")


class Migration(migrations.Migration):
    atomic = False  # CREATE INDEX CONCURRENTLY cannot run in a transaction

    dependencies = [
        ('businesses', '0030_business_search_scoped'),
    ]

    operations = [
        migrations.RunPython(bucket_index, bucket_token, elidable=False),
    ]
