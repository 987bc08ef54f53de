from django.db import models
from django.utils.translation import gettext_lazy as _


class StaffRole(models.TextChoices):
    OPERATOR = "operator", _("Operator kabupaten/kota")
    OFFICIAL = "official", _("Pejabat (hanya baca)")
    PROVINCE = "province", _("Staf provinsi")
    NATIONAL = "national", _("Staf nasional")


class RegionLevel(models.TextChoices):
    PROVINCE = "province", _("Provinsi")
    REGENCY = "regency", _("Kabupaten/kota")
    DISTRICT = "district", _("Kecamatan")
    VILLAGE = "village", _("Desa/kelurahan")


class RegionKind(models.TextChoices):
    KABUPATEN = "kabupaten", _("Kabupaten")
    KOTA = "kota", _("Kota")
    DESA = "desa", _("Desa")
    KELURAHAN = "kelurahan", _("Kelurahan")


class KbliLevel(models.TextChoices):
    SECTION = "section", _("Kategori")
    DIVISION = "division", _("Golongan pokok")
    GROUP = "group", _("Golongan")
    CLASS = "class", _("Subgolongan")
    SUBCLASS = "subclass", _("Kelompok")
