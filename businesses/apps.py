from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class BusinessesConfig(AppConfig):
    """Regions, reference data and the registry itself: businesses, owners, products, sentra."""

    name = "businesses"
    verbose_name = _("Registri IKM")
