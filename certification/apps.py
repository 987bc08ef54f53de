from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CertificationConfig(AppConfig):
    """LSP certification of IKM managers and marketers (built in a later issue)."""

    name = "certification"
    verbose_name = _("Sertifikasi")
