"""Every file that leaves with personal data or individual figures is logged, once per file (issue 9 point 10).

Business exports (officials' too: owner names and each business's figures), every PDF report made from the admin
(Daftar IKM, Profil IKM, Profil Sentra; Rekapitulasi and Pertumbuhan when a group of fewer than 3 businesses makes
their figures individual), each download of a background report, and `render_report` (for its --user, or for the
command itself). Aggregates over at least 3 businesses per group name no one and are not logged.
"""

from io import StringIO

import pytest
from django.core.management import call_command
from django.db import IntegrityError
from django.urls import reverse
from django.utils import timezone

from businesses.choices import BusinessStatus
from businesses.models import BusinessYear
from ikm_registry.choices import StaffRole
from ikm_registry.jobs import job_run
from ikm_registry.models import ExportLog, Job
from ikm_registry.scoping import SystemActor
from ikm_registry.services import export_logged
from tests.factories import (
    BusinessFactory,
    BusinessYearFactory,
    SentraFactory,
    SentraOfficerFactory,
    UserFactory,
    staff_user,
)
from tests.reports import pdf_text

YEAR = timezone.localdate().year - 1
REPORTS = reverse("admin:reports")
EXPORT = reverse("admin:businesses_business_export")


@pytest.fixture
def badung(bali_regions, kbli):
    """Three verified batik makers in Kuta (Badung) with figures for YEAR, in a sentra with a chairwoman; a draft
    without figures in Mengwi; one in Denpasar. Every group of a Badung rekap has 3 businesses or none."""
    sentra = SentraFactory(name="Sentra Batik Kuta", village=bali_regions.tuban, kbli=kbli.batik)
    SentraOfficerFactory(sentra=sentra, name="Ni Luh Ketua")
    made = []
    for number, village in enumerate([bali_regions.tuban, bali_regions.tuban, bali_regions.kuta_village], start=1):
        business = BusinessFactory(
            name=f"Batik Kuta {number}", village=village, kbli=kbli.batik, sentra=sentra, owner__name=f"Ibu {number}"
        )
        BusinessYearFactory(business=business, year=YEAR)
        made.append(business)
    BusinessFactory(name="Draf Mengwi", village=bali_regions.munggu, kbli=kbli.silver, status=BusinessStatus.DRAFT)
    BusinessFactory(name="Perak Denpasar", village=bali_regions.serangan, kbli=kbli.silver)
    return {"businesses": made, "sentra": sentra}


@pytest.fixture
def one_in_mengwi(badung, bali_regions, kbli):
    """A fourth verified business with figures, alone in Mengwi: the rekap's Mengwi row is its own figures."""
    business = BusinessFactory(name="Perak Munggu", village=bali_regions.munggu, kbli=kbli.silver)
    BusinessYearFactory(business=business, year=YEAR)
    return business


@pytest.fixture
def official(db):
    return staff_user(StaffRole.OFFICIAL, "51.03", username="kabid.badung")


def the_log():
    """The one log row (fails when there is none or more than one)."""
    logs = list(ExportLog.objects.all())
    assert len(logs) == 1, logs
    return logs[0]


def fields(log) -> tuple:
    return (log.user, log.what, log.file_format, log.filter, log.row_count, log.personal_data, log.individual_data)


def post_report(client, user, data):
    client.force_login(user)
    return client.post(f"{REPORTS}?report={data['report']}", data)


# --- business exports -------------------------------------------------------------------------------------------


def test_official_export_is_logged_once_with_owner_names_and_figures(client, badung, official):
    client.force_login(official)
    response = client.get(EXPORT, {"format": "xlsx", "q": "Batik Kuta"})
    assert response.status_code == 200
    b"".join(response.streaming_content)
    assert fields(the_log()) == (official, "businesses.business", "xlsx", "q=Batik+Kuta", 3, True, True)


def test_export_without_figures_for_the_year_holds_no_individual_figures(client, badung, official):
    client.force_login(official)
    b"".join(client.get(EXPORT, {"format": "csv", "tahun": str(YEAR - 5)}).streaming_content)  # logged once it left
    log = the_log()
    assert (log.file_format, log.row_count, log.personal_data, log.individual_data) == ("csv", 4, True, False)


def test_an_empty_export_holds_nothing_and_is_not_logged(client, badung, official):
    client.force_login(official)
    b"".join(client.get(EXPORT, {"format": "csv", "q": "tidak ada usaha seperti ini"}).streaming_content)
    assert not ExportLog.objects.exists()


# --- reports from the admin ---------------------------------------------------------------------------------------


