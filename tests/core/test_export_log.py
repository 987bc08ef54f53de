"""The export log (UU 27/2022 PDP): export_logged writes who, what, filter and rows; the admin only reads it.

National staff and superusers see every row; other staff see only their own exports.
"""

import pytest
from django.http import QueryDict
from django.urls import reverse

from businesses.models import Business
from ikm_registry.choices import StaffRole
from ikm_registry.models import ExportLog
from ikm_registry.services import export_logged
from tests.factories import UserFactory, staff_user

CHANGELIST = reverse("admin:ikm_registry_exportlog_changelist")


@pytest.fixture
def operator(db):
    return staff_user(StaffRole.OPERATOR, "51.03", username="operator.badung")


@pytest.fixture
def logs(operator):
    other = staff_user(StaffRole.OPERATOR, "51.71", username="operator.denpasar")
    return {
        "own": export_logged(
            user=operator,
            what="businesses.business",
            file_format="xlsx",
            filter="status=verified",
            row_count=12,
            personal_data=True,
        ),
        "other": export_logged(
            user=other,
            what="businesses.business",
            file_format="csv",
            filter="regency=51.71",
            row_count=40,
            personal_data=True,
        ),
    }


def listed_for(client, search: str) -> set[int]:
    response = client.get(CHANGELIST, {"q": search})
    assert response.status_code == 200
    return {log.pk for log in response.context["cl"].result_list}


def listed(client):
    response = client.get(CHANGELIST)
    assert response.status_code == 200
    return {log.pk for log in response.context["cl"].result_list}


# --- the service ---------------------------------------------------------------------------------------------------


def test_export_logged_writes_a_row(operator):
    log = export_logged(
        user=operator,
        what="businesses.business",
        file_format="XLSX",
        filter="status=verified&regency=51.03",
        row_count=12,
        personal_data=True,
    )
    assert ExportLog.objects.get() == log
    assert (log.user, log.what, log.file_format, log.filter, log.row_count, log.personal_data) == (
        operator,
        "businesses.business",
        "xlsx",
        "status=verified&regency=51.03",
        12,
        True,
    )
    assert log.at is not None


def test_export_logged_accepts_a_model_and_a_query_string(operator):
    log = export_logged(
        user=operator,
        what=Business,
        file_format="csv",
        filter=QueryDict("status=verified&q=batik"),
        row_count=0,
        personal_data=False,
    )
    assert (log.what, log.filter) == ("businesses.business", "status=verified&q=batik")


def test_actor_names_a_command_never_the_users_name(operator):
    """A file the site hands a user names the user only (as rows from before the actor existed do); a command names
    itself, with or without a user."""
    site = export_logged(user=operator, what="x", file_format="csv", filter="", row_count=1, personal_data=True)
    command = export_logged(
        user=operator, actor="manage.py render_report (root)", what="x", file_format="pdf", filter="", row_count=1,
        personal_data=True,
    )  # fmt: skip
    assert (site.actor, command.actor) == ("", "manage.py render_report (root)")
    assert site.actor_name == command.actor_name == "operator.badung"


def test_actor_column_sorts_rows_as_it_shows_them(admin_client, operator):
    """Sorted by the name shown (the user's, else the command's), whatever the row's age: an old row (no actor), a
    command's row, a new row."""
    zeta = staff_user(StaffRole.OPERATOR, "51.71", username="zeta.denpasar")
    ExportLog.objects.create(user=zeta, actor="", what="x", file_format="csv", row_count=1)  # as before 0006
    export_logged(actor="manage.py backup (root)", what="backup", file_format="pg_dump", filter="", row_count=1,
                  personal_data=True)  # fmt: skip
    export_logged(user=operator, what="x", file_format="csv", filter="", row_count=1, personal_data=True)
    column = admin_client.get(CHANGELIST).context["cl"].list_display.index("actor_label")
    for order, expected in ((f"{column}", ["manage.py backup (root)", "operator.badung", "zeta.denpasar"]),
                            (f"-{column}", ["zeta.denpasar", "operator.badung", "manage.py backup (root)"])):  # fmt: skip
        response = admin_client.get(CHANGELIST, {"o": order})
        assert [log.actor_name for log in response.context["cl"].result_list] == expected


