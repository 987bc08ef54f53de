"""Certification's rules and services: P-IRT numbers, the expiry of each kind of product certificate, session
capacity (also with two schedulers racing for the last place on PostgreSQL), the K/BK flow of an asesi, competency
certificates revoked, expired and renewed, the daily notify_expiring digest, the directory's `sertifikat` filter and
the profile's badges, /verifikasi/, and the session planner."""

from __future__ import annotations

import datetime
import itertools
import re
import threading
from io import StringIO

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import CommandError, call_command
from django.urls import reverse
from django.utils import timezone

from businesses.choices import BusinessStatus
from certification import expiry, planner, product_rules
from certification.choices import (
    CertificateStatus,
    EnrollmentStatus,
    ProductCertificateKind,
    ProductCertificateStatus,
)
from certification.models import (
    AssessmentSession,
    Assessor,
    Certificate,
    Enrollment,
    Lsp,
    ProductCertification,
    Scheme,
    Tuk,
)
from certification.product_rules import add_months, parse_pirt
from certification.services import enrollment as service
from certification.services.workflow import CERTIFICATE_WORKFLOW
from ikm_registry.choices import StaffRole
from ikm_registry.models import ExpiryDigest, TransitionLog
from tests.factories import SYSTEM, BusinessFactory, make_event, make_region, office_for, staff_user

pytestmark = pytest.mark.usefixtures("bali_regions")

K = ProductCertificateKind
S = EnrollmentStatus
C = CertificateStatus
_serial = itertools.count(1)

# A valid P-IRT number: plastic (2), food type 05, Kota Denpasar (51.71), product 01, IRTP 0001, valid to 2029.
PIRT_DENPASAR = "2055171010001-29"


def d(text: str) -> datetime.date:
    return datetime.date.fromisoformat(text)


def today() -> datetime.date:
    return timezone.localdate()


# --- data ---------------------------------------------------------------------------------------------------------


@pytest.fixture
def lsp(bali_regions):
    return Lsp.objects.create(name="LSP Pemasaran Bali", region=bali_regions.bali)


@pytest.fixture
def scheme(lsp):
    return Scheme.objects.create(lsp=lsp, code="SKM/LSP-PB/01/2024", name="Pemasaran Produk IKM", validity_months=36,
                                 surveillance_months=12)  # fmt: skip


@pytest.fixture
def operator():
    return staff_user(StaffRole.OPERATOR, "51.03")


def business(village: str = "51.03.01.1001", **fields):
    return BusinessFactory(village=make_region(village), **fields)


def session(scheme, region: str = "51.03", *, start: datetime.date | None = None, capacity: int = 20):
    """A session at a TUK of the scheme's LSP in `region`, held (by default) ten days ago."""
    start = start or today() - datetime.timedelta(days=10)
    tuk = Tuk.objects.create(lsp=scheme.lsp, name=f"TUK {next(_serial)}", region=make_region(region))
    return AssessmentSession.objects.create(scheme=scheme, tuk=tuk, start_date=start, end_date=start,
                                            capacity=capacity)  # fmt: skip


def enrol(business, scheme, actor, name: str = "Ni Made Sari", **fields) -> Enrollment:
    return service.enrol(actor=actor, business=business, scheme=scheme, name=name, **fields)


def assessed(business, scheme, actor, *, held=None, competent=True, **fields) -> Enrollment:
    """An asesi scheduled into a held session and found K (or BK)."""
    held = held or session(scheme)
    enrollment = service.schedule(enrol(business, scheme, actor, **fields), held, actor=actor)
    return service.record_result(enrollment, competent, actor=actor)


def certified(business, scheme, actor, *, issued_on=None, valid_until=None, **fields) -> Certificate:
    enrollment = assessed(business, scheme, actor, **fields)
    return service.issue_certificate(enrollment, actor=actor, number=f"NO.{next(_serial):05d}/LSP-PB/2026",
                                     issued_on=issued_on or today(), valid_until=valid_until)  # fmt: skip


def old_certificate(business, scheme, actor, *, valid_until, **fields) -> Certificate:
    """A certificate issued years ago (from a session held then) valid until `valid_until`."""
    held = session(scheme, start=d("2020-01-10"))
    enrollment = assessed(business, scheme, actor, held=held, **fields)
    return service.issue_certificate(enrollment, actor=actor, number=f"NO.{next(_serial):05d}/LSP-PB/2020",
                                     issued_on=d("2020-02-01"), valid_until=valid_until)  # fmt: skip


def product(business, kind, number, **fields) -> ProductCertification:
    certificate = ProductCertification(business=business, kind=kind, number=number, **fields)
    certificate.full_clean()
    certificate.save()
    return certificate


