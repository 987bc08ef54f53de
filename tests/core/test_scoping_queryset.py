"""Region scoping: scope_for() decides who reaches what; restrict() applies it to every located model."""

import pytest
from django.contrib.auth.models import AnonymousUser

from businesses.models import (
    Assistance,
    Business,
    BusinessYear,
    Obstacle,
    Owner,
    Product,
    Sentra,
    SentraFacility,
    SentraOfficer,
    SentraRevitalisation,
)
from ikm_registry.choices import StaffRole
from ikm_registry.models import Office, Region, StaffMembership
from ikm_registry.personal_data import FULL_ACCESS, RESTRICTED_ACCESS
from ikm_registry.scoping import CHANGE, NO_ACCESS, VIEW, Scope, region_q, scope_for
from tests.factories import (
    AssistanceFactory,
    BusinessFactory,
    BusinessYearFactory,
    ObstacleFactory,
    OwnerFactory,
    ProductFactory,
    SentraFacilityFactory,
    SentraFactory,
    SentraOfficerFactory,
    SentraRevitalisationFactory,
    UserFactory,
    make_village,
    office_for,
    staff_user,
)

pytestmark = pytest.mark.usefixtures("bali_regions", "kbli")

BADUNG_VILLAGE = "51.03.01.1001"
DENPASAR_VILLAGE = "51.71.01.1001"
NTB_VILLAGE = "52.01.01.2001"


@pytest.fixture
def businesses():
    """One business in Badung, one in Denpasar (both Bali) and one in Nusa Tenggara Barat."""
    return {
        "badung": BusinessFactory(name="Badung", village=make_village(BADUNG_VILLAGE)),
        "denpasar": BusinessFactory(name="Denpasar", village=make_village(DENPASAR_VILLAGE)),
        "ntb": BusinessFactory(name="NTB", village=make_village(NTB_VILLAGE)),
    }


def visible(user, action=VIEW) -> set[str]:
    return set(Business.objects.restrict(user, action).values_list("name", flat=True))


# --- scope_for ----------------------------------------------------------------------------------------------------


def test_anonymous_user_has_no_access():
    assert scope_for(AnonymousUser()) == NO_ACCESS
    assert scope_for(None) == NO_ACCESS


def test_user_who_is_not_staff_has_no_access_even_with_a_membership():
    user = staff_user(StaffRole.OPERATOR, "51.03")
    user.is_staff = False
    user.save()
    assert scope_for(user).has_access is False


def test_staff_without_a_membership_has_no_access():
    assert scope_for(UserFactory(is_staff=True)) == NO_ACCESS


def test_inactive_staff_has_no_access():
    assert scope_for(staff_user(StaffRole.NATIONAL, "51", is_active=False)) == NO_ACCESS


def test_superuser_reaches_everything_and_may_write():
    assert scope_for(UserFactory(is_staff=True, is_superuser=True)) == Scope(
        everything=True, can_write=True, personal_data=FULL_ACCESS
    )


def test_national_staff_reach_everything_and_may_write():
    assert scope_for(staff_user(StaffRole.NATIONAL, "51")) == Scope(
        everything=True, can_write=True, role="national", personal_data=FULL_ACCESS
    )


def test_province_staff_reach_their_province_and_may_write():
    assert scope_for(staff_user(StaffRole.PROVINCE, "51")) == Scope(
        region_code="51", can_write=True, role="province", personal_data=FULL_ACCESS
    )


def test_operator_reaches_their_regency_and_may_write():
    assert scope_for(staff_user(StaffRole.OPERATOR, "51.03")) == Scope(
        region_code="51.03", can_write=True, role="operator", personal_data=FULL_ACCESS
    )


def test_official_reaches_their_region_read_only():
    scope = scope_for(staff_user(StaffRole.OFFICIAL, "51.71"))
    assert scope == Scope(region_code="51.71", can_write=False, role="official", personal_data=RESTRICTED_ACCESS)
    assert scope.allows(VIEW) and not scope.allows(CHANGE)


