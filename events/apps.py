from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

# The models public pages show (the agenda, an event's page): a change to any of them clears the cached public pages.
# A registration is not one: the agenda shows no counts, and an event's page (places left) is not cached.
PUBLIC_MODELS = ("Event", "Session", "EventPartner", "EventSpeaker", "Institution", "Speaker")


class EventsConfig(AppConfig):
    """Kegiatan: an office's programme of workshops, pelatihan, bimtek, pameran, temu usaha, studi tiru, sosialisasi
    and pendampingan, with registration, waiting list, attendance, certificates and outcomes."""

    name = "events"
    verbose_name = _("Kegiatan")

    def ready(self):
        from events import importing  # noqa: F401  (registers the participant and event importers)
        from events.services import workflow  # noqa: F401  (registers the event and registration workflows)
        from ikm_registry.public_cache import register_public_models

        register_public_models(*(self.get_model(name) for name in PUBLIC_MODELS))

        from events import contributions, sitemaps

        contributions.register_all()
        sitemaps.register_sitemaps()  # its agenda in sitemap.xml, personal links out of robots.txt

        from events.api import register_api_routes  # the endpoints of /api/v1/ (events/api.py)

        register_api_routes()
