"""PlainRepresentationMixin (ikm_registry/api/representation.py) answers what DRF's own to_representation() does,
key for key and value for value, for the public business serializer over rows of every shape."""

import json

import pytest
from django.utils import timezone
from rest_framework import serializers
from rest_framework.utils.encoders import JSONEncoder

from businesses.api import BusinessPublicDetailSerializer, BusinessPublicSerializer
from businesses.choices import BusinessStatus
from businesses.selectors import business_public, business_public_named, rules
from ikm_registry.api.reference import region_trail_names, trail_names_of_row
from ikm_registry.api.representation import PlainRepresentationMixin
from tests.factories import BusinessFactory, SentraFactory

pytestmark = pytest.mark.django_db


def drf(serializer, row) -> dict:
    return serializers.Serializer.to_representation(serializer, row)


def test_the_public_serializers_answer_what_drf_answers():
    today = timezone.localdate()
    BusinessFactory(status=BusinessStatus.PUBLISHED, sentra=SentraFactory(), latitude="-8.123456", longitude="115.2")
    BusinessFactory(
        status=BusinessStatus.PUBLISHED,
        latitude=None,
        longitude=None,
        year_founded=None,
        subsector=None,
        owner__phone="081234567890",
        owner__phone_public_since=today,
    )
    BusinessFactory(status=BusinessStatus.PUBLISHED, owner=None, nib="", main_product="")
    rows = list(business_public_named().annotate(latest_scale_bps=rules.latest_figure("scale_bps")))
    assert len(rows) == 3
    for serializer_class in (BusinessPublicSerializer, BusinessPublicDetailSerializer):
        serializer = serializer_class()
        for row in rows:
            mine, theirs = serializer.to_representation(row), drf(serializer, row)
            assert list(mine) == list(theirs)  # the same keys in the same order
            assert json.dumps(mine, cls=JSONEncoder) == json.dumps(theirs, cls=JSONEncoder)
    assert {row.public_phone for row in rows} == {"", "081234567890"}


class Row:
    def __init__(self, **values):
        self.__dict__.update(values)


class Plain(PlainRepresentationMixin, serializers.Serializer):
    code = serializers.CharField(source="region.code")
    count = serializers.IntegerField()
    label = serializers.CharField(source="title")
    kind = serializers.SerializerMethodField()
    flag = serializers.BooleanField()
    note = serializers.CharField(source="missing.note", allow_null=True)

    def get_kind(self, row) -> str:
        return type(row.title).__name__


@pytest.mark.parametrize(
    "row",
    [
        Row(region=Row(code="51.03"), count="7", title="Kriya", flag=1, missing=Row(note=3)),
        Row(region=Row(code=None), count=None, title=None, flag=False, missing=None),  # None values and sources
        Row(region={"code": 5103}, count=7.0, title=lambda: "dari metode", flag="true"),  # a dict, a callable
    ],
    ids=["values", "nones", "dict-and-callable"],
)
def test_plain_fields_convert_as_drf_converts(row):
    assert Plain().to_representation(row) == drf(Plain(), row)


def test_an_unreadable_required_source_fails_as_in_drf():
    row = Row(region=None, count=1, title="x", flag=True)
    with pytest.raises(AttributeError) as theirs:
        drf(Plain(), row)
    with pytest.raises(AttributeError) as mine:
        Plain().to_representation(row)
    assert str(mine.value) == str(theirs.value)


def test_named_rows_carry_what_business_public_loads_as_related_rows(django_assert_num_queries):
    """The API's rows (business_public_named) carry the names business_public() rows reach through their desa,
    KBLI code and sentra, and the same consented contact, in one query and without a related instance."""
    today = timezone.localdate()
    BusinessFactory(status=BusinessStatus.PUBLISHED, sentra=SentraFactory(name="Sentra Tenun"))
    BusinessFactory(status=BusinessStatus.PUBLISHED, owner__email="a@example.com", owner__email_public_since=today)
    with django_assert_num_queries(1):
        named = {row.pk: row for row in business_public_named()}
    assert all(not row._state.fields_cache for row in named.values())
    for row in business_public():
        mine = named[row.pk]
        assert trail_names_of_row(mine) == region_trail_names(row.village)
        assert mine.kbli_title == row.kbli.title
        assert mine.sentra_name == (row.sentra.name if row.sentra_id else None)
        assert (mine.public_phone, mine.public_email) == (row.public_phone, row.public_email)
    assert {row.sentra_name for row in named.values()} == {"Sentra Tenun", None}
