"""Sertifikasi in the admin: the LSP address book (LSPs, schemes, assessors, TUK), assessment sessions, asesi with
their workflow and the session planner, competency certificates, product certificates and targets.

Office staff reach the asesi and certificates of their region's businesses and the sessions at their region's TUK;
an LSP's operator reaches its own LSP's rows wherever the asesi live, and of a business sees only its name."""

from __future__ import annotations

from contextvars import ContextVar
from pathlib import Path

from django import forms
from django.contrib import admin, messages
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models
from django.db.models import Count, Q
from django.http import Http404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from businesses.models import Assistance, Product
from certification import planner, selectors
from certification.choices import IN_SESSION, CertificateStatus, EnrollmentStatus
from certification.models import (
    MET_PATTERN,
    AssessmentSession,
    Assessor,
    Certificate,
    CertificationTarget,
    Enrollment,
    Lsp,
    ProductCertification,
    Scheme,
    Tuk,
)
from certification.services import enrollment as enrollment_service
from ikm_registry.activities import activity_choices, activity_key, activity_label
from ikm_registry.admin_base import PrivateFileInput, ScopedModelAdmin
from ikm_registry.admin_workflow import WorkflowAdminMixin
from ikm_registry.models import Region
from ikm_registry.private_files import private_file_response
from ikm_registry.public_url import public_url
from ikm_registry.qr import qr_svg
from ikm_registry.scoping import CHANGE, region_q, scope_for


def _reaches_regions(user) -> bool:
    """Office staff (or national/superuser), as opposed to an LSP operator who reaches only their LSP's rows."""
    scope = scope_for(user)
    return scope.everything or scope.region_code is not None


# --- the LSP address book ----------------------------------------------------------------------------------------


@admin.register(Lsp)
class LspAdmin(ScopedModelAdmin):
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}
    list_display = ["name", "kind", "region", "licence_number", "licence_expires"]
    list_filter = ["kind"]
    search_fields = ["name", "licence_number"]
    autocomplete_fields = ["region"]
    filter_horizontal = ["operators"]

    def get_fields(self, request, obj=None):
        fields = list(super().get_fields(request, obj))
        # Who operates an LSP is decided by national staff and superusers (it opens the LSP's asesi to them).
        return fields if scope_for(request.user).everything else [f for f in fields if f != "operators"]

    def has_add_permission(self, request):
        return _reaches_regions(request.user) and super().has_add_permission(request)

    def has_delete_permission(self, request, obj=None):
        return request.user.is_active and request.user.is_superuser

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "region":
            kwargs["queryset"] = Region.objects.all()  # anywhere in Indonesia; provinces and regencies by the field
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        if db_field.name == "operators":
            from django.contrib.auth import get_user_model

            kwargs["queryset"] = get_user_model().objects.filter(is_active=True, is_staff=True).order_by("username")
        return super().formfield_for_manytomany(db_field, request, **kwargs)


class LspChildAdmin(ScopedModelAdmin):
    """Schemes, assessors, TUK: kept by their LSP's operator, or by office staff for an LSP without one."""

    def has_delete_permission(self, request, obj=None):
        return request.user.is_active and request.user.is_superuser


@admin.register(Scheme)
class SchemeAdmin(LspChildAdmin):
    list_display = ["code", "name", "lsp", "kind", "validity_months", "surveillance_months", "is_active"]
    list_filter = ["kind", "is_active", "lsp"]
    search_fields = ["code", "name", "standard"]
    list_select_related = ["lsp"]


@admin.register(Assessor)
class AssessorAdmin(LspChildAdmin):
    list_display = ["name", "met_number", "lsp", "home_region", "licence_expires"]
    list_filter = ["lsp"]
    search_fields = ["name", "met_number"]
    list_select_related = ["lsp", "home_region"]
    autocomplete_fields = ["home_region"]
    filter_horizontal = ["schemes"]

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "home_region":
            kwargs["queryset"] = Region.objects.all()
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        if db_field.name == "schemes":
            kwargs["queryset"] = Scheme.objects.restrict(request.user).select_related("lsp")
        return super().formfield_for_manytomany(db_field, request, **kwargs)

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        if obj.met_number and not MET_PATTERN.match(obj.met_number):
            # A warning, not a refusal: BNSP's format is not documented and older numbers differ.
            self.message_user(
                request,
                gettext("Nomor registrasi %(number)s tidak berbentuk MET.000.NNNNNN YYYY; periksa kembali.")
                % {"number": obj.met_number},
                messages.WARNING,
            )

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        other = form.instance.schemes.exclude(lsp=form.instance.lsp_id)
        if other.exists():
            form.instance.schemes.remove(*other)
            self.message_user(request, gettext("Skema LSP lain dilepas dari asesor ini."), messages.WARNING)


