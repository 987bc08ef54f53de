"""Settings that keep a production deployment safe."""

import pytest
from django.core.exceptions import ImproperlyConfigured

from ikm_registry.production import refuse_insecure_settings


def test_serving_without_a_secret_key_is_refused(settings):
    settings.DEBUG = False
    settings.SECRET_KEY = settings.INSECURE_DEFAULT_SECRET_KEY
    with pytest.raises(ImproperlyConfigured, match="SECRET_KEY"):
        refuse_insecure_settings()


def test_serving_with_a_secret_key_is_allowed(settings):
    settings.DEBUG = False
    settings.SECRET_KEY = "a-real-secret-from-the-environment"
    refuse_insecure_settings()


def test_development_server_may_use_the_default_key(settings):
    settings.DEBUG = True
    settings.SECRET_KEY = settings.INSECURE_DEFAULT_SECRET_KEY
    refuse_insecure_settings()
