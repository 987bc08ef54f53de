"""Regions, reference data and the registry: businesses, owners, yearly figures, products, sentra."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Case, F, Q, Value, When
from django.db.models.functions import Coalesce, Concat, Left, Length, Lower
from django.db.models.lookups import Exact
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from django_cleanup import cleanup
from simple_history.models import HistoricalRecords

from businesses import photos
from businesses import validators as v
from businesses.choices import (
    AssistanceKind,
    BusinessStatus,
    FundingSource,
    LegalForm,
    MarketReach,
    ObstacleKind,
    ProposalStatus,
    ScaleBps,
    ScaleIndustry,
    ScalePp7,
    Sex,
)
from businesses.links import Platform, link_url
from ikm_registry.choices import KbliLevel, RegionLevel
from ikm_registry.models import (
    CreativeSubsector,
    Kbli,
    Region,
    TabularImport,
    TransitionLog,
    regency_code,
)
from ikm_registry.private_files import private_storage
from ikm_registry.scoping import ScopedQuerySet
from ikm_registry.text import CleanTextMixin, whitespace_collapsed

MILLION = 1_000_000
BILLION = 1_000_000_000
# PP 29/2018: a sentra is at least five IKM units making similar products.
SENTRA_MIN_MEMBERS = 5


# --- the registry -------------------------------------------------------------------------------------------------


class BusinessQuerySet(ScopedQuerySet):
    region_field = "village__code"


class BusinessChildQuerySet(ScopedQuerySet):
    """Rows that belong to one business (owner, yearly figures, products, assistance, obstacles)."""

    region_field = "business__village__code"


class Business(CleanTextMixin, models.Model):
    """An IKM: one registered business at one location. Its yearly figures live in BusinessYear."""

    name = models.CharField(_("nama usaha"), max_length=200)
    legal_form = models.CharField(
        _("bentuk usaha"), max_length=20, choices=LegalForm.choices, default=LegalForm.PERORANGAN
    )
    nib = models.CharField(
        _("NIB"),
        max_length=13,
        blank=True,
        validators=[v.validate_nib],
        help_text=_("Nomor Induk Berusaha, 13 angka (boleh kosong)."),
    )
    address = models.CharField(_("alamat usaha"), max_length=300, blank=True)
    village = models.ForeignKey(
        Region,
        verbose_name=_("desa/kelurahan"),
        on_delete=models.PROTECT,
        related_name="businesses",
        limit_choices_to={"level": RegionLevel.VILLAGE},
    )
    latitude = models.DecimalField(
        _("lintang"), max_digits=9, decimal_places=6, null=True, blank=True, validators=[v.validate_latitude]
    )
    longitude = models.DecimalField(
        _("bujur"), max_digits=9, decimal_places=6, null=True, blank=True, validators=[v.validate_longitude]
    )
    kbli = models.ForeignKey(
        Kbli,
        verbose_name=_("KBLI"),
        on_delete=models.PROTECT,
        related_name="businesses",
        limit_choices_to={"level": KbliLevel.SUBCLASS},
        help_text=_("Kode KBLI 2020 tingkat kelompok (5 angka)."),
    )
    subsector = models.ForeignKey(
        CreativeSubsector,
        verbose_name=_("subsektor ekraf"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="businesses",
    )
    main_product = models.CharField(_("komoditi / produk utama"), max_length=200, blank=True)
    year_founded = models.PositiveSmallIntegerField(
        _("tahun berdiri"), null=True, blank=True, validators=[v.validate_past_year]
    )
    raw_materials = models.CharField(_("bahan baku"), max_length=300, blank=True)
    market_reach = models.CharField(_("jangkauan pemasaran"), max_length=10, choices=MarketReach.choices, blank=True)
    # Links with an address are BusinessLink rows; this keeps what names no account ("Shopee", "reseller").
    online_channels = models.CharField(
        _("kanal online lain"),
        max_length=300,
        blank=True,
        help_text=_("Kanal tanpa alamat akun, pisahkan dengan koma. Tautan toko/akun dicatat di bagian tautan."),
    )
    sentra = models.ForeignKey(
        "Sentra", verbose_name=_("sentra"), on_delete=models.SET_NULL, null=True, blank=True, related_name="members"
    )
    status = models.CharField(
        _("status"), max_length=10, choices=BusinessStatus.choices, default=BusinessStatus.DRAFT, db_index=True
    )
    # Written by the workflow engine with each step (Workflow(since=...)): the admin home's queue of submitted
    # businesses, longest waiting first, is this column's index, not a lookup in the log per business. Empty for a
    # record whose state has not changed since the column came (migration 0029): it then counts from its creation.
    status_changed_at = models.DateTimeField(
        _("status sejak"), null=True, blank=True, default=timezone.now, editable=False
    )
    created_at = models.DateTimeField(_("dibuat"), auto_now_add=True)
    updated_at = models.DateTimeField(_("diubah"), auto_now=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("dibuat oleh"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        editable=False,
    )

    # What the public search matches: name and main product, lower-cased. On PostgreSQL a trigram GIN index and a
    # full-text GIN index serve it (migration 0008); the column exists so that both indexes and the queries agree on
    # one expression.
    search_document = models.GeneratedField(
        expression=Lower(Concat("name", Value(" "), "main_product", output_field=models.TextField())),
        output_field=models.TextField(),
        db_persist=True,
        verbose_name=_("teks pencarian"),
    )

    objects = BusinessQuerySet.as_manager()
    # The status's own history rows say when it changed; the time of the change is not a change of its own.
    history = HistoricalRecords(excluded_fields=["search_document", "status_changed_at"])

    class Meta:
        verbose_name = _("IKM")
        verbose_name_plural = pgettext_lazy("plural", "IKM")
        ordering = ["name"]
        indexes = [
            models.Index(fields=["village", "name"], name="business_village_name"),
            # The admin list's order (name, then id): its pages read the index, not a sort of every row.
            models.Index(fields=["name", "id"], name="business_name_id"),
            # The queue of submitted businesses, longest waiting first (businesses.selectors.submitted_queue).
            models.Index(
                Coalesce("status_changed_at", "created_at"),
                "id",
                condition=Q(status=BusinessStatus.SUBMITTED),
                name="business_submitted_queue",
            ),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["nib"],
                condition=~Q(nib=""),
                name="business_unique_nib",
                violation_error_message=_("NIB ini sudah terdaftar untuk IKM lain."),
            ),
            models.CheckConstraint(
                condition=Q(nib="") | Q(nib__regex=r"^[0-9]{13}$"),
                name="business_nib_13_digits",
                violation_error_message=_("NIB harus terdiri dari 13 angka."),
            ),
            models.CheckConstraint(
                condition=Exact(Length("kbli"), 5),
                name="business_kbli_is_subclass",
                violation_error_message=_("Kode KBLI harus 5 angka (tingkat kelompok)."),
            ),
            models.CheckConstraint(
                # The explicit isnull=False matters: with one side NULL the range test is NULL, which a CHECK passes.
                condition=Q(latitude__isnull=True, longitude__isnull=True)
                | Q(latitude__isnull=False, longitude__isnull=False)
                & Q(latitude__gte=v.LATITUDE_RANGE[0], latitude__lte=v.LATITUDE_RANGE[1])
                & Q(longitude__gte=v.LONGITUDE_RANGE[0], longitude__lte=v.LONGITUDE_RANGE[1]),
                name="business_coordinates_in_indonesia",
                violation_error_message=_("Koordinat harus diisi berpasangan dan berada di wilayah Indonesia."),
            ),
            models.CheckConstraint(
                condition=Q(year_founded__isnull=True) | Q(year_founded__gte=v.EARLIEST_YEAR, year_founded__lte=2100),
                name="business_year_founded_range",
                violation_error_message=_("Tahun berdiri tidak masuk akal."),
            ),
        ]

    def __str__(self):
        return self.name

    @property
    def transitions(self):
        """Its steps through the review workflow (ikm_registry.TransitionLog), newest first; they outlive it."""
        return TransitionLog.objects.for_object(self)

    def clean(self):
        self.name = whitespace_collapsed(self.name)
        errors = {}
        if self.kbli_id:
            if len(self.kbli_id) != 5 or not self.kbli_id.isdigit():
                errors["kbli"] = _("Kode KBLI harus 5 angka (tingkat kelompok).")
        if (self.latitude is None) != (self.longitude is None):
            errors["longitude" if self.longitude is None else "latitude"] = _("Isi lintang dan bujur berpasangan.")
        # A sentra belongs to the office of its kabupaten/kota; a member elsewhere would show that office a business
        # of another region. (Where many businesses are checked, the import selects their sentra: no query per row.)
        if self.sentra_id and self.village_id and regency_code(self.sentra.village_id) != regency_code(self.village_id):
            errors["sentra"] = _(
                "Sentra ini berada di kabupaten/kota lain; anggota sentra harus berlokasi di kabupaten/kota yang "
                "sama dengan sentranya."
            )
        if errors:
            raise ValidationError(errors)

    def latest_year(self):
        """The BusinessYear of the latest data year (businesses.rules), or None."""
        return self.years.order_by("-year").first()


class Owner(CleanTextMixin, models.Model):
    """The owner (pelaku usaha) of a business. NIK, phone, e-mail and home address are private.

    A contact channel may appear publicly only with the owner's recorded consent for that channel.
    """

    business = models.OneToOneField(Business, verbose_name=_("IKM"), on_delete=models.CASCADE, related_name="owner")
    name = models.CharField(_("nama pemilik"), max_length=200)
    nik = models.CharField(_("NIK"), max_length=16, blank=True, validators=[v.validate_nik])
    sex = models.CharField(_("jenis kelamin"), max_length=1, choices=Sex.choices, blank=True)
    phone = models.CharField(_("telepon"), max_length=20, blank=True, validators=[v.validate_phone])
    email = models.EmailField(_("e-mail"), blank=True)
    home_address = models.CharField(_("alamat rumah"), max_length=300, blank=True)
    phone_public_since = models.DateField(
        _("setuju telepon dipublikasikan sejak"), null=True, blank=True, help_text=_("Kosong = tidak setuju.")
    )
    email_public_since = models.DateField(
        _("setuju e-mail dipublikasikan sejak"), null=True, blank=True, help_text=_("Kosong = tidak setuju.")
    )

    # The secret of the owner's private link (/usaha-saya/<secret>/): made when a link is first sent, replaced when
    # one is sent again (the old link stops working). Never in history, exports or the public side.
    link_secret = models.CharField(max_length=43, unique=True, null=True, blank=True, editable=False)

    # Personal data (UU 27/2022): shown, searched and exported as the user's role allows (ikm_registry.personal_data).
    personal_fields = ("nik", "phone", "email", "home_address")

    objects = BusinessChildQuerySet.as_manager()
    history = HistoricalRecords(excluded_fields=["link_secret"])

    class Meta:
        verbose_name = _("pemilik")
        verbose_name_plural = pgettext_lazy("plural", "pemilik")
        constraints = [
            models.CheckConstraint(
                condition=Q(nik="") | Q(nik__regex=r"^[0-9]{16}$"),
                name="owner_nik_16_digits",
                violation_error_message=_("NIK harus terdiri dari 16 angka."),
            ),
            models.CheckConstraint(
                condition=Q(sex__in=["", Sex.MALE, Sex.FEMALE]),
                name="owner_sex_code",
                violation_error_message=_("Jenis kelamin harus L atau P."),
            ),
        ]

    def __str__(self):
        return self.name

    def clean(self):
        self.name = whitespace_collapsed(self.name)
        if self.nik and self.sex and len(self.nik) == 16 and self.nik.isdigit():
            decoded = v.nik_birth_date(self.nik)
            if decoded is not None and decoded[1] != (self.sex == Sex.FEMALE):
                raise ValidationError(
                    {"nik": _("NIK menunjukkan jenis kelamin yang berbeda (tanggal lahir perempuan ditambah 40).")}
                )
        if self.phone_public_since and not self.phone:
            raise ValidationError({"phone_public_since": _("Tidak ada nomor telepon untuk dipublikasikan.")})
        if self.email_public_since and not self.email:
            raise ValidationError({"email_public_since": _("Tidak ada e-mail untuk dipublikasikan.")})


def _scale_pp7(amount: str, limits: tuple[int, int, int]) -> Case:
    mikro, kecil, menengah = limits
    return Case(
        When(**{f"{amount}__lte": mikro}, then=Value(ScalePp7.MIKRO)),
        When(**{f"{amount}__lte": kecil}, then=Value(ScalePp7.KECIL)),
        When(**{f"{amount}__lte": menengah}, then=Value(ScalePp7.MENENGAH)),
        default=Value(ScalePp7.BESAR),
    )


# PP 7/2021 Pasal 35: modal usaha (excluding land and buildings) ≤ Rp1 M / Rp5 M / Rp10 M; hasil penjualan tahunan
# ≤ Rp2 M / Rp15 M / Rp50 M. Modal usaha classifies at founding; for an operating business the annual sales
# govern (ayat 5), so sales decide when recorded and modal usaha otherwise.
SCALE_PP7 = Case(
    When(turnover__isnull=False, then=_scale_pp7("turnover", (2 * BILLION, 15 * BILLION, 50 * BILLION))),
    When(investment__isnull=False, then=_scale_pp7("investment", (1 * BILLION, 5 * BILLION, 10 * BILLION))),
    default=None,
    output_field=models.CharField(),
)

WORKFORCE = F("workforce_male") + F("workforce_female")

# Permenperin 64/2016: kecil ≤ 19 workers and investment < Rp1 M; menengah ≤ 19 workers and ≥ Rp1 M, or ≥ 20
# workers and ≤ Rp15 M; besar ≥ 20 workers and > Rp15 M (investment excludes land and buildings). As with BPS,
# a year without workers has no class.
SCALE_INDUSTRY = Case(
    When(Q(investment__isnull=True) | Q(workforce_male__lte=0 - F("workforce_female")), then=None),
    When(
        Q(workforce_male__lte=19 - F("workforce_female")) & Q(investment__lt=1 * BILLION),
        then=Value(ScaleIndustry.KECIL),
    ),
    When(workforce_male__lte=19 - F("workforce_female"), then=Value(ScaleIndustry.MENENGAH)),
    When(investment__lte=15 * BILLION, then=Value(ScaleIndustry.MENENGAH)),
    default=Value(ScaleIndustry.BESAR),
    output_field=models.CharField(),
)

# BPS by workforce: mikro 1–4, kecil 5–19, sedang 20–99, besar ≥ 100; no class without workers.
SCALE_BPS = Case(
    When(workforce_male__lte=0 - F("workforce_female"), then=None),
    When(workforce_male__lte=4 - F("workforce_female"), then=Value(ScaleBps.MIKRO)),
    When(workforce_male__lte=19 - F("workforce_female"), then=Value(ScaleBps.KECIL)),
    When(workforce_male__lte=99 - F("workforce_female"), then=Value(ScaleBps.SEDANG)),
    default=Value(ScaleBps.BESAR),
    output_field=models.CharField(),
)


# Columns the database derives from the typed figures; history keeps only what was typed.
DERIVED_FIGURES = ["workforce_total", "scale_pp7", "scale_industry", "scale_bps"]


class BusinessYear(CleanTextMixin, models.Model):
    """The figures of one business for one data year (pendataan tahunan). Scale classes are derived, never typed."""

    business = models.ForeignKey(Business, verbose_name=_("IKM"), on_delete=models.CASCADE, related_name="years")
    year = models.PositiveSmallIntegerField(_("tahun data"), validators=[v.validate_past_year])
    workforce_male = models.PositiveIntegerField(
        _("tenaga kerja laki-laki"), default=0, validators=[v.validate_non_negative]
    )
    workforce_female = models.PositiveIntegerField(
        _("tenaga kerja perempuan"), default=0, validators=[v.validate_non_negative]
    )
    investment = models.BigIntegerField(
        _("nilai investasi (Rp)"),
        null=True,
        blank=True,
        validators=[v.validate_non_negative],
        help_text=_("Modal usaha, tidak termasuk tanah dan bangunan."),
    )
    turnover = models.BigIntegerField(
        _("omzet per tahun (Rp)"), null=True, blank=True, validators=[v.validate_non_negative]
    )
    production_capacity = models.DecimalField(
        _("kapasitas produksi"),
        max_digits=14,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[v.validate_non_negative],
    )
    capacity_unit = models.CharField(_("satuan kapasitas"), max_length=50, blank=True, help_text=_("Mis. buah/tahun"))
    production_value = models.BigIntegerField(
        _("nilai produksi (Rp)"), null=True, blank=True, validators=[v.validate_non_negative]
    )
    workforce_total = models.GeneratedField(
        verbose_name=_("tenaga kerja"),
        expression=WORKFORCE,
        output_field=models.PositiveIntegerField(),
        db_persist=True,
    )
    scale_pp7 = models.GeneratedField(
        verbose_name=_("skala (PP 7/2021)"),
        expression=SCALE_PP7,
        output_field=models.CharField(max_length=10, choices=ScalePp7.choices),
        db_persist=True,
    )
    scale_industry = models.GeneratedField(
        verbose_name=_("skala industri (Permenperin 64/2016)"),
        expression=SCALE_INDUSTRY,
        output_field=models.CharField(max_length=10, choices=ScaleIndustry.choices),
        db_persist=True,
    )
    scale_bps = models.GeneratedField(
        verbose_name=_("skala (BPS)"),
        expression=SCALE_BPS,
        output_field=models.CharField(max_length=10, choices=ScaleBps.choices),
        db_persist=True,
    )

    objects = BusinessChildQuerySet.as_manager()
    history = HistoricalRecords(excluded_fields=DERIVED_FIGURES)

    class Meta:
        verbose_name = _("data tahunan")
        verbose_name_plural = pgettext_lazy("plural", "data tahunan")
        ordering = ["business", "-year"]
        indexes = [models.Index(fields=["year", "business"], name="businessyear_year_business")]
        constraints = [
            models.UniqueConstraint(
                fields=["business", "year"],
                name="businessyear_unique_year",
                violation_error_message=_("Data tahun ini sudah ada untuk IKM tersebut."),
            ),
            models.CheckConstraint(
                condition=Q(year__gte=v.EARLIEST_YEAR, year__lte=2100),
                name="businessyear_year_range",
                violation_error_message=_("Tahun data tidak masuk akal."),
            ),
            *(
                models.CheckConstraint(
                    condition=Q(**{f"{field}__isnull": True}) | Q(**{f"{field}__gte": 0}),
                    name=f"businessyear_{field}_non_negative",
                    violation_error_message=_("Nilai tidak boleh negatif."),
                )
                for field in (
                    "workforce_male",
                    "workforce_female",
                    "investment",
                    "turnover",
                    "production_capacity",
                    "production_value",
                )
            ),
        ]

    def __str__(self):
        return f"{self.business} — {self.year}"


@cleanup.select  # django-cleanup: files replaced or of a deleted product are deleted after the commit
class Product(CleanTextMixin, models.Model):
    """Something a business makes, with a photo for its profile.

    The photo is stored re-encoded (no EXIF/GPS) with a thumbnail for pages and PDFs; see businesses/photos.py.
    """

    business = models.ForeignKey(Business, verbose_name=_("IKM"), on_delete=models.CASCADE, related_name="products")
    name = models.CharField(_("nama produk"), max_length=200)
    description = models.TextField(_("keterangan"), blank=True)
    photo = photos.PhotoField(
        _("foto"),
        upload_to="products/%Y/",
        small_field="photo_small",
        blank=True,
        help_text=_("JPEG, PNG, WebP atau GIF. Disimpan ulang sebagai JPEG tanpa data EXIF (lokasi GPS, kamera)."),
    )
    photo_thumbnail = models.ImageField(_("gambar kecil foto"), upload_to="products/%Y/", blank=True, editable=False)
    photo_small = models.ImageField(
        _("gambar kecil untuk halaman publik"), upload_to="products/%Y/", blank=True, editable=False
    )
    is_featured = models.BooleanField(_("produk unggulan"), default=False)

    objects = BusinessChildQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("produk")
        verbose_name_plural = pgettext_lazy("plural", "produk")
        ordering = ["business", "name"]
        # The home page's newest produk unggulan, without a scan of every product.
        indexes = [models.Index(F("id").desc(), condition=Q(is_featured=True), name="product_featured_newest")]

    def __str__(self):
        return self.name

    def save(self, *args, **kwargs):
        """A photo's thumbnail is named after it (photos.thumbnail_name): a cleared photo, or one set by name to a file
        never re-encoded, loses its thumbnail; a new upload is stored re-encoded with its thumbnail by its field
        (photos.PhotoFieldFile) within the same save."""
        derived = photos.drop_stale_pictures(self)
        update_fields = kwargs.get("update_fields")
        if update_fields is not None and "photo" in update_fields:
            kwargs["update_fields"] = {*update_fields, *derived}
        super().save(*args, **kwargs)


class BusinessLink(CleanTextMixin, models.Model):
    """An online shop or social account of a business: one platform and its canonical URL (businesses.links).

    A form may type a handle ("@batiksari") or a URL; clean() stores the URL the profile links to."""

    business = models.ForeignKey(Business, verbose_name=_("IKM"), on_delete=models.CASCADE, related_name="links")
    platform = models.CharField(_("platform"), max_length=12, choices=Platform.choices)
    url = models.CharField(
        _("alamat atau nama akun"),
        max_length=300,
        help_text=_("Alamat toko/akun (https://…) atau nama akun (@nama)."),
    )

    objects = BusinessChildQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("tautan toko online / media sosial")
        verbose_name_plural = pgettext_lazy("plural", "tautan toko online / media sosial")
        ordering = ["business", "platform", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["business", "url"],
                name="business_link_unique_url",
                violation_error_message=_("Tautan ini sudah dicatat untuk IKM ini."),
            )
        ]

    def __str__(self):
        return f"{self.get_platform_display()}: {self.url}"

    def clean(self):
        if self.platform and self.url:
            try:
                self.url = link_url(self.platform, self.url)
            except ValidationError as error:
                raise ValidationError({"url": error.messages}) from error


class ChangeProposalQuerySet(ScopedQuerySet):
    region_field = "business__village__code"


class ChangeProposal(models.Model):
    """Changes the owner of a verified or published business proposes through their private link.

    Staff review it like a submission (businesses.services.owner_changes): approving applies `changes` to the
    business; until then the public page shows the approved version. `before` holds the values when it was
    proposed, so staff see old → new and notice a field changed since.
    """

    business = models.ForeignKey(
        Business, verbose_name=_("IKM"), on_delete=models.CASCADE, related_name="change_proposals"
    )
    status = models.CharField(
        _("status"), max_length=10, choices=ProposalStatus.choices, default=ProposalStatus.SUBMITTED, db_index=True
    )
    changes = models.JSONField(_("perubahan"), default=dict, blank=True)
    before = models.JSONField(_("nilai sebelumnya"), default=dict, blank=True, editable=False)
    created_at = models.DateTimeField(_("diajukan"), auto_now_add=True)
    updated_at = models.DateTimeField(_("diubah"), auto_now=True)

    objects = ChangeProposalQuerySet.as_manager()
    # The values may hold the owner's phone and e-mail: not copied into history pages (the status steps are in the
    # TransitionLog; an approval's changes are in the business's and owner's own history).
    history = HistoricalRecords(excluded_fields=["changes", "before"])

    class Meta:
        verbose_name = _("usulan perubahan dari pemilik")
        verbose_name_plural = pgettext_lazy("plural", "usulan perubahan dari pemilik")
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["status", "created_at"], name="proposal_queue_idx")]
        constraints = [
            # One open proposal per business: the owner corrects it rather than piling up a second.
            models.UniqueConstraint(
                fields=["business"],
                condition=Q(status__in=["submitted", "returned"]),
                name="proposal_one_open_per_business",
                violation_error_message=_("IKM ini sudah punya usulan perubahan yang belum diputuskan."),
            )
        ]

    def __str__(self):
        return _("Usulan perubahan %(business)s") % {"business": self.business}


@cleanup.select
class ProposedPhoto(models.Model):
    """A product photo the owner proposes: private (not public) until staff approve the proposal, when it becomes a
    product of the business with its photo."""

    proposal = models.ForeignKey(ChangeProposal, on_delete=models.CASCADE, related_name="photos")
    name = models.CharField(_("nama produk"), max_length=200)
    photo = photos.PhotoField(
        _("foto"), storage=private_storage, photo_root="proposal-photos", upload_to="proposal-photos/%Y/"
    )
    photo_thumbnail = models.ImageField(
        _("gambar kecil foto"), storage=private_storage, upload_to="proposal-photos/%Y/", blank=True, editable=False
    )

    class Meta:
        verbose_name = _("foto produk usulan")
        verbose_name_plural = pgettext_lazy("plural", "foto produk usulan")
        ordering = ["pk"]

    def __str__(self):
        return self.name

    def save(self, *args, **kwargs):
        photos.drop_stale_pictures(self)
        super().save(*args, **kwargs)


MAX_PROPOSED_PHOTOS = 3


class SentraQuerySet(ScopedQuerySet):
    region_field = "village__code"

    def with_member_counts(self):
        """Annotate `member_count` (active members) and `similar_member_count` (same KBLI class as the sentra)."""
        from businesses.rules import is_active

        active = is_active("members")
        return self.annotate(
            member_count=models.Count("members", filter=active, distinct=True),
            similar_member_count=models.Count(
                "members",
                filter=active & Q(members__kbli__code__startswith=Left("kbli_id", 4)),
                distinct=True,
            ),
        )


class Sentra(CleanTextMixin, models.Model):
    """A sentra IKM: a cluster of IKM in one place making similar products (PP 29/2018), set by decree."""

    name = models.CharField(_("nama sentra"), max_length=200)
    main_product = models.CharField(_("komoditi / produk"), max_length=200)
    kbli = models.ForeignKey(
        Kbli,
        verbose_name=_("KBLI produk"),
        on_delete=models.PROTECT,
        related_name="sentra",
        limit_choices_to={"level": KbliLevel.SUBCLASS},
        help_text=_("Anggota dengan KBLI subgolongan (4 angka) yang sama dihitung sebagai produk sejenis."),
    )
    village = models.ForeignKey(
        Region,
        verbose_name=_("desa/kelurahan"),
        on_delete=models.PROTECT,
        related_name="sentra",
        limit_choices_to={"level": RegionLevel.VILLAGE},
    )
    address = models.CharField(_("alamat"), max_length=300, blank=True)
    decree_number = models.CharField(_("nomor SK penetapan"), max_length=100, blank=True)
    decree_date = models.DateField(_("tanggal SK"), null=True, blank=True)
    decree_issuer = models.CharField(
        _("penerbit SK"), max_length=100, blank=True, help_text=_("Mis. Bupati Gianyar atau Walikota Denpasar")
    )
    institution = models.CharField(
        _("kelembagaan"), max_length=200, blank=True, help_text=_("Mis. koperasi, KUB, asosiasi, paguyuban")
    )
    upt_name = models.CharField(_("UPT"), max_length=200, blank=True, help_text=_("Unit Pelaksana Teknis, jika ada"))
    year_established = models.PositiveSmallIntegerField(
        _("tahun terbentuk"), null=True, blank=True, validators=[v.validate_past_year]
    )
    description = models.TextField(_("keterangan"), blank=True)

    objects = SentraQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("sentra IKM")
        verbose_name_plural = pgettext_lazy("plural", "sentra IKM")
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(
                fields=["village", "name"],
                name="sentra_unique_name_per_village",
                violation_error_message=_("Sentra dengan nama ini sudah ada di desa tersebut."),
            ),
            models.CheckConstraint(
                condition=Exact(Length("kbli"), 5),
                name="sentra_kbli_is_subclass",
                violation_error_message=_("Kode KBLI harus 5 angka (tingkat kelompok)."),
            ),
        ]

    def __str__(self):
        return self.name

    def similar_members(self):
        """Active members whose KBLI shares the sentra's class (first four digits)."""
        from businesses.rules import is_active

        return self.members.filter(is_active(), kbli__code__startswith=self.kbli_id[:4])

    @property
    def meets_pp29(self) -> bool:
        """Whether the sentra meets PP 29/2018: at least five IKM making similar products."""
        count = getattr(self, "similar_member_count", None)
        if count is None:
            count = self.similar_members().count()
        return count >= SENTRA_MIN_MEMBERS