@admin.register(Tuk)
class TukAdmin(LspChildAdmin):
    list_display = ["name", "kind", "lsp", "region", "verified_on"]
    list_filter = ["kind", "lsp"]
    search_fields = ["name", "address", "region__name"]
    list_select_related = ["lsp", "region"]
    autocomplete_fields = ["region"]

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "region":
            kwargs["queryset"] = Region.objects.all()
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


# --- sessions ----------------------------------------------------------------------------------------------------


@admin.register(AssessmentSession)
class AssessmentSessionAdmin(ScopedModelAdmin):
    list_display = ["__str__", "start_date", "tuk", "places", "travel", "funding"]
    list_filter = ["scheme", "funding"]
    date_hierarchy = "start_date"
    search_fields = ["scheme__name", "scheme__code", "tuk__name"]
    list_select_related = ["scheme", "tuk__region"]
    filter_horizontal = ["assessors"]
    readonly_fields = ["asesi_list", "travel_note"]
    fields = ["scheme", "tuk", ("start_date", "end_date"), "capacity", "assessors", "funding", "notes",
              "travel_note", "asesi_list"]  # fmt: skip

    def get_queryset(self, request):
        taken = Count("enrollments", filter=Q(enrollments__status__in=IN_SESSION))
        # the travel column reads each session's assessors: one query for the page, not one per row
        return super().get_queryset(request).annotate(taken=taken).prefetch_related("assessors__home_region")

    @admin.display(description=_("asesi / kapasitas"))
    def places(self, obj):
        return f"{getattr(obj, 'taken', 0)}/{obj.capacity}"

    @admin.display(description=_("asesor dari luar daerah"))
    def travel(self, obj):
        travelling = obj.travelling_assessors
        return ", ".join(f"{a.name} ({a.home_region.name})" for a in travelling) if travelling else "—"

    @admin.display(description=_("perjalanan asesor"))
    def travel_note(self, obj):
        return self.travel(obj) if obj is not None and obj.pk else "—"

    @admin.display(description=_("asesi"))
    def asesi_list(self, obj):
        if obj is None or not obj.pk:
            return "—"
        rows = obj.enrollments.select_related("business").order_by("name")
        if not rows:
            return gettext("Belum ada asesi; jadwalkan dari daftar asesi atau perencana jadwal.")
        items = format_html_join(
            "",
            '<li><a href="{}">{}</a> — {} ({})</li>',
            (
                (reverse("admin:certification_enrollment_change", args=[row.pk]), row.name, row.business.name,
                 row.get_status_display())
                for row in rows
            ),
        )  # fmt: skip
        return format_html("<ol>{}</ol>", items)

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "tuk":
            kwargs["queryset"] = _usable_tuks(request.user).select_related("region")
        if db_field.name == "scheme":
            kwargs["queryset"] = Scheme.objects.restrict(request.user).filter(is_active=True).select_related("lsp")
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        if db_field.name == "assessors":
            kwargs["queryset"] = Assessor.objects.restrict(request.user).select_related("home_region")
        return super().formfield_for_manytomany(db_field, request, **kwargs)

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        session = form.instance
        unqualified = session.assessors.exclude(schemes=session.scheme_id)
        if unqualified.exists():
            self.message_user(
                request,
                gettext("Asesor berikut tidak tercatat untuk skema ini: %(names)s.")
                % {"names": ", ".join(a.name for a in unqualified)},
                messages.WARNING,
            )


def _usable_tuks(user):
    """The TUK a user may hold a session at: those in their region (a session belongs to its TUK's region), or their
    LSP's anywhere."""
    scope = scope_for(user)
    tuks = Tuk.objects.restrict(user)
    if scope.everything:
        return tuks
    reach = Q(pk__in=[])
    if scope.region_code is not None:
        reach |= region_q("region__code", scope.region_code)
    if ids := scope.member_of("lsp"):
        reach |= Q(lsp_id__in=sorted(ids))
    return tuks.filter(reach)


# --- asesi -------------------------------------------------------------------------------------------------------