# --- restrict on businesses ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "user",
    [lambda: AnonymousUser(), lambda: UserFactory(), lambda: UserFactory(is_staff=True)],
    ids=["anonymous", "not-staff", "staff-without-office"],
)
@pytest.mark.parametrize("action", [VIEW, CHANGE])
def test_users_without_access_see_no_business(businesses, user, action):
    assert visible(user(), action) == set()


@pytest.mark.parametrize(
    "user",
    [lambda: UserFactory(is_staff=True, is_superuser=True), lambda: staff_user(StaffRole.NATIONAL, "51")],
    ids=["superuser", "national"],
)
@pytest.mark.parametrize("action", [VIEW, CHANGE])
def test_superuser_and_national_staff_see_and_change_every_business(businesses, user, action):
    assert visible(user(), action) == {"Badung", "Denpasar", "NTB"}


@pytest.mark.parametrize("action", [VIEW, CHANGE])
def test_province_staff_see_and_change_every_regency_of_their_province_only(businesses, action):
    assert visible(staff_user(StaffRole.PROVINCE, "51"), action) == {"Badung", "Denpasar"}


@pytest.mark.parametrize("action", [VIEW, CHANGE])
def test_operator_sees_and_changes_their_regency_only(businesses, action):
    assert visible(staff_user(StaffRole.OPERATOR, "51.03"), action) == {"Badung"}


def test_operator_of_another_regency_sees_only_that_regency(businesses):
    assert visible(staff_user(StaffRole.OPERATOR, "51.71")) == {"Denpasar"}


def test_official_sees_their_region(businesses):
    assert visible(staff_user(StaffRole.OFFICIAL, "51.03")) == {"Badung"}


def test_official_may_change_nothing(businesses):
    assert visible(staff_user(StaffRole.OFFICIAL, "51"), CHANGE) == set()


def test_operator_sees_every_village_of_their_regency(businesses):
    BusinessFactory(name="Mengwi", village=make_village("51.03.02.2001"))
    assert visible(staff_user(StaffRole.OPERATOR, "51.03")) == {"Badung", "Mengwi"}


def test_region_prefix_is_matched_on_whole_dotted_segments(businesses):
    # "51.03.01.1001" starts with "51.0" as text, but 51.0 is not one of its ancestors.
    assert set(Business.objects.in_region("51.0")) == set()
    assert set(Business.objects.in_region("51.03.01")) == {businesses["badung"]}
    assert set(Business.objects.in_region(BADUNG_VILLAGE)) == {businesses["badung"]}


def test_region_q_matches_the_code_itself_or_its_dotted_descendants():
    assert set(Region.objects.filter(region_q("code", "51.03.01")).values_list("code", flat=True)) == {
        "51.03.01",
        BADUNG_VILLAGE,
        "51.03.01.1002",
    }


def test_restrict_filters_an_already_filtered_queryset(businesses):
    operator = staff_user(StaffRole.OPERATOR, "51.03")
    assert list(Business.objects.filter(name__startswith="D").restrict(operator)) == []


# --- restrict on rows that belong to a business or a sentra -------------------------------------------------------

BUSINESS_CHILDREN = [
    (Owner, lambda business: business.owner),
    (BusinessYear, lambda business: BusinessYearFactory(business=business)),
    (Product, lambda business: ProductFactory(business=business)),
    (Assistance, lambda business: AssistanceFactory(business=business)),
    (Obstacle, lambda business: ObstacleFactory(business=business)),
]


@pytest.mark.parametrize(("model", "make"), BUSINESS_CHILDREN, ids=lambda value: getattr(value, "__name__", ""))
def test_rows_of_a_business_follow_the_business_region(businesses, model, make):
    rows = {place: make(business) for place, business in businesses.items()}
    operator = staff_user(StaffRole.OPERATOR, "51.03")
    province = staff_user(StaffRole.PROVINCE, "51")

    assert set(model.objects.restrict(operator)) == {rows["badung"]}
    assert set(model.objects.restrict(province)) == {rows["badung"], rows["denpasar"]}
    assert set(model.objects.restrict(staff_user(StaffRole.NATIONAL, "51"))) == set(rows.values())