# --- P-IRT numbers ------------------------------------------------------------------------------------------------


def test_a_pirt_number_is_taken_apart():
    number = parse_pirt(PIRT_DENPASAR)
    assert (number.packaging, number.food_type, number.regency_code) == ("2", "05", "51.71")
    assert (number.product_serial, number.irtp_serial, number.expiry_year) == ("01", "0001", 2029)
    assert number.printed == PIRT_DENPASAR
    assert str(number.packaging_label) == "plastik"


@pytest.mark.parametrize("written", ["P-IRT No. 2055171010001-29", "PIRT 2055171010001-29", "SPP-IRT Nomor "
                                     "2055171010001 29", "P-IRT No: 2055171010001-29", "205.5171.010001-29",
                                     "205517101000129"])  # fmt: skip
def test_a_pirt_number_is_read_however_it_is_written(written):
    assert parse_pirt(written).digits == "205517101000129"


@pytest.mark.parametrize(("written", "problem"), [
    ("20551710100012", "15 angka; yang tertulis 14"),
    ("2055171010001299", "15 angka; yang tertulis 16"),
    ("0055171010001-29", "harus 1–8, bukan 0"),
    ("9055171010001-29", "harus 1–8, bukan 9"),
    ("2050071010001-29", "kode provinsi dan kabupaten/kota"),
    ("2055100010001-29", "kode provinsi dan kabupaten/kota"),
    ("20551A1010001-29", "hanya berisi angka"),
])  # fmt: skip
def test_a_wrong_pirt_number_is_refused_naming_what_is_wrong(written, problem):
    with pytest.raises(ValidationError) as error:
        parse_pirt(written)
    assert problem in error.value.messages[0]


def test_the_pirt_expiry_is_five_years_from_issue_in_the_year_the_number_names():
    number = parse_pirt(PIRT_DENPASAR)
    assert product_rules.pirt_expiry(number, d("2024-03-15")) == d("2029-03-15")
    # five years after issue falls in another year than the number's: the end of the number's year
    assert product_rules.pirt_expiry(number, d("2020-01-01")) == d("2029-12-31")
    assert product_rules.pirt_expiry(number, None) == d("2029-12-31")


def test_a_pirt_certificate_is_issued_by_the_regency_of_its_business():
    denpasar = business("51.71.01.1001")
    certificate = product(denpasar, K.PIRT, f"P-IRT No. {PIRT_DENPASAR}", issued_on=d("2024-03-15"))
    assert certificate.number == PIRT_DENPASAR  # stored as printed
    assert (certificate.valid_until, certificate.valid_until_derived) == (d("2029-03-15"), True)
    badung = business("51.03.01.1001")
    with pytest.raises(ValidationError) as error:
        product(badung, K.PIRT, PIRT_DENPASAR)
    assert "bukan kabupaten/kota usaha ini (5103)" in error.value.message_dict["number"][0]


# --- expiry per kind ----------------------------------------------------------------------------------------------


def test_a_merek_lasts_ten_years_from_filing_with_a_renewal_window_and_a_grace_period():
    certificate = product(business(), K.MEREK, "IDM000123456", filed_on=d("2020-05-15"), issued_on=d("2021-08-01"))
    assert certificate.valid_until == d("2030-05-15")
    assert certificate.renewal_opens == d("2029-11-15")
    in_renewal = ProductCertification.objects.filter(pk=certificate.pk)
    assert not expiry.product_in_renewal(in_renewal, d("2029-11-14")).exists()
    assert expiry.product_in_renewal(in_renewal, d("2029-11-15")).exists()
    assert expiry.product_in_renewal(in_renewal, d("2030-11-15")).exists()  # six months' grace after the expiry
    assert not expiry.product_in_renewal(in_renewal, d("2030-11-16")).exists()


def test_a_merek_filed_on_the_last_day_of_a_month_lapses_on_the_last_day():
    certificate = product(business(), K.MEREK, "IDM000123458", filed_on=d("2020-05-31"))
    # 30 November + six months is 30 May: the window opens on 1 December, on the record as on the expiry list.
    assert (certificate.valid_until, certificate.renewal_opens) == (d("2030-05-31"), d("2029-12-01"))
    in_renewal = ProductCertification.objects.filter(pk=certificate.pk)
    assert not expiry.product_in_renewal(in_renewal, d("2029-11-30")).exists()
    assert expiry.product_in_renewal(in_renewal, d("2029-12-01")).exists()


def test_a_merek_needs_its_filing_date():
    with pytest.raises(ValidationError) as error:
        product(business(), K.MEREK, "IDM000123457")
    assert "filed_on" in error.value.message_dict


