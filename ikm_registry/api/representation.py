"""A faster `to_representation()` for serializers whose fields are mostly plain values.

DRF serializes each field of each row through a dozen calls (`get_attribute` walking the source, a SkipField
check, `to_representation`): a page of fifty businesses with twenty fields was three quarters of the API list's
Python time. `PlainRepresentationMixin` plans, once per serializer, how each field is read: a CharField or an
IntegerField (exactly those classes) by walking its source attributes and applying `str` or `int`, as DRF does;
every other field (method fields, decimals, nested serializers) through DRF's own two steps. None stays None, as
DRF leaves it; a source that cannot be read takes DRF's own path too (its default, null, skip or error). The
answer is the same dict, key for key; tests/core/test_api_representation.py compares them."""

from rest_framework import fields as drf_fields
from rest_framework.fields import SkipField, get_attribute

PLAIN = {drf_fields.CharField: str, drf_fields.IntegerField: int}


class PlainRepresentationMixin:
    def _representation_plan(self) -> list:
        plan = self.__dict__.get("_plain_plan")
        if plan is None:
            plan = []
            for field in self._readable_fields:
                convert = PLAIN.get(type(field))
                attrs = getattr(field, "source_attrs", None)
                if convert is not None and attrs and field.source != "*":
                    plan.append((field.field_name, convert, attrs, field))
                else:
                    plan.append((field.field_name, None, None, field))
            self._plain_plan = plan
        return plan

    def to_representation(self, instance):
        found = {}
        for name, convert, attrs, field in self._representation_plan():
            if convert is not None:
                try:
                    value = get_attribute(instance, attrs)  # DRF's walk: items, attributes, simple callables
                except Exception:  # noqa: BLE001 - DRF's field decides: default, null, skip or its own error
                    pass
                else:
                    found[name] = None if value is None else convert(value)
                    continue
            try:
                attribute = field.get_attribute(instance)
            except SkipField:
                continue
            found[name] = None if attribute is None else field.to_representation(attribute)
        return found
