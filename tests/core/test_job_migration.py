"""The jobs became one model (issue 10 point 6): a database with ReportJob and ImportJob rows, and tasks waiting for
them in the queue, migrates to Job rows with every field kept and the tasks pointed at the new rows; migrating back
restores the old rows. Runs on SQLite and on PostgreSQL (DATABASE_URL)."""

from datetime import timedelta

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

BEFORE = [
    ("ikm_registry", "0009_reference_data_moves_to_the_core"),
    ("businesses", "0016_reference_data_moved_to_the_core"),
]
RUN_JOB = "ikm_registry.tasks.run_job"
RUN_REPORT_JOB = "ikm_registry.tasks.run_report_job"

T0 = timezone.now().replace(microsecond=0) - timedelta(days=3)


def at(minutes: int):
    return T0 + timedelta(minutes=minutes)


def migrate(targets):
    """Migrate the test database to `targets`; return the apps (historical models) of that state."""
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    executor = MigrationExecutor(connection)  # the state after, read afresh
    # The other apps as they are now; one whose migrations need ours past `targets` (events) was unapplied with them.
    applied = executor.loader.applied_migrations
    others = [
        node
        for node in executor.loader.graph.leaf_nodes()
        if node[0] not in {app for app, _ in targets} and node in applied
    ]
    return executor.loader.project_state([*targets, *others]).apps


def latest():
    executor = MigrationExecutor(connection)
    return executor.loader.graph.leaf_nodes()


def old_rows(apps):
    """Users, an upload, report and import jobs of every status, and tasks waiting for them (queued with each of
    the task signatures that existed)."""
    User = apps.get_model("auth", "User")
    BusinessImport = apps.get_model("businesses", "BusinessImport")
    ReportJob = apps.get_model("ikm_registry", "ReportJob")
    ImportJob = apps.get_model("businesses", "ImportJob")
    DBTaskResult = apps.get_model("django_tasks_database", "DBTaskResult")

    ana = User.objects.create(username="ana", is_staff=True)
    budi = User.objects.create(username="budi", is_staff=True)
    upload = BusinessImport.objects.create(
        original_name="besar.csv", uploaded_by=ana, data_year=2024, background=True, rows=40000, state="applying"
    )
    reports = {
        "done": ReportJob.objects.create(
            user=ana, report="daftar-ikm", title="Daftar IKM Badung", params={"region": "51.03"}, status="done",
            attempts=1, worker_id="w-1", started_at=at(1), finished_at=at(2), queued_at=at(0), pages_done=12,
            pages_total=12, row_count=340, personal_data=True, individual_data=False, file="reports/abc.pdf",
        ),
        "failed": ReportJob.objects.create(
            user=budi, report="rekap", params={"region": "51.71", "tahun": "2024"}, status="failed", attempts=2,
            worker_id="w-2", started_at=at(3), finished_at=at(4), queued_at=at(3), error="Pekerja berhenti.",
            pages_done=3, pages_total=9,
        ),
        "queued_old_task": ReportJob.objects.create(user=ana, report="daftar-ikm", queued_at=at(5)),
        "queued_run_job": ReportJob.objects.create(user=budi, report="daftar-ikm", queued_at=at(6)),
    }  # fmt: skip
    imports = {
        "check": ImportJob.objects.create(
            business_import=upload, kind="check", user=ana, status="done", attempts=1, worker_id="w-1",
            started_at=at(7), finished_at=at(8), queued_at=at(7), phase="checking", rows_done=40000, rows_total=40000,
        ),
        "apply": ImportJob.objects.create(
            business_import=upload, kind="apply", user=budi, status="queued", attempts=1, queued_at=at(9),
            phase="writing", rows_done=10, rows_total=40000, error="Pekerja latar belakang berhenti.",
        ),
    }  # fmt: skip
    created = {**{f"report {k}": (ReportJob, v) for k, v in reports.items()}}
    created.update({f"import {k}": (ImportJob, v) for k, v in imports.items()})
    for number, (model, job) in enumerate(created.values()):
        model.objects.filter(pk=job.pk).update(created_at=at(100 + number))  # not "now": kept, not stamped again

    def task(path, args, status="READY"):
        return DBTaskResult.objects.create(
            task_path=path, args_kwargs={"args": args, "kwargs": {}}, status=status, backend_name="default",
            run_after=at(0), exception_class_path="", traceback="",
        ).pk  # fmt: skip

    tasks = {
        "report old task": task(RUN_REPORT_JOB, [reports["queued_old_task"].pk]),
        "report run_job": task(RUN_JOB, ["ikm_registry.reportjob", reports["queued_run_job"].pk]),
        "import run_job": task(RUN_JOB, ["businesses.importjob", imports["apply"].pk]),
        "finished": task(RUN_JOB, ["ikm_registry.reportjob", reports["done"].pk], status="SUCCESSFUL"),
    }
    return {"users": (ana, budi), "upload": upload, "reports": reports, "imports": imports, "tasks": tasks}


COMMON = ("status", "attempts", "worker_id", "started_at", "error", "created_at", "finished_at", "queued_at")


