"""The events of the Bali demo (`seed_demo`): a year's programme of the three demo offices — past events with their
daftar hadir, certificates, outcomes and an MoU, upcoming ones open for registration (one full, with a waiting list).

Idempotent: an event whose office already has its code is left as it is (staff may have edited it), so a second run
writes nothing. Dates follow the day of the first run (the businesses demo's plan date).
"""

from __future__ import annotations

import random
from datetime import datetime, time, timedelta
from decimal import Decimal

from django.utils import timezone
from django.utils.translation import gettext as _

from businesses.choices import BusinessStatus
from businesses.demo import GIVEN_FEMALE, GIVEN_MALE, ORDER_FEMALE, ORDER_MALE, Ledger
from businesses.models import Business
from events.choices import CheckInMethod, EventStatus, RegistrationStatus
from events.models import (
    Agreement,
    AgreementParty,
    Attendance,
    Event,
    EventPartner,
    EventSpeaker,
    Institution,
    Outcome,
    Registration,
    Session,
    Speaker,
)
from events.services.attendance import certificates_issue
from events.services.workflow import EVENT_WORKFLOW, REGISTRATION_WORKFLOW
from ikm_registry.models import Office
from ikm_registry.scoping import SystemActor

SEED = SystemActor("seed_demo")
NOTE = "data demo"

INSTITUTIONS = {
    "Ditjen IKMA Kementerian Perindustrian": "kementerian",
    "Dekranasda Provinsi Bali": "dekranasda",
    "Dekranasda Kabupaten Badung": "dekranasda",
    "TP PKK Kota Denpasar": "tp_pkk",
    "Universitas Udayana": "perguruan_tinggi",
    "Bank Rakyat Indonesia (BRI) Cabang Denpasar": "bank",
    "PT Angkasa Pura Indonesia, Bandara I Gusti Ngurah Rai": "bumn",
    "LSP Kriya Bali": "lsp",
}
SPEAKERS = [
    ("Dr. Ni Ketut Sudiani, S.Sn., M.Sn.", "Dosen Desain Produk", "Universitas Udayana"),
    ("I Wayan Artana", "Pimpinan Cabang", "Bank Rakyat Indonesia (BRI) Cabang Denpasar"),
    ("Made Suardana", "Manajer Komersial", "PT Angkasa Pura Indonesia, Bandara I Gusti Ngurah Rai"),
    ("Ibu Sri Wahyuni", "Instruktur batik, Rumah Batik Sekar Jagat", None),
    ("Gede Pramana, S.T.", "Penyuluh Industri", "Ditjen IKMA Kementerian Perindustrian"),
]

# (office region, code, kind, title, start offset in days from the plan date, days, status, quota, public,
#  partners [(name, role)], speakers [names], funding, budget)
EVENTS = [
    ("51.71", "PLT-BATIK-01", "pelatihan", "Pelatihan Batik Dasar", -75, 5, EventStatus.COMPLETED, 30, True,
     [("TP PKK Kota Denpasar", "mitra")], ["Ibu Sri Wahyuni"], "dak_nonfisik", 48_500_000),
    ("51.03", "TU-MODAL-01", "temu_usaha", "Temu Usaha IKM: Akses Permodalan dan Pemasaran", -40, 1,
     EventStatus.COMPLETED, 60, True,
     [("Dekranasda Kabupaten Badung", "mitra"), ("Bank Rakyat Indonesia (BRI) Cabang Denpasar", "pendukung"),
      ("PT Angkasa Pura Indonesia, Bandara I Gusti Ngurah Rai", "pendukung")],
     ["I Wayan Artana", "Made Suardana"], "apbd", 35_000_000),
    ("51", "WS-DESAIN-01", "workshop", "Workshop Pengembangan Desain Produk Kriya", -20, 2, EventStatus.COMPLETED, 50,
     True, [("Ditjen IKMA Kementerian Perindustrian", "penyelenggara"), ("Universitas Udayana", "mitra")],
     ["Dr. Ni Ketut Sudiani, S.Sn., M.Sn.", "Gede Pramana, S.T."], "apbn", 120_000_000),
    ("51", "PMR-KRIYA-01", "pameran", "Pameran Produk IKM Bali", -10, 3, EventStatus.COMPLETED, 40, True,
     [("Dekranasda Provinsi Bali", "penyelenggara")], [], "apbd", 175_000_000),
    ("51.71", "BTK-KEMASAN-01", "bimtek", "Bimtek Desain Kemasan dan Label Halal", 12, 2, EventStatus.OPEN, 25, True,
     [("LSP Kriya Bali", "mitra")], ["Gede Pramana, S.T."], "apbd", 22_000_000),
    ("51.03", "SOS-PIRT-01", "sosialisasi", "Sosialisasi Sertifikasi Halal dan P-IRT", 30, 1, EventStatus.OPEN, 80,
     True, [], [], "apbd", 9_500_000),
    ("51.03", "STT-ENDEK-01", "studi_tiru", "Studi Tiru Tenun Endek ke Kabupaten Klungkung", 45, 1,
     EventStatus.PLANNED, 20, False, [("Dekranasda Kabupaten Badung", "mitra")], [], "apbd", 30_000_000),
]  # fmt: skip
# Registrations per event: (confirmed, waiting) — the bimtek is full with three people waiting.
PEOPLE = {"PLT-BATIK-01": (30, 0), "TU-MODAL-01": (52, 0), "WS-DESAIN-01": (44, 0), "PMR-KRIYA-01": (36, 0),
          "BTK-KEMASAN-01": (25, 3), "SOS-PIRT-01": (17, 0)}  # fmt: skip
