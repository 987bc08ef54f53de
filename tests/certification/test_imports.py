"""`import_certificates` (an LSP's result sheet) and `import_product_certificates` through the core import engine:
each kind of bad value named by row and column, nothing half-written, dry runs, re-imports that change nothing,
derived expiry dates, and history naming who imported."""

import datetime
import io

import openpyxl
import pytest
from django.core.management import CommandError, call_command

from certification.choices import CertificateStatus, EnrollmentStatus
from certification.models import AssessmentSession, Certificate, Enrollment, Lsp, ProductCertification, Scheme, Tuk
from certification.services.enrollment import enrol, schedule
from ikm_registry.choices import StaffRole
from ikm_registry.models import TabularImport, TransitionLog
from tests.factories import BusinessFactory, ProductFactory, make_region, staff_user

pytestmark = pytest.mark.usefixtures("bali_regions")

CODE = "SKM/BNSP/00010/1/2020"
NIB = "1234567890123"
FOREIGN_NIB = "1234567890999"  # a business in Kota Denpasar
OWNER_NIK = "5103010107900002"
RESULTS = (
    "nama;nik;nib;jabatan;skema;lsp;tanggal_uji;hasil;nomor_sertifikat;nomor_registrasi;tanggal_terbit;berlaku_sampai"
)
PRODUCTS = "nib;nama_usaha;nama_pemilik;kode_wilayah;jenis;nomor;produk;penerbit;tanggal_terbit;berlaku_sampai;tanggal_permohonan"
AYU_K = f"Ni Luh Ayu;;{NIB};pemilik;{CODE};;23/05/2024;K;62090 2414 5 0000001 2024;REG-001;01-06-2024;"
WIRA_BK = f"I Made Wira;{OWNER_NIK};;;skm/bnsp/00010/1/2020;lsp kriya bali;2024-05-23;belum kompeten;;;;"


def sheet(tmp_path, header, *rows, name="hasil.csv"):
    path = tmp_path / name
    path.write_text("\n".join([header, *rows]) + "\n", encoding="utf-8")
    return path


def run(command, path, *args):
    out, err = io.StringIO(), io.StringIO()
    try:
        call_command(command, str(path), *args, stdout=out, stderr=err)
    except CommandError as error:
        raise CommandError(f"{error}\n{err.getvalue()}") from error
    return out.getvalue(), err.getvalue()


def refused(command, path, *args) -> str:
    """The error output of a run that writes nothing."""
    err = io.StringIO()
    with pytest.raises(CommandError, match="Tidak ada yang ditulis"):
        call_command(command, str(path), *args, stdout=io.StringIO(), stderr=err)
    return err.getvalue()


@pytest.fixture
def user(bali_regions):
    return staff_user(StaffRole.OPERATOR, "51.03", username="op.badung")


@pytest.fixture
def scheme(bali_regions):
    lsp = Lsp.objects.create(name="LSP Kriya Bali", region=bali_regions.badung)
    return Scheme.objects.create(lsp=lsp, code=CODE, name="Pengelola Usaha Batik", validity_months=36)


@pytest.fixture
def businesses(bali_regions):
    """Tenun Ayu (NIB) in Tuban and Keripik Bu Made (no NIB, owner with a NIK) in Munggu, both in Badung; one in
    Denpasar, outside the operator's region."""
    ayu = BusinessFactory(village=bali_regions.tuban, nib=NIB, name="Tenun Ayu", owner__name="Ni Luh Ayu")
    made = BusinessFactory(
        village=bali_regions.munggu, name="Keripik Bu Made", owner__name="Made Sari", owner__nik=OWNER_NIK
    )
    foreign = BusinessFactory(village=bali_regions.serangan, nib=FOREIGN_NIB, name="Endek Serangan")
    return ayu, made, foreign


# --- the result sheet ------------------------------------------------------------------------------------------


