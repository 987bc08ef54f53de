"""Printed QR codes point to the real site (issue 13, point 13): from an admin page, the host the user reached it by;
from a management command, PUBLIC_BASE_URL; a job queued from the admin keeps its request's host for the worker;
`check --deploy` warns when PUBLIC_BASE_URL is unset (or a local address) with DEBUG off."""

import pytest
from django.core import checks
from django.core.management import call_command
from django.urls import reverse

from businesses.choices import BusinessStatus
from businesses.reports.profiles import ProfilIkmReport
from events.choices import EventStatus
from events.models import Registration
from events.services.attendance import certificates_issue, check_in
from ikm_registry import jobs
from ikm_registry.choices import StaffRole
from ikm_registry.models import Job
from ikm_registry.public_url import DEVELOPMENT_BASE_URL, public_url, served_from
from ikm_registry.qr import qr_svg
from ikm_registry.reports import base as report_base
from tests.factories import SYSTEM, BusinessFactory, make_event, person, staff_user
from tests.worker import run_queued_jobs

pytestmark = pytest.mark.django_db

OFFICE_HOST = "ikm.baliprov.go.id"
SETTING = "https://registri.example.go.id"


@pytest.fixture(autouse=True)
def hosts(settings):
    settings.ALLOWED_HOSTS = ["testserver", OFFICE_HOST]
    settings.PUBLIC_BASE_URL = SETTING


@pytest.fixture
def pages(monkeypatch):
    """The HTML each report hands to WeasyPrint (rendering skipped)."""
    made = []
    monkeypatch.setattr(report_base, "html_to_pdf", lambda html: made.append(html) or b"%PDF-1.4")
    return made


@pytest.fixture
def published(bali_regions, kbli):
    return BusinessFactory(name="Batik Tuban", village=bali_regions.tuban, status=BusinessStatus.PUBLISHED)


@pytest.fixture
def operator_client(client, bali_regions):
    client.force_login(staff_user(StaffRole.OPERATOR, "51.03"))
    return client


def profile_url(business, base):
    return f"{base}/direktori/ikm/{business.pk}/"


def request_profile(client, business, **extra):
    return client.post(reverse("admin:reports"), {"report": "profil-ikm", "business": business.pk}, **extra)


# --- from the admin: the request's host ---------------------------------------------------------------------------


@pytest.mark.parametrize(("secure", "scheme"), [(False, "http"), (True, "https")])
def test_a_profile_printed_from_the_admin_points_to_the_host_it_was_reached_by(
    operator_client, published, pages, secure, scheme
):
    response = request_profile(operator_client, published, HTTP_HOST=OFFICE_HOST, secure=secure)
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    url = profile_url(published, f"{scheme}://{OFFICE_HOST}")
    assert url in pages[0] and qr_svg(url) in pages[0]
    assert SETTING not in pages[0]


def test_the_admins_host_does_not_outlive_its_request(operator_client, published, pages):
    request_profile(operator_client, published, HTTP_HOST=OFFICE_HOST)
    assert public_url("/x/") == f"{SETTING}/x/"


def test_public_pages_keep_the_setting(client, bali_regions):
    """Public pages are cached for every visitor whatever host they came by: no request host in them."""
    event = make_event(status=EventStatus.OPEN)
    calendar = client.get(reverse("events:event_ics", args=[event.pk]), HTTP_HOST=OFFICE_HOST).content.decode()
    unfolded = calendar.replace("\r\n ", "")
    assert f"URL:{SETTING}/agenda/{event.pk}/" in unfolded
    assert f"URL:http://{OFFICE_HOST}" not in unfolded


def test_a_participants_own_certificate_verifies_on_the_site_they_use(client, bali_regions, pages):
    event = make_event(status=EventStatus.ONGOING, days=1)
    ayu = Registration.objects.create(event=event, **person(1, name="Ni Luh Ayu"))
    check_in(session=event.sessions.get(), registration=ayu, actor=SYSTEM)
    certificates_issue(event, actor=SYSTEM)
    ayu.refresh_from_db()
    url = reverse("events:registration_certificate", args=[ayu.secret])
    assert client.get(url, HTTP_HOST=OFFICE_HOST, secure=True).status_code == 200
    verify = f"https://{OFFICE_HOST}/verifikasi/?kode={ayu.certificate_code}"
    assert verify in pages[0] and qr_svg(verify) in pages[0]


# --- from a command: PUBLIC_BASE_URL ------------------------------------------------------------------------------