def test_a_halal_certificate_does_not_lapse_but_is_confirmed_every_twelve_months():
    certificate = product(business(), K.HALAL, "ID51110000123450124", issued_on=d("2025-01-10"))
    assert certificate.valid_until is None and certificate.is_valid(d("2040-01-01"))
    assert certificate.confirmation_due == d("2026-01-10")
    halal = ProductCertification.objects.filter(pk=certificate.pk)
    assert not expiry.halal_confirmation_due(halal, d("2025-12-10")).exists()
    assert expiry.halal_confirmation_due(halal, d("2025-12-11")).exists()  # 30 days' notice
    certificate.unchanged_confirmed_on = d("2025-12-20")
    certificate.save()
    assert certificate.confirmation_due == d("2026-12-20")
    assert not expiry.halal_confirmation_due(halal, d("2025-12-21")).exists()


@pytest.mark.parametrize(("kind", "written", "stored"), [
    (K.BPOM_MD, "BPOM RI MD 123456789012", "MD123456789012"),
    (K.BPOM_ML, "ml 2345.6789.0123", "ML234567890123"),
])  # fmt: skip
def test_a_bpom_number_is_normalised(kind, written, stored):
    assert product(business(), kind, written, issued_on=d("2025-01-10")).number == stored


@pytest.mark.parametrize(("kind", "written", "problem"), [
    (K.BPOM_MD, "ML 123456789012", "nomor ML, bukan MD"),
    (K.BPOM_ML, "MD 123456789012", "nomor MD, bukan ML"),
    (K.BPOM_MD, "MD 12345", "diikuti 12 angka"),
])  # fmt: skip
def test_a_bpom_number_of_the_other_kind_or_length_is_refused(kind, written, problem):
    with pytest.raises(ValidationError) as error:
        product(business(), kind, written)
    assert problem in error.value.message_dict["number"][0]


@pytest.mark.parametrize(("kind", "number"), [(K.SNI, "SNI-7325-2024"), (K.BPOM_MD, "MD123456789012")])
def test_sni_and_bpom_lapse_only_on_the_date_typed(kind, number):
    untyped = product(business(), kind, number, issued_on=d("2024-01-10"))
    assert (untyped.valid_until, untyped.valid_until_derived) == (None, False)
    typed = product(business(), kind, number, issued_on=d("2024-01-10"), valid_until=d("2029-01-09"))
    assert (typed.valid_until, typed.valid_until_derived) == (d("2029-01-09"), False)


def test_a_typed_date_overrides_the_derived_one():
    denpasar = business("51.71.01.1001")
    typed = product(denpasar, K.PIRT, PIRT_DENPASAR, issued_on=d("2024-03-15"), valid_until=d("2028-06-30"))
    assert (typed.valid_until, typed.valid_until_derived) == (d("2028-06-30"), False)
    derived = ProductCertification.objects.get(pk=product(business("51.71.01.1001"), K.MEREK, "IDM1",
                                                          filed_on=d("2020-05-31")).pk)  # fmt: skip
    assert derived.valid_until_derived
    derived.valid_until = d("2031-01-31")  # staff correct the derived date on the form
    derived.full_clean()
    derived.save()
    derived.refresh_from_db()
    assert (derived.valid_until, derived.valid_until_derived) == (d("2031-01-31"), False)


# --- sessions -----------------------------------------------------------------------------------------------------


def test_a_full_session_takes_no_one_more(scheme, operator):
    full = session(scheme, capacity=1)
    first = service.schedule(enrol(business(), scheme, operator), full, actor=operator)
    assert first.status == S.SCHEDULED
    second = enrol(business(), scheme, operator, name="I Wayan Gede")
    with pytest.raises(ValidationError) as error:
        service.schedule(second, full, actor=operator)
    assert error.value.error_dict["session"][0].code == "session_full"
    second.refresh_from_db()
    assert (second.status, second.session_id) == (S.REGISTERED, None)  # nothing written


def test_a_session_of_another_scheme_is_refused(scheme, operator):
    other = Scheme.objects.create(lsp=scheme.lsp, code="SKM/LSP-PB/02/2024", name="Pengelola IKM")
    with pytest.raises(ValidationError) as error:
        service.schedule(enrol(business(), scheme, operator), session(other), actor=operator)
    assert error.value.error_dict["session"][0].code == "other_scheme"


def test_an_asesi_is_not_assessed_before_the_session_starts(scheme, operator):
    upcoming = session(scheme, start=today() + datetime.timedelta(days=7))
    enrollment = service.schedule(enrol(business(), scheme, operator), upcoming, actor=operator)
    with pytest.raises(ValidationError) as error:
        service.record_result(enrollment, True, actor=operator)
    assert error.value.error_list[0].code == "not_yet_held"


