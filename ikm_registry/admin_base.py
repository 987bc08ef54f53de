"""Admin base classes that apply region scoping on every path.

Lists, change/delete/history views, autocomplete, bulk actions and the choices in forms all go
through `ScopedQuerySet.restrict(user, action)`; an object outside the user's region is a 404, an
action the user's role does not allow is a 403. History pages, versions and reverts are scoped the
same way (admin_history.py).
"""

import hashlib

from django import forms
from django.conf import settings
from django.contrib import admin
from django.contrib.admin.utils import NotRelationField, get_fields_from_path
from django.core.exceptions import FieldDoesNotExist, PermissionDenied, ValidationError
from django.db import models
from django.forms.models import _get_foreign_key
from django.http import Http404
from django.utils import formats, timezone
from django.utils.text import capfirst
from django.utils.translation import gettext
from simple_history.admin import SimpleHistoryAdmin

from ikm_registry.admin_history import ScopedHistoryMixin, user_label
from ikm_registry.admin_paging import EstimatedCountPaginator, KeysetPagingMixin
from ikm_registry.filtering import AUTOCOMPLETE_FILTER_TEMPLATE, FilterAutocompleteSelect, autocomplete_filter_choice
from ikm_registry.history import has_history, history_of
from ikm_registry.personal_data import RESTRICTED_ACCESS, personal_data_access, personal_fields
from ikm_registry.scoping import CHANGE, VIEW, scope_for, user_may

# The hidden input of a change form that carries the version of the record (and its inline rows) the form shows.
VERSION_FIELD = "_registry_version"


def _restricted(model, user, action=VIEW):
    queryset = model._default_manager.all()
    return queryset.restrict(user, action) if hasattr(queryset, "restrict") else queryset


class PrivateFileInput(forms.ClearableFileInput):
    """A file input for a private file: no link to a storage address (a private file has none; the admin shows the
    download link of its own view instead)."""

    def is_initial(self, value):
        return False


# A personal field a user may not read whole is shown in its place as a read-only value under this name.
RESTRICTED_PREFIX = "personal_as_allowed__"


class PersonalDataAdminMixin:
    """Personal fields of the model (its `personal_fields`) as the user's role allows (ikm_registry.personal_data):
    whole and editable for the staff who enter them; masked or hidden, read-only, for officials. The same for search:
    `search_fields` that go through a personal field (e.g. "=owner__nik") are dropped for users who may not search."""

    def _personal_restricted(self, request) -> bool:
        return bool(personal_fields(self.model)) and not personal_data_access(request.user).read

    def get_fieldsets(self, request, obj=None):
        fieldsets = super().get_fieldsets(request, obj)
        if not self._personal_restricted(request):
            return fieldsets
        personal = set(personal_fields(self.model))

        def swap(names):
            return [
                tuple(swap(name))
                if isinstance(name, list | tuple)
                else (RESTRICTED_PREFIX + name)
                if name in personal
                else name
                for name in names
            ]

        return [(title, {**options, "fields": swap(options["fields"])}) for title, options in fieldsets]

    def get_readonly_fields(self, request, obj=None):
        readonly = list(super().get_readonly_fields(request, obj))
        if self._personal_restricted(request):
            readonly += [RESTRICTED_PREFIX + name for name in personal_fields(self.model)]
        return readonly

    def get_search_fields(self, request):
        search_fields = list(super().get_search_fields(request))
        if personal_data_access(request.user).search:
            return search_fields
        return [name for name in search_fields if not _through_personal_field(self.model, name.lstrip("^=@"))]

    def __getattr__(self, name):
        # The read-only stand-in of a personal field: its value as the user's role allows it.
        if not name.startswith(RESTRICTED_PREFIX):
            raise AttributeError(name)
        field_name = name[len(RESTRICTED_PREFIX) :]
        # An inline names its model on the class, a ModelAdmin on the instance (set in its __init__).
        model = self.__dict__.get("model") or type(self).model
        model_field = model._meta.get_field(field_name)

        def as_allowed(obj):
            value = getattr(obj, field_name, "") if obj is not None else ""
            return RESTRICTED_ACCESS.display(field_name, value)

        as_allowed.short_description = model_field.verbose_name
        return as_allowed


