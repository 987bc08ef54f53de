"""Exports at national scale (issue 15): a CSV streams from a server-side cursor, chunk by chunk, its header before
any row is read and its log entry when it ends; a long XLSX is made by the worker and downloaded from the jobs page."""

import csv
import io

import openpyxl
import pytest
from django.core.signals import request_finished
from django.db import close_old_connections, connection
from django.http import FileResponse, StreamingHttpResponse
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from businesses.admin_import import EXPORT_JOB
from businesses.models import Business
from businesses.services.exporting import businesses_export_stream
from ikm_registry import streaming
from ikm_registry.choices import StaffRole
from ikm_registry.jobs import job_run
from ikm_registry.models import ExportLog, Job
from tests.factories import BusinessFactory, BusinessYearFactory, make_kbli, make_village, staff_user

EXPORT_URL = reverse("admin:businesses_business_export")
TUBAN = "51.03.01.1001"


@pytest.fixture
def registry(db):
    make_village(TUBAN, "Tuban")
    make_village("51.71.01.1001", "Serangan")
    make_kbli("13134")


def businesses(count: int, *, village=TUBAN, year=2024):
    for number in range(count):
        business = BusinessFactory(name=f"Usaha {number:03d}", village_id=village, owner__name=f"Pemilik {number}")
        BusinessYearFactory(business=business, year=year, turnover=1_000_000 + number)


@pytest.fixture
def operator(registry):
    return staff_user(StaffRole.OPERATOR, "51.03", username="operator.badung")


def rows_of(content: bytes) -> list[dict]:
    return list(csv.DictReader(io.StringIO(content.decode("utf-8-sig")), delimiter=";"))


def sql_reading(queries, table: str) -> list[str]:
    """The queries that read rows of `table` (its columns first; a subquery of another's does not count), also
    through a server-side cursor (PostgreSQL: `DECLARE … CURSOR … FOR SELECT …`)."""
    found = []
    for query in queries:
        sql = query["sql"].lstrip()
        if sql.startswith("DECLARE "):
            sql = sql.split(" FOR ", 1)[1]
        if sql.startswith(f'SELECT "{table}".'):
            found.append(query["sql"])
    return found


# --- CSV: streamed ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("file_format", ["csv", "siinas-csv"])
def test_a_csv_export_is_streamed_and_its_header_leaves_before_any_row_is_read(client, operator, file_format):
    businesses(3)
    client.force_login(operator)
    response = client.get(EXPORT_URL, {"format": file_format, "semester": "1", "tahun": "2024"})
    assert isinstance(response, StreamingHttpResponse) and not isinstance(response, FileResponse)
    assert response["Content-Disposition"].startswith("attachment; filename=")
    pieces = iter(response.streaming_content)
    with CaptureQueriesContext(connection) as queries:
        header = next(pieces)
    assert header.startswith(b"\xef\xbb\xbf") and header.count(b"\r\n") == 1  # the header line alone
    assert sql_reading(queries, "businesses_business") == []  # no row read yet
    rest = b"".join(pieces)
    assert len(rows_of(header + rest)) == 3


