"""The review workflow in the business admin: buttons on the change page, bulk actions, the status history.

Every status change goes through the services in `businesses.services.workflow`; the status field itself is
read-only in the admin. The step buttons on the change page belong to the change form: pressing one saves what
was typed (validated, version-checked) and then takes the step, so typed edits are never thrown away.
"""

from django.contrib import admin, messages
from django.contrib.admin.actions import delete_selected
from django.contrib.admin.templatetags.admin_urls import add_preserved_filters
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponseRedirect
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from businesses.models import Business
from businesses.selectors import business_transitions, review_note
from businesses.services.workflow import (
    BUSINESS_WORKFLOW,
    SERVICES,
    TRANSITIONS,
    available_transitions,
    business_deletable,
    businesses_kept_from_deletion,
    status_label,
)
from ikm_registry.admin_workflow import refusal_text, step_actor_name

# The name of the step buttons on the change page (their value is the action) and the prefix of their note boxes.
WORKFLOW_FIELD = "_workflow"
WORKFLOW_NOTE_FIELD = "_workflow_note_"
# Refused rows a bulk action names one by one; the rest are only counted.
MAX_LISTED_REFUSALS = 20


def error_text(error: Exception) -> str:
    """A refusal from a workflow service as one line for a message."""
    if isinstance(error, PermissionDenied) and not str(error):
        return gettext("Anda tidak berwenang mengubah status IKM ini.")
    return refusal_text(Business, error)


def actor_name(step) -> str:
    """Who took a logged step: the user, else the command that ran it, else the public site's self-registration."""
    if step.actor is None and not step.actor_label:
        return gettext("pendaftaran mandiri (situs publik)")
    return step_actor_name(step)