@pytest.mark.django_db(transaction=True)
def test_two_schedulers_racing_for_the_last_place_get_it_once(bali_regions):
    """Two offices' operators schedule their asesi into the last place at the same moment: PostgreSQL's row lock on
    the session serialises them, so one is scheduled and the other told the session is full."""
    from django.db import connection, connections

    if connection.vendor != "postgresql":
        pytest.skip("SQLite serialises all writes; the row lock is what is tested here")
    lsp = Lsp.objects.create(name="LSP Balapan", region=bali_regions.bali)
    scheme = Scheme.objects.create(lsp=lsp, code="SKM/BALAP/01", name="Pemasaran")
    last_place = session(scheme, capacity=2)
    operator = staff_user(StaffRole.PROVINCE, "51")
    service.schedule(enrol(business(), scheme, operator), last_place, actor=operator)  # one place left
    racers = [enrol(business(), scheme, operator, name=f"Asesi {n}") for n in (1, 2)]
    barrier = threading.Barrier(2)
    outcomes, errors = [], []

    def schedule(enrollment):
        try:
            barrier.wait()
            service.schedule(enrollment, last_place, actor=operator)
            outcomes.append("scheduled")
        except ValidationError as error:
            outcomes.append(error.error_dict["session"][0].code)
        except Exception as error:  # noqa: BLE001 (any other failure is a failure of the test)
            errors.append(repr(error))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=schedule, args=(racer,)) for racer in racers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    assert sorted(outcomes) == ["scheduled", "session_full"]
    assert last_place.enrollments.filter(status=S.SCHEDULED).count() == 2


# --- the asesi's flow ---------------------------------------------------------------------------------------------


def test_a_competent_asesi_gets_a_certificate_valid_for_the_schemes_months(scheme, operator):
    held = session(scheme)
    enrollment = service.schedule(enrol(business(), scheme, operator), held, actor=operator)
    assert enrollment.status == S.SCHEDULED
    enrollment = service.record_result(enrollment, True, actor=operator)
    assert (enrollment.status, enrollment.assessed_on) == (S.COMPETENT, held.end_date)
    assert [log.action for log in enrollment.transitions] == ["competent", "assess", "schedule", "create"]
    issued = today()
    certificate = service.issue_certificate(enrollment, actor=operator, number="NO.1/LSP-PB/2026", issued_on=issued)
    assert certificate.status == C.ACTIVE
    assert certificate.valid_until == add_months(issued, 36)
    assert certificate.surveillance_due == add_months(issued, 12)
    assert len(certificate.code) == 12 and certificate.transitions.get().action == "create"


def test_a_certificate_is_recorded_only_for_a_competent_asesi(scheme, operator):
    not_yet = assessed(business(), scheme, operator, competent=False)
    waiting = enrol(business(), scheme, operator, name="I Made Waiting")
    for enrollment in (not_yet, waiting):
        with pytest.raises(ValidationError) as error:
            service.issue_certificate(enrollment, actor=operator, number="NO.X", issued_on=today())
        assert "enrollment" in error.value.message_dict
    assert not Certificate.objects.exists()


def test_a_not_yet_competent_asesi_enrols_again_once(scheme, operator):
    first = assessed(business(), scheme, operator, competent=False, nik="5103014501900001")
    assert first.status == S.NOT_YET_COMPETENT
    again = service.reenrol(first, actor=operator)
    assert (again.status, again.previous_id, again.attempt) == (S.REGISTERED, first.pk, 2)
    assert (again.name, again.nik, again.scheme_id, again.business_id) == (first.name, first.nik, scheme.pk,
                                                                          first.business_id)  # fmt: skip
    with pytest.raises(ValidationError) as error:
        service.reenrol(first, actor=operator)
    assert error.value.code == "already_reenrolled"
    assert Enrollment.objects.filter(previous=first).count() == 1


def test_only_a_not_yet_competent_asesi_enrols_again(scheme, operator):
    competent = assessed(business(), scheme, operator)
    with pytest.raises(ValidationError) as error:
        service.reenrol(competent, actor=operator)
    assert error.value.code == "not_bk"


def test_an_office_enrols_only_its_regions_businesses(scheme, operator):
    with pytest.raises(PermissionDenied):
        enrol(business("51.71.01.1001"), scheme, operator)
    assert not Enrollment.objects.exists()


# --- competency certificates: revoked, expired, renewed -----------------------------------------------------------


