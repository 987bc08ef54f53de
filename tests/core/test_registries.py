"""The core's registries (ikm_registry/registry.py): order, names, permissions, and that what an app registers
appears where it should — a public-cache model, an admin-home panel, a Profil IKM section, a Riwayat timeline
source and a statistics panel, each registered inside the test and removed afterwards."""

from contextlib import contextmanager

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.template import engines
from django.urls import reverse
from django.utils import timezone

from businesses.apps import PUBLIC_MODELS
from businesses.models import Sentra, StatisticsRelease
from businesses.reports.profiles import ProfilIkmForm, ProfilIkmReport
from ikm_registry.admin_history import TimelineSource, timeline_sources
from ikm_registry.admin_home import AdminPanel, PanelItem, admin_panels
from ikm_registry.models import Office
from ikm_registry.public_cache import public_models, public_version, register_public_models
from ikm_registry.registry import Contribution, Registry
from ikm_registry.reports import Disclosure, reports
from ikm_registry.reports import base as report_base
from ikm_registry.reports.sections import ReportSection, letter, report_sections
from ikm_registry.scoping import scope_for
from ikm_registry.statistics import StatisticsPanel, statistics_panels
from tests.factories import SYSTEM, BusinessFactory, SentraFactory

# --- the Registry -------------------------------------------------------------------------------------------------


def test_entries_come_by_order_then_by_registration():
    registry = Registry("test")
    late = registry.register(Contribution(name="late", order=200))
    first = registry.register(Contribution(name="first"))
    early = registry.register(Contribution(name="early", order=10))
    second = registry.register(Contribution(name="second"))
    assert list(registry) == [early, first, second, late]
    assert registry.names() == ["early", "first", "second", "late"]
    assert len(registry) == 4 and "first" in registry and registry.get("late") is late


def test_a_name_is_registered_once_unless_replaced():
    registry = Registry("test")
    original = registry.register(Contribution(name="a"))
    registry.register(Contribution(name="b"))
    with pytest.raises(ImproperlyConfigured, match="'a' is registered already"):
        registry.register(Contribution(name="a", order=100))
    assert registry.register(original) is original  # the same entry again (a module imported twice): no error
    replacement = registry.register(Contribution(name="a", order=100, permission=bool), replace=True)
    assert list(registry) == [replacement, registry.get("b")]  # its place among equal orders is kept


def test_unregister_and_registered_block():
    registry = Registry("test")
    with registry.registered(Contribution(name="temporary")) as entry:
        assert list(registry) == [entry]
    assert list(registry) == []
    with pytest.raises(LookupError):
        registry.unregister("temporary")
    with pytest.raises(LookupError):
        registry.get("temporary")


def test_registered_block_unregisters_after_an_error():
    registry = Registry("test")
    with pytest.raises(RuntimeError), registry.registered(Contribution(name="temporary")):
        raise RuntimeError
    assert "temporary" not in registry


def test_hooks_see_each_registration_and_removal():
    seen = []
    registry = Registry(
        "test", on_register=lambda e: seen.append(("+", e.name)), on_unregister=lambda e: seen.append(("-", e.name))
    )
    registry.register(Contribution(name="a"))
    registry.register(Contribution(name="a"), replace=True)
    registry.unregister("a")
    assert seen == [("+", "a"), ("-", "a"), ("+", "a"), ("-", "a")]


def test_visible_to_applies_permission_and_attributes():
    registry = Registry("test")
    registry.register(ReportSection(report="r1", name="open", title="", template_name="", context=dict))
    registry.register(
        ReportSection(
            report="r1", name="staff", title="", template_name="", context=dict, permission=lambda u: u == "staff"
        )
    )
    registry.register(ReportSection(report="r2", name="other", title="", template_name="", context=dict))
    assert [s.name for s in registry.visible_to("staff", report="r1")] == ["open", "staff"]
    assert [s.name for s in registry.visible_to("visitor", report="r1")] == ["open"]
    assert [s.name for s in registry.visible_to("visitor")] == ["open", "other"]


