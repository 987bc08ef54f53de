"""The tabular import engine (ikm_registry/tabular) on its own: a tiny importer of offices, no business code.

The importer below is what an app writes to register an import: columns (with their model attribute, aliases,
required), a natural key, and the model. Everything else — reading, per-cell errors, matching, the plan, the two
modes, rejects, bulk history, progress, the registry and the `import_table` command — is the engine's.
"""

import datetime
import io
from decimal import Decimal
from io import StringIO

import pytest
from django.core.exceptions import ImproperlyConfigured, PermissionDenied, ValidationError
from django.core.management import CommandError, call_command

from ikm_registry.choices import StaffRole
from ikm_registry.models import ExportLog, Office, TabularImport
from ikm_registry.scoping import SystemActor
from ikm_registry.tabular import engine, registry
from ikm_registry.tabular.columns import (
    CellError,
    Choice,
    Date,
    DecimalNumber,
    Integer,
    NikLike,
    Reference,
    Text,
)
from ikm_registry.tabular.engine import Action, Importer
from ikm_registry.tabular.reader import read_rows
from tests.factories import staff_user

Region = Office._meta.get_field("region").related_model


class OfficeImporter(Importer):
    kind = "test-offices"
    label = "kantor (uji)"
    model = Office
    columns = (
        Reference("kode_wilayah", field="region_id", model=Region, required=True, aliases=("wilayah",)),
        Text("nama_kantor", field="name", required=True, aliases=("kantor", "nama")),
        Text("telepon", field="phone"),
        Text("email"),
    )
    key = ("kode_wilayah", "nama_kantor")


@pytest.fixture
def importer_registered():
    registry.register(OfficeImporter)
    yield OfficeImporter
    registry.unregister(OfficeImporter.kind)


def csv_file(*lines: str) -> io.BytesIO:
    return io.BytesIO(("\n".join(lines) + "\n").encode("utf-8"))


COMMAND = SystemActor("import_table")


def plan_of(*lines, user=COMMAND):
    return OfficeImporter(user=user).plan(csv_file(*lines), "kantor.csv")


def test_new_rows_are_created_in_bulk_with_history_naming_the_file(bali_regions, admin_user):
    importer = OfficeImporter(user=admin_user)
    plan = importer.plan(
        csv_file("Wilayah;Kantor;telepon", "51.03;Disperindag Badung;0361 123", "51.71;Disperindag Denpasar;"),
        "kantor.csv",
    )
    assert plan.columns == ["kode_wilayah", "nama_kantor", "telepon"]  # aliases and case read as the columns
    assert plan.counts == {"rows": 2, "created": 2, "updated": 0, "unchanged": 0, "invalid": 0}
    assert not Office.objects.exists()  # planning writes nothing
    result = importer.apply(plan)
    assert (result.written, result.created) == (True, 2)
    badung = Office.objects.get(region_id="51.03")
    assert (badung.name, badung.phone) == ("Disperindag Badung", "0361 123")
    history = Office.history.get(id=badung.pk)
    assert (history.history_type, history.history_user, history.history_change_reason) == (
        "+",
        admin_user,
        "impor kantor.csv",
    )


def test_reimporting_changes_only_what_differs(bali_regions):
    first = plan_of("kode_wilayah;nama_kantor;telepon", "51.03;Disperindag Badung;0361 123")
    OfficeImporter(user=COMMAND).apply(first)
    office = Office.objects.get()

    again = plan_of("kode_wilayah;nama_kantor;telepon", "51.03;disperindag  badung;0361 123")
    assert again.counts["unchanged"] == 1 and not again.writes  # the same name up to case and spaces: the same row

    changed = plan_of("kode_wilayah;nama_kantor;telepon;email", "51.03;Disperindag Badung;0361 999;")
    (outcome,) = changed.rows
    assert (outcome.action, outcome.record_id, outcome.changes) == (
        Action.UPDATE,
        office.pk,
        [("telepon", "0361 123", "0361 999")],  # a blank e-mail keeps what is registered
    )
    OfficeImporter(user=COMMAND).apply(changed)
    office.refresh_from_db()
    assert office.phone == "0361 999"
    assert office.history.latest().history_type == "~"
    assert office.history.latest().history_change_reason == "import_table kantor.csv"


