from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

# The models public pages show (directly or through counts and statistics): a change to any of them clears the
# cached public pages (ikm_registry/public_cache.py).
PUBLIC_MODELS = ("Business", "Owner", "BusinessYear", "Product", "BusinessLink", "Sentra")


class BusinessesConfig(AppConfig):
    """The registry itself: businesses, owners, products, sentra (reference data lives in the core, ikm_registry)."""

    name = "businesses"
    verbose_name = _("Registri IKM")

    def ready(self):
        from PIL import Image

        from businesses import photos
        from businesses.services import (
            importing,  # noqa: F401 (registers the business importer)
            oss_import,  # noqa: F401 (registers the importer of OSS-RBA exports: NIB and KBLI)
            proposals,  # noqa: F401  (registers the owners' change proposals' workflow)
            workflow,  # noqa: F401  (registers the business workflow with the engine)
        )
        from ikm_registry.public_cache import register_public_models

        # Pillow's decompression-bomb guard at our photo limit: it warns past it and refuses twice that, wherever an
        # image is opened (uploads are checked against the limit itself before, see businesses/photos.py).
        Image.MAX_IMAGE_PIXELS = photos.max_pixels()

        register_public_models(*(self.get_model(name) for name in PUBLIC_MODELS))

        from businesses import contributions, sitemaps

        contributions.register_all()
        sitemaps.register_sitemaps()  # profiles and sentra in sitemap.xml, private links out of robots.txt
