import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ikm_registry.settings")
application = get_wsgi_application()

from ikm_registry.production import refuse_insecure_settings  # noqa: E402 (needs settings loaded)

refuse_insecure_settings()
