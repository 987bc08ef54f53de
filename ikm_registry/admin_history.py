"""History in the admin: a record's "Riwayat" page, its versions and reverting to one, all region-scoped.

`ScopedModelAdmin` (admin_base.py) is `ScopedHistoryMixin` + simple-history's `SimpleHistoryAdmin`:

* The Riwayat page is one timeline, newest first, of the record's own versions and those of its inline rows
  (owner, yearly figures, products, assistance, obstacles; a sentra's officers, facilities and funding), each row
  with when, which part, who, why and the fields that changed (old → new). Saves that changed no field are left out.
* A version page shows that version, what it changed and how it differs from today's data. Versions of the
  record itself use simple-history's form (Revert = "Kembalikan"); versions of inline rows use a page of ours.
* Other apps add rows about the record from their own models (certification: the business's certificates;
  events: the events it attended) by registering a `TimelineSource` for the record's model in `timeline_sources`.
* Scoping as on the change form: a record outside the user's region is a 404 on every history path; officials
  read but do not revert (no button, POST is a 403); a version located outside the user's region cannot be
  restored by that user; and every revert is re-checked after the write inside its transaction.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from django.conf import settings
from django.contrib import admin, messages
from django.contrib.admin.utils import quote, unquote
from django.contrib.admin.views.main import PAGE_VAR
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db import router, transaction
from django.http import Http404, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import re_path, reverse
from django.utils import timezone, translation
from django.utils.text import capfirst
from django.utils.translation import gettext

from ikm_registry.history import (
    FieldChange,
    FieldValue,
    HistoryFormatter,
    attribute,
    has_history,
    history_of,
    history_restrict,
    version_instance,
)
from ikm_registry.personal_data import FULL_ACCESS, PersonalDataAccess, personal_data_access
from ikm_registry.registry import Contribution, Registry
from ikm_registry.scoping import CHANGE, VIEW, scope_for


@dataclass(frozen=True, kw_only=True)
class TimelineSource(Contribution):
    """Rows another app adds to the Riwayat page of records of `model` ("businesses.Business"): the versions
    (simple-history records) of its own rows about the record, e.g. a business's certificates.

    `records(obj)`: a queryset of historical records about `obj` (newest or oldest first, any order); `restrict(records,
    user)`: those of them the viewer may see, when the rows belong to another scope than `obj` (a business's
    registrations belong to their events' regions); `title`: the
    "Bagian" column, followed by `label(instance)` when given; `url(record)`: where the row links (default: the
    version page of that row in its own admin, which must be a ScopedModelAdmin). `permission(user)` as in every
    registry; the rows are shown to whoever may see the record's history."""

    model: str
    title: str
    records: Callable
    restrict: Callable | None = None
    label: Callable | None = None
    url: Callable | None = None

    def record_url(self, record) -> str:
        if self.url is not None:
            return self.url(record)
        opts = type(record).instance_type._meta
        return reverse(
            f"admin:{opts.app_label}_{opts.model_name}_simple_history",
            args=[quote(getattr(record, opts.pk.attname)), record.history_id],
        )


timeline_sources: Registry[TimelineSource] = Registry("timeline sources", key=lambda s: f"{s.model}:{s.name}")


@dataclass
class HistoryEntry:
    """One row of the Riwayat page."""

    record: object
    previous: object | None
    part: str
    url: str
    formatter: HistoryFormatter
    changes: list[FieldChange] = field(default_factory=list)
    values: list[FieldValue] = field(default_factory=list)

    @property
    def user_label(self) -> str:
        return user_label(self.record)

    @property
    def starts_history(self) -> bool:
        """A change to a record created before its history was kept: what it changed is unknown, its values are not."""
        return self.previous is None and self.record.history_type == "~"


def user_label(record) -> str:
    user = record.history_user
    return "—" if user is None else (user.get_full_name() or user.get_username())


def reverted_reason(version) -> str:
    """The change reason of a revert, in the registry's language whatever the user's (it is data, not UI)."""
    with translation.override(settings.LANGUAGE_CODE):
        return gettext("Dikembalikan ke versi %(date)s") % {
            "date": timezone.localtime(version.history_date).strftime("%d-%m-%Y %H:%M")
        }


def _lookup(queryset, **lookup):
    try:
        return queryset.filter(**lookup).first()
    except (ValueError, ValidationError):  # an id of the wrong type in the URL
        return None


class ScopedHistoryMixin:
    """Region-scoped, field-level history for a ScopedModelAdmin (see the module docstring)."""

    object_history_form_template = "admin/registry/object_history_form.html"
    history_child_template = "admin/registry/object_history_child.html"
    history_list_per_page = 50

    @property
    def object_history_template(self):
        # A model without simple-history (Region) keeps Django's own history page, from the admin log.
        return "admin/registry/object_history.html" if has_history(self.model) else None

    # --- URLs and lookups -----------------------------------------------------------------------------------------

    def get_urls(self):
        child_urls = [
            re_path(
                r"^([^/]+)/history/([a-z0-9_]+)/([^/]+)/$",
                self.admin_site.admin_view(self.history_child_view),
                name=f"{self.opts.app_label}_{self.opts.model_name}_history_child",
            )
        ]
        return child_urls + super().get_urls()

    def _url(self, view, *args) -> str:
        return reverse(f"{self.admin_site.name}:{self.opts.app_label}_{self.opts.model_name}_{view}", args=args)

    def history_subject(self, request, object_id):
        """(record, live): the record if the user may see it, else — when it was deleted — its last version, if that
        version lies in the user's region. History follows the record's current (or, once deleted, last) location:
        a region that held the record before it moved or was deleted sees none of it. Anything else is a 404, as on
        the change form; a user without any region is a 403."""
        if not scope_for(request.user).has_access:
            raise PermissionDenied
        object_id = unquote(object_id)
        pk_name = self.opts.pk.attname
        obj = _lookup(self.get_queryset(request), **{pk_name: object_id})
        if obj is not None:
            return obj, True
        if _lookup(self.model._default_manager.all(), **{pk_name: object_id}) is not None:
            raise Http404("Not found in your region.")
        history = history_of(self.model)
        last = _lookup(history.order_by("-history_date", "-history_id"), **{pk_name: object_id})
        if last is None or not history_restrict(history.filter(history_id=last.history_id), request.user, VIEW):
            raise Http404
        return version_instance(last), False

    def history_inlines(self):
        """(inline, foreign key to this model) for each inline whose model keeps history."""
        result = []
        for inline_class in self.inlines:
            if not has_history(inline_class.model):
                continue
            inline = inline_class(self.model, self.admin_site)
            fk = next(
                f
                for f in inline.model._meta.concrete_fields
                if f.is_relation and f.related_model is self.model and (not inline.fk_name or f.name == inline.fk_name)
            )
            result.append((inline, fk))
        return result

    def _history_inline(self, part):
        for inline, fk in self.history_inlines():
            if inline.model._meta.model_name == part:
                return inline, fk
        raise Http404

    # --- permissions ----------------------------------------------------------------------------------------------

    def may_view_history(self, request, obj, live) -> bool:
        if live:
            return self.has_view_or_change_permission(request, obj)
        return scope_for(request.user).allows(VIEW)  # the last version's location was checked by history_subject

    def may_revert(self, request, obj, live, version) -> bool:
        """Change permission on the record (add, when it was deleted) and the version located in the user's region."""
        if getattr(settings, "SIMPLE_HISTORY_REVERT_DISABLED", False):
            return False
        allowed = self.has_change_permission(request, obj) if live else self.has_add_permission(request)
        if not allowed:
            return False
        return history_restrict(
            type(version).objects.filter(history_id=version.history_id), request.user, CHANGE
        ).exists()

    def has_view_history_or_change_history_permission(self, request, obj=None):
        if getattr(request, "_history_version", None) is not None:
            return True  # history_form_view checked it, for a deleted record too
        return super().has_view_history_or_change_history_permission(request, obj)

    def revert_disabled(self, request, obj=None):
        if getattr(settings, "SIMPLE_HISTORY_REVERT_DISABLED", False):
            return True
        return not self.has_change_permission(request, obj)

    def revert_refusal(self, request, obj, live, version) -> str:
        """Why the revert button is missing, when the reason is not simply the user's role."""
        allowed = self.has_change_permission(request, obj) if live else self.has_add_permission(request)
        if allowed and not self.may_revert(request, obj, live, version):
            return gettext("Versi ini berlokasi di luar wilayah Anda, sehingga tidak dapat Anda kembalikan.")
        return ""

    # --- the Riwayat page -----------------------------------------------------------------------------------------

    def history_view(self, request, object_id, extra_context=None):
        if not has_history(self.model):
            return admin.ModelAdmin.history_view(self, request, object_id, extra_context)
        request.current_app = self.admin_site.name
        obj, live = self.history_subject(request, object_id)
        if not self.may_view_history(request, obj, live):
            raise PermissionDenied
        entries, unchanged = self.history_entries(obj, access=personal_data_access(request.user), viewer=request.user)
        paginator = Paginator(entries, self.history_list_per_page)
        page_obj = paginator.get_page(request.GET.get(PAGE_VAR))
        self.describe(page_obj.object_list)
        context = {
            **self.admin_site.each_context(request),
            "title": gettext("Riwayat %(name)s") % {"name": obj},
            "subtitle": None,
            "object": obj,
            "live": live,
            "opts": self.opts,
            "app_label": self.opts.app_label,
            "module_name": capfirst(self.opts.verbose_name_plural),
            "page_obj": page_obj,
            "page_range": paginator.get_elided_page_range(page_obj.number),
            "page_var": PAGE_VAR,
            "pagination_required": paginator.num_pages > 1,
            "unchanged_count": unchanged,
            "may_revert": (self.has_change_permission(request, obj) if live else self.has_add_permission(request))
            and not getattr(settings, "SIMPLE_HISTORY_REVERT_DISABLED", False),
            **(extra_context or {}),
        }
        return TemplateResponse(request, self.object_history_template, context)

    def history_entries(
        self, obj, access: PersonalDataAccess = FULL_ACCESS, viewer=None
    ) -> tuple[list[HistoryEntry], int]:
        """Every version of `obj` and of its inline rows, newest first, without saves that changed no field; personal
        fields as `access` allows, related records outside `viewer`'s region unnamed."""
        pk_name = self.opts.pk.attname
        object_id = quote(obj.pk)
        sources = [
            (
                history_of(self.model).filter(**{pk_name: obj.pk}),
                capfirst(self.opts.verbose_name),
                None,
                lambda record: self._url("simple_history", object_id, record.history_id),
            )
        ]
        for inline, fk in self.history_inlines():
            model = inline.model
            sources.append(
                (
                    history_of(model).filter(**{fk.attname: obj.pk}),
                    capfirst(model._meta.verbose_name),
                    (inline, fk),
                    lambda record, name=model._meta.model_name: self._url(
                        "history_child", object_id, name, record.history_id
                    ),
                )
            )
        for source in timeline_sources.visible_to(viewer, model=self.opts.label):
            records = source.records(obj)
            if source.restrict is not None:
                records = source.restrict(records, viewer)
            sources.append((records, capfirst(source.title), source, source.record_url))
        entries, unchanged = [], 0
        for queryset, title, child, url in sources:
            model = queryset.model.instance_type
            formatter = HistoryFormatter(model, access, viewer)
            included = [f.name for f in formatter.fields]
            model_pk = model._meta.pk.attname
            last = {}
            for record in queryset.select_related("history_user").order_by("history_date", "history_id"):
                previous = last.get(getattr(record, model_pk))
                last[getattr(record, model_pk)] = record
                if record.history_type == "~" and previous is not None:
                    if not record.diff_against(previous, included_fields=included).changed_fields:
                        unchanged += 1
                        continue
                part = title
                if isinstance(child, TimelineSource):
                    if child.label is not None:
                        part = f"{title}: {child.label(version_instance(record))}"
                elif child is not None:
                    inline, fk = child
                    instance = version_instance(record)
                    setattr(instance, fk.name, obj)  # its label may name the parent: no query for it
                    part = f"{title}: {self.history_label(inline, instance)}"
                entries.append(HistoryEntry(record, previous, part, url(record), formatter))
        entries.sort(key=lambda entry: (entry.record.history_date, entry.record.history_id), reverse=True)
        return entries, unchanged

    @staticmethod
    def history_label(inline, instance) -> str:
        label = getattr(inline, "history_label", None)
        return label(instance) if label else str(instance)

    @staticmethod
    def describe(entries) -> None:
        """Fill in the changes (or, for a first version, the values) of the entries on the page."""
        by_formatter = {}
        for entry in entries:
            by_formatter.setdefault(id(entry.formatter), []).append(entry)
        for group in by_formatter.values():
            formatter = group[0].formatter
            formatter.load_related([e.record for e in group] + [e.previous for e in group])
            for entry in group:
                if entry.record.history_type == "-":
                    continue
                if entry.previous is not None and entry.record.history_type == "~":
                    entry.changes = formatter.changes(entry.record, entry.previous)
                else:
                    entry.values = formatter.values(entry.record, skip_empty=True)

    # --- a version of the record itself (simple-history's form, Revert) --------------------------------------------

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        if not has_history(self.model):
            raise Http404
        obj, live = self.history_subject(request, object_id)
        if not self.may_view_history(request, obj, live):
            raise PermissionDenied
        history = history_of(self.model)
        version = _lookup(
            history.select_related("history_user"), **{self.opts.pk.attname: obj.pk, "history_id": version_id}
        )
        if version is None:
            raise Http404
        may_revert = self.may_revert(request, obj, live, version)
        if request.method == "POST" and not may_revert:
            raise PermissionDenied
        request._history_version = version
        request._history_may_revert = may_revert
        context = {
            **self.version_context(request, obj, live, version, may_revert),
            "revert_disabled": not may_revert,
            "title": (gettext("Kembalikan %(name)s") if may_revert else gettext("Versi %(name)s")) % {"name": obj},
            **(extra_context or {}),
        }
        with transaction.atomic(using=router.db_for_write(self.model)):
            return super().history_form_view(request, obj.pk, version.history_id, context)

    def version_context(self, request, obj, live, version, may_revert) -> dict:
        """What a version page shows above the form or the values: who, when, why, its changes, today's difference."""
        model = type(version).instance_type
        formatter = HistoryFormatter(model, personal_data_access(request.user), request.user)
        previous = version.prev_record
        latest = _lookup(
            history_of(model).order_by("-history_date", "-history_id"),
            **{model._meta.pk.attname: getattr(version, model._meta.pk.attname)},
        )
        current = latest if latest is not None and latest.history_type != "-" else None
        formatter.load_related([version, previous, current])
        return {
            "version": version,
            "history_object": obj,
            "may_revert": may_revert,
            "version_user": user_label(version),
            "version_changes": formatter.changes(version, previous) if version.history_type == "~" else [],
            "version_values": formatter.values(version),
            "current_exists": current is not None,
            # what a revert would write: from today's values (old) to this version's (new)
            "differences_from_current": formatter.changes(version, current) if current is not None else [],
            "revert_refusal": self.revert_refusal(request, obj, live, version),
            "history_url": self._url("history", quote(obj.pk)),
        }

    def get_readonly_fields(self, request, obj=None):
        readonly = list(super().get_readonly_fields(request, obj))
        if getattr(request, "_history_version", None) is not None and not request._history_may_revert:
            # a version the user may not revert is shown as text, like a change form without change permission
            editable = [f.name for f in self.opts.concrete_fields if f.editable and not f.primary_key]
            readonly += [name for name in editable if name not in readonly]
        return readonly

    def save_model(self, request, obj, form, change):
        version = getattr(request, "_history_version", None)
        if version is not None:
            self.keep_current_values(obj, form)
            obj._change_reason = reverted_reason(version)
        super().save_model(request, obj, form, change)

    def keep_current_values(self, obj, form) -> None:
        """A revert writes what the change form could write; fields outside it (a workflow status shown read-only,
        created_by, ...) keep today's values."""
        live = self.model._base_manager.filter(pk=obj.pk).first()
        if live is None:
            return
        for model_field in self.opts.concrete_fields:
            if model_field.primary_key or model_field.generated or model_field.name in form.fields:
                continue
            setattr(obj, model_field.attname, getattr(live, model_field.attname))

    # --- a version of an inline row (owner, yearly figures, ...) ----------------------------------------------------

    def history_child_view(self, request, object_id, part, version_id):
        obj, live = self.history_subject(request, object_id)
        if not self.may_view_history(request, obj, live):
            raise PermissionDenied
        inline, fk = self._history_inline(part)
        model = inline.model
        version = _lookup(
            history_of(model).select_related("history_user"), history_id=version_id, **{fk.attname: obj.pk}
        )
        if version is None:
            raise Http404
        may_revert = live and self.may_revert(request, obj, live, version)
        if request.method == "POST":
            if not may_revert:
                raise PermissionDenied
            try:
                with transaction.atomic(using=router.db_for_write(model)):
                    self.restore_child(request, version)
            except ValidationError as error:
                messages.error(request, " ".join(error.messages))
                return HttpResponseRedirect(request.path)
            messages.success(
                request,
                gettext("%(part)s dikembalikan ke versi %(date)s.")
                % {
                    "part": capfirst(model._meta.verbose_name),
                    "date": timezone.localtime(version.history_date).strftime("%d-%m-%Y %H:%M"),
                },
            )
            return HttpResponseRedirect(self._url("history", quote(obj.pk)))
        instance = version_instance(version)
        setattr(instance, fk.name, obj)
        part_label = f"{capfirst(model._meta.verbose_name)}: {self.history_label(inline, instance)}"
        context = {
            **self.admin_site.each_context(request),
            **self.version_context(request, obj, live, version, may_revert),
            "title": part_label,
            "subtitle": None,
            "object": obj,
            "opts": self.opts,
            "module_name": capfirst(self.opts.verbose_name_plural),
            "part_label": part_label,
        }
        return TemplateResponse(request, self.history_child_template, context)

    def restore_child(self, request, version) -> None:
        """Write `version` of an inline row back (re-creating it when it was deleted), validated, then re-checked."""
        model = type(version).instance_type
        instance = version.instance
        instance._state.adding = not model._base_manager.filter(pk=instance.pk).exists()
        attribute(instance, request.user, reverted_reason(version))
        instance.full_clean()
        instance.save()
        if not model._default_manager.restrict(request.user, CHANGE).filter(pk=instance.pk).exists():
            raise PermissionDenied("The record would leave your region.")