def _through_personal_field(model, lookup: str) -> bool:
    """Whether a search lookup such as "owner__nik" ends in a personal field of the model it reaches."""
    *path, last = lookup.split("__")
    for name in path:
        try:
            model = model._meta.get_field(name).related_model
        except FieldDoesNotExist:  # a transform or a lookup, not a relation: leave it alone
            return False
        if model is None:
            return False
    return last in personal_fields(model)


class ScopedRelatedFieldListFilter(admin.RelatedFieldListFilter):
    """A list filter on a relation that offers only the related rows the user may see (an LSP's operator: not the
    other LSPs' schemes). ScopedModelAdmin uses it for every plain relation in `list_filter`.

    Up to ADMIN_FILTER_OPTIONS_MAX rows are links, as Django draws them; more (a national list of schemes or LSPs)
    are chosen with a search-as-you-type input served by the related model admin's autocomplete (its `search_fields`
    over its scoped rows), so the page holds the chosen row only (admin/filter_autocomplete.html)."""

    autocomplete_rows = None  # the related rows the user may see, when the filter is an autocomplete

    def field_choices(self, field, request, model_admin):
        visible = _restricted(field.related_model, request.user)
        limit = settings.ADMIN_FILTER_OPTIONS_MAX
        if _autocomplete_served(field, request, model_admin) and visible.order_by()[: limit + 1].count() > limit:
            self.autocomplete_rows = visible
            self.template = AUTOCOMPLETE_FILTER_TEMPLATE
            return []
        ordering = self.field_admin_ordering(field, request, model_admin)
        return field.get_choices(
            include_blank=False, ordering=ordering, limit_choices_to={"pk__in": visible.values("pk")}
        )

    def has_output(self):
        return self.autocomplete_rows is not None or super().has_output()

    def choices(self, changelist):
        if self.autocomplete_rows is None:
            yield from super().choices(changelist)
            return
        to_field = self.field.remote_field.field_name
        value = self.lookup_val[-1] if self.lookup_val else None
        chosen = None
        if value not in (None, ""):
            try:
                chosen = self.autocomplete_rows.filter(**{to_field: value}).first()
            except (ValueError, TypeError, ValidationError):  # a forged value: nothing chosen, the list is empty
                chosen = None
        field = forms.ModelChoiceField(
            queryset=self.autocomplete_rows,
            required=False,
            to_field_name=to_field,
            widget=FilterAutocompleteSelect(
                self.field.model, self.field.name, placeholder=gettext("Ketik untuk mencari…")
            ),
        )
        widget = field.widget.render(
            self.lookup_kwarg,
            getattr(chosen, to_field) if chosen is not None else None,
            attrs={"id": f"changelist-filter-{self.field_path}", "aria-label": capfirst(self.title)},
        )
        yield autocomplete_filter_choice(
            changelist, parameter=self.lookup_kwarg, widget=widget, chosen=str(chosen) if chosen is not None else None
        )


def _autocomplete_served(field, request, model_admin) -> bool:
    """Whether the admin's autocomplete view can offer the rows of `field` (a foreign key) to this user: the related
    model's admin has search fields and lets them view its rows."""
    if not isinstance(field, models.ForeignKey):
        return False
    related_admin = model_admin.admin_site._registry.get(field.related_model)
    return (
        related_admin is not None
        and bool(related_admin.get_search_fields(request))
        and related_admin.has_view_permission(request)
    )


def _scoped_list_filter(model, item):
    """`item` of a `list_filter`, with a plain relation whose model is scoped given ScopedRelatedFieldListFilter."""
    if not isinstance(item, str):
        return item
    try:
        field = get_fields_from_path(model, item)[-1]
    except (FieldDoesNotExist, NotRelationField):
        return item
    related = getattr(field, "related_model", None)
    if field.is_relation and related is not None and hasattr(related._default_manager.all(), "restrict"):
        return (item, ScopedRelatedFieldListFilter)
    return item


class ScopedFormFieldsMixin:
    """Limit foreign-key choices (dropdowns and autocomplete validation) to what the user may see."""

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if "queryset" not in kwargs:
            related = db_field.remote_field.model
            queryset = _restricted(related, request.user)
            if hasattr(related, "label"):
                queryset = queryset.select_related("parent__parent")
            kwargs["queryset"] = queryset
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