def test_a_certificate_is_revoked_with_a_reason(scheme, operator):
    certificate = certified(business(), scheme, operator)
    with pytest.raises(ValidationError):
        CERTIFICATE_WORKFLOW.perform(certificate, "revoke", operator)
    revoked = CERTIFICATE_WORKFLOW.perform(certificate, "revoke", operator, note="Hasil surveilan: tidak memenuhi")
    assert revoked.status == C.REVOKED
    assert revoked.transitions.first().note == "Hasil surveilan: tidak memenuhi"


def test_a_certificate_expires_only_after_its_date(scheme, operator):
    valid = certified(business(), scheme, operator)
    with pytest.raises(ValidationError):
        CERTIFICATE_WORKFLOW.perform(valid, "expire", operator)
    lapsed = old_certificate(business(), scheme, operator, valid_until=d("2023-02-01"))
    assert lapsed.effective_status() == C.EXPIRED and lapsed.status == C.ACTIVE
    assert CERTIFICATE_WORKFLOW.perform(lapsed, "expire", operator).status == C.EXPIRED


def test_a_renewal_of_a_valid_certificate_marks_the_old_one_renewed(scheme, operator):
    holder = business()
    old = certified(holder, scheme, operator, issued_on=today() - datetime.timedelta(days=5))
    again = assessed(holder, scheme, operator, name="Ni Made Sari")
    new = service.issue_certificate(again, actor=operator, number="NO.RCC/2026", issued_on=today(), renews=old)
    old.refresh_from_db()
    assert (old.status, new.status, new.renews_id) == (C.RENEWED, C.ACTIVE, old.pk)
    assert old.transitions.first().action == "renew"


def test_a_renewal_of_an_expired_certificate_is_refused(scheme, operator):
    holder = business()
    expired = old_certificate(holder, scheme, operator, valid_until=d("2023-02-01"))
    again = assessed(holder, scheme, operator)
    with pytest.raises(ValidationError) as error:
        service.issue_certificate(again, actor=operator, number="NO.RCC/2026", issued_on=today(), renews=expired)
    assert error.value.error_dict["renews"][0].code == "not_active"
    expired.refresh_from_db()
    assert expired.status == C.ACTIVE and not Certificate.objects.filter(number="NO.RCC/2026").exists()


# --- the daily digest ---------------------------------------------------------------------------------------------


@pytest.fixture
def lapsing(scheme):
    """Badung: a certificate lapsing in three months and one past its date (not yet marked); Denpasar: one lapsing
    in two months. Each office has an address."""
    for code in ("51.03", "51.71"):
        office = office_for(code)
        office.email = f"disperindag.{code}@example.go.id"
        office.save()
    badung, denpasar = staff_user(StaffRole.OPERATOR, "51.03"), staff_user(StaffRole.OPERATOR, "51.71")
    soon = certified(business(), scheme, badung, name="Ni Luh Badung", valid_until=today() + datetime.timedelta(90))
    past = old_certificate(
        business(), scheme, badung, name="I Ketut Lewat", valid_until=today() - datetime.timedelta(1)
    )
    other = certified(business("51.71.01.1001"), scheme, denpasar, name="Made Denpasar", held=session(scheme, "51.71"),
                      valid_until=today() + datetime.timedelta(60))  # fmt: skip
    return {"soon": soon, "past": past, "denpasar": other}


def test_the_digest_marks_lapsed_certificates_expired_in_their_log(lapsing):
    call_command("notify_expiring", stdout=StringIO())
    past = Certificate.objects.get(pk=lapsing["past"].pk)
    assert past.status == C.EXPIRED
    log = TransitionLog.objects.for_object(past).first()
    assert (log.action, log.from_state, log.to_state) == ("expire", C.ACTIVE, C.EXPIRED)
    assert (log.actor, log.actor_label) == (None, "sistem: masa berlaku")


def test_each_office_gets_one_email_with_its_regions_items_only(lapsing):
    mail.outbox.clear()
    call_command("notify_expiring", stdout=StringIO())
    by_office = {message.to[0]: message.body for message in mail.outbox}
    assert len(mail.outbox) == 2 and set(by_office) == {"disperindag.51.03@example.go.id",
                                                        "disperindag.51.71@example.go.id"}  # fmt: skip
    badung, denpasar = by_office["disperindag.51.03@example.go.id"], by_office["disperindag.51.71@example.go.id"]
    assert lapsing["soon"].number in badung and "Ni Luh Badung" in badung
    assert "Made Denpasar" not in badung and lapsing["denpasar"].number not in badung
    assert "Made Denpasar" in denpasar and "Ni Luh Badung" not in denpasar
    assert "I Ketut Lewat" not in badung  # marked expired first: no longer "segera berakhir"


