"""Guards for the entry points that serve real traffic."""

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured


def refuse_insecure_settings() -> None:
    """Serving with DEBUG off and the development SECRET_KEY would sign sessions with a public key."""
    if not settings.DEBUG and settings.SECRET_KEY == settings.INSECURE_DEFAULT_SECRET_KEY:
        raise ImproperlyConfigured("Set SECRET_KEY in the environment or .env before serving with DEBUG off.")
