"""`import_participants`: a daftar hadir typed into Excel, through the core import engine — each kind of bad value
named by row and column, nothing half-written, attendance per session, and re-importing changes nothing."""

import io

import openpyxl
import pytest
from django.core.management import CommandError, call_command

from events.choices import CheckInMethod, EventStatus, RegistrationStatus
from events.models import Attendance, Registration
from ikm_registry.choices import StaffRole
from ikm_registry.models import TabularImport, TransitionLog
from tests.factories import BusinessFactory, make_event, make_village, staff_user

pytestmark = pytest.mark.usefixtures("bali_regions")
HEADER = "nama;jenis_kelamin;kategori;instansi;nib;nik;telepon;email;hadir_1;hadir_2;hadir_3"


def sheet(tmp_path, *rows, name="hadir.csv"):
    path = tmp_path / name
    path.write_text("\n".join([HEADER, *rows]) + "\n", encoding="utf-8")
    return path


def run(path, event, *args):
    out, err = io.StringIO(), io.StringIO()
    call_command("import_participants", str(path), "--event", event.code, *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


@pytest.fixture
def event():
    return make_event(status=EventStatus.COMPLETED, days=3, quota=2, code="PLT-2026-07")


def test_a_typed_daftar_hadir_registers_people_with_their_sessions_and_a_second_run_changes_nothing(event, tmp_path):
    business = BusinessFactory(village=make_village("51.03.01.1001"), nib="1234567890123")
    path = sheet(
        tmp_path,
        "Ni Luh Ayu;P;pelaku ikm;Tenun Ayu;1234567890123;;081234567890;;v;✓;x",
        "I Made Wira;L;;;;;;wira@contoh.id;1;;hadir",
        "Dr. Sari;perempuan;Akademisi;Universitas Pendidikan Ganesha;;;;;ya;-;0",
    )
    out, _err = run(path, event)
    assert "3 baris: 3 baru" in out
    ayu = Registration.objects.get(name="Ni Luh Ayu")
    assert (ayu.status, ayu.business, ayu.category) == (RegistrationStatus.CONFIRMED, business, "pelaku_ikm")
    assert (
        Registration.objects.filter(event=event, status=RegistrationStatus.CONFIRMED).count() == 3
    )  # quota 2: the sheet records who came
    sessions = list(event.sessions.all())
    attended = {
        (a.registration.name, sessions.index(a.session) + 1)
        for a in Attendance.objects.select_related("registration", "session")
    }
    assert attended == {
        ("Ni Luh Ayu", 1),
        ("Ni Luh Ayu", 2),
        ("Ni Luh Ayu", 3),
        ("I Made Wira", 1),
        ("I Made Wira", 3),
        ("Dr. Sari", 1),
    }
    assert set(Attendance.objects.values_list("method", flat=True)) == {CheckInMethod.IMPORT}
    created = TransitionLog.objects.filter(content_type__model="registration", action="create")
    assert created.count() == 3 and set(created.values_list("actor_label", flat=True)) == {
        "manage.py import_participants"
    }
    assert TabularImport.objects.get().kind == "participants"

    out, _err = run(path, event)
    assert "3 tetap" in out and Attendance.objects.count() == 6 and Registration.objects.count() == 3

    # a later sheet marks Wira present on day 2 and corrects his category: one update, one new attendance
    path = sheet(tmp_path, "I Made Wira;L;umum;;;;;wira@contoh.id;;v;", name="koreksi.csv")
    out, _err = run(path, event)
    assert "1 diperbarui" in out
    assert Registration.objects.get(name="I Made Wira").category == "umum" and Attendance.objects.count() == 7


@pytest.mark.parametrize(
    ("row", "column", "reason"),
    [
        (";P;;;;;081200000001;;v;;", "nama", "Wajib diisi"),
        ("Ayu;X;;;;;081200000001;;v;;", "jenis_kelamin", "L (laki-laki) atau P"),
        ("Ayu;P;pengusaha besar;;;;081200000001;;v;;", "kategori", "Isi salah satu dari"),
        ("Ayu;P;;;9999999999999;;081200000001;;v;;", "nib", "tidak dikenal"),
        ("Ayu;P;;;;123;081200000001;;v;;", "nik", "16"),
        ("Ayu;P;;;;;12ab;;v;;", "telepon", ""),
        ("Ayu;P;;;;;081200000001;bukan-email;v;;", "email", ""),
        ("Ayu;P;;;;;081200000001;;mungkin;;", "hadir_1", "Tulis v"),
    ],
)
def test_each_kind_of_bad_value_is_named_and_nothing_is_written(event, tmp_path, row, column, reason):
    path = sheet(tmp_path, "Baik;L;;;;;081200000009;;v;v;v", row)
    with pytest.raises(CommandError, match="1 baris tidak valid"):
        _out, err = run(path, event)
    _out, err = io.StringIO(), io.StringIO()
    with pytest.raises(CommandError):
        call_command("import_participants", str(path), "--event", event.code, stdout=_out, stderr=err)
    assert f"baris 3, kolom {column}" in err.getvalue() and reason in err.getvalue()
    assert not Registration.objects.exists() and not Attendance.objects.exists()


def test_the_same_person_twice_in_a_sheet_is_refused(event, tmp_path):
    path = sheet(tmp_path, "Ayu;P;;;;;081200000001;;v;;", "Ayu Lagi;P;;;;;081200000001;;;v;")
    _out, err = io.StringIO(), io.StringIO()
    with pytest.raises(CommandError):
        call_command("import_participants", str(path), "--event", event.code, stdout=_out, stderr=err)
    assert "baris 3, kolom nama: Orang yang sama dengan baris 2" in err.getvalue()


def test_skip_invalid_writes_the_good_rows_and_another_regions_operator_is_refused(event, tmp_path):
    path = sheet(tmp_path, "Ayu;P;;;;;081200000001;;v;;", "Rusak;Q;;;;;081200000002;;;;")
    out, _err = run(path, event, "--skip-invalid")
    assert list(Registration.objects.values_list("name", flat=True)) == ["Ayu"]
    assert (tmp_path / "hadir.rejects.csv").exists()
    denpasar = staff_user(StaffRole.OPERATOR, "51.71", username="op.denpasar")
    with pytest.raises(CommandError, match="tidak ditemukan atau di luar wilayah Anda"):
        run(path, event, "--user", denpasar.username)


def test_an_xlsx_sheet_with_spreadsheet_dates_and_the_event_by_id(event, tmp_path):
    workbook = openpyxl.Workbook()
    sheet_ = workbook.active
    sheet_.append(HEADER.split(";"))
    sheet_.append(["Ni Komang", "P", None, None, None, None, "081200000003", None, "v", None, None])
    path = tmp_path / "hadir.xlsx"
    workbook.save(path)
    call_command("import_participants", str(path), "--event", str(event.pk), stdout=io.StringIO(), stderr=io.StringIO())
    assert Registration.objects.get().name == "Ni Komang"
    with pytest.raises(CommandError, match="No event"):
        call_command("import_participants", str(path), "--event", "TIDAK-ADA", stdout=io.StringIO())