def test_a_result_sheet_records_asesi_and_certificates_and_a_second_run_changes_nothing(
    tmp_path, user, scheme, businesses
):
    ayu_business, made_business, _foreign = businesses
    path = sheet(tmp_path, RESULTS, AYU_K, WIRA_BK)
    out, _err = run("import_certificates", path, "--user", user.username)
    assert "2 baris: 2 baru" in out

    ayu = Enrollment.objects.get(name="Ni Luh Ayu")
    assert (ayu.business, ayu.scheme, ayu.role, ayu.status, ayu.assessed_on, ayu.created_by) == (
        ayu_business,
        scheme,
        "pemilik",
        EnrollmentStatus.COMPETENT,
        datetime.date(2024, 5, 23),
        user,
    )
    certificate = ayu.certificate
    assert (certificate.number, certificate.registration_number, certificate.status) == (
        "62090 2414 5 0000001 2024",
        "REG-001",
        CertificateStatus.ACTIVE,
    )
    # the scheme's 36 months and first surveillance after 12
    assert (certificate.issued_on, certificate.valid_until, certificate.surveillance_due) == (
        datetime.date(2024, 6, 1),
        datetime.date(2027, 6, 1),
        datetime.date(2025, 6, 1),
    )
    wira = Enrollment.objects.get(name="I Made Wira")  # found by the owner's NIK
    assert (wira.business, wira.role, wira.status, wira.nik) == (
        made_business,
        "pengelola",
        EnrollmentStatus.NOT_YET_COMPETENT,
        OWNER_NIK,
    )
    assert not Certificate.objects.filter(enrollment=wira).exists()

    created = TransitionLog.objects.filter(action="create")
    assert sorted(created.values_list("content_type__model", "to_state")) == [
        ("certificate", "active"),
        ("enrollment", "competent"),
        ("enrollment", "not_yet"),
    ]
    assert set(created.values_list("actor", flat=True)) == {user.pk}
    assert set(Enrollment.history.values_list("history_user", flat=True)) == {user.pk}
    assert set(Certificate.history.values_list("history_user", flat=True)) == {user.pk}
    assert TabularImport.objects.get().kind == "certificates"

    out, _err = run("import_certificates", path, "--user", user.username)
    assert "2 baris: 0 baru, 0 diperbarui, 2 tetap" in out
    assert (Enrollment.objects.count(), Certificate.objects.count(), Enrollment.history.count()) == (2, 1, 2)


def test_a_corrected_sheet_updates_the_certificate_instead_of_adding_one(tmp_path, user, scheme, businesses):
    run("import_certificates", sheet(tmp_path, RESULTS, AYU_K), "--user", user.username)
    corrected = (
        f"NI LUH AYU;;{NIB};;{CODE};;23/05/2024;kompeten;62090 2414 5 0000001 2024;REG-002;01-06-2024;31/12/2026"
    )
    out, _err = run("import_certificates", sheet(tmp_path, RESULTS, corrected, name="b.csv"), "--user", user.username)
    assert "1 diperbarui" in out
    certificate = Certificate.objects.get()
    assert (certificate.registration_number, certificate.valid_until) == ("REG-002", datetime.date(2026, 12, 31))
    enrollment = Enrollment.objects.get()
    assert (enrollment.name, enrollment.role) == ("Ni Luh Ayu", "pemilik")  # a blank or same-but-case cell keeps it
    latest = certificate.history.first()
    assert (latest.history_type, latest.history_user) == ("~", user)


def test_a_later_assessment_with_another_certificate_is_not_taken_for_a_correction(tmp_path, user, scheme, businesses):
    run("import_certificates", sheet(tmp_path, RESULTS, AYU_K), "--user", user.username)
    rcc = AYU_K.replace("23/05/2024;K;62090 2414 5 0000001 2024", "20/05/2027;K;62090 2414 5 0000777 2027")
    err = refused("import_certificates", sheet(tmp_path, RESULTS, rcc, name="rcc.csv"), "--user", user.username)
    assert (
        "baris 2, kolom nomor_sertifikat: Asesi ini sudah tercatat kompeten dengan sertifikat 62090 2414 5 0000001 2024"
        in err
    )
    # the same assessment with a corrected issue date moves the derived dates
    out, _err = run(
        "import_certificates",
        sheet(tmp_path, RESULTS, AYU_K.replace("01-06-2024", "03-06-2024"), name="b.csv"),
        "--user",
        user.username,
    )
    assert "1 diperbarui" in out
    certificate = Certificate.objects.get()
    assert (certificate.valid_until, certificate.surveillance_due) == (
        datetime.date(2027, 6, 3),
        datetime.date(2025, 6, 3),
    )


