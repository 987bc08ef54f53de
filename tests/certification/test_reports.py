"""Progress against certification targets (certification.selectors) and the two certification reports,
progres-sertifikasi and daftar-sertifikat: the numbers on a small hand-built Bali, a constant number of queries as the
rows grow, and both PDFs read back with pdftotext — names and numbers there, NIK and phone numbers never."""

import datetime
import io
import itertools
import re

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

import certification.reports  # noqa: F401  (registers the reports, as the registry's discovery does)
from businesses.choices import BusinessStatus
from certification.choices import (
    CertificateStatus,
    EnrollmentStatus,
    ProductCertificateKind,
    ProductCertificateStatus,
    TargetKind,
)
from certification.expiry import competency_expiring
from certification.models import (
    AssessmentSession,
    Certificate,
    CertificationTarget,
    Enrollment,
    Lsp,
    ProductCertification,
    Scheme,
    Tuk,
)
from certification.selectors import certificate_list, target_progress
from ikm_registry.choices import StaffRole
from ikm_registry.job_kinds import report_data, report_name
from ikm_registry.models import ExportLog, Job
from ikm_registry.reports import get_report, report_render
from tests.factories import SYSTEM, BusinessFactory, make_region, staff_user
from tests.reports import pdf_text, row_pattern

pytestmark = pytest.mark.usefixtures("bali_regions")

YEAR = 2026
TODAY = datetime.date(2026, 11, 30)  # the selector tests' "today" (the expiry window runs to 30 May 2027)
S = EnrollmentStatus
C = CertificateStatus
_serial = itertools.count(1)


def d(text: str) -> datetime.date:
    return datetime.date.fromisoformat(text)


def nik(n: int) -> str:
    return f"5103{n:012d}"


@pytest.fixture
def lsp():
    return Lsp.objects.create(name="LSP Manajemen Industri", region=make_region("51.71"))


@pytest.fixture
def marketing(lsp):
    return Scheme.objects.create(lsp=lsp, code="SKM/BNSP/00010/1/2020", name="Pemasaran IKM")


@pytest.fixture
def management(lsp):
    return Scheme.objects.create(lsp=lsp, code="SKM/BNSP/00011/1/2020", name="Pengelola IKM")


def business(village: str, name: str, status: str = BusinessStatus.VERIFIED):
    return BusinessFactory(name=name, village=make_region(village), status=status)


def session(scheme, regency: str, start: str):
    tuk = Tuk.objects.create(lsp=scheme.lsp, name=f"TUK {regency} {next(_serial)}", region=make_region(regency))
    return AssessmentSession.objects.create(scheme=scheme, tuk=tuk, start_date=d(start), end_date=d(start), capacity=20)


def asesi(business, scheme, name, *, status=S.COMPETENT, nik_number="", session=None, phone=""):
    email = f"{name.split()[-1].lower()}@contoh.id" if phone else ""
    return Enrollment.objects.create(business=business, scheme=scheme, name=name, nik=nik_number, phone=phone,
                                     email=email, status=status, session=session)  # fmt: skip


def certified(business, scheme, name, *, issued, valid_until, status=C.ACTIVE, nik_number="", session=None,
              phone=""):  # fmt: skip
    enrollment = asesi(business, scheme, name, nik_number=nik_number, session=session, phone=phone)
    return Certificate.objects.create(
        enrollment=enrollment,
        number=f"NO.{next(_serial):05d}/LSP-MI/{d(issued).year}",
        issued_on=d(issued),
        valid_until=d(valid_until),
        status=status,
    )


def target(region: str, scheme, number: int | None = None, *, year: int = YEAR):
    kind = TargetKind.NUMBER if number else TargetKind.ALL_IKM
    return CertificationTarget.objects.create(
        region=make_region(region), year=year, scheme=scheme, kind=kind, target=number
    )