@pytest.mark.parametrize(("model", "make"), BUSINESS_CHILDREN, ids=lambda value: getattr(value, "__name__", ""))
def test_an_official_may_not_change_rows_of_a_business(businesses, model, make):
    make(businesses["badung"])
    official = staff_user(StaffRole.OFFICIAL, "51.03")
    assert model.objects.restrict(official).count() == 1
    assert model.objects.restrict(official, CHANGE).count() == 0


def test_owner_follows_the_business_not_the_owners_home():
    owner = OwnerFactory(
        business=BusinessFactory(owner=None, village=make_village(DENPASAR_VILLAGE)), home_address="Kuta, Badung"
    )
    assert set(Owner.objects.restrict(staff_user(StaffRole.OPERATOR, "51.71"))) == {owner}
    assert set(Owner.objects.restrict(staff_user(StaffRole.OPERATOR, "51.03"))) == set()


@pytest.fixture
def sentra():
    return {
        "badung": SentraFactory(name="Sentra Badung", village=make_village(BADUNG_VILLAGE)),
        "denpasar": SentraFactory(name="Sentra Denpasar", village=make_village(DENPASAR_VILLAGE)),
    }


def test_sentra_follow_their_village(sentra):
    assert set(Sentra.objects.restrict(staff_user(StaffRole.OPERATOR, "51.71"))) == {sentra["denpasar"]}
    assert set(Sentra.objects.restrict(staff_user(StaffRole.PROVINCE, "51"))) == set(sentra.values())


def test_sentra_members_elsewhere_do_not_widen_the_scope(sentra):
    BusinessFactory(sentra=sentra["denpasar"], village=make_village(BADUNG_VILLAGE))
    assert set(Sentra.objects.restrict(staff_user(StaffRole.OPERATOR, "51.03"))) == {sentra["badung"]}


@pytest.mark.parametrize(
    ("model", "factory"),
    [
        (SentraOfficer, SentraOfficerFactory),
        (SentraFacility, SentraFacilityFactory),
        (SentraRevitalisation, SentraRevitalisationFactory),
    ],
    ids=["officer", "facility", "revitalisation"],
)
def test_rows_of_a_sentra_follow_the_sentra_region(sentra, model, factory):
    rows = {place: factory(sentra=item) for place, item in sentra.items()}
    assert set(model.objects.restrict(staff_user(StaffRole.OPERATOR, "51.03"))) == {rows["badung"]}
    assert set(model.objects.restrict(staff_user(StaffRole.OFFICIAL, "51.71"))) == {rows["denpasar"]}
    assert model.objects.restrict(staff_user(StaffRole.OFFICIAL, "51.71"), CHANGE).count() == 0
    assert model.objects.restrict(AnonymousUser()).count() == 0


# --- reference data and offices -----------------------------------------------------------------------------------


def test_regions_are_restricted_to_the_office_region_and_below():
    codes = set(Region.objects.restrict(staff_user(StaffRole.OPERATOR, "51.71")).values_list("code", flat=True))
    assert codes == {"51.71", "51.71.01", DENPASAR_VILLAGE, "51.71.01.2007"}


def test_offices_and_memberships_are_restricted_to_the_region():
    badung_operator = staff_user(StaffRole.OPERATOR, "51.03")
    denpasar_operator = staff_user(StaffRole.OPERATOR, "51.71")
    province = staff_user(StaffRole.PROVINCE, "51")

    assert set(Office.objects.restrict(badung_operator)) == {office_for("51.03")}
    assert set(Office.objects.restrict(province)) == {office_for("51"), office_for("51.03"), office_for("51.71")}
    assert set(StaffMembership.objects.restrict(badung_operator)) == {badung_operator.membership}
    assert denpasar_operator.membership not in StaffMembership.objects.restrict(badung_operator)
