from django.db import models
from django.utils.translation import gettext_lazy as _


class LegalForm(models.TextChoices):
    PERORANGAN = "perorangan", _("Perorangan")
    UD = "ud", _("UD (Usaha Dagang)")
    CV = "cv", _("CV")
    PT = "pt", _("PT")
    PT_PERORANGAN = "pt_perorangan", _("PT Perorangan")
    KOPERASI = "koperasi", _("Koperasi")
    FIRMA = "firma", _("Firma")
    KUB = "kub", _("Kelompok Usaha Bersama (KUB)")
    LAINNYA = "lainnya", _("Lainnya")


class Sex(models.TextChoices):
    MALE = "L", _("Laki-laki")
    FEMALE = "P", _("Perempuan")


class BusinessStatus(models.TextChoices):
    DRAFT = "draft", _("Draf")
    SUBMITTED = "submitted", _("Diajukan")
    RETURNED = "returned", _("Dikembalikan")
    REJECTED = "rejected", _("Ditolak")
    VERIFIED = "verified", _("Terverifikasi")
    PUBLISHED = "published", _("Terbit")
    INACTIVE = "inactive", _("Tidak aktif")


class ProposalStatus(models.TextChoices):
    """An owner's proposed change to a business already verified or published (usulan perubahan)."""

    SUBMITTED = "submitted", _("Diajukan")
    RETURNED = "returned", _("Dikembalikan")
    APPROVED = "approved", _("Disetujui")
    REJECTED = "rejected", _("Ditolak")
    WITHDRAWN = "withdrawn", _("Ditarik")


# Statuses of a business that is (or is about to be) a real, operating IKM.
ACTIVE_STATUSES = (BusinessStatus.SUBMITTED, BusinessStatus.VERIFIED, BusinessStatus.PUBLISHED)


class MarketReach(models.TextChoices):
    LOCAL = "lokal", _("Lokal")
    REGIONAL = "regional", _("Regional")
    NATIONAL = "nasional", _("Nasional")
    EXPORT = "ekspor", _("Ekspor")


class ScalePp7(models.TextChoices):
    """PP 7/2021 (usaha mikro, kecil, menengah)."""

    MIKRO = "mikro", _("Mikro")
    KECIL = "kecil", _("Kecil")
    MENENGAH = "menengah", _("Menengah")
    BESAR = "besar", _("Besar")


class ScaleIndustry(models.TextChoices):
    """Permenperin 64/2016 (industri kecil, menengah, besar)."""

    KECIL = "kecil", _("Industri kecil")
    MENENGAH = "menengah", _("Industri menengah")
    BESAR = "besar", _("Industri besar")


class ScaleBps(models.TextChoices):
    """BPS by workforce (industri mikro, kecil, sedang, besar)."""

    MIKRO = "mikro", _("Mikro")
    KECIL = "kecil", _("Kecil")
    SEDANG = "sedang", _("Sedang")
    BESAR = "besar", _("Besar")


# Workforce ranges of the BPS classes, for filters and help texts.
SCALE_BPS_WORKERS = {ScaleBps.MIKRO: "1–4", ScaleBps.KECIL: "5–19", ScaleBps.SEDANG: "20–99", ScaleBps.BESAR: "≥ 100"}


class AssistanceKind(models.TextChoices):
    EQUIPMENT = "peralatan", _("Peralatan / mesin")
    TRAINING = "pelatihan", _("Pelatihan / bimtek")
    MARKETING = "pemasaran", _("Pemasaran / pameran")
    CAPITAL = "permodalan", _("Akses permodalan (KUR)")
    IPR = "hki", _("HKI / merek")
    CERTIFICATION = "sertifikasi", _("Sertifikasi (halal, SNI, P-IRT, ...)")
    OTHER = "lainnya", _("Lainnya")


class ObstacleKind(models.TextChoices):
    CAPITAL = "permodalan", _("Permodalan")
    MARKETING = "pemasaran", _("Pemasaran")
    RAW_MATERIAL = "bahan_baku", _("Bahan baku")
    HUMAN_RESOURCES = "sdm", _("SDM")
    TECHNOLOGY = "teknologi", _("Teknologi")
    LICENSING = "perizinan", _("Perizinan")
    INFRASTRUCTURE = "infrastruktur", _("Infrastruktur")
    OTHER = "lainnya", _("Lainnya")


class FundingSource(models.TextChoices):
    DAK = "dak_nonfisik", _("DAK non-fisik")
    DAK_FISIK = "dak_fisik", _("DAK fisik")
    APBD = "apbd", _("APBD")
    APBN = "apbn", _("APBN")
    CSR = "csr", _("CSR")
    OTHER = "lainnya", _("Lainnya")
