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

A filter whose choices can be thousands (a sentra, a desa) takes a `FilterAutocompleteSelect` widget: the admin list
shows it as a search-as-you-type input served by the admin's autocomplete view (the related model admin's
`search_fields` over its scoped `get_queryset`), so the page holds the chosen value only, whatever the number of
choices; a form that copies the FilterSet's fields (a report's) gets the same input.
"""

from __future__ import annotations

import django_filters
from django import forms
from django.contrib import admin, messages
from django.contrib.admin.views.main import ERROR_FLAG, PAGE_VAR
from django.contrib.admin.widgets import AutocompleteMixin, AutocompleteSelect, get_select2_language
from django.core.exceptions import ValidationError
from django.http import HttpResponseRedirect, QueryDict
from django.utils.text import capfirst

from ikm_registry.admin_paging import CURSOR_VARS


class FilterAutocompleteSelect(AutocompleteSelect):
    """Django admin's autocomplete select (select2 asking admin/autocomplete/ as the foreign key `field_name` of
    `model` does on its change form) for a filter: it renders the chosen value only, never every choice. The search
    and the rows offered are those of the related model's admin (`search_fields`, `get_queryset`: scoped to the
    user). In a list filter's form, picking or clearing a value opens the list with it (filter_autocomplete.js)."""

    def __init__(self, model, field_name: str, *, placeholder="", attrs=None):
        super().__init__(model._meta.get_field(field_name), admin.site, attrs={"data-width": "100%", **(attrs or {})})
        self.placeholder = placeholder

    # select2's messages in the language of the request, not of the moment the FilterSet class was defined.
    @property
    def i18n_name(self):
        return get_select2_language()

    @i18n_name.setter
    def i18n_name(self, value):
        pass

    def build_attrs(self, base_attrs, extra_attrs=None):
        attrs = super().build_attrs(base_attrs, extra_attrs=extra_attrs)
        attrs["data-placeholder"] = str(self.placeholder)
        return attrs

    @property
    def media(self):
        # One list, so that the filter's script follows select2's set-up (two lists would not order them).
        base = super().media
        return forms.Media(
            js=[*base._js, "ikm_registry/filter_autocomplete.js"],
            css={"screen": [*base._css.get("screen", []), "ikm_registry/filter_autocomplete.css"]},
        )


class LabelledModelChoiceField(django_filters.fields.ModelChoiceField):
    """A record named as the admin's autocomplete names it: a region with its parents ("Desa Dalung, Kec. Kuta Utara,
    Kabupaten Badung"), anything else by its str()."""

    def label_from_instance(self, obj):
        return getattr(obj, "label", None) or str(obj)


class LabelledModelChoiceFilter(django_filters.ModelChoiceFilter):
    field_class = LabelledModelChoiceField


def autocomplete_widgets(filterset_class) -> list[AutocompleteMixin]:
    """The autocomplete widgets of `filterset_class`'s filters (their media go into the admin list's page)."""
    widgets = (filter_.extra.get("widget") for filter_ in filterset_class.base_filters.values())
    return [widget for widget in widgets if isinstance(widget, AutocompleteMixin)]


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
    """One filter of a StaffFilterSet as an admin list filter (made by `filterset_list_filters`): its options as
    links."""

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
        self.request = request
        super().__init__(request, params, model, model_admin)


AUTOCOMPLETE_FILTER_TEMPLATE = "admin/filter_autocomplete.html"


def autocomplete_filter_choice(changelist, *, parameter: str, widget: str, chosen: str | None) -> dict:
    """What admin/filter_autocomplete.html draws: the rendered input (`widget`), the list's other parameters as hidden
    inputs of its form (a new choice keeps the search, the order and the other filters, and starts at the first
    page), the chosen value's name (None: nothing chosen) and the link that clears it."""
    dropped = (parameter, PAGE_VAR, ERROR_FLAG, *CURSOR_VARS)
    hidden = [
        (key, value)
        for key, values in getattr(changelist, "filter_params", {}).items()
        if key not in dropped
        for value in values
    ]
    return {
        "widget": widget,
        "hidden": hidden,
        "chosen": chosen,
        "clear_url": changelist.get_query_string(remove=[parameter, PAGE_VAR, *CURSOR_VARS]),
    }


class FilterSetAutocompleteListFilter(FilterSetListFilter):
    """A filter of a StaffFilterSet whose field has a FilterAutocompleteSelect: a search-as-you-type input instead of
    links to every option. The page holds the chosen value only (named when the user may see it: a forged id of
    another region's record is refused by the filter, named nowhere, and lists nothing)."""

    template = AUTOCOMPLETE_FILTER_TEMPLATE

    def lookups(self, request, model_admin):
        return ()  # never listed

    def has_output(self):
        return True

    def choices(self, changelist):
        filterset = staff_filterset(self.request, self.filterset_class, self.model_admin)
        field = filterset.form.fields[self.filter_name]
        chosen = None
        if self.value() not in (None, ""):
            try:
                chosen = filterset.clean_value(self.filter_name, self.value())
            except ValidationError:
                chosen = None
        widget = field.widget.render(
            self.parameter_name,
            field.prepare_value(chosen) if chosen is not None else None,
            attrs={"id": f"changelist-filter-{self.parameter_name}", "aria-label": capfirst(self.title)},
        )
        label = field.label_from_instance(chosen) if chosen is not None else None
        yield autocomplete_filter_choice(changelist, parameter=self.parameter_name, widget=widget, chosen=label)


def filterset_list_filters(filterset_class: type[StaffFilterSet]) -> list[type[FilterSetListFilter]]:
    """Admin list filters, one per filter of `filterset_class`, in its order, with its names and labels."""
    made = []
    for name, filter_ in filterset_class.base_filters.items():
        autocomplete = isinstance(filter_.extra.get("widget"), AutocompleteMixin)
        made.append(
            type(
                f"{filterset_class.__name__}_{name}",
                (FilterSetAutocompleteListFilter if autocomplete else FilterSetListFilter,),
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

    @property
    def media(self):
        media = super().media
        for widget in autocomplete_widgets(self.filterset_class) if self.filterset_class is not None else ():
            media += widget.media
        return media

    def changelist_view(self, request, extra_context=None):
        if self.filterset_class is not None:
            canonical = self.filterset_class.canonical_params(request.GET)
            if canonical is not request.GET:
                return HttpResponseRedirect(f"{request.path}?{canonical.urlencode()}")
        return super().changelist_view(request, extra_context)
