"""Filters the API's FilterSets share."""

import django_filters
from django import forms

# The largest id a filter takes: beyond it no row exists, and the database's integer would overflow.
MAX_ID = 10**18 - 1
# Ids in paths (`lookup_value_regex`): digits, at most 18; another path is a 404.
ID_PATTERN = r"[0-9]{1,18}"


class IdFilter(django_filters.NumberFilter):
    """A row's id, or a year: a whole number within bounds (else a 400 naming the parameter); the schema says
    `integer` with the bounds (ikm_registry.api.schema)."""

    field_class = forms.IntegerField

    def __init__(self, *args, min_value: int = 1, max_value: int = MAX_ID, **kwargs):
        super().__init__(*args, min_value=min_value, max_value=max_value, **kwargs)
