"""Kegiatan: an office's programme of events (workshop, pelatihan, bimtek, pameran, temu usaha, studi tiru,
sosialisasi, pendampingan), their sessions, partners and speakers, the people who register and attend, the MoUs
signed and what IKM gained (DESIGN §3–§6).

Scoping: an event belongs to its organising office, and the office's region decides who sees and changes it (a
studi tiru organised by Badung and held in Makassar is Badung's). Registrations, attendance and outcomes follow their
event. Institutions (instansi/mitra) and speakers are an address book shared by every office.
"""

from __future__ import annotations

import secrets
from datetime import timedelta
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from django_cleanup import cleanup
from simple_history.models import HistoricalRecords

from businesses import photos
from businesses import validators as v
from businesses.choices import Sex
from businesses.models import Business
from events.choices import (
    HOLDS_PLACE,
    CheckInMethod,
    EventKind,
    EventStatus,
    FundingSource,
    InstitutionKind,
    ParticipantCategory,
    PartnerRole,
    RegistrationStatus,
)
from ikm_registry.models import Office, Region, TransitionLog
from ikm_registry.private_files import private_storage, random_name
from ikm_registry.scoping import RegionCodeFromMixin, ScopedQuerySet, choices_from_everywhere
from ikm_registry.text import CleanTextMixin

# Default share of an event's sessions a participant attends to earn its certificate (DESIGN §6).
CERTIFICATE_MIN_PERCENT = 80
# How long a place offered from the waiting list is held (pretix's waiting_list_hours).
OFFER_HOURS = 48
# Letters of a check-in code: no 0/O, 1/I/L, so that a code read aloud or typed from paper is not mistaken.
CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
CODE_LENGTH = 8


def new_code(length: int = CODE_LENGTH) -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(length))


def new_secret() -> str:
    """The secret of a participant's personal link (about 190 bits)."""
    return secrets.token_urlsafe(24)


def agreement_upload_to(instance, filename: str) -> str:
    return random_name("documents", filename)


# --- the address book --------------------------------------------------------------------------------------------


class Institution(CleanTextMixin, models.Model):
    """An instansi or mitra: a ministry, a local government, a university, a bank, Dekranasda, TP PKK, an LSP, … —
    organiser, partner, a speaker's employer or a party to an MoU. Shared by every office."""

    name = models.CharField(_("nama instansi"), max_length=200, unique=True)
    kind = models.CharField(_("jenis"), max_length=20, choices=InstitutionKind.choices, default=InstitutionKind.OTHER)
    region = models.ForeignKey(
        Region,
        verbose_name=_("wilayah"),
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
        help_text=_("Kosongkan untuk instansi nasional."),
    )
    website = models.URLField(_("situs web"), blank=True)

    history = HistoricalRecords()
    named_to_everyone = True

    class Meta:
        verbose_name = _("instansi")
        verbose_name_plural = pgettext_lazy("plural", "instansi")
        ordering = ["name"]

    def __str__(self):
        return self.name


class Speaker(CleanTextMixin, models.Model):
    """A narasumber or instruktur. Contact details are for staff only."""

    name = models.CharField(_("nama"), max_length=200)
    position = models.CharField(_("jabatan/keahlian"), max_length=200, blank=True)
    institution = models.ForeignKey(
        Institution,
        verbose_name=_("instansi"),
        on_delete=models.PROTECT,
        related_name="speakers",
        null=True,
        blank=True,
    )
    phone = models.CharField(_("telepon"), max_length=20, blank=True, validators=[v.validate_phone])
    email = models.EmailField(_("e-mail"), blank=True)

    history = HistoricalRecords()
    named_to_everyone = True
    # A speaker is named on public pages; how to reach them stays with staff.
    personal_fields = ("phone", "email")

    class Meta:
        verbose_name = _("narasumber")
        verbose_name_plural = pgettext_lazy("plural", "narasumber")
        ordering = ["name"]

    def __str__(self):
        return f"{self.name} ({self.institution})" if self.institution_id else self.name


# --- events ------------------------------------------------------------------------------------------------------


