from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

# The models public pages show (directly or through counts and statistics): a change to any of them clears the
# cached public pages (ikm_registry/public_cache.py).
PUBLIC_MODELS = ("Region", "Kbli", "CreativeSubsector", "Business", "Owner", "BusinessYear", "Product", "Sentra")


class BusinessesConfig(AppConfig):
    """Regions, reference data and the registry itself: businesses, owners, products, sentra."""

    name = "businesses"
    verbose_name = _("Registri IKM")

    def ready(self):
        from django.db.models.signals import post_delete, post_save
        from PIL import Image

        from businesses import photos
        from businesses.services import workflow  # noqa: F401  (registers the business workflow with the engine)
        from ikm_registry.public_cache import on_public_data_change

        # Pillow's decompression-bomb guard at our photo limit: it warns past it and refuses twice that, wherever an
        # image is opened (uploads are checked against the limit itself before, see businesses/photos.py).
        Image.MAX_IMAGE_PIXELS = photos.max_pixels()

        for name in PUBLIC_MODELS:
            model = self.get_model(name)
            post_save.connect(on_public_data_change, sender=model, dispatch_uid=f"public-cache-save-{name}")
            post_delete.connect(on_public_data_change, sender=model, dispatch_uid=f"public-cache-delete-{name}")