def test_search_finds_a_user_and_a_command_by_the_name_shown(admin_client, operator, logs):
    export_logged(actor="manage.py backup (root)", what="backup", file_format="pg_dump", filter="", row_count=1,
                  personal_data=True)  # fmt: skip
    assert listed_for(admin_client, "operator.badung") == {logs["own"].pk}
    assert {log.what for log in ExportLog.objects.filter(pk__in=listed_for(admin_client, "manage.py backup"))} == {
        "backup"
    }


def test_the_migration_forgets_usernames_copied_into_actor(operator):
    """Rows written between 0006 and 0008 copied the username into actor; the migration blanks those copies and
    keeps commands."""
    import importlib

    from django.apps import apps

    copied = ExportLog.objects.create(user=operator, actor="operator.badung", what="x", file_format="csv", row_count=1)
    command = ExportLog.objects.create(
        user=operator, actor="manage.py render_report (root)", what="x", file_format="pdf", row_count=1
    )
    alone = ExportLog.objects.create(user=None, actor="manage.py backup (root)", what="backup", file_format="x",
                                     row_count=1)  # fmt: skip
    migration = importlib.import_module("ikm_registry.migrations.0008_export_log_actor_is_the_command")
    migration.forget_copied_usernames(apps, None)
    assert [ExportLog.objects.get(pk=log.pk).actor for log in (copied, command, alone)] == [
        "",
        "manage.py render_report (root)",
        "manage.py backup (root)",
    ]


def test_export_logged_refuses_a_negative_row_count(operator):
    with pytest.raises(ValueError):
        export_logged(user=operator, what="x", file_format="csv", filter="", row_count=-1, personal_data=True)
    assert not ExportLog.objects.exists()


# --- who sees which rows --------------------------------------------------------------------------------------------


def test_superuser_sees_every_row(admin_client, logs):
    assert listed(admin_client) == {logs["own"].pk, logs["other"].pk}


def test_national_staff_see_every_row(client, logs):
    client.force_login(staff_user(StaffRole.NATIONAL, "51", username="staf.nasional"))
    assert listed(client) == {logs["own"].pk, logs["other"].pk}


def test_operator_sees_only_own_rows(client, operator, logs):
    client.force_login(operator)
    assert listed(client) == {logs["own"].pk}


def test_official_sees_only_own_rows(client, logs):
    official = staff_user(StaffRole.OFFICIAL, "51.03", username="kabid.badung")
    own = export_logged(user=official, what="report", file_format="pdf", filter="", row_count=1, personal_data=False)
    client.force_login(official)
    assert listed(client) == {own.pk}


def test_operator_cannot_open_another_users_row(client, operator, logs):
    client.force_login(operator)
    response = client.get(reverse("admin:ikm_registry_exportlog_change", args=[logs["other"].pk]), follow=True)
    assert "adminform" not in response.context
    assert "regency=51.71" not in response.content.decode()


def test_list_names_the_data_and_the_user(client, operator, logs):
    client.force_login(operator)
    content = client.get(CHANGELIST).content.decode()
    assert "operator.badung" in content and "IKM" in content and "status=verified" in content


def test_staff_without_office_is_denied(client, logs):
    client.force_login(UserFactory(is_staff=True))
    assert client.get(CHANGELIST).status_code == 403


# --- read-only for everyone -----------------------------------------------------------------------------------------


def test_nobody_adds_a_row_by_hand(admin_client, logs):
    assert admin_client.get(reverse("admin:ikm_registry_exportlog_add")).status_code == 403


def test_nobody_changes_a_row(admin_client, logs):
    log = logs["own"]
    response = admin_client.post(
        reverse("admin:ikm_registry_exportlog_change", args=[log.pk]),
        {"what": "x", "file_format": "csv", "filter": "", "row_count": 0, "user": log.user_id},
    )
    assert response.status_code == 403
    log.refresh_from_db()
    assert log.row_count == 12


def test_nobody_deletes_a_row(admin_client, logs):
    log = logs["own"]
    response = admin_client.post(reverse("admin:ikm_registry_exportlog_delete", args=[log.pk]), {"post": "yes"})
    assert response.status_code == 403
    assert ExportLog.objects.filter(pk=log.pk).exists()


def test_no_bulk_delete_action(admin_client, logs):
    response = admin_client.get(CHANGELIST)
    assert "delete_selected" not in response.context["cl"].model_admin.get_actions(response.wsgi_request)