class SentraChildQuerySet(ScopedQuerySet):
    region_field = "sentra__village__code"


class SentraOfficer(CleanTextMixin, models.Model):
    """A member of a sentra's management (pengurus)."""

    sentra = models.ForeignKey(Sentra, on_delete=models.CASCADE, related_name="officers", verbose_name=_("sentra"))
    position = models.CharField(_("jabatan"), max_length=100, help_text=_("Mis. ketua, sekretaris, bendahara"))
    name = models.CharField(_("nama"), max_length=200)
    phone = models.CharField(_("telepon"), max_length=20, blank=True, validators=[v.validate_phone])

    personal_fields = ("phone",)

    objects = SentraChildQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("pengurus sentra")
        verbose_name_plural = pgettext_lazy("plural", "pengurus sentra")

    def __str__(self):
        return f"{self.position}: {self.name}"


class FacilityCondition(models.TextChoices):
    GOOD = "baik", _("Baik")
    MINOR_DAMAGE = "rusak_ringan", _("Rusak ringan")
    MAJOR_DAMAGE = "rusak_berat", _("Rusak berat")


class SentraFacility(CleanTextMixin, models.Model):
    """A facility (sarana-prasarana) of a sentra: a showroom, a shared kiln, machines, a road."""

    sentra = models.ForeignKey(Sentra, on_delete=models.CASCADE, related_name="facilities", verbose_name=_("sentra"))
    name = models.CharField(_("sarana/prasarana"), max_length=200)
    quantity = models.PositiveIntegerField(_("jumlah"), default=1)
    condition = models.CharField(
        _("kondisi"), max_length=15, choices=FacilityCondition.choices, default=FacilityCondition.GOOD
    )
    year_acquired = models.PositiveSmallIntegerField(
        _("tahun pengadaan"), null=True, blank=True, validators=[v.validate_past_year]
    )

    objects = SentraChildQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("sarana-prasarana sentra")
        verbose_name_plural = pgettext_lazy("plural", "sarana-prasarana sentra")

    def __str__(self):
        return self.name