def test_the_report_registry_is_a_registry_with_discovery():
    assert "profil-ikm" in reports.names() and reports.get("profil-ikm") is ProfilIkmReport


def test_section_letters():
    assert [letter(i) for i in (0, 1, 6, 25, 26, 27)] == ["A", "B", "G", "Z", "AA", "AB"]


# --- public-cache models ------------------------------------------------------------------------------------------


def test_the_apps_register_the_models_public_pages_show():
    from django.apps import apps

    core = {"ikm_registry.Region", "ikm_registry.Kbli", "ikm_registry.CreativeSubsector", "ikm_registry.Office"}
    from certification.apps import PUBLIC_MODELS as CERTIFICATION_MODELS
    from events.apps import PUBLIC_MODELS as EVENT_MODELS

    expected = (
        {f"businesses.{name}" for name in PUBLIC_MODELS}
        | {f"events.{name}" for name in EVENT_MODELS}
        | {f"certification.{name}" for name in CERTIFICATION_MODELS}
        | core
    )
    assert set(public_models.names()) == expected
    assert apps.get_model("businesses", "Business") in public_models
    assert Office in public_models


@pytest.mark.django_db
def test_a_registered_model_retires_the_public_pages_and_stops_when_unregistered(django_capture_on_commit_callbacks):
    assert StatisticsRelease not in public_models

    def release(year):
        return lambda: StatisticsRelease.objects.create(
            year=year, businesses=1, released_at=timezone.now(), min_businesses=3, dominance_p=10
        )

    def version_after(change):
        before = public_version()
        with django_capture_on_commit_callbacks(execute=True):
            change()
        return public_version() != before

    assert not version_after(release(2001))
    register_public_models(StatisticsRelease)
    try:
        assert version_after(release(2002))
        assert version_after(lambda: StatisticsRelease.objects.filter(year=2002).get().delete())
    finally:
        public_models.unregister(StatisticsRelease)
    assert not version_after(release(2003))


# --- admin-home panels --------------------------------------------------------------------------------------------


def toy_items(request):
    return [PanelItem(label="Mainan menunggu", count=3, url="/admin/toy/?status=waiting")]


def test_a_registered_panel_appears_on_the_admin_home_in_order(operator_client):
    panel = AdminPanel(name="toy", title="Mainan", items=toy_items, order=50)
    with admin_panels.registered(panel):
        response = operator_client.get(reverse("admin:index"))
    content = response.content.decode()
    assert 'href="/admin/toy/?status=waiting"' in content and "Mainan menunggu" in content
    assert content.index("Mainan menunggu") < content.index("Menunggu verifikasi")  # order 50 before businesses' 100
    assert "Wilayah kerja Anda: <strong>Kabupaten Badung</strong>" in content
    # once removed, the page is as before
    content = operator_client.get(reverse("admin:index")).content.decode()
    assert "Mainan menunggu" not in content and "Menunggu verifikasi" in content


def test_a_panel_is_shown_only_to_whom_its_permission_allows(operator_client, operator):
    hidden = AdminPanel(name="toy", title="Mainan", items=toy_items, permission=lambda user: scope_for(user).everything)
    with admin_panels.registered(hidden):
        assert "Mainan menunggu" not in operator_client.get(reverse("admin:index")).content.decode()
    shown = AdminPanel(name="toy", title="Mainan", items=toy_items, permission=lambda user: user == operator)
    with admin_panels.registered(shown):
        assert "Mainan menunggu" in operator_client.get(reverse("admin:index")).content.decode()


def test_without_panels_the_home_has_no_attention_section(operator_client):
    panels = list(admin_panels)  # businesses' and every other app's
    for panel in panels:
        admin_panels.unregister(panel)
    try:
        content = operator_client.get(reverse("admin:index")).content.decode()
    finally:
        for panel in panels:
            admin_panels.register(panel)
    assert 'class="attention"' not in content
    assert "Laporan (PDF)" in content  # the rest of the home page stays