class CertificateRecordedFilter(admin.SimpleListFilter):
    """Competent asesi whose certificate is (not yet) recorded: the admin home links here (?sertifikat=belum)."""

    title = _("sertifikat")
    parameter_name = "sertifikat"

    def lookups(self, request, model_admin):
        return [("belum", _("belum dicatat")), ("ada", _("sudah dicatat"))]

    def queryset(self, request, queryset):
        if self.value() == "belum":
            return queryset.filter(status=EnrollmentStatus.COMPETENT, certificate__isnull=True)
        if self.value() == "ada":
            return queryset.filter(certificate__isnull=False)
        return queryset


@admin.register(Enrollment)
class EnrollmentAdmin(WorkflowAdminMixin, ScopedModelAdmin):
    list_display = ["name", "business_name", "role", "scheme", "status", "session", "registered_at"]
    list_filter = ["status", CertificateRecordedFilter, "role", "scheme"]
    search_fields = ["name", "business__name", "scheme__code", "=nik"]
    list_select_related = ["business", "scheme", "session__tuk", "session__scheme"]
    autocomplete_fields = ["business"]
    readonly_fields = ["status", "business_name", "attempt_note", "apl01_download", "apl02_download", "registered_at"]
    formfield_overrides = {models.FileField: {"widget": PrivateFileInput}}
    actions = ["reenrol_selected"]
    fieldsets = [
        (None, {"fields": ["business", "name", "role", "nik", "phone", "email"]}),
        (_("Skema dan jadwal"), {"fields": ["scheme", "session", "status", "assessed_on", "attempt_note", "notes"]}),
        (_("Berkas permohonan (pribadi)"), {"fields": ["apl01", "apl01_download", "apl02", "apl02_download"]}),
    ]

    def get_urls(self):
        return [
            path("perencanaan/", self.admin_site.admin_view(self.planner_view), name="certification_planner"),
            path(
                "<path:object_id>/berkas/<str:which>/",
                self.admin_site.admin_view(self.document_view),
                name="certification_enrollment_document",
            ),
            *super().get_urls(),
        ]

    def has_add_permission(self, request):
        # Offices enrol their IKM's people; an LSP operator schedules and records results.
        return _reaches_regions(request.user) and super().has_add_permission(request)

    def has_delete_permission(self, request, obj=None):
        # An asesi with a result is a record of an assessment: it stays (a mistaken enrolment is withdrawn, or
        # deleted while it is still only registered).
        if obj is not None and obj.status not in (EnrollmentStatus.REGISTERED, EnrollmentStatus.WITHDRAWN):
            return request.user.is_active and request.user.is_superuser
        return super().has_delete_permission(request, obj)

    def get_fieldsets(self, request, obj=None):
        fieldsets = super().get_fieldsets(request, obj)
        change = self.has_change_permission(request, obj)
        result = []
        for title, options in fieldsets:
            names = list(options["fields"])
            if not _reaches_regions(request.user) and obj is not None:
                names = ["business_name" if name == "business" else name for name in names]
            if not change:
                names = [name for name in names if name not in ("apl01", "apl02")]
            result.append((title, {**options, "fields": names}))
        return result

    def get_readonly_fields(self, request, obj=None):
        readonly = list(super().get_readonly_fields(request, obj))
        if obj is not None:
            readonly.append("scheme")  # another scheme is another enrollment
        return readonly

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change, **kwargs)
        if obj is not None and "session" in form.base_fields:
            # The sessions of the asesi's own scheme (the engine refuses another scheme's anyway).
            field = form.base_fields["session"]
            field.queryset = field.queryset.filter(scheme_id=obj.scheme_id)
        return form

    @admin.display(description=_("IKM"), ordering="business__name")
    def business_name(self, obj):
        return obj.business.name if obj is not None and obj.business_id else "—"

    @admin.display(description=_("percobaan ke"))
    def attempt_note(self, obj):
        if obj is None or not obj.pk:
            return "—"
        if obj.previous_id:
            return format_html(
                '{} (<a href="{}">{}</a>)',
                obj.attempt,
                reverse("admin:certification_enrollment_change", args=[obj.previous_id]),
                gettext("pendaftaran sebelumnya"),
            )
        return "1"

    def _document_link(self, obj, which: str):
        if obj is None or not obj.pk or not getattr(obj, which):
            return "—"
        url = reverse("admin:certification_enrollment_document", args=[obj.pk, which])
        return format_html('<a href="{}">{}</a>', url, gettext("Unduh berkas"))

    @admin.display(description=_("FR.APL.01 tersimpan"))
    def apl01_download(self, obj):
        return self._document_link(obj, "apl01")

    @admin.display(description=_("FR.APL.02 tersimpan"))
    def apl02_download(self, obj):
        return self._document_link(obj, "apl02")

    def document_view(self, request, object_id, which):
        if which not in ("apl01", "apl02"):
            raise Http404
        enrollment = self.get_object(request, object_id)
        document = getattr(enrollment, which)
        if not document:
            raise Http404
        suffix = Path(document.name).suffix
        return private_file_response(document, filename=f"{which}-{enrollment.pk}{suffix}")

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "scheme":
            kwargs["queryset"] = Scheme.objects.restrict(request.user).filter(is_active=True).select_related("lsp")
        if db_field.name == "session":
            today = timezone.localdate()
            kwargs["queryset"] = (
                AssessmentSession.objects.restrict(request.user)
                .filter(end_date__gte=today - timezone.timedelta(days=60))
                .select_related("scheme", "tuk")
            )
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def save_model(self, request, obj, form, change):
        if change:
            super().save_model(request, obj, form, change)
            return
        data = {name: form.cleaned_data.get(name) for name in form.cleaned_data if name not in ("status",)}
        session = data.pop("session", None)
        created = enrollment_service.enrol(actor=request.user, **data)
        if session is not None:
            try:
                created = enrollment_service.schedule(created, session, actor=request.user)
            except ValidationError as error:
                self.message_user(request, " ".join(error.messages), messages.WARNING)
        obj.pk = created.pk
        obj.refresh_from_db()
        obj._state.adding = False

    def workflow_step(self, request, obj, action, note):
        if action == "unschedule":
            return enrollment_service.unschedule(obj, actor=request.user, note=note)
        return super().workflow_step(request, obj, action, note)

    @admin.action(description=_("Daftarkan ulang (belum kompeten)"), permissions=["change"])
    def reenrol_selected(self, request, queryset):
        if not scope_for(request.user).allows(CHANGE):
            raise PermissionDenied
        done, refused = 0, []
        for enrollment in queryset.restrict(request.user, CHANGE).select_related("business", "scheme"):
            try:
                enrollment_service.reenrol(enrollment, actor=request.user)
            except (ValidationError, PermissionDenied) as error:
                refused.append(f"{enrollment.name}: {' '.join(getattr(error, 'messages', [str(error)]))}")
            else:
                done += 1
        if done:
            self.message_user(request, gettext("%(n)s asesi didaftarkan ulang.") % {"n": done}, messages.SUCCESS)
        for line in refused:
            self.message_user(request, line, messages.WARNING)

    def planner_view(self, request):
        """Perencanaan jadwal uji: waiting asesi by scheme and regency, the sessions they need, who can assess them
        and whether the assessors travel."""
        if not self.has_view_permission(request):
            raise PermissionDenied
        plan = planner.plan(
            Enrollment.objects.restrict(request.user),
            sessions=AssessmentSession.objects.restrict(request.user),
            capacity=planner.capacity_param(request.GET),
        )
        return TemplateResponse(
            request,
            "admin/certification/planner.html",
            {
                **self.admin_site.each_context(request),
                "opts": self.opts,
                "title": gettext("Perencanaan jadwal uji kompetensi"),
                "plan": plan,
                "capacity": planner.capacity_param(request.GET),
            },
        )

    def changelist_view(self, request, extra_context=None):
        extra_context = {**(extra_context or {}), "planner_url": reverse("admin:certification_planner")}
        return super().changelist_view(request, extra_context)