class VersionCheckedMixin:
    """Optimistic locking for a change form and its inlines: a save based on a stale version is refused.

    The change form carries a fingerprint of the record and of the rows of its inlines as they were when the page
    was rendered (VERSION_FIELD). On save the record's row is locked and the fingerprint taken again; if anything
    changed meanwhile — a field, an inline row added, changed or deleted, a status step — the form is shown again
    with the user's input and "changed by X at T", and nothing is written. The form then carries the new
    fingerprint, so saving again after a look at the other change is a deliberate overwrite.
    """

    def version_of(self, obj) -> str:
        """The fingerprint of `obj` and its inline rows, from the database (auto_now timestamps left out: a save
        that changed nothing is no conflict)."""
        parts = [self._version_rows(self.model, {"pk": obj.pk})]
        for inline in self.inlines:
            fk = _get_foreign_key(self.model, inline.model, fk_name=inline.fk_name)
            parts.append(self._version_rows(inline.model, {fk.name: obj.pk}))
        return hashlib.sha256(repr(parts).encode()).hexdigest()[:32]

    @staticmethod
    def _version_rows(model, lookup) -> list:
        fields = [f.attname for f in model._meta.concrete_fields if not getattr(f, "auto_now", False)]
        return list(model._base_manager.filter(**lookup).order_by("pk").values_list(*fields))

    def last_change(self, obj):
        """(who, when) of the newest history row of `obj` or of its inline rows; (None, None) without history."""
        candidates = []
        if has_history(self.model):
            candidates.append(history_of(self.model).filter(**{self.opts.pk.attname: obj.pk}))
        for inline in self.inlines:
            if has_history(inline.model):
                fk = _get_foreign_key(self.model, inline.model, fk_name=inline.fk_name)
                candidates.append(history_of(inline.model).filter(**{fk.attname: obj.pk}))
        newest = None
        for queryset in candidates:
            record = queryset.select_related("history_user").order_by("-history_date", "-history_id").first()
            if record is not None and (newest is None or record.history_date > newest.history_date):
                newest = record
        if newest is None:
            return None, None
        return user_label(newest), newest.history_date

    def check_version(self, request, form) -> None:
        """Lock the record, compare the form's fingerprint with the database's; raise ValidationError when stale."""
        obj = form.instance
        list(self.model._base_manager.select_for_update().filter(pk=obj.pk).values_list("pk"))
        current = self.version_of(obj)
        submitted = request.POST.get(VERSION_FIELD)
        if submitted == current:
            return
        form.registry_current_version = current
        who, when = self.last_change(obj)
        if not submitted:
            message = gettext(
                "Formulir ini tidak membawa versi data yang Anda buka (halaman lama?). Isian Anda belum disimpan dan "
                "masih ada di bawah: periksa data terbaru, lalu klik Simpan lagi bila isian Anda tetap yang benar."
            )
        elif when is None:
            message = gettext(
                "Data ini sudah berubah setelah Anda membuka formulir ini. Isian Anda belum disimpan dan masih ada di "
                "bawah: periksa data terbaru, lalu klik Simpan lagi bila isian Anda tetap yang benar."
            )
        else:
            message = gettext(
                "Data ini diubah oleh %(who)s pada %(when)s, setelah Anda membuka formulir ini. Isian Anda belum "
                "disimpan dan masih ada di bawah: periksa perubahan itu (Riwayat), lalu klik Simpan lagi bila isian "
                "Anda tetap yang benar."
            ) % {"who": who, "when": formats.date_format(timezone.localtime(when), "DATETIME_FORMAT")}
        raise ValidationError(message, code="stale")

    def get_form(self, request, obj=None, change=False, **kwargs):
        form_class = super().get_form(request, obj, change=change, **kwargs)
        if obj is None or obj.pk is None or request.method != "POST":
            return form_class
        match = getattr(request, "resolver_match", None)
        if match is None or not match.url_name or not match.url_name.endswith("_change"):
            return form_class  # the history (revert) form has checks of its own
        model_admin = self

        class VersionCheckedForm(form_class):
            def clean(self):
                cleaned_data = super().clean()
                model_admin.check_version(request, self)
                return cleaned_data

        VersionCheckedForm.__name__ = form_class.__name__
        return VersionCheckedForm

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        if change and obj is not None and obj.pk is not None and "adminform" in context:
            form = context["adminform"].form
            version = getattr(form, "registry_current_version", None)
            if version is None:
                version = request.POST.get(VERSION_FIELD, "") if request.method == "POST" else self.version_of(obj)
            context["registry_version"] = version
        return super().render_change_form(request, context, add=add, change=change, form_url=form_url, obj=obj)


