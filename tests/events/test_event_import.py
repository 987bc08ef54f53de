"""`import_events`: an office's yearly programme through the core engine — sessions per day, partners and
speakers into the address book, the office by region code or the user's own, re-import idempotent."""

import io

import pytest
from django.core.management import CommandError, call_command

from events.choices import EventStatus
from events.models import Event, Institution, Session, Speaker
from ikm_registry.choices import StaffRole
from ikm_registry.models import TransitionLog
from tests.factories import make_region, office_for, staff_user

pytestmark = pytest.mark.usefixtures("bali_regions")
HEADER = ("kode_kegiatan;judul;jenis;tanggal_mulai;tanggal_selesai;tempat;kode_wilayah_tempat;penyelenggara;kuota;"
          "pendaftaran_mulai;pendaftaran_selesai;publik;mitra;narasumber;sumber_dana;anggaran;deskripsi")  # fmt: skip


def programme(tmp_path, *rows, name="program.csv"):
    path = tmp_path / name
    path.write_text("\n".join([HEADER, *rows]) + "\n", encoding="utf-8")
    return path


def run(path, *args):
    out, err = io.StringIO(), io.StringIO()
    call_command("import_events", str(path), *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_a_programme_becomes_planned_events_with_sessions_partners_and_speakers(tmp_path):
    office_for("51.03")
    make_region("73.71")  # Kota Makassar, for the studi tiru
    path = programme(
        tmp_path,
        "PLT-2026-01;Pelatihan Batik Dasar;pelatihan;23/05/2026;27-05-2026;Balai Desa;51.03;51.03;30;;;ya;"
        "Dekranasda Kabupaten Badung;Ibu Sri (Rumah Batik);apbd;45.000.000;Lima hari",
        "STT-2026-02;Studi Tiru ke Makassar;studi_tiru;2026-08-10;;;73.71;51.03;;;;tidak;TP PKK; ;dak_nonfisik;;",
    )
    out, _err = run(path)
    assert "2 baris: 2 baru" in out
    batik = Event.objects.get(code="PLT-2026-01")
    assert (batik.status, batik.quota, batik.budget_planned, batik.region_code) == (
        EventStatus.PLANNED,
        30,
        45_000_000,
        "51.03",
    )
    assert Session.objects.filter(event=batik).count() == 5
    assert list(batik.partners.values_list("name", flat=True)) == ["Dekranasda Kabupaten Badung"]
    assert list(batik.speakers.values_list("name", flat=True)) == ["Ibu Sri (Rumah Batik)"]
    trip = Event.objects.get(code="STT-2026-02")
    assert (trip.venue_region_id, trip.region_code, trip.is_public, trip.end_date) == (
        "73.71",
        "51.03",
        False,
        trip.start_date,
    )
    assert TransitionLog.objects.filter(content_type__model="event", action="create").count() == 2

    out, _err = run(path)
    assert "2 tetap" in out and Institution.objects.count() == 2 and Speaker.objects.count() == 1

    # a later file changes the quota and adds a partner already in the address book (typed differently)
    path = programme(
        tmp_path,
        "PLT-2026-01;Pelatihan Batik Dasar;pelatihan;23/05/2026;27/05/2026;;51.03;51.03;35;;;;tp  pkk;;;;",
        name="ubah.csv",
    )
    out, _err = run(path)
    assert "1 diperbarui" in out
    batik.refresh_from_db()
    assert batik.quota == 35 and set(batik.partners.values_list("name", flat=True)) == {
        "Dekranasda Kabupaten Badung",
        "TP PKK",
    }
    assert Institution.objects.count() == 2


def test_bad_rows_are_named_and_the_office_must_be_the_users_own(tmp_path):
    office_for("51.03")
    office_for("51.71")
    path = programme(
        tmp_path,
        "A-1;Workshop;seminar;01/02/2026;;;51.03;51.03;;;;;;;;;",
        "A-2;Workshop;workshop;31/02/2026;;;51.03;51.03;;;;;;;;;",
        "A-3;Workshop;workshop;01/03/2026;01/02/2026;;51.03;51.03;;;;;;;;;",
        "A-4;Workshop;workshop;01/03/2026;;;99.99;51.03;;;;;;;;;",
        "A-5;Workshop;workshop;01/03/2026;;;51.03;;;;;;;;;;",
        "A-1;Lagi;workshop;01/03/2026;;;51.03;51.03;;;;;;;;;",
    )
    err = io.StringIO()
    with pytest.raises(CommandError, match="6 baris tidak valid"):
        call_command("import_events", str(path), stdout=io.StringIO(), stderr=err)
    text = err.getvalue()
    for expected in ("baris 2, kolom jenis", "baris 3, kolom tanggal_mulai", "baris 4, kolom tanggal_selesai",
                     "baris 5, kolom kode_wilayah_tempat", "baris 6, kolom penyelenggara", "baris 7, kolom kode_kegiatan"):  # fmt: skip
        assert expected in text, expected
    assert not Event.objects.exists()

    # with --user the office is the user's own; another office's region is refused
    operator = staff_user(StaffRole.OPERATOR, "51.03", username="op.badung")
    path = programme(tmp_path, "B-1;Bimtek Kemasan;bimtek;01/03/2026;;;51.03;;;;;;;;;;",
                     "B-2;Bimtek Lain;bimtek;01/03/2026;;;51.71;51.71;;;;;;;;;", name="op.csv")  # fmt: skip
    err = io.StringIO()
    with pytest.raises(CommandError):
        call_command("import_events", str(path), "--user", operator.username, stdout=io.StringIO(), stderr=err)
    assert "baris 3, kolom penyelenggara: Tidak ada kantor 51.71 di wilayah Anda." in err.getvalue()
    run(path, "--user", operator.username, "--skip-invalid")
    assert list(Event.objects.values_list("code", "region_code")) == [("B-1", "51.03")]