# --- competency certificates -------------------------------------------------------------------------------------


class ExpiryFilter(admin.SimpleListFilter):
    """The admin home's "Segera berakhir" links here (?berakhir=…)."""

    title = _("masa berlaku")
    parameter_name = "berakhir"

    def lookups(self, request, model_admin):
        return [
            ("6bulan", _("berakhir dalam 6 bulan")),
            ("surveilan", _("surveilan dalam 60 hari")),
            ("lewat", _("sudah lewat, belum ditandai")),
        ]

    def queryset(self, request, queryset):
        from certification import expiry

        today = timezone.localdate()
        if self.value() == "6bulan":
            return expiry.competency_expiring(queryset, today)
        if self.value() == "surveilan":
            return expiry.surveillance_due(queryset, today)
        if self.value() == "lewat":
            return queryset.lapsed(today)
        return queryset


@admin.register(Certificate)
class CertificateAdmin(WorkflowAdminMixin, ScopedModelAdmin):
    list_display = ["number", "holder", "scheme", "issued_on", "valid_until", "status_now", "surveillance_due"]
    list_filter = [ExpiryFilter, "status", "enrollment__scheme"]
    search_fields = ["number", "registration_number", "enrollment__name", "code"]
    list_select_related = ["enrollment__scheme__lsp", "enrollment__business"]
    autocomplete_fields = ["enrollment", "renews"]
    readonly_fields = ["status", "code", "verification", "holder_business"]
    fields = ["enrollment", "holder_business", "number", "registration_number", "issued_on", "valid_until",
              "surveillance_due", "renews", "status", "code", "verification"]  # fmt: skip

    actions = ["surveillance_held"]
    # Expiry is the daily job's; a renewal is recorded as the new certificate that names this one.
    workflow_hidden_actions = ("expire", "renew")

    def has_delete_permission(self, request, obj=None):
        # A certificate is revoked, never deleted (its code may be printed on paper): only a superuser deletes one.
        return request.user.is_active and request.user.is_superuser

    @admin.action(description=_("Catat surveilan selesai hari ini"), permissions=["change"])
    def surveillance_held(self, request, queryset):
        today = timezone.localdate()
        done, refused = 0, []
        for certificate in queryset.restrict(request.user, CHANGE).select_related("enrollment__scheme"):
            try:
                enrollment_service.surveillance_done(certificate, actor=request.user, held_on=today)
            except (ValidationError, PermissionDenied) as error:
                refused.append(f"{certificate.number}: {' '.join(getattr(error, 'messages', [str(error)]))}")
            else:
                done += 1
        if done:
            self.message_user(request, gettext("Surveilan %(n)s sertifikat dicatat.") % {"n": done}, messages.SUCCESS)
        for line in refused:
            self.message_user(request, line, messages.WARNING)

    @admin.display(description=_("pemegang"), ordering="enrollment__name")
    def holder(self, obj):
        return obj.enrollment.name

    @admin.display(description=_("IKM"))
    def holder_business(self, obj):
        return obj.enrollment.business.name if obj is not None and obj.pk else "—"

    @admin.display(description=_("skema"), ordering="enrollment__scheme__code")
    def scheme(self, obj):
        return obj.enrollment.scheme.code

    @admin.display(description=_("status saat ini"), ordering="status")
    def status_now(self, obj):
        return obj.get_effective_status_display()

    @admin.display(description=_("verifikasi publik"))
    def verification(self, obj):
        if obj is None or not obj.pk:
            return "—"
        url = public_url(f"{reverse('verify')}?kode={obj.code}")
        # The QR is drawn by segno from our own address: safe markup.
        return format_html('<a href="{}">{}</a><div class="qr" style="width:120px">{}</div>', url, url,
                           mark_safe(qr_svg(url)))  # noqa: S308  # fmt: skip

    def get_readonly_fields(self, request, obj=None):
        readonly = list(super().get_readonly_fields(request, obj))
        if obj is not None:
            readonly += ["enrollment", "renews"]
        return readonly

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "enrollment":
            kwargs["queryset"] = Enrollment.objects.restrict(request.user, CHANGE).filter(
                status=EnrollmentStatus.COMPETENT, certificate__isnull=True
            )
        if db_field.name == "renews":
            kwargs["queryset"] = Certificate.objects.restrict(request.user, CHANGE).filter(
                status=CertificateStatus.ACTIVE
            )
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def save_model(self, request, obj, form, change):
        if change:
            super().save_model(request, obj, form, change)
            return
        data = form.cleaned_data
        created = enrollment_service.issue_certificate(
            data["enrollment"],
            actor=request.user,
            number=data["number"],
            registration_number=data.get("registration_number") or "",
            issued_on=data["issued_on"],
            valid_until=data.get("valid_until"),
            renews=data.get("renews"),
        )
        obj.pk = created.pk
        obj.refresh_from_db()
        obj._state.adding = False