def test_every_problem_names_row_column_and_reason(bali_regions):
    plan = plan_of(
        "kode_wilayah;nama_kantor;email",
        "99.99;Kantor A;",  # unknown region
        "51.03;;",  # required cell blank
        "51.71;Kantor B;bukan-email",  # full_clean of the model field
        "51.71;Kantor C;",
        "51.71;Kantor C;",  # repeats row 5
    )
    errors = {(error.row, error.column) for error in plan.errors}
    assert errors == {(2, "kode_wilayah"), (3, "nama_kantor"), (4, "email"), (6, "kode_wilayah")}
    assert "99.99" in str(plan.errors[0]) and "baris 2, kolom kode_wilayah" in str(plan.errors[0])
    assert plan.counts == {"rows": 5, "created": 1, "updated": 0, "unchanged": 0, "invalid": 4}


def test_all_or_nothing_unless_skip_invalid_with_rejects(bali_regions):
    lines = ("kode_wilayah;nama_kantor", "51.03;Kantor Baik", "99.99;Kantor Salah")
    result = OfficeImporter(user=COMMAND).apply(plan_of(*lines))
    assert (result.written, result.invalid) == (False, 1) and not Office.objects.exists()

    plan = plan_of(*lines)
    result = OfficeImporter(user=COMMAND).apply(plan, skip_invalid=True)
    assert (result.written, result.created, result.invalid) == (True, 1, 1)
    assert list(Office.objects.values_list("name", flat=True)) == ["Kantor Baik"]
    rejects = StringIO()
    assert plan.write_rejects(rejects) == 1
    header, row = rejects.getvalue().splitlines()
    assert header == "kode_wilayah;nama_kantor;alasan"
    assert row.startswith("99.99;Kantor Salah;kode_wilayah: ")


def test_file_problems_and_permissions(bali_regions):
    with pytest.raises(ValidationError) as error:
        plan_of("nama_kantor;warna", "Kantor;merah")
    assert "Kolom tidak dikenal: warna" in " ".join(error.value.messages)
    assert "Kolom wajib tidak ada: kode_wilayah" in " ".join(error.value.messages)
    official = staff_user(StaffRole.OFFICIAL, "51.03", username="pejabat.badung")
    with pytest.raises(PermissionDenied):
        plan_of("kode_wilayah;nama_kantor", "51.03;Kantor", user=official)


def test_progress_is_reported_while_reading_and_checking(bali_regions, monkeypatch):
    monkeypatch.setattr(engine, "PROGRESS_EVERY", 2)
    phases, messages = [], []
    importer = OfficeImporter(
        user=COMMAND, progress=messages.append, on_rows=lambda phase, done, total: phases.append((phase, done, total))
    )
    importer.plan(csv_file("kode_wilayah;nama_kantor", *(f"51.03;Kantor {n}" for n in range(4))), "kantor.csv")
    assert ("checking", 2, 4) in phases and ("checking", 4, 4) in phases
    assert "4 dari 4 baris diperiksa" in messages


def test_the_registry_finds_an_importer_and_refuses_a_second_one_of_the_same_kind(importer_registered):
    assert registry.get("test-offices") is OfficeImporter
    assert ("test-offices", "kantor (uji)") in registry.choices()
    assert registry.get("businesses").model._meta.label == "businesses.Business"  # the business consumer

    class Other(Importer):
        kind = "test-offices"

    with pytest.raises(ImproperlyConfigured):
        registry.register(Other)
    with pytest.raises(LookupError):
        registry.get("no-such-import")


def test_import_table_command_runs_a_registered_importer(bali_regions, importer_registered, tmp_path):
    path = tmp_path / "kantor.csv"
    path.write_text("kode_wilayah;nama_kantor\n51.03;Kantor Baik\n99.99;Kantor Salah\n", encoding="utf-8")
    out, err = StringIO(), StringIO()
    with pytest.raises(CommandError, match="1 baris tidak valid"):
        call_command("import_table", "test-offices", str(path), stdout=out, stderr=err)
    assert "baris 3, kolom kode_wilayah" in err.getvalue() and not Office.objects.exists()

    call_command("import_table", "test-offices", str(path), "--skip-invalid", stdout=out, stderr=err)
    assert list(Office.objects.values_list("name", flat=True)) == ["Kantor Baik"]
    assert "alasan" in (tmp_path / "kantor.rejects.csv").read_text(encoding="utf-8-sig")
    log = ExportLog.objects.get()  # the rejects file is an export of what was typed
    assert log.personal_data and log.actor.startswith("manage.py import_table (")
    with pytest.raises(CommandError, match="no-such-import"):
        call_command("import_table", "no-such-import", str(path), stdout=out, stderr=err)


