"""Sertifikasi: competency certification of IKM people through LSPs (the BNSP system) and the product certificates
IKM hold (halal, P-IRT, SNI, BPOM, merek), with the targets offices set (DESIGN §3–§6;
../shared/reference/certification.md).

Scoping: LSPs, their schemes, assessors and TUK are an address book every office reads (an LSP is often in another
province); an LSP's operator sees and changes its own only. Sessions belong to the region of their TUK; enrollments
and competency certificates to the region of the asesi's business, and to their LSP (its operator reaches them
wherever the business is); product certificates to their business's region; targets to their region.
"""

from __future__ import annotations

import re
import secrets
from datetime import date

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from simple_history.models import HistoricalRecords

from businesses import validators as v
from businesses.models import Assistance, Business, Product
from certification import product_rules
from certification.choices import (
    AsesiRole,
    CertificateStatus,
    EnrollmentStatus,
    FundingSource,
    LspKind,
    ProductCertificateKind,
    ProductCertificateStatus,
    SchemeKind,
    TargetKind,
    TukKind,
)
from ikm_registry.models import Region, TransitionLog
from ikm_registry.private_files import private_storage, random_name
from ikm_registry.scoping import RegionCodeFromMixin, ScopedQuerySet, choices_from_everywhere
from ikm_registry.text import CleanTextMixin

# Default validity of a competency certificate (DESIGN §6); each scheme stores its own.
DEFAULT_VALIDITY_MONTHS = 36
DEFAULT_SURVEILLANCE_MONTHS = 12
# An assessor's registration number as BNSP prints it: MET.000.001668 2012. Checked with a warning, not refused.
MET_PATTERN = re.compile(r"^MET\.\d{3}\.\d{6} \d{4}$")
# Letters of a verification code: no 0/O, 1/I/L (read from paper or typed from a phone).
CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
CODE_LENGTH = 12


def new_verification_code() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


def document_upload_to(instance, filename: str) -> str:
    return random_name("certification", filename)


REGION_LEVELS = {"level__in": ["province", "regency"]}


# --- the address book: LSPs, schemes, assessors, TUK -------------------------------------------------------------


class LspOwnedQuerySet(ScopedQuerySet):
    """Rows of an LSP's address book: office staff read them all and, with write access, correct them (they keep
    the LSP's details for their IKM); an LSP's operator reads and changes its own LSP's rows only."""

    lsp_field = "lsp_id"
    membership_fields = {"lsp": "lsp_id"}

    def reach(self, scope):
        if scope.everything or scope.region_code is not None:
            return None
        ids = scope.member_of("lsp")
        return Q(**{f"{self.lsp_field}__in": sorted(ids)}) if ids else Q(pk__in=[])


class LspQuerySet(LspOwnedQuerySet):
    # "id", not "pk": the same condition scopes the LSP's historical rows, whose pk is their history_id.
    lsp_field = "id"
    membership_fields = {"lsp": "id"}


class Lsp(CleanTextMixin, models.Model):
    """A Lembaga Sertifikasi Profesi licensed by BNSP."""

    name = models.CharField(_("nama LSP"), max_length=200, unique=True)
    kind = models.CharField(_("jenis"), max_length=2, choices=LspKind.choices, default=LspKind.P3)
    licence_number = models.CharField(_("nomor lisensi BNSP"), max_length=100, blank=True)
    licence_expires = models.DateField(_("lisensi berlaku sampai"), null=True, blank=True)
    address = models.CharField(_("alamat"), max_length=300, blank=True)
    region = choices_from_everywhere(
        models.ForeignKey(
            Region,
            verbose_name=_("wilayah"),
            on_delete=models.PROTECT,
            related_name="+",
            limit_choices_to=REGION_LEVELS,
            help_text=_("Kabupaten/kota kedudukan LSP; boleh di provinsi lain."),
        )
    )
    phone = models.CharField(_("telepon kantor"), max_length=50, blank=True)
    email = models.EmailField(_("e-mail kantor"), blank=True)
    website = models.URLField(_("situs web"), blank=True)
    operators = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("operator LSP"),
        related_name="lsps",
        blank=True,
        help_text=_("Akun yang mengelola skema, jadwal uji, asesi dan sertifikat LSP ini."),
    )

    objects = LspQuerySet.as_manager()
    history = HistoricalRecords(m2m_fields=[])
    named_to_everyone = True

    class Meta:
        verbose_name = _("LSP")
        verbose_name_plural = pgettext_lazy("plural", "LSP")
        ordering = ["name"]

    def __str__(self):
        return self.name