# --- product certificates ----------------------------------------------------------------------------------------


class ProductExpiryFilter(admin.SimpleListFilter):
    title = _("masa berlaku")
    parameter_name = "berakhir"

    def lookups(self, request, model_admin):
        return [
            ("perpanjangan", _("dalam masa perpanjangan")),
            ("konfirmasi", _("halal: konfirmasi tidak berubah jatuh tempo")),
            ("lewat", _("sudah berakhir")),
        ]

    def queryset(self, request, queryset):
        from certification import expiry

        today = timezone.localdate()
        if self.value() == "perpanjangan":
            return expiry.product_in_renewal(queryset, today)
        if self.value() == "konfirmasi":
            return expiry.halal_confirmation_due(queryset, today)
        if self.value() == "lewat":
            return queryset.filter(status="active", valid_until__lt=today)
        return queryset


class ProductCertificationForm(forms.ModelForm):
    activity_choice = forms.ChoiceField(
        label=_("kegiatan yang membantu"),
        required=False,
        help_text=_("Kegiatan kantor yang membantu IKM memperoleh sertifikat ini (mis. bimtek halal)."),
    )

    class Meta:
        model = ProductCertification
        fields = ["business", "product", "product_name", "kind", "number", "issuer", "filed_on", "issued_on",
                  "valid_until", "unchanged_confirmed_on", "status", "legal_basis", "evidence", "assistance",
                  "helped_by"]  # fmt: skip

    def save(self, commit=True):
        key = self.cleaned_data.get("activity_choice") or ""
        instance = self.instance
        if not key:
            instance.activity_type, instance.activity_id = None, None
        else:
            label, pk = key.split(":")
            instance.activity_type = ContentType.objects.get_by_natural_key(*label.split("."))
            instance.activity_id = int(pk)
        return super().save(commit)