class EventQuerySet(ScopedQuerySet):
    # The organising office's region, copied onto the event when it is saved (no join to scope a list).
    region_field = "region_code"

    def public(self):
        """What the agenda shows: the events marked public, whatever their status (the programme is announced
        while planned; a cancelled event says so)."""
        return self.filter(is_public=True)


class EventChildQuerySet(ScopedQuerySet):
    region_field = "event__region_code"


class Event(RegionCodeFromMixin, CleanTextMixin, models.Model):
    """One kegiatan of an office's programme. Its office decides who sees and changes it; its venue may be anywhere
    in Indonesia."""

    code = models.CharField(
        _("kode kegiatan"),
        max_length=40,
        help_text=_("Kode kantor Anda untuk kegiatan ini (mis. PLT-2026-03); dipakai untuk mencocokkan impor ulang."),
    )
    title = models.CharField(_("judul"), max_length=300)
    kind = models.CharField(_("jenis kegiatan"), max_length=20, choices=EventKind.choices)
    description = models.TextField(_("deskripsi"), blank=True)
    office = models.ForeignKey(
        Office, verbose_name=_("kantor penyelenggara"), on_delete=models.PROTECT, related_name="events"
    )
    region_code = models.CharField(_("wilayah kantor"), max_length=13, editable=False, db_index=True)
    venue = models.CharField(_("tempat"), max_length=300, blank=True)
    venue_region = choices_from_everywhere(
        models.ForeignKey(
            Region,
            verbose_name=_("wilayah tempat"),
            on_delete=models.PROTECT,
            related_name="+",
            limit_choices_to={"level__in": ["province", "regency"]},
            help_text=_("Kabupaten/kota tempat kegiatan; boleh di provinsi lain."),
        )
    )
    start_date = models.DateField(_("tanggal mulai"))
    end_date = models.DateField(_("tanggal selesai"))
    quota = models.PositiveIntegerField(
        _("kuota peserta"), null=True, blank=True, help_text=_("Kosongkan bila tidak dibatasi.")
    )
    registration_opens = models.DateTimeField(_("pendaftaran dibuka"), null=True, blank=True)
    registration_closes = models.DateTimeField(_("pendaftaran ditutup"), null=True, blank=True)
    is_public = models.BooleanField(
        _("tampil di agenda publik"), default=True, help_text=_("Kegiatan internal tidak tampil di /agenda/.")
    )
    offer_hours = models.PositiveIntegerField(
        _("lama tawaran (jam)"),
        default=OFFER_HOURS,
        validators=[MinValueValidator(1), MaxValueValidator(24 * 14)],
        help_text=_("Berapa jam tempat yang ditawarkan ke daftar tunggu ditahan sebelum pindah ke orang berikutnya."),
    )
    certificate_min_percent = models.PositiveSmallIntegerField(
        _("kehadiran minimal untuk sertifikat (%)"),
        default=CERTIFICATE_MIN_PERCENT,
        validators=[MinValueValidator(1), MaxValueValidator(100)],
    )
    funding_source = models.CharField(
        _("sumber dana"), max_length=20, choices=FundingSource.choices, default=FundingSource.APBD
    )
    budget_planned = models.DecimalField(
        _("anggaran (rencana, Rp)"), max_digits=16, decimal_places=0, null=True, blank=True,
        validators=[v.validate_non_negative],
    )  # fmt: skip
    budget_realised = models.DecimalField(
        _("anggaran (realisasi, Rp)"), max_digits=16, decimal_places=0, null=True, blank=True,
        validators=[v.validate_non_negative],
    )  # fmt: skip
    status = models.CharField(
        _("status"), max_length=12, choices=EventStatus.choices, default=EventStatus.PLANNED, db_index=True
    )
    # The report (laporan kegiatan): filled before the event is completed.
    background = models.TextField(_("latar belakang"), blank=True)
    legal_basis = models.TextField(_("dasar hukum"), blank=True)
    purpose = models.TextField(_("maksud dan tujuan"), blank=True)
    results = models.TextField(_("hasil kegiatan"), blank=True)
    conclusion = models.TextField(_("kesimpulan dan saran"), blank=True)
    partners = models.ManyToManyField(
        Institution, through="EventPartner", verbose_name=_("mitra"), related_name="events", blank=True
    )
    speakers = models.ManyToManyField(
        Speaker, through="EventSpeaker", verbose_name=_("narasumber"), related_name="events", blank=True
    )
    created_at = models.DateTimeField(_("dibuat"), auto_now_add=True)
    updated_at = models.DateTimeField(_("diubah"), auto_now=True)

    objects = EventQuerySet.as_manager()
    region_from = "office"  # the organising office's region, copied on save (RegionCodeFromMixin)
    history = HistoricalRecords(excluded_fields=["updated_at"])

    # The fields the laporan kegiatan needs before an event is completed.
    REPORT_FIELDS = ("background", "purpose", "results")

    class Meta:
        verbose_name = pgettext_lazy("event", "kegiatan")
        verbose_name_plural = pgettext_lazy("plural", "kegiatan")
        ordering = ["-start_date", "title"]
        constraints = [
            models.UniqueConstraint(fields=["office", "code"], name="event_code_unique_per_office"),
            models.CheckConstraint(condition=Q(end_date__gte=models.F("start_date")), name="event_ends_after_start"),
        ]
        indexes = [models.Index(fields=["is_public", "start_date"], name="event_agenda_idx")]

    def __str__(self):
        return f"{self.title} ({self.start_date:%d-%m-%Y})"

    def clean(self):
        super().clean()
        errors = {}
        if self.start_date and self.end_date and self.end_date < self.start_date:
            errors["end_date"] = _("Tanggal selesai sebelum tanggal mulai.")
        if self.registration_opens and self.registration_closes and self.registration_closes < self.registration_opens:
            errors["registration_closes"] = _("Pendaftaran ditutup sebelum dibuka.")
        if errors:
            raise ValidationError(errors)

    @property
    def transitions(self):
        return TransitionLog.objects.for_object(self)

    def registration_is_open(self, now=None) -> bool:
        """Whether the public may register now: the event is open and within its registration window."""
        now = now or timezone.now()
        if self.status != EventStatus.OPEN or self.end_date < timezone.localdate(now):
            return False  # an event left "open" after it ended takes no one
        if self.registration_opens and now < self.registration_opens:
            return False
        return not (self.registration_closes and now > self.registration_closes)


