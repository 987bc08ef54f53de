"""What the toy app adds to the core: a report, an admin-home panel, a public-cache model and an importer.

A real app registers these in AppConfig.ready(); `plugged_in()` registers them for a `with` block and removes them
afterwards, so that only the toy's own tests see them."""

from contextlib import ExitStack, contextmanager

from django.urls import reverse

from ikm_registry.admin_home import AdminPanel, PanelItem, admin_panels
from ikm_registry.public_cache import public_models
from ikm_registry.reports import Disclosure, Report, ReportForm, reports
from ikm_registry.scoping import scope_for
from ikm_registry.tabular import registry as importers
from ikm_registry.tabular.columns import Integer, Reference, Text
from ikm_registry.tabular.engine import Importer
from tests.toyapp.models import Workshop

Region = Workshop._meta.get_field("village").related_model


class WorkshopReport(Report):
    name = "toy-workshops"
    title = "Daftar lokakarya"
    form_class = ReportForm
    template_name = "toyapp/workshops.html"

    def get_context(self, *, user, params: dict) -> dict:
        workshops = Workshop.objects.restrict(user).in_region(params["region"].code).order_by("name")
        return {"workshops": list(workshops)}

    def disclosure(self, context: dict) -> Disclosure:
        return Disclosure(personal_data=False, individual_data=False, row_count=len(context["workshops"]))


def waiting_workshops(request):
    drafts = Workshop.objects.restrict(request.user).filter(status=Workshop.Status.DRAFT)
    return [PanelItem("Lokakarya belum dibuka", drafts.count(), reverse("admin:index") + "?toy=draft")]


PANEL = AdminPanel(
    name="toy-workshops",
    title="Lokakarya",
    items=waiting_workshops,
    order=200,
    permission=lambda user: scope_for(user).has_access,
)


class WorkshopImporter(Importer):
    kind = "toy-workshops"
    label = "lokakarya"
    model = Workshop
    columns = (
        Reference("kode_desa", field="village_id", model=Region, required=True),
        Text("nama", field="name", required=True),
        Integer("kursi", field="seats"),
    )
    key = ("kode_desa", "nama")


@contextmanager
def plugged_in():
    with ExitStack() as stack:
        stack.enter_context(reports.registered(WorkshopReport))
        stack.enter_context(admin_panels.registered(PANEL))
        stack.enter_context(public_models.registered(Workshop))
        importers.register(WorkshopImporter)
        stack.callback(importers.unregister, WorkshopImporter.kind)
        yield
