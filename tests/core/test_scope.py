"""One Scope per actor: region, role, write permission, personal data, memberships; the system actor of commands."""

import ast
from pathlib import Path

import pytest
from django.contrib.auth.models import AnonymousUser

from businesses.models import Business, BusinessQuerySet
from ikm_registry.choices import StaffRole
from ikm_registry.personal_data import FULL_ACCESS, RESTRICTED_ACCESS, personal_data_access
from ikm_registry.scoping import (
    CHANGE,
    VIEW,
    SystemActor,
    register_membership,
    scope_for,
    unregister_membership,
)
from ikm_registry.services import export_logged
from tests.factories import BusinessFactory, UserFactory, make_village, staff_user

pytestmark = pytest.mark.usefixtures("bali_regions", "kbli")
PROJECT = Path(__file__).resolve().parents[2]


@pytest.fixture
def businesses():
    return {
        "badung": BusinessFactory(name="Badung", village=make_village("51.03.01.1001")),
        "ntb": BusinessFactory(name="NTB", village=make_village("52.01.01.2001")),
    }


def test_a_command_without_a_user_is_a_system_actor_with_full_access(businesses):
    actor = SystemActor("render_report")
    scope = scope_for(actor)
    assert scope.everything and scope.can_write and scope.personal_data == FULL_ACCESS
    assert set(Business.objects.restrict(actor, CHANGE).values_list("name", flat=True)) == {"Badung", "NTB"}
    assert actor.log_name.startswith("manage.py render_report (")


@pytest.mark.parametrize("action", [VIEW, CHANGE])
def test_no_actor_reaches_nothing(businesses, action):
    """None is not "full access" anywhere: a path that forgot its actor shows nothing."""
    assert not Business.objects.restrict(None, action).exists()
    assert not Business.objects.restrict(AnonymousUser(), action).exists()


@pytest.mark.parametrize(
    ("role", "region", "access"),
    [
        (StaffRole.OPERATOR, "51.03", FULL_ACCESS),
        (StaffRole.PROVINCE, "51", FULL_ACCESS),
        (StaffRole.NATIONAL, "51", FULL_ACCESS),
        (StaffRole.OFFICIAL, "51.03", RESTRICTED_ACCESS),
    ],
)
def test_personal_data_access_is_part_of_the_scope(role, region, access):
    user = staff_user(role, region)
    assert scope_for(user).personal_data == access
    assert personal_data_access(user) == access


def test_personal_data_of_superusers_and_of_no_one():
    assert scope_for(UserFactory(is_staff=True, is_superuser=True)).personal_data == FULL_ACCESS
    assert scope_for(AnonymousUser()).personal_data == RESTRICTED_ACCESS


def test_an_export_made_by_the_system_actor_names_the_command():
    log = export_logged(
        user=SystemActor("backup"), what="backup", file_format="sqlite3", filter="", row_count=1, personal_data=True
    )
    assert log.user is None and log.actor.startswith("manage.py backup (")


class SentraMembershipQuerySet(BusinessQuerySet):
    """Businesses a member of a sentra's board reaches wherever they are: how an LSP's rows will work."""

    membership_fields = {"test-sentra": "sentra_id"}


@pytest.fixture
def sentra_membership():
    members = {}
    register_membership("test-sentra", lambda user: members.get(user.pk, ()))
    yield members
    unregister_membership("test-sentra")


def test_a_registered_membership_reaches_rows_outside_the_region(businesses, sentra_membership):
    from tests.factories import SentraFactory

    sentra = SentraFactory(village=make_village("52.01.01.2001"))
    Business.objects.filter(pk=businesses["ntb"].pk).update(sentra=sentra)
    operator = staff_user(StaffRole.OPERATOR, "51.03")
    member = staff_user(StaffRole.OPERATOR, "51.03")
    sentra_membership[member.pk] = {sentra.pk}
    queryset = SentraMembershipQuerySet(model=Business)

    assert scope_for(member).member_of("test-sentra") == frozenset({sentra.pk})
    assert set(queryset.restrict(member).values_list("name", flat=True)) == {"Badung", "NTB"}
    assert set(queryset.restrict(operator).values_list("name", flat=True)) == {"Badung"}


def test_staff_of_no_office_reach_only_the_rows_of_their_membership(businesses, sentra_membership):
    from tests.factories import SentraFactory

    sentra = SentraFactory(village=make_village("52.01.01.2001"))
    Business.objects.filter(pk=businesses["ntb"].pk).update(sentra=sentra)
    assessor = UserFactory(is_staff=True)
    sentra_membership[assessor.pk] = {sentra.pk}
    queryset = SentraMembershipQuerySet(model=Business)

    assert set(queryset.restrict(assessor).values_list("name", flat=True)) == {"NTB"}
    # Models without that membership stay closed to them; so does personal data.
    assert not Business.objects.restrict(assessor).exists()
    assert scope_for(assessor).personal_data == RESTRICTED_ACCESS


def test_no_code_treats_a_missing_user_as_full_access():
    """`x if user is None else x.restrict(user)` was "full access" spelled seven ways; the system actor replaced it."""
    offenders = []
    for path in [*PROJECT.glob("ikm_registry/**/*.py"), *PROJECT.glob("businesses/**/*.py")]:
        if "migrations" in path.parts:
            continue
        for node in ast.walk(ast.parse(path.read_text())):
            if (
                isinstance(node, ast.IfExp)
                and isinstance(node.test, ast.Compare)
                and isinstance(node.test.ops[0], ast.Is)
                and isinstance(node.test.comparators[0], ast.Constant)
                and node.test.comparators[0].value is None
                and "restrict" in ast.unparse(node)
            ):
                offenders.append(f"{path.relative_to(PROJECT)}:{node.lineno}")
    assert offenders == []
