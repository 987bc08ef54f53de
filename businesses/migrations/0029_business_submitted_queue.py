# The admin home's queue of submitted businesses from an index (issue 15, point 5): Business.status_changed_at, which
# the workflow engine writes with each step, and a partial index on the submitted rows in queue order.

import django.db.models.functions.comparison
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models
from django.db.models import OuterRef, Subquery


def submitted_since_from_the_log(apps, schema_editor):
    """A business waiting now: since its latest step into `submitted` in the log. Every other row stays empty (its
    state's start is not needed; a row without a logged step counts from its creation, as the queue did)."""
    Business = apps.get_model("businesses", "Business")
    TransitionLog = apps.get_model("ikm_registry", "TransitionLog")
    ContentType = apps.get_model("contenttypes", "ContentType")
    content_type = ContentType.objects.filter(app_label="businesses", model="business").first()
    if content_type is None:
        return
    entered = TransitionLog.objects.filter(
        content_type=content_type, object_id=OuterRef("pk"), to_state="submitted"
    ).order_by("-at")
    Business.objects.filter(status="submitted").update(status_changed_at=Subquery(entered.values("at")[:1]))


class Migration(migrations.Migration):

    dependencies = [
        ('businesses', '0028_report_figures'),
        ('contenttypes', '0002_remove_content_type_name'),
        ('ikm_registry', '0019_api_token'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        # The column is added empty (existing rows do not know since when); the model's default, for new rows, lives
        # in Python only: an AddField with it would stamp every existing row with the time of the migration.
        migrations.SeparateDatabaseAndState(
            database_operations=[
                migrations.AddField(
                    model_name='business',
                    name='status_changed_at',
                    field=models.DateTimeField(blank=True, editable=False, null=True, verbose_name='status sejak'),
                ),
            ],
            state_operations=[
                migrations.AddField(
                    model_name='business',
                    name='status_changed_at',
                    field=models.DateTimeField(blank=True, default=django.utils.timezone.now, editable=False, null=True, verbose_name='status sejak'),
                ),
            ],
        ),
        migrations.RunPython(submitted_since_from_the_log, migrations.RunPython.noop, elidable=True),
        migrations.AddIndex(
            model_name='business',
            index=models.Index(django.db.models.functions.comparison.Coalesce('status_changed_at', 'created_at'), models.F('id'), condition=models.Q(('status', 'submitted')), name='business_submitted_queue'),
        ),
    ]
