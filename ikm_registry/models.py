"""The core: reference data (regions, KBLI, creative subsectors), offices (Dinas) and the staff who work for them,
the export log and background jobs."""

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey, GenericRelation
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.db.models.functions import Length, Substr
from django.utils import timezone
from django.utils.translation import get_language, gettext, pgettext_lazy
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from ikm_registry.choices import KbliLevel, RegionKind, RegionLevel, StaffRole
from ikm_registry.private_files import (
    import_upload_to,
    job_upload_to,
    private_storage,
    rejects_upload_to,
)
from ikm_registry.scoping import ScopedQuerySet
from ikm_registry.text import CleanTextMixin

# Characters of a kabupaten/kota code (51.03): the prefix of every code below it.
REGENCY_CODE_LENGTH = 5


def regency_code(region_code: str) -> str:
    """The kabupaten/kota code of a region code at or below that level: 51.03.01.1001 → 51.03."""
    return region_code[:REGENCY_CODE_LENGTH]


# --- reference data -----------------------------------------------------------------------------------------------


class RegionQuerySet(ScopedQuerySet):
    region_field = "code"

    def villages(self):
        return self.filter(level=RegionLevel.VILLAGE)

    def names(self, codes) -> dict[str, str]:
        """{code: name} of the regions among `codes` (one query; unknown codes are left out)."""
        return dict(self.filter(code__in=set(codes)).values_list("code", "name"))


class Region(CleanTextMixin, models.Model):
    """A Kemendagri administrative area: province → regency/city → district (kecamatan) → village."""

    code = models.CharField(_("kode"), max_length=13, primary_key=True)
    name = models.CharField(_("nama"), max_length=120)
    level = models.CharField(_("tingkat"), max_length=10, choices=RegionLevel.choices, db_index=True)
    kind = models.CharField(_("jenis"), max_length=10, choices=RegionKind.choices, blank=True)
    parent = models.ForeignKey(
        "self", verbose_name=_("induk"), on_delete=models.PROTECT, null=True, blank=True, related_name="children"
    )

    objects = RegionQuerySet.as_manager()
    # Public reference data: history pages name a region whatever the reader's own region (ikm_registry.history).
    named_to_everyone = True

    class Meta:
        db_table = "businesses_region"  # created by the businesses app before the move to the core; kept
        verbose_name = _("wilayah")
        verbose_name_plural = pgettext_lazy("plural", "wilayah")
        ordering = ["code"]
        constraints = [
            models.CheckConstraint(
                condition=(
                    Q(level=RegionLevel.PROVINCE, code__regex=r"^[0-9]{2}$", parent__isnull=True)
                    | Q(level=RegionLevel.REGENCY, code__regex=r"^[0-9]{2}\.[0-9]{2}$", parent__isnull=False)
                    | Q(level=RegionLevel.DISTRICT, code__regex=r"^[0-9]{2}\.[0-9]{2}\.[0-9]{2}$", parent__isnull=False)
                    | Q(
                        level=RegionLevel.VILLAGE,
                        code__regex=r"^[0-9]{2}\.[0-9]{2}\.[0-9]{2}\.[0-9]{4}$",
                        parent__isnull=False,
                    )
                ),
                name="region_code_matches_level",
                violation_error_message=_(
                    "Kode wilayah tidak sesuai dengan tingkatnya (mis. 51, 51.71, 51.71.01, 51.71.01.1001)."
                ),
            ),
        ]

    def __str__(self):
        if self.level in (RegionLevel.DISTRICT, RegionLevel.VILLAGE):
            return f"{self.name} ({self.code})"
        return self.name

    @property
    def label(self) -> str:
        """Name with its parents, e.g. 'Desa Dalung, Kec. Kuta Utara, Kabupaten Badung'."""
        if self.level == RegionLevel.VILLAGE:
            district = self.parent
            return gettext("%(kind)s %(name)s, Kec. %(district)s, %(regency)s") % {
                "kind": self.get_kind_display(),
                "name": self.name,
                "district": district.name,
                "regency": district.parent.name,
            }
        if self.level == RegionLevel.DISTRICT:
            return gettext("Kec. %(name)s, %(regency)s") % {"name": self.name, "regency": self.parent.name}
        return self.name

    def clean(self):
        if self.parent_id and not self.code.startswith(self.parent_id + "."):
            raise ValidationError({"parent": _("Kode wilayah harus diawali kode induknya.")})