@pytest.mark.parametrize(
    ("row", "column", "reason"),
    [
        (";;{nib};;{code};;;K;N-2;;01/06/2024;", "nama", "Wajib diisi"),
        ("Sari;;{nib};;SKM-LAIN;;;K;N-2;;01/06/2024;", "skema", "Skema SKM-LAIN tidak dikenal"),
        ("Sari;;{nib};;{code};LSP Lain;;K;N-2;;01/06/2024;", "lsp", "LSP LSP Lain tidak dikenal"),
        ("Sari;;9999999999999;;{code};;;K;N-2;;01/06/2024;", "nib", "tidak terdaftar"),
        ("Sari;;{foreign};;{code};;;K;N-2;;01/06/2024;", "nib", "di luar wilayah Anda"),
        ("Sari;;;;{code};;;K;N-2;;01/06/2024;", "nib", "Isi NIB"),
        ("Sari;5171010107900003;;;{code};;;K;N-2;;01/06/2024;", "nik", "Tidak ada IKM"),
        ("Sari;;{nib};;{code};;;lulus;N-2;;01/06/2024;", "hasil", "K (kompeten) atau BK"),
        ("Sari;;{nib};;{code};;;K;;;01/06/2024;", "nomor_sertifikat", "Wajib diisi untuk asesi kompeten"),
        ("Sari;;{nib};;{code};;;K;N-2;;;", "tanggal_terbit", "Wajib diisi untuk asesi kompeten"),
        ("Sari;;{nib};;{code};;;BK;N-2;;;", "nomor_sertifikat", "tidak mendapat sertifikat"),
        ("Sari;;{nib};;{code};;31/02/2024;K;N-2;;01/06/2024;", "tanggal_uji", "Tulis tanggal"),
        ("Sari;;{nib};;{code};;15/06/2024;K;N-2;;01/06/2024;", "tanggal_terbit", "sebelum tanggal uji (15-06-2024)"),
        ("Sari;;{nib};;{code};;;K;N-2;;01/06/2024;01/01/2024", "berlaku_sampai", "sebelum tanggal terbit"),
        ("Sari;;{nib};direktur;{code};;;K;N-2;;01/06/2024;", "jabatan", "Isi salah satu dari"),
        ("Sari;123;{nib};;{code};;;K;N-2;;01/06/2024;", "nik", "16 angka"),
        ("Sari;;{nib};;{code};;;K;62090 2414 5 0000001 2024;;01/06/2024;", "nomor_sertifikat", "sama dengan baris 2"),
    ],
)
def test_each_kind_of_bad_value_is_named_and_nothing_is_written(
    tmp_path, user, scheme, businesses, row, column, reason
):
    path = sheet(tmp_path, RESULTS, AYU_K, row.format(nib=NIB, foreign=FOREIGN_NIB, code=CODE))
    err = refused("import_certificates", path, "--user", user.username)
    assert f"baris 3, kolom {column}: " in err and reason in err, err
    assert not Enrollment.objects.exists() and not Certificate.objects.exists()
    assert not TransitionLog.objects.exists()


def test_a_certificate_number_already_registered_in_the_same_lsp_is_refused(tmp_path, user, scheme, businesses):
    run("import_certificates", sheet(tmp_path, RESULTS, AYU_K), "--user", user.username)
    same_number = f"I Made Wira;{OWNER_NIK};;;{CODE};;;K;62090 2414 5 0000001 2024;;01/07/2024;"
    err = refused("import_certificates", sheet(tmp_path, RESULTS, same_number, name="b.csv"))
    assert "baris 2, kolom nomor_sertifikat: Nomor sertifikat ini sudah tercatat" in err
    # another LSP may use the same number
    other = Scheme.objects.create(
        lsp=Lsp.objects.create(name="LSP Lain", region=make_region("51.71")), code="X-1", name="Lain"
    )
    run("import_certificates", sheet(tmp_path, RESULTS, same_number.replace(CODE, other.code), name="c.csv"))
    assert Certificate.objects.count() == 2


def test_a_missing_required_column_refuses_the_file(tmp_path, user, scheme, businesses):
    path = sheet(tmp_path, RESULTS.replace(";skema", ""), AYU_K.replace(f";{CODE}", ""))
    with pytest.raises(CommandError, match="Kolom wajib tidak ada: skema"):
        call_command("import_certificates", str(path), stdout=io.StringIO(), stderr=io.StringIO())


