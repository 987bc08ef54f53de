"""The API against its own OpenAPI schema (issue 14, acceptance): schemathesis generates requests for every
operation of /api/schema/ — public ones anonymously, staff ones with an operator's token — and checks each answer:
no server error, a documented status, the documented content type and a body that matches the schema.

The data is a small registry in Badung and Denpasar (published, submitted and draft businesses, a sentra, a public
and an internal event), made once for the module inside a transaction rolled back afterwards; each request runs in a
savepoint rolled back after it, so writes the staff operations may make (an import that happens to be valid, a
workflow step) leave nothing behind. Requests go to the Django application itself (WSGI), not over a socket."""

import pytest
import schemathesis
from django.core.cache import cache
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections, transaction
from django.test import override_settings
from hypothesis import HealthCheck, given, settings
from schemathesis.specs.openapi.checks import positive_data_acceptance

from businesses.choices import BusinessStatus
from ikm_registry.api.tokens import api_token_create
from tests.factories import BusinessFactory, SentraFactory, make_event, make_village, staff_user

# The test databases are made only when a collected test is marked for the database.
pytestmark = pytest.mark.django_db

APP = get_wsgi_application()

EXAMPLES = 30
# Every check schemathesis has, but one: "a request the schema allows is accepted". A schema cannot say which ids
# exist (sentra=12345, kegiatan=…); the API answers an id that does not exist with a 400 naming the parameter, which
# is right. Lengths, patterns and bounds of parameters are in the schema (ikm_registry/api/schema.py), so the
# schema-valid requests that remain rejected are exactly those.
# Generous limits: the API's rate limits are tested on their own (tests/api/test_api_core.py); here they would
# answer a documented 429 to most of the generated requests and hide the rest. schemathesis calls the app as
# "localhost".
UNLIMITED = {"API_ANON_RATE": "100000/m", "API_TOKEN_RATE": "100000/m", "ALLOWED_HOSTS": ["localhost", "testserver"]}


@pytest.fixture(scope="module")
def api_data(django_db_setup, django_db_blocker):
    # Like Django's test client: a request must not close the connection that holds the test's transaction.
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        yield from _api_data(django_db_blocker)
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


def _api_data(django_db_blocker):
    with django_db_blocker.unblock(), override_settings(**UNLIMITED):
        with transaction.atomic():
            cache.clear()
            denpasar = make_village("51.71.01.1001")
            sentra = SentraFactory()
            for number in range(3):
                BusinessFactory(status=BusinessStatus.PUBLISHED, sentra=sentra, name=f"Batik Publik {number}")
            BusinessFactory(status=BusinessStatus.PUBLISHED, village=denpasar, name="Perak Denpasar")
            BusinessFactory(status=BusinessStatus.SUBMITTED, name="Menunggu Verifikasi")
            BusinessFactory(status=BusinessStatus.DRAFT, name="Konsep")
            make_event("51.03", is_public=True)
            make_event("51.71", is_public=False, code="KEG-INTERNAL")
            operator = staff_user(region_code="51.03")
            _token, key = api_token_create(user=operator, name="schemathesis", created_by=operator)
            yield {"token": key}
            transaction.set_rollback(True)
        cache.clear()


@pytest.fixture(scope="module")
def operations(api_data):
    """The operations of the schema /api/schema/ serves, by label ("GET /api/v1/usaha/")."""
    with override_settings(**UNLIMITED):
        schema = schemathesis.openapi.from_wsgi("/api/schema/", APP)
    return {result.ok().label: result.ok() for result in schema.get_all_operations()}


def test_every_endpoint_is_in_the_schema(operations):
    paths = {operation.path for operation in operations.values()}
    assert {"/api/v1/usaha/", "/api/v1/usaha/{id}/", "/api/v1/staf/usaha/", "/api/v1/staf/impor/{jenis}/"} <= paths
    assert {"/api/v1/kegiatan/", "/api/v1/staf/pendaftaran/", "/api/v1/staf/sertifikat/"} <= paths
    assert {"/api/v1/wilayah/", "/api/v1/kbli/", "/api/v1/statistik/", "/api/v1/verifikasi/"} <= paths


def _check(operation, headers: dict) -> None:
    @given(case=operation.as_strategy())
    @settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck), database=None)
    def check(case):
        with override_settings(**UNLIMITED), transaction.atomic():
            try:
                case.call_and_validate(headers=headers, excluded_checks=[positive_data_acceptance])
            finally:
                transaction.set_rollback(True)

    check()


def test_the_api_answers_as_its_schema_says(operations, api_data):
    """Every operation, EXAMPLES generated requests each; the failures of all operations reported together."""
    failures = {}
    for label, operation in sorted(operations.items()):
        try:
            # The WSGI client would not unpack a gzipped answer (GZipMiddleware): ask for it plain.
            headers = {"Accept-Encoding": "identity"}
            if "/staf/" in operation.path:
                headers["Authorization"] = f"Token {api_data['token']}"
            _check(operation, headers)
        except Exception as error:  # noqa: BLE001 (every operation is tried; all failures are reported)
            failures[label] = str(error)[:3000]
    assert not failures, "\n\n".join(f"{label}:\n{text}" for label, text in failures.items())