class Kbli(CleanTextMixin, models.Model):
    """KBLI 2020: section (letter) → division (2) → group (3) → class (4) → subclass (5 digits)."""

    code = models.CharField(_("kode"), max_length=5, primary_key=True)
    title = models.CharField(_("judul"), max_length=400)
    level = models.CharField(_("tingkat"), max_length=10, choices=KbliLevel.choices, db_index=True)
    parent = models.ForeignKey(
        "self", verbose_name=_("induk"), on_delete=models.PROTECT, null=True, blank=True, related_name="children"
    )

    class Meta:
        db_table = "businesses_kbli"
        verbose_name = _("KBLI")
        verbose_name_plural = pgettext_lazy("plural", "KBLI")
        ordering = ["code"]
        constraints = [
            models.CheckConstraint(
                condition=(
                    Q(level=KbliLevel.SECTION, code__regex=r"^[A-Z]$")
                    | Q(level=KbliLevel.DIVISION, code__regex=r"^[0-9]{2}$")
                    | Q(level=KbliLevel.GROUP, code__regex=r"^[0-9]{3}$")
                    | Q(level=KbliLevel.CLASS, code__regex=r"^[0-9]{4}$")
                    | Q(level=KbliLevel.SUBCLASS, code__regex=r"^[0-9]{5}$")
                ),
                name="kbli_code_matches_level",
                violation_error_message=_("Kode KBLI tidak sesuai dengan tingkatnya."),
            ),
        ]

    def __str__(self):
        return f"{self.code} — {self.title}"


class CreativeSubsector(CleanTextMixin, models.Model):
    """One of the 17 subsectors of the creative economy (ekonomi kreatif)."""

    code = models.SlugField(_("kode"), max_length=40, primary_key=True)
    name = models.CharField(_("nama"), max_length=100)
    name_en = models.CharField(_("nama (Inggris)"), max_length=100)

    class Meta:
        db_table = "businesses_creativesubsector"
        verbose_name = _("subsektor ekonomi kreatif")
        verbose_name_plural = pgettext_lazy("plural", "subsektor ekonomi kreatif")
        ordering = ["name"]

    def __str__(self):
        return self.name_en if (get_language() or "").startswith("en") else self.name


# --- offices and staff ------------------------------------------------------------------------------------------


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
        Region,
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
    four_eyes = models.BooleanField(
        _("prinsip empat mata"),
        default=False,
        help_text=_(
            "Bila dicentang, IKM yang dimasukkan atau diajukan seorang petugas harus diverifikasi petugas lain, dan "
            "impor tidak dapat langsung membuat IKM berstatus terverifikasi atau terbit."
        ),
    )

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


class JobQuerySet(models.QuerySet):
    def owned_by(self, user):
        """The jobs `user` started (the jobs pages list these only, superusers included)."""
        return self.filter(owner=user)

    def visible_to(self, user):
        """The jobs `user` may see: per kind, the rule its app registered (JobKind.visible; by default the owner's
        own and, for superusers, every one). Jobs of a kind no app registers any more are their owner's only."""
        from ikm_registry.jobs import job_kinds

        if user is None or not user.is_authenticated:
            return self.none()
        kinds = job_kinds()
        allowed = Q(owner=user) & ~Q(kind__in=list(kinds))
        for key, kind in kinds.items():
            allowed |= Q(kind=key) & kind.visible(user)
        return self.filter(allowed)