def test_daftar_ikm_is_logged_with_its_filter_and_rows(client, badung, official):
    response = post_report(client, official, {"report": "daftar-ikm", "region": "51.03", "kbli": "13"})
    assert response["Content-Type"] == "application/pdf"
    assert fields(the_log()) == (official, "report:daftar-ikm", "pdf", "kbli=13&region=51.03", 3, True, True)


def test_profil_ikm_is_logged_for_its_business(client, badung, official):
    business = badung["businesses"][0]
    response = post_report(client, official, {"report": "profil-ikm", "business": str(business.pk)})
    assert response["Content-Type"] == "application/pdf"
    expected = f"business={business.pk}&region={business.village_id}"
    assert fields(the_log()) == (official, "report:profil-ikm", "pdf", expected, 1, True, True)


def test_profil_sentra_is_logged_with_its_officers_and_members(client, badung, official):
    sentra = badung["sentra"]
    response = post_report(client, official, {"report": "profil-sentra", "sentra": str(sentra.pk)})
    assert response["Content-Type"] == "application/pdf"
    expected = f"region={sentra.village_id}&sentra={sentra.pk}"
    assert fields(the_log()) == (official, "report:profil-sentra", "pdf", expected, 3, True, True)


def test_rekap_of_groups_of_three_or_more_names_no_one_and_is_not_logged(client, badung, official):
    response = post_report(client, official, {"report": "rekap", "region": "51.03", "year": str(YEAR)})
    assert response["Content-Type"] == "application/pdf"
    assert not ExportLog.objects.exists()


def test_rekap_with_a_business_alone_in_its_group_is_logged_as_individual(client, one_in_mengwi, official):
    response = post_report(client, official, {"report": "rekap", "region": "51.03", "year": str(YEAR)})
    assert "Perak" not in pdf_text(response.content)  # no name: the Mengwi row is its figures nonetheless
    expected = (official, "report:rekap", "pdf", f"region=51.03&year={YEAR}", 4, False, True)
    assert fields(the_log()) == expected


def test_pertumbuhan_follows_the_same_rule(client, badung, official):
    data = {"report": "pertumbuhan", "region": "51.03", "year_from": str(YEAR - 1), "year_to": str(YEAR)}
    assert post_report(client, official, data)["Content-Type"] == "application/pdf"
    assert not ExportLog.objects.exists()
    BusinessYearFactory(business=BusinessFactory(name="Perak Munggu", village_id="51.03.02.2001"), year=YEAR)
    assert post_report(client, official, data)["Content-Type"] == "application/pdf"
    expected = f"region=51.03&year_from={YEAR - 1}&year_to={YEAR}"
    assert fields(the_log()) == (official, "report:pertumbuhan", "pdf", expected, 4, False, True)


def test_rekap_of_a_figure_only_one_business_reported_is_logged_as_individual(client, badung, official):
    """Three businesses in each group, but only one reported its investment: the rekap prints that business's
    investment (issue 9 point 10: counted per figure, not per business with a yearly row)."""
    first, *others = badung["businesses"]
    BusinessYear.objects.filter(business__in=others).update(investment=None)
    BusinessYear.objects.filter(business=first).update(investment=907_123_456)
    response = post_report(client, official, {"report": "rekap", "region": "51.03", "year": str(YEAR)})
    assert "907.123.456" in pdf_text(response.content)
    expected = (official, "report:rekap", "pdf", f"region=51.03&year={YEAR}", 3, False, True)
    assert fields(the_log()) == expected


def test_rekap_of_a_sum_one_business_dominates_is_logged_as_individual(client, badung, official):
    """Three businesses reported their workforce, but one has nearly all of it (the p% rule of the public statistics:
    the others add up to less than 10 % of it), so the sum is nearly its own figure."""
    BusinessYear.objects.filter(business=badung["businesses"][0]).update(workforce_male=120)
    post_report(client, official, {"report": "rekap", "region": "51.03", "year": str(YEAR)})
    assert the_log().individual_data is True


def test_pertumbuhan_of_a_workforce_one_business_dominates_is_logged_as_individual(client, badung, official):
    data = {"report": "pertumbuhan", "region": "51.03", "year_from": str(YEAR), "year_to": str(YEAR)}
    post_report(client, official, data)
    assert not ExportLog.objects.exists()
    BusinessYear.objects.filter(business=badung["businesses"][0]).update(workforce_female=300)
    post_report(client, official, data)
    assert fields(the_log())[-2:] == (False, True)


