"""The toy app (tests/toyapp) plugs into the core the way events and certification will: a model scoped by region,
a workflow, a report, an admin-home panel, a public-cache model and an importer — and no line of businesses changed.
docs/architecture.md walks through it."""

import re
from io import StringIO

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.urls import reverse

from ikm_registry.choices import StaffRole
from ikm_registry.models import Job, TabularImport, TransitionLog
from ikm_registry.public_cache import public_version
from ikm_registry.reports import get_report, report_render
from ikm_registry.tabular.uploads import upload_confirm_background, upload_store
from ikm_registry.workflow import workflow_for
from tests.factories import SYSTEM, make_village, staff_user
from tests.reports import pdf_text
from tests.toyapp.contributions import plugged_in
from tests.toyapp.models import Workshop
from tests.toyapp.workflow import WORKSHOP_WORKFLOW
from tests.worker import run_queued_jobs

pytestmark = pytest.mark.usefixtures("bali_regions")


@pytest.fixture
def toy():
    with plugged_in():
        yield


@pytest.fixture
def workshops():
    return {
        "badung": Workshop.objects.create(name="Lokakarya Batik", village=make_village("51.03.01.1001"), seats=20),
        "denpasar": Workshop.objects.create(name="Lokakarya Perak", village=make_village("51.71.01.1001"), seats=10),
    }


def test_the_workflow_moves_a_workshop_and_logs_each_step(workshops):
    operator = staff_user(StaffRole.OPERATOR, "51.03")
    batik = workshops["badung"]
    assert workflow_for(Workshop) is WORKSHOP_WORKFLOW
    WORKSHOP_WORKFLOW.perform(batik, "open", operator)
    with pytest.raises(ValidationError):  # closing needs a note
        WORKSHOP_WORKFLOW.perform(batik, "close", operator)
    WORKSHOP_WORKFLOW.perform(batik, "close", operator, note="Selesai")
    batik.refresh_from_db()
    assert batik.status == Workshop.Status.CLOSED
    steps = TransitionLog.objects.for_object(batik)
    assert [(s.from_state, s.to_state, s.actor) for s in steps] == [
        ("open", "closed", operator),
        ("draft", "open", operator),
    ]
    assert steps[0].region_code == "51.03.01.1001" and steps[0].note == "Selesai"
    # The other regency's operator may not, and sees none of its log.
    other = staff_user(StaffRole.OPERATOR, "51.71")
    with pytest.raises(PermissionDenied):
        WORKSHOP_WORKFLOW.perform(workshops["badung"], "open", other)
    assert not TransitionLog.objects.restrict(other).exists()


def test_the_report_is_listed_scoped_and_rendered(toy, workshops):
    report = get_report("toy-workshops")
    operator = staff_user(StaffRole.OPERATOR, "51.03")
    form = report.form_class(data={"region": "51"}, user=operator)
    assert not form.is_valid()  # the province is outside the operator's regency
    form = report.form_class(data={"region": "51.03"}, user=operator)
    assert form.is_valid(), form.errors
    text = pdf_text(report_render(report=report(), user=operator, params=form.cleaned_data))
    assert "Lokakarya Batik" in text and "Lokakarya Perak" not in text
    province = report.form_class(data={"region": "51"}, user=SYSTEM)
    assert province.is_valid()
    text = pdf_text(report_render(report=report(), user=SYSTEM, params=province.cleaned_data))
    assert "Lokakarya Batik" in text and "Lokakarya Perak" in text


def test_the_report_is_gone_when_the_app_is(workshops):
    with pytest.raises(Exception, match="toy-workshops"):
        get_report("toy-workshops")


def drafts_shown(client) -> str:
    content = client.get(reverse("admin:index")).content.decode()
    match = re.search(r'<span class="count">([0-9.]+)</span> Lokakarya belum dibuka', content)
    assert match, "the toy panel is missing"
    assert content.index("Menunggu verifikasi") < match.start()  # order 200: after businesses' panel (100)
    return match.group(1)


def test_the_panel_counts_what_its_user_may_see(toy, workshops, client):
    operator = staff_user(StaffRole.OPERATOR, "51.71")
    client.force_login(operator)
    assert drafts_shown(client) == "1"  # Denpasar's only; Badung's is not the operator's
    WORKSHOP_WORKFLOW.perform(workshops["denpasar"], "open", operator)
    assert drafts_shown(client) == "0"
    client.force_login(staff_user(StaffRole.PROVINCE, "51"))
    assert drafts_shown(client) == "1"  # the province sees Badung's draft