def test_a_dry_run_writes_nothing(tmp_path, user, scheme, businesses):
    out, _err = run("import_certificates", sheet(tmp_path, RESULTS, AYU_K, WIRA_BK), "--dry-run")
    assert "2 baris: 2 baru" in out and "tidak ada yang ditulis" in out
    assert not Enrollment.objects.exists() and not Certificate.objects.exists() and not TabularImport.objects.exists()
    assert not TransitionLog.objects.exists()


def test_skip_invalid_writes_the_valid_rows_and_the_command_is_named_without_a_user(tmp_path, user, scheme, businesses):
    path = sheet(tmp_path, RESULTS, AYU_K, f"Rusak;;{NIB};;{CODE};;;lulus;;;;")
    run("import_certificates", path, "--skip-invalid")
    assert list(Enrollment.objects.values_list("name", flat=True)) == ["Ni Luh Ayu"]
    assert (tmp_path / "hasil.rejects.csv").exists()
    history = Enrollment.history.get()
    assert (history.history_user, history.history_change_reason) == (None, "import_certificates hasil.csv")
    assert set(TransitionLog.objects.values_list("actor_label", flat=True)) == {"manage.py import_certificates"}


def test_an_asesi_waiting_in_a_session_gets_the_result_through_the_workflow(tmp_path, user, scheme, businesses):
    ayu_business = businesses[0]
    tuk = Tuk.objects.create(lsp=scheme.lsp, name="TUK Tenun Ayu", region=make_region("51.03"))
    session = AssessmentSession.objects.create(
        scheme=scheme, tuk=tuk, start_date=datetime.date(2024, 5, 22), end_date=datetime.date(2024, 5, 23), capacity=5
    )
    waiting = enrol(actor=user, business=ayu_business, name="Ni Luh Ayu", role="pemilik", scheme=scheme)
    schedule(waiting, session, actor=user)
    out, _err = run("import_certificates", sheet(tmp_path, RESULTS, AYU_K), "--user", user.username)
    assert "1 diperbarui" in out
    enrollment = Enrollment.objects.get()
    assert (enrollment.pk, enrollment.status, enrollment.session) == (waiting.pk, EnrollmentStatus.COMPETENT, session)
    assert Certificate.objects.get().enrollment == enrollment
    steps = list(TransitionLog.objects.for_object(enrollment).order_by("at", "pk").values_list("action", "actor"))
    assert steps == [("create", user.pk), ("schedule", user.pk), ("assess", user.pk), ("competent", user.pk)]

    # one still waiting for a session cannot be given a result by a sheet
    enrol(actor=user, business=ayu_business, name="Putu Sari", scheme=scheme)
    err = refused("import_certificates", sheet(tmp_path, RESULTS, f"putu sari;;{NIB};;{CODE};;;BK;;;;", name="b.csv"))
    assert "baris 2, kolom nama: Asesi ini terdaftar menunggu jadwal uji" in err


def test_a_person_tested_again_after_bk_is_a_new_attempt_and_k_cannot_become_bk(tmp_path, user, scheme, businesses):
    run("import_certificates", sheet(tmp_path, RESULTS, WIRA_BK), "--user", user.username)
    again = f"I Made Wira;{OWNER_NIK};;;{CODE};;20/11/2024;K;62090 2414 5 0000009 2024;;25/11/2024;"
    path = sheet(tmp_path, RESULTS, again, name="ulang.csv")
    run("import_certificates", path, "--user", user.username)
    first, second = Enrollment.objects.order_by("pk")
    assert (first.status, second.status, second.previous) == (EnrollmentStatus.NOT_YET_COMPETENT, "competent", first)
    out, _err = run("import_certificates", path, "--user", user.username)
    assert "1 tetap" in out and Enrollment.objects.count() == 2

    # the same date again with another result is not a new test
    err = refused(
        "import_certificates",
        sheet(tmp_path, RESULTS, again.replace(";K;62090 2414 5 0000009 2024;;25/11/2024;", ";BK;;;;"), name="c.csv"),
    )
    assert "baris 2, kolom hasil: Tercatat kompeten" in err