class EventPartner(models.Model):
    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="partnerships")
    institution = models.ForeignKey(
        Institution, verbose_name=_("instansi"), on_delete=models.PROTECT, related_name="partnerships"
    )
    role = models.CharField(_("peran"), max_length=20, choices=PartnerRole.choices, default=PartnerRole.PARTNER)

    objects = EventChildQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("mitra kegiatan")
        verbose_name_plural = pgettext_lazy("plural", "mitra kegiatan")
        constraints = [models.UniqueConstraint(fields=["event", "institution"], name="event_partner_once")]

    def __str__(self):
        return f"{self.institution} ({self.get_role_display()})"


class EventSpeaker(models.Model):
    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="speaker_roles")
    speaker = models.ForeignKey(
        Speaker, verbose_name=_("narasumber"), on_delete=models.PROTECT, related_name="speaker_roles"
    )
    topic = models.CharField(_("materi"), max_length=300, blank=True)

    objects = EventChildQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("narasumber kegiatan")
        verbose_name_plural = pgettext_lazy("plural", "narasumber kegiatan")
        constraints = [models.UniqueConstraint(fields=["event", "speaker"], name="event_speaker_once")]

    def __str__(self):
        return str(self.speaker)


class Session(models.Model):
    """A day or part of an event: attendance is taken per session. One per day by default."""

    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="sessions")
    date = models.DateField(_("tanggal"))
    starts = models.TimeField(_("mulai"), null=True, blank=True)
    ends = models.TimeField(_("selesai"), null=True, blank=True)
    title = models.CharField(_("judul sesi"), max_length=200, blank=True)
    capacity = models.PositiveIntegerField(
        _("kapasitas"), null=True, blank=True, help_text=_("Kosongkan bila sama dengan kuota kegiatan.")
    )

    objects = EventChildQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("sesi")
        verbose_name_plural = pgettext_lazy("plural", "sesi")
        ordering = ["date", "starts", "pk"]

    def __str__(self):
        label = self.title or _("Sesi")
        return f"{label}, {self.date:%d-%m-%Y}"

    def clean(self):
        super().clean()
        if self.starts and self.ends and self.ends <= self.starts:
            raise ValidationError({"ends": _("Sesi selesai sebelum mulai.")})
        event = self.event if self.event_id else None
        if event and self.date and event.start_date and event.end_date:
            if not event.start_date <= self.date <= event.end_date:
                raise ValidationError({"date": _("Tanggal sesi di luar tanggal kegiatan.")})


