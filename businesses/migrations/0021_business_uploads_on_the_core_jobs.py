"""Business uploads run on the core's upload jobs: the jobs of the kinds import.check / import.apply become
tabular.check / tabular.apply, and an upload's data year is the importer's option `year`."""

from django.db import migrations

KINDS = {"import.check": "tabular.check", "import.apply": "tabular.apply"}


def forwards(apps, schema_editor):
    rename(apps, KINDS, "data_year", "year")


def backwards(apps, schema_editor):
    rename(apps, {new: old for old, new in KINDS.items()}, "year", "data_year")


def rename(apps, kinds, old_key, new_key):
    Job = apps.get_model("ikm_registry", "Job")
    TabularImport = apps.get_model("ikm_registry", "TabularImport")
    for old, new in kinds.items():
        Job.objects.filter(kind=old).update(kind=new)
    for upload in TabularImport.objects.filter(kind="businesses").only("pk", "options").iterator():
        options = dict(upload.options or {})
        if old_key in options:
            options[new_key] = options.pop(old_key)
            TabularImport.objects.filter(pk=upload.pk).update(options=options)


class Migration(migrations.Migration):
    dependencies = [
        ("businesses", "0020_business_transitions_into_transition_log"),
        ("ikm_registry", "0015_upload_records_of_commands_and_generic_import_jobs"),
    ]

    operations = [migrations.RunPython(forwards, backwards, elidable=True)]