class Scheme(CleanTextMixin, models.Model):
    """A skema sertifikasi as the LSP writes it (e.g. SKM/BNSP/00010/1/2020), with its validity."""

    lsp = models.ForeignKey(Lsp, verbose_name=_("LSP"), on_delete=models.PROTECT, related_name="schemes")
    code = models.CharField(_("kode skema"), max_length=80, help_text=_("Seperti ditulis LSP."))
    name = models.CharField(_("nama skema"), max_length=300)
    kind = models.CharField(_("jenis skema"), max_length=10, choices=SchemeKind.choices, default=SchemeKind.OCCUPATION)
    standard = models.CharField(
        _("acuan standar"), max_length=300, blank=True, help_text=_("Mis. SKKNI Kepmenaker 397/2014.")
    )
    units = models.TextField(_("unit kompetensi"), blank=True, help_text=_("Satu unit per baris: kode dan judul."))
    validity_months = models.PositiveSmallIntegerField(
        _("masa berlaku sertifikat (bulan)"),
        default=DEFAULT_VALIDITY_MONTHS,
        validators=[MinValueValidator(1), MaxValueValidator(120)],
    )
    surveillance_months = models.PositiveSmallIntegerField(
        _("interval surveilan (bulan)"),
        default=DEFAULT_SURVEILLANCE_MONTHS,
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(120)],
        help_text=_("Kosongkan bila skema tanpa surveilan."),
    )
    is_active = models.BooleanField(_("masih dibuka"), default=True)

    objects = LspOwnedQuerySet.as_manager()
    history = HistoricalRecords()
    named_to_everyone = True

    class Meta:
        verbose_name = _("skema sertifikasi")
        verbose_name_plural = pgettext_lazy("plural", "skema sertifikasi")
        ordering = ["lsp__name", "code"]
        constraints = [models.UniqueConstraint(fields=["lsp", "code"], name="scheme_code_unique_per_lsp")]

    def __str__(self):
        return f"{self.name} ({self.code})"

    @property
    def unit_list(self) -> list[str]:
        return [line.strip() for line in self.units.splitlines() if line.strip()]


class Assessor(CleanTextMixin, models.Model):
    """An asesor kompetensi registered with BNSP, working for an LSP. Contact details are for staff only."""

    lsp = models.ForeignKey(Lsp, verbose_name=_("LSP"), on_delete=models.PROTECT, related_name="assessors")
    name = models.CharField(_("nama"), max_length=200)
    met_number = models.CharField(
        _("nomor registrasi (MET)"), max_length=40, blank=True, help_text=_("Mis. MET.000.001668 2012.")
    )
    home_region = choices_from_everywhere(
        models.ForeignKey(
            Region,
            verbose_name=_("domisili"),
            on_delete=models.PROTECT,
            related_name="+",
            limit_choices_to=REGION_LEVELS,
            help_text=_("Kabupaten/kota tempat tinggal asesor: uji di wilayah lain berarti perjalanan."),
        )
    )
    schemes = models.ManyToManyField(Scheme, verbose_name=_("skema yang dapat diuji"), related_name="assessors")
    licence_expires = models.DateField(_("sertifikat asesor berlaku sampai"), null=True, blank=True)
    phone = models.CharField(_("telepon"), max_length=20, blank=True, validators=[v.validate_phone])
    email = models.EmailField(_("e-mail"), blank=True)

    objects = LspOwnedQuerySet.as_manager()
    history = HistoricalRecords()
    named_to_everyone = True
    personal_fields = ("phone", "email")

    class Meta:
        verbose_name = _("asesor")
        verbose_name_plural = pgettext_lazy("plural", "asesor")
        ordering = ["name"]

    def __str__(self):
        return self.name

    @property
    def met_number_looks_right(self) -> bool:
        return not self.met_number or bool(MET_PATTERN.match(self.met_number))