def test_a_second_run_the_same_day_sends_nothing(lapsing):
    call_command("notify_expiring", stdout=StringIO())
    assert ExpiryDigest.objects.filter(day=today()).count() == 2
    mail.outbox.clear()
    out = StringIO()
    call_command("notify_expiring", stdout=out)
    assert mail.outbox == []
    assert "0 digests sent, 2 skipped" in out.getvalue()


def test_a_refusing_mail_server_fails_the_command_and_the_digest_goes_out_at_the_next_run(lapsing, monkeypatch):
    from django.core import mail as django_mail

    real_send = django_mail.send_mail

    def refuse(*args, **kwargs):
        raise ConnectionRefusedError("no mail server")

    monkeypatch.setattr(django_mail, "send_mail", refuse)
    out = StringIO()
    with pytest.raises(CommandError, match="2 digests could not be sent"):
        call_command("notify_expiring", stdout=out)
    assert "2 NOT sent" in out.getvalue()
    assert not ExpiryDigest.objects.exists()  # nothing recorded as sent
    monkeypatch.setattr(django_mail, "send_mail", real_send)
    mail.outbox.clear()
    call_command("notify_expiring", stdout=StringIO())
    assert len(mail.outbox) == 2 and ExpiryDigest.objects.count() == 2


def test_a_dry_run_sends_and_marks_nothing(lapsing):
    mail.outbox.clear()
    out = StringIO()
    call_command("notify_expiring", "--dry-run", stdout=out)
    assert mail.outbox == [] and not ExpiryDigest.objects.exists()
    assert Certificate.objects.get(pk=lapsing["past"].pk).status == C.ACTIVE
    assert "disperindag.51.03@example.go.id" in out.getvalue()


# --- the public directory and profile -----------------------------------------------------------------------------


@pytest.fixture
def halal_holders(scheme, operator):
    """Published businesses: one with a valid halal certificate (and a valid competency certificate), one whose
    halal certificate lapsed (a typed date), one whose was revoked, one with none."""
    published = {"status": BusinessStatus.PUBLISHED}
    valid = business(name="Kopi Halal Sah", **published)
    lapsed = business(name="Kopi Halal Lewat", **published)
    revoked = business(name="Kopi Halal Cabut", **published)
    business(name="Kopi Tanpa Sertifikat", **published)
    product(valid, K.HALAL, "ID51110000000010124", issued_on=d("2024-01-10"))
    product(lapsed, K.HALAL, "ID51110000000020124", issued_on=d("2020-01-10"), valid_until=d("2024-01-09"))
    product(revoked, K.HALAL, "ID51110000000030124", issued_on=d("2024-01-10"),
            status=ProductCertificateStatus.REVOKED)  # fmt: skip
    certified(valid, scheme, operator)
    old_certificate(lapsed, scheme, operator, valid_until=d("2023-02-01"))
    return {"valid": valid, "lapsed": lapsed, "revoked": revoked}


def test_the_directory_lists_only_holders_of_a_valid_certificate(client, halal_holders):
    page = client.get(reverse("businesses:directory"), {"sertifikat": "halal"}).content.decode()
    assert "Kopi Halal Sah" in page
    assert "Kopi Halal Lewat" not in page and "Kopi Halal Cabut" not in page and "Kopi Tanpa Sertifikat" not in page
    page = client.get(reverse("businesses:directory"), {"sertifikat": "kompetensi"}).content.decode()
    assert "Kopi Halal Sah" in page and "Kopi Halal Lewat" not in page


ALL_KOPI = {"Kopi Halal Sah", "Kopi Halal Lewat", "Kopi Halal Cabut", "Kopi Tanpa Sertifikat"}


@pytest.mark.parametrize(
    ("query", "shown"),
    [
        ({"q": "kopi"}, ALL_KOPI),
        ({"q": "halal"}, ALL_KOPI - {"Kopi Tanpa Sertifikat"}),
        ({"q": "kopi", "sertifikat": "halal"}, {"Kopi Halal Sah"}),
        ({}, ALL_KOPI),
    ],
)
def test_the_certificate_filter_counts_the_results_of_a_search(client, halal_holders, query, shown):
    """The directory counts the `sertifikat` options over the results of the other filters: with a text search whose
    matches are all read (its window), or a small registry's whole list, over those results' ids."""
    response = client.get(reverse("businesses:directory"), query)
    assert {business.name for business in response.context["page"].object_list} == shown
    counts = {option.value: option.count for option in response.context["facets"]["sertifikat"]}
    assert counts["halal"] == 1 and counts["kompetensi"] == 1


