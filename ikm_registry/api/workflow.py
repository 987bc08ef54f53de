"""Workflow steps through the staff API: `POST …/<id>/aksi/ {"aksi": "verify", "catatan": "…"}` takes a step of the
record's registered workflow (ikm_registry/workflow.py) as the token's user: the same role, region, source-state,
four-eyes and validation checks as the admin's buttons, one log row, history with the user."""

from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response

from ikm_registry.workflow import workflow_for


class WorkflowStepSerializer(serializers.Serializer):
    aksi = serializers.CharField(max_length=40, help_text="Langkah alur kerja, mis. submit, verify, publish, return.")
    catatan = serializers.CharField(required=False, allow_blank=True, default="", max_length=2000)


class WorkflowActionMixin:
    """For a staff viewset over a model with a registered workflow."""

    @extend_schema(request=WorkflowStepSerializer)
    @action(detail=True, methods=["post"], url_path="aksi")
    def aksi(self, request, *args, **kwargs):
        record = self.get_object()
        step = WorkflowStepSerializer(data=request.data)
        step.is_valid(raise_exception=True)
        workflow = workflow_for(type(record))
        name = step.validated_data["aksi"]
        if name not in workflow.transitions:
            raise ValidationError(
                {
                    "aksi": [
                        _("Langkah %(action)s tidak ada. Yang ada: %(known)s.")
                        % {"action": name, "known": ", ".join(workflow.transitions)}
                    ]
                }
            )
        workflow.perform(record, name, request.user, note=step.validated_data["catatan"])
        return Response(self.get_serializer(self.get_queryset().get(pk=record.pk)).data)