class SentraRevitalisation(CleanTextMixin, models.Model):
    """A revitalisation or funding record of a sentra (often DAK non-fisik)."""

    sentra = models.ForeignKey(
        Sentra, on_delete=models.CASCADE, related_name="revitalisations", verbose_name=_("sentra")
    )
    year = models.PositiveSmallIntegerField(_("tahun"), validators=[v.validate_past_year])
    activity = models.CharField(_("kegiatan"), max_length=300)
    funding_source = models.CharField(_("sumber dana"), max_length=15, choices=FundingSource.choices)
    amount = models.BigIntegerField(_("nilai (Rp)"), null=True, blank=True, validators=[v.validate_non_negative])

    objects = SentraChildQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("revitalisasi / pendanaan sentra")
        verbose_name_plural = pgettext_lazy("plural", "revitalisasi / pendanaan sentra")
        ordering = ["-year"]
        constraints = [
            models.CheckConstraint(
                condition=Q(amount__isnull=True) | Q(amount__gte=0),
                name="sentrarevitalisation_amount_non_negative",
                violation_error_message=_("Nilai tidak boleh negatif."),
            ),
        ]

    def __str__(self):
        return f"{self.year}: {self.activity}"


class Assistance(CleanTextMixin, models.Model):
    """Help a business received (bantuan / fasilitasi): equipment, training, marketing, KUR, HKI, certification."""

    business = models.ForeignKey(Business, verbose_name=_("IKM"), on_delete=models.CASCADE, related_name="assistance")
    year = models.PositiveSmallIntegerField(_("tahun"), validators=[v.validate_past_year])
    kind = models.CharField(_("jenis bantuan"), max_length=15, choices=AssistanceKind.choices)
    description = models.CharField(_("uraian"), max_length=300, blank=True)
    provider = models.CharField(
        _("pemberi"), max_length=200, blank=True, help_text=_("Mis. Disperindag, Kemenperin, BRI")
    )
    value = models.BigIntegerField(_("nilai (Rp)"), null=True, blank=True, validators=[v.validate_non_negative])

    objects = BusinessChildQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("bantuan / fasilitasi")
        verbose_name_plural = pgettext_lazy("plural", "bantuan / fasilitasi")
        ordering = ["-year"]
        constraints = [
            models.CheckConstraint(
                condition=Q(value__isnull=True) | Q(value__gte=0),
                name="assistance_value_non_negative",
                violation_error_message=_("Nilai tidak boleh negatif."),
            ),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} ({self.year})"