def test_a_saved_workshop_retires_the_cached_public_pages(toy, workshops, django_capture_on_commit_callbacks):
    before = public_version()
    with django_capture_on_commit_callbacks(execute=True):
        workshops["badung"].save()
    assert public_version() != before


def test_import_table_imports_workshops_with_history_and_scope(toy, tmp_path):
    path = tmp_path / "lokakarya.csv"
    path.write_text("kode_desa;nama;kursi\n51.03.01.1001;Lokakarya Tenun;15\n99.99.99.9999;Salah;1\n", encoding="utf-8")
    out, err = StringIO(), StringIO()
    call_command("import_table", "toy-workshops", str(path), "--skip-invalid", stdout=out, stderr=err)
    tenun = Workshop.objects.get()
    assert (tenun.name, tenun.seats, tenun.village_id) == ("Lokakarya Tenun", 15, "51.03.01.1001")
    assert tenun.history.count() == 1 and "lokakarya.csv" in (tenun.history.get().history_change_reason or "")
    assert "baris 3, kolom kode_desa" in err.getvalue()

    # the run left an upload record beside the admin's, naming the command, with its counts, file and rejects
    record = TabularImport.objects.get()
    assert (record.kind, record.state, record.uploaded_by, record.original_name) == (
        "toy-workshops",
        TabularImport.State.APPLIED,
        None,
        "lokakarya.csv",
    )
    assert record.actor.startswith("manage.py import_table (") and record.uploader == record.actor
    assert (record.rows, record.created, record.invalid, record.skip_invalid) == (2, 1, 1, True)
    assert record.file.open("rb").read() == path.read_bytes()
    assert b"alasan" in record.rejects_file.open("rb").read()
    assert record.summary["errors"][0]["column"] == "kode_desa"


@pytest.fixture
def background(settings):
    settings.IMPORT_BACKGROUND_ROWS = 1
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}


@pytest.mark.usefixtures("background")
def test_a_long_upload_of_the_toy_importer_is_checked_and_applied_by_the_worker(
    toy, django_capture_on_commit_callbacks
):
    """The upload record and the background jobs serve any registered importer, not only the business import."""
    village = make_village("51.03.01.2002")
    operator = staff_user(StaffRole.OPERATOR, "51.03")
    content = f"kode_desa;nama;kursi\n{village.code};Lokakarya A;10\n{village.code};Lokakarya B;12\n".encode()
    with django_capture_on_commit_callbacks(execute=True):
        record = upload_store(kind="toy-workshops", upload=SimpleUploadedFile("lokakarya.csv", content), user=operator)
    assert record.background and record.state == TabularImport.State.PREVIEWED
    run_queued_jobs()
    record.refresh_from_db()
    check = record.jobs.get()
    assert (check.kind, check.status, check.title) == ("tabular.check", Job.Status.DONE, "lokakarya: lokakarya.csv")
    assert (record.rows, record.created, record.invalid) == (2, 2, 0) and not Workshop.objects.exists()
    assert [row["name"] for row in record.summary["rows"]] == ["Lokakarya A", "Lokakarya B"]

    with django_capture_on_commit_callbacks(execute=True):
        job = upload_confirm_background(record, user=operator)
    assert upload_confirm_background(record, user=operator) is None  # a second confirmation queues nothing
    run_queued_jobs()
    job.refresh_from_db()
    record.refresh_from_db()
    assert (job.kind, job.status, record.state) == ("tabular.apply", Job.Status.DONE, TabularImport.State.APPLIED)
    assert sorted(Workshop.objects.values_list("name", flat=True)) == ["Lokakarya A", "Lokakarya B"]
    assert {w.history.get().history_user for w in Workshop.objects.all()} == {operator}
    # the jobs are the uploader's to see, not another operator's
    other = staff_user(StaffRole.OPERATOR, "51.71")
    assert set(Job.objects.visible_to(operator)) == {check, job} and not Job.objects.visible_to(other).exists()


def test_the_toy_migrations_match_its_models():
    call_command("makemigrations", "toyapp", "--check", "--dry-run", stdout=StringIO())