VENUES = {"51.71": ("Gedung Dharma Negara Alaya, Lumintang", "51.71"),
          "51.03": ("Puspem Badung, Mangupura", "51.03"), "51": ("Taman Budaya Provinsi Bali", "51.71")}  # fmt: skip


def _name(rng: random.Random) -> tuple[str, str]:
    if rng.random() < 0.55:
        return f"Ni {rng.choice(ORDER_FEMALE)} {rng.choice(GIVEN_FEMALE)}", "P"
    return f"I {rng.choice(ORDER_MALE)} {rng.choice(GIVEN_MALE)}", "L"


def _address_book() -> tuple[dict, dict]:
    institutions = {}
    for name, kind in INSTITUTIONS.items():
        institutions[name] = Institution.objects.get_or_create(name=name, defaults={"kind": kind})[0]
    speakers = {}
    for name, position, employer in SPEAKERS:
        speakers[name] = Speaker.objects.get_or_create(
            name=name, defaults={"position": position, "institution": institutions.get(employer)}
        )[0]
    return institutions, speakers


def load(progress) -> str:
    """Load the demo events an office does not have yet; return a line saying what the demo holds. A second run
    reads what is there and writes nothing (a few queries)."""
    codes = [spec[1] for spec in EVENTS]
    present = set(Event.objects.filter(code__in=codes).values_list("office__region_id", "code"))
    missing = [spec for spec in EVENTS if (spec[0], spec[1]) not in present]
    created = 0
    if missing:
        offices = {office.region_id: office for office in Office.objects.filter(region_id__in=list(VENUES))}
        if len(offices) < len(VENUES):
            return _("Kegiatan demo dilewati: kantor demo belum ada.")
        plan_date = Ledger().plan_date or timezone.localdate()
        institutions, speakers = _address_book()
        for spec in missing:
            _load_event(spec, offices[spec[0]], institutions, speakers, plan_date)
            created += 1
    events = Event.objects.filter(code__in=codes)
    return _("Kegiatan demo: %(created)s baru, %(total)s kegiatan, %(people)s pendaftaran.") % {
        "created": created,
        "total": events.count(),
        "people": Registration.objects.filter(event__in=events).count(),
    }