# --- participants ------------------------------------------------------------------------------------------------


class RegistrationQuerySet(EventChildQuerySet):
    def holding_places(self):
        return self.filter(status__in=HOLDS_PLACE)

    def waiting(self):
        """The waiting list in its order: who registered first is offered first."""
        return self.filter(status=RegistrationStatus.WAITLISTED).order_by("registered_at", "pk")


class Registration(CleanTextMixin, models.Model):
    """A person registered for an event: from the public form, by staff, or from an imported daftar hadir.

    NIK, phone, e-mail and the personal link are private. The link's secret is kept so that it can be sent again
    (to the e-mail on file, or read out by staff), as pretix keeps an order's secret; staff can replace it when a
    link has leaked. The check-in code is printed on the confirmation and typed or scanned at the door."""

    event = models.ForeignKey(
        Event, verbose_name=pgettext_lazy("event", "kegiatan"), on_delete=models.CASCADE, related_name="registrations"
    )
    name = models.CharField(_("nama"), max_length=200)
    sex = models.CharField(_("jenis kelamin"), max_length=1, choices=Sex.choices)
    category = models.CharField(
        _("kategori"), max_length=20, choices=ParticipantCategory.choices, default=ParticipantCategory.IKM
    )
    institution = models.CharField(
        _("instansi/usaha"), max_length=200, blank=True, help_text=_("Nama usaha, instansi atau kampus.")
    )
    business = models.ForeignKey(
        Business,
        verbose_name=_("IKM terdaftar"),
        on_delete=models.SET_NULL,
        related_name="event_registrations",
        null=True,
        blank=True,
    )
    nik = models.CharField(_("NIK"), max_length=16, blank=True, validators=[v.validate_nik])
    phone = models.CharField(_("telepon"), max_length=20, blank=True, validators=[v.validate_phone])
    email = models.EmailField(_("e-mail"), blank=True)
    status = models.CharField(
        _("status"),
        max_length=12,
        choices=RegistrationStatus.choices,
        default=RegistrationStatus.CONFIRMED,
        db_index=True,
    )
    registered_at = models.DateTimeField(_("mendaftar"), default=timezone.now, db_index=True)
    offer_expires_at = models.DateTimeField(_("tawaran berlaku sampai"), null=True, blank=True)
    code = models.CharField(_("kode peserta"), max_length=CODE_LENGTH, unique=True, default=new_code, editable=False)
    secret = models.CharField(max_length=40, unique=True, default=new_secret, editable=False)
    certificate_number = models.PositiveIntegerField(_("nomor sertifikat"), null=True, blank=True, editable=False)
    certificate_code = models.CharField(
        _("kode verifikasi sertifikat"), max_length=16, blank=True, editable=False, db_index=True
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", editable=False
    )

    objects = RegistrationQuerySet.as_manager()
    history = HistoricalRecords(excluded_fields=["secret"])

    # Personal data: never on a public page or in an export without its log (DESIGN §2).
    personal_fields = ("nik", "phone", "email")

    class Meta:
        verbose_name = _("pendaftaran")
        verbose_name_plural = pgettext_lazy("plural", "pendaftaran")
        ordering = ["registered_at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["event", "certificate_number"],
                condition=Q(certificate_number__isnull=False),
                name="registration_certificate_number_unique",
            ),
        ]
        indexes = [models.Index(fields=["event", "status", "registered_at"], name="registration_queue_idx")]

    def __str__(self):
        return f"{self.name} — {self.event.title}" if self.event_id else self.name

    @property
    def transitions(self):
        return TransitionLog.objects.for_object(self)

    @property
    def holds_place(self) -> bool:
        return self.status in HOLDS_PLACE