class Tuk(CleanTextMixin, models.Model):
    """A tempat uji kompetensi: at a workplace, a permanent one, or one used for a single session (sewaktu)."""

    lsp = models.ForeignKey(Lsp, verbose_name=_("LSP"), on_delete=models.PROTECT, related_name="tuks")
    name = models.CharField(_("nama TUK"), max_length=200)
    kind = models.CharField(_("jenis TUK"), max_length=15, choices=TukKind.choices, default=TukKind.TEMPORARY)
    address = models.CharField(_("alamat"), max_length=300, blank=True)
    region = choices_from_everywhere(
        models.ForeignKey(
            Region,
            verbose_name=_("wilayah"),
            on_delete=models.PROTECT,
            related_name="+",
            limit_choices_to=REGION_LEVELS,
        )
    )
    verified_on = models.DateField(
        _("diverifikasi LSP pada"), null=True, blank=True, help_text=_("TUK sewaktu diverifikasi untuk setiap uji.")
    )

    objects = LspOwnedQuerySet.as_manager()
    history = HistoricalRecords()
    named_to_everyone = True

    class Meta:
        verbose_name = _("TUK")
        verbose_name_plural = pgettext_lazy("plural", "TUK")
        ordering = ["name"]

    def __str__(self):
        return f"{self.name} ({self.region.name})" if self.region_id else self.name


# --- sessions and asesi ------------------------------------------------------------------------------------------


class AssessmentSessionQuerySet(ScopedQuerySet):
    # The TUK's region, copied onto the session when it is saved.
    region_field = "region_code"
    membership_fields = {"lsp": "scheme__lsp_id"}


class AssessmentSession(RegionCodeFromMixin, CleanTextMixin, models.Model):
    """One uji kompetensi: a scheme assessed at a TUK on given dates by assigned assessors, for at most `capacity`
    asesi."""

    scheme = models.ForeignKey(Scheme, verbose_name=_("skema"), on_delete=models.PROTECT, related_name="sessions")
    tuk = models.ForeignKey(Tuk, verbose_name=_("TUK"), on_delete=models.PROTECT, related_name="sessions")
    region_code = models.CharField(_("wilayah TUK"), max_length=13, editable=False, db_index=True)
    start_date = models.DateField(_("tanggal mulai"))
    end_date = models.DateField(_("tanggal selesai"))
    assessors = models.ManyToManyField(Assessor, verbose_name=_("asesor"), related_name="sessions", blank=True)
    capacity = models.PositiveIntegerField(
        _("kapasitas (asesi)"), validators=[MinValueValidator(1)], help_text=_("Jumlah asesi yang dapat diuji.")
    )
    funding = models.CharField(_("sumber dana"), max_length=10, choices=FundingSource.choices,
                               default=FundingSource.APBD)  # fmt: skip
    notes = models.TextField(_("catatan"), blank=True)
    created_at = models.DateTimeField(_("dibuat"), auto_now_add=True)

    objects = AssessmentSessionQuerySet.as_manager()
    region_from = "tuk"  # the TUK's region, copied on save (RegionCodeFromMixin)
    history = HistoricalRecords(m2m_fields=[])

    class Meta:
        verbose_name = _("jadwal uji kompetensi")
        verbose_name_plural = pgettext_lazy("plural", "jadwal uji kompetensi")
        ordering = ["-start_date", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(end_date__gte=models.F("start_date")), name="assessment_session_ends_after_start"
            ),
        ]

    def __str__(self):
        return f"{self.scheme.name}, {self.tuk.name} ({self.start_date:%d-%m-%Y})" if self.scheme_id else "?"

    def clean(self):
        super().clean()
        errors = {}
        if self.start_date and self.end_date and self.end_date < self.start_date:
            errors["end_date"] = _("Tanggal selesai sebelum tanggal mulai.")
        if self.scheme_id and self.tuk_id and self.tuk.lsp_id != self.scheme.lsp_id:
            errors["tuk"] = _("TUK ini milik %(tuk_lsp)s, bukan LSP skema ini (%(lsp)s).") % {
                "tuk_lsp": self.tuk.lsp,
                "lsp": self.scheme.lsp,
            }
        if self.pk and self.capacity:
            taken = self.enrollments.exclude(status=EnrollmentStatus.WITHDRAWN).count()
            if taken > self.capacity:
                errors["capacity"] = _("Sudah %(n)s asesi dijadwalkan; kapasitas tidak boleh kurang dari itu.") % {
                    "n": taken
                }
        if errors:
            raise ValidationError(errors)

    @property
    def travelling_assessors(self):
        """Assessors whose home is outside the TUK's regency: the session depends on their trip."""
        return [a for a in self.assessors.all() if not _same_regency(a.home_region_id, self.region_code)]


