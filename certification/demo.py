"""The certification of the Bali demo (`seed_demo`): Kota Denpasar's wish that every IKM's managers and marketers be
certified, with the assessors of both schemes living in Surabaya (issue 12). An LSP in Surabaya with two schemes and
three assessors there, a TUK sewaktu at the Denpasar office, a session held long ago (certificates lapsing soon, one
surveillance done), a recent one (competent and not-yet-competent asesi, one enrolled again), an upcoming one with
places left, asesi of Denpasar and Badung waiting for a trip, the office's targets for the year, and product
certificates of demo businesses (P-IRT, halal, merek, BPOM, SNI; some in their renewal window).

The two regions outside Bali (Jawa Timur, Kota Surabaya) are created by code when absent — typed here, not taken
from the reference data — so that the LSP and its assessors have their home; a full `import_regions` keeps them.
Idempotent: when the demo LSP exists nothing is written.
"""

from __future__ import annotations

import random
from datetime import date, timedelta

from django.utils import timezone
from django.utils.translation import gettext as _

from businesses.choices import BusinessStatus
from businesses.demo import DEMO_PASSWORD, Ledger
from businesses.models import Business
from certification.choices import (
    AsesiRole,
    CertificateStatus,
    EnrollmentStatus,
    ProductCertificateKind,
    SchemeKind,
    TargetKind,
    TukKind,
)
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
from certification.product_rules import add_months
from certification.services.workflow import CERTIFICATE_WORKFLOW, ENROLLMENT_WORKFLOW
from ikm_registry.models import Region
from ikm_registry.scoping import SystemActor

SEED = SystemActor("seed_demo")
LSP_NAME = "LSP Manajemen dan Pemasaran UMKM Jawa Timur"
SURABAYA = "35.78"
DENPASAR = "51.71"
BADUNG = "51.03"

SCHEMES = [
    # code, name, kind, standard, units
    ("SKM/LSP-MPU/01/2024", "Pengelola Usaha Industri Kecil dan Menengah", SchemeKind.OCCUPATION,
     "SKKNI Konsultan IKM, Kepmenaker 397/2014",
     "M.70IKM01.001.1 Menyusun rencana usaha\nM.70IKM01.002.1 Mengelola keuangan usaha\n"
     "M.70IKM01.003.1 Mengelola produksi"),
    ("SKM/LSP-MPU/02/2024", "Pemasaran Produk Usaha Kecil", SchemeKind.CLUSTER,
     "KKNI bidang pemasaran, Permendag 5/2023",
     "G.46PMR00.001.1 Melakukan riset pasar sederhana\nG.46PMR00.002.1 Memasarkan produk secara daring"),
]  # fmt: skip
ASSESSORS = [
    ("Drs. Bambang Hariyanto, M.M.", "MET.000.004512 2016", [0, 1]),
    ("Siti Nurhayati, S.E., M.Si.", "MET.000.010237 2019", [1]),
    ("Agus Prasetyo, S.T.", "MET.000.008891 2018", [0]),
]
PERSON_NAMES = [
    "Ni Luh Putu Ariani", "I Made Dharma Putra", "Ni Kadek Sri Wahyuni", "I Komang Adi Saputra",
    "Ni Wayan Sukerti", "I Gede Arya Wibawa", "Ni Made Yuliastuti", "I Ketut Suarjana", "Ni Nyoman Ayu Lestari",
    "I Putu Eka Mahendra", "Ni Komang Tri Utami", "I Wayan Sudirta", "Ni Putu Dewi Anggreni", "I Kadek Wira Adnyana",
    "Ni Ketut Rai Sumerti", "I Nyoman Budiarsa", "Ni Luh Gede Sriasih", "I Made Oka Wirawan", "Ni Kadek Ari Astuti",
    "I Gusti Ngurah Bagus", "Ni Wayan Murniati", "I Putu Agus Darmawan",
]  # fmt: skip


