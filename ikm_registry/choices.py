from django.db import models
from django.utils.translation import gettext_lazy as _


class StaffRole(models.TextChoices):
    OPERATOR = "operator", _("Operator kabupaten/kota")
    OFFICIAL = "official", _("Pejabat (hanya baca)")
    PROVINCE = "province", _("Staf provinsi")
    NATIONAL = "national", _("Staf nasional")
