"""PP 29/2018: a sentra needs at least five active IKM making similar products (same KBLI class, 4 digits)."""

import pytest

from businesses.choices import BusinessStatus
from businesses.models import SENTRA_MIN_MEMBERS, Sentra
from tests.factories import BusinessFactory, SentraFactory

pytestmark = pytest.mark.usefixtures("bali_regions")

INACTIVE_STATUSES = [BusinessStatus.DRAFT, BusinessStatus.REJECTED, BusinessStatus.INACTIVE, BusinessStatus.RETURNED]
ACTIVE = [BusinessStatus.SUBMITTED, BusinessStatus.VERIFIED, BusinessStatus.PUBLISHED]


@pytest.fixture
def sentra(kbli):
    return SentraFactory(name="Sentra Batik Tuban", kbli=kbli.batik)


def add_members(sentra, count, *, kbli=None, status=BusinessStatus.VERIFIED):
    return BusinessFactory.create_batch(count, sentra=sentra, kbli=kbli or sentra.kbli, status=status)


def test_the_rule_needs_five_members():
    assert SENTRA_MIN_MEMBERS == 5


def test_four_similar_active_members_do_not_meet_the_rule(sentra):
    add_members(sentra, 4)
    assert sentra.meets_pp29 is False


def test_five_similar_active_members_meet_the_rule(sentra):
    add_members(sentra, 5)
    assert sentra.meets_pp29 is True


@pytest.mark.parametrize("status", ACTIVE)
def test_every_active_status_counts(sentra, status):
    add_members(sentra, 4)
    add_members(sentra, 1, status=status)
    assert sentra.meets_pp29 is True


def test_members_with_another_subclass_of_the_same_class_count_as_similar(sentra, kbli):
    add_members(sentra, 3)
    add_members(sentra, 2, kbli=kbli.printing)  # 13133 shares class 1313 with batik 13134
    assert sentra.similar_members().count() == 5
    assert sentra.meets_pp29 is True


def test_a_member_of_another_kbli_class_does_not_count(sentra, kbli):
    add_members(sentra, 4)
    add_members(sentra, 1, kbli=kbli.silver)
    assert sentra.members.count() == 5
    assert sentra.meets_pp29 is False


@pytest.mark.parametrize("status", INACTIVE_STATUSES)
def test_members_that_are_not_active_do_not_count(sentra, status):
    add_members(sentra, 4)
    add_members(sentra, 1, status=status)
    assert sentra.similar_members().count() == 4
    assert sentra.meets_pp29 is False


def test_similar_members_lists_exactly_the_active_same_class_members(sentra, kbli):
    counted = add_members(sentra, 2) + add_members(sentra, 1, kbli=kbli.printing, status=BusinessStatus.PUBLISHED)
    add_members(sentra, 1, kbli=kbli.silver)
    add_members(sentra, 1, status=BusinessStatus.DRAFT)
    BusinessFactory()  # same KBLI, no sentra
    assert set(sentra.similar_members()) == set(counted)


def test_members_of_another_sentra_do_not_count(sentra, kbli):
    other = SentraFactory(name="Sentra Batik Lain", kbli=kbli.batik)
    add_members(sentra, 4)
    add_members(other, 3)
    assert sentra.similar_members().count() == 4


@pytest.fixture
def three_sentra(sentra, kbli):
    """A sentra that meets the rule (with noise), one that falls short, and one without members."""
    add_members(sentra, 5)
    add_members(sentra, 1, kbli=kbli.silver)
    add_members(sentra, 2, status=BusinessStatus.DRAFT)
    small = SentraFactory(name="Sentra Perak Kecil", kbli=kbli.silver)
    add_members(small, 3)
    add_members(small, 2, kbli=kbli.batik, status=BusinessStatus.PUBLISHED)
    empty = SentraFactory(name="Sentra Kosong", kbli=kbli.printing)
    return sentra, small, empty


def test_annotated_similar_count_equals_similar_members(three_sentra):
    annotated = {s.pk: s for s in Sentra.objects.with_member_counts()}
    for sentra in three_sentra:
        assert annotated[sentra.pk].similar_member_count == sentra.similar_members().count()
    assert [annotated[s.pk].similar_member_count for s in three_sentra] == [5, 3, 0]


def test_annotated_member_count_counts_all_active_members(three_sentra):
    annotated = {s.pk: s.member_count for s in Sentra.objects.with_member_counts()}
    assert [annotated[s.pk] for s in three_sentra] == [6, 5, 0]


def test_annotated_rule_matches_the_unannotated_rule(three_sentra):
    annotated = {s.pk: s.meets_pp29 for s in Sentra.objects.with_member_counts()}
    assert [annotated[s.pk] for s in three_sentra] == [s.meets_pp29 for s in three_sentra] == [True, False, False]


def test_annotated_counts_can_be_filtered(three_sentra):
    below = Sentra.objects.with_member_counts().filter(similar_member_count__lt=SENTRA_MIN_MEMBERS)
    assert set(below) == set(three_sentra[1:])


def test_meets_pp29_uses_the_annotation_without_a_query(three_sentra, django_assert_num_queries):
    rows = list(Sentra.objects.with_member_counts())
    with django_assert_num_queries(0):
        assert sorted(row.meets_pp29 for row in rows) == [False, False, True]


def test_meets_pp29_trusts_the_annotation_over_the_members(sentra):
    sentra.similar_member_count = SENTRA_MIN_MEMBERS  # as with_member_counts() would set it
    assert sentra.meets_pp29 is True
    sentra.similar_member_count = SENTRA_MIN_MEMBERS - 1
    add_members(sentra, 5)
    assert sentra.meets_pp29 is False