def test_a_profile_printed_by_the_command_points_to_public_base_url(published, pages, tmp_path):
    call_command("render_report", "profil-ikm", "--business", str(published.pk), "--output", str(tmp_path / "p.pdf"))
    url = profile_url(published, SETTING)
    assert url in pages[0] and qr_svg(url) in pages[0]


def test_without_public_base_url_the_command_points_to_the_development_server(published, pages, settings, tmp_path):
    settings.PUBLIC_BASE_URL = ""
    call_command("render_report", "profil-ikm", "--business", str(published.pk), "--output", str(tmp_path / "p.pdf"))
    assert profile_url(published, DEVELOPMENT_BASE_URL) in pages[0]


# --- a job queued from the admin keeps the host for the worker -------------------------------------------------------


def test_a_report_queued_from_the_admin_is_printed_by_the_worker_for_the_admins_host(
    operator_client, published, pages, monkeypatch, django_capture_on_commit_callbacks
):
    monkeypatch.setattr(ProfilIkmReport, "needs_background", lambda self, **kwargs: True, raising=False)
    with django_capture_on_commit_callbacks(execute=True):
        response = request_profile(operator_client, published, HTTP_HOST=OFFICE_HOST, secure=True)
    assert response.status_code == 302 and not pages  # queued, not made during the request
    job = Job.objects.get()
    assert job.params[jobs.BASE_URL_PARAM] == f"https://{OFFICE_HOST}"

    run_queued_jobs()  # the worker: no request, another moment
    job.refresh_from_db()
    assert job.status == Job.Status.DONE, job.error
    url = profile_url(published, f"https://{OFFICE_HOST}")
    assert url in pages[0] and qr_svg(url) in pages[0]
    job.file.delete(save=False)


@pytest.fixture
def toy_kind(monkeypatch):
    seen = []
    monkeypatch.setattr(jobs, "_kinds", dict(jobs.job_kinds()))
    jobs.register_job_kind(
        jobs.JobKind(key="toy.link", label="tautan", perform=lambda job, progress: seen.append(public_url("/x/")))
    )
    return seen


def test_a_job_queued_outside_a_request_uses_the_setting(toy_kind, bali_regions, django_capture_on_commit_callbacks):
    owner = staff_user(StaffRole.OPERATOR, "51.03")
    with django_capture_on_commit_callbacks(execute=True):
        job = jobs.job_start("toy.link", owner=owner)  # e.g. a command, or the recovery queueing it again
    assert jobs.BASE_URL_PARAM not in job.params
    run_queued_jobs()
    assert toy_kind == [f"{SETTING}/x/"]


def test_a_job_keeps_the_host_it_was_queued_with(toy_kind, bali_regions, django_capture_on_commit_callbacks):
    owner = staff_user(StaffRole.OPERATOR, "51.03")
    with django_capture_on_commit_callbacks(execute=True), served_from(f"https://{OFFICE_HOST}/"):
        jobs.job_start("toy.link", owner=owner)
    run_queued_jobs()
    assert toy_kind == [f"https://{OFFICE_HOST}/x/"]


# --- check --deploy -----------------------------------------------------------------------------------------------


def deploy_warnings() -> set[str]:
    return {message.id for message in checks.run_checks(include_deployment_checks=True)}


def test_check_deploy_warns_when_public_base_url_is_unset_in_production(settings):
    settings.DEBUG = False
    settings.PUBLIC_BASE_URL = ""
    assert "ikm_registry.W001" in deploy_warnings()
    assert "ikm_registry.W001" not in {message.id for message in checks.run_checks()}  # only with --deploy


@pytest.mark.parametrize("value", ["http://127.0.0.1:8000", "localhost", "https://localhost/"])
def test_check_deploy_warns_when_public_base_url_is_a_local_address(settings, value):
    settings.DEBUG = False
    settings.PUBLIC_BASE_URL = value
    assert "ikm_registry.W002" in deploy_warnings()


def test_check_deploy_is_quiet_with_the_public_address_or_in_development(settings):
    settings.DEBUG = False
    settings.PUBLIC_BASE_URL = "https://ikm.baliprov.go.id"
    assert not {"ikm_registry.W001", "ikm_registry.W002"} & deploy_warnings()
    settings.DEBUG = True
    settings.PUBLIC_BASE_URL = ""
    assert not {"ikm_registry.W001", "ikm_registry.W002"} & deploy_warnings()
