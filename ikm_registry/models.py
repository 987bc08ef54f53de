"""Offices (Dinas) and the staff who work for them."""

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from simple_history.models import HistoricalRecords

from ikm_registry.choices import StaffRole
from ikm_registry.private_files import private_storage, report_upload_to
from ikm_registry.scoping import ScopedQuerySet
from ikm_registry.text import CleanTextMixin


class OfficeQuerySet(ScopedQuerySet):
    region_field = "region__code"

    def covering(self, region_code: str):
        """The office of the region `region_code`, else of its nearest ancestor that has one (a desa's regency
        office before its province's); None when no office covers it."""
        parts = region_code.split(".")
        candidates = [".".join(parts[:n]) for n in range(len(parts), 0, -1)]
        offices = {office.region_id: office for office in self.filter(region_id__in=candidates)}
        return next((offices[code] for code in candidates if code in offices), None)


class Office(CleanTextMixin, models.Model):
    """A regional trade-and-industry office (Disperindag) covering one province or regency/city.

    The letterhead fields make the kop surat of the PDF reports an office prints.
    """

    name = models.CharField(_("nama kantor"), max_length=200, help_text=_("Mis. Dinas Perindustrian dan Perdagangan"))
    region = models.ForeignKey(
        "businesses.Region",
        verbose_name=_("wilayah kerja"),
        on_delete=models.PROTECT,
        related_name="offices",
        limit_choices_to={"level__in": ["province", "regency"]},
    )
    government_name = models.CharField(
        _("nama pemerintah daerah"),
        max_length=200,
        blank=True,
        help_text=_("Baris pertama kop surat, mis. PEMERINTAH KABUPATEN BADUNG"),
    )
    address = models.CharField(_("alamat"), max_length=300, blank=True)
    postal_code = models.CharField(_("kode pos"), max_length=5, blank=True)
    phone = models.CharField(_("telepon"), max_length=50, blank=True)
    email = models.EmailField(_("e-mail"), blank=True)
    website = models.URLField(_("situs web"), blank=True)
    logo = models.ImageField(_("logo"), upload_to="offices/", blank=True)
    head_title = models.CharField(_("jabatan penanda tangan"), max_length=200, blank=True)
    head_name = models.CharField(_("nama penanda tangan"), max_length=200, blank=True)
    head_nip = models.CharField(_("NIP penanda tangan"), max_length=18, blank=True)

    objects = OfficeQuerySet.as_manager()
    history = HistoricalRecords()
    # An office's name is no secret: history pages name it whatever the reader's own region.
    named_to_everyone = True

    class Meta:
        verbose_name = _("kantor")
        verbose_name_plural = pgettext_lazy("plural", "kantor")
        ordering = ["region_id", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["region", "name"],
                name="office_unique_name_per_region",
                violation_error_message=_("Kantor dengan nama ini sudah ada di wilayah tersebut."),
            ),
        ]

    def __str__(self):
        return f"{self.name} — {self.region.name}"

    def clean(self):
        if self.region_id and self.region.level not in ("province", "regency"):
            raise ValidationError({"region": _("Wilayah kerja kantor harus provinsi atau kabupaten/kota.")})


class StaffMembershipQuerySet(ScopedQuerySet):
    region_field = "office__region__code"


class StaffMembership(models.Model):
    """Links a staff user to the office they work for and the role they have there."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, verbose_name=_("pengguna"), on_delete=models.CASCADE, related_name="membership"
    )
    office = models.ForeignKey(Office, verbose_name=_("kantor"), on_delete=models.PROTECT, related_name="staff")
    role = models.CharField(_("peran"), max_length=20, choices=StaffRole.choices, default=StaffRole.OPERATOR)

    objects = StaffMembershipQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("keanggotaan staf")
        verbose_name_plural = pgettext_lazy("plural", "keanggotaan staf")

    def __str__(self):
        return f"{self.user} ({self.get_role_display()}, {self.office.name})"

    def clean(self):
        if not self.office_id:
            return
        level = self.office.region.level
        if self.role == StaffRole.PROVINCE and level != "province":
            raise ValidationError({"role": _("Staf provinsi harus anggota kantor tingkat provinsi.")})
        if self.role == StaffRole.OPERATOR and level != "regency":
            raise ValidationError({"role": _("Operator harus anggota kantor kabupaten/kota.")})


class ExportLog(models.Model):
    """A record of every file that left the registry with personal data or individual figures (UU 27/2022 PDP): who,
    when, what, which filter, how many rows, and what kind of data it held.

    `user` is the staff user who received the file; `actor` the command that made it, with the system account that
    ran it (never a copy of the user's name). A command run without a user (`render_report` without --user,
    `backup`) names only the actor; a file the site hands a user names only the user.
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("pengguna"),
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
    )
    actor = models.CharField(
        _("pelaku"),
        max_length=200,
        blank=True,
        help_text=_("Perintah yang membuat berkas (mis. manage.py render_report); kosong bila situs memberikannya."),
    )
    at = models.DateTimeField(_("waktu"), auto_now_add=True, db_index=True)
    what = models.CharField(_("data"), max_length=100, help_text=_("Mis. businesses.business atau report:daftar-ikm"))
    file_format = models.CharField(_("format"), max_length=10)
    filter = models.TextField(_("penyaring"), blank=True)
    row_count = models.PositiveIntegerField(_("jumlah baris"))
    personal_data = models.BooleanField(
        _("berisi data pribadi"),
        default=True,
        help_text=_("Nama, NIK, telepon, e-mail atau alamat rumah orang (pemilik, pengurus sentra)."),
    )
    individual_data = models.BooleanField(
        _("berisi data individual"),
        default=False,
        help_text=_(
            "Angka satu usaha (tenaga kerja, investasi, omzet, produksi), atau jumlah dari kurang dari 3 usaha."
        ),
    )

    class Meta:
        verbose_name = _("log ekspor")
        verbose_name_plural = pgettext_lazy("plural", "log ekspor")
        ordering = ["-at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(user__isnull=False) | ~Q(actor=""),
                name="export_log_names_its_actor",
                violation_error_message=_("Log ekspor harus menyebut pengguna atau pelakunya."),
            ),
        ]

    def __str__(self):
        return f"{self.actor_name} — {self.what} ({self.row_count}) {self.at:%Y-%m-%d %H:%M}"

    @property
    def actor_name(self) -> str:
        """The user's name, else the recorded actor (a command)."""
        return self.actor if self.user_id is None else str(self.user)


