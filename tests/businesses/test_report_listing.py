"""Daftar IKM: the rows against the filter and the user's region (pdftotext), the page numbers of a list rendered in
joined chunks, the background job flow from the admin, and the command with --param."""

import re
from io import StringIO

import pytest
from django.core.management import call_command
from django.urls import reverse

from businesses.choices import BusinessStatus
from businesses.reports.listing import DaftarForm, DaftarIkmReport
from ikm_registry.choices import StaffRole
from ikm_registry.job_kinds import report_data, report_name
from ikm_registry.jobs import job_run
from ikm_registry.models import Job
from tests.factories import SYSTEM, BusinessFactory, BusinessYearFactory, UserFactory, staff_user
from tests.reports import pdf_text

HEADER = re.compile(r"No\.\s+Nama usaha\s+Pemilik\s+Desa/kelurahan, kecamatan\s+KBLI\s+Produk utama")


@pytest.fixture
def listing(bali_regions, kbli):
    """Badung: two batik businesses in Kuta (one micro, one small), a silver one in Mengwi, a draft batik one;
    Denpasar: a batik one (outside Badung)."""
    made = {}
    for key, village, kbli_code, status, workforce in [
        ("batik_micro", bali_regions.tuban, kbli.batik, BusinessStatus.VERIFIED, 3),
        ("batik_small", bali_regions.kuta_village, kbli.batik, BusinessStatus.PUBLISHED, 12),
        ("silver", bali_regions.munggu, kbli.silver, BusinessStatus.VERIFIED, 2),
        ("draft", bali_regions.tuban, kbli.batik, BusinessStatus.DRAFT, 1),
        ("denpasar", bali_regions.serangan, kbli.batik, BusinessStatus.VERIFIED, 4),
    ]:
        business = BusinessFactory(
            name=f"Usaha {key.replace('_', ' ').title()}", village=village, kbli=kbli_code, status=status
        )
        BusinessYearFactory(business=business, year=2023, workforce_male=50, workforce_female=50)
        BusinessYearFactory(business=business, year=2025, workforce_male=workforce, workforce_female=0)
        made[key] = business
    return made


def render(params, *, user=SYSTEM, **options):
    form = DaftarForm(data=params, user=user)
    assert form.is_valid(), form.errors
    return pdf_text(
        DaftarIkmReport().render(user=user, params=form.cleaned_data, filter_description=form.describe(), **options)
    )


def test_rows_matching_the_filter_once_and_no_others(listing):
    text = render({"region": "51.03", "kbli": "1313", "status": BusinessStatus.VERIFIED})
    assert text.count("Usaha Batik Micro") == 1
    for absent in ("Usaha Batik Small", "Usaha Silver", "Usaha Draft", "Usaha Denpasar"):
        assert absent not in text


def test_latest_year_gives_workforce_and_scale(listing):
    text = render({"region": "51.03", "scale": "kecil"})
    assert re.search(r"Usaha Batik Small .* 13134 .* 12 \(2025\)\s+Kecil\s+Terbit", text)
    assert "Usaha Batik Micro" not in text  # micro in 2025, whatever it was in 2023


def test_rows_outside_the_users_region_absent(listing):
    operator = staff_user(StaffRole.OPERATOR, "51.03")
    text = render({"region": "51.03"}, user=operator)
    assert "Usaha Silver" in text and "Usaha Denpasar" not in text
    assert not DaftarForm(data={"region": "51.71"}, user=operator).is_valid()


def test_sentra_choices_scoped(listing):
    from tests.factories import SentraFactory

    inside = SentraFactory(village=listing["silver"].village)
    outside = SentraFactory(village=listing["denpasar"].village)
    choices = DaftarForm(user=staff_user(StaffRole.OPERATOR, "51.03")).fields["sentra"].queryset
    assert inside in choices and outside not in choices


def test_joined_chunks_numbered_in_order_with_the_header_on_every_page(bali_regions, kbli):
    for number in range(70):
        BusinessFactory(name=f"Usaha Nomor {number:03d}", village=bali_regions.tuban, kbli=kbli.batik)
    text = render({"region": "51.03"}, chunk_rows=30)  # 3 chunks: 22 + 30 + 18 rows
    pages = text.split("\f")[:-1]
    total = len(pages)
    assert total >= 3
    for number, page in enumerate(pages, start=1):
        assert re.findall(r"Halaman \d+ dari \d+", page) == [f"Halaman {number} dari {total}"]
        assert HEADER.search(page), f"no table header on page {number}"
    assert text.count("DAFTAR IKM") == 1  # letterhead and title on the first page only
    for number in range(70):
        assert text.count(f"Usaha Nomor {number:03d}") == 1
    assert re.search(r"^\s*70\s+Usaha Nomor 069", text, re.M)