def _same_regency(a: str | None, b: str | None) -> bool:
    return bool(a and b) and a[:5] == b[:5]


class EnrollmentQuerySet(ScopedQuerySet):
    region_field = "business__village__code"
    membership_fields = {"lsp": "scheme__lsp_id"}

    def waiting(self):
        return self.filter(status=EnrollmentStatus.REGISTERED)


class Enrollment(CleanTextMixin, models.Model):
    """An asesi: an owner or worker of a registered business applying for a scheme. FR.APL.01 (application) and
    FR.APL.02 (self-assessment) are private files. A person not yet competent may enrol again (a new enrollment
    that names the previous one)."""

    business = models.ForeignKey(Business, verbose_name=_("IKM"), on_delete=models.PROTECT, related_name="enrollments")
    name = models.CharField(_("nama asesi"), max_length=200)
    role = models.CharField(_("jabatan di usaha"), max_length=15, choices=AsesiRole.choices,
                            default=AsesiRole.MANAGER)  # fmt: skip
    nik = models.CharField(_("NIK"), max_length=16, blank=True, validators=[v.validate_nik])
    phone = models.CharField(_("telepon"), max_length=20, blank=True, validators=[v.validate_phone])
    email = models.EmailField(_("e-mail"), blank=True)
    scheme = models.ForeignKey(Scheme, verbose_name=_("skema"), on_delete=models.PROTECT, related_name="enrollments")
    session = models.ForeignKey(
        AssessmentSession,
        verbose_name=_("jadwal uji"),
        on_delete=models.PROTECT,
        related_name="enrollments",
        null=True,
        blank=True,
        help_text=_("Pilih jadwal uji, lalu tekan “Jadwalkan”: tempatnya terpakai setelah dijadwalkan."),
    )
    status = models.CharField(
        _("status"), max_length=12, choices=EnrollmentStatus.choices, default=EnrollmentStatus.REGISTERED,
        db_index=True,
    )  # fmt: skip
    assessed_on = models.DateField(_("tanggal uji"), null=True, blank=True)
    apl01 = models.FileField(
        _("FR.APL.01 (permohonan)"), storage=private_storage, upload_to=document_upload_to, blank=True
    )
    apl02 = models.FileField(
        _("FR.APL.02 (asesmen mandiri)"), storage=private_storage, upload_to=document_upload_to, blank=True
    )
    previous = models.OneToOneField(
        "self",
        verbose_name=_("pendaftaran sebelumnya"),
        on_delete=models.SET_NULL,
        related_name="next_attempt",
        null=True,
        blank=True,
        editable=False,
    )
    notes = models.TextField(_("catatan"), blank=True)
    registered_at = models.DateTimeField(_("mendaftar"), default=timezone.now, db_index=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", editable=False
    )

    objects = EnrollmentQuerySet.as_manager()
    history = HistoricalRecords()
    personal_fields = ("nik", "phone", "email")

    class Meta:
        verbose_name = _("asesi")
        verbose_name_plural = pgettext_lazy("plural", "asesi")
        ordering = ["-registered_at", "pk"]
        indexes = [models.Index(fields=["scheme", "status"], name="enrollment_queue_idx")]

    def __str__(self):
        scheme = self.scheme.code if self.scheme_id else ""
        return f"{self.name} — {scheme}"

    @property
    def transitions(self):
        return TransitionLog.objects.for_object(self)

    @property
    def attempt(self) -> int:
        n, previous = 1, self.previous
        while previous is not None and n < 50:
            n, previous = n + 1, previous.previous
        return n

    def clean(self):
        super().clean()
        if self.session_id and self.scheme_id and self.session.scheme_id != self.scheme_id:
            raise ValidationError({"session": _("Jadwal uji ini untuk skema lain (%(scheme)s).") % {
                "scheme": self.session.scheme}})  # fmt: skip


