"""Kegiatan in the admin, scoped by the organising office's region: events with their sessions, partners, speakers
and outcomes; registrations with their workflow (through the registration service: a freed place goes to the
waiting list); MoUs; and the shared address book of institutions and speakers."""

from __future__ import annotations

from pathlib import Path

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models
from django.db.models import Count, Q
from django.http import Http404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from events import rules
from events.admin_checkin import CheckInAdminMixin
from events.choices import HOLDS_PLACE, MARKET_KINDS, EventStatus
from events.models import (
    Agreement,
    AgreementParty,
    Event,
    EventPartner,
    EventPhoto,
    EventSpeaker,
    Institution,
    Outcome,
    Registration,
    Session,
    Speaker,
)
from events.services.notify import mail_participants, notify_registered
from events.services.registration import duplicate_of, event_places_changed, registration_create, registration_step
from ikm_registry.admin_base import PersonalDataAdminMixin, PrivateFileInput, ScopedInlineMixin, ScopedModelAdmin
from ikm_registry.admin_workflow import WorkflowAdminMixin
from ikm_registry.models import Office, Region
from ikm_registry.private_files import private_file_response
from ikm_registry.scoping import CHANGE, scope_for


class AttentionFilter(admin.SimpleListFilter):
    """The admin home's "Perlu perhatian" items link here (?perhatian=…); each choice is a rule of events/rules.py."""

    title = _("perlu perhatian")
    parameter_name = "perhatian"
    rules: dict = {}

    def lookups(self, request, model_admin):
        return [(key, label) for key, (label, _rule) in self.rules.items()]

    def queryset(self, request, queryset):
        rule = self.rules.get(self.value())
        return rule[1](queryset) if rule else queryset


class EventAttentionFilter(AttentionFilter):
    rules = {
        "laporan": (_("laporan belum selesai"), rules.report_due),
        "segera": (_("segera dimulai, pendaftaran belum dibuka"), rules.starting_soon),
    }


class AgreementAttentionFilter(AttentionFilter):
    rules = {"berakhir": (_("berakhir dalam 90 hari"), rules.agreements_lapsing)}


class AddressBookAdmin(PersonalDataAdminMixin, admin.ModelAdmin):
    """Institutions and speakers: one address book for every office. Staff read it; staff who may change data add
    and correct entries; only a superuser deletes (an entry in use is protected anyway)."""

    def has_module_permission(self, request):
        return scope_for(request.user).reaches_regions

    def has_view_permission(self, request, obj=None):
        return scope_for(request.user).reaches_regions

    def has_add_permission(self, request):
        return scope_for(request.user).reaches_regions and scope_for(request.user).allows(CHANGE)

    def has_change_permission(self, request, obj=None):
        return scope_for(request.user).reaches_regions and scope_for(request.user).allows(CHANGE)

    def has_delete_permission(self, request, obj=None):
        return request.user.is_active and request.user.is_superuser


@admin.register(Institution)
class InstitutionAdmin(AddressBookAdmin):
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}
    list_display = ["name", "kind", "region"]
    list_filter = ["kind"]
    search_fields = ["name"]
    autocomplete_fields = ["region"]


@admin.register(Speaker)
class SpeakerAdmin(AddressBookAdmin):
    list_display = ["name", "position", "institution"]
    search_fields = ["name", "position", "institution__name"]
    autocomplete_fields = ["institution"]


class SessionInline(ScopedInlineMixin, admin.TabularInline):
    model = Session
    extra = 0
    fields = ["date", "starts", "ends", "title", "capacity"]


class PartnerInline(ScopedInlineMixin, admin.TabularInline):
    model = EventPartner
    extra = 0
    autocomplete_fields = ["institution"]


class SpeakerInline(ScopedInlineMixin, admin.TabularInline):
    model = EventSpeaker
    extra = 0
    autocomplete_fields = ["speaker"]


class PhotoInline(ScopedInlineMixin, admin.TabularInline):
    """Documentation photos: private files, previewed and opened through the event's own scoped view."""

    model = EventPhoto
    extra = 0
    fields = ["preview", "photo", "caption"]
    readonly_fields = ["preview"]
    formfield_overrides = {models.ImageField: {"widget": PrivateFileInput}}

    def get_fields(self, request, obj=None):
        # Read-only users get the preview, not the file field (a private file has no address to render).
        fields = list(super().get_fields(request, obj))
        return fields if self.has_change_permission(request, obj) else [f for f in fields if f != "photo"]

    @admin.display(description=_("pratinjau"))
    def preview(self, obj):
        if obj is None or not obj.pk or not obj.photo_thumbnail:
            return "—"
        url = reverse("admin:events_event_photo", args=[obj.event_id, obj.pk])
        return format_html('<a href="{}"><img src="{}?kecil=1" alt="" width="120"></a>', url, url)