def test_two_lsps_with_the_same_scheme_code_need_the_lsp_column(tmp_path, user, scheme, businesses):
    other = Lsp.objects.create(name="LSP Batik Nusantara", region=make_region("51.71"))
    Scheme.objects.create(lsp=other, code=CODE, name="Batik", validity_months=24)
    err = refused("import_certificates", sheet(tmp_path, RESULTS, AYU_K))
    assert "baris 2, kolom lsp: Kode skema" in err and "isi kolom lsp" in err
    run("import_certificates", sheet(tmp_path, RESULTS, AYU_K.replace(f"{CODE};;", f"{CODE};LSP Batik Nusantara;")))
    certificate = Certificate.objects.get()
    assert (certificate.enrollment.scheme.lsp, certificate.valid_until) == (other, datetime.date(2026, 6, 1))


def test_an_xlsx_sheet_with_spreadsheet_dates(tmp_path, user, scheme, businesses):
    workbook = openpyxl.Workbook()
    rows = workbook.active
    rows.append(RESULTS.split(";"))
    rows.append(
        [
            "Ni Luh Ayu",
            None,
            int(NIB),
            "Pemilik",
            CODE,
            None,
            datetime.datetime(2024, 5, 23),
            "K",
            "N-77",
            None,
            datetime.datetime(2024, 6, 1),
            None,
        ]
    )
    path = tmp_path / "hasil.xlsx"
    workbook.save(path)
    run("import_certificates", path, "--user", user.username)
    certificate = Certificate.objects.get()
    assert (certificate.enrollment.assessed_on, certificate.issued_on) == (
        datetime.date(2024, 5, 23),
        datetime.date(2024, 6, 1),
    )


# --- product certificates ----------------------------------------------------------------------------------------

HALAL = f"{NIB};;;;halal;ID51110000123450524;KAIN ENDEK;;15/05/2024;;"
PIRT = ";Keripik Bu Made;made sari;5103;P-IRT;206510301000129;Keripik Singkong;;15-03-2024;;"
MEREK = f"{NIB};;;;Merek;IDM000123456;;;;;2020-01-10"
BPOM = ";keripik bu made;Made Sari;51.03.02;BPOM MD;BPOM RI MD 123456789012;;;;2028-01-01;"


def test_product_certificates_with_their_rules_and_a_second_run_changes_nothing(tmp_path, user, businesses):
    ayu, made, _foreign = businesses
    endek = ProductFactory(business=ayu, name="Kain Endek")
    path = sheet(tmp_path, PRODUCTS, HALAL, PIRT, MEREK, BPOM, name="produk.csv")
    out, _err = run("import_product_certificates", path, "--user", user.username)
    assert "4 baris: 4 baru" in out

    halal = ProductCertification.objects.get(kind="halal")
    assert (halal.business, halal.product, halal.product_name, halal.issuer, halal.valid_until) == (
        ayu,
        endek,
        "",
        "BPJPH",
        None,
    )
    pirt = ProductCertification.objects.get(kind="pirt")
    # found by name, owner and kabupaten (undotted); five years from issue, within the year the number ends with
    assert (pirt.business, pirt.number, pirt.product, pirt.product_name) == (
        made,
        "2065103010001-29",
        None,
        "Keripik Singkong",
    )
    assert (pirt.valid_until, pirt.valid_until_derived) == (datetime.date(2029, 3, 15), True)
    merek = ProductCertification.objects.get(kind="merek")
    assert (merek.filed_on, merek.valid_until) == (datetime.date(2020, 1, 10), datetime.date(2030, 1, 10))
    bpom = ProductCertification.objects.get(kind="bpom_md")
    assert (bpom.business, bpom.number, bpom.valid_until, bpom.valid_until_derived) == (
        made,
        "MD123456789012",
        datetime.date(2028, 1, 1),
        False,
    )
    assert set(ProductCertification.history.values_list("history_user", flat=True)) == {user.pk}
    assert TabularImport.objects.get().kind == "product_certificates"

    out, _err = run("import_product_certificates", path, "--user", user.username)
    assert "4 baris: 0 baru, 0 diperbarui, 4 tetap" in out
    # the P-IRT number written another way is the same certificate; a typed expiry replaces the derived one
    path = sheet(
        tmp_path,
        PRODUCTS,
        PIRT.replace("206510301000129", "P-IRT No. 2065103010001-29").replace("15-03-2024;;", "15-03-2024;31/12/2028;"),
        name="ubah.csv",
    )
    out, _err = run("import_product_certificates", path, "--user", user.username)
    assert "1 diperbarui" in out and ProductCertification.objects.count() == 4
    pirt.refresh_from_db()
    assert (pirt.valid_until, pirt.valid_until_derived) == (datetime.date(2028, 12, 31), False)
    assert pirt.history.first().history_user == user


