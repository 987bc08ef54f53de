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
