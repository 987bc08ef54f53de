"""Choices of the certification app (DESIGN §3, §4; ../shared/reference/certification.md)."""

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class LspKind(models.TextChoices):
    P1 = "P1", _("P1 — lembaga pendidikan/pelatihan (peserta sendiri)")
    P2 = "P2", _("P2 — industri/instansi (pegawai dan pemasoknya)")
    P3 = "P3", _("P3 — asosiasi/profesi (satu sektor)")


class SchemeKind(models.TextChoices):
    KKNI = "kkni", _("KKNI")
    OCCUPATION = "okupasi", _("Okupasi")
    CLUSTER = "klaster", _("Klaster")


class TukKind(models.TextChoices):
    TEMPORARY = "sewaktu", _("Sewaktu")
    WORKPLACE = "tempat_kerja", _("Tempat kerja")
    PERMANENT = "mandiri", _("Mandiri")


class FundingSource(models.TextChoices):
    APBN = "apbn", _("APBN")
    APBD = "apbd", _("APBD")
    BNSP = "bnsp", _("Program BNSP")
    SELF = "mandiri", _("Biaya sendiri")
    OTHER = "lainnya", _("Lainnya")


class AsesiRole(models.TextChoices):
    OWNER = "pemilik", _("Pemilik")
    MANAGER = "pengelola", _("Pengelola")
    MARKETING = "pemasaran", _("Pemasaran")
    PRODUCTION = "produksi", _("Produksi")
    OTHER = "lainnya", _("Lainnya")


class EnrollmentStatus(models.TextChoices):
    REGISTERED = "registered", _("Terdaftar")
    SCHEDULED = "scheduled", _("Terjadwal")
    ASSESSED = "assessed", _("Sudah diuji")
    COMPETENT = "competent", _("Kompeten")
    NOT_YET_COMPETENT = "not_yet", _("Belum kompeten")
    WITHDRAWN = "withdrawn", _("Mengundurkan diri")


# Asesi still waiting for an assessment: what the planner groups.
WAITING = (EnrollmentStatus.REGISTERED,)
# Enrollments that take a place in a session.
IN_SESSION = (EnrollmentStatus.SCHEDULED, EnrollmentStatus.ASSESSED, EnrollmentStatus.COMPETENT,
              EnrollmentStatus.NOT_YET_COMPETENT)  # fmt: skip


class CertificateStatus(models.TextChoices):
    ACTIVE = "active", pgettext_lazy("certificate", "Berlaku")
    EXPIRED = "expired", pgettext_lazy("certificate", "Kedaluwarsa")
    REVOKED = "revoked", pgettext_lazy("certificate", "Dicabut")
    RENEWED = "renewed", pgettext_lazy("certificate", "Diperpanjang")


class ProductCertificateKind(models.TextChoices):
    HALAL = "halal", _("Halal")
    PIRT = "pirt", _("P-IRT")
    SNI = "sni", _("SNI")
    BPOM_MD = "bpom_md", _("BPOM MD")
    BPOM_ML = "bpom_ml", _("BPOM ML")
    MEREK = "merek", _("Merek")
    OTHER = "lainnya", _("Lainnya")


class ProductCertificateStatus(models.TextChoices):
    ACTIVE = "active", pgettext_lazy("certificate", "Berlaku")
    REVOKED = "revoked", pgettext_lazy("certificate", "Dicabut")
    REPLACED = "replaced", pgettext_lazy("certificate", "Diganti yang baru")


class TargetKind(models.TextChoices):
    NUMBER = "number", _("Jumlah orang")
    ALL_IKM = "all_ikm", _("Semua IKM wilayah")
