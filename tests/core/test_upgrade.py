"""An installation of the earlier release upgrades to this code without losing a row (issue 10: reference data moved
to the core with its tables kept). Runs on the database kind of the test run (SQLite, and PostgreSQL in CI)."""

import json

from tests.processes import manage, process_env

# Django's bookkeeping: the upgrade adds the rows of its migrations and of new models' content types and permissions.
GROWING_TABLES = {"django_migrations", "django_content_type", "auth_permission"}


def _run(env, function: str):
    output = manage(env, "shell", "--no-imports", "-c", f"from tests.upgrade import {function}; {function}()").stdout
    return json.loads(output.strip().splitlines()[-1])


def test_a_database_of_the_earlier_release_upgrades_with_every_row(fresh_database_url):
    env = process_env(fresh_database_url)
    before = _run(env, "earlier_release_filled")
    assert before["businesses_region"] == 6 and before["businesses_business"] == 3, before

    after = _run(env, "upgraded")
    counts = after["counts"]
    for table, rows in before.items():
        if table in GROWING_TABLES:
            assert counts[table] >= rows, f"{table}: {rows} rows before the upgrade, {counts[table]} after"
        elif table in counts:
            assert counts[table] == rows, f"{table}: {rows} rows before the upgrade, {counts[table]} after"
        else:  # replaced by another table (tests/upgrade.py SUCCESSORS), where its rows must be
            assert table in after["successors"], f"{table} disappeared with its {rows} rows"
            moved = after["successors"][table]
            assert moved == rows, f"{table}: {rows} rows before the upgrade, {moved} in its successor"

    # The moved models keep their content types (and so the permissions granted on them and the admin log entries).
    moved = {"ikm_registry.region", "ikm_registry.kbli", "ikm_registry.creativesubsector"}
    assert moved <= set(after["content_types"])
    assert not {"businesses.region", "businesses.kbli", "businesses.creativesubsector"} & set(after["content_types"])
    # The operator group's permissions on regions and the admin log entry about a region still point at it.
    assert {"ikm_registry.view_region", "ikm_registry.change_kbli"} <= set(after["operator_permissions"])
    assert after["log_entry"] == "ikm_registry.region"
    # The business upload is an upload record of the core now, with its data year and its background job.
    assert after["upload"] == ["ikm.xlsx", 2025, 1]
