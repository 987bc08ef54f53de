"""Staff FilterSets: one per listed model, used by its admin list, its exports, its reports and (later) the API.

A `StaffFilterSet` is a django-filter FilterSet whose query parameters are the ones the admin list shows in its
URL. Every consumer takes the same class, so a filter added once appears everywhere:

- the admin list: `list_filter = filterset_list_filters(MyStaffFilterSet)` turns each filter into a sidebar list
  filter with the same parameter name; its options come from `lookups(name)` (limited to the user's region) and its
  query from the filter itself. A value the filter refuses leaves an error message naming the filter and an empty
  list (never a silently wider one). The admin's export of the list is the list's own queryset, so it is filtered
  the same way.
- a report or an export outside the admin: `MyStaffFilterSet.for_user(user, data=...)`: `.form` validates and
  names the field of a bad value, `.qs` is the filtered rows, `.apply(queryset, cleaned_data)` applies cleaned
  values (e.g. of a report form that copied `.form.fields`).

The queryset a FilterSet filters is already scoped to the user (ikm_registry.scoping): the FilterSet narrows it,
it never widens it. `user` (a SystemActor for the commands) limits the choices offered.

Old parameter names (`legacy_params`) are still understood: `canonical_params()` renames them, and the admin list
redirects an old link to its new address.
"""

from __future__ import annotations

import django_filters
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.http import HttpResponseRedirect, QueryDict
from django.utils.text import capfirst


class StaffFilterSet(django_filters.FilterSet):
    """Base of the staff FilterSets. Subclasses may define `lookups_<name>(self)` returning the options the admin
    list offers for filter `<name>` ([(value, label), ...]); without one, the filter's own choices are offered."""

    # Old query parameter → filter name: links and stored report parameters from before the FilterSet.
    legacy_params: dict[str, str] = {}
    # Filters a report with a region field of its own leaves out (they would narrow the same region twice).
    region_filters: tuple[str, ...] = ()

    def __init__(self, data=None, queryset=None, *, user=None, request=None, **kwargs):
        self.user = user if user is not None or request is None else request.user
        if queryset is None:
            queryset = self._meta.model._default_manager.all()
        if data is not None:
            data = self.canonical_params(data)
        super().__init__(data, queryset, request=request, **kwargs)
        self.setup()

    def setup(self) -> None:
        """Per-user set-up of the filters (e.g. a scoped queryset of choices); called at the end of __init__."""

    @classmethod
    def for_user(cls, user, *, data=None, queryset=None):
        """The FilterSet over the rows `user` (a user, or a SystemActor for every row) may see."""
        if queryset is None:
            queryset = cls._meta.model._default_manager.all()
        queryset = queryset.restrict(user)
        return cls(data, queryset, user=user)

    @classmethod
    def canonical_params(cls, data):
        """`data` (a QueryDict or dict) with old parameter names replaced by the filters' names."""
        if not any(key in data for key in cls.legacy_params):
            return data
        if isinstance(data, QueryDict):
            renamed = QueryDict(mutable=True)
            for key, values in data.lists():
                renamed.setlist(cls.legacy_params.get(key, key), values)
            return renamed
        return {cls.legacy_params.get(key, key): value for key, value in data.items()}

    def filter_queryset(self, queryset):
        """`.qs`: no rows while a parameter is refused (its error is on `.form`), never a silently wider list."""
        if self.form.errors:
            return queryset.none()
        return super().filter_queryset(queryset)

    def lookups(self, name: str) -> list[tuple[str, str]]:
        """The options the admin list offers for filter `name`."""
        method = getattr(self, f"lookups_{name}", None)
        if method is not None:
            return list(method())
        field = self.form.fields[name]
        if hasattr(field, "queryset"):
            return [(str(obj.pk), str(obj)) for obj in field.queryset]
        return [(str(value), str(label)) for value, label in getattr(field, "choices", []) if value not in ("", None)]

    def clean_value(self, name: str, raw):
        """`raw` (one query parameter value) as filter `name` takes it; raises ValidationError."""
        return self.form.fields[name].clean(raw)

    def filter_one(self, queryset, name: str, value):
        """`queryset` narrowed by filter `name` with a cleaned `value` (empty values leave it unchanged)."""
        if value in (None, "", [], ()):
            return queryset
        return self.filters[name].filter(queryset, value)

    def apply(self, queryset, cleaned_data: dict):
        """`queryset` narrowed by every filter whose name is in `cleaned_data` (a report form's cleaned values)."""
        for name in self.filters:
            if name in cleaned_data:
                queryset = self.filter_one(queryset, name, cleaned_data[name])
        return queryset

    def describe(self) -> list[tuple[str, str]]:
        """The filters given in `data`, as (label, value) pairs a person reads: a choice by its label, a record by
        its name, other values through `describe_<name>(value)` when the subclass has one, else as typed. A value
        the filter refuses is left out (the list it describes is refused too)."""
        described = []
        if self.data is None:
            return described
        for name in self.filters:
            raw = self.data.get(name)
            if raw in (None, ""):
                continue
            try:
                value = self.clean_value(name, raw)
            except ValidationError:
                continue
            if value in (None, ""):
                continue
            field = self.form.fields[name]
            method = getattr(self, f"describe_{name}", None)
            if method is not None:
                shown = method(value)
            elif hasattr(field, "queryset"):
                shown = str(value)
            elif getattr(field, "choices", None):
                shown = str(dict(field.choices).get(value, value))
            else:
                shown = str(value)
            described.append((str(capfirst(field.label)), shown))
        return described

    def form_fields(self, *, exclude=()):
        """Copies of the form fields (labels capitalised), for a form that embeds this FilterSet's filters."""
        import copy

        fields = {}
        for name, field in self.form.fields.items():
            if name in exclude:
                continue
            field = copy.deepcopy(field)
            field.label = capfirst(field.label)
            fields[name] = field
        return fields