class Job(models.Model):
    """Work done by the worker for a user: a long report, the check or the application of a long import, and what
    apps register next (ikm_registry.jobs: JobKind). One row holds what every job has: its kind (a registered key),
    who started it, its parameters, its status, which worker runs it and how often it was tried, its progress, why it
    failed, its result (fields and a private file), and the object it works on. Status changes go through
    ikm_registry.jobs, which locks the row, so a worker and the recovery of dead workers never both win."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("Menunggu")
        RUNNING = "running", _("Diproses")
        DONE = "done", _("Selesai")
        FAILED = "failed", _("Gagal")

    kind = models.CharField(_("jenis"), max_length=50)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("pemilik"), on_delete=models.CASCADE, related_name="jobs"
    )
    title = models.CharField(_("judul"), max_length=300, blank=True)
    params = models.JSONField(_("parameter"), default=dict, blank=True)
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
    # Progress: the phase (a key of the kind's phases, "" before the first) and how far it is; the kind maps these
    # to a percentage (JobKind.percent).
    phase = models.CharField(_("tahap"), max_length=30, blank=True, default="")
    progress_done = models.PositiveIntegerField(_("kemajuan"), default=0)
    progress_total = models.PositiveIntegerField(_("jumlah"), default=0)
    # The result: fields the kind records (e.g. what a report's file holds) and a private file (its owner's only).
    result = models.JSONField(_("hasil"), default=dict, blank=True)
    file = models.FileField(_("berkas"), storage=private_storage, upload_to=job_upload_to, blank=True)
    # What the job works on, if anything (e.g. the upload an import job checks).
    content_type = models.ForeignKey(
        "contenttypes.ContentType", verbose_name=_("jenis objek"), on_delete=models.CASCADE, null=True, blank=True
    )
    object_id = models.PositiveBigIntegerField(_("ID objek"), null=True, blank=True)
    target = GenericForeignKey("content_type", "object_id")

    objects = JobQuerySet.as_manager()

    class Meta:
        verbose_name = _("tugas latar belakang")
        verbose_name_plural = pgettext_lazy("plural", "tugas latar belakang")
        ordering = ["-created_at", "-pk"]
        indexes = [
            models.Index(fields=["content_type", "object_id"], name="job_target_idx"),
            models.Index(fields=["owner", "kind"], name="job_owner_kind_idx"),
            models.Index(fields=["status"], name="job_status_idx"),
        ]

    def __str__(self):
        return f"{self.title or self.kind_label} ({self.get_status_display()})"

    @property
    def job_kind(self):
        """The registered JobKind of this job (LookupError when no app registers it)."""
        from ikm_registry.jobs import job_kind

        return job_kind(self.kind)

    @property
    def kind_label(self) -> str:
        try:
            return str(self.job_kind.label)
        except LookupError:
            return self.kind

    @property
    def is_active(self) -> bool:
        return self.status in (self.Status.QUEUED, self.Status.RUNNING)

    @property
    def percent(self) -> int:
        if self.status == self.Status.DONE:
            return 100
        try:
            kind = self.job_kind
        except LookupError:
            return 0
        return max(0, min(99, kind.percent(self)))

    @property
    def phase_label(self) -> str:
        try:
            return self.job_kind.phase_label(self.phase)
        except LookupError:
            return self.phase


class TabularImport(models.Model):
    """An uploaded spreadsheet for one registered importer (`kind`, see ikm_registry.tabular.registry): previewed
    first, applied on confirmation, by the admin's upload pages and the background jobs alike.

    The file is private (personal data): stored under PRIVATE_FILES_ROOT with a random name, downloaded only by its
    uploader (and superusers), deleted after PRIVATE_FILES_RETENTION_DAYS while this row and its counts stay. A long
    file is checked and applied by the worker; `summary` then keeps what the check found, for the preview page.
    `options` holds the importer's own settings (e.g. the data year of a business import).
    """

    class State(models.TextChoices):
        PREVIEWED = "previewed", _("Pratinjau")
        APPLYING = "applying", _("Sedang diterapkan")
        APPLIED = "applied", _("Diterapkan")
        FAILED = "failed", _("Gagal")

    kind = models.CharField(_("jenis impor"), max_length=40, db_index=True)
    file = models.FileField(_("berkas"), storage=private_storage, upload_to=import_upload_to, blank=True)
    rejects_file = models.FileField(
        _("baris tidak valid"), storage=private_storage, upload_to=rejects_upload_to, blank=True
    )
    background = models.BooleanField(_("diproses di latar belakang"), default=False)
    summary = models.JSONField(_("hasil pemeriksaan"), default=dict, blank=True)
    options = models.JSONField(_("pengaturan impor"), default=dict, blank=True)
    original_name = models.CharField(_("nama berkas"), max_length=255)
    # The staff account that uploaded the file (or that a command ran as, with --user); `actor` names the command.
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("diunggah oleh"),
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
    )
    actor = models.CharField(_("dijalankan oleh"), max_length=100, blank=True)
    uploaded_at = models.DateTimeField(_("diunggah"), auto_now_add=True)
    skip_invalid = models.BooleanField(_("lewati baris tidak valid"), default=False)
    state = models.CharField(_("keadaan"), max_length=10, choices=State.choices, default=State.PREVIEWED)
    rows = models.PositiveIntegerField(_("baris"), default=0)
    created = models.PositiveIntegerField(_("baru"), default=0)
    updated = models.PositiveIntegerField(_("diperbarui"), default=0)
    unchanged = models.PositiveIntegerField(_("tetap"), default=0)
    invalid = models.PositiveIntegerField(_("tidak valid"), default=0)
    applied_at = models.DateTimeField(_("diterapkan"), null=True, blank=True)
    # The background jobs that check and apply it (tabular.check, tabular.apply); deleted with it.
    jobs = GenericRelation("ikm_registry.Job", related_query_name="tabular_import")

    class Meta:
        verbose_name = _("impor tabel")
        verbose_name_plural = pgettext_lazy("plural", "impor tabel")
        ordering = ["-uploaded_at"]

    def __str__(self):
        return f"{self.original_name} ({self.uploaded_at:%Y-%m-%d %H:%M})"

    @property
    def uploader(self) -> str:
        """Who imported it: the staff account, or the command that ran without one."""
        return str(self.uploaded_by) if self.uploaded_by_id else self.actor

    @property
    def result_stored(self) -> bool:
        """Whether what the check found is kept (`summary`, `rejects_file`): for a long file checked by the worker
        and for a command's run; a short upload is checked again on each look."""
        return self.background or bool(self.actor)

    @property
    def importer(self):
        """The registered importer class of this upload's kind."""
        from ikm_registry.tabular import registry

        return registry.get(self.kind)


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