@pytest.mark.parametrize("count", [3, 30])
def test_the_rows_are_read_in_chunks_with_their_figures_per_chunk(client, operator, settings, count):
    """One query of the businesses (one cursor, read chunk by chunk), owners joined to it, one query of figures per
    chunk of EXPORT_CHUNK_SIZE: never a query per row, never the figures of the whole list at once."""
    settings.EXPORT_CHUNK_SIZE = 10
    businesses(count)
    client.force_login(operator)
    response = client.get(EXPORT_URL, {"format": "csv", "tahun": "2024"})
    with CaptureQueriesContext(connection) as queries:
        content = b"".join(response.streaming_content)
    assert len(rows_of(content)) == count
    assert len(sql_reading(queries, "businesses_business")) == 1
    assert sql_reading(queries, "businesses_owner") == []  # joined
    figures = sql_reading(queries, "businesses_businessyear")
    assert len(figures) == -(-count // 10)  # 1 for 3 rows, 3 for 30
    rows = rows_of(content)
    assert rows[-1]["omzet_tahunan"] == str(1_000_000 + count - 1)  # the figures of the last chunk too


def test_a_streamed_export_is_logged_when_it_ends(client, operator):
    businesses(4)
    client.force_login(operator)
    response = client.get(EXPORT_URL, {"format": "csv", "tahun": "2024", "status": "verified"})
    pieces = iter(response.streaming_content)
    next(pieces)
    assert not ExportLog.objects.exists()  # the file has not left yet
    b"".join(pieces)
    log = ExportLog.objects.get()
    assert (log.user, log.file_format, log.row_count, log.personal_data, log.individual_data) == (
        operator,
        "csv",
        4,
        True,
        True,
    )
    assert "status=verified" in log.filter


def test_a_download_stopped_halfway_is_logged_with_the_rows_that_left(operator, settings, monkeypatch):
    """The browser went away: the server closes the response, which closes the stream."""
    settings.EXPORT_CHUNK_SIZE = 2
    monkeypatch.setattr(streaming, "PIECE_BYTES", 1)  # a piece per row
    businesses(6)
    stream = businesses_export_stream(queryset=Business.objects.order_by("name"), user=operator, year=2024)
    header, first, second = next(stream.pieces), next(stream.pieces), next(stream.pieces)
    assert [row["nama_usaha"] for row in rows_of(header + first + second)] == ["Usaha 000", "Usaha 001"]
    assert not ExportLog.objects.exists()
    stream.pieces.close()
    log = ExportLog.objects.get()
    assert (log.user, log.row_count) == (operator, 2)


def test_closing_the_response_closes_the_stream(rf, operator, settings, monkeypatch):
    """A WSGI server closes the response when the download ends or stops: that must close the stream (which logs
    what left), not leave it to the garbage collector."""
    from django.contrib import admin

    settings.EXPORT_CHUNK_SIZE = 2
    monkeypatch.setattr(streaming, "PIECE_BYTES", 1)
    businesses(6)
    request = rf.get(EXPORT_URL, {"format": "csv", "tahun": "2024"})
    request.user = operator
    response = admin.site.get_model_admin(Business).export_view(request)
    pieces = iter(response.streaming_content)
    next(pieces), next(pieces)
    request_finished.disconnect(close_old_connections)  # as the test client does: keep the test's connection
    try:
        response.close()
    finally:
        request_finished.connect(close_old_connections)
    assert ExportLog.objects.get().row_count == 1


def test_an_empty_streamed_export_is_not_logged(client, operator):
    client.force_login(operator)
    content = b"".join(client.get(EXPORT_URL, {"format": "csv"}).streaming_content)
    assert rows_of(content) == [] and content.startswith(b"\xef\xbb\xbfnama_usaha;")
    assert not ExportLog.objects.exists()


def test_a_long_csv_streams_too(client, operator, settings):
    settings.EXPORT_INLINE_MAX_ROWS = 2
    businesses(5)
    client.force_login(operator)
    response = client.get(EXPORT_URL, {"format": "csv"})
    assert response.streaming and len(rows_of(b"".join(response.streaming_content))) == 5
    assert not Job.objects.exists()


@pytest.mark.skipif(connection.vendor != "postgresql", reason="server-side cursors are PostgreSQL's")
@pytest.mark.django_db(transaction=True)
def test_on_postgresql_the_rows_come_from_a_cursor_that_holds_nothing(client, settings, monkeypatch):
    """Outside a transaction Django declares its cursor WITH HOLD, and PostgreSQL then runs the whole query before
    the first row leaves; the export reads inside one, through a plain cursor that fetches chunk by chunk."""
    make_village(TUBAN, "Tuban")
    make_kbli("13134")
    operator = staff_user(StaffRole.OPERATOR, "51.03", username="operator.badung")
    settings.EXPORT_CHUNK_SIZE = 2
    monkeypatch.setattr(streaming, "PIECE_BYTES", 1)
    businesses(5)
    client.force_login(operator)
    pieces = iter(client.get(EXPORT_URL, {"format": "csv", "tahun": "2024"}).streaming_content)
    next(pieces), next(pieces)  # the header and the first row: the cursor is open
    with connection.cursor() as cursor:
        cursor.execute("SELECT is_holdable FROM pg_cursors")
        cursors = cursor.fetchall()
    assert cursors == [(False,)]
    b"".join(pieces)
    assert ExportLog.objects.get().row_count == 5


# --- XLSX: in the request, or by the worker past EXPORT_INLINE_MAX_ROWS --------------------------------------------


def sheet_cells(content: bytes) -> list[list]:
    sheet = openpyxl.load_workbook(io.BytesIO(content)).worksheets[0]
    return [[cell.value for cell in line] for line in sheet.iter_rows()]


def table_of(cells: list[list]) -> list[list]:
    """The table of a sheet without the Daftar's heading block (it says when the file was made)."""
    start = next((index for index, line in enumerate(cells) if line and line[0] == "No."), 0)
    return cells[start:]


def test_a_short_xlsx_comes_at_once(client, operator, settings):
    settings.EXPORT_INLINE_MAX_ROWS = 3
    businesses(3)
    client.force_login(operator)
    response = client.get(EXPORT_URL, {"format": "xlsx"})
    assert isinstance(response, FileResponse) and len(sheet_cells(b"".join(response.streaming_content))) == 4
    assert not Job.objects.exists()


@pytest.mark.parametrize("file_format", ["xlsx", "daftar", "siinas-xlsx"])
def test_a_long_xlsx_is_made_by_the_worker_and_downloaded_from_the_jobs_page(client, operator, settings, file_format):
    businesses(3)
    client.force_login(operator)
    params = {"format": file_format, "tahun": "2024", "semester": "1", "o": "-1"}
    at_once = sheet_cells(b"".join(client.get(EXPORT_URL, params).streaming_content))
    ExportLog.objects.all().delete()

    settings.EXPORT_INLINE_MAX_ROWS = 2
    response = client.get(EXPORT_URL, params)
    assert response.status_code == 302
    assert response["Location"] == reverse("admin:businesses_business_changelist") + "?o=-1"  # back to the list
    job = Job.objects.get()
    assert (job.kind, job.owner, job.status) == (EXPORT_JOB, operator, Job.Status.QUEUED)
    page = client.get(response["Location"]).content.decode()
    assert f"{reverse('admin:report_jobs')}#tugas-{job.pk}" in page  # the message links to the job
    assert not ExportLog.objects.exists()

    client.get(EXPORT_URL, params)  # asked again while it waits: the same job
    assert Job.objects.count() == 1

    job_run(job.pk, worker_id="test")
    job.refresh_from_db()
    assert job.status == Job.Status.DONE, job.error
    assert (job.progress_done, job.progress_total) == (3, 3)
    assert not ExportLog.objects.exists()  # made, not handed out yet
    jobs_page = client.get(reverse("admin:report_jobs")).content.decode()
    download_url = reverse("admin:report_job_download", args=[job.pk])
    assert download_url in jobs_page and "Unduh XLSX" in jobs_page and "3 dari 3 baris" in jobs_page

    download = client.get(download_url)
    assert download.status_code == 200
    content = b"".join(download.streaming_content)
    assert table_of(sheet_cells(content)) == table_of(at_once)
    log = ExportLog.objects.get()
    assert (log.user, log.row_count, log.file_format) == (operator, 3, "xlsx")
    assert "o=-1" in log.filter


def test_only_its_owner_downloads_a_background_export(client, operator, settings):
    settings.EXPORT_INLINE_MAX_ROWS = 1
    businesses(2)
    client.force_login(operator)
    client.get(EXPORT_URL, {"format": "xlsx"})
    job = Job.objects.get()
    job_run(job.pk, worker_id="test")
    other = staff_user(StaffRole.OPERATOR, "51.03", username="operator.lain")
    client.force_login(other)
    assert client.get(reverse("admin:report_job_download", args=[job.pk])).status_code == 404
    assert not ExportLog.objects.exists()


def test_a_background_export_is_scoped_to_its_owner_as_the_list_is(client, operator, settings):
    """The worker rebuilds the list for the user who asked: another region's rows never reach the file, even when the
    stored query names them."""
    settings.EXPORT_INLINE_MAX_ROWS = 1
    businesses(2)
    businesses(2, village="51.71.01.1001")
    client.force_login(operator)
    client.get(EXPORT_URL, {"format": "xlsx"})
    job = Job.objects.get()
    job_run(job.pk, worker_id="test")
    content = b"".join(client.get(reverse("admin:report_job_download", args=[job.pk])).streaming_content)
    assert len(sheet_cells(content)) == 3  # the header and the two Badung rows
