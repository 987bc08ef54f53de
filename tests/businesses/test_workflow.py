"""The review workflow services (businesses.services.workflow): who may take which step from which state."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from businesses.choices import BusinessStatus
from businesses.models import Business, Owner
from businesses.services import (
    TRANSITIONS,
    available_transitions,
    business_deactivate,
    business_publish,
    business_reject,
    business_resubmit,
    business_return,
    business_submit,
    business_verify,
)
from ikm_registry.choices import StaffRole
from ikm_registry.models import TransitionLog
from tests.factories import BusinessFactory, UserFactory, make_kbli, make_village, staff_user

SERVICES = {
    "submit": business_submit,
    "verify": business_verify,
    "publish": business_publish,
    "return": business_return,
    "resubmit": business_resubmit,
    "reject": business_reject,
    "deactivate": business_deactivate,
}
ACTIONS = list(TRANSITIONS)
ACTING_ROLES = ["operator", "province", "national", "superuser"]
WRONG_STATES = [
    (action, status) for action in ACTIONS for status in BusinessStatus.values if status != TRANSITIONS[action].source
]


def make_actor(kind):
    """A user who may change businesses in Badung (51.03); `kind` names the role."""
    if kind == "superuser":
        return UserFactory(username="admin", is_staff=True, is_superuser=True)
    region = {"operator": "51.03", "province": "51", "national": "51.71"}[kind]
    return staff_user(StaffRole(kind), region, username=f"{kind}.uji")


@pytest.fixture
def tuban(db):
    make_kbli("13134")
    return make_village("51.03.01.1001", "Tuban")


def business_in(status, village):
    return BusinessFactory(name="Batik Tuban", village=village, status=status)


def history_count(business):
    return business.history.count()


def assert_nothing_written(business, status, history_before):
    business.refresh_from_db()
    assert business.status == status
    assert not TransitionLog.objects.exists()
    assert history_count(business) == history_before


def test_table_matches_design():
    assert {a: (t.source, t.target) for a, t in TRANSITIONS.items()} == {
        "submit": ("draft", "submitted"),
        "verify": ("submitted", "verified"),
        "publish": ("verified", "published"),
        "return": ("submitted", "returned"),
        "resubmit": ("returned", "submitted"),
        "reject": ("submitted", "rejected"),
        "deactivate": ("published", "inactive"),
    }
    assert {a for a, t in TRANSITIONS.items() if t.note_required} == {"return", "reject"}


@pytest.mark.parametrize("role", ACTING_ROLES)
@pytest.mark.parametrize("action", ACTIONS)
def test_allowed_transition_writes_status_and_transition(tuban, action, role):
    transition = TRANSITIONS[action]
    business = business_in(transition.source, tuban)
    actor = make_actor(role)

    result = SERVICES[action](business=business, actor=actor, note="  Sudah dicek di lapangan.  ")

    assert result.status == transition.target
    business.refresh_from_db()
    assert business.status == transition.target
    step = TransitionLog.objects.get()
    assert (step.object_id, step.actor, step.from_state, step.to_state, step.action) == (
        business.pk,
        actor,
        transition.source,
        transition.target,
        action,
    )
    assert step.region_code == business.village_id
    assert step.note == "Sudah dicek di lapangan."


@pytest.mark.parametrize(("action", "status"), WRONG_STATES)
def test_wrong_source_state_is_refused_and_writes_nothing(tuban, action, status):
    business = business_in(status, tuban)
    before = history_count(business)

    with pytest.raises(ValidationError) as refused:
        SERVICES[action](business=business, actor=make_actor("operator"), note="Catatan.")

    assert refused.value.code == "wrong_status"
    message = refused.value.messages[0]
    assert str(BusinessStatus(status).label) in message
    assert str(BusinessStatus(TRANSITIONS[action].source).label) in message
    assert_nothing_written(business, status, before)


def test_state_is_read_from_the_database_not_the_stale_object(tuban):
    business = business_in(BusinessStatus.SUBMITTED, tuban)
    stale = Business.objects.get(pk=business.pk)
    actor = make_actor("operator")
    business_verify(business=business, actor=actor)

    with pytest.raises(ValidationError):
        business_verify(business=stale, actor=actor)
    assert TransitionLog.objects.count() == 1


@pytest.mark.parametrize("action", ACTIONS)
def test_official_is_refused_every_transition(tuban, action):
    business = business_in(TRANSITIONS[action].source, tuban)
    before = history_count(business)
    official = staff_user(StaffRole.OFFICIAL, "51.03", username="kabid.badung")

    with pytest.raises(PermissionDenied):
        SERVICES[action](business=business, actor=official, note="Catatan.")

    assert_nothing_written(business, TRANSITIONS[action].source, before)


@pytest.mark.parametrize("action", ACTIONS)
def test_operator_of_another_regency_is_refused(tuban, action):
    business = business_in(TRANSITIONS[action].source, tuban)
    before = history_count(business)
    denpasar_operator = staff_user(StaffRole.OPERATOR, "51.71", username="operator.denpasar")

    with pytest.raises(PermissionDenied):
        SERVICES[action](business=business, actor=denpasar_operator, note="Catatan.")

    assert_nothing_written(business, TRANSITIONS[action].source, before)


def test_user_without_staff_membership_is_refused(tuban):
    business = business_in(BusinessStatus.DRAFT, tuban)
    with pytest.raises(PermissionDenied):
        business_submit(business=business, actor=UserFactory(is_staff=True))


@pytest.mark.parametrize("note", ["", "   \n "])
@pytest.mark.parametrize("action", ["return", "reject"])
def test_return_and_reject_need_a_note(tuban, action, note):
    business = business_in(BusinessStatus.SUBMITTED, tuban)
    before = history_count(business)

    with pytest.raises(ValidationError) as refused:
        SERVICES[action](business=business, actor=make_actor("operator"), note=note)

    assert refused.value.code == "note_required"
    assert_nothing_written(business, BusinessStatus.SUBMITTED, before)


@pytest.mark.parametrize("action", ["submit", "verify", "publish", "resubmit", "deactivate"])
def test_note_is_optional_elsewhere(tuban, action):
    business = business_in(TRANSITIONS[action].source, tuban)
    SERVICES[action](business=business, actor=make_actor("operator"))
    assert TransitionLog.objects.get().note == ""


def test_history_row_names_the_actor_and_the_change(tuban):
    business = business_in(BusinessStatus.SUBMITTED, tuban)
    actor = make_actor("operator")

    business_verify(business=business, actor=actor)

    latest = business.history.latest()
    assert latest.history_user == actor
    assert latest.status == BusinessStatus.VERIFIED
    assert latest.history_change_reason == "status: diajukan → terverifikasi"


def test_change_reason_is_indonesian_whatever_the_language(tuban, settings):
    from django.utils import translation

    business = business_in(BusinessStatus.DRAFT, tuban)
    with translation.override("en"):
        business_submit(business=business, actor=make_actor("operator"))
    assert business.history.latest().history_change_reason == "status: draf → diajukan"


@pytest.mark.parametrize("action", ["submit", "verify", "publish", "resubmit"])
def test_steps_towards_publication_validate_the_record(tuban, action):
    source = TRANSITIONS[action].source
    business = business_in(source, tuban)
    # The database allows any year up to 2100; the field's validator refuses a year still to come.
    Business.objects.filter(pk=business.pk).update(year_founded=2099)
    before = history_count(business)

    with pytest.raises(ValidationError) as refused:
        SERVICES[action](business=business, actor=make_actor("operator"))

    assert "year_founded" in refused.value.message_dict
    assert_nothing_written(business, source, before)


def test_submit_needs_an_owner(tuban):
    business = business_in(BusinessStatus.DRAFT, tuban)
    Owner.objects.filter(business=business).delete()

    with pytest.raises(ValidationError) as refused:
        business_submit(business=business, actor=make_actor("operator"))

    assert refused.value.code == "owner_missing"
    assert not TransitionLog.objects.exists()


@pytest.mark.parametrize("action", ["return", "reject", "deactivate"])
def test_sending_back_rejecting_or_closing_works_on_an_invalid_record(tuban, action):
    business = business_in(TRANSITIONS[action].source, tuban)
    Business.objects.filter(pk=business.pk).update(year_founded=2099)

    SERVICES[action](business=business, actor=make_actor("operator"), note="Perbaiki tahun berdiri.")

    business.refresh_from_db()
    assert business.status == TRANSITIONS[action].target


def test_returned_then_resubmitted_keeps_both_steps(tuban):
    business = business_in(BusinessStatus.SUBMITTED, tuban)
    actor = make_actor("operator")
    business_return(business=business, actor=actor, note="Lengkapi NIB.")
    business_resubmit(business=business, actor=actor)

    steps = list(business.transitions.values_list("from_state", "to_state", "note"))
    assert steps == [("returned", "submitted", ""), ("submitted", "returned", "Lengkapi NIB.")]


@pytest.mark.parametrize(
    ("status", "expected"),
    [
        (BusinessStatus.DRAFT, ["submit"]),
        (BusinessStatus.SUBMITTED, ["verify", "return", "reject"]),
        (BusinessStatus.VERIFIED, ["publish"]),
        (BusinessStatus.RETURNED, ["resubmit"]),
        (BusinessStatus.REJECTED, []),
        (BusinessStatus.PUBLISHED, ["deactivate"]),
        (BusinessStatus.INACTIVE, []),
    ],
)
def test_available_transitions_follow_the_state(tuban, status, expected):
    business = business_in(status, tuban)
    actions = [t.action for t in available_transitions(business=business, user=make_actor("operator"))]
    assert actions == expected


@pytest.mark.parametrize(("role", "region"), [(StaffRole.OFFICIAL, "51.03"), (StaffRole.OPERATOR, "51.71")])
def test_no_transitions_available_to_officials_or_other_regions(tuban, role, region):
    business = business_in(BusinessStatus.SUBMITTED, tuban)
    assert available_transitions(business=business, user=staff_user(role, region)) == []


@pytest.mark.django_db(transaction=True)
def test_concurrent_steps_on_one_record_take_turns(tuban):
    """Two reviewers press "Verifikasi" at the same moment: the row lock lets one through, the other sees the new state."""
    import threading

    from django.db import connection, connections

    if connection.vendor != "postgresql":
        pytest.skip("SQLite has no row locks (select_for_update is a no-op there)")
    business = business_in(BusinessStatus.SUBMITTED, tuban)
    actors = [make_actor("operator"), make_actor("province")]
    barrier = threading.Barrier(2)
    outcomes = []

    def press(actor):
        try:
            barrier.wait()
            business_verify(business=Business.objects.get(pk=business.pk), actor=actor)
            outcomes.append("verified")
        except ValidationError as error:
            outcomes.append(error.code)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=press, args=(actor,)) for actor in actors]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(outcomes) == ["verified", "wrong_status"]
    assert TransitionLog.objects.count() == 1