def test_the_admin_site_does_not_import_businesses():
    import ast
    import inspect

    from ikm_registry import admin_home, admin_site

    for module in (admin_site, admin_home):
        tree = ast.parse(inspect.getsource(module))
        imported = [
            node.module if isinstance(node, ast.ImportFrom) else alias.name
            for node in ast.walk(tree)
            if isinstance(node, ast.Import | ast.ImportFrom)
            for alias in node.names
        ]
        assert not [name for name in imported if name and name.startswith("businesses")], module.__name__


# --- Profil IKM sections ------------------------------------------------------------------------------------------


def profil_ikm_html(monkeypatch, business, user=SYSTEM):
    pages = []
    monkeypatch.setattr(report_base, "html_to_pdf", lambda html: pages.append(html) or b"%PDF")
    form = ProfilIkmForm(data={"business": business.pk}, user=user)
    assert form.is_valid(), form.errors
    made = ProfilIkmReport().make(user=user, params=form.cleaned_data)
    return pages[0], made.disclosure


def toy_section(**kwargs):
    return ReportSection(
        report="profil-ikm",
        name="toy",
        title="Sertifikat mainan",
        template_name="reports/profil_ikm/obstacles.html",  # any template of the report: a table or "empty"
        context=lambda business, *, user: {"obstacles": []},
        **kwargs,
    )


@pytest.mark.django_db
@contextmanager
def businesses_sections_only():
    """The Profil IKM as businesses alone makes it (other apps' sections, e.g. the events', set aside)."""
    from businesses.reports.profiles import PROFIL_IKM_SECTIONS

    own = {section.name for section in PROFIL_IKM_SECTIONS}
    others = [s for s in report_sections if s.report == "profil-ikm" and s.name not in own]
    for section in others:
        report_sections.unregister(section)
    try:
        yield
    finally:
        for section in others:
            report_sections.register(section)


def test_businesses_sections_make_the_profil_ikm_as_before(monkeypatch, bali_regions, kbli):
    business = BusinessFactory(owner=None)
    with businesses_sections_only():
        html, disclosure = profil_ikm_html(monkeypatch, business)
    headings = [
        "A. Identitas usaha",
        "B. Pemilik",
        "C. Produk",
        "D. Data tahunan",
        "E. Bantuan / fasilitasi yang diterima",
        "F. Kendala",
        "G. Halaman publik",
    ]
    positions = [html.index(f"<h2>{heading}</h2>") for heading in headings]
    assert positions == sorted(positions)
    assert "<h2>H." not in html
    assert disclosure == Disclosure(personal_data=False, individual_data=False, row_count=1)


@pytest.mark.django_db
def test_a_registered_section_is_numbered_in_order_and_adds_its_disclosure(monkeypatch, bali_regions, kbli):
    business = BusinessFactory(owner=None)
    section = toy_section(order=650, disclosure=lambda context: Disclosure(True, True, 4))
    with businesses_sections_only(), report_sections.registered(section):
        html, disclosure = profil_ikm_html(monkeypatch, business)
    assert html.index("<h2>F. Kendala</h2>") < html.index("<h2>G. Sertifikat mainan</h2>")
    assert html.index("<h2>G. Sertifikat mainan</h2>") < html.index("<h2>H. Halaman publik</h2>")
    assert disclosure == Disclosure(personal_data=True, individual_data=True, row_count=4)
    with businesses_sections_only():
        html, _disclosure = profil_ikm_html(monkeypatch, business)
    assert "Sertifikat mainan" not in html


@pytest.mark.django_db
def test_a_section_follows_its_permission(monkeypatch, bali_regions, kbli):
    business = BusinessFactory(owner=None)
    with (
        businesses_sections_only(),
        report_sections.registered(toy_section(order=900, permission=lambda user: scope_for(user).everything)),
    ):
        html, _disclosure = profil_ikm_html(monkeypatch, business)  # the command without --user: full access
        assert "<h2>H. Sertifikat mainan</h2>" in html
    with (
        businesses_sections_only(),
        report_sections.registered(toy_section(order=900, permission=lambda user: not scope_for(user).everything)),
    ):
        html, _disclosure = profil_ikm_html(monkeypatch, business)
        assert "Sertifikat mainan" not in html