@admin.register(ProductCertification)
class ProductCertificationAdmin(ScopedModelAdmin):
    list_display = ["number", "kind", "business", "product_label", "issued_on", "valid_until", "status"]
    list_filter = [ProductExpiryFilter, "kind", "status"]
    search_fields = ["number", "business__name", "product_name", "product__name"]
    list_select_related = ["business", "product"]
    autocomplete_fields = ["business"]
    readonly_fields = ["legal_basis_note", "pirt_decoded", "renewal_note", "evidence_download"]
    formfield_overrides = {models.FileField: {"widget": PrivateFileInput}}
    fieldsets = [
        (None, {"fields": ["business", "product", "product_name", "kind", "number", "pirt_decoded", "issuer"]}),
        (_("Masa berlaku"), {"fields": ["filed_on", "issued_on", "valid_until", "renewal_note",
                                          "unchanged_confirmed_on", "status"]}),
        (_("Dasar hukum dan bukti"), {"fields": ["legal_basis", "legal_basis_note", "evidence", "evidence_download"]}),
        (_("Pendampingan"), {"fields": ["assistance", "activity_choice", "helped_by"]}),
    ]  # fmt: skip

    def lookup_allowed(self, lookup, value, request=None):
        # A business's certificates are linked from its profile (?business__id__exact=…); scoped anyway.
        return lookup == "business__id__exact" or super().lookup_allowed(lookup, value, request)

    def get_urls(self):
        return [
            path(
                "<path:object_id>/bukti/",
                self.admin_site.admin_view(self.evidence_view),
                name="certification_productcertification_evidence",
            ),
            *super().get_urls(),
        ]

    def get_fieldsets(self, request, obj=None):
        fieldsets = super().get_fieldsets(request, obj)
        if self.has_change_permission(request, obj):
            return fieldsets
        return [(t, {**o, "fields": [f for f in o["fields"] if f != "evidence"]}) for t, o in fieldsets]

    def get_form(self, request, obj=None, change=False, **kwargs):
        kwargs["form"] = ProductCertificationForm
        form = super().get_form(request, obj, change, **kwargs)
        if "activity_choice" in form.base_fields:
            choices = activity_choices(request.user)
            current = activity_key(obj.activity) if obj is not None and obj.activity is not None else ""
            if current and current not in dict(choices):  # kept as it is, though no longer in the user's list
                choices.insert(0, (current, activity_label(obj.activity)))
            form.base_fields["activity_choice"].choices = [("", "---------"), *choices]
            form.base_fields["activity_choice"].initial = current
        for name, model in (("product", Product), ("assistance", Assistance)):
            if name in form.base_fields:
                # The business's own products and assistance, once the business is chosen (saved).
                form.base_fields[name].queryset = (
                    model.objects.filter(business_id=obj.business_id) if obj is not None else model.objects.none()
                )
        return form

    @admin.display(description=_("produk"))
    def product_label(self, obj):
        return obj.product.name if obj.product_id else (obj.product_name or "—")

    @admin.display(description=_("asal tanggal berlaku"))
    def legal_basis_note(self, obj):
        return gettext(
            "Tanggal berlaku dihitung dari aturan; isi sendiri bila sertifikat menyebut tanggal lain."
        ) if obj is not None and obj.valid_until_derived else "—"  # fmt: skip

    @admin.display(description=_("isi nomor P-IRT"))
    def pirt_decoded(self, obj):
        decoded = obj.pirt if obj is not None else None
        if decoded is None:
            return "—"
        region = Region.objects.filter(code=decoded.regency_code).values_list("name", flat=True).first()
        return gettext(
            "kemasan %(packaging)s · jenis pangan %(food)s · %(region)s · produk ke-%(product)s · IRTP ke-%(irtp)s · "
            "berlaku sampai tahun %(year)s"
        ) % {
            "packaging": decoded.packaging_label,
            "food": decoded.food_type,
            "region": region or decoded.regency_code,
            "product": decoded.product_serial,
            "irtp": decoded.irtp_serial,
            "year": decoded.expiry_year,
        }

    @admin.display(description=_("perpanjangan"))
    def renewal_note(self, obj):
        if obj is None or not obj.pk:
            return "—"
        if obj.confirmation_due:
            return gettext("Konfirmasi komposisi & proses tidak berubah berikutnya: %(d)s") % {
                "d": obj.confirmation_due.strftime("%d-%m-%Y")
            }
        if obj.renewal_opens:
            return gettext("Masa perpanjangan mulai %(d)s") % {"d": obj.renewal_opens.strftime("%d-%m-%Y")}
        return "—"

    @admin.display(description=_("bukti tersimpan"))
    def evidence_download(self, obj):
        if obj is None or not obj.pk or not obj.evidence:
            return "—"
        url = reverse("admin:certification_productcertification_evidence", args=[obj.pk])
        return format_html('<a href="{}">{}</a>', url, gettext("Unduh bukti"))

    def evidence_view(self, request, object_id):
        certificate = self.get_object(request, object_id)
        if not certificate.evidence:
            raise Http404
        suffix = Path(certificate.evidence.name).suffix
        return private_file_response(certificate.evidence, filename=f"sertifikat-{certificate.pk}{suffix}")


