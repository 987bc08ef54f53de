"""The workflow panel of any model with a registered workflow (ikm_registry/workflow.py) in the admin: the status,
one button per step the user may take now, the status history; the template is admin/includes/workflow_panel.html.

A step button submits the change form itself: what was typed is validated and saved first, then the step is taken
(`workflow_step`, which an admin overrides to go through its app's service, e.g. a registration's step that also
offers a freed place). The state field should be read-only in the admin: only the engine writes it.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.admin.templatetags.admin_urls import add_preserved_filters
from django.core.exceptions import NON_FIELD_ERRORS, FieldDoesNotExist, PermissionDenied, ValidationError
from django.http import HttpResponseRedirect
from django.urls import reverse
from django.utils.translation import gettext

from ikm_registry.models import TransitionLog
from ikm_registry.workflow import workflow_for

WORKFLOW_FIELD = "_workflow"
WORKFLOW_NOTE_FIELD = "_workflow_note_"


def refusal_text(model, error: Exception) -> str:
    """A refusal of a step as one line for a message, naming the fields of `model` it concerns."""
    if isinstance(error, PermissionDenied):
        return str(error) or gettext("Anda tidak berwenang mengubah status ini.")
    if not hasattr(error, "error_dict"):
        return " ".join(error.messages)
    parts = []
    for field, field_errors in error.message_dict.items():
        text = " ".join(field_errors)
        if field == NON_FIELD_ERRORS:
            parts.append(text)
            continue
        try:
            label = model._meta.get_field(field).verbose_name
        except FieldDoesNotExist:
            label = field
        parts.append(f"{label}: {text}")
    return " ".join(parts)


def step_actor_name(step) -> str:
    """Who took a logged step: the user, else the command or system that did, else the public site."""
    user = step.actor
    if user is not None:
        return user.get_full_name() or user.get_username()
    return step.actor_label or gettext("situs publik")


class WorkflowAdminMixin:
    """For the ModelAdmin of a model with a registered workflow."""

    change_form_template = "admin/workflow_change_form.html"
    # Steps that are not buttons: taken by a service or a job (e.g. a certificate expiring, or renewed by recording
    # its successor). Refused when posted.
    workflow_hidden_actions: tuple[str, ...] = ()

    def workflow_step(self, request, obj, action: str, note: str):
        """Take `action` on `obj` as the request's user; returns the updated record. Override to use a service."""
        return workflow_for(self.model).perform(obj, action, request.user, note=note)

    def workflow_steps(self, obj) -> list:
        steps = list(TransitionLog.objects.for_object(obj).select_related("actor").order_by("-at", "-pk"))
        for step in steps:
            step.actor_name = step_actor_name(step)
        return steps

    def response_change(self, request, obj):
        action = request.POST.get(WORKFLOW_FIELD)
        if not action:
            return super().response_change(request, obj)
        workflow = workflow_for(self.model)
        saved = gettext("Perubahan disimpan.") if getattr(request, "_registry_form_changed", False) else ""
        url = self._workflow_change_url(request, obj.pk)
        if action not in workflow.transitions or action in self.workflow_hidden_actions:
            self.message_user(
                request, f"{saved} {gettext('Langkah alur kerja tidak dikenal.')}".strip(), messages.ERROR
            )
            return HttpResponseRedirect(url)
        note = request.POST.get(f"{WORKFLOW_NOTE_FIELD}{action}", "")
        try:
            done = self.workflow_step(request, obj, action, note)
        except (ValidationError, PermissionDenied) as error:
            refused = gettext("Status tidak diubah: %(reason)s") % {"reason": refusal_text(self.model, error)}
            self.message_user(request, f"{saved} {refused}".strip(), messages.ERROR)
            return HttpResponseRedirect(url)
        moved = gettext("Status “%(name)s” sekarang %(status)s.") % {
            "name": done,
            "status": workflow.state_label(workflow.state_of(done)),
        }
        self.message_user(request, f"{saved} {moved}".strip(), messages.SUCCESS)
        return HttpResponseRedirect(url)

    def log_change(self, request, obj, message):
        request._registry_form_changed = bool(message)
        return super().log_change(request, obj, message)

    def _workflow_change_url(self, request, pk):
        url = reverse(f"admin:{self.opts.app_label}_{self.opts.model_name}_change", args=[pk])
        return add_preserved_filters({"preserved_filters": self.get_preserved_filters(request), "opts": self.opts}, url)

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        if obj is not None and obj.pk is not None:
            workflow = workflow_for(self.model)
            context.update(
                {
                    "workflow_actions": [
                        {"transition": t, "note_field": f"{WORKFLOW_NOTE_FIELD}{t.action}"}
                        for t in workflow.available(obj, request.user)
                        if t.action not in self.workflow_hidden_actions
                    ],
                    "workflow_barred": workflow.barred(obj, request.user),
                    "workflow_steps": self.workflow_steps(obj),
                    "workflow_state_label": workflow.state_label(workflow.state_of(obj)),
                }
            )
        return super().render_change_form(request, context, add=add, change=change, form_url=form_url, obj=obj)