def test_a_pirt_without_an_issue_date_lasts_to_the_end_of_its_year(tmp_path, user, businesses):
    run("import_product_certificates", sheet(tmp_path, PRODUCTS, PIRT.replace("15-03-2024", "")))
    assert ProductCertification.objects.get().valid_until == datetime.date(2029, 12, 31)


@pytest.mark.parametrize(
    ("row", "column", "reason"),
    [
        (f"{NIB};;;;P-IRT;20651030100012;;;;;", "nomor", "15 angka"),
        (f"{NIB};;;;P-IRT;206517101000129;;;;;", "nomor", "bukan kabupaten/kota usaha ini"),
        (f"{NIB};;;;BPOM MD;ML 123456789012;;;;;", "nomor", "bukan MD"),
        (f"{NIB};;;;merek;IDM0001;;;;;", "tanggal_permohonan", "isi tanggal permohonan"),
        (f"{NIB};;;;halal;ID-1;;;01/06/2024;01/01/2024;", "berlaku_sampai", "sebelum tanggal terbit"),
        (f"{NIB};;;;sertifikat emas;X-1;;;;;", "jenis", "Isi salah satu dari"),
        (f"{NIB};;;;halal;;;;;;", "nomor", "Wajib diisi"),
        (f"{NIB};;;;halal;ID-1;;;32/01/2024;;", "tanggal_terbit", "Tulis tanggal"),
        ("9999999999999;;;;halal;ID-1;;;;;", "nib", "tidak terdaftar"),
        (f"{FOREIGN_NIB};;;;halal;ID-1;;;;;", "nib", "di luar wilayah Anda"),
        (";Endek Serangan;Pemilik X;5171;halal;ID-1;;;;;", "nama_usaha", "Tidak ada IKM"),
        (";;;;halal;ID-1;;;;;", "nama_usaha", "Isi nib, atau nama_usaha"),
        (";Tenun Ayu;Ni Luh Ayu;99.99;halal;ID-1;;;;;", "kode_wilayah", "tidak dikenal"),
        (HALAL, "nomor", "sama dengan baris 2"),
    ],
)
def test_each_bad_product_certificate_is_named_and_nothing_is_written(tmp_path, user, businesses, row, column, reason):
    path = sheet(tmp_path, PRODUCTS, HALAL, row, name="produk.csv")
    err = refused("import_product_certificates", path, "--user", user.username)
    assert f"baris 3, kolom {column}: " in err and reason in err, err
    assert not ProductCertification.objects.exists()


def test_a_business_outside_the_region_found_by_name_is_refused_and_dry_runs_write_nothing(tmp_path, user, businesses):
    foreign = businesses[2]
    row = f";{foreign.name};{foreign.owner.name};51.71.01.1001;halal;ID-1;;;;;"
    err = refused("import_product_certificates", sheet(tmp_path, PRODUCTS, row), "--user", user.username)
    assert "baris 2, kolom kode_wilayah: IKM ini berada di luar wilayah Anda." in err
    assert TabularImport.objects.get().state == TabularImport.State.FAILED  # the refused run is on record
    out, _err = run("import_product_certificates", sheet(tmp_path, PRODUCTS, HALAL, PIRT, name="b.csv"), "--dry-run")
    assert "2 baris: 2 baru" in out
    assert not ProductCertification.objects.exists() and TabularImport.objects.count() == 1
    run(
        "import_product_certificates",
        sheet(tmp_path, PRODUCTS, HALAL, row, name="c.csv"),
        "--user",
        user.username,
        "--skip-invalid",
    )
    assert list(ProductCertification.objects.values_list("kind", flat=True)) == ["halal"]