# --- targets -----------------------------------------------------------------------------------------------------


_list_request: ContextVar = ContextVar("certification_target_list", default=(None, {}))


@admin.register(CertificationTarget)
class CertificationTargetAdmin(ScopedModelAdmin):
    list_display = ["scheme_name", "region", "year", "kind", "goal", "achieved"]
    list_filter = ["year", "kind"]
    search_fields = ["scheme__code", "scheme__name", "region__name"]
    list_select_related = ["scheme", "region"]
    autocomplete_fields = ["region"]

    def changelist_view(self, request, extra_context=None):
        # The progress columns read the request's user and share one computation per region and year on the page
        # (a context variable: the admin instance is shared between requests).
        token = _list_request.set((request, {}))
        try:
            response = super().changelist_view(request, extra_context)
            if hasattr(response, "render"):
                response.render()
            return response
        finally:
            _list_request.reset(token)

    def _progress(self, obj):
        request, cache = _list_request.get((None, {}))
        if request is None:
            return None
        key = (obj.region_id, obj.year)
        if key not in cache:
            rows = selectors.target_progress(obj.region_id, obj.year, actor=request.user)
            cache[key] = {row.target.pk: row for row in rows}
        return cache[key].get(obj.pk)

    @admin.display(description=_("skema"), ordering="scheme__name")
    def scheme_name(self, obj):
        return obj.scheme.name

    @admin.display(description=_("target"))
    def goal(self, obj):
        progress = self._progress(obj)
        return progress.goal if progress is not None and progress.goal is not None else "—"

    @admin.display(description=_("tercapai"))
    def achieved(self, obj):
        progress = self._progress(obj)
        if progress is None:
            return "—"
        if progress.percent is None:
            return str(progress.achieved)
        return f"{progress.achieved} ({progress.percent} %)"

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "scheme":
            kwargs["queryset"] = Scheme.objects.restrict(request.user).select_related("lsp")
        return super().formfield_for_foreignkey(db_field, request, **kwargs)