ERRORS_SHOWN = "_staff_filter_errors_shown"


def staff_filterset(request, filterset_class, model_admin) -> StaffFilterSet:
    """The request's FilterSet for `model_admin`'s list (one per request), over the list's own queryset."""
    cache = request.__dict__.setdefault("_staff_filtersets", {})
    if filterset_class not in cache:
        cache[filterset_class] = filterset_class(
            request.GET, model_admin.get_queryset(request), user=request.user, request=request
        )
    return cache[filterset_class]


def filter_errors(request, filterset_class) -> list[str]:
    """Messages for the list parameters of `request` that `filterset_class` refuses ("kabupaten/kota: ...")."""
    filterset = filterset_class(request.GET, user=request.user, request=request)
    problems = []
    for name in filterset.filters:
        raw = filterset.data.get(name)
        if raw in (None, ""):
            continue
        try:
            filterset.clean_value(name, raw)
        except ValidationError as error:
            label = capfirst(filterset.form.fields[name].label)
            problems.append(f"{label}: {' '.join(error.messages)}")
    return problems


class FilterSetListFilter(admin.SimpleListFilter):
    """One filter of a StaffFilterSet as an admin list filter (made by `filterset_list_filters`)."""

    filterset_class: type[StaffFilterSet]
    filter_name: str

    def lookups(self, request, model_admin):
        return staff_filterset(request, self.filterset_class, model_admin).lookups(self.filter_name)

    def queryset(self, request, queryset):
        raw = self.value()
        if raw in (None, ""):
            return queryset
        filterset = staff_filterset(request, self.filterset_class, self.model_admin)
        try:
            value = filterset.clean_value(self.filter_name, raw)
        except ValidationError as error:
            shown = request.__dict__.setdefault(ERRORS_SHOWN, set())
            if self.filter_name not in shown:
                shown.add(self.filter_name)
                label = capfirst(filterset.form.fields[self.filter_name].label)
                messages.error(request, f"{label}: {' '.join(error.messages)}", fail_silently=True)
            return queryset.none()
        return filterset.filter_one(queryset, self.filter_name, value)

    def __init__(self, request, params, model, model_admin):
        self.model_admin = model_admin
        super().__init__(request, params, model, model_admin)


def filterset_list_filters(filterset_class: type[StaffFilterSet]) -> list[type[FilterSetListFilter]]:
    """Admin list filters, one per filter of `filterset_class`, in its order, with its names and labels."""
    made = []
    for name, filter_ in filterset_class.base_filters.items():
        made.append(
            type(
                f"{filterset_class.__name__}_{name}",
                (FilterSetListFilter,),
                {
                    "filterset_class": filterset_class,
                    "filter_name": name,
                    "parameter_name": name,
                    "title": filter_.label,
                },
            )
        )
    return made


class FilterSetAdminMixin:
    """For a ModelAdmin whose `list_filter = filterset_list_filters(filterset_class)`: a link with old parameter
    names (a bookmark, a link from before the FilterSet) is redirected to the same list under the new names."""

    filterset_class: type[StaffFilterSet] | None = None

    def changelist_view(self, request, extra_context=None):
        if self.filterset_class is not None:
            canonical = self.filterset_class.canonical_params(request.GET)
            if canonical is not request.GET:
                return HttpResponseRedirect(f"{request.path}?{canonical.urlencode()}")
        return super().changelist_view(request, extra_context)
