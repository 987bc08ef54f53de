"""Business uploads become upload records of the core's tabular import engine (ikm_registry.TabularImport, kind
"businesses"); BusinessImport stays as a proxy of them. Every row is copied with its id, files, summary and counts
(the data year goes into `options`), so the background jobs of an upload (ikm_registry.Job, linked by content type
and id) keep pointing to the same upload once their content type is the core's; then the old table is dropped.
Reversible.
"""

from django.core.management.color import no_style
from django.db import migrations, models

KIND = "businesses"
COMMON = (
    "id",
    "file",
    "rejects_file",
    "background",
    "summary",
    "original_name",
    "uploaded_by_id",
    "uploaded_at",
    "skip_invalid",
    "state",
    "rows",
    "created",
    "updated",
    "unchanged",
    "invalid",
    "applied_at",
)


def _reset_sequence(schema_editor, model):
    with schema_editor.connection.cursor() as cursor:
        for sql in schema_editor.connection.ops.sequence_reset_sql(no_style(), [model]):
            cursor.execute(sql)


def copy_to_tabular_imports(apps, schema_editor):
    BusinessImport = apps.get_model("businesses", "BusinessImport")
    TabularImport = apps.get_model("ikm_registry", "TabularImport")
    batch = []
    for values in BusinessImport.objects.order_by("pk").values(*COMMON, "data_year").iterator():
        year = values.pop("data_year")
        batch.append(TabularImport(kind=KIND, options={"data_year": year}, **values))
        if len(batch) >= 500:
            TabularImport.objects.bulk_create(batch)
            batch = []
    TabularImport.objects.bulk_create(batch)
    _reset_sequence(schema_editor, TabularImport)


def remove_tabular_imports(apps, schema_editor):
    apps.get_model("ikm_registry", "TabularImport").objects.filter(kind=KIND).delete()


def copy_back_to_business_imports(apps, schema_editor):
    BusinessImport = apps.get_model("businesses", "BusinessImport")
    TabularImport = apps.get_model("ikm_registry", "TabularImport")
    batch = []
    for values in TabularImport.objects.filter(kind=KIND).order_by("pk").values(*COMMON, "options").iterator():
        options = values.pop("options") or {}
        batch.append(BusinessImport(data_year=options.get("data_year") or 0, **values))
    BusinessImport.objects.bulk_create(batch, batch_size=500)
    _reset_sequence(schema_editor, BusinessImport)


def _move_job_links(apps, source, target):
    ContentType = apps.get_model("contenttypes", "ContentType")
    Job = apps.get_model("ikm_registry", "Job")
    old = ContentType.objects.filter(app_label=source[0], model=source[1]).first()
    if old is None:
        return
    new, _ = ContentType.objects.get_or_create(app_label=target[0], model=target[1])
    Job.objects.filter(content_type=old).update(content_type=new)


def jobs_follow_uploads(apps, schema_editor):
    _move_job_links(apps, ("businesses", "businessimport"), ("ikm_registry", "tabularimport"))


def jobs_follow_uploads_back(apps, schema_editor):
    _move_job_links(apps, ("ikm_registry", "tabularimport"), ("businesses", "businessimport"))


class Migration(migrations.Migration):
    dependencies = [
        ("businesses", "0018_delete_importjob"),
        ("ikm_registry", "0013_tabular_import"),
    ]

    operations = [
        migrations.RunPython(copy_to_tabular_imports, remove_tabular_imports),
        migrations.RunPython(jobs_follow_uploads, jobs_follow_uploads_back),
        migrations.RunPython(migrations.RunPython.noop, copy_back_to_business_imports),
        migrations.DeleteModel(name="BusinessImport"),
        migrations.CreateModel(
            name="BusinessImport",
            fields=[],
            options={
                "verbose_name": "impor IKM",
                "verbose_name_plural": "impor IKM",
                "ordering": ["-uploaded_at"],
                "proxy": True,
                "indexes": [],
                "constraints": [],
            },
            bases=("ikm_registry.tabularimport",),
        ),
    ]