class ScopedModelAdmin(
    KeysetPagingMixin,
    VersionCheckedMixin,
    PersonalDataAdminMixin,
    ScopedFormFieldsMixin,
    ScopedHistoryMixin,
    SimpleHistoryAdmin,
):
    """A ModelAdmin for a model whose default manager is a ScopedQuerySet, with its change history (Riwayat)."""

    # Lists count exactly up to ADMIN_EXACT_COUNT_MAX rows, then show PostgreSQL's estimate; pages past
    # ADMIN_MAX_PAGE_NUMBER follow "Berikutnya" links, not an OFFSET (ikm_registry/admin_paging).
    paginator = EstimatedCountPaginator

    def get_queryset(self, request):
        return super().get_queryset(request).restrict(request.user, VIEW)

    def get_list_filter(self, request):
        return [_scoped_list_filter(self.model, item) for item in super().get_list_filter(request)]

    def _reaches_model(self, request) -> bool:
        # An LSP operator reaches the models of their LSP only: the others are not theirs, not even as empty lists.
        return scope_for(request.user).reaches(self.model)

    def has_module_permission(self, request):
        return scope_for(request.user).has_access and self._reaches_model(request)

    def has_view_permission(self, request, obj=None):
        return self._reaches_model(request) and user_may(request.user, VIEW, obj)

    def has_add_permission(self, request):
        return self._reaches_model(request) and user_may(request.user, CHANGE)

    def has_change_permission(self, request, obj=None):
        return self._reaches_model(request) and user_may(request.user, CHANGE, obj)

    def has_delete_permission(self, request, obj=None):
        return self._reaches_model(request) and user_may(request.user, CHANGE, obj)

    def get_object(self, request, object_id, from_field=None):
        if not scope_for(request.user).has_access or not self._reaches_model(request):
            raise PermissionDenied
        obj = super().get_object(request, object_id, from_field)
        if obj is None:
            raise Http404("Not found in your region.")
        return obj

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        self.recheck_after_write(request, obj)

    def recheck_after_write(self, request, obj):
        """Refuse a write that moved the object out of the user's region (the view's transaction rolls back)."""
        if not self.model._default_manager.restrict(request.user, CHANGE).filter(pk=obj.pk).exists():
            raise PermissionDenied("The record would leave your region.")


class ScopedInlineMixin(PersonalDataAdminMixin, ScopedFormFieldsMixin):
    """Inline rows follow the permissions of the parent object (`obj` is the parent)."""

    def history_label(self, instance) -> str:
        """How a row is named on its parent's Riwayat page, after the model name (e.g. "Pemilik: Made")."""
        return str(instance)

    def has_view_permission(self, request, obj=None):
        return user_may(request.user, VIEW, obj)

    def has_add_permission(self, request, obj=None):
        return user_may(request.user, CHANGE, obj)

    def has_change_permission(self, request, obj=None):
        return user_may(request.user, CHANGE, obj)

    def has_delete_permission(self, request, obj=None):
        return user_may(request.user, CHANGE, obj)


class ReferenceDataAdmin(admin.ModelAdmin):
    """Reference tables (KBLI, subsectors): every staff user reads; only a superuser edits (imports do the rest)."""

    def has_module_permission(self, request):
        return scope_for(request.user).has_access

    def has_view_permission(self, request, obj=None):
        return scope_for(request.user).has_access

    def has_add_permission(self, request):
        return request.user.is_active and request.user.is_superuser

    def has_change_permission(self, request, obj=None):
        return request.user.is_active and request.user.is_superuser

    def has_delete_permission(self, request, obj=None):
        return request.user.is_active and request.user.is_superuser