class Obstacle(CleanTextMixin, models.Model):
    """Something that holds a business back (kendala)."""

    business = models.ForeignKey(Business, verbose_name=_("IKM"), on_delete=models.CASCADE, related_name="obstacles")
    kind = models.CharField(_("kendala"), max_length=15, choices=ObstacleKind.choices)
    description = models.CharField(_("uraian"), max_length=300, blank=True)
    year = models.PositiveSmallIntegerField(_("tahun"), validators=[v.validate_past_year])

    objects = BusinessChildQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("kendala")
        verbose_name_plural = pgettext_lazy("plural", "kendala")
        constraints = [
            models.UniqueConstraint(
                fields=["business", "kind", "year"],
                name="obstacle_unique_kind_per_year",
                violation_error_message=_("Kendala ini sudah dicatat untuk tahun tersebut."),
            ),
        ]

    def __str__(self):
        return self.get_kind_display()


class DemoRecord(models.Model):
    """One unit of the Bali demo that `seed_demo` has loaded: its stable key in the demo plan and the row it became.

    A key names a unit of the plan (`business:<desa>:<planned name>`, `sentra:...`, `office:...`, `user:...`,
    `regions`, `kbli`); a business or sentra unit holds its child rows too. seed_demo creates only units without a
    record, so a demo row that staff renamed, moved, edited or deleted is never loaded or rewritten again. The plan
    is always made for the `plan_date` of the first load, so its data years do not move with the calendar.
    """

    key = models.CharField(_("kunci"), max_length=255, unique=True)
    object_id = models.BigIntegerField(_("id baris"), null=True, blank=True)
    plan_date = models.DateField(_("tanggal rencana"))
    loaded_at = models.DateTimeField(_("dimuat"), auto_now_add=True)

    class Meta:
        verbose_name = _("catatan data demo")
        verbose_name_plural = pgettext_lazy("plural", "catatan data demo")

    def __str__(self):
        return self.key