class AttendanceQuerySet(ScopedQuerySet):
    region_field = "session__event__region_code"


class Attendance(models.Model):
    """A participant present at one session: checked in at the door (scan or search), from a paper sheet, or
    imported. No row = absent."""

    registration = models.ForeignKey(Registration, on_delete=models.CASCADE, related_name="attendances")
    session = models.ForeignKey(Session, verbose_name=_("sesi"), on_delete=models.CASCADE, related_name="attendances")
    checked_in_at = models.DateTimeField(_("hadir pada"), default=timezone.now)
    method = models.CharField(_("cara"), max_length=10, choices=CheckInMethod.choices, default=CheckInMethod.SEARCH)
    checked_in_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    objects = AttendanceQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("kehadiran")
        verbose_name_plural = pgettext_lazy("plural", "kehadiran")
        constraints = [models.UniqueConstraint(fields=["registration", "session"], name="attendance_once")]

    def __str__(self):
        return f"{self.registration.name}: {self.session}"


# --- after the event ---------------------------------------------------------------------------------------------


class Outcome(models.Model):
    """What a business gained at a pameran or temu usaha: direct sales, orders, buyers met, contracts."""

    event = models.ForeignKey(
        Event, verbose_name=pgettext_lazy("event", "kegiatan"), on_delete=models.CASCADE, related_name="outcomes"
    )
    business = models.ForeignKey(
        Business, verbose_name=_("IKM"), on_delete=models.PROTECT, related_name="event_outcomes"
    )
    direct_sales = models.DecimalField(
        _("penjualan langsung (Rp)"), max_digits=16, decimal_places=0, default=Decimal(0),
        validators=[v.validate_non_negative],
    )  # fmt: skip
    orders = models.DecimalField(
        _("nilai pesanan (Rp)"), max_digits=16, decimal_places=0, default=Decimal(0),
        validators=[v.validate_non_negative],
    )  # fmt: skip
    buyers_met = models.PositiveIntegerField(_("pembeli/reseller ditemui"), default=0)
    contracts = models.PositiveIntegerField(_("kontrak/MoU dengan pembeli"), default=0)
    contract_value = models.DecimalField(
        _("nilai kontrak (Rp)"), max_digits=16, decimal_places=0, default=Decimal(0),
        validators=[v.validate_non_negative],
    )  # fmt: skip
    notes = models.TextField(_("catatan"), blank=True)

    objects = EventChildQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("hasil usaha")
        verbose_name_plural = pgettext_lazy("plural", "hasil usaha")
        constraints = [models.UniqueConstraint(fields=["event", "business"], name="outcome_once_per_business")]

    def __str__(self):
        return f"{self.business}: {self.event.title}"


class EvaluationQuerySet(ScopedQuerySet):
    region_field = "registration__event__region_code"


class Evaluation(models.Model):
    """A participant's short evaluation after the event (through their personal link)."""

    registration = models.OneToOneField(Registration, on_delete=models.CASCADE, related_name="evaluation")
    rating = models.PositiveSmallIntegerField(
        _("penilaian keseluruhan"), validators=[MinValueValidator(1), MaxValueValidator(5)]
    )
    usefulness = models.PositiveSmallIntegerField(
        _("manfaat untuk usaha"), validators=[MinValueValidator(1), MaxValueValidator(5)]
    )
    comments = models.TextField(_("saran dan komentar"), blank=True, max_length=2000)
    submitted_at = models.DateTimeField(_("dikirim"), auto_now_add=True)

    objects = EvaluationQuerySet.as_manager()

    class Meta:
        verbose_name = _("evaluasi peserta")
        verbose_name_plural = pgettext_lazy("plural", "evaluasi peserta")

    def __str__(self):
        return f"{self.registration.name}: {self.rating}/5"