class OutcomeInline(ScopedInlineMixin, admin.TabularInline):
    model = Outcome
    extra = 0
    autocomplete_fields = ["business"]
    fields = ["business", "direct_sales", "orders", "buyers_met", "contracts", "contract_value", "notes"]


@admin.register(Event)
class EventAdmin(CheckInAdminMixin, WorkflowAdminMixin, ScopedModelAdmin):
    change_form_template = "admin/events/event/change_form.html"
    list_display = ["title", "kind", "start_date", "venue_region", "office", "status", "participants"]
    list_filter = [EventAttentionFilter, "status", "kind", "funding_source", "is_public"]
    search_fields = ["title", "code", "venue"]
    date_hierarchy = "start_date"
    list_select_related = ["venue_region", "office"]
    autocomplete_fields = ["venue_region"]
    readonly_fields = ["status"]
    inlines = [SessionInline, PartnerInline, SpeakerInline, OutcomeInline, PhotoInline]
    fieldsets = [
        (None, {"fields": ["code", "title", "kind", "office", "status", "description"]}),
        (_("Waktu dan tempat"), {"fields": [("start_date", "end_date"), "venue", "venue_region"]}),
        (
            _("Pendaftaran"),
            {
                "fields": [
                    "is_public",
                    "quota",
                    ("registration_opens", "registration_closes"),
                    "offer_hours",
                    "certificate_min_percent",
                ]
            },
        ),
        (_("Anggaran"), {"fields": ["funding_source", ("budget_planned", "budget_realised")]}),
        (
            _("Laporan kegiatan"),
            {"fields": ["background", "legal_basis", "purpose", "results", "conclusion"], "classes": ["collapse"]},
        ),
    ]

    def get_inlines(self, request, obj):
        # Sales, orders and buyers met are outcomes of a pameran or temu usaha only.
        if obj is None or obj.kind not in MARKET_KINDS:
            return [inline for inline in self.inlines if inline is not OutcomeInline]
        return self.inlines

    def get_queryset(self, request):
        counts = Count("registrations", filter=Q(registrations__status__in=HOLDS_PLACE))
        return super().get_queryset(request).annotate(participant_count=counts)

    @admin.display(description=_("peserta"), ordering="participant_count")
    def participants(self, obj):
        count = getattr(obj, "participant_count", 0)
        return f"{count}/{obj.quota}" if obj.quota else str(count)

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "office":
            kwargs["queryset"] = Office.objects.restrict(request.user, CHANGE)
        if db_field.name == "venue_region":
            # Anywhere in Indonesia (a studi tiru goes to another province): every province and kabupaten/kota, not
            # only the user's region (the event's scope is its office's, not its venue's).
            kwargs["queryset"] = Region.objects.all()  # limited to provinces and regencies by the field
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def get_changeform_initial_data(self, request):
        initial = super().get_changeform_initial_data(request)
        offices = Office.objects.restrict(request.user, CHANGE)
        own = scope_for(request.user).region_code
        office = offices.filter(region_id=own).first() if own else None
        if office is not None:
            initial.setdefault("office", office.pk)
        return initial

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        event = form.instance
        if change and "quota" in form.changed_data:
            event_places_changed(event)  # a larger quota offers places to the waiting list at once
        if not event.sessions.exists():  # one session per day by default
            day = event.start_date
            while day <= event.end_date:
                Session.objects.create(event=event, date=day)
                day = day.fromordinal(day.toordinal() + 1)

    def workflow_step(self, request, obj, action, note):
        done = super().workflow_step(request, obj, action, note)
        if done.status in (EventStatus.OPEN, EventStatus.ONGOING):
            event_places_changed(done)
        return done


class RegistrationForm(forms.ModelForm):
    class Meta:
        model = Registration
        fields = ["event", "name", "sex", "category", "institution", "business", "nik", "phone", "email"]

    def clean(self):
        data = super().clean()
        event = data.get("event")
        if self.instance.pk is None and event is not None:
            if event.status == EventStatus.CANCELLED:
                raise ValidationError(gettext("Kegiatan ini dibatalkan."))
            duplicate = duplicate_of(event, data)
            if duplicate is not None:
                raise ValidationError(
                    gettext("Orang ini sudah terdaftar di kegiatan ini (kode %(code)s).") % {"code": duplicate.code}
                )
        return data


class MailForm(forms.Form):
    subject = forms.CharField(label=_("Perihal"), max_length=150)
    body = forms.CharField(label=_("Pesan"), widget=forms.Textarea(attrs={"rows": 8}), max_length=5000)