def snapshot(job, fields) -> dict:
    return {name: getattr(job, name) for name in fields}


@pytest.mark.django_db(transaction=True)
def test_report_and_import_jobs_become_jobs_with_every_field_kept():
    from django.contrib.contenttypes.models import ContentType
    from django_tasks_db.models import DBTaskResult

    from businesses.models import BusinessImport
    from ikm_registry import jobs
    from ikm_registry.job_kinds import report_disclosure
    from ikm_registry.models import Job

    old_apps = migrate(BEFORE)
    old = old_rows(old_apps)
    ana, budi = old["users"]
    before = {
        "reports": {key: old_apps.get_model("ikm_registry", "ReportJob").objects.get(pk=job.pk)
                    for key, job in old["reports"].items()},
        "imports": {key: old_apps.get_model("businesses", "ImportJob").objects.get(pk=job.pk)
                    for key, job in old["imports"].items()},
    }  # fmt: skip

    migrate(latest())

    assert Job.objects.count() == 6
    report_jobs = list(Job.objects.filter(kind="report").order_by("created_at"))
    assert len(report_jobs) == 4
    for new, key in zip(report_jobs, ("done", "failed", "queued_old_task", "queued_run_job"), strict=True):
        was = before["reports"][key]
        assert snapshot(new, COMMON) == snapshot(was, COMMON), key
        assert (new.owner_id, new.title, new.file.name) == (was.user_id, was.title, was.file.name)
        assert new.params == {"report": was.report, "data": was.params}
        assert (new.phase, new.progress_done, new.progress_total) == ("", was.pages_done, was.pages_total)
        assert new.result == {
            "row_count": was.row_count,
            "personal_data": was.personal_data,
            "individual_data": was.individual_data,
        }
        assert new.target is None
    done = report_jobs[0]
    assert (done.status, done.created_at, done.percent) == ("done", at(100), 100)
    assert report_disclosure(done).row_count == 340 and not report_disclosure(done).individual_data
    assert report_disclosure(report_jobs[1]).personal_data  # recorded before disclosures: counts as holding both

    upload = BusinessImport.objects.get()
    import_jobs = list(upload.jobs.order_by("created_at"))
    assert [job.kind for job in import_jobs] == ["tabular.check", "tabular.apply"]
    for new, key in zip(import_jobs, ("check", "apply"), strict=True):
        was = before["imports"][key]
        assert snapshot(new, COMMON) == snapshot(was, COMMON), key
        assert (new.owner_id, new.phase, new.progress_done, new.progress_total) == (
            was.user_id,
            was.phase,
            was.rows_done,
            was.rows_total,
        )
        assert (new.content_type, new.target) == (ContentType.objects.get_for_model(BusinessImport), upload)
        assert (new.title, new.params, new.result, new.file.name) == ("", {}, {}, "")
    assert import_jobs[1].percent == 90 and str(import_jobs[1].phase_label) == "menulis ke registri"
    assert set(Job.objects.filter(owner_id=ana.pk).values_list("kind", flat=True)) == {"report", "tabular.check"}

    # The tasks that waited now run the new rows; a finished task's row stays as it was.
    tasks = {key: DBTaskResult.objects.get(pk=pk) for key, pk in old["tasks"].items()}
    by_key = {
        "report old task": report_jobs[2].pk,
        "report run_job": report_jobs[3].pk,
        "import run_job": import_jobs[1].pk,
    }
    for key, pk in by_key.items():
        assert (tasks[key].task_path, tasks[key].args_kwargs["args"]) == (RUN_JOB, [pk]), key
    assert tasks["finished"].args_kwargs["args"] == ["ikm_registry.reportjob", old["reports"]["done"].pk]
    # Their jobs wait for a task that exists, however long ago they were queued: nothing to recover.
    assert jobs.jobs_recover() == 0

    # Back: the old rows again, with their fields and their tasks.
    old_apps = migrate(BEFORE)
    ReportJob = old_apps.get_model("ikm_registry", "ReportJob")
    ImportJob = old_apps.get_model("businesses", "ImportJob")
    fields = (*COMMON, "user_id", "report", "title", "params", "pages_done", "pages_total", "row_count",
              "personal_data", "individual_data")  # fmt: skip
    again = sorted(ReportJob.objects.all(), key=lambda job: job.created_at)
    for new, was in zip(again, before["reports"].values(), strict=True):
        assert snapshot(new, fields) == snapshot(was, fields) and new.file.name == was.file.name
    import_fields = (*COMMON, "user_id", "kind", "business_import_id", "phase", "rows_done", "rows_total")
    again = sorted(ImportJob.objects.all(), key=lambda job: job.created_at)
    for new, was in zip(again, before["imports"].values(), strict=True):
        assert snapshot(new, import_fields) == snapshot(was, import_fields)
    waiting = old_apps.get_model("django_tasks_database", "DBTaskResult").objects.filter(status="READY")
    assert sorted(tuple(task.args_kwargs["args"][:1]) for task in waiting) == [
        ("businesses.importjob",),
        ("ikm_registry.reportjob",),
        ("ikm_registry.reportjob",),
    ]
    migrate(latest())
