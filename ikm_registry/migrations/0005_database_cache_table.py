"""The table of the default cache (CACHE_URL=dbcache://registri_ikm_cache), so that `migrate` alone sets it up.

`createcachetable` would create it too, but only for the caches configured when it runs; the default must exist
whatever CACHE_URL said at migration time, so that switching back to it needs no extra step.
"""

from django.core.management.commands.createcachetable import Command as CreateCacheTable
from django.db import migrations

TABLE = "registri_ikm_cache"


def create_cache_table(apps, schema_editor):
    command = CreateCacheTable()
    command.verbosity = 0
    command.create_table(schema_editor.connection.alias, TABLE, dry_run=False)


def drop_cache_table(apps, schema_editor):
    schema_editor.execute(f"DROP TABLE IF EXISTS {schema_editor.quote_name(TABLE)}")


class Migration(migrations.Migration):
    dependencies = [("ikm_registry", "0004_background_jobs_private_files")]

    operations = [migrations.RunPython(create_cache_table, drop_cache_table, elidable=False)]