@admin.register(Registration)
class RegistrationAdmin(WorkflowAdminMixin, ScopedModelAdmin):
    form = RegistrationForm
    actions = ["send_mail", "resend_link"]
    list_display = ["name", "event", "category", "sex", "status", "registered_at", "code"]
    list_filter = ["status", "category", "sex"]
    search_fields = ["name", "code", "institution", "event__title", "=nik", "=phone", "=email"]
    list_select_related = ["event"]
    autocomplete_fields = ["event", "business"]
    readonly_fields = ["status", "code", "registered_at", "offer_expires_at", "certificate_number"]

    def lookup_allowed(self, lookup, value, request=None):
        # An event's registrations are linked from its page (?event__id__exact=…); a filter listing every event
        # would not scale. The list is scoped anyway: another region's event id gives an empty list.
        return lookup == "event__id__exact" or super().lookup_allowed(lookup, value, request)

    def get_readonly_fields(self, request, obj=None):
        readonly = list(super().get_readonly_fields(request, obj))
        if obj is not None:
            readonly.append("event")  # a registration does not move to another event
        return readonly

    def save_model(self, request, obj, form, change):
        if change:
            super().save_model(request, obj, form, change)
            return
        data = {name: form.cleaned_data.get(name) for name in form.Meta.fields if name != "event"}
        created = registration_create(event=form.cleaned_data["event"], data=data, actor=request.user)
        obj.pk = created.pk
        obj.refresh_from_db()  # as the service saved it: its status, code and time
        obj._state.adding = False

    def workflow_step(self, request, obj, action, note):
        return registration_step(obj, action, request.user, note=note)

    def _writers_only(self, request):
        if not scope_for(request.user).allows(CHANGE):
            raise PermissionDenied

    @admin.action(description=_("Kirim e-mail ke peserta terpilih"), permissions=["change"])
    def send_mail(self, request, queryset):
        """One e-mail per selected participant who gave an address (the registrants of an event, its waiting list:
        filter the list first), each with their own personal link."""
        self._writers_only(request)
        queryset = queryset.restrict(request.user, CHANGE).select_related("event__office")
        form = MailForm(request.POST if "apply" in request.POST else None)
        if form.is_valid():
            sent = mail_participants(queryset, subject=form.cleaned_data["subject"], body=form.cleaned_data["body"])
            self.message_user(request, gettext("%(n)s e-mail terkirim.") % {"n": sent}, messages.SUCCESS)
            return None
        with_email = queryset.exclude(email="").count()
        return TemplateResponse(
            request,
            "admin/events/registration/send_mail.html",
            {
                **self.admin_site.each_context(request),
                "opts": self.opts,
                "title": gettext("Kirim e-mail"),
                "form": form,
                "selected": list(queryset.values_list("pk", flat=True)),
                "with_email": with_email,
                "without_email": queryset.count() - with_email,
            },
        )

    @admin.action(description=_("Kirim ulang tautan pribadi"), permissions=["change"])
    def resend_link(self, request, queryset):
        self._writers_only(request)
        sent = sum(
            notify_registered(r) for r in queryset.restrict(request.user, CHANGE).select_related("event__office")
        )
        self.message_user(request, gettext("Tautan pribadi dikirim ulang ke %(n)s alamat e-mail.") % {"n": sent})


class AgreementPartyInline(ScopedInlineMixin, admin.TabularInline):
    model = AgreementParty
    extra = 0
    autocomplete_fields = ["institution"]


@admin.register(Agreement)
class AgreementAdmin(ScopedModelAdmin):
    list_display = ["title", "signed_on", "valid_until", "event", "office"]
    readonly_fields = ["document_download"]
    formfield_overrides = {models.FileField: {"widget": PrivateFileInput}}

    def get_urls(self):
        return [
            path(
                "<path:object_id>/dokumen/",
                self.admin_site.admin_view(self.document_view),
                name="events_agreement_document",
            ),
            *super().get_urls(),
        ]

    def get_fields(self, request, obj=None):
        # Who may not change the MoU gets no file field, not even read-only (a private file has no address to
        # show; its version pages render the fields read-only too): the download link stands in for it.
        fields = list(super().get_fields(request, obj))
        return fields if self.has_change_permission(request, obj) else [f for f in fields if f != "document"]

    def document_view(self, request, object_id):
        """The signed document, for staff who may see the MoU (its office's region)."""
        agreement = self.get_object(request, object_id)
        if agreement is None or not agreement.document:
            raise Http404
        suffix = Path(agreement.document.name).suffix
        return private_file_response(agreement.document, filename=f"mou-{agreement.pk}{suffix}")

    @admin.display(description=_("dokumen tersimpan"))
    def document_download(self, obj):
        if obj is None or not obj.pk or not obj.document:
            return "—"
        return format_html(
            '<a href="{}">{}</a>', reverse("admin:events_agreement_document", args=[obj.pk]), gettext("Unduh dokumen")
        )

    list_filter = [AgreementAttentionFilter, "signed_on"]
    search_fields = ["title", "parties__institution__name", "parties__number"]
    autocomplete_fields = ["event"]
    inlines = [AgreementPartyInline]

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "office":
            kwargs["queryset"] = Office.objects.restrict(request.user, CHANGE)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)
