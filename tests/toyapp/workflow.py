"""The workshop's workflow, declared with the core's engine (ikm_registry.workflow)."""

from ikm_registry.workflow import Transition, Workflow
from tests.toyapp.models import Workshop

S = Workshop.Status

WORKSHOP_WORKFLOW = Workflow(
    Workshop,
    field="status",
    region="village_id",
    transitions=[
        Transition("open", S.DRAFT, S.OPEN, "Buka", "Buka pendaftaran.", validates=True),
        Transition("close", S.OPEN, S.CLOSED, "Tutup", "Tutup lokakarya.", note_required=True),
    ],
).register()
