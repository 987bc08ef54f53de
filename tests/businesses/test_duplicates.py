"""Duplicate detection: the same NIB, or else the same business name, owner name and desa/kelurahan."""

import pytest

from businesses.services import business_duplicates
from tests.factories import BusinessFactory

pytestmark = pytest.mark.usefixtures("bali_regions", "kbli")


@pytest.fixture
def existing(bali_regions):
    return BusinessFactory(
        name="Batik Sari", owner__name="Ni Made Sari", village=bali_regions.tuban, nib="9120001234567"
    )


def find(**kwargs):
    arguments = {"name": "Batik Sari", "owner_name": "Ni Made Sari", "village_id": "51.03.01.1001", "nib": ""}
    return list(business_duplicates(**(arguments | kwargs)))


def test_same_nib_is_a_duplicate_whatever_the_name_and_place(existing):
    assert find(name="Usaha Lain", owner_name="Orang Lain", village_id="51.71.01.1001", nib="9120001234567") == [
        existing
    ]


def test_different_nib_is_not_a_duplicate_even_with_the_same_name_owner_and_place(existing):
    assert find(nib="9120001234568") == []


def test_without_nib_same_name_owner_and_village_is_a_duplicate(existing):
    assert find() == [existing]


def test_without_nib_name_and_owner_match_case_insensitively(existing):
    assert find(name="BATIK SARI", owner_name="ni made sari") == [existing]


def test_without_nib_extra_spaces_are_ignored(existing):
    assert find(name="  Batik   Sari ", owner_name="Ni  Made\tSari ") == [existing]


def test_without_nib_a_different_village_is_not_a_duplicate(existing, bali_regions):
    assert find(village_id=bali_regions.kuta_village.code) == []


def test_without_nib_a_different_owner_is_not_a_duplicate(existing):
    assert find(owner_name="Ni Made Sariani") == []


def test_without_nib_a_different_name_is_not_a_duplicate(existing):
    assert find(name="Batik Sari Dewi") == []


def test_a_business_without_an_owner_is_not_matched_by_name_and_village(bali_regions):
    BusinessFactory(name="Batik Sari", owner=None, village=bali_regions.tuban)
    assert find() == []


def test_exclude_pk_leaves_out_the_business_itself(existing):
    assert find(exclude_pk=existing.pk) == []
    assert find(nib="9120001234567", exclude_pk=existing.pk) == []


def test_exclude_pk_keeps_the_other_duplicates(existing, bali_regions):
    twin = BusinessFactory(name="Batik Sari", owner__name="Ni Made Sari", village=bali_regions.tuban)
    assert set(find(exclude_pk=existing.pk)) == {twin}