# --- competency certificates -------------------------------------------------------------------------------------


class CertificateQuerySet(ScopedQuerySet):
    region_field = "enrollment__business__village__code"
    membership_fields = {"lsp": "enrollment__scheme__lsp_id"}

    def valid(self, today: date | None = None):
        today = today or timezone.localdate()
        return self.filter(status=CertificateStatus.ACTIVE, valid_until__gte=today)

    def lapsed(self, today: date | None = None):
        """Active in the record but past their date: what the daily job marks expired."""
        today = today or timezone.localdate()
        return self.filter(status=CertificateStatus.ACTIVE, valid_until__lt=today)


class Certificate(CleanTextMixin, models.Model):
    """A sertifikat kompetensi as the LSP issued it "atas nama BNSP": number and registration number as printed,
    valid until the scheme's months after issue unless the LSP wrote another date, surveillance due, and a public
    verification code (/verifikasi/)."""

    enrollment = models.OneToOneField(
        Enrollment, verbose_name=_("asesi"), on_delete=models.PROTECT, related_name="certificate"
    )
    number = models.CharField(_("nomor sertifikat"), max_length=100)
    registration_number = models.CharField(_("nomor registrasi"), max_length=100, blank=True)
    issued_on = models.DateField(_("tanggal terbit"))
    valid_until = models.DateField(
        _("berlaku sampai"), blank=True, help_text=_("Kosongkan untuk menghitung dari masa berlaku skema.")
    )
    status = models.CharField(
        _("status"), max_length=10, choices=CertificateStatus.choices, default=CertificateStatus.ACTIVE, db_index=True
    )
    surveillance_due = models.DateField(_("surveilan berikutnya"), null=True, blank=True)
    renews = models.OneToOneField(
        "self",
        verbose_name=_("memperpanjang sertifikat"),
        on_delete=models.SET_NULL,
        related_name="renewed_by",
        null=True,
        blank=True,
        help_text=_("Sertifikat lama yang diperpanjang (RCC) dengan sertifikat ini."),
    )
    code = models.CharField(
        _("kode verifikasi"), max_length=CODE_LENGTH, unique=True, default=new_verification_code, editable=False
    )
    created_at = models.DateTimeField(_("dicatat"), auto_now_add=True)

    objects = CertificateQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("sertifikat kompetensi")
        verbose_name_plural = pgettext_lazy("plural", "sertifikat kompetensi")
        ordering = ["-issued_on", "pk"]
        constraints = [
            models.CheckConstraint(condition=Q(valid_until__gte=models.F("issued_on")),
                                   name="certificate_valid_after_issue"),
        ]  # fmt: skip
        indexes = [models.Index(fields=["status", "valid_until"], name="certificate_expiry_idx")]

    def __str__(self):
        return self.number

    def save(self, *args, **kwargs):
        self.fill_dates()
        super().save(*args, **kwargs)

    @property
    def transitions(self):
        return TransitionLog.objects.for_object(self)

    def _enrollment(self):
        """The asesi, saved or not yet (an import builds both in one row): None when there is none."""
        try:
            return self.enrollment
        except Enrollment.DoesNotExist:
            return None

    def fill_dates(self) -> None:
        """valid_until and the first surveillance from the scheme when not typed."""
        enrollment = self._enrollment()
        scheme = enrollment.scheme if enrollment is not None else None
        if self.issued_on and not self.valid_until and scheme is not None:
            self.valid_until = product_rules.add_months(self.issued_on, scheme.validity_months)
        if self.issued_on and self.surveillance_due is None and scheme is not None and scheme.surveillance_months:
            due = product_rules.add_months(self.issued_on, scheme.surveillance_months)
            if not self.valid_until or due < self.valid_until:
                self.surveillance_due = due

    def clean(self):
        self.fill_dates()
        super().clean()
        if self.valid_until and self.issued_on and self.valid_until < self.issued_on:
            raise ValidationError({"valid_until": _("Berlaku sampai sebelum tanggal terbit.")})
        enrollment = self._enrollment()
        assessed = enrollment.assessed_on if enrollment is not None else None
        if assessed and self.issued_on and self.issued_on < assessed:
            raise ValidationError(
                {"issued_on": _("Tanggal terbit sebelum tanggal uji (%(d)s).") % {"d": assessed.strftime("%d-%m-%Y")}}
            )
        if enrollment is not None and enrollment.status != EnrollmentStatus.COMPETENT:
            raise ValidationError(
                {"enrollment": _("Sertifikat hanya untuk asesi yang dinyatakan kompeten (status asesi: %(s)s).")
                 % {"s": enrollment.get_status_display()}}
            )  # fmt: skip

    def effective_status(self, today: date | None = None) -> str:
        """The stored status, or "expired" for an active certificate past its date that the daily job has not yet
        marked."""
        today = today or timezone.localdate()
        if self.status == CertificateStatus.ACTIVE and self.valid_until and self.valid_until < today:
            return CertificateStatus.EXPIRED
        return self.status

    def get_effective_status_display(self) -> str:
        return str(CertificateStatus(self.effective_status()).label)


