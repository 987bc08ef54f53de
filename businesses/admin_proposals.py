"""Owners' change proposals in the admin: a queue staff of the business's region review like a submission, each
with old → new side by side, the proposed photos (private until approved) and the workflow buttons; and, on a
business's page, sending its owner their private link (e-mail, text message, or staff's own WhatsApp)."""

from contextvars import ContextVar
from pathlib import Path

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models import Count
from django.http import FileResponse, Http404, HttpResponseRedirect
from django.template.loader import render_to_string
from django.urls import path, reverse
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from businesses.choices import ProposalStatus
from businesses.models import Business, ChangeProposal, Owner
from businesses.services.owner_link import owner_link_send, owner_link_whatsapp
from businesses.services.proposals import FIELDS, proposal_rows, proposal_step
from ikm_registry.admin_base import ScopedModelAdmin
from ikm_registry.admin_workflow import WorkflowAdminMixin
from ikm_registry.messaging import text_messages_available
from ikm_registry.personal_data import RESTRICTED_ACCESS, personal_data_access
from ikm_registry.scoping import CHANGE, scope_for, user_may

_reader: ContextVar = ContextVar("proposal_reader")


class OpenProposalFilter(admin.SimpleListFilter):
    title = _("perlu diputuskan")
    parameter_name = "terbuka"

    def lookups(self, request, model_admin):
        return [("1", _("Ya"))]

    def queryset(self, request, queryset):
        if self.value() == "1":
            return queryset.filter(status=ProposalStatus.SUBMITTED)
        return queryset


@admin.register(ChangeProposal)
class ChangeProposalAdmin(WorkflowAdminMixin, ScopedModelAdmin):
    list_display = ["business", "fields_changed", "status", "created_at"]
    list_filter = [OpenProposalFilter, "status"]
    list_select_related = ["business"]
    search_fields = ["business__name", "=business__nib"]
    fields = ["business", "status", "comparison", "photos_proposed", "created_at", "updated_at"]
    readonly_fields = fields
    # The owner's own steps, through their private link: not buttons for staff.
    workflow_hidden_actions = ("resubmit", "withdraw", "withdraw_returned")

    def has_add_permission(self, request):
        return False  # proposals come from owners

    def has_delete_permission(self, request, obj=None):
        # A decision stays on record; only a superuser removes one (a test, a mistake).
        return request.user.is_active and request.user.is_superuser and super().has_delete_permission(request, obj)

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        # The comparison (a read-only field, given only the record) masks contacts as this user may read them.
        token = _reader.set(personal_data_access(request.user))
        try:
            return self._changeform_view_unmasked(request, object_id, form_url, extra_context)
        finally:
            _reader.reset(token)

    def _changeform_view_unmasked(self, request, object_id=None, form_url="", extra_context=None):
        # Nothing here is typed: staff decide with the workflow buttons (approve, return, reject), not "Simpan".
        extra_context = {
            **(extra_context or {}),
            "title": gettext("Periksa usulan perubahan dari pemilik"),
            "show_save": False,
            "show_save_and_continue": False,
            "show_save_and_add_another": False,
        }
        return super().changeform_view(request, object_id, form_url, extra_context)

    def get_urls(self):
        return [
            path(
                "<path:object_id>/foto/<int:photo_pk>/",
                self.admin_site.admin_view(self.photo_view),
                name="businesses_changeproposal_photo",
            ),
            *super().get_urls(),
        ]

    def workflow_step(self, request, obj, action, note):
        return proposal_step(obj, action, request.user, note=note)

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(photo_count=Count("photos"))

    @admin.display(description=_("yang diubah"))
    def fields_changed(self, obj):
        """The proposed fields by name (the row's own values: no query per row) and the number of photos."""
        names = [str(field.label) for field in FIELDS if field.key in obj.changes]
        if obj.photo_count:
            names.append(gettext("%(n)s foto produk") % {"n": obj.photo_count})
        return ", ".join(names) or "—"

    @admin.display(description=_("perbandingan"))
    def comparison(self, obj):
        access = _reader.get(None) or RESTRICTED_ACCESS
        return render_to_string("admin/businesses/changeproposal/comparison.html", {"rows": proposal_rows(obj, access)})

    @admin.display(description=_("foto produk usulan"))
    def photos_proposed(self, obj):
        photos = list(obj.photos.all())
        if not photos:
            return "—"
        rows = []
        for photo in photos:
            url = reverse("admin:businesses_changeproposal_photo", args=[obj.pk, photo.pk])
            rows.append((url, url, photo.name))
        figures = format_html_join(
            "",
            '<figure><a href="{}"><img src="{}?kecil=1" alt="" width="160"></a><figcaption>{}</figcaption></figure>',
            rows,
        )
        return format_html('<div class="proposal-photos">{}</div>', figures)

    def photo_view(self, request, object_id, photo_pk):
        """A proposed photo (private until approved), for staff of the business's region."""
        proposal = self.get_object(request, object_id)
        if proposal is None:
            raise Http404
        photo = proposal.photos.filter(pk=photo_pk).first()
        if photo is None:
            raise Http404
        file = photo.photo_thumbnail if request.GET.get("kecil") and photo.photo_thumbnail else photo.photo
        if not file or not file.storage.exists(file.name):
            raise Http404
        response = FileResponse(file.open("rb"), content_type="image/jpeg")
        response["Content-Disposition"] = f'inline; filename="usulan-{proposal.pk}-{photo.pk}{Path(file.name).suffix}"'
        response["Cache-Control"] = "private, no-store"
        return response


