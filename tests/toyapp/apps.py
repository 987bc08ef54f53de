from django.apps import AppConfig


class ToyappConfig(AppConfig):
    """A toy app that plugs into the core the way events and certification will (docs/architecture.md): used only
    by tests (installed by tests/settings.py).

    A real app registers its contributions in ready(); the toy keeps them in `contributions.plugged_in()`, which its
    tests enter, so that the rest of the suite sees the product as shipped. Only the workflow is declared at import
    (as a real app does), because a workflow belongs to its model."""

    name = "tests.toyapp"
    label = "toyapp"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from tests.toyapp import workflow  # noqa: F401  (declares the workshop workflow with the engine)
