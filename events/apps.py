from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class EventsConfig(AppConfig):
    """Kegiatan: workshops, pelatihan, bimtek, pameran, temu usaha (built in a later issue)."""

    name = "events"
    verbose_name = _("Kegiatan")