class ExpiryDigest(models.Model):
    """One office's daily "Segera berakhir" e-mail (ikm_registry/expiry.py): recorded so that a day's digest is
    sent once, however many times the job runs (cron and every worker)."""

    office = models.ForeignKey(Office, verbose_name=_("kantor"), on_delete=models.CASCADE, related_name="+")
    day = models.DateField(_("tanggal"))
    sent_at = models.DateTimeField(_("dikirim"), auto_now_add=True)
    items = models.PositiveIntegerField(_("jumlah yang segera berakhir"), default=0)
    recipients = models.PositiveSmallIntegerField(_("penerima"), default=0)

    class Meta:
        verbose_name = _("ringkasan masa berlaku")
        verbose_name_plural = pgettext_lazy("plural", "ringkasan masa berlaku")
        constraints = [models.UniqueConstraint(fields=["office", "day"], name="expiry_digest_once_a_day")]

    def __str__(self):
        return f"{self.office}: {self.day}"


# --- search vocabulary ------------------------------------------------------------------------------------------


class SearchWord(models.Model):
    """A word of the registry's own vocabulary: the words of published businesses' names and products, of KBLI
    titles and of region names (ikm_registry/vocabulary.py keeps it). The directory search offers the nearest one
    for a word nobody uses ("batk": "Maksud Anda: batik?") without reading the businesses themselves.

    `initial` and `length` are stored for the index that narrows the candidates of a correction to words that start
    alike and are about as long."""

    word = models.CharField(_("kata"), max_length=40, primary_key=True)
    initial = models.GeneratedField(
        expression=Substr("word", 1, 1), output_field=models.CharField(max_length=1), db_persist=True
    )
    length = models.GeneratedField(
        expression=Length("word"), output_field=models.PositiveSmallIntegerField(), db_persist=True
    )
    frequency = models.PositiveIntegerField(_("dipakai"), default=1, help_text=_("Berapa nama/judul memuat kata ini."))

    class Meta:
        verbose_name = _("kata pencarian")
        verbose_name_plural = pgettext_lazy("plural", "kata pencarian")
        indexes = [models.Index(fields=["initial", "length"], name="search_word_initial_length")]

    def __str__(self):
        return self.word


class ApiTokenQuerySet(models.QuerySet):
    def active(self):
        """Tokens that still open the API: not revoked, not expired, of an active staff account."""
        now = timezone.now()
        return self.filter(
            Q(expires_at__isnull=True) | Q(expires_at__gt=now),
            revoked_at__isnull=True,
            user__is_active=True,
            user__is_staff=True,
        )


class ApiToken(models.Model):
    """A staff member's personal key to the staff API (/api/v1/staf/). The API acts as that user, with their scope.

    The key is shown once, when it is created; only its first characters (`prefix`, to find it and to name it in
    lists) and a SHA-256 digest of the whole key are kept. Revoking stamps `revoked_at`; the row stays for the record.
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens", verbose_name=_("pengguna")
    )
    name = models.CharField(_("nama token"), max_length=100, help_text=_("Untuk apa token ini, mis. “Sinkron SIINas”."))
    prefix = models.CharField(_("awalan"), max_length=16, unique=True, editable=False)
    digest = models.CharField(max_length=64, editable=False)
    created_at = models.DateTimeField(_("dibuat"), default=timezone.now, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        editable=False,
        verbose_name=_("dibuat oleh"),
    )
    expires_at = models.DateTimeField(
        _("berlaku sampai"), null=True, blank=True, help_text=_("Kosongkan bila tidak kedaluwarsa.")
    )
    last_used_at = models.DateTimeField(_("terakhir dipakai"), null=True, blank=True, editable=False)
    revoked_at = models.DateTimeField(_("dicabut"), null=True, blank=True, editable=False)

    objects = ApiTokenQuerySet.as_manager()

    class Meta:
        verbose_name = _("token API")
        verbose_name_plural = _("token API")
        ordering = ["-created_at", "-pk"]

    def __str__(self):
        return f"{self.name} ({self.prefix}…)"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None and (self.expires_at is None or self.expires_at > timezone.now())