@pytest.fixture
def bali(marketing, management):
    """Badung: Kuta (Tuban, Kuta) and Mengwi (Munggu); Denpasar: Serangan. Targets for 2026 (module docstring of
    certification.selectors for what counts)."""
    tuban = business("51.03.01.1001", "Tenun Tuban")
    kuta = business("51.03.01.1002", "Perak Kuta", BusinessStatus.PUBLISHED)
    munggu = business("51.03.02.2001", "Anyaman Munggu")
    draft = business("51.03.02.2001", "Draf Munggu", BusinessStatus.DRAFT)  # not a registered business
    serangan = business("51.71.01.1001", "Garam Serangan")

    held = session(marketing, "51.03", "2026-03-10")
    # marketing in Badung: Ayu (twice, the same NIK, at two businesses of Kuta), Budi (no NIK), Gita (a draft business)
    certified(tuban, marketing, "Ni Luh Ayu", issued="2025-03-01", valid_until="2028-03-01", nik_number=nik(1),
              session=held, phone="081234567890")  # fmt: skip
    certified(kuta, marketing, "Ni Luh Ayu", issued="2026-02-01", valid_until="2029-02-01", nik_number=nik(1))
    certified(munggu, marketing, "I Made Budi", issued="2024-03-31", valid_until="2027-03-31")
    certified(draft, marketing, "Gede Gita", issued="2026-05-01", valid_until="2029-05-01")
    # not counted: expired before the year's end, revoked, lapsing on 30 December while still "active"
    certified(tuban, marketing, "Citra Dewi", issued="2023-06-30", valid_until="2026-06-30", status=C.EXPIRED,
              nik_number=nik(3))  # fmt: skip
    certified(kuta, marketing, "Dewi Lestari", issued="2025-01-10", valid_until="2028-01-10", status=C.REVOKED)
    certified(tuban, marketing, "Eka Putra", issued="2023-12-30", valid_until="2026-12-30")
    # waiting: Kiki (registered); Lina is scheduled, not waiting; a session with only her was not held
    asesi(munggu, marketing, "Kiki Amelia", status=S.REGISTERED, nik_number=nik(11), phone="081299990000")
    asesi(kuta, marketing, "Lina Marlina", status=S.SCHEDULED, session=session(marketing, "51.03", "2026-12-01"))
    # a session of last year
    asesi(tuban, marketing, "Oka", status=S.NOT_YET_COMPETENT, session=session(marketing, "51.03", "2025-06-01"))
    # Denpasar: Fajar
    certified(serangan, marketing, "Fajar Nugraha", issued="2025-07-01", valid_until="2028-07-01",
              session=session(marketing, "51.71", "2026-04-01"))  # fmt: skip
    # management in Badung: two people of Tenun Tuban (one business), one of the draft business
    certified(tuban, management, "Hana", issued="2026-01-05", valid_until="2029-01-05")
    certified(tuban, management, "Indra", issued="2026-01-05", valid_until="2029-01-05")
    certified(draft, management, "Joko", issued="2026-01-05", valid_until="2029-01-05")
    # product certificates of Tenun Tuban
    ProductCertification.objects.create(business=tuban, kind=ProductCertificateKind.HALAL, number="ID51110000123",
                                        product_name="Kain tenun", issued_on=d("2025-01-01"))  # fmt: skip
    ProductCertification.objects.create(business=munggu, kind=ProductCertificateKind.SNI, number="SNI-7650-0042",
                                        issued_on=d("2022-01-01"), valid_until=d("2026-01-01"))  # fmt: skip
    ProductCertification.objects.create(business=serangan, kind=ProductCertificateKind.HALAL, number="ID51710000999",
                                        status=ProductCertificateStatus.ACTIVE)  # fmt: skip
    targets = {
        "badung": target("51.03", marketing, 10),
        "badung_all": target("51.03", management),
        "bali": target("51", marketing, 50),
        "denpasar": target("51.71", marketing, 5),
    }
    target("51.03", marketing, 8, year=YEAR - 1)  # another year
    return targets


def by_region(progress):
    return {(item.target.region_id, item.target.scheme.name): item for item in progress}


# --- the numbers ---------------------------------------------------------------------------------------------------