def test_the_upload_record_is_one_model_for_every_kind(admin_user):
    from businesses.models import BusinessImport

    other = TabularImport.objects.create(kind="test-offices", original_name="kantor.csv", uploaded_by=admin_user)
    business = BusinessImport.objects.create(original_name="ikm.csv", uploaded_by=admin_user, data_year=2024)
    assert business.kind == "businesses" and business.options == {"year": 2024}
    assert list(BusinessImport.objects.all()) == [business]  # the proxy sees its own kind only
    assert set(TabularImport.objects.values_list("pk", flat=True)) == {other.pk, business.pk}
    assert TabularImport.objects.get(pk=business.pk).importer is registry.get("businesses")


def test_read_rows_numbers_rows_as_a_spreadsheet_and_skips_blank_ones():
    columns, delimiter, rows = read_rows(
        csv_file("a,b", "1,2", ",", "3,"), columns=["a", "b"], required=["a"], aliases={"x": "a"}
    )
    assert (columns, delimiter) == (["a", "b"], ",")
    assert [(row.number, row.values) for row in rows] == [(2, {"a": "1", "b": "2"}), (4, {"a": "3", "b": ""})]


def test_header_names_count_inner_spaces_once_and_unknown_columns_may_be_set_aside():
    """A layout we do not own (an OSS export): its other columns are named and left unread, not refused."""
    ignored = []
    columns, _delimiter, rows = read_rows(
        csv_file("No;Nama  Usaha ;Email", "1;Batik;a@b.id"), columns=["nama_usaha"], aliases={"nama usaha": "nama_usaha"},
        ignored=ignored,
    )  # fmt: skip
    assert (columns, ignored, rows[0].cells) == (["nama_usaha"], ["No", "Email"], ["Batik"])
    with pytest.raises(ValidationError, match="Kolom tidak dikenal: no"):
        read_rows(csv_file("No;nama_usaha", "1;Batik"), columns=["nama_usaha"])


@pytest.mark.parametrize(
    ("column", "cell", "value"),
    [
        (Integer("n"), "1.500", 1500),
        (Integer("n"), 12.0, 12),
        (Integer("n", blank=0), "", 0),
        (DecimalNumber("d"), "12,5", Decimal("12.5")),
        (DecimalNumber("d", grouping=False, places=Decimal("0.01")), "-8.6543", Decimal("-8.65")),
        (Date("t"), "31/12/2025", datetime.date(2025, 12, 31)),
        (Date("t"), datetime.datetime(2025, 1, 2, 0, 0), datetime.date(2025, 1, 2)),
        (Choice("s", choices=StaffRole), "Operator kabupaten/kota", "operator"),
        (Choice("s", choices=StaffRole), "OFFICIAL", "official"),
        (NikLike("nik"), "5103 0112 3456 0001", "5103011234560001"),
    ],
)
def test_columns_read_cells_the_way_offices_type_them(column, cell, value):
    assert column.parse(cell) == value


@pytest.mark.parametrize(
    ("column", "cell", "reason"),
    [
        (Integer("n"), "1,5", "bilangan bulat"),
        (Date("t"), "kemarin", "HH/BB/TTTT"),
        (Choice("s", choices=StaffRole), "bos", "operator, official"),
        (NikLike("nik"), 5103011234560001, "Excel hanya menyimpan 15 angka"),
    ],
)
def test_columns_say_why_a_cell_cannot_be_read(column, cell, reason):
    with pytest.raises(CellError, match=reason):
        column.parse(cell)


def test_a_nik_is_masked_in_what_a_preview_shows():
    assert NikLike("nik").shown("5103011234560001") != "5103011234560001"
    assert "5103011234560001"[-4:] in NikLike("nik").shown("5103011234560001")


def test_a_preview_names_each_row_by_its_key(bali_regions):
    plan = plan_of("kode_wilayah;nama_kantor", "51.03;Disperindag Badung")
    assert [(row.row, row.name, row.action_label) for row in plan.rows] == [(2, "Disperindag Badung", "baru")]