def load(progress) -> str:
    if Lsp.objects.filter(name=LSP_NAME).exists():
        return _summary()
    denpasar = list(_businesses(DENPASAR, 80))
    badung = list(_businesses(BADUNG, 40))
    if len(denpasar) < 16 or len(badung) < 4:
        return _("Sertifikasi demo dilewati: IKM demo Denpasar dan Badung belum ada.")
    plan_date = Ledger().plan_date or timezone.localdate()
    rng = random.Random("sertifikasi")
    _regions()
    lsp = Lsp.objects.create(
        name=LSP_NAME,
        kind="P3",
        licence_number="BNSP-LSP-1234-ID",
        licence_expires=add_months(plan_date, 28),
        address="Jl. Ketintang Baru No. 17, Surabaya",
        region_id=SURABAYA,
        email="sertifikasi@lsp-mpu.example",
    )
    _operator(lsp)
    schemes = [
        Scheme.objects.create(lsp=lsp, code=code, name=name, kind=kind, standard=standard, units=units)
        for code, name, kind, standard, units in SCHEMES
    ]
    for name, met, indexes in ASSESSORS:
        assessor = Assessor.objects.create(
            lsp=lsp, name=name, met_number=met, home_region_id=SURABAYA, licence_expires=add_months(plan_date, 20)
        )
        assessor.schemes.set([schemes[i] for i in indexes])
    tuk = Tuk.objects.create(
        lsp=lsp,
        name="TUK Sewaktu Disperindag Kota Denpasar",
        kind=TukKind.TEMPORARY,
        address="Jl. Majapahit No. 1, Denpasar",
        region_id=DENPASAR,
        verified_on=plan_date - timedelta(days=40),
    )
    assessors = list(Assessor.objects.filter(lsp=lsp).order_by("pk"))
    names = iter(PERSON_NAMES)
    people = iter(denpasar)

    # Held 34 months ago: certificates lapsing within two months, the surveillance of one overdue.
    old = _session(schemes[1], tuk, plan_date - timedelta(days=34 * 30), 10, assessors[:2])
    for _n in range(3):
        certificate = _certified(next(people), next(names), schemes[1], old, AsesiRole.MARKETING, rng)
        Certificate.objects.filter(pk=certificate.pk).update(surveillance_due=None)  # both surveillances held
    # Held eleven months ago: the yearly surveillance of its two holders falls due next month.
    year_ago = _session(schemes[0], tuk, plan_date - timedelta(days=330), 10, [assessors[0]])
    for _n in range(2):
        _certified(next(people), next(names), schemes[0], year_ago, AsesiRole.MANAGER, rng)
    # Held seven weeks ago: six competent, two not yet competent (one of them enrolled again and waiting).
    recent = _session(schemes[0], tuk, plan_date - timedelta(days=50), 12, [assessors[0], assessors[2]])
    for _n in range(6):
        _certified(next(people), next(names), schemes[0], recent, AsesiRole.MANAGER, rng)
    not_yet = [_assessed(next(people), next(names), schemes[0], recent, AsesiRole.MANAGER, competent=False)
               for _n in range(2)]  # fmt: skip
    again = Enrollment(business=not_yet[0].business, name=not_yet[0].name, role=not_yet[0].role,
                       scheme=schemes[0], previous=not_yet[0])  # fmt: skip
    ENROLLMENT_WORKFLOW.create(again, EnrollmentStatus.REGISTERED, actor=SEED, note="daftar ulang")
    # Next month in Denpasar: two asesi already scheduled, places left.
    upcoming = _session(schemes[1], tuk, plan_date + timedelta(days=26), 15, assessors[:2])
    for _n in range(2):
        enrollment = Enrollment(business=next(people), name=next(names), role=AsesiRole.MARKETING,
                                scheme=schemes[1], session=upcoming)  # fmt: skip
        ENROLLMENT_WORKFLOW.create(enrollment, EnrollmentStatus.SCHEDULED, actor=SEED, note="data demo")
    # Waiting for a trip: Denpasar and Badung.
    waiting = [(next(people), schemes[0]) for _n in range(3)] + [(next(people), schemes[1]) for _n in range(2)]
    waiting += [(business, schemes[i % 2]) for i, business in enumerate(badung[:4])]
    for business, scheme in waiting:
        role = AsesiRole.MANAGER if scheme is schemes[0] else AsesiRole.MARKETING
        name = next(names, None) or business.owner.name
        ENROLLMENT_WORKFLOW.create(Enrollment(business=business, name=name, role=role, scheme=scheme),
                                   EnrollmentStatus.REGISTERED, actor=SEED, note="data demo")  # fmt: skip
    year = plan_date.year
    CertificationTarget.objects.create(
        region_id=DENPASAR,
        year=year,
        scheme=schemes[1],
        kind=TargetKind.NUMBER,
        target=40,
        notes="Setiap IKM binaan: satu tenaga pemasaran bersertifikat",
    )
    CertificationTarget.objects.create(region_id=DENPASAR, year=year, scheme=schemes[0], kind=TargetKind.ALL_IKM,
                                       notes="Semua IKM Kota Denpasar memiliki pengelola bersertifikat")  # fmt: skip
    mixed = [b for pair in zip(denpasar[20:], badung[8:], strict=False) for b in pair]  # both offices' IKM
    _product_certificates(mixed, plan_date, rng)
    return _summary()


# The LSP's operator: sees and edits this LSP's schemes, sessions, asesi and certificates, nothing else.
OPERATOR_USERNAME = "operator.lsp"


def _operator(lsp) -> None:
    from django.contrib.auth import get_user_model
    from django.contrib.auth.hashers import make_password

    user, _created = get_user_model().objects.get_or_create(
        username=OPERATOR_USERNAME,
        defaults={"is_staff": True, "first_name": "Operator", "last_name": "LSP MPU",
                  "password": make_password(DEMO_PASSWORD)},
    )  # fmt: skip
    lsp.operators.add(user)


def _summary() -> str:
    return _(
        "Sertifikasi demo: %(asesi)s asesi, %(certs)s sertifikat kompetensi, %(products)s sertifikat produk; "
        "operator LSP: %(user)s / %(password)s."
    ) % {
        "user": OPERATOR_USERNAME,
        "password": DEMO_PASSWORD,
        "asesi": Enrollment.objects.count(),
        "certs": Certificate.objects.count(),
        "products": ProductCertification.objects.count(),
    }