def test_a_number_target_counts_people_valid_at_the_years_end(bali):
    progress = by_region(target_progress("51.03", YEAR, actor=SYSTEM, today=TODAY))
    # not Bali's (above) nor Denpasar's (beside)
    assert set(progress) == {("51.03", "Pemasaran IKM"), ("51.03", "Pengelola IKM")}
    badung = progress["51.03", "Pemasaran IKM"]
    # Ayu once (one NIK at two businesses), Budi, Gita (the business's status is not asked for a number target);
    # not Citra (expired), Dewi (revoked), Eka (lapses on 30 December)
    assert (badung.goal, badung.achieved, str(badung.percent)) == (10, 3, "30.0")
    assert badung.waiting == 1  # Kiki; not Lina (scheduled)
    assert badung.sessions_held == 1  # March's; not December's (nobody assessed yet) nor last year's
    assert badung.expiring == 2  # Budi (31 March 2027) and Eka (30 December 2026); not Fajar (Denpasar)
    # the same window as the admin home's "Segera berakhir"
    listed = competency_expiring(
        Certificate.objects.in_region("51.03").filter(enrollment__scheme__name="Pemasaran IKM"), TODAY
    )
    assert listed.count() == badung.expiring
    assert [(area.name, area.goal, area.achieved, area.waiting) for area in badung.areas] == [
        ("Kuta", None, 1, 0),
        ("Mengwi", None, 2, 1),
    ]


def test_an_all_ikm_target_counts_registered_businesses_with_a_certified_person(bali):
    progress = by_region(target_progress("51.03", YEAR, actor=SYSTEM, today=TODAY))
    whole = progress["51.03", "Pengelola IKM"]
    # three registered businesses in Badung (the draft one is not); Tenun Tuban has two certified people
    assert (whole.goal, whole.achieved, str(whole.percent)) == (3, 1, "33.3")
    assert [(area.name, area.goal, area.achieved, str(area.percent)) for area in whole.areas] == [
        ("Kuta", 2, 1, "50.0"),
        ("Mengwi", 1, 0, "0.0"),
    ]


def test_an_all_ikm_targets_goal_from_the_stored_counts_equals_the_live_one(bali):
    """At national scale the goal of an "all IKM" target (registered businesses per area) is read from the stored
    directory counts, not counted on each report: the same numbers."""
    from businesses.services.directory_counts import refresh_directory_counts

    def goals():
        progress = by_region(target_progress("51.03", YEAR, actor=SYSTEM, today=TODAY))
        whole = progress["51.03", "Pengelola IKM"]
        return whole.goal, [(area.name, area.goal) for area in whole.areas]

    live = goals()
    refresh_directory_counts()
    with CaptureQueriesContext(connection) as captured:
        stored = goals()
    assert stored == live == (3, [("Kuta", 2), ("Mengwi", 1)])
    assert any("businesses_directorycount" in query["sql"] for query in captured.captured_queries)
    # A staff member of one kecamatan's regency sees the same through the stored counts; another region's nothing.
    assert target_progress("51.03", YEAR, actor=staff_user(StaffRole.OPERATOR, "51.71")) == []


def test_a_province_target_counts_its_regencies_and_breaks_down_per_regency(bali):
    progress = by_region(target_progress("51", YEAR, actor=SYSTEM, today=TODAY))
    assert len(progress) == 4
    province = progress["51", "Pemasaran IKM"]
    assert (province.achieved, province.sessions_held, province.waiting) == (4, 2, 1)
    assert [(area.name, area.achieved) for area in province.areas] == [("Kabupaten Badung", 3), ("Kota Denpasar", 1)]
    assert progress["51.71", "Pemasaran IKM"].achieved == 1


def test_a_past_year_counts_certificates_valid_then(bali):
    (badung,) = target_progress("51.03", YEAR - 1, actor=SYSTEM, today=TODAY)  # the fixture's target of 8
    # Ayu (2025), Budi, Citra (expired in 2026: valid at the end of 2025), Eka; not Dewi (revoked), Gita (2026)
    assert badung.achieved == 4


def test_another_regions_staff_see_no_targets_and_a_scheme_filter_keeps_one(bali, marketing):
    assert target_progress("51.03", YEAR, actor=staff_user(StaffRole.OPERATOR, "51.71")) == []
    only = target_progress("51", YEAR, actor=SYSTEM, scheme=marketing, today=TODAY)
    assert {item.target.scheme_id for item in only} == {marketing.pk}