class StatisticsRelease(models.Model):
    """The public sums of one data year (workforce, investment), made once and frozen: the statistics page shows these
    rows, never sums computed at request time, so no later change (a business published, closed or corrected) moves a
    public sum and no two readings of the page differ by one business's figures. See services/statistics.py."""

    year = models.PositiveSmallIntegerField(_("tahun data"), unique=True)
    released_at = models.DateTimeField(_("dirilis"))
    businesses = models.PositiveIntegerField(_("IKM"))
    workforce = models.BigIntegerField(_("tenaga kerja"), null=True, blank=True)
    investment = models.BigIntegerField(_("nilai investasi (Rp)"), null=True, blank=True)
    # The rule the release was made with (sums it withheld stay withheld if the settings change later).
    min_businesses = models.PositiveSmallIntegerField(_("IKM paling sedikit"))
    dominance_p = models.PositiveSmallIntegerField(_("aturan dominasi p"))

    class Meta:
        verbose_name = _("rilis statistik")
        verbose_name_plural = pgettext_lazy("plural", "rilis statistik")
        ordering = ["year"]

    def __str__(self):
        return str(self.year)


class BusinessImportManager(models.Manager):
    def get_queryset(self):
        return super().get_queryset().filter(kind=BUSINESS_IMPORT_KIND)


