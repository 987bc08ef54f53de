"""Certification's open-data datasets (certification/datasets.py): competency certificates per year, kabupaten/kota
and scheme, product certificates per year, kabupaten/kota and kind, against counts made from the base tables; only
certificates of IKM that are or were public, never revoked ones, and nobody's name, number or contact in the files."""

from __future__ import annotations

import csv
import datetime
import io
import itertools
from collections import Counter

import pytest
from django.utils import timezone

from businesses.choices import BusinessStatus
from businesses.services.statistics import COUNTED_STATUSES
from certification.choices import CertificateStatus, ProductCertificateKind, ProductCertificateStatus
from certification.models import AssessmentSession, Certificate, Lsp, ProductCertification, Scheme, Tuk
from certification.services import enrollment as service
from certification.services.workflow import CERTIFICATE_WORKFLOW
from ikm_registry.choices import StaffRole
from tests.factories import BusinessFactory, make_region, staff_user

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()
LAST_YEAR = datetime.date(TODAY.year - 1, 3, 1)
_serial = itertools.count(1)


@pytest.fixture(autouse=True)
def fresh_counts(settings):
    settings.OPEN_DATA_MAX_AGE = 0


def body(response) -> str:
    return (b"".join(response.streaming_content) if response.streaming else response.content).decode()


def csv_rows(client, slug: str) -> list[dict]:
    return list(csv.DictReader(io.StringIO(body(client.get(f"/data/{slug}.csv")))))


def certify(business, scheme, actor, *, issued_on, name="Ni Made Sari", **fields) -> Certificate:
    start = issued_on - datetime.timedelta(days=7)
    tuk = Tuk.objects.create(lsp=scheme.lsp, name=f"TUK {next(_serial)}", region=make_region("51.03"))
    held = AssessmentSession.objects.create(scheme=scheme, tuk=tuk, start_date=start, end_date=start, capacity=20)
    enrollment = service.enrol(actor=actor, business=business, scheme=scheme, name=name, **fields)
    enrollment = service.schedule(enrollment, held, actor=actor)
    enrollment = service.record_result(enrollment, True, actor=actor)
    return service.issue_certificate(enrollment, actor=actor, number=f"NO.{next(_serial):05d}/LSP/{issued_on.year}",
                                     issued_on=issued_on)  # fmt: skip


@pytest.fixture
def certificates(bali_regions):
    """Competency certificates of two schemes for published IKM in Badung and Denpasar (one revoked), of an inactive
    IKM (counted) and of a verified one (not); product certificates of each kind the same way."""
    actor = staff_user(StaffRole.PROVINCE, "51")
    lsp = Lsp.objects.create(name="LSP Pemasaran Bali", region=bali_regions.bali)
    marketing = Scheme.objects.create(lsp=lsp, code="SKM/01", name="Pemasaran Produk IKM")
    managing = Scheme.objects.create(lsp=lsp, code="SKM/02", name="Pengelola Usaha IKM")
    badung = BusinessFactory(status=BusinessStatus.PUBLISHED, village=bali_regions.tuban)
    denpasar = BusinessFactory(status=BusinessStatus.PUBLISHED, village=bali_regions.serangan)
    closed = BusinessFactory(status=BusinessStatus.INACTIVE, village=bali_regions.munggu)
    hidden = BusinessFactory(status=BusinessStatus.VERIFIED, village=bali_regions.sidakarya)
    people = iter(f"510301450690{n:04d}" for n in range(1, 100))
    plan = [(badung, marketing, LAST_YEAR), (badung, marketing, LAST_YEAR), (badung, managing, TODAY),
            (denpasar, marketing, TODAY), (closed, managing, LAST_YEAR), (hidden, marketing, LAST_YEAR)]  # fmt: skip
    issued = [certify(business, scheme, actor, issued_on=day, nik=next(people), phone=f"0812{next(_serial):08d}")
              for business, scheme, day in plan]  # fmt: skip
    CERTIFICATE_WORKFLOW.perform(certify(denpasar, managing, actor, issued_on=TODAY, nik=next(people)), "revoke",
                                 actor, note="Salah terbit")  # fmt: skip
    kinds = [(badung, ProductCertificateKind.HALAL, LAST_YEAR), (badung, ProductCertificateKind.HALAL, TODAY),
             (badung, ProductCertificateKind.PIRT, TODAY), (denpasar, ProductCertificateKind.HALAL, TODAY),
             (closed, ProductCertificateKind.SNI, LAST_YEAR), (hidden, ProductCertificateKind.HALAL, TODAY)]  # fmt: skip
    for business, kind, day in kinds:
        ProductCertification.objects.create(business=business, kind=kind, number=f"ID-{next(_serial)}", issued_on=day)
    ProductCertification.objects.create(business=badung, kind=ProductCertificateKind.HALAL, number="ID-REVOKED",
                                        issued_on=TODAY, status=ProductCertificateStatus.REVOKED)  # fmt: skip
    ProductCertification.objects.create(business=badung, kind=ProductCertificateKind.MEREK, number="ID-FILED")
    return issued


