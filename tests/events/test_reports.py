"""The event reports, checked by their text (pdftotext): daftar hadir, participation certificates, laporan kegiatan,
rekap kegiatan — scoped to the user's events and logged when they hold names."""

import io

import pytest
from django.core.management import CommandError, call_command

from events.choices import EventStatus
from events.models import Registration
from events.services.attendance import certificates_issue, check_in
from events.services.registration import registration_create
from ikm_registry.choices import StaffRole
from ikm_registry.models import ExportLog
from ikm_registry.reports import get_report, report_render
from tests.factories import SYSTEM, make_event, person, staff_user
from tests.reports import pdf_text

pytestmark = pytest.mark.usefixtures("bali_regions")


@pytest.fixture
def training():
    """Three days, three participants: Ayu came every day, Wira one day, Sari twice (2 of 3 < 80 %)."""
    event = make_event(status=EventStatus.ONGOING, days=3, code="PLT-07", title="Pelatihan Anyaman Bambu")
    ayu, wira, sari = (
        registration_create(event=event, data=person(n, name=name, sex=sex, category=category), actor=SYSTEM)
        for n, name, sex, category in ((1, "Ni Luh Ayu", "P", "pelaku_ikm"), (2, "I Made Wira", "L", "pelaku_ikm"),
                                       (3, "Ni Kadek Sari", "P", "mahasiswa"))
    )  # fmt: skip
    sessions = list(event.sessions.all())
    for session in sessions:
        check_in(session=session, registration=ayu, actor=SYSTEM)
    check_in(session=sessions[0], registration=wira, actor=SYSTEM)
    for session in sessions[:2]:
        check_in(session=session, registration=sari, actor=SYSTEM)
    return event


def render(name, user, **data):
    report = get_report(name)
    form = report.form_class(data=data, user=user)
    assert form.is_valid(), form.errors
    return pdf_text(
        report_render(report=report(), user=user, params=form.cleaned_data, filter_description=form.describe())
    )


def test_daftar_hadir_has_a_sheet_per_session_with_every_participant_and_blank_rows(training):
    operator = staff_user(StaffRole.OPERATOR, "51.03")
    text = render("daftar-hadir", operator, event="PLT-07")
    assert text.count("DAFTAR HADIR") == 3
    assert [": 1 dari 3", ": 2 dari 3", ": 3 dari 3"] == [
        part for part in (": 1 dari 3", ": 2 dari 3", ": 3 dari 3") if part in text
    ]
    for name in ("Ni Luh Ayu", "I Made Wira", "Ni Kadek Sari"):
        assert text.count(name) == 3
    assert "13." in text  # ten blank rows after the three participants
    log = ExportLog.objects.get()
    assert log.personal_data and log.what == "report:daftar-hadir" and log.row_count == 3


def test_certificates_only_for_those_who_met_the_rule_each_with_its_number_and_verification(training):
    operator = staff_user(StaffRole.OPERATOR, "51.03")
    text = render("sertifikat-peserta", operator, event=str(training.pk))
    assert "Belum ada sertifikat bernomor" in text
    certificates_issue(training, actor=SYSTEM)
    text = render("sertifikat-peserta", operator, event="PLT-07")
    ayu = Registration.objects.get(name="Ni Luh Ayu")
    assert "Ni Luh Ayu" in text and "PLT-07/0001" in text and ayu.certificate_code in text
    assert "I Made Wira" not in text and "Ni Kadek Sari" not in text


def test_laporan_kegiatan_counts_participants_attendance_and_budget(training):
    training.budget_planned, training.budget_realised = 10_000_000, 9_000_000
    training.results = "Peserta mampu menganyam tas bambu."
    training.save()
    text = render("laporan-kegiatan", staff_user(StaffRole.OFFICIAL, "51.03"), event="PLT-07")
    assert "LAPORAN KEGIATAN PELATIHAN ANYAMAN BAMBU" in text
    assert "Peserta mampu menganyam tas bambu." in text
    assert "Rp 10.000.000" in text and "Rp 9.000.000 (90%)" in text
    lines = {line.split()[0]: line.split() for line in text.splitlines() if line.strip()}
    assert lines["Mahasiswa"][-3:] == ["0", "1", "1"]
    assert "Ni Luh Ayu" not in text  # counts, not names
    assert not ExportLog.objects.exists()


def test_rekap_kegiatan_per_kind_and_month_in_the_users_region(training):
    make_event("51.71", title="Temu Usaha Denpasar", kind="temu_usaha", start_date=training.start_date)
    year = training.start_date.year
    text = render("rekap-kegiatan", staff_user(StaffRole.PROVINCE, "51"), region="51", year=str(year))
    assert "Pelatihan Anyaman Bambu" in text and "Temu Usaha Denpasar" in text
    text = render("rekap-kegiatan", staff_user(StaffRole.OPERATOR, "51.03"), region="51.03", year=str(year))
    assert "Pelatihan Anyaman Bambu" in text and "Temu Usaha Denpasar" not in text


def test_another_regions_event_cannot_be_chosen_and_the_command_takes_a_code(training, tmp_path):
    report = get_report("daftar-hadir")
    form = report.form_class(data={"event": "PLT-07"}, user=staff_user(StaffRole.OPERATOR, "51.71"))
    assert not form.is_valid() and "di luar wilayah kerja Anda" in str(form.errors)
    output = tmp_path / "hadir.pdf"
    call_command("render_report", "daftar-hadir", "--event", "plt-07", "--output", str(output), stdout=io.StringIO())
    assert "Ni Luh Ayu" in pdf_text(output.read_bytes())
    with pytest.raises(CommandError, match="--event"):
        call_command(
            "render_report", "daftar-hadir", "--event", "TIDAK-ADA", "--output", str(output), stdout=io.StringIO()
        )