@cleanup.select  # django-cleanup: the files of a replaced or deleted photo are deleted after the commit
class EventPhoto(models.Model):
    """A documentation photo of an event (dokumentasi) for its laporan kegiatan: re-encoded without EXIF/GPS, with
    a thumbnail, kept as a private file (people are in it) and shown to staff of the event's region only."""

    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="photos")
    photo = photos.PhotoField(
        _("foto"),
        storage=private_storage,
        photo_root="event-photos",
        upload_to="event-photos/%Y/",
        help_text=_("JPEG, PNG atau WebP; disimpan ulang tanpa data lokasi (EXIF/GPS)."),
    )
    photo_thumbnail = models.ImageField(
        _("gambar kecil foto"), storage=private_storage, upload_to="event-photos/%Y/", blank=True, editable=False
    )
    caption = models.CharField(_("keterangan"), max_length=200, blank=True)

    objects = EventChildQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("foto dokumentasi")
        verbose_name_plural = pgettext_lazy("plural", "foto dokumentasi")
        ordering = ["pk"]

    def __str__(self):
        return self.caption or _("Foto %(n)s") % {"n": self.pk}


# --- agreements --------------------------------------------------------------------------------------------------


class AgreementQuerySet(ScopedQuerySet):
    region_field = "office__region__code"

    def expiring(self, *, within_days: int = 90, today=None):
        today = today or timezone.localdate()
        return self.filter(valid_until__gte=today, valid_until__lte=today + timedelta(days=within_days))


class Agreement(CleanTextMixin, models.Model):
    """A nota kesepahaman (MoU) or perjanjian kerja sama: its parties (each with its own number), what each
    provides, when it was signed (perhaps at an event) and until when it holds. The signed document is private."""

    office = models.ForeignKey(
        Office, verbose_name=_("kantor pencatat"), on_delete=models.PROTECT, related_name="agreements"
    )
    title = models.CharField(_("judul"), max_length=300)
    signed_on = models.DateField(_("tanggal penandatanganan"))
    valid_until = models.DateField(_("berlaku sampai"), null=True, blank=True)
    scope = models.TextField(_("ruang lingkup"), blank=True)
    event = models.ForeignKey(
        Event,
        verbose_name=_("ditandatangani pada kegiatan"),
        on_delete=models.SET_NULL,
        related_name="agreements",
        null=True,
        blank=True,
    )
    document = models.FileField(
        _("dokumen (pribadi)"), storage=private_storage, upload_to=agreement_upload_to, blank=True
    )

    objects = AgreementQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("nota kesepahaman")
        verbose_name_plural = pgettext_lazy("plural", "nota kesepahaman")
        ordering = ["-signed_on", "title"]

    def __str__(self):
        return self.title

    def clean(self):
        super().clean()
        if self.valid_until and self.signed_on and self.valid_until < self.signed_on:
            raise ValidationError({"valid_until": _("Berlaku sampai sebelum tanggal penandatanganan.")})


class AgreementPartyQuerySet(ScopedQuerySet):
    region_field = "agreement__office__region__code"


class AgreementParty(models.Model):
    agreement = models.ForeignKey(Agreement, on_delete=models.CASCADE, related_name="parties")
    institution = models.ForeignKey(
        Institution, verbose_name=_("pihak"), on_delete=models.PROTECT, related_name="agreement_parties"
    )
    number = models.CharField(_("nomor dokumen pihak ini"), max_length=100, blank=True)
    provides = models.TextField(_("yang disediakan"), blank=True)

    objects = AgreementPartyQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("pihak")
        verbose_name_plural = pgettext_lazy("plural", "pihak")
        constraints = [models.UniqueConstraint(fields=["agreement", "institution"], name="agreement_party_once")]

    def __str__(self):
        return str(self.institution)
