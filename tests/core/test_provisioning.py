"""`create_office` and `create_staff`: scripted provisioning, idempotent, with clear errors."""

import io

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command

from ikm_registry.choices import StaffRole
from ikm_registry.models import Office, StaffMembership
from ikm_registry.scoping import scope_for
from tests.factories import make_region

pytestmark = pytest.mark.django_db
BADUNG_OFFICE = "Dinas Perindustrian dan Perdagangan Kabupaten Badung"


def run(*args):
    out = io.StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


@pytest.fixture
def badung_office(db):
    make_region("51.03")
    run("create_office", "--region", "51.03", "--name", BADUNG_OFFICE)
    return Office.objects.get(name=BADUNG_OFFICE)


def test_create_office_creates_then_changes_nothing(db):
    make_region("51.03")
    args = ["create_office", "--region", "51.03", "--name", BADUNG_OFFICE, "--phone", "(0361) 123456"]
    assert run(*args).startswith("created")
    assert run(*args).startswith("unchanged")
    assert Office.objects.count() == 1
    assert Office.objects.get().phone == "(0361) 123456"


def test_create_office_updates_the_letterhead(badung_office):
    output = run("create_office", "--region", "51.03", "--name", BADUNG_OFFICE, "--head-name", "Ir. I Made Sudana")
    assert output.startswith("updated")
    badung_office.refresh_from_db()
    assert badung_office.head_name == "Ir. I Made Sudana"


def test_create_office_refuses_unknown_region(db):
    with pytest.raises(CommandError, match="51.99"):
        run("create_office", "--region", "51.99", "--name", "Dinas X")
    assert not Office.objects.exists()


def test_create_office_refuses_a_kecamatan(db):
    make_region("51.03.01")
    with pytest.raises(CommandError, match="provinsi atau kabupaten/kota"):
        run("create_office", "--region", "51.03.01", "--name", "Dinas X")
    assert not Office.objects.exists()


def test_create_staff_creates_an_operator_scoped_to_the_office(badung_office):
    output = run("create_staff", "wayan", "--region", "51.03", "--role", "operator", "--email", "wayan@example.go.id")
    assert output.startswith("created")
    assert "changepassword wayan" in output
    user = get_user_model().objects.get(username="wayan")
    assert user.is_staff and not user.has_usable_password()
    assert scope_for(user).region_code == "51.03"
    assert scope_for(user).can_write


def test_create_staff_twice_changes_nothing(badung_office):
    run("create_staff", "wayan", "--region", "51.03", "--role", "operator")
    assert run("create_staff", "wayan", "--region", "51.03", "--role", "operator").startswith("unchanged")
    assert StaffMembership.objects.count() == 1


def test_create_staff_changes_the_role(badung_office):
    run("create_staff", "wayan", "--region", "51.03", "--role", "operator")
    assert run("create_staff", "wayan", "--region", "51.03", "--role", "official").startswith("updated")
    assert StaffMembership.objects.get(user__username="wayan").role == StaffRole.OFFICIAL


def test_create_staff_reads_the_password_from_the_environment(badung_office, monkeypatch):
    monkeypatch.setenv("WAYAN_PASSWORD", "sandi-rahasia-2026")
    run("create_staff", "wayan", "--region", "51.03", "--role", "operator", "--password-env", "WAYAN_PASSWORD")
    assert get_user_model().objects.get(username="wayan").check_password("sandi-rahasia-2026")


def test_create_staff_reads_the_password_from_stdin(badung_office, monkeypatch):
    monkeypatch.setattr("sys.stdin", io.StringIO("dari-stdin-123\n"))
    run("create_staff", "wayan", "--region", "51.03", "--role", "operator", "--password-stdin")
    assert get_user_model().objects.get(username="wayan").check_password("dari-stdin-123")


def test_create_staff_refuses_an_empty_password_variable(badung_office, monkeypatch):
    monkeypatch.delenv("NOPE", raising=False)
    with pytest.raises(CommandError, match="NOPE"):
        run("create_staff", "wayan", "--region", "51.03", "--role", "operator", "--password-env", "NOPE")
    assert not get_user_model().objects.filter(username="wayan").exists()


def test_create_staff_refuses_a_province_role_in_a_regency_office(badung_office):
    with pytest.raises(CommandError, match="Staf provinsi"):
        run("create_staff", "made", "--region", "51.03", "--role", "province")
    assert not get_user_model().objects.filter(username="made").exists()  # all or nothing


def test_create_staff_needs_an_office(db):
    make_region("51.71")
    with pytest.raises(CommandError, match="51.71"):
        run("create_staff", "made", "--region", "51.71", "--role", "operator")


def test_create_staff_asks_for_the_name_when_a_region_has_two_offices(badung_office):
    run("create_office", "--region", "51.03", "--name", "UPT Pengembangan IKM Badung")
    with pytest.raises(CommandError, match="lebih dari satu"):
        run("create_staff", "made", "--region", "51.03", "--role", "operator")
    run("create_staff", "made", "--region", "51.03", "--office-name", BADUNG_OFFICE, "--role", "operator")
    assert StaffMembership.objects.get(user__username="made").office == badung_office