# --- product certificates ----------------------------------------------------------------------------------------


class ProductCertificationQuerySet(ScopedQuerySet):
    region_field = "business__village__code"

    def valid(self, today: date | None = None):
        today = today or timezone.localdate()
        return self.filter(status=ProductCertificateStatus.ACTIVE).filter(
            Q(valid_until__isnull=True) | Q(valid_until__gte=today)
        )


class ProductCertification(CleanTextMixin, models.Model):
    """A certificate a business (and perhaps one of its products) holds: halal, P-IRT, SNI, BPOM MD/ML, merek, …
    The legal basis it was recorded under is kept with it; a derived expiry can be overridden."""

    business = models.ForeignKey(
        Business, verbose_name=_("IKM"), on_delete=models.CASCADE, related_name="product_certificates"
    )
    product = models.ForeignKey(
        Product,
        verbose_name=_("produk"),
        on_delete=models.SET_NULL,
        related_name="certificates",
        null=True,
        blank=True,
        help_text=_("Kosongkan bila berlaku untuk usaha (mis. merek)."),
    )
    product_name = models.CharField(_("nama produk (tertulis)"), max_length=200, blank=True)
    kind = models.CharField(_("jenis sertifikat"), max_length=10, choices=ProductCertificateKind.choices)
    number = models.CharField(_("nomor"), max_length=100)
    issuer = models.CharField(_("penerbit"), max_length=200, blank=True)
    legal_basis = models.CharField(
        _("dasar hukum"), max_length=300, blank=True, help_text=_("Aturan saat sertifikat dicatat; diisi otomatis.")
    )
    filed_on = models.DateField(_("tanggal permohonan (merek)"), null=True, blank=True)
    issued_on = models.DateField(_("tanggal terbit"), null=True, blank=True)
    valid_until = models.DateField(
        _("berlaku sampai"),
        null=True,
        blank=True,
        help_text=_("Kosongkan untuk menghitung dari aturan (P-IRT dari nomornya, merek 10 tahun sejak permohonan)."),
    )
    valid_until_derived = models.BooleanField(_("tanggal berlaku dihitung"), default=False, editable=False)
    unchanged_confirmed_on = models.DateField(
        _("komposisi & proses dikonfirmasi tetap pada"),
        null=True,
        blank=True,
        help_text=_("Halal: berlaku selama komposisi dan proses tidak berubah; konfirmasi secara berkala."),
    )
    status = models.CharField(_("status"), max_length=10, choices=ProductCertificateStatus.choices,
                              default=ProductCertificateStatus.ACTIVE, db_index=True)  # fmt: skip
    evidence = models.FileField(_("bukti (pribadi)"), storage=private_storage, upload_to=document_upload_to, blank=True)
    assistance = models.ForeignKey(
        Assistance,
        verbose_name=_("bantuan/fasilitasi yang membantu"),
        on_delete=models.SET_NULL,
        related_name="certificates",
        null=True,
        blank=True,
    )
    # The activity that helped (an event of the office's programme: a halal bimtek, a P-IRT facilitation), named
    # through the core's activity registry (ikm_registry/activities.py): certification does not know events.
    activity_type = models.ForeignKey(
        ContentType, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", editable=False
    )
    activity_id = models.PositiveBigIntegerField(null=True, blank=True, editable=False)
    activity = GenericForeignKey("activity_type", "activity_id")
    helped_by = models.CharField(
        _("bantuan lain yang membantu"), max_length=300, blank=True,
        help_text=_("Program di luar daftar kegiatan (mis. fasilitasi Kemenperin, sertifikasi halal gratis)."),
    )  # fmt: skip
    created_at = models.DateTimeField(_("dicatat"), auto_now_add=True)

    objects = ProductCertificationQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("sertifikat produk")
        verbose_name_plural = pgettext_lazy("plural", "sertifikat produk")
        ordering = ["kind", "-issued_on", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["business", "kind", "number"], name="product_certificate_once"),
        ]
        indexes = [models.Index(fields=["status", "valid_until"], name="product_certificate_expiry_idx")]

    def __str__(self):
        return f"{self.get_kind_display()} {self.number}"

    def save(self, *args, **kwargs):
        self.apply_rules()
        super().save(*args, **kwargs)

    @classmethod
    def from_db(cls, db, field_names, values):
        instance = super().from_db(db, field_names, values)
        # The date the rules gave when it was saved: a different one in the form was typed by staff.
        instance._derived_valid_until = instance.__dict__.get("valid_until")
        return instance

    def apply_rules(self) -> None:
        """Normalise the number, fill the legal basis and issuer, and derive the expiry when none was typed."""
        K = ProductCertificateKind
        rule = product_rules.RULES.get(self.kind)
        if rule is not None:
            self.legal_basis = self.legal_basis or rule.legal_basis
            self.issuer = self.issuer or rule.issuer
        if self.kind == K.PIRT:
            try:
                self.number = product_rules.parse_pirt(self.number).printed
            except ValidationError:
                pass  # clean() names the problem
        elif self.kind in (K.BPOM_MD, K.BPOM_ML):
            normalised = product_rules.normalise_bpom(self.number)
            if product_rules.BPOM_PATTERN.match(normalised):
                self.number = normalised
        typed = self.valid_until is not None and (
            not self.valid_until_derived or self.valid_until != getattr(self, "_derived_valid_until", None)
        )
        if typed:
            self.valid_until_derived = False  # a date staff typed (or changed) always wins
        else:
            derived = product_rules.derived_valid_until(
                self.kind, number=self.number, issued_on=self.issued_on, filed_on=self.filed_on
            )
            self.valid_until, self.valid_until_derived = derived, derived is not None
            self._derived_valid_until = derived

    def clean(self):
        K = ProductCertificateKind
        self.apply_rules()
        super().clean()
        errors = {}
        if self.kind == K.PIRT and self.number:
            try:
                decoded = product_rules.parse_pirt(self.number)
            except ValidationError as error:
                errors["number"] = error.messages
            else:
                regency = self.business.village_id[:5] if self.business_id and self.business.village_id else ""
                if regency and decoded.regency_code != regency:
                    errors["number"] = _(
                        "Kode wilayah di nomor P-IRT (%(code)s) bukan kabupaten/kota usaha ini (%(regency)s): "
                        "P-IRT diterbitkan oleh kabupaten/kota tempat produksi."
                    ) % {"code": decoded.regency_code.replace(".", ""), "regency": regency.replace(".", "")}
        if self.kind in (K.BPOM_MD, K.BPOM_ML) and self.number:
            try:
                product_rules.check_bpom(self.kind, self.number)
            except ValidationError as error:
                errors["number"] = error.messages
        if self.kind == K.MEREK and not (self.filed_on or self.issued_on):
            errors["filed_on"] = _("Merek berlaku 10 tahun sejak tanggal permohonan: isi tanggal permohonan.")
        if self.issued_on and self.valid_until and self.valid_until < self.issued_on:
            errors["valid_until"] = _("Berlaku sampai sebelum tanggal terbit.")
        if self.product_id and self.business_id and self.product.business_id != self.business_id:
            errors["product"] = _("Produk ini milik usaha lain.")
        if self.assistance_id and self.business_id and self.assistance.business_id != self.business_id:
            errors["assistance"] = _("Bantuan ini tercatat untuk usaha lain.")
        if errors:
            raise ValidationError(errors)

    @property
    def renewal_opens(self) -> date | None:
        return product_rules.renewal_opens(self.kind, self.valid_until)

    @property
    def confirmation_due(self) -> date | None:
        return product_rules.confirmation_due(self.kind, self.unchanged_confirmed_on, self.issued_on)

    def is_valid(self, today: date | None = None) -> bool:
        today = today or timezone.localdate()
        return self.status == ProductCertificateStatus.ACTIVE and (
            self.valid_until is None or self.valid_until >= today
        )

    @property
    def pirt(self):
        if self.kind != ProductCertificateKind.PIRT:
            return None
        try:
            return product_rules.parse_pirt(self.number)
        except ValidationError:
            return None