# --- the Riwayat timeline -----------------------------------------------------------------------------------------


def test_a_registered_timeline_source_adds_rows_to_the_riwayat_page(operator_client, tuban):
    sentra = SentraFactory(name="Sentra Endek", village=tuban)
    business = BusinessFactory(village=tuban, sentra=sentra, name="Endek Tuban")
    url = reverse("admin:businesses_business_history", args=[business.pk])
    source = TimelineSource(
        name="sentra",
        model="businesses.Business",
        title="sentra anggota",
        records=lambda obj: Sentra.history.filter(id=obj.sentra_id),
        label=lambda instance: instance.name,
    )
    with timeline_sources.registered(source):
        content = operator_client.get(url).content.decode()
    version = Sentra.history.get(id=sentra.pk)
    assert "Sentra anggota: Sentra Endek" in content
    assert reverse("admin:businesses_sentra_simple_history", args=[sentra.pk, version.history_id]) in content
    assert "Sentra anggota" not in operator_client.get(url).content.decode()


def test_a_timeline_source_is_only_for_its_model_and_permission(operator_client, tuban):
    sentra = SentraFactory(name="Sentra Endek", village=tuban)
    business = BusinessFactory(village=tuban, sentra=sentra)
    records = lambda obj: Sentra.history.filter(id=sentra.pk)  # noqa: E731
    elsewhere = TimelineSource(name="x", model="businesses.Sentra", title="bukan untuk IKM", records=records)
    refused = TimelineSource(
        name="y", model="businesses.Business", title="tertutup", records=records, permission=lambda user: False
    )
    with timeline_sources.registered(elsewhere), timeline_sources.registered(refused):
        content = operator_client.get(reverse("admin:businesses_business_history", args=[business.pk])).content
    assert b"bukan untuk IKM" not in content and b"Tertutup" not in content


# --- statistics panels --------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_registered_statistics_panel_appears_on_the_statistics_page(client, bali_regions, kbli):
    panel = StatisticsPanel(
        name="toys",
        order=135,
        title="Per jenis mainan",
        caption="Mainan per jenis",
        group_label="Jenis",
        data=lambda area: [{"code": "k", "label": f"Kayu {area.code or 'semua'}", "count": 7, "bar": 100}],
    )
    with statistics_panels.registered(panel):
        response = client.get("/statistik/")
    content = response.content.decode()
    assert (
        "<h2>Per jenis mainan</h2>" in content
        and "Kayu semua" in content
        and "<caption>Mainan per jenis</caption>" in content
    )
    assert content.index("<h2>Per skala usaha</h2>") < content.index("<h2>Per jenis mainan</h2>")
    assert content.index("<h2>Per jenis mainan</h2>") < content.index("<h2>Per tahun data</h2>")
    assert response.context["stats"]["toys"][0]["count"] == 7


@pytest.mark.django_db
def test_the_statistics_page_has_businesses_panels_in_their_order(client, bali_regions, kbli):
    content = client.get("/statistik/").content.decode()
    headings = [
        "Per provinsi",
        "Per golongan industri (KBLI)",
        "Per subsektor ekonomi kreatif",
        "Per skala usaha",
        "Per tahun data",
    ]
    positions = [content.index(f"<h2>{heading}</h2>") for heading in headings]
    assert positions == sorted(positions)
    assert statistics_panels.names()[:5] == ["regions", "divisions", "subsectors", "scales", "years"]


def test_count_table_template_links_only_when_asked():
    template = engines["django"].get_template("statistics/_count_table.html")
    rows = [{"code": "51.03", "label": "Badung", "count": 2, "bar": 100}]
    linked = template.render({"data": rows, "panel": StatisticsPanel(name="a", data=list, links=True)})
    plain = template.render({"data": rows, "panel": StatisticsPanel(name="a", data=list)})
    assert '<a href="?wilayah=51.03">Badung</a>' in linked
    assert "?wilayah=" not in plain and "Badung" in plain
