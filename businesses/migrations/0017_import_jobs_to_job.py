"""The rows of ImportJob become ikm_registry Job rows of kind "import.check" or "import.apply" working on their
BusinessImport (content type + object id), every field kept; waiting tasks of the queue are pointed at the new
rows. Reversible: going back moves the import jobs into ImportJob again."""

from django.db import migrations

RUN_JOB = "ikm_registry.tasks.run_job"
LABEL = "businesses.importjob"
KIND = {"check": "import.check", "apply": "import.apply"}
COMMON = ("status", "attempts", "worker_id", "started_at", "error", "finished_at", "queued_at", "phase")


def _waiting_tasks(apps):
    """The waiting tasks of run_job (and run_report_job), read column by column: the columns of django-tasks-db's
    table differ between its migrations, and another app's state at this point may be ahead of or behind the table."""
    DBTaskResult = apps.get_model("django_tasks_database", "DBTaskResult")
    return DBTaskResult.objects.filter(status="READY", task_path=RUN_JOB).only("pk", "task_path", "args_kwargs")


def _import_type(apps):
    ContentType = apps.get_model("contenttypes", "ContentType")
    return ContentType.objects.get_or_create(app_label="businesses", model="businessimport")[0]


def import_jobs_to_job(apps, schema_editor):
    ImportJob = apps.get_model("businesses", "ImportJob")
    Job = apps.get_model("ikm_registry", "Job")
    old_jobs = list(ImportJob.objects.order_by("pk"))
    if not old_jobs:
        return
    import_type = _import_type(apps)
    new_jobs = Job.objects.bulk_create(
        [
            Job(
                kind=KIND[old.kind],
                owner_id=old.user_id,
                title="",
                params={},
                content_type=import_type,
                object_id=old.business_import_id,
                progress_done=old.rows_done,
                progress_total=old.rows_total,
                **{name: getattr(old, name) for name in COMMON},
            )
            for old in old_jobs
        ]
    )
    for old, new in zip(old_jobs, new_jobs, strict=True):
        new.created_at = old.created_at  # bulk_create stamped now (auto_now_add); bulk_update does not
    Job.objects.bulk_update(new_jobs, ["created_at"])
    new_pk = {old.pk: new.pk for old, new in zip(old_jobs, new_jobs, strict=True)}
    for task in _waiting_tasks(apps):
        args = task.args_kwargs.get("args") or []
        if len(args) == 2 and args[0] == LABEL and args[1] in new_pk:
            task.args_kwargs = {**task.args_kwargs, "args": [new_pk[args[1]]]}
            _waiting_tasks(apps).filter(pk=task.pk).update(args_kwargs=task.args_kwargs)


def job_to_import_jobs(apps, schema_editor):
    ImportJob = apps.get_model("businesses", "ImportJob")
    Job = apps.get_model("ikm_registry", "Job")
    kinds = {new: old for old, new in KIND.items()}
    new_jobs = list(Job.objects.filter(kind__in=list(kinds), object_id__isnull=False).order_by("pk"))
    if not new_jobs:
        return
    old_jobs = ImportJob.objects.bulk_create(
        [
            ImportJob(
                kind=kinds[new.kind],
                user_id=new.owner_id,
                business_import_id=new.object_id,
                rows_done=new.progress_done,
                rows_total=new.progress_total,
                **{name: getattr(new, name) for name in COMMON},
            )
            for new in new_jobs
        ]
    )
    for new, old in zip(new_jobs, old_jobs, strict=True):
        old.created_at = new.created_at
    ImportJob.objects.bulk_update(old_jobs, ["created_at"])
    old_pk = {new.pk: old.pk for new, old in zip(new_jobs, old_jobs, strict=True)}
    for task in _waiting_tasks(apps):
        args = task.args_kwargs.get("args") or []
        if len(args) == 1 and args[0] in old_pk:
            task.args_kwargs = {**task.args_kwargs, "args": [LABEL, old_pk[args[0]]]}
            _waiting_tasks(apps).filter(pk=task.pk).update(args_kwargs=task.args_kwargs)
    Job.objects.filter(pk__in=[new.pk for new in new_jobs]).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("businesses", "0016_reference_data_moved_to_the_core"),
        # Job is created by the core; the report jobs move first, so that a waiting task is rewritten only once.
        ("ikm_registry", "0011_report_jobs_to_job"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("django_tasks_database", "0018_rename_succeeded_status"),
    ]

    operations = [migrations.RunPython(import_jobs_to_job, job_to_import_jobs)]