def test_competency_certificates_per_year_region_and_scheme_equal_the_base_tables(client, certificates):
    rows = csv_rows(client, "sertifikat-kompetensi")
    found = Counter()
    for row in rows:
        found[(row["tahun"], row["kode_wilayah"], row["kode_skema"])] += int(row["jumlah_sertifikat"])
    expected = Counter(
        (str(certificate.issued_on.year), certificate.enrollment.business.village_id[:5],
         certificate.enrollment.scheme.code)
        for certificate in Certificate.objects.select_related("enrollment__business", "enrollment__scheme")
        if certificate.enrollment.business.status in COUNTED_STATUSES and certificate.status != CertificateStatus.REVOKED
    )  # fmt: skip
    assert found == expected
    assert sum(found.values()) == 5  # not the verified IKM's, not the revoked one
    row = next(row for row in rows if row["kode_skema"] == "SKM/01" and row["kode_wilayah"] == "51.03")
    assert (row["jumlah_sertifikat"], row["nama_skema"], row["nama_lsp"], row["nama_wilayah"]) == (
        "2", "Pemasaran Produk IKM", "LSP Pemasaran Bali", "Kabupaten Badung"
    )  # fmt: skip


def test_product_certificates_per_year_region_and_kind_equal_the_base_tables(client, certificates):
    rows = csv_rows(client, "sertifikat-produk")
    found = {(row["tahun"], row["kode_wilayah"], row["jenis_sertifikat"]): (int(row["jumlah_sertifikat"]),
             int(row["jumlah_ikm"])) for row in rows}  # fmt: skip
    counted = ProductCertification.objects.filter(
        business__status__in=COUNTED_STATUSES, issued_on__isnull=False
    ).exclude(status=ProductCertificateStatus.REVOKED)
    expected = {}
    for certificate in counted.select_related("business"):
        key = (str(certificate.issued_on.year), certificate.business.village_id[:5], certificate.kind)
        count, businesses = expected.get(key, (0, set()))
        expected[key] = (count + 1, businesses | {certificate.business_id})
    assert found == {key: (count, len(businesses)) for key, (count, businesses) in expected.items()}
    assert sum(count for count, _n in found.values()) == 5
    assert {row["jenis_sertifikat"]: row["nama_jenis"] for row in rows}["pirt"] == "P-IRT"


def test_no_holder_number_or_contact_is_in_the_files(client, certificates):
    private = [value for certificate in certificates for value in (
        certificate.number, certificate.code, certificate.enrollment.name, certificate.enrollment.nik,
        certificate.enrollment.phone)] + ["ID-REVOKED"]  # fmt: skip
    for slug in ("sertifikat-kompetensi", "sertifikat-produk"):
        for extension in ("csv", "json"):
            content = body(client.get(f"/data/{slug}.{extension}"))
            assert [value for value in private if value and value in content] == []
