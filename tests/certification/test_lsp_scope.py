"""The LSP dimension of scoping beyond the admin's own views (the access matrix walks those): an LSP's operator — a
staff user with no office who operates LSP a — reaches LSP a's rows wherever its asesi live, nothing of LSP b and
nothing of a region. On restrict(), the workflow engine and the services, the admin home's panels, the history
pages, the list filters and form choices, /verifikasi/, and the exports, reports and imports that refuse them."""

from __future__ import annotations

import datetime
import re
from io import StringIO

import pytest
from django.core.exceptions import PermissionDenied
from django.core.management import CommandError, call_command
from django.urls import reverse
from django.utils import timezone

from businesses.models import Business
from certification.choices import CertificateStatus, EnrollmentStatus, ProductCertificateKind, TargetKind
from certification.models import (
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
from certification.services import enrollment as service
from certification.services.workflow import CERTIFICATE_WORKFLOW, ENROLLMENT_WORKFLOW
from events.models import Agreement, Event
from ikm_registry.choices import StaffRole
from ikm_registry.models import Region, TransitionLog
from ikm_registry.scoping import CHANGE, scope_for, user_may
from tests.factories import BusinessFactory, UserFactory, make_event, make_region, office_for, staff_user

pytestmark = pytest.mark.usefixtures("bali_regions")

S = EnrollmentStatus
NIK = {"bdg": "5103014203960174", "dps": "5171014810930396"}
PHONE = "0813-5502-7781"


def today() -> datetime.date:
    return timezone.localdate()


def business(village: str, **fields):
    return BusinessFactory(village=make_region(village), **fields)


def session(scheme, region: str):
    """A session at a TUK of the scheme's LSP in `region`, held ten days ago."""
    held = today() - datetime.timedelta(days=10)
    tuk = Tuk.objects.create(lsp=scheme.lsp, name=f"TUK {scheme.code} {region}", region=make_region(region))
    return AssessmentSession.objects.create(scheme=scheme, tuk=tuk, start_date=held, end_date=held, capacity=20)


def enrol(business, scheme, actor, name: str, **fields) -> Enrollment:
    return service.enrol(actor=actor, business=business, scheme=scheme, name=name, **fields)


@pytest.fixture
def world(bali_regions):
    """LSP a (operated by `lsp`) and LSP b, each with a scheme and an assessor. Asesi of LSP a in Badung and
    Denpasar, of LSP b in Badung, each scheduled by their office into a session (held ten days ago) at the LSP's TUK
    in their region; a product certificate and a target in Badung."""
    data = {}
    for key in ("a", "b"):
        lsp = Lsp.objects.create(name=f"LSP {key.upper()} Bali", region=bali_regions.bali)
        scheme = Scheme.objects.create(lsp=lsp, code=f"SKM-{key.upper()}", name=f"Skema {key.upper()}")
        assessor = Assessor.objects.create(lsp=lsp, name=f"Asesor {key.upper()}", home_region=bali_regions.bali,
                                           phone="0821-3076-1144")  # fmt: skip
        assessor.schemes.add(scheme)
        data[key] = {"lsp": lsp, "scheme": scheme, "assessor": assessor}
    data["lsp"] = UserFactory(username="operator.lsp.a", is_staff=True)
    data["a"]["lsp"].operators.add(data["lsp"])
    data["badung"], data["denpasar"] = staff_user(StaffRole.OPERATOR, "51.03"), staff_user(StaffRole.OPERATOR, "51.71")
    data["tuban"] = business("51.03.01.1001", name="Tenun Tuban", address="Jl. Raya Tuban No. 17")
    data["serangan"] = business("51.71.01.1001", name="Garam Serangan")
    for name, key, place, office, region in (
        ("a_bdg", "a", "tuban", "badung", "51.03"),
        ("a_dps", "a", "serangan", "denpasar", "51.71"),
        ("b_bdg", "b", "tuban", "badung", "51.03"),
    ):
        scheme, actor = data[key]["scheme"], data[office]
        held = session(scheme, region)
        nik = NIK["dps"] if place == "serangan" else NIK["bdg"]
        enrollment = enrol(data[place], scheme, actor, name=f"Asesi {name}", nik=nik, phone=PHONE,
                           email=f"{name}@example.net")  # fmt: skip
        data[name] = service.schedule(enrollment, held, actor=actor)
        data[f"session_{name}"] = held
    data["product"] = ProductCertification.objects.create(business=data["tuban"], kind=ProductCertificateKind.MEREK,
                                                          number="IDM000999", filed_on=today())  # fmt: skip
    data["target"] = CertificationTarget.objects.create(region=bali_regions.badung, year=today().year,
                                                        scheme=data["a"]["scheme"], kind=TargetKind.ALL_IKM)  # fmt: skip
    return data


def pks(queryset) -> set:
    return set(queryset.values_list("pk", flat=True))


def competent(world, name):
    """The asesi found K by their LSP's operator (LSP a's) or their office (LSP b's)."""
    actor = world["lsp"] if name.startswith("a_") else world["badung"]
    return service.record_result(world[name], True, actor=actor)


def certificate(world, name, **fields):
    actor = world["lsp"] if name.startswith("a_") else world["badung"]
    return service.issue_certificate(competent(world, name), actor=actor, number=f"NO/{name}", issued_on=today(),
                                     **fields)  # fmt: skip


# --- restrict() ---------------------------------------------------------------------------------------------------


def test_the_lsp_operator_reaches_its_asesi_wherever_their_business_is(world):
    lsp = world["lsp"]
    own = {world["a_bdg"].pk, world["a_dps"].pk}
    assert pks(Enrollment.objects.restrict(lsp)) == own
    assert pks(Enrollment.objects.restrict(lsp, CHANGE)) == own
    assert pks(AssessmentSession.objects.restrict(lsp)) == {world["session_a_bdg"].pk, world["session_a_dps"].pk}
    certificates = [certificate(world, name) for name in ("a_bdg", "a_dps", "b_bdg")]
    assert pks(Certificate.objects.restrict(lsp)) == {certificates[0].pk, certificates[1].pk}
    assert pks(Certificate.objects.restrict(lsp, CHANGE)) == {certificates[0].pk, certificates[1].pk}


def test_the_lsp_operator_reaches_its_own_lsps_address_book_only(world):
    lsp, a = world["lsp"], world["a"]
    assert pks(Lsp.objects.restrict(lsp)) == {a["lsp"].pk}
    assert pks(Scheme.objects.restrict(lsp, CHANGE)) == {a["scheme"].pk}
    assert pks(Assessor.objects.restrict(lsp)) == {a["assessor"].pk}
    assert pks(Tuk.objects.restrict(lsp)) == {world["session_a_bdg"].tuk_id, world["session_a_dps"].tuk_id}


def test_nothing_of_a_region_reaches_the_lsp_operator(world):
    lsp = world["lsp"]
    scope = scope_for(lsp)
    assert not scope.reaches_regions and scope.reaches(Enrollment) and not scope.reaches(Business)
    for model in (Business, ProductCertification, CertificationTarget, Region, TransitionLog, Event, Agreement):
        assert not model.objects.restrict(lsp).exists(), model
    assert not user_may(lsp, CHANGE, world["tuban"])


def test_office_staff_read_every_lsps_address_book_and_their_regions_asesi(world):
    badung = world["badung"]
    assert pks(Lsp.objects.restrict(badung)) == {world["a"]["lsp"].pk, world["b"]["lsp"].pk}
    assert pks(Scheme.objects.restrict(badung, CHANGE)) == {world["a"]["scheme"].pk, world["b"]["scheme"].pk}
    assert pks(Enrollment.objects.restrict(badung)) == {world["a_bdg"].pk, world["b_bdg"].pk}


def test_an_office_operator_who_also_operates_an_lsp_reaches_both(world):
    both = world["denpasar"]
    world["b"]["lsp"].operators.add(both)
    both = type(both).objects.get(pk=both.pk)  # the scope is cached on the user object
    assert pks(Enrollment.objects.restrict(both)) == {world["a_dps"].pk, world["b_bdg"].pk}


# --- the workflow engine and the services -------------------------------------------------------------------------


def test_the_lsp_operator_records_the_results_of_its_asesi_in_any_region(world):
    lsp = world["lsp"]
    assert [t.action for t in ENROLLMENT_WORKFLOW.available(world["a_dps"], lsp)] == [
        "unschedule", "assess", "withdraw_scheduled"]  # fmt: skip
    result = service.record_result(world["a_dps"], True, actor=lsp, note="Kompeten semua unit")
    assert result.status == S.COMPETENT
    log = result.transitions.first()
    assert (log.action, log.actor, log.region_code) == ("competent", lsp, world["serangan"].village_id)


def test_the_lsp_operator_cannot_record_the_results_of_another_lsps_asesi(world):
    lsp, other = world["lsp"], world["b_bdg"]
    assert ENROLLMENT_WORKFLOW.available(other, lsp) == []
    logs = TransitionLog.objects.count()
    with pytest.raises(PermissionDenied):
        service.record_result(other, True, actor=lsp)
    other.refresh_from_db()
    assert (other.status, other.assessed_on, TransitionLog.objects.count()) == (S.SCHEDULED, None, logs)


def test_the_lsp_operator_issues_and_revokes_only_its_own_certificates(world):
    lsp = world["lsp"]
    own = certificate(world, "a_dps")
    assert own.status == CertificateStatus.ACTIVE and own.transitions.get().actor == lsp
    others = competent(world, "b_bdg")
    with pytest.raises(PermissionDenied):
        service.issue_certificate(others, actor=lsp, number="NO/B", issued_on=today())
    other_certificate = service.issue_certificate(others, actor=world["badung"], number="NO/B", issued_on=today())
    with pytest.raises(PermissionDenied):
        CERTIFICATE_WORKFLOW.perform(other_certificate, "revoke", lsp, note="bukan milik LSP ini")
    assert CERTIFICATE_WORKFLOW.perform(own, "revoke", lsp, note="Hasil surveilan").status == CertificateStatus.REVOKED


def test_the_lsp_operator_schedules_into_its_own_sessions_only(world):
    lsp = world["lsp"]
    waiting = enrol(world["serangan"], world["a"]["scheme"], world["denpasar"], name="Asesi menunggu")
    # LSP a's session at its Badung TUK takes a Denpasar asesi when the LSP schedules it
    assert service.schedule(waiting, world["session_a_bdg"], actor=lsp).status == S.SCHEDULED
    other_scheme = enrol(world["tuban"], world["b"]["scheme"], world["badung"], name="Asesi LSP B")
    with pytest.raises(PermissionDenied):
        service.schedule(other_scheme, world["session_b_bdg"], actor=lsp)
    other_scheme.refresh_from_db()
    assert (other_scheme.status, other_scheme.session_id) == (S.REGISTERED, None)


def test_the_lsp_operator_enrols_nobody(world):
    with pytest.raises(PermissionDenied):
        enrol(world["tuban"], world["a"]["scheme"], world["lsp"], name="Asesi baru")
    assert not Enrollment.objects.filter(name="Asesi baru").exists()


# --- the admin home -----------------------------------------------------------------------------------------------

ITEM = re.compile(r'<li><a href="(?P<url>[^"]+)"><span class="count">(?P<count>[\d.]+)</span> (?P<label>[^<]+)</a>')
SECTION = re.compile(r'<h4><a href="(?P<url>[^"]+)"><span class="count">(?P<count>[\d.]+)</span> (?P<label>[^<]+)</a>')


def _panel(page: str, name: str) -> str:
    start = page.index(f"panel-{name}")
    return page[start : page.index("</div>", start)]


@pytest.fixture
def home(world, bali_regions):
    """Waiting asesi of both LSPs; certificates of LSP a (Badung, Denpasar) and LSP b (Badung) lapsing within six
    months; a product certificate and an MoU of Badung lapsing too."""
    for name, (key, place, office) in {"wait_a": ("a", "tuban", "badung"), "wait_b": ("b", "tuban", "badung"),
                                       "wait_a_dps": ("a", "serangan", "denpasar")}.items():  # fmt: skip
        enrol(world[place], world[key]["scheme"], world[office], name=f"Asesi {name}")
    soon = today() + datetime.timedelta(days=60)
    for name in ("a_bdg", "a_dps", "b_bdg"):
        certificate(world, name, valid_until=soon)
    world["product"].valid_until = today() + datetime.timedelta(days=30)
    world["product"].save()
    Agreement.objects.create(office=office_for("51.03"), title="MoU Badung", signed_on=datetime.date(2024, 1, 1),
                             valid_until=today() + datetime.timedelta(days=20))  # fmt: skip
    make_event("51.03", status="open")
    return world


def test_the_lsp_operators_home_has_no_region_panels(client, home):
    client.force_login(home["lsp"])
    page = client.get(reverse("admin:index")).content.decode()
    assert "panel-certification" in page and "panel-expiry" in page
    assert "panel-events" not in page and "Menunggu verifikasi" not in page and "card status-" not in page
    assert "Laporan PDF" not in page  # no reports on the app list
    assert reverse("admin:reports") not in page  # nor the link above the panels


def test_an_office_operators_home_links_to_the_reports(client, home):
    client.force_login(staff_user(StaffRole.OPERATOR, "51.71"))
    assert reverse("admin:reports") in client.get(reverse("admin:index")).content.decode()


def test_the_certification_panel_counts_only_the_lsps_asesi(client, home):
    client.force_login(home["lsp"])
    panel = _panel(client.get(reverse("admin:index")).content.decode(), "certification")
    items = {item["label"].strip(): (int(item["count"]), item["url"]) for item in ITEM.finditer(panel)}
    assert items["asesi menunggu jadwal uji"][0] == 2  # LSP a's in Badung and Denpasar, not LSP b's
    plan = client.get(items["asesi menunggu jadwal uji"][1]).context["plan"]
    assert [(p.scheme.code, p.waiting) for p in plan] == [("SKM-A", 2)]


def test_the_expiry_panel_shows_only_the_lsps_certificates(client, home):
    client.force_login(home["lsp"])
    panel = _panel(client.get(reverse("admin:index")).content.decode(), "expiry")
    sections = [(int(s["count"]), s["label"].strip()) for s in SECTION.finditer(panel)]
    assert sections == [(2, "sertifikat kompetensi berakhir dalam 6 bulan")]  # no product certificate, no MoU
    assert "NO/a_bdg" in panel and "NO/a_dps" in panel and "NO/b_bdg" not in panel
    listed = client.get(reverse("admin:certification_certificate_changelist"), {"berakhir": "6bulan"})
    assert listed.context["cl"].result_count == 2


def test_an_office_sees_every_lsps_certificates_of_its_region(client, home):
    client.force_login(home["badung"])
    panel = _panel(client.get(reverse("admin:index")).content.decode(), "expiry")
    assert "NO/a_bdg" in panel and "NO/b_bdg" in panel and "NO/a_dps" not in panel
    assert "IDM000999" in panel and "MoU Badung" in panel


# --- history, list filters, form choices --------------------------------------------------------------------------


def test_the_lsp_operator_reads_the_history_of_its_own_rows_only(client, world):
    client.force_login(world["lsp"])
    for model, own, other in (
        ("enrollment", world["a_dps"], world["b_bdg"]),
        ("assessmentsession", world["session_a_dps"], world["session_b_bdg"]),
        ("scheme", world["a"]["scheme"], world["b"]["scheme"]),
        ("lsp", world["a"]["lsp"], world["b"]["lsp"]),
    ):
        history = f"admin:certification_{model}_history"
        assert client.get(reverse(history, args=[own.pk])).status_code == 200, model
        assert client.get(reverse(history, args=[other.pk])).status_code == 404, model


def test_an_office_reads_the_history_of_the_lsp_address_book(client, world):
    client.force_login(world["badung"])
    for row in (world["b"]["lsp"], world["b"]["scheme"]):
        url = reverse(f"admin:certification_{row._meta.model_name}_history", args=[row.pk])
        assert client.get(url).status_code == 200


def test_the_list_filters_offer_only_the_lsps_own_schemes(client, world):
    client.force_login(world["lsp"])
    for url in (
        reverse("admin:certification_enrollment_changelist"),
        reverse("admin:certification_scheme_changelist"),
        reverse("admin:certification_assessor_changelist"),
        reverse("admin:certification_tuk_changelist"),
    ):
        page = client.get(url).content.decode()
        assert "LSP B Bali" not in page and "Skema B" not in page, url


def test_a_session_form_offers_the_lsps_own_schemes_tuks_and_assessors(client, world):
    client.force_login(world["lsp"])
    form = client.get(reverse("admin:certification_assessmentsession_add")).context["adminform"].form
    assert pks(form.fields["scheme"].queryset) == {world["a"]["scheme"].pk}
    assert pks(form.fields["tuk"].queryset) == {world["session_a_bdg"].tuk_id, world["session_a_dps"].tuk_id}
    assert pks(form.fields["assessors"].queryset) == {world["a"]["assessor"].pk}


def test_the_lsp_operator_sees_a_business_by_its_name_only(client, world):
    client.force_login(world["lsp"])
    page = client.get(reverse("admin:certification_enrollment_change", args=[world["a_bdg"].pk]))
    assert page.status_code == 200
    assert "business" not in page.context["adminform"].form.fields
    content = page.content.decode()
    assert "Tenun Tuban" in content and "Jl. Raya Tuban" not in content
    assert client.get(reverse("admin:businesses_business_change", args=[world["tuban"].pk])).status_code == 403


# --- /verifikasi/ -------------------------------------------------------------------------------------------------


def test_the_verification_page_shows_no_private_data(client, world):
    issued = certificate(world, "a_bdg")
    page = client.get(reverse("verify"), {"kode": issued.code}).content.decode()
    assert "Sertifikat sah" in page and "Asesi a_bdg" in page and "LSP A Bali" in page and "Skema A" in page
    digits = re.sub(r"[\s\-.()]", "", page)
    assert NIK["bdg"][:10] not in digits and "81355027781" not in digits and "82130761144" not in digits
    assert "a_bdg@example.net" not in page and "Tenun Tuban" not in page and "Jl. Raya Tuban" not in page


# --- exports, reports and imports ---------------------------------------------------------------------------------


def test_exports_reports_and_imports_refuse_the_lsp_operator(client, world):
    client.force_login(world["lsp"])
    export = reverse("admin:businesses_business_export")
    for file_format in ("csv", "xlsx"):
        assert client.get(export, {"format": file_format}).status_code == 403
    assert client.get(reverse("admin:reports")).status_code == 403
    for report in ("daftar-sertifikat", "progres-sertifikasi"):
        response = client.post(reverse("admin:reports"), {"report": report, "region": "51.03", "year": today().year})
        assert response.status_code == 403
    assert client.get(reverse("admin:report_jobs")).status_code == 404  # as for anyone without a region
    for kind in ("certificates", "product_certificates", "businesses"):
        response = client.get(reverse("admin:tabular_upload", args=[kind]), follow=True)
        assert response.status_code == 403, kind
    assert client.get(reverse("admin:businesses_business_import_template", args=["csv"])).status_code == 403


@pytest.mark.parametrize("report", ["daftar-sertifikat", "progres-sertifikasi"])
def test_the_report_command_refuses_the_lsp_operators_region(world, report, tmp_path):
    make_region("51.03")
    with pytest.raises(CommandError) as error:
        call_command("render_report", report, "--region", "51.03", "--year", str(today().year), "--user",
                     world["lsp"].username, "--output", str(tmp_path / "r.pdf"), stdout=StringIO())  # fmt: skip
    assert "--region" in str(error.value)
    assert not (tmp_path / "r.pdf").exists()