BUSINESS_IMPORT_KIND = "businesses"


class BusinessImport(TabularImport):
    """An uploaded spreadsheet of businesses: the upload records (ikm_registry.TabularImport) of kind "businesses".

    Its own setting is the data year of the yearly figures (the importer's option `year`). A long file is checked
    and applied by the worker like every upload (ikm_registry/tabular/uploads.py).
    """

    objects = BusinessImportManager()

    class Meta:
        proxy = True
        verbose_name = _("impor IKM")
        verbose_name_plural = pgettext_lazy("plural", "impor IKM")
        ordering = ["-uploaded_at"]

    def save(self, *args, **kwargs):
        self.kind = BUSINESS_IMPORT_KIND
        super().save(*args, **kwargs)

    @property
    def data_year(self) -> int | None:
        return self.options.get("year")

    @data_year.setter
    def data_year(self, value: int | None) -> None:
        self.options = {**(self.options or {}), "year": value}


class DirectoryCount(models.Model):
    """Businesses counted per region × KBLI division × facet value: the directory's facet counts, the home page and
    the Statistik page read these rows instead of counting the businesses on every request.

    Kept by businesses/services/directory_counts.py (`refresh_directory_counts`: the worker on a schedule and after
    imports, or `manage.py refresh_directory_counts`); one refresh replaces every row at once. `region` is "" for
    Indonesia, else a province, regency or kecamatan code; `kbli` is "" (every KBLI) or a division, counted for
    Indonesia and the provinces only. Facets: see directory_counts.FACETS.
    """

    region = models.CharField(_("wilayah"), max_length=13, blank=True)
    kbli = models.CharField(_("golongan pokok KBLI"), max_length=2, blank=True)
    facet = models.CharField(_("pilahan"), max_length=12)
    value = models.CharField(_("nilai"), max_length=40, blank=True)
    count = models.PositiveIntegerField(_("jumlah"))
    # Facet "peta": the mean position of the located businesses of the region `value` (the map's clusters).
    latitude = models.FloatField(_("lintang"), null=True, blank=True)
    longitude = models.FloatField(_("bujur"), null=True, blank=True)

    class Meta:
        verbose_name = _("hitungan direktori")
        verbose_name_plural = pgettext_lazy("plural", "hitungan direktori")
        constraints = [
            models.UniqueConstraint(fields=["region", "kbli", "facet", "value"], name="directorycount_unique_key")
        ]
        # The largest values of a facet first (the sentra of a region, the home page's top sentra) without a sort.
        indexes = [models.Index("region", "kbli", "facet", F("count").desc(), name="directorycount_largest")]

    def __str__(self):
        return f"{self.region or 'ID'}/{self.kbli or '*'}/{self.facet}/{self.value}: {self.count}"