def _report_storage():
    """Kept for migration 0003, which named it."""
    return private_storage


class Worker(models.Model):
    """A background worker process (`manage.py db_worker`) and when it was last seen: its heartbeat, written every
    WORKER_HEARTBEAT_SECONDS through the database so that every web server and worker sees it."""

    worker_id = models.CharField(_("ID pekerja"), max_length=64, unique=True)
    host = models.CharField(_("komputer"), max_length=255)
    pid = models.PositiveIntegerField(_("proses"))
    started_at = models.DateTimeField(_("mulai"))
    seen_at = models.DateTimeField(_("terakhir terlihat"), db_index=True)

    class Meta:
        verbose_name = _("pekerja latar belakang")
        verbose_name_plural = pgettext_lazy("plural", "pekerja latar belakang")

    def __str__(self):
        return f"{self.worker_id} ({self.host}:{self.pid})"


class BackgroundJob(models.Model):
    """Work done by the worker for a user (a long report, a long import): its status, which worker runs it, how
    often it was tried, and why it failed. Status changes go through ikm_registry.jobs, which locks the row, so a
    worker and the recovery of dead workers never both win."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("Menunggu")
        RUNNING = "running", _("Diproses")
        DONE = "done", _("Selesai")
        FAILED = "failed", _("Gagal")

    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.QUEUED)
    attempts = models.PositiveSmallIntegerField(_("percobaan"), default=0)
    worker_id = models.CharField(_("ID pekerja"), max_length=64, blank=True)
    started_at = models.DateTimeField(_("mulai diproses"), null=True, blank=True)
    error = models.TextField(_("kesalahan"), blank=True)
    created_at = models.DateTimeField(_("dibuat"), auto_now_add=True)
    finished_at = models.DateTimeField(_("selesai"), null=True, blank=True)
    # When the job was last put in the queue: a queued job whose task is gone (lost before a worker claimed it) is
    # queued again, or failed, WORKER_STALE_SECONDS after (ikm_registry.jobs.jobs_recover).
    queued_at = models.DateTimeField(_("diantrekan"), default=timezone.now)

    class Meta:
        abstract = True

    @property
    def is_active(self) -> bool:
        return self.status in (self.Status.QUEUED, self.Status.RUNNING)

    def perform(self, *, progress) -> dict:
        """Do the work; return the fields to save with status DONE. `progress(**fields)` records progress and raises
        ikm_registry.jobs.JobLost when the job was taken from this worker."""
        raise NotImplementedError

    def on_failed(self) -> None:
        """Called (row locked, inside the transaction) when the job fails for good; may change related rows."""


class ReportJob(BackgroundJob):
    """A report made in the background (a long Daftar IKM): who asked, with what filter, how far it is, the file.
    Only its owner (and superusers) may download the file."""

    Status = BackgroundJob.Status

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("pengguna"), on_delete=models.CASCADE, related_name="report_jobs"
    )
    report = models.CharField(_("laporan"), max_length=50)
    title = models.CharField(_("judul"), max_length=300, blank=True)
    params = models.JSONField(_("penyaring"), default=dict, blank=True)
    # What the finished file holds, recorded when it is made; each download is logged with it (ExportLog).
    row_count = models.PositiveIntegerField(_("jumlah baris"), null=True, blank=True)
    personal_data = models.BooleanField(_("berisi data pribadi"), null=True, blank=True)
    individual_data = models.BooleanField(_("berisi data individual"), null=True, blank=True)
    pages_done = models.PositiveIntegerField(_("halaman selesai"), default=0)
    pages_total = models.PositiveIntegerField(_("jumlah halaman"), default=0)
    file = models.FileField(_("berkas"), storage=private_storage, upload_to=report_upload_to, blank=True)

    class Meta:
        verbose_name = _("tugas laporan")
        verbose_name_plural = pgettext_lazy("plural", "tugas laporan")
        ordering = ["-created_at", "-pk"]

    def __str__(self):
        return f"{self.title or self.report} ({self.get_status_display()})"

    @property
    def percent(self) -> int:
        if self.status == self.Status.DONE:
            return 100
        return min(99, 100 * self.pages_done // self.pages_total) if self.pages_total else 0

    @property
    def download_name(self) -> str:
        from django.utils.text import slugify

        return f"{slugify(self.title) or self.report}-{self.pk}.pdf"

    def perform(self, *, progress) -> dict:
        from django.core.files.base import ContentFile

        from ikm_registry.reports import get_report

        report_class = get_report(self.report)
        form = report_class.form_class(data=self.params, user=self.user)
        if not form.is_valid():
            raise ValueError("; ".join(f"{field}: {' '.join(errors)}" for field, errors in form.errors.items()))
        report = report_class()

        def pages(done, total):
            progress(pages_done=done, pages_total=total)

        kwargs = {"on_progress": pages} if getattr(report, "reports_progress", False) else {}
        made = report.make(user=self.user, params=form.cleaned_data, filter_description=form.describe(), **kwargs)
        self.file.save(self.download_name, ContentFile(made.pdf), save=False)
        disclosure = made.disclosure  # what the file holds: each download is logged with it
        return {
            "file": self.file.name,
            "row_count": disclosure.row_count,
            "personal_data": disclosure.personal_data,
            "individual_data": disclosure.individual_data,
        }

    @property
    def disclosure(self):
        """What the finished file holds, as the worker recorded it (each download is logged with it); a file made
        before that was recorded counts as holding personal data and individual figures."""
        from ikm_registry.reports.base import UNDECLARED, Disclosure

        if self.row_count is None:
            return UNDECLARED
        return Disclosure(
            personal_data=bool(self.personal_data), individual_data=bool(self.individual_data), row_count=self.row_count
        )


class TransitionLogQuerySet(ScopedQuerySet):
    # The region is copied onto each row when it is written, so restrict() needs no join to the (generic) object.
    region_field = "region_code"

    def for_object(self, obj):
        """The steps of `obj` (also after `obj` was deleted, given an unsaved instance with its pk)."""
        return self.filter(content_type=ContentType.objects.get_for_model(type(obj)), object_id=obj.pk)


class TransitionLog(models.Model):
    """One step of a record through its workflow (ikm_registry/workflow.py): who moved it, when, from which state
    to which, by which action, and why. One table for every model that declares a workflow.

    The log outlives its record: deleting a record (a draft, a spam registration) keeps its steps, so who moved it
    where stays on record with the deletion in its history. Hence a plain object id, no generic relation (whose
    deletion would cascade) and a copy of the record's region code for scoping.
    """

    # The action of a record's first entry, written when it is created directly in a state (no source state).
    CREATE = "create"

    content_type = models.ForeignKey(
        ContentType, verbose_name=_("jenis data"), on_delete=models.PROTECT, related_name="+"
    )
    object_id = models.BigIntegerField(_("ID data"))
    region_code = models.CharField(
        _("kode wilayah"),
        max_length=20,
        blank=True,
        db_index=True,
        help_text=_("Wilayah data itu ketika langkah ini diambil (untuk pembatasan per wilayah)."),
    )
    action = models.CharField(_("langkah"), max_length=32)
    from_state = models.CharField(_("dari status"), max_length=32, blank=True, help_text=_("Kosong bila data dibuat."))
    to_state = models.CharField(_("ke status"), max_length=32)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("oleh"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text=_("Kosong untuk pendaftaran mandiri dari situs publik dan untuk perintah tanpa pengguna."),
    )
    actor_label = models.CharField(
        _("pelaku"),
        max_length=200,
        blank=True,
        help_text=_("Perintah yang mengambil langkah ini bila bukan pengguna (mis. manage.py import_businesses)."),
    )
    at = models.DateTimeField(_("waktu"), default=timezone.now, db_index=True)
    note = models.TextField(_("catatan"), blank=True)

    objects = TransitionLogQuerySet.as_manager()

    class Meta:
        verbose_name = _("riwayat status")
        verbose_name_plural = pgettext_lazy("plural", "riwayat status")
        ordering = ["-at", "-pk"]
        indexes = [models.Index(fields=["content_type", "object_id", "-at"], name="transition_log_object_at")]

    def __str__(self):
        return f"{self.content_type.model} {self.object_id}: {self.from_label or '—'} → {self.to_label}"

    def _label(self, state: str) -> str:
        from ikm_registry.workflow import state_label

        return state_label(self.content_type.model_class(), state) if state else ""

    @property
    def from_label(self) -> str:
        """The source state as people read it; empty for the entry of a record created in its state."""
        return self._label(self.from_state)

    @property
    def to_label(self) -> str:
        return self._label(self.to_state)

    @property
    def is_creation(self) -> bool:
        return self.action == self.CREATE