@pytest.mark.parametrize(
    ("values", "discloses"),
    [
        ([], False),  # nobody reported it: nothing to give away
        ([None, None, None], False),
        ([907_123_456, None, None], True),  # one contributor
        ([5, 7, None], True),  # two
        ([5, 5, 5], False),
        ([100, 5, 4], True),  # the others are 4 % of the largest: less than p = 10 %
        ([100, 5, 10, 5], False),  # 15 %
        ([0, 0, 0], False),
    ],
)
def test_sum_discloses_follows_the_public_statistics_rules(settings, values, discloses):
    from businesses.services.statistics import sum_discloses

    settings.STATISTICS_MIN_BUSINESSES, settings.STATISTICS_DOMINANCE_P = 3, 10
    assert sum_discloses(values) is discloses


def test_a_refused_report_leaves_no_log(client, badung, official):
    response = post_report(client, official, {"report": "daftar-ikm", "region": "51.71"})
    assert response.status_code == 200 and response["Content-Type"].startswith("text/html")
    assert not ExportLog.objects.exists()


# --- background reports -------------------------------------------------------------------------------------------


@pytest.fixture
def small_limit(settings):
    settings.REPORT_BACKGROUND_ROWS = 1


@pytest.mark.usefixtures("small_limit")
def test_each_download_of_a_background_report_is_logged_for_who_downloads_it(client, badung, official):
    response = post_report(client, official, {"report": "daftar-ikm", "region": "51.03"})
    assert response.status_code == 302
    job = Job.objects.get()
    job_run(job.pk, worker_id="test")
    job.refresh_from_db()
    assert job.result == {"row_count": 4, "personal_data": True, "individual_data": True}  # the draft too
    assert not ExportLog.objects.exists()  # made, not yet handed out
    download = reverse("admin:report_job_download", args=[job.pk])
    assert client.get(download).status_code == 200
    assert fields(the_log()) == (official, "report:daftar-ikm", "pdf", "region=51.03", 4, True, True)
    superuser = UserFactory(is_staff=True, is_superuser=True)
    client.force_login(superuser)
    assert client.get(download).status_code == 200
    assert list(ExportLog.objects.order_by("pk").values_list("user", flat=True)) == [official.pk, superuser.pk]
    client.force_login(staff_user(StaffRole.OPERATOR, "51.03"))
    assert client.get(download).status_code == 404
    assert ExportLog.objects.count() == 2


def test_a_background_report_is_logged_with_what_its_job_recorded(badung, official):
    """report_disclosure: what the worker recorded the file holds; a job finished before that was recorded counts
    as holding both."""
    from ikm_registry.job_kinds import report_disclosure
    from ikm_registry.reports import Disclosure
    from ikm_registry.reports.base import UNDECLARED

    result = {"row_count": 7, "personal_data": False, "individual_data": True}
    job = Job(kind="report", owner=official, params={"report": "rekap"}, result=result)
    assert report_disclosure(job) == Disclosure(personal_data=False, individual_data=True, row_count=7)
    assert report_disclosure(Job(kind="report", owner=official, params={"report": "daftar-ikm"})) == UNDECLARED
    migrated = {"row_count": None, "personal_data": None, "individual_data": None}  # a ReportJob of before
    assert report_disclosure(Job(kind="report", owner=official, result=migrated)) == UNDECLARED


# --- one function renders and logs --------------------------------------------------------------------------------


def test_report_render_returns_the_pdf_and_logs_it(badung, official):
    from businesses.reports.listing import DaftarIkmReport
    from ikm_registry.reports import report_render

    form = DaftarIkmReport.form_class(data={"region": "51.03"}, user=official)
    assert form.is_valid(), form.errors
    pdf = report_render(report=DaftarIkmReport(), user=official, params=form.cleaned_data)
    assert "Batik Kuta 1" in pdf_text(pdf)
    assert fields(the_log()) == (official, "report:daftar-ikm", "pdf", "region=51.03", 4, True, True)  # the draft too


def test_report_make_keeps_nothing_on_the_report(badung):
    """What a file holds comes with the file (ReportFile), not as state left on the report object between renders."""
    from businesses.reports.rekap import RekapReport

    report = RekapReport()
    actor = SystemActor("render_report")
    form = RekapReport.form_class(data={"region": "51.03", "year": str(YEAR)}, user=actor)
    assert form.is_valid(), form.errors
    made = report.make(user=actor, params=form.cleaned_data)
    assert made.pdf.startswith(b"%PDF") and (made.disclosure.row_count, made.disclosure.logged) == (3, False)
    assert vars(report) == {}


# --- the command ----------------------------------------------------------------------------------------------------