def test_the_queries_do_not_grow_with_the_rows(bali, marketing, management):
    def count():
        with CaptureQueriesContext(connection) as captured:
            target_progress("51", YEAR, actor=SYSTEM, today=TODAY)
        return len(captured.captured_queries)

    before = count()
    for n in range(30):
        place = business(["51.03.01.1001", "51.03.02.2001", "51.71.01.2007"][n % 3], f"Usaha Tambahan {n}")
        certified(place, [marketing, management][n % 2], f"Orang {n}", issued="2026-01-01", valid_until="2029-01-01")
        asesi(place, marketing, f"Menunggu {n}", status=S.REGISTERED)
    target("51.71", management)
    assert count() == before <= 8


# --- the reports ---------------------------------------------------------------------------------------------------


def render(name, user, **data):
    report = get_report(name)
    form = report.form_class(data=data, user=user)
    assert form.is_valid(), form.errors
    pdf = report_render(report=report(), user=user, params=form.cleaned_data, filter_description=form.describe())
    return pdf_text(pdf)


def assert_no_personal_contacts(text):
    for private in (nik(1), nik(3), nik(11), "081234567890", "081299990000", "0812", "@contoh.id"):
        assert private not in text


def test_progres_sertifikasi_prints_targets_areas_and_the_expiring_list(bali, lsp):
    # a certificate lapsing in 40 days, of a scheme without a target (the counts stay those of the data set)
    design = Scheme.objects.create(lsp=lsp, code="SKM/BNSP/00012/1/2020", name="Desain Kemasan")
    soon = timezone.localdate() + datetime.timedelta(days=40)
    tuban = Enrollment.objects.filter(name="Ni Luh Ayu").first().business
    certified(tuban, design, "Wayan Segera", issued="2024-01-01", valid_until=soon.isoformat(), nik_number=nik(7),
              phone="081377778888")  # fmt: skip
    text = render("progres-sertifikasi", staff_user(StaffRole.OPERATOR, "51.03"), region="51.03", year=str(YEAR))
    assert "PROGRES SERTIFIKASI KABUPATEN BADUNG TAHUN 2026" in text
    # target, achieved, %, waiting, sessions held (the expiring count depends on the day the test runs)
    assert re.search(r"Pemasaran IKM\s+Kabupaten(?: Badung)?\s+10\s+3\s+30,0\s+1\s+1\s", text)
    assert re.search(r"Pengelola IKM\s+Kabupaten(?: Badung)?\s+3\s+1\s+33,3\s+0\s+0\s", text)
    assert row_pattern("Kuta", "2", "1", "50,0", "0").search(text)  # the all-IKM target's kecamatan
    assert row_pattern("Mengwi", "2", "1").search(text)  # the number target's: Budi and Gita; Kiki waiting
    assert "Wayan Segera" in text and soon.strftime("%d-%m-%Y") in text and "Tenun Tuban" in text
    assert "Ni Luh Ayu" not in text  # valid long after the window
    assert_no_personal_contacts(text)
    assert nik(7) not in text and "081377778888" not in text
    log = ExportLog.objects.get()
    assert log.what == "report:progres-sertifikasi" and log.personal_data and not log.individual_data


def test_progres_sertifikasi_without_anyone_to_name_is_not_logged(bali):
    text = render("progres-sertifikasi", SYSTEM, region="51.71", year=str(YEAR - 1))
    assert "Belum ada target sertifikasi" in text
    assert not ExportLog.objects.exists()


def test_daftar_sertifikat_lists_competency_and_product_certificates(bali):
    user = staff_user(StaffRole.OPERATOR, "51.03")
    text = render("daftar-sertifikat", user, region="51.03")
    assert "DAFTAR SERTIFIKAT KABUPATEN BADUNG" in text
    for expected in ("Ni Luh Ayu", "Dewi Lestari", "Hana", "ID51110000123", "SNI-7650-0042", "Kain tenun", "Halal"):
        assert expected in text
    assert "Dicabut" in text and "Kedaluwarsa" in text and "Berlaku" in text
    assert "Garam Serangan" not in text and "Fajar Nugraha" not in text  # Denpasar
    assert_no_personal_contacts(text)
    log = ExportLog.objects.get()
    assert log.what == "report:daftar-sertifikat" and log.personal_data and log.row_count == 12


