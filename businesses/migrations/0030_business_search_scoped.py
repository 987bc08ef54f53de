# The directory's full-text index also holds the filters a search is narrowed by (issue 15, point 3): one GIN index
# over the published businesses' Indonesian text vector and an array of tokens for their region (every level), KBLI
# code (every length) and creative subsector. A search narrowed by region and KBLI is then one GIN scan that
# intersects the word's and the filters' posting lists, instead of three bitmaps ANDed (the region's and the KBLI
# division's hold a hundred thousand rows each at national scale; a token for the pair province and KBLI division
# makes that common narrowing one short list). A token b<mod(id, 16)> puts each business in one of
# sixteen arbitrary parts, from which a very common word's first matches are read (a sixteenth of its bitmap). It
# replaces business_search_fts, whose only queries (the public search) always ask for published businesses.
#
# The expressions must be exactly what businesses/filtersets.py compiles (SearchScope and Django's
# SearchVector("search_document", config="indonesian")), or PostgreSQL will not use the index;
# tests/businesses/test_public_search.py checks with EXPLAIN. Built CONCURRENTLY: a registry of millions stays
# writable while it is made.

from django.db import migrations

SCOPED = (
    "CREATE INDEX CONCURRENTLY IF NOT EXISTS business_search_scoped ON businesses_business USING gin ("
    "to_tsvector('indonesian'::regconfig, COALESCE(search_document, ''::text)), "
    "(ARRAY["
    "'w' || left(village_id, 2), 'w' || left(village_id, 5), 'w' || left(village_id, 8), 'w' || village_id, "
    "'k' || left(kbli_id, 2), 'k' || left(kbli_id, 3), 'k' || left(kbli_id, 4), 'k' || kbli_id, "
    "'s' || subsector_id, 'x' || left(village_id, 2) || left(kbli_id, 2), 'b' || mod(id, 16)::text"
    "]::text[])"
    ") WHERE status = 'published'"
)
FULL_TEXT = (
    "CREATE INDEX CONCURRENTLY IF NOT EXISTS business_search_fts ON businesses_business "
    "USING gin (to_tsvector('indonesian'::regconfig, COALESCE(search_document, ''::text)))"
)


def scoped_index(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(SCOPED)
    schema_editor.execute("DROP INDEX CONCURRENTLY IF EXISTS business_search_fts")


def full_text_index(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(FULL_TEXT)
    schema_editor.execute("DROP INDEX CONCURRENTLY IF EXISTS business_search_scoped")


class Migration(migrations.Migration):
    atomic = False  # CREATE INDEX CONCURRENTLY cannot run in a transaction

    dependencies = [
        ('businesses', '0029_business_submitted_queue'),
    ]

    operations = [
        migrations.RunPython(scoped_index, full_text_index, elidable=False),
    ]