def test_the_profile_shows_badges_of_valid_certificates_only(client, halal_holders, scheme):
    page = client.get(reverse("businesses:business_detail", args=[halal_holders["valid"].pk])).content.decode()
    assert "✓ Halal" in page and "ID51110000000010124" in page
    assert f"✓ Kompeten: {scheme.name}" in page
    for name in ("lapsed", "revoked"):
        page = client.get(reverse("businesses:business_detail", args=[halal_holders[name].pk])).content.decode()
        assert "✓ Halal" not in page and "✓ Kompeten" not in page


# --- /verifikasi/ -------------------------------------------------------------------------------------------------

PRIVATE = {"nik": "5103014501900001", "phone": "0812-3344-5566", "email": "ni.made.sari@example.net"}
BUSINESS_ADDRESS = "Jl. Raya Tuban No. 17"


def verify(client, code: str) -> str:
    response = client.get(reverse("verify"), {"kode": code})
    assert response.status_code == 200
    return response.content.decode()


def assert_nothing_private(page: str) -> None:
    """No NIK (whole or its first ten digits), phone (in any spacing), e-mail or business address."""
    digits = re.sub(r"[\s\-.()]", "", page)
    assert PRIVATE["nik"][:10] not in digits and "81233445566" not in digits
    assert PRIVATE["email"] not in page and BUSINESS_ADDRESS not in page


@pytest.fixture
def holder(scheme, operator):
    return business(address=BUSINESS_ADDRESS, name="Tenun Sari")


def test_a_valid_code_verifies_with_holder_scheme_lsp_and_dates(client, holder, scheme, operator):
    certificate = certified(holder, scheme, operator, **PRIVATE)
    page = verify(client, certificate.code.lower())  # typed in lower case
    assert "Sertifikat sah" in page
    for shown in ("Ni Made Sari", scheme.name, scheme.code, scheme.lsp.name, certificate.number):
        assert shown in page
    assert certificate.valid_until.strftime("%Y") in page
    assert_nothing_private(page)
    assert "Tenun Sari" not in page  # nor the business


def test_an_expired_code_verifies_as_not_valid(client, holder, scheme, operator):
    certificate = old_certificate(holder, scheme, operator, valid_until=d("2023-02-01"), **PRIVATE)
    page = verify(client, certificate.code)
    assert "Sertifikat tercatat, tetapi tidak berlaku" in page and "Kedaluwarsa" in page
    assert "Sertifikat sah" not in page
    assert_nothing_private(page)


def test_a_revoked_code_verifies_as_not_valid(client, holder, scheme, operator):
    certificate = certified(holder, scheme, operator, **PRIVATE)
    CERTIFICATE_WORKFLOW.perform(certificate, "revoke", operator, note="Dicabut LSP")
    page = verify(client, certificate.code)
    assert "Sertifikat tercatat, tetapi tidak berlaku" in page and "Dicabut" in page
    assert "Dicabut LSP" not in page  # the reason stays in the admin
    assert_nothing_private(page)


def test_an_unknown_code_is_not_found(client, holder, scheme, operator):
    certified(holder, scheme, operator, **PRIVATE)
    page = verify(client, "ZZZZZZZZZZZZ")
    assert "Tidak ada sertifikat dengan kode" in page and "Ni Made Sari" not in page


def test_a_participation_certificate_of_an_event_still_verifies(client):
    from events.models import Attendance, Registration
    from events.services.attendance import certificates_issue

    event = make_event("51.03", status="ongoing", start_date=today(), title="Pelatihan Pewarnaan Alami")
    registration = Registration.objects.create(event=event, name="Ni Kadek Peserta", sex="P", **PRIVATE)
    Attendance.objects.create(registration=registration, session=event.sessions.get())
    assert certificates_issue(event, actor=SYSTEM) == 1
    registration.refresh_from_db()
    page = verify(client, registration.certificate_code)
    assert "Sertifikat sah" in page and "Ni Kadek Peserta" in page and "Pelatihan Pewarnaan Alami" in page
    assert_nothing_private(page)


# --- the planner --------------------------------------------------------------------------------------------------


def waiting(scheme, village, n, actor):
    for _ in range(n):
        enrol(business(village), scheme, actor, name=f"Asesi {next(_serial)}")


