"""The rows of ReportJob become Job rows of kind "report", every field kept; waiting tasks of the queue are pointed
at the new rows. Reversible: going back moves the report jobs into ReportJob again."""

from django.db import migrations

REPORT = "report"
RUN_JOB = "ikm_registry.tasks.run_job"
RUN_REPORT_JOB = "ikm_registry.tasks.run_report_job"  # the task of ReportJob before run_job existed
LABEL = "ikm_registry.reportjob"
COMMON = ("status", "attempts", "worker_id", "started_at", "error", "finished_at", "queued_at", "title")


def _waiting_tasks(apps):
    """The waiting tasks of run_job (and run_report_job), read column by column: the columns of django-tasks-db's
    table differ between its migrations, and another app's state at this point may be ahead of or behind the table."""
    DBTaskResult = apps.get_model("django_tasks_database", "DBTaskResult")
    return DBTaskResult.objects.filter(status="READY", task_path__in=(RUN_JOB, RUN_REPORT_JOB)).only(
        "pk", "task_path", "args_kwargs"
    )


def report_jobs_to_job(apps, schema_editor):
    ReportJob = apps.get_model("ikm_registry", "ReportJob")
    Job = apps.get_model("ikm_registry", "Job")
    old_jobs = list(ReportJob.objects.order_by("pk"))
    if not old_jobs:
        return
    new_jobs = Job.objects.bulk_create(
        [
            Job(
                kind=REPORT,
                owner_id=old.user_id,
                params={"report": old.report, "data": old.params},
                phase="",
                file=old.file.name or "",
                progress_done=old.pages_done,
                progress_total=old.pages_total,
                result={
                    "row_count": old.row_count,
                    "personal_data": old.personal_data,
                    "individual_data": old.individual_data,
                },
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
        if task.task_path == RUN_JOB and len(args) == 2 and args[0] == LABEL:
            old_pk = args[1]
        elif task.task_path == RUN_REPORT_JOB and len(args) == 1:
            old_pk = args[0]
        else:
            continue
        if old_pk in new_pk:
            task.args_kwargs = {**task.args_kwargs, "args": [new_pk[old_pk]]}
            _waiting_tasks(apps).filter(pk=task.pk).update(task_path=RUN_JOB, args_kwargs=task.args_kwargs)


def job_to_report_jobs(apps, schema_editor):
    ReportJob = apps.get_model("ikm_registry", "ReportJob")
    Job = apps.get_model("ikm_registry", "Job")
    new_jobs = list(Job.objects.filter(kind=REPORT).order_by("pk"))
    if not new_jobs:
        return
    old_jobs = ReportJob.objects.bulk_create(
        [
            ReportJob(
                user_id=new.owner_id,
                report=(new.params or {}).get("report", ""),
                params=(new.params or {}).get("data") or {},
                file=new.file.name or "",
                pages_done=new.progress_done,
                pages_total=new.progress_total,
                row_count=(new.result or {}).get("row_count"),
                personal_data=(new.result or {}).get("personal_data"),
                individual_data=(new.result or {}).get("individual_data"),
                **{name: getattr(new, name) for name in COMMON},
            )
            for new in new_jobs
        ]
    )
    for new, old in zip(new_jobs, old_jobs, strict=True):
        old.created_at = new.created_at
    ReportJob.objects.bulk_update(old_jobs, ["created_at"])
    old_pk = {new.pk: old.pk for new, old in zip(new_jobs, old_jobs, strict=True)}
    for task in _waiting_tasks(apps).filter(task_path=RUN_JOB):
        args = task.args_kwargs.get("args") or []
        if len(args) == 1 and args[0] in old_pk:
            task.args_kwargs = {**task.args_kwargs, "args": [LABEL, old_pk[args[0]]]}
            _waiting_tasks(apps).filter(pk=task.pk).update(args_kwargs=task.args_kwargs)
    Job.objects.filter(pk__in=[new.pk for new in new_jobs]).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("ikm_registry", "0010_job"),
        ("django_tasks_database", "0018_rename_succeeded_status"),
    ]

    operations = [migrations.RunPython(report_jobs_to_job, job_to_report_jobs)]
