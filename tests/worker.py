"""The background worker (`manage.py db_worker`) run in the test's own process, shared by the job and import tests."""


def run_queued_jobs():
    """What `db_worker` does with the queue, in this process and inside the test's transaction (the command itself
    closes the connection between tasks, and runs in its own process in test_jobs.py)."""
    from django_tasks_db.management.commands.db_worker import Worker as TaskWorker
    from django_tasks_db.models import DBTaskResult

    from ikm_registry import jobs

    runner = TaskWorker(
        queue_names=["default"], interval=0, batch=True, backend_name="default", startup_delay=False,
        max_tasks=None, worker_id="test-worker", excluded_queue_names=[],
    )  # fmt: skip
    jobs.worker_beat("test-worker", started=True)
    while (result := DBTaskResult.objects.ready().first()) is not None:
        result.claim("test-worker")
        runner.run_task(result)
