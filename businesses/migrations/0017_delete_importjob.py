from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("businesses", "0016_import_jobs_to_job"),
    ]

    operations = [
        migrations.DeleteModel(name="ImportJob"),
    ]