def _load_event(spec, office, institutions, speakers, plan_date) -> None:
    region, code, kind, title, offset, days, status, quota, public, partners, speaker_names, funding, budget = spec
    rng = random.Random(code)
    start = plan_date + timedelta(days=offset)
    venue, venue_region = VENUES[region]
    zone = timezone.get_current_timezone()
    past = status == EventStatus.COMPLETED
    event = Event(
        office=office,
        code=code,
        title=title,
        kind=kind,
        description=_describe(kind, title),
        venue=venue,
        venue_region_id=venue_region,
        start_date=start,
        end_date=start + timedelta(days=days - 1),
        quota=quota,
        is_public=public,
        registration_opens=datetime.combine(start - timedelta(days=30), time(8), tzinfo=zone),
        registration_closes=datetime.combine(start - timedelta(days=1), time(23, 59), tzinfo=zone),
        funding_source=funding,
        budget_planned=Decimal(budget),
        budget_realised=Decimal(int(budget * rng.uniform(0.86, 0.99)) // 1000 * 1000) if past else None,
    )
    if past:
        event.background = _("Program pembinaan IKM tahun berjalan sesuai Renja Dinas.")
        event.legal_basis = _("Peraturan Pemerintah Nomor 29 Tahun 2018 tentang Pemberdayaan Industri.")
        event.purpose = _("Meningkatkan kemampuan pelaku IKM dalam produksi dan pemasaran.")
        event.results = _("Peserta hadir sesuai daftar hadir; evaluasi menunjukkan materi bermanfaat.")
        event.conclusion = _("Perlu pendampingan lanjutan bagi peserta yang siap memperluas pasar.")
    EVENT_WORKFLOW.create(event, status, actor=SEED, note=NOTE)
    sessions = [Session.objects.create(event=event, date=start + timedelta(days=n)) for n in range(days)]
    for name, role in partners:
        EventPartner.objects.create(event=event, institution=institutions[name], role=role)
    for name in speaker_names:
        EventSpeaker.objects.create(event=event, speaker=speakers[name])

    confirmed, waiting = PEOPLE.get(code, (0, 0))
    businesses = list(
        Business.objects.filter(status=BusinessStatus.PUBLISHED, village__code__startswith=f"{venue_region[:2]}.")
        .order_by("pk")
        .only("pk", "name")[: confirmed * 2]
    )
    rng.shuffle(businesses)
    registrations = []
    for number in range(confirmed + waiting):
        name, sex = _name(rng)
        business = businesses[number] if number < len(businesses) and rng.random() < 0.7 else None
        registration = Registration(
            event=event,
            name=name,
            sex=sex,
            category="pelaku_ikm" if business else rng.choice(["pelaku_ikm", "umum", "mahasiswa", "pemerintah"]),
            institution=business.name if business else "",
            business=business,
            phone=f"0812{rng.randrange(10**7, 10**8)}",
            registered_at=timezone.now() - timedelta(days=40 - number * 0.2),
        )
        REGISTRATION_WORKFLOW.initial(
            registration, RegistrationStatus.CONFIRMED if number < confirmed else RegistrationStatus.WAITLISTED
        )
        registrations.append(registration)
    Registration.objects.bulk_create(registrations)
    REGISTRATION_WORKFLOW.log_created(registrations, actor=SEED, note=NOTE)
    if past:
        attendances = []
        for registration in registrations:
            share = rng.random()
            for session in sessions:
                if share > 0.15 and rng.random() < 0.9:  # most came every day; a few dropped out
                    attendances.append(
                        Attendance(registration=registration, session=session, method=CheckInMethod.PAPER)
                    )
        Attendance.objects.bulk_create(attendances)
        certificates_issue(event, actor=SEED)
        if kind in ("pameran", "temu_usaha"):
            _outcomes(event, registrations, rng)
        if code == "WS-DESAIN-01":
            _agreement(event, office, institutions, start)


def _describe(kind: str, title: str) -> str:
    return {
        "pelatihan": _("Pelatihan praktik lima hari bagi perajin pemula, dari pola hingga pewarnaan."),
        "temu_usaha": _("Mempertemukan IKM dengan perbankan dan pembeli untuk kendala permodalan dan pemasaran."),
        "workshop": _("Pengembangan desain produk kriya bersama akademisi dan Kementerian Perindustrian."),
        "pameran": _("Pameran dan penjualan produk unggulan IKM Bali; temu dengan pembeli dan reseller."),
        "bimtek": _("Bimbingan teknis desain kemasan, label, dan persyaratan halal untuk produk pangan olahan."),
        "sosialisasi": _("Sosialisasi tata cara sertifikasi halal dan izin P-IRT bagi IKM pangan."),
        "studi_tiru": _("Kunjungan belajar ke sentra tenun endek bersama Dekranasda dan perajin."),
    }.get(kind, title)


def _outcomes(event, registrations, rng) -> None:
    seen = set()
    for registration in registrations:
        business = registration.business
        if business is None or business.pk in seen or rng.random() < 0.4:
            continue
        seen.add(business.pk)
        Outcome.objects.create(
            event=event,
            business=business,
            direct_sales=Decimal(rng.randrange(5, 80) * 250_000),
            orders=Decimal(rng.randrange(0, 40) * 500_000),
            buyers_met=rng.randrange(1, 12),
            contracts=rng.choice([0, 0, 0, 1]),
            contract_value=Decimal(0),
        )


def _agreement(event, office, institutions, start) -> None:
    agreement = Agreement.objects.create(
        office=office,
        title=_("Kerja sama pengembangan desain produk IKM kriya Bali"),
        signed_on=start,
        valid_until=start + timedelta(days=3 * 365),
        scope=_("Pendampingan desain oleh dosen dan mahasiswa; Dinas menyediakan peserta IKM dan tempat."),
        event=event,
    )
    AgreementParty.objects.create(agreement=agreement, institution=institutions["Universitas Udayana"],
                                  number="B/1234/UN14/HK.07.00/2026", provides=_("Tenaga ahli desain"))  # fmt: skip
    party = Institution.objects.get_or_create(name=office.name, defaults={"kind": "pemda"})[0]
    AgreementParty.objects.create(agreement=agreement, institution=party, number="500.3/217/Disperindag",
                                  provides=_("Peserta IKM, tempat dan anggaran kegiatan"))  # fmt: skip