@pytest.fixture
def plan_data(scheme, bali_regions):
    """Scheme a: three asesi waiting in Badung, two in Denpasar; an assessor living in each; an upcoming session in
    Badung with one place left. Scheme b: one asesi waiting in Badung, its assessor in Denpasar."""
    province = staff_user(StaffRole.PROVINCE, "51")
    other = Scheme.objects.create(lsp=scheme.lsp, code="SKM/LSP-PB/02/2024", name="Pengelola IKM")
    waiting(scheme, "51.03.01.1001", 3, province)
    waiting(scheme, "51.71.01.1001", 2, province)
    waiting(other, "51.03.02.2001", 1, province)
    for name, home, schemes in (("Asesor Badung", "51.03", [scheme]), ("Asesor Denpasar", "51.71", [scheme, other])):
        person = Assessor.objects.create(lsp=scheme.lsp, name=name, home_region=make_region(home))
        person.schemes.add(*schemes)
    upcoming = session(scheme, start=today() + datetime.timedelta(days=20), capacity=2)
    service.schedule(enrol(business(), scheme, province, name="Sudah Terjadwal"), upcoming, actor=province)
    return {"province": province, "other": other, "upcoming": upcoming}


def test_the_plan_groups_waiting_asesi_by_scheme_and_regency(scheme, plan_data):
    plans = planner.plan(Enrollment.objects.all(), sessions=AssessmentSession.objects.all(), capacity=2)
    first, second = plans
    assert (first.scheme, first.waiting, second.scheme, second.waiting) == (scheme, 5, plan_data["other"], 1)
    assert [(need.code, need.waiting) for need in first.regencies] == [("51.03", 3), ("51.71", 2)]
    assert [[a.name for a in need.local_assessors] for need in first.regencies] == [["Asesor Badung"],
                                                                                   ["Asesor Denpasar"]]  # fmt: skip
    # one place left in the upcoming session: four asesi need two more sessions of two
    assert [s.pk for s in first.open_sessions] == [plan_data["upcoming"].pk] and first.open_places == 1
    assert first.sessions_needed == 2
    assert second.sessions_needed == 1


def test_the_plan_marks_the_trips_of_assessors_living_elsewhere(scheme, plan_data, bali_regions):
    first, second = planner.plan(Enrollment.objects.all(), sessions=AssessmentSession.objects.all(), capacity=2)
    trips = {trip.assessor.name: trip.travels_to for trip in first.assessors}
    assert trips == {"Asesor Badung": [bali_regions.denpasar.name], "Asesor Denpasar": [bali_regions.badung.name]}
    assert not first.needs_travel  # each regency has an assessor at home
    assert second.needs_travel and [str(need) for need in second.trip_regencies] == [bali_regions.badung.name]
    assert second.trip_homes == [bali_regions.denpasar.name]


def test_the_planner_page_shows_the_plan(client, scheme, plan_data, bali_regions):
    client.force_login(plan_data["province"])
    page = client.get(reverse("admin:certification_planner"), {"kapasitas": "2"}).content.decode()
    assert scheme.name in page and "Pengelola IKM" in page
    assert bali_regions.badung.name in page and "perjalanan ke" in page
    assert "Perlu 2 jadwal uji baru berkapasitas 2" in page


def test_the_plan_counts_only_the_sessions_the_user_may_use(client, scheme, plan_data):
    """A session at another region's TUK is that region's: an office cannot schedule into it, so its places do not
    count in the office's plan."""
    session(scheme, "51.71", start=today() + datetime.timedelta(days=20), capacity=10)
    client.force_login(staff_user(StaffRole.OPERATOR, "51.03"))
    first = client.get(reverse("admin:certification_planner"), {"kapasitas": "2"}).context["plan"][0]
    assert (first.waiting, [s.pk for s in first.open_sessions]) == (3, [plan_data["upcoming"].pk])
    assert first.sessions_needed == 1


def _grow(scheme, actor, size):
    """`size` more asesi waiting in each of three regencies, each with an assessor of its own, and a session each."""
    for village, home in (("51.03.01.1001", "51.03"), ("51.71.01.1001", "51.71"), ("51.03.02.2001", "51.03")):
        waiting(scheme, village, size, actor)
        person = Assessor.objects.create(lsp=scheme.lsp, name=f"Asesor {next(_serial)}", home_region=make_region(home))
        person.schemes.add(scheme)
        session(scheme, home, start=today() + datetime.timedelta(days=30))


@pytest.mark.parametrize("size", [2, 20])
def test_the_planner_takes_the_same_queries_however_many_wait(client, scheme, plan_data, size,
                                                             django_assert_max_num_queries):  # fmt: skip
    _grow(scheme, plan_data["province"], size)
    _grow(plan_data["other"], plan_data["province"], size)
    client.force_login(plan_data["province"])
    with django_assert_max_num_queries(PLANNER_QUERIES):
        response = client.get(reverse("admin:certification_planner"))
    assert response.status_code == 200
    assert response.content.decode().count("planner-scheme") == 2


# The planner page: the session, the user and their scope (LSPs, office), the plan's six queries (waiting asesi
# grouped, schemes, regency names, assessors' schemes, assessors, open sessions) and the admin's permissions (two).
PLANNER_QUERIES = 12
