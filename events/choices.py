from django.db import models
from django.utils.translation import gettext_lazy as _


class EventKind(models.TextChoices):
    WORKSHOP = "workshop", _("Workshop")
    TRAINING = "pelatihan", _("Pelatihan")
    BIMTEK = "bimtek", _("Bimbingan teknis (bimtek)")
    EXHIBITION = "pameran", _("Pameran")
    BUSINESS_MEETING = "temu_usaha", _("Temu usaha")
    STUDY_VISIT = "studi_tiru", _("Studi tiru")
    OUTREACH = "sosialisasi", _("Sosialisasi")
    MENTORING = "pendampingan", _("Pendampingan")


# Kinds whose outcomes are sales, orders and buyers met (DESIGN §3; events.md: what offices report of a pameran).
MARKET_KINDS = (EventKind.EXHIBITION, EventKind.BUSINESS_MEETING)


class EventStatus(models.TextChoices):
    PLANNED = "planned", _("Direncanakan")
    OPEN = "open", _("Pendaftaran dibuka")
    ONGOING = "ongoing", _("Berlangsung")
    COMPLETED = "completed", _("Selesai")
    CANCELLED = "cancelled", _("Dibatalkan")


class FundingSource(models.TextChoices):
    APBD = "apbd", _("APBD")
    APBN = "apbn", _("APBN")
    DAK = "dak_nonfisik", _("DAK non-fisik")
    PRIVATE = "swasta", _("Swasta")
    OTHER = "lainnya", _("Lainnya")


class InstitutionKind(models.TextChoices):
    MINISTRY = "kementerian", _("Kementerian/lembaga")
    LOCAL_GOVERNMENT = "pemda", _("Pemerintah daerah")
    UNIVERSITY = "perguruan_tinggi", _("Perguruan tinggi")
    SOE = "bumn", _("BUMN/BUMD")
    BANK = "bank", _("Bank")
    ASSOCIATION = "asosiasi", _("Asosiasi")
    DEKRANASDA = "dekranasda", _("Dekranasda")
    PKK = "tp_pkk", _("TP PKK")
    LSP = "lsp", _("LSP")
    PRIVATE = "swasta", _("Swasta")
    OTHER = "lainnya", _("Lainnya")


class PartnerRole(models.TextChoices):
    CO_ORGANISER = "penyelenggara", _("Penyelenggara bersama")
    PARTNER = "mitra", _("Mitra")
    SPONSOR = "sponsor", _("Sponsor/pendana")
    SUPPORTER = "pendukung", _("Pendukung")


class RegistrationStatus(models.TextChoices):
    PENDING = "pending", _("Menunggu konfirmasi")
    CONFIRMED = "confirmed", _("Terdaftar")
    WAITLISTED = "waitlisted", _("Daftar tunggu")
    OFFERED = "offered", _("Ditawari tempat")
    WITHDRAWN = "withdrawn", _("Mengundurkan diri")
    REJECTED = "rejected", _("Ditolak")


# The registrations that hold a place: a confirmed one, and an offer until it is accepted or lapses.
HOLDS_PLACE = (RegistrationStatus.PENDING, RegistrationStatus.CONFIRMED, RegistrationStatus.OFFERED)


class ParticipantCategory(models.TextChoices):
    IKM = "pelaku_ikm", _("Pelaku IKM")
    ACADEMIC = "akademisi", _("Akademisi")
    STUDENT = "mahasiswa", _("Mahasiswa")
    GOVERNMENT = "pemerintah", _("Pemerintah")
    PARTNER = "mitra", _("Mitra")
    PUBLIC = "umum", _("Umum")


class CheckInMethod(models.TextChoices):
    SCAN = "scan", _("Pindai QR")
    SEARCH = "search", _("Cari nama/kode")
    PAPER = "paper", _("Dari daftar hadir kertas")
    IMPORT = "import", _("Impor")
