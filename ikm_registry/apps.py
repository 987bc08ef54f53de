from django.apps import AppConfig
from django.contrib.admin import apps as admin_apps
from django.utils.translation import gettext_lazy as _


class IkmRegistryConfig(AppConfig):
    """The core: reference data (regions, KBLI, subsectors), offices, staff roles, region scoping, the admin site."""

    default = True
    name = "ikm_registry"
    verbose_name = _("Kantor dan staf")

    def ready(self):
        from ikm_registry import (
            accounts,  # noqa: F401  (connects is_staff following the office memberships)
            expiry,
            history,  # noqa: F401  (connects the attribution of historical rows)
            public_url,  # noqa: F401  (registers the PUBLIC_BASE_URL check of `check --deploy`)
            vocabulary,
        )
        from ikm_registry.admin_site import name_third_party_apps
        from ikm_registry.public_cache import register_public_models

        # Public pages show region, KBLI and subsector names, and name the reviewing office with its phone and e-mail:
        # a change to any of them clears the cached public pages.
        register_public_models(*(self.get_model(name) for name in ("Region", "Kbli", "CreativeSubsector", "Office")))
        expiry.register_panel()
        vocabulary.register_core_sources()
        name_third_party_apps()


class RegistryAdminConfig(admin_apps.AdminConfig):
    default = False
    default_site = "ikm_registry.admin_site.RegistryAdminSite"