class WorkflowAdminMixin:
    """For BusinessAdmin: the workflow steps the user may take now, as buttons and as bulk actions."""

    change_form_template = "admin/workflow_change_form.html"

    def response_change(self, request, obj):
        """After a valid save of the change form: take the workflow step whose button was pressed, if any.

        The step buttons submit the change form itself, so what the user typed is validated and saved first (a
        form error re-shows the form and takes no step) and the step then checks the saved record.
        """
        action = request.POST.get(WORKFLOW_FIELD)
        if not action:
            return super().response_change(request, obj)
        saved = gettext("Perubahan disimpan.") if getattr(request, "_registry_form_changed", False) else ""
        if action not in TRANSITIONS:
            unknown = gettext("Langkah alur kerja tidak dikenal.")
            self.message_user(request, f"{saved} {unknown}".strip(), messages.ERROR)
            return HttpResponseRedirect(self._workflow_url(request, "change", obj.pk))
        note = request.POST.get(f"{WORKFLOW_NOTE_FIELD}{action}", "")
        try:
            business = SERVICES[action](business=obj, actor=request.user, note=note)
        except (ValidationError, PermissionDenied) as error:
            refused = gettext("Status tidak diubah: %(reason)s") % {"reason": error_text(error)}
            self.message_user(request, f"{saved} {refused}".strip(), messages.ERROR)
            return HttpResponseRedirect(self._workflow_url(request, "change", obj.pk))
        moved = gettext("Status “%(name)s” sekarang %(status)s.") % {
            "name": business,
            "status": status_label(business.status),
        }
        self.message_user(request, f"{saved} {moved}".strip(), messages.SUCCESS)
        return HttpResponseRedirect(self._workflow_url(request, "change", business.pk))

    def log_change(self, request, obj, message):
        # The admin logs every save with the list of what changed (empty when nothing did); response_change says
        # "saved" only when something was.
        request._registry_form_changed = bool(message)
        return super().log_change(request, obj, message)

    def _workflow_url(self, request, view, *args):
        url = reverse(f"admin:{self.opts.app_label}_{self.opts.model_name}_{view}", args=args)
        return add_preserved_filters({"preserved_filters": self.get_preserved_filters(request), "opts": self.opts}, url)

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        if obj is not None and obj.pk is not None:
            context.update(self.workflow_context(request, obj))
        return super().render_change_form(request, context, add=add, change=change, form_url=form_url, obj=obj)

    def workflow_context(self, request, business):
        note = review_note(business=business)
        if note is not None:
            note.actor_name = actor_name(note)
        steps = business_transitions(business=business)
        for step in steps:
            step.actor_name = actor_name(step)
        return {
            "workflow_actions": [
                {"transition": t, "note_field": f"{WORKFLOW_NOTE_FIELD}{t.action}"}
                for t in available_transitions(business=business, user=request.user)
            ],
            "workflow_barred": BUSINESS_WORKFLOW.barred(business, request.user),
            "review_note": note,
            "review_note_title": gettext("Alasan penolakan")
            if business.status == "rejected"
            else gettext("Catatan pengembalian"),
            "workflow_steps": steps,
        }

    # --- bulk actions (not return or reject: those need a note per record) ----------------------------------------

    def run_bulk_transition(self, request, queryset, action):
        """Take `action` on every selected row, each in its own transaction; report what moved and what was refused."""
        service = SERVICES[action]
        moved, refused = 0, []
        for business in queryset.order_by("name", "pk"):
            try:
                service(business=business, actor=request.user)
            except (ValidationError, PermissionDenied) as error:
                refused.append((business, error_text(error)))
            else:
                moved += 1
        target = status_label(TRANSITIONS[action].target)
        if moved:
            self.message_user(
                request,
                ngettext(
                    "%(count)s IKM sekarang berstatus %(status)s.",
                    "%(count)s IKM sekarang berstatus %(status)s.",
                    moved,
                )
                % {"count": moved, "status": target},
                messages.SUCCESS,
            )
        if refused:
            self.message_user(
                request,
                ngettext(
                    "%(count)s IKM tidak diubah. Setiap IKM diproses sendiri-sendiri, jadi yang berhasil tetap tersimpan.",
                    "%(count)s IKM tidak diubah. Setiap IKM diproses sendiri-sendiri, jadi yang berhasil tetap tersimpan.",
                    len(refused),
                )
                % {"count": len(refused)},
                messages.WARNING,
            )
            for business, reason in refused[:MAX_LISTED_REFUSALS]:
                link = format_html('<a href="{}">{}</a>', self._workflow_url(request, "change", business.pk), business)
                self.message_user(request, format_html("{}: {}", link, reason), messages.WARNING)
            if len(refused) > MAX_LISTED_REFUSALS:
                more = len(refused) - MAX_LISTED_REFUSALS
                self.message_user(request, gettext("… dan %(count)s lainnya.") % {"count": more}, messages.WARNING)

    @admin.action(description=_("Ajukan IKM terpilih"), permissions=["change"])
    def submit_selected(self, request, queryset):
        self.run_bulk_transition(request, queryset, "submit")

    @admin.action(description=_("Verifikasi IKM terpilih"), permissions=["change"])
    def verify_selected(self, request, queryset):
        self.run_bulk_transition(request, queryset, "verify")

    @admin.action(description=_("Terbitkan IKM terpilih"), permissions=["change"])
    def publish_selected(self, request, queryset):
        self.run_bulk_transition(request, queryset, "publish")

    @admin.action(description=_("Nonaktifkan IKM terpilih"), permissions=["change"])
    def deactivate_selected(self, request, queryset):
        self.run_bulk_transition(request, queryset, "deactivate")

    workflow_actions = ["submit_selected", "verify_selected", "publish_selected", "deactivate_selected"]

    # --- deletion: drafts and submissions only (a checked business is deactivated), except by a superuser ---------

    def has_delete_permission(self, request, obj=None):
        if not super().has_delete_permission(request, obj):
            return False
        return obj is None or business_deletable(business=obj, user=request.user)

    def get_actions(self, request):
        actions = super().get_actions(request)
        if "delete_selected" in actions:
            actions["delete_selected"] = (
                WorkflowAdminMixin.delete_selected_businesses,
                "delete_selected",
                actions["delete_selected"][2],
            )
        return actions

    def delete_selected_businesses(self, request, queryset):
        """Django's bulk delete, refused as a whole when the selection holds a business that may not be deleted."""
        kept = businesses_kept_from_deletion(businesses=queryset, user=request.user).order_by("name", "pk")
        count = kept.count()
        if count:
            names = ", ".join(str(business) for business in kept[:MAX_LISTED_REFUSALS])
            self.message_user(
                request,
                ngettext(
                    "Tidak ada yang dihapus: %(count)s IKM terpilih sudah terverifikasi, terbit atau tidak aktif "
                    "(%(names)s). IKM seperti itu tidak dihapus agar tetap ada dalam statistik dan riwayat; "
                    "gunakan “Nonaktifkan” untuk usaha yang tutup atau pindah.",
                    "Tidak ada yang dihapus: %(count)s IKM terpilih sudah terverifikasi, terbit atau tidak aktif "
                    "(%(names)s). IKM seperti itu tidak dihapus agar tetap ada dalam statistik dan riwayat; "
                    "gunakan “Nonaktifkan” untuk usaha yang tutup atau pindah.",
                    count,
                )
                % {"count": count, "names": names},
                messages.ERROR,
            )
            return None
        return delete_selected(self, request, queryset)
