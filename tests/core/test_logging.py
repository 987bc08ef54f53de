"""Server errors and other records reach stderr in the documented format (issue 9, point 18)."""

import re

import pytest
from django.test import Client
from django.urls import path

from tests.processes import manage, process_env

LINE = re.compile(
    r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d[+-]\d{4} (?P<level>[A-Z]+) (?P<logger>[\w.]+) (?P<message>.*)$", re.M
)


def broken_view(request):
    raise RuntimeError("the disk is full")


urlpatterns = [path("rusak/", broken_view)]


@pytest.mark.django_db
def test_a_server_error_is_logged_to_stderr_with_its_traceback(settings, capfd):
    settings.ROOT_URLCONF = __name__
    response = Client(raise_request_exception=False).get("/rusak/")
    assert response.status_code == 500
    err = capfd.readouterr().err
    records = [match.groupdict() for match in LINE.finditer(err)]
    assert {"level": "ERROR", "logger": "django.request", "message": "Internal Server Error: /rusak/"} in records
    traceback = err[err.index("Internal Server Error: /rusak/") :]
    assert "Traceback (most recent call last):" in traceback
    assert "RuntimeError: the disk is full" in traceback


def test_log_level_comes_from_the_environment(tmp_path):
    code = "import logging\nlogging.getLogger('registry.test').warning('hidden')\nlogging.getLogger('registry.test').error('shown')"
    result = manage(process_env(f"sqlite:///{tmp_path / 'db.sqlite3'}", LOG_LEVEL="error"), "shell", "-c", code)
    records = [match.groupdict() for match in LINE.finditer(result.stderr)]
    assert records == [{"level": "ERROR", "logger": "registry.test", "message": "shown"}]


def test_pdf_libraries_log_warnings_only():
    """WeasyPrint logs a dozen INFO lines per PDF (each layout step); at the default level they would flood the log."""
    import logging

    for name in ("weasyprint", "weasyprint.progress", "fontTools.subset"):
        logger = logging.getLogger(name)
        assert not logger.isEnabledFor(logging.INFO), name
        assert logger.isEnabledFor(logging.WARNING), name