def _regions() -> None:
    Region.objects.get_or_create(code="35", defaults={"name": "Jawa Timur", "level": "province"})
    Region.objects.get_or_create(
        code=SURABAYA, defaults={"name": "Kota Surabaya", "level": "regency", "kind": "kota", "parent_id": "35"}
    )


def _businesses(regency: str, limit: int):
    return (
        Business.objects.filter(status=BusinessStatus.PUBLISHED, village__code__startswith=f"{regency}.")
        .select_related("owner")
        .order_by("pk")[:limit]
    )


def _session(scheme, tuk, start: date, capacity: int, assessors) -> AssessmentSession:
    session = AssessmentSession.objects.create(scheme=scheme, tuk=tuk, start_date=start,
                                               end_date=start + timedelta(days=1), capacity=capacity)  # fmt: skip
    session.assessors.set(assessors)
    return session


def _assessed(business, name, scheme, session, role, *, competent: bool) -> Enrollment:
    state = EnrollmentStatus.COMPETENT if competent else EnrollmentStatus.NOT_YET_COMPETENT
    enrollment = Enrollment(business=business, name=name, role=role, scheme=scheme, session=session,
                            assessed_on=session.end_date,
                            registered_at=timezone.make_aware(timezone.datetime.combine(
                                session.start_date - timedelta(days=30), timezone.datetime.min.time())))  # fmt: skip
    ENROLLMENT_WORKFLOW.create(enrollment, state, actor=SEED, note="data demo")
    return enrollment


def _certified(business, name, scheme, session, role, rng) -> Certificate:
    enrollment = _assessed(business, name, scheme, session, role, competent=True)
    issued = session.end_date + timedelta(days=14)
    serial = rng.randint(10000, 99999)
    certificate = Certificate(
        enrollment=enrollment,
        number=f"{scheme.code.split('/')[2]}.{serial} {issued.year}",
        registration_number=f"MPU {rng.randint(1000, 9999)} {serial:05d} {issued.year}",
        issued_on=issued,
    )
    CERTIFICATE_WORKFLOW.create(certificate, CertificateStatus.ACTIVE, actor=SEED, note="data demo")
    return certificate


def _pirt_number(regency: str, rng, expiry_year: int) -> str:
    code = regency.replace(".", "")
    return f"{rng.randint(1, 7)}{rng.randint(1, 15):02d}{code}{rng.randint(1, 9):02d}{rng.randint(1, 300):04d}-" \
        f"{expiry_year % 100:02d}"  # fmt: skip


def _product_certificates(businesses, plan_date: date, rng) -> None:
    K = ProductCertificateKind
    # Food and drink (KBLI 10, 11) hold P-IRT, halal and BPOM; the others merek and SNI.
    food = [b for b in businesses if (b.kbli_id or "")[:2] in ("10", "11")][:16]
    other = [b for b in businesses if (b.kbli_id or "")[:2] not in ("10", "11")][:8]
    food_kinds = [K.PIRT, K.HALAL, K.PIRT, K.HALAL, K.BPOM_MD, K.PIRT, K.HALAL, K.PIRT]
    other_kinds = [K.MEREK, K.SNI, K.MEREK, K.MEREK]
    plan = [(b, food_kinds[i % len(food_kinds)]) for i, b in enumerate(food)]
    plan += [(b, other_kinds[i % len(other_kinds)]) for i, b in enumerate(other)]
    for index, (business, kind) in enumerate(plan):
        regency = business.village_id[:5]
        issued = plan_date - timedelta(days=rng.randint(200, 1600))
        row = ProductCertification(business=business, kind=kind, issued_on=issued)
        if kind == K.PIRT:
            # Two of them lapse within six months (in their renewal window).
            lapses = plan_date + timedelta(days=120) if index in (0, 5) else add_months(issued, 60)
            row.issued_on = add_months(lapses, -60)
            row.number = _pirt_number(regency, rng, lapses.year)
        elif kind == K.HALAL:
            row.number = f"ID{regency.replace('.', '')}{rng.randint(10**9, 10**10 - 1)}"
            row.unchanged_confirmed_on = issued if index % 3 else None
        elif kind == K.MEREK:
            # Ten years lapse within three months for the first two: the renewal window is open.
            row.filed_on = add_months(plan_date, -117 if index - len(food) < 2 else -rng.randint(20, 90))
            row.issued_on = add_months(row.filed_on, 14)
            row.number = f"IDM000{rng.randint(100000, 999999)}"
        elif kind == K.BPOM_MD:
            row.number = f"MD {rng.randint(10**11, 10**12 - 1)}"
            row.valid_until = add_months(issued, 60)
        else:
            row.number = f"SPPT-SNI {rng.randint(1000, 9999)}/LSPro/{issued.year}"
            row.valid_until = add_months(issued, 48)
        product = business.products.order_by("pk").first()
        if product is not None and kind != K.MEREK:
            row.product = product
        row.full_clean()
        row._history_user = None
        row._change_reason = "manage.py seed_demo"
        row.save()
