from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

# The models public pages show (a business's certificate badges, the directory's `sertifikat` filter): a change to
# any of them clears the cached public pages.
PUBLIC_MODELS = ("ProductCertification", "Certificate", "Enrollment", "Scheme", "Lsp")


def lsps_operated_by(user) -> list[int]:
    """The LSPs whose operator `user` is: the "lsp" membership of the core's scope."""
    from certification.models import Lsp

    return list(Lsp.operators.through.objects.filter(user_id=user.pk).values_list("lsp_id", flat=True))


class CertificationConfig(AppConfig):
    """Sertifikasi: competency certification of IKM managers and marketers through LSPs (BNSP), the sessions their
    assessors' trips allow, yearly targets, and the product certificates IKM hold (halal, P-IRT, SNI, BPOM, merek),
    with nothing lapsing unseen."""

    name = "certification"
    verbose_name = _("Sertifikasi")

    def ready(self):
        from certification import importing  # noqa: F401
        from certification.services import workflow  # noqa: F401  (registers the enrollment and certificate workflows)
        from ikm_registry.public_cache import register_public_models
        from ikm_registry.scoping import register_membership

        register_membership("lsp", lsps_operated_by)
        register_public_models(*(self.get_model(name) for name in PUBLIC_MODELS))

        from certification import contributions

        contributions.register_all()

        from certification.api import register_api_routes  # the endpoints of /api/v1/ (certification/api.py)

        register_api_routes()
