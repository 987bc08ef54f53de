import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ikm_registry.settings")
application = get_asgi_application()

from ikm_registry.production import refuse_insecure_settings  # noqa: E402 (needs settings loaded)

refuse_insecure_settings()