# --- targets -----------------------------------------------------------------------------------------------------


class CertificationTargetQuerySet(ScopedQuerySet):
    region_field = "region__code"


class CertificationTarget(models.Model):
    """How many people of a region an office means to have certified in a scheme by the end of a year: a number,
    or every IKM of the region (one certified person per registered business, DESIGN's "all certified by 2020")."""

    region = models.ForeignKey(
        Region, verbose_name=_("wilayah"), on_delete=models.PROTECT, related_name="+", limit_choices_to=REGION_LEVELS
    )
    year = models.PositiveSmallIntegerField(_("tahun"), validators=[MinValueValidator(2000), MaxValueValidator(2100)])
    scheme = models.ForeignKey(Scheme, verbose_name=_("skema"), on_delete=models.PROTECT, related_name="targets")
    kind = models.CharField(_("jenis target"), max_length=10, choices=TargetKind.choices, default=TargetKind.NUMBER)
    target = models.PositiveIntegerField(
        _("target (orang)"), null=True, blank=True, help_text=_("Untuk target berupa jumlah orang.")
    )
    notes = models.CharField(_("catatan"), max_length=300, blank=True)

    objects = CertificationTargetQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("target sertifikasi")
        verbose_name_plural = pgettext_lazy("plural", "target sertifikasi")
        ordering = ["-year", "region", "scheme"]
        constraints = [
            models.UniqueConstraint(fields=["region", "year", "scheme"], name="certification_target_once"),
        ]

    def __str__(self):
        return f"{self.scheme.code if self.scheme_id else ''} {self.year}"

    def clean(self):
        super().clean()
        if self.kind == TargetKind.NUMBER and not self.target:
            raise ValidationError({"target": _("Isi jumlah orang yang ditargetkan.")})
        if self.kind == TargetKind.ALL_IKM:
            self.target = None
