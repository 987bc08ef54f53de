"""What businesses contributes to the core's registries (ikm_registry/registry.py), registered in
BusinessesConfig.ready(): its "Perlu perhatian" panel on the admin home, its sections of the Profil IKM, its
panels of the public Statistik page and the words of published businesses for the search vocabulary. (Its
public-cache models are registered in apps.py; its reports by ikm_registry.reports' autodiscovery of
businesses/reports/.)"""

from django.utils.translation import gettext_lazy as _

from businesses import datasets
from ikm_registry.admin_home import AdminPanel, admin_panels
from ikm_registry.opendata import datasets as open_datasets
from ikm_registry.scoping import scope_for
from ikm_registry.statistics import StatisticsPanel, statistics_panels, with_bars
from ikm_registry.vocabulary import VocabularySource, vocabulary_sources


def proposal_items(request):
    """Owners' change proposals waiting for staff of the user's region (reviewed like submissions)."""
    from django.urls import reverse

    from businesses.choices import ProposalStatus
    from businesses.models import ChangeProposal
    from ikm_registry.admin_home import PanelItem

    waiting = ChangeProposal.objects.restrict(request.user).filter(status=ProposalStatus.SUBMITTED).count()
    url = reverse("admin:businesses_changeproposal_changelist") + "?terbuka=1"
    if not waiting:
        return []
    return [PanelItem(label=_("usulan perubahan dari pemilik menunggu keputusan"), count=waiting, url=url)]


def attention_context(request) -> dict:
    from businesses.selectors import attention_summary

    return {"attention": attention_summary(user=request.user)}


ADMIN_PANELS = (
    # Businesses per status, the oldest submissions, incomplete data and sentra below the PP 29/2018 rule.
    AdminPanel(
        name="businesses",
        order=100,
        template_name="admin/businesses/home_attention.html",
        context=attention_context,
        permission=lambda user: scope_for(user).reaches_regions,
    ),
    AdminPanel(
        name="owner-proposals",
        order=110,
        title=_("Usulan perubahan dari pemilik"),
        items=proposal_items,
        permission=lambda user: scope_for(user).reaches_regions,
    ),
)


def _by_region(area):
    from businesses.selectors import statistics_by_region

    return with_bars(statistics_by_region(wilayah=area.code))


def _by_division(area):
    from businesses.selectors import statistics_by_division

    return with_bars(statistics_by_division(wilayah=area.code))


def _by_subsector(area):
    from businesses.selectors import statistics_by_subsector

    return with_bars(statistics_by_subsector(wilayah=area.code))


def _by_scale(area):
    from businesses.selectors import statistics_by_scale

    return with_bars(statistics_by_scale(wilayah=area.code))


def _by_year(area):
    from businesses.selectors import statistics_by_year

    return with_bars(statistics_by_year(wilayah=area.code, with_sums=area.with_sums))


# The keys of the page's `stats` (regions, divisions, ...) are these panels' names.
STATISTICS_PANELS = (
    StatisticsPanel(
        name="regions",
        order=100,
        title=lambda area: _("Per wilayah") if area.code else _("Per provinsi"),
        group_label=_("Wilayah"),
        caption=_("IKM per wilayah"),
        links=True,
        data=_by_region,
    ),
    StatisticsPanel(
        name="divisions",
        order=110,
        title=_("Per golongan industri (KBLI)"),
        group_label=_("Golongan KBLI"),
        caption=_("IKM per golongan pokok KBLI"),
        data=_by_division,
    ),
    StatisticsPanel(
        name="subsectors",
        order=120,
        title=_("Per subsektor ekonomi kreatif"),
        group_label=_("Subsektor"),
        caption=_("IKM per subsektor ekonomi kreatif"),
        data=_by_subsector,
    ),
    StatisticsPanel(
        name="scales",
        order=130,
        title=_("Per skala usaha"),
        group_label=_("Skala (BPS)"),
        caption=_("IKM per skala usaha BPS menurut data tahunan terakhir"),
        data=_by_scale,
    ),
    StatisticsPanel(
        name="years",
        order=140,
        title=_("Per tahun data"),
        template_name="businesses/_stat_years.html",
        data=_by_year,
    ),
)


def _published_texts():
    """The name and main product of every published business, read in chunks (the vocabulary's nightly rebuild)."""
    from businesses import rules
    from businesses.models import Business

    rows = Business.objects.filter(rules.is_public()).order_by().values_list("name", "main_product")
    for name, product in rows.iterator(chunk_size=5000):
        yield name
        yield product


def _texts_of_business(business) -> list[str]:
    """A saved business adds its words to the search vocabulary once it is published."""
    from businesses.choices import BusinessStatus

    if business.status != BusinessStatus.PUBLISHED:
        return []
    deferred = business.get_deferred_fields()  # a row saved from a partial read: no query for what it lacks
    return [getattr(business, name) for name in ("name", "main_product") if name not in deferred]


def register_all() -> None:
    from businesses.models import Business
    from businesses.reports.profiles import register_profil_ikm_sections

    for panel in ADMIN_PANELS:
        admin_panels.register(panel, replace=True)
    for panel in STATISTICS_PANELS:
        statistics_panels.register(panel, replace=True)
    register_profil_ikm_sections()
    # Its open-data datasets (/data/, the CKAN API, the DCAT catalog): businesses/datasets.py.
    for dataset in datasets.DATASETS:
        open_datasets.register(dataset, replace=True)
    # The words of published businesses: "Maksud Anda" in the directory search (ikm_registry/vocabulary.py).
    vocabulary_sources.register(
        VocabularySource(name="businesses", texts=_published_texts, model=Business, texts_of=_texts_of_business),
        replace=True,
    )
    register_api_routes()


def register_api_routes() -> None:
    """The endpoints of /api/v1/ for businesses and sentra (businesses/api.py)."""
    from businesses import api
    from ikm_registry.api.registry import ApiRoute, api_routes

    for route in (
        ApiRoute(name="usaha", prefix="usaha", viewset=api.BusinessPublicViewSet),
        ApiRoute(name="sentra", prefix="sentra", viewset=api.SentraPublicViewSet),
        ApiRoute(name="staf-usaha", prefix="staf/usaha", viewset=api.BusinessStaffViewSet),
    ):
        api_routes.register(route, replace=True)
