from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("ikm_registry", "0011_report_jobs_to_job"),
    ]

    operations = [
        migrations.DeleteModel(name="ReportJob"),
    ]