def test_daftar_sertifikat_of_one_kind(bali):
    text = render("daftar-sertifikat", SYSTEM, region="51", kind="halal")
    assert "ID51110000123" in text and "ID51710000999" in text
    assert "Ni Luh Ayu" not in text and "SNI-7650-0042" not in text
    assert "Sertifikat Halal" in text  # the filter as printed
    assert not ExportLog.objects.filter(personal_data=True).exists()


def test_certificate_list_rows_and_statuses(bali):
    rows = certificate_list("51.03", actor=SYSTEM, kind="", today=TODAY)
    assert len(rows) == 12  # ten competency certificates of Badung's asesi, two product certificates
    statuses = {(row["holder"] or row["number"]): row["status"] for row in rows}
    assert statuses["Citra Dewi"] == C.EXPIRED and statuses["Dewi Lestari"] == C.REVOKED
    assert statuses["SNI-7650-0042"] == C.EXPIRED  # active in the record, past its date
    assert statuses["ID51110000123"] == ProductCertificateStatus.ACTIVE  # halal: no date
    assert all("nik" not in row and "phone" not in row for row in rows)


def test_the_command_renders_progres_sertifikasi(bali, tmp_path):
    output = tmp_path / "progres.pdf"
    call_command(
        "render_report", "progres-sertifikasi", "--region", "51", "--year", str(YEAR), "--output", str(output),
        stdout=io.StringIO(),
    )  # fmt: skip
    text = pdf_text(output.read_bytes())
    assert "Kota Denpasar" in text and "Kabupaten Badung" in text


def test_the_form_refuses_a_region_outside_the_users_and_a_kecamatan(bali):
    form_class = get_report("progres-sertifikasi").form_class
    operator = staff_user(StaffRole.OPERATOR, "51.03")
    assert not form_class(data={"region": "51.71", "year": YEAR}, user=operator).is_valid()
    assert not form_class(data={"region": "51.03.01", "year": YEAR}, user=SYSTEM).is_valid()
    assert form_class(data={"region": "51.03", "year": YEAR}, user=SYSTEM).is_valid()


def test_a_long_daftar_sertifikat_is_joined_from_chunks_numbered_in_order(bali):
    report = get_report("daftar-sertifikat")
    form = report.form_class(data={"region": "51.03"}, user=SYSTEM)
    assert form.is_valid(), form.errors
    context = report().document_context(user=SYSTEM, params=form.cleaned_data, filter_description=form.describe())
    text = pdf_text(report().render_pdf(context, chunk_rows=5, workers=1))  # 12 rows: chunks of 4, 5 and 3
    pages = text.split("\f")[:-1]
    for number, page in enumerate(pages, start=1):
        assert re.findall(r"Halaman \d+ dari \d+", page) == [f"Halaman {number} dari {len(pages)}"]
    assert text.count("DAFTAR SERTIFIKAT KABUPATEN BADUNG") == 1
    assert [int(n) for n in re.findall(r"^\s*(\d+)\s+(?:Perak Kuta|Tenun Tuban|Anyaman Munggu|Draf Munggu)", text,
                                       re.M)] == list(range(1, 13))  # fmt: skip


def test_the_admin_reports_page_offers_both_and_queues_a_long_one(client, bali, settings):
    operator = staff_user(StaffRole.OPERATOR, "51.03")
    client.force_login(operator)
    page = client.get(reverse("admin:reports") + "?report=progres-sertifikasi").content.decode()
    assert "progres-sertifikasi" in page and "daftar-sertifikat" in page
    response = client.post(
        reverse("admin:reports") + "?report=progres-sertifikasi",
        {"report": "progres-sertifikasi", "region": "51.03", "year": YEAR},
    )
    assert response["Content-Type"] == "application/pdf"
    settings.REPORT_BACKGROUND_ROWS = 5
    response = client.post(
        reverse("admin:reports") + "?report=daftar-sertifikat", {"report": "daftar-sertifikat", "region": "51.03"}
    )
    assert response.status_code == 302 and response["Location"] == reverse("admin:report_jobs")
    job = Job.objects.get()
    assert (report_name(job), report_data(job)["region"]) == ("daftar-sertifikat", "51.03")