class OwnerLinkAdminMixin:
    """On a business's change page: send the owner their private link (a fresh one; the old stops working)."""

    def get_urls(self):
        return [
            path(
                "<path:object_id>/tautan-pemilik/",
                self.admin_site.admin_view(self.owner_link_view),
                name="businesses_business_owner_link",
            ),
            *super().get_urls(),
        ]

    def owner_link_view(self, request, object_id):
        if request.method != "POST":
            raise Http404
        business = self.get_object(request, object_id)
        if business is None:
            raise Http404
        if not user_may(request.user, CHANGE, business):
            raise PermissionDenied
        owner = Owner.objects.select_related("business").filter(business=business).first()
        back = reverse("admin:businesses_business_change", args=[business.pk])
        if owner is None:
            self.message_user(request, gettext("IKM ini belum punya data pemilik."), messages.ERROR)
            return HttpResponseRedirect(back)
        channel = request.POST.get("saluran", "")
        if channel == "whatsapp":
            target = owner_link_whatsapp(owner, absolute_url=request.build_absolute_uri)
            if target:
                return HttpResponseRedirect(target)
            self.message_user(request, gettext("Nomor pemilik bukan nomor seluler."), messages.ERROR)
        elif channel in ("email", "phone") and owner_link_send(
            owner, channel=channel, absolute_url=request.build_absolute_uri
        ):
            self.message_user(request, gettext("Tautan pribadi baru terkirim ke pemilik."), messages.SUCCESS)
        else:
            self.message_user(
                request,
                gettext("Tautan tidak terkirim: kontak itu tidak ada atau belum dapat dipakai."),
                messages.ERROR,
            )
        return HttpResponseRedirect(back)

    def owner_link_context(self, request, obj: Business) -> dict:
        if (
            obj is None
            or obj.pk is None
            or not scope_for(request.user).allows(CHANGE)
            or not user_may(request.user, CHANGE, obj)
        ):
            return {}
        owner = Owner.objects.filter(business=obj).only("phone", "email").first()
        if owner is None:
            return {}
        return {
            "owner_link": {
                "url": reverse("admin:businesses_business_owner_link", args=[obj.pk]),
                "email": bool(owner.email),
                "phone": bool(owner.phone) and text_messages_available(),
                "whatsapp": bool(owner.phone),
            },
            "open_proposal": obj.change_proposals.filter(status=ProposalStatus.SUBMITTED).first(),
        }
