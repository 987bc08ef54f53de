"""`manage.py render_report`: --list, a rekap to a file, scoping with --user, errors."""

from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from ikm_registry.choices import StaffRole
from tests.factories import staff_user
from tests.reports import YEAR, pdf_text, row_pattern


def run(*args):
    out = StringIO()
    call_command("render_report", *args, stdout=out)
    return out.getvalue()


def test_list_names_the_reports(db):
    assert "rekap" in run("--list")


@pytest.mark.usefixtures("rekap_data")
def test_rekap_to_a_file(tmp_path):
    output = tmp_path / "rekap.pdf"
    message = run("rekap", "--region", "51.03", "--year", str(YEAR), "--output", str(output))
    assert str(output) in message
    text = pdf_text(output.read_bytes())
    assert row_pattern("Jumlah", "4", "17", "24", "41").search(text)
    assert "Halaman 1 dari" in text


@pytest.mark.usefixtures("rekap_data")
def test_without_user_full_access(tmp_path):
    output = tmp_path / "bali.pdf"
    run("rekap", "--region", "51", "--year", str(YEAR), "--output", str(output))
    assert row_pattern("Jumlah", "5").search(pdf_text(output.read_bytes()))


@pytest.mark.usefixtures("rekap_data")
def test_user_in_scope(tmp_path):
    staff_user(StaffRole.OFFICIAL, "51.03", username="kabid")
    output = tmp_path / "rekap.pdf"
    run("rekap", "--region", "51.03.01", "--year", str(YEAR), "--user", "kabid", "--output", str(output))
    assert output.read_bytes().startswith(b"%PDF")


@pytest.mark.usefixtures("rekap_data")
def test_region_outside_the_users_scope_is_refused(tmp_path):
    staff_user(StaffRole.OPERATOR, "51.03", username="operator-badung")
    output = tmp_path / "denpasar.pdf"
    with pytest.raises(CommandError, match="di luar wilayah kerja"):
        run("rekap", "--region", "51.71", "--year", str(YEAR), "--user", "operator-badung", "--output", str(output))
    assert not output.exists()


def test_unknown_report(db, tmp_path):
    with pytest.raises(CommandError, match="tidak-ada"):
        run("tidak-ada", "--output", str(tmp_path / "x.pdf"))


@pytest.mark.usefixtures("rekap_data")
def test_unknown_user(tmp_path):
    with pytest.raises(CommandError, match="No user"):
        run("rekap", "--region", "51.03", "--year", str(YEAR), "--user", "siapa", "--output", str(tmp_path / "x.pdf"))


@pytest.mark.usefixtures("rekap_data")
def test_missing_year_is_an_error(tmp_path):
    with pytest.raises(CommandError, match="--year"):
        run("rekap", "--region", "51.03", "--output", str(tmp_path / "x.pdf"))
