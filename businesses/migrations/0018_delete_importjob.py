from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("businesses", "0017_import_jobs_to_job"),
    ]

    operations = [
        migrations.DeleteModel(name="ImportJob"),
    ]