def run(*args):
    call_command("render_report", *args, stdout=StringIO())


def test_command_without_user_is_logged_as_the_command(badung, tmp_path):
    output = tmp_path / "daftar.pdf"
    run("daftar-ikm", "--region", "51.03", "--output", str(output))
    assert "Batik Kuta 1" in pdf_text(output.read_bytes())
    log = the_log()
    assert log.user is None and log.actor.startswith("manage.py render_report (")
    assert fields(log)[1:] == ("report:daftar-ikm", "pdf", "region=51.03", 4, True, True)


def test_command_with_user_is_logged_for_that_user(badung, official, tmp_path):
    run("profil-ikm", "--business", str(badung["businesses"][0].pk), "--user", official.username, "--output",
        str(tmp_path / "p.pdf"))  # fmt: skip
    log = the_log()
    assert (log.user, log.what, log.row_count) == (official, "report:profil-ikm", 1)


def test_command_aggregate_over_groups_of_three_is_not_logged(badung, tmp_path):
    run("rekap", "--region", "51.03", "--year", str(YEAR), "--output", str(tmp_path / "r.pdf"))
    assert not ExportLog.objects.exists()


def test_import_command_without_user_logs_its_rejects_as_the_command(bali_regions, kbli, tmp_path):
    """`import_businesses` without --user (point 21) hands out a rejects file with owners' NIK: logged for the
    command, now that a log row may have no user."""
    from tests.business_files import csv_bytes, row, write

    path = write(tmp_path, "ikm.csv", csv_bytes([row(1), row(2, kbli="99999")]))
    call_command("import_businesses", str(path), "--skip-invalid", stdout=StringIO(), stderr=StringIO())
    log = the_log()
    assert log.user is None and log.actor.startswith("manage.py import_businesses (")
    assert (log.what, log.file_format, log.row_count, log.personal_data) == ("businesses.business", "csv", 1, True)


def test_command_refused_writes_no_log(badung, official, tmp_path):
    from django.core.management import CommandError

    with pytest.raises(CommandError):
        run("daftar-ikm", "--region", "51.71", "--user", official.username, "--output", str(tmp_path / "x.pdf"))
    assert not ExportLog.objects.exists()


# --- backups ---------------------------------------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_a_backup_is_logged_for_the_command_and_holds_its_log_row(tmp_path):
    """`manage.py backup` copies every owner's NIK, phone and e-mail: logged like render_report without --user, before
    the copy is taken (the backup holds the row); a backup that fails leaves no row."""
    import json
    from pathlib import Path

    from tests.processes import SubprocessDatabase, manage

    BusinessFactory.create_batch(2)
    not_a_directory = tmp_path / "a-file"
    not_a_directory.write_text("")
    with SubprocessDatabase(tmp_path) as database:
        env = database.env(MEDIA_ROOT=str(tmp_path / "media"), PRIVATE_FILES_ROOT=str(tmp_path / "private"))
        target = Path(manage(env, "backup", str(tmp_path / "backups")).stdout.strip())
        assert manage(env, "backup", str(not_a_directory), check=False).returncode != 0
    log = the_log()
    assert log.user is None and log.actor.startswith("manage.py backup (")
    assert (log.what, log.filter, log.row_count, log.personal_data, log.individual_data) == (
        "backup",
        f"destination={tmp_path / 'backups'}",
        2,
        True,
        True,
    )
    assert json.loads((target / "manifest.json").read_text())["tables"]["ikm_registry_exportlog"] == 1


# --- the log itself -------------------------------------------------------------------------------------------------


def test_a_row_without_user_must_name_its_actor(db):
    with pytest.raises(ValueError):
        export_logged(user=None, what="report:rekap", file_format="pdf", filter="", row_count=1, personal_data=False)
    with pytest.raises(IntegrityError):
        ExportLog.objects.create(user=None, actor="", what="x", file_format="pdf", row_count=1)


def test_command_rows_are_listed_to_national_staff_with_their_actor(client, badung, tmp_path):
    run("daftar-ikm", "--region", "51.03", "--output", str(tmp_path / "d.pdf"))
    changelist = reverse("admin:ikm_registry_exportlog_changelist")
    client.force_login(staff_user(StaffRole.NATIONAL, "51", username="staf.nasional"))
    content = client.get(changelist).content.decode()
    assert "manage.py render_report (" in content and "Laporan: Daftar IKM" in content
    client.force_login(staff_user(StaffRole.OPERATOR, "51.03"))
    assert client.get(changelist).context["cl"].result_count == 0