class DirectoryCountRun(models.Model):
    """When the directory counts were last made, of which data, and how long it took (one row per refresh; the
    newest holds)."""

    computed_at = models.DateTimeField(_("dihitung"))
    data_version = models.BigIntegerField(_("versi data publik"))
    published = models.PositiveIntegerField(_("IKM terbit"))
    seconds = models.FloatField(_("lama (detik)"))

    class Meta:
        verbose_name = _("penghitungan direktori")
        verbose_name_plural = pgettext_lazy("plural", "penghitungan direktori")
        get_latest_by = "computed_at"

    def __str__(self):
        return f"{self.computed_at:%Y-%m-%d %H:%M:%S} ({self.published} IKM, {self.seconds:.1f} s)"


class ReportFigure(models.Model):
    """Checked businesses and the sums of their yearly figures per region and data year, and the businesses known by
    each year: the rekap and the pertumbuhan of the whole country, a province or a regency read these rows instead of
    every yearly row of the region (businesses/services/report_figures.py, which says what each facet holds).

    Made by the same refresh as the directory counts, in its transaction (`DirectoryCountRun` says of which data).
    `figures` holds, per yearly figure the reports print, [reported, sum, largest, second largest]: what adds up
    across regions and what the rules of disclosure control need (businesses.services.statistics.sum_releasable).
    """

    facet = models.CharField(_("pilahan"), max_length=10)
    region = models.CharField(_("wilayah"), max_length=13, blank=True)
    value = models.CharField(_("nilai"), max_length=40, blank=True)
    status = models.CharField(_("status"), max_length=10, blank=True)
    year = models.PositiveSmallIntegerField(_("tahun"))
    businesses = models.PositiveIntegerField(_("jumlah IKM"))
    figures = models.JSONField(_("angka"), default=dict, blank=True)

    class Meta:
        verbose_name = _("angka laporan")
        verbose_name_plural = pgettext_lazy("plural", "angka laporan")
        constraints = [
            models.UniqueConstraint(
                fields=["facet", "region", "year", "value", "status"], name="reportfigure_unique_key"
            )
        ]

    def __str__(self):
        return f"{self.facet}/{self.year}/{self.region or 'ID'}/{self.value}/{self.status}: {self.businesses}"
