"""Settings of the test run: the project's, plus the toy app that shows how an app plugs into the core
(tests/toyapp, docs/architecture.md). Processes the tests start (tests/processes.py) use the project's own."""

from ikm_registry.settings import *  # noqa: F403

INSTALLED_APPS = [*INSTALLED_APPS, "tests.toyapp"]  # noqa: F405

TEXT_MESSAGE_BACKEND = "ikm_registry.messaging.LocmemBackend"