# --- in the background --------------------------------------------------------------------------------------------


@pytest.fixture
def small_limit(settings):
    settings.REPORT_BACKGROUND_ROWS = 1
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}


def ask(client, user, region="51.03"):
    client.force_login(user)
    return client.post(reverse("admin:reports") + "?report=daftar-ikm", {"report": "daftar-ikm", "region": region})


def test_short_list_comes_at_once(client, listing):
    response = ask(client, staff_user(StaffRole.OPERATOR, "51.03"))
    assert response["Content-Type"] == "application/pdf"
    assert not Job.objects.exists()


@pytest.mark.usefixtures("small_limit")
def test_long_list_is_queued_after_commit_and_made_by_the_task(client, listing, django_capture_on_commit_callbacks):
    operator = staff_user(StaffRole.OPERATOR, "51.03")
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = ask(client, operator)
    assert response.status_code == 302 and response["Location"] == reverse("admin:report_jobs")
    job = Job.objects.get()
    assert (job.owner, report_name(job), job.status, report_data(job)["region"]) == (
        operator,
        "daftar-ikm",
        "queued",
        "51.03",
    )
    assert len(callbacks) == 1  # enqueued only once the transaction commits

    job_run(job.pk, worker_id="test")
    job.refresh_from_db()
    assert job.status == Job.Status.DONE and job.finished_at and job.progress_total >= 1
    assert job.progress_done == job.progress_total

    download = client.get(reverse("admin:report_job_download", args=[job.pk]))
    assert download.status_code == 200
    text = pdf_text(b"".join(download.streaming_content))
    assert "Usaha Silver" in text and "Usaha Denpasar" not in text


@pytest.mark.usefixtures("small_limit")
def test_immediate_backend_runs_the_queued_job(client, listing, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        ask(client, staff_user(StaffRole.OPERATOR, "51.03"))
    assert Job.objects.get().status == Job.Status.DONE


@pytest.mark.usefixtures("small_limit")
def test_progress_recorded_in_chunks(listing, bali_regions):
    job = Job.objects.create(
        kind="report",
        owner=UserFactory(is_superuser=True, is_staff=True),
        params={"report": "daftar-ikm", "data": {"region": "51"}},
    )
    seen = []
    original = DaftarIkmReport.render_pdf

    def small_chunks(self, context, **kwargs):
        record = kwargs["on_progress"]

        def progress(done, total):
            seen.append((done, total))
            record(done, total)

        return original(self, context, **{**kwargs, "on_progress": progress, "chunk_rows": 2})

    DaftarIkmReport.render_pdf = small_chunks
    try:
        job_run(job.pk, worker_id="test")
    finally:
        DaftarIkmReport.render_pdf = original
    job.refresh_from_db()
    assert job.status == Job.Status.DONE
    assert len(seen) >= 3 and seen[-1][0] == seen[-1][1] == job.progress_total


@pytest.mark.usefixtures("small_limit")
def test_only_the_owner_downloads_and_sees_the_job(client, listing):
    owner = staff_user(StaffRole.OPERATOR, "51.03")
    ask(client, owner)
    job = Job.objects.get()
    job_run(job.pk, worker_id="test")
    other = staff_user(StaffRole.OPERATOR, "51.03")
    client.force_login(other)
    assert client.get(reverse("admin:report_job_download", args=[job.pk])).status_code == 404
    assert job.title not in client.get(reverse("admin:report_jobs")).content.decode()
    client.force_login(owner)
    page = client.get(reverse("admin:report_jobs")).content.decode()
    assert job.title in page and reverse("admin:report_job_download", args=[job.pk]) in page
    client.force_login(UserFactory(is_superuser=True, is_staff=True))
    assert client.get(reverse("admin:report_job_download", args=[job.pk])).status_code == 200


@pytest.mark.usefixtures("small_limit")
def test_jobs_page_refreshes_while_running(client, listing):
    owner = staff_user(StaffRole.OPERATOR, "51.03")
    ask(client, owner)
    assert 'http-equiv="refresh"' in client.get(reverse("admin:report_jobs")).content.decode()


# --- the command --------------------------------------------------------------------------------------------------


def test_command_with_param(listing, tmp_path):
    output = tmp_path / "daftar.pdf"
    out = StringIO()
    call_command(
        "render_report", "daftar-ikm", "--region", "51.03", "--param", "kbli=32", "--output", str(output), stdout=out
    )
    text = pdf_text(output.read_bytes())
    assert "Usaha Silver" in text and "Usaha Batik Micro" not in text
    assert re.search(r"KBLI\s+: 32", text)
