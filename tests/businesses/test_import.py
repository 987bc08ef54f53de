"""The business import engine and the `import_businesses` command (DESIGN §8)."""

import csv
import io
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import CommandError, call_command
from django.utils import timezone

from businesses.choices import BusinessStatus, LegalForm
from businesses.models import Business, BusinessYear, Owner
from businesses.services.importing import Action, businesses_import, businesses_import_plan
from businesses.services.layout import COLUMNS
from ikm_registry.choices import StaffRole
from tests.business_files import csv_bytes, row, write, xlsx_bytes
from tests.factories import BusinessFactory, BusinessYearFactory, SentraFactory, make_village, staff_user

YEAR = timezone.localdate().year


def run(content: bytes, user, *, name="ikm.csv", **options):
    return businesses_import(source=io.BytesIO(content), filename=name, user=user, year=YEAR, **options)


def plan_of(content: bytes, user, name="ikm.csv"):
    return businesses_import_plan(source=io.BytesIO(content), filename=name, user=user, year=YEAR)


def problems(plan) -> set[tuple[int, str]]:
    return {(error.row, error.column) for error in plan.errors}


# --- a good file --------------------------------------------------------------------------------------------------


def test_valid_file_creates_business_owner_and_figures_of_the_data_year(operator):
    result = run(csv_bytes([row(nib="9120001234567")]), operator)

    assert result.written and (result.created, result.updated, result.invalid) == (1, 0, 0)
    business = Business.objects.get()
    assert (business.name, business.nib, business.legal_form) == ("Batik Sekar Jagad", "9120001234567", LegalForm.UD)
    assert (business.village_id, business.kbli_id, business.subsector_id) == ("51.03.01.1001", "13134", "kriya")
    assert business.status == BusinessStatus.VERIFIED  # the default of the layout
    assert business.created_by == operator
    assert (business.latitude, business.longitude) == (Decimal("-8.738300"), Decimal("115.168600"))
    owner = business.owner
    assert (owner.name, owner.nik, owner.sex, owner.phone) == (
        "Ni Made Sari",
        "5103015508850001",
        "P",
        "0812 3456 7890",
    )
    figures = business.years.get()
    assert figures.year == YEAR
    assert (figures.workforce_male, figures.workforce_female) == (2, 3)
    assert (figures.investment, figures.turnover, figures.production_value) == (50_000_000, 300_000_000, 250_000_000)
    assert figures.production_capacity == Decimal("1500")


@pytest.mark.parametrize(
    ("column", "text", "field", "expected"),
    [
        ("nilai_investasi", "Rp 25.000.000", "investment", 25_000_000),
        ("nilai_investasi", "Rp25.000.000,00", "investment", 25_000_000),
        ("nilai_investasi", "25000000", "investment", 25_000_000),
        ("omzet_tahunan", "1.500", "turnover", 1_500),
        ("tenaga_kerja_laki", "1.500", "workforce_male", 1_500),
        ("kapasitas_produksi", "12,5", "production_capacity", Decimal("12.5")),
        ("kapasitas_produksi", "12.5", "production_capacity", Decimal("12.5")),
        ("kapasitas_produksi", "1.500,25", "production_capacity", Decimal("1500.25")),
    ],
)
def test_indonesian_number_formats(operator, column, text, field, expected):
    run(csv_bytes([row(**{column: text})]), operator)
    assert getattr(BusinessYear.objects.get(), field) == expected


def test_decimal_comma_in_coordinates(operator):
    run(csv_bytes([row(latitude="-8,65", longitude="115,2")], delimiter=";"), operator)
    assert (Business.objects.get().latitude, Business.objects.get().longitude) == (Decimal("-8.65"), Decimal("115.2"))


def test_csv_with_bom_semicolons_and_mixed_case_headers(operator):
    header = [f"  {column.upper()} " if index % 2 else column.title() for index, column in enumerate(COLUMNS)]
    content = csv_bytes([row(1), row(2, omzet_tahunan="Rp 1.250.000")], columns=COLUMNS, delimiter=";", bom=True)
    content = content.replace(";".join(COLUMNS).encode(), ";".join(header).encode(), 1)

    result = run(content, operator)

    assert (result.created, result.invalid) == (2, 0)
    assert BusinessYear.objects.get(business__name="Batik Sekar Jagad 2").turnover == 1_250_000


def test_xlsx_numbers_become_the_right_text(operator):
    values = row(nib="")
    cells = [values[column] for column in COLUMNS]
    index = {column: position for position, column in enumerate(COLUMNS)}
    cells[index["nib"]] = 9120001234567.0  # how Excel stores a long number
    cells[index["kbli"]] = 13134
    cells[index["telepon"]] = 81234567890  # Excel dropped the leading 0
    cells[index["nik_pemilik"]] = "5103015508850001"  # typed as text: all 16 digits kept
    cells[index["tahun_berdiri"]] = 2015.0
    cells[index["nilai_investasi"]] = 50000000
    cells[index["kapasitas_produksi"]] = 1.25  # a number cell: a decimal, never read as thousands
    cells[index["latitude"]] = -8.7383
    cells[index["longitude"]] = 115.1686

    result = run(xlsx_bytes([cells]), operator, name="ikm.xlsx")

    assert result.created == 1, [str(error) for error in result.plan.errors]
    business = Business.objects.get()
    assert business.nib == "9120001234567"
    assert business.kbli_id == "13134"
    assert business.year_founded == 2015
    assert business.latitude == Decimal("-8.738300")
    assert business.owner.phone == "081234567890"
    figures = business.years.get()
    assert (figures.investment, figures.production_capacity) == (50_000_000, Decimal("1.25"))


def test_xlsx_nik_stored_as_a_number_is_refused(operator):
    values = row()
    cells = [values[column] for column in COLUMNS]
    cells[COLUMNS.index("nik_pemilik")] = 5103015508850000  # Excel keeps 15 digits: the last one is lost
    plan = plan_of(xlsx_bytes([cells]), operator, name="ikm.xlsx")
    assert problems(plan) == {(2, "nik_pemilik")}
    assert "Teks" in plan.errors[0].message


def test_blank_lines_are_skipped_and_row_numbers_stay_those_of_the_sheet(operator):
    content = csv_bytes([row(1), {}, row(2, kbli="99999")])
    plan = plan_of(content, operator)
    assert [outcome.row for outcome in plan.rows] == [2, 4]
    assert problems(plan) == {(4, "kbli")}


def test_subsector_by_name_case_insensitive_and_status_given(operator):
    run(csv_bytes([row(subsektor_ekraf="KULINER", status="Published")]), operator)
    business = Business.objects.get()
    assert (business.subsector_id, business.status) == ("kuliner", BusinessStatus.PUBLISHED)


def test_only_required_columns(operator):
    columns = ["nama_usaha", "nama_pemilik", "kode_wilayah", "kbli"]
    result = run(csv_bytes([row()], columns=columns), operator)
    assert result.created == 1
    business = Business.objects.get()
    assert (business.legal_form, business.status) == (LegalForm.PERORANGAN, BusinessStatus.VERIFIED)
    assert not business.years.exists()  # no yearly figures in the file, no empty year row


# --- bad files and bad rows ---------------------------------------------------------------------------------------


def test_unknown_header_is_refused_by_name(operator):
    columns = [*COLUMNS, "Omset Bulanan"]
    with pytest.raises(ValidationError) as error:
        plan_of(csv_bytes([row()], columns=columns), operator)
    assert "omset bulanan" in " ".join(error.value.messages)


def test_missing_required_column_is_refused(operator):
    columns = [column for column in COLUMNS if column != "kbli"]
    with pytest.raises(ValidationError) as error:
        plan_of(csv_bytes([row()], columns=columns), operator)
    assert "kbli" in " ".join(error.value.messages)


def test_file_that_is_not_utf8_is_refused(operator):
    content = csv_bytes([row(alamat="Jl. Gatot Subroto")]).replace(b"Gatot", "Gätot".encode("latin-1"))
    with pytest.raises(ValidationError) as error:
        plan_of(content, operator)
    assert "UTF-8" in error.value.messages[0]


BAD_ROWS = [
    # (row changes, column reported, a piece of the reason)
    ({"nama_usaha": ""}, "nama_usaha", "Wajib diisi"),
    ({"nib": "12345"}, "nib", "13 angka"),
    ({"nik_pemilik": "5103015508850000"}, "nik_pemilik", "0000"),
    ({"kode_wilayah": "51.03.01.9999"}, "kode_wilayah", "tidak dikenal"),
    ({"kbli": "99999"}, "kbli", "tidak dikenal"),
    ({"omzet_tahunan": "-5.000"}, "omzet_tahunan", "negatif"),
    ({"tahun_berdiri": str(YEAR + 3)}, "tahun_berdiri", str(YEAR + 3)),
    ({"latitude": "48,85", "longitude": "2,35"}, "latitude", "luar wilayah Indonesia"),
    ({"email": "sari@"}, "email", ""),
    ({"jenis_kelamin_pemilik": "X"}, "jenis_kelamin_pemilik", "L atau P"),
    ({"nib": "9120000000001"}, "nib", "baris"),  # the same NIB as the row before it
    ({"kode_wilayah": "51.71.01.1001"}, "kode_wilayah", "luar wilayah Anda"),
    ({"jenis_kelamin_pemilik": "L"}, "nik_pemilik", "jenis kelamin"),  # the NIK says a woman
    ({"latitude": "-8,65", "longitude": ""}, "longitude", "berpasangan"),
    ({"kbli": "1313"}, "kbli", "5 angka"),
    ({"telepon": "12345"}, "telepon", "tidak valid"),
]


@pytest.fixture
def bad_file(operator):
    rows = [row(1, nib="9120000000001")]
    rows += [row(number, **changes) for number, (changes, _column, _reason) in enumerate(BAD_ROWS, start=2)]
    return csv_bytes(rows)


def test_every_bad_row_is_reported_with_row_column_and_reason_and_nothing_is_written(operator, bad_file):
    result = run(bad_file, operator)

    assert not result.written
    assert Business.objects.count() == Owner.objects.count() == BusinessYear.objects.count() == 0
    reported = {(error.row, error.column): error.message for error in result.plan.errors}
    for row_number, (_changes, column, reason) in enumerate(BAD_ROWS, start=3):
        assert (row_number, column) in reported, (row_number, column, reported)
        assert reason in reported[(row_number, column)]
    assert result.plan.counts == {"rows": 17, "created": 1, "updated": 0, "unchanged": 0, "invalid": 16}
    assert str(result.plan.errors[0]).startswith("baris 3, kolom nama_usaha: ")


def test_a_row_with_several_problems_reports_each(operator):
    plan = plan_of(csv_bytes([row(nib="12", kbli="99999", email="x@", omzet_tahunan="banyak")]), operator)
    assert problems(plan) == {(2, "nib"), (2, "kbli"), (2, "email"), (2, "omzet_tahunan")}


def test_duplicate_name_owner_and_desa_within_the_file(operator):
    plan = plan_of(csv_bytes([row(), row(nama_usaha="batik  sekar JAGAD", nik_pemilik="")]), operator)
    assert problems(plan) == {(3, "nama_usaha")}
    assert "baris 2" in plan.errors[0].message


def test_figures_for_a_year_before_the_business_was_founded(operator):
    plan = businesses_import_plan(
        source=io.BytesIO(csv_bytes([row(tahun_berdiri="2020")])), filename="x.csv", user=operator, year=2019
    )
    assert problems(plan) == {(2, "tahun_berdiri")}


def test_a_nib_registered_outside_the_users_region(operator):
    BusinessFactory(nib="9120000000009", village=make_village("51.71.01.1001"))
    plan = plan_of(csv_bytes([row(nib="9120000000009")]), operator)
    assert problems(plan) == {(2, "nib")}
    assert "luar wilayah Anda" in plan.errors[0].message


def test_an_official_may_not_import(bali_regions, kbli):
    official = staff_user(StaffRole.OFFICIAL, "51.03")
    with pytest.raises(PermissionDenied):
        plan_of(csv_bytes([row()]), official)


def test_province_staff_import_anywhere_in_their_province(bali_regions, kbli):
    province = staff_user(StaffRole.PROVINCE, "51")
    result = run(csv_bytes([row(1), row(2, kode_wilayah="51.71.01.1001")]), province)
    assert result.created == 2


def test_skip_invalid_writes_the_valid_rows(operator, bad_file):
    result = run(bad_file, operator, skip_invalid=True)
    assert result.written and (result.created, result.invalid) == (1, 16)
    assert list(Business.objects.values_list("name", flat=True)) == ["Batik Sekar Jagad 1"]


# --- matching and re-importing ------------------------------------------------------------------------------------


def test_reimport_changes_nothing_and_writes_no_history(operator):
    content = csv_bytes([row(number, nib=f"91200000000{number:02d}" if number % 2 else "") for number in range(1, 7)])
    first = run(content, operator)
    history = (
        Business.history.count(),
        Owner.history.count(),
        BusinessYear.history.count(),
    )

    second = run(content, operator)

    assert (first.created, second.created, second.updated, second.unchanged) == (6, 0, 0, 6)
    assert (Business.history.count(), Owner.history.count(), BusinessYear.history.count()) == history
    assert Business.objects.count() == 6


def test_history_of_an_import_names_the_user_and_the_file(operator):
    before = timezone.now()
    run(csv_bytes([row()]), operator, name="pendataan 2025.csv")
    for model in (Business, Owner, BusinessYear):
        record = model.history.get()
        assert record.history_user == operator
        assert record.history_change_reason == "impor pendataan 2025.csv"
        assert record.history_type == "+"
        assert before <= record.history_date <= timezone.now()
        current = model.objects.get()
        for field in model.history.model.tracked_fields:
            assert getattr(record, field.attname) == getattr(current, field.attname), field.name


def test_history_of_an_update_holds_the_new_values(operator):
    run(csv_bytes([row()]), operator)
    run(csv_bytes([row(alamat="Jl. Baru 1", nama_pemilik="Ni Made Sari", email="baru@example.com")]), operator)
    business, owner = Business.history.latest("history_id"), Owner.history.latest("history_id")
    assert (business.history_type, business.address) == ("~", "Jl. Baru 1")
    assert (owner.history_type, owner.email) == ("~", "baru@example.com")
    assert business.updated_at == Business.objects.get().updated_at
    assert BusinessYear.history.count() == 1  # the figures did not change


def test_update_only_what_differs(operator):
    run(csv_bytes([row(1), row(2)]), operator)
    business = Business.objects.get(name="Batik Sekar Jagad 1")
    business_history, year_history = business.history.count(), BusinessYear.history.count()

    result = run(csv_bytes([row(1, omzet_tahunan="400.000.000"), row(2)]), operator)

    assert (result.created, result.updated, result.unchanged) == (0, 1, 1)
    assert BusinessYear.objects.get(business=business).turnover == 400_000_000
    assert business.history.count() == business_history  # only the figures changed
    assert BusinessYear.history.count() == year_history + 1
    changed = next(outcome for outcome in result.plan.rows if outcome.action == Action.UPDATE)
    assert changed.changed == ["omzet_tahunan"]


def test_match_by_name_owner_and_desa_adds_a_nib(operator):
    existing = BusinessFactory(name="Batik Sekar Jagad", owner__name="Ni Made Sari")
    result = run(csv_bytes([row(nama_usaha="BATIK SEKAR JAGAD", nib="9120001234567")]), operator)
    assert (result.created, result.updated) == (0, 1)
    existing.refresh_from_db()
    assert (existing.nib, existing.name) == ("9120001234567", "Batik Sekar Jagad")  # case alone is no change


def test_match_by_nib_even_when_the_name_changed(operator):
    existing = BusinessFactory(nib="9120001234567", name="Batik Lama")
    result = run(csv_bytes([row(nib="9120001234567")]), operator)
    assert (result.created, result.updated) == (0, 1)
    existing.refresh_from_db()
    assert existing.name == "Batik Sekar Jagad"
    assert existing.owner.name == "Ni Made Sari"


def test_a_file_without_nib_does_not_remove_a_registered_nib(operator):
    existing = BusinessFactory(name="Batik Sekar Jagad", owner__name="Ni Made Sari", nib="9120001234567")
    result = run(csv_bytes([row(nib="")]), operator)
    assert (result.created, result.updated) == (0, 1)  # matched by name, owner and desa
    existing.refresh_from_db()
    assert existing.nib == "9120001234567"
    assert Business.objects.count() == 1


def test_a_new_nib_does_not_match_a_business_registered_with_another_nib(operator):
    BusinessFactory(name="Batik Sekar Jagad", owner__name="Ni Made Sari", nib="9120001234567")
    result = run(csv_bytes([row(nib="9120007654321")]), operator)
    assert result.created == 1
    assert Business.objects.count() == 2


def test_a_blank_cell_keeps_what_is_registered(operator):
    run(csv_bytes([row()]), operator)
    result = run(
        csv_bytes([row(nik_pemilik="", latitude="", longitude="", tenaga_kerja_laki="", alamat="Baru")]), operator
    )
    assert result.updated == 1
    assert result.plan.rows[0].changed == ["alamat"]
    business = Business.objects.get()
    assert (business.owner.nik, business.latitude, business.address) == ("5103015508850001", Decimal("-8.7383"), "Baru")
    assert business.years.get().workforce_male == 2


def test_import_does_not_change_the_status_of_a_registered_business(operator):
    existing = BusinessFactory(
        name="Batik Sekar Jagad", owner__name="Ni Made Sari", status=BusinessStatus.SUBMITTED, nib="9120001234567"
    )
    result = run(csv_bytes([row(nib="9120001234567", status="published")]), operator)
    existing.refresh_from_db()
    assert existing.status == BusinessStatus.SUBMITTED
    assert result.plan.notes and result.plan.notes[0][0] == 2
    assert "alur verifikasi" in result.plan.notes[0][1]


def test_existing_figures_of_another_year_are_left_alone(operator):
    existing = BusinessFactory(name="Batik Sekar Jagad", owner__name="Ni Made Sari")
    last_year = BusinessYearFactory(business=existing, year=YEAR - 1, turnover=1)
    run(csv_bytes([row()]), operator)
    assert existing.years.count() == 2
    last_year.refresh_from_db()
    assert last_year.turnover == 1


def test_no_query_per_row(operator, django_assert_max_num_queries):
    BusinessFactory(name="Ada", owner__name="Pemilik Ada", nib="9120000000099")
    small = csv_bytes([row(number) for number in range(1, 4)])
    large = csv_bytes([row(number) for number in range(1, 81)])
    with django_assert_max_num_queries(40) as small_queries:
        plan_of(small, operator)
    with django_assert_max_num_queries(40) as large_queries:
        result = run(large, operator)
    assert result.created == 80
    assert len(large_queries.captured_queries) <= len(small_queries.captured_queries) + 25  # writes: batches, history


def test_no_query_per_row_for_registered_businesses_in_a_sentra(operator, bali_regions, django_assert_max_num_queries):
    """Matching rows check the sentra rule of Business.clean() without a query each."""
    sentra = SentraFactory(name="Sentra Batik Tuban", village=bali_regions.tuban, kbli_id="13134")

    def registered(count):
        for number in range(1, count + 1):
            values = row(number)
            BusinessFactory(
                name=values["nama_usaha"],
                owner__name=values["nama_pemilik"],
                village=bali_regions.tuban,
                sentra=sentra,
                main_product="lama",
            )
        return csv_bytes([row(number, kode_wilayah="51.03.01.1001") for number in range(1, count + 1)])

    small = registered(3)
    with django_assert_max_num_queries(60) as small_queries:
        plan_of(small, operator)
    Business.objects.all().delete()
    large = registered(60)
    with django_assert_max_num_queries(60) as large_queries:
        plan = plan_of(large, operator)
    assert plan.counts["updated"] == 60
    assert len(large_queries.captured_queries) <= len(small_queries.captured_queries) + 5


# --- the command --------------------------------------------------------------------------------------------------


def command(path, *args):
    out, err = io.StringIO(), io.StringIO()
    try:
        call_command("import_businesses", str(path), *args, stdout=out, stderr=err)
    except CommandError as error:
        return False, out.getvalue(), err.getvalue() + str(error)
    return True, out.getvalue(), err.getvalue()


def test_command_refuses_a_file_with_invalid_rows_and_prints_every_error(operator, bad_file, tmp_path):
    path = write(tmp_path, "ikm.csv", bad_file)
    ok, out, err = command(path, "--user", "operator.badung")
    assert not ok
    assert "baris 3, kolom nama_usaha: Wajib diisi." in err
    assert "baris 13, kolom nib: NIB sama dengan baris 2." in err
    assert err.count("baris ") >= 16
    assert "16 tidak valid" in out
    assert Business.objects.count() == 0


def test_command_skip_invalid_writes_the_rest_and_a_rejects_file(operator, bad_file, tmp_path):
    path = write(tmp_path, "ikm.csv", bad_file)
    ok, out, _err = command(path, "--user", "operator.badung", "--skip-invalid")
    assert ok
    rejects = tmp_path / "ikm.rejects.csv"
    assert str(rejects) in out
    assert Business.objects.count() == 1
    with rejects.open(encoding="utf-8-sig", newline="") as handle:
        rejected = list(csv.DictReader(handle))
    assert [line["nama_usaha"] for line in rejected[1:]] == [f"Batik Sekar Jagad {n}" for n in range(3, 18)]
    assert rejected[0]["nama_usaha"] == ""  # the row whose name is missing
    assert len(rejected) == len(BAD_ROWS)
    assert rejected[1]["alasan"].startswith("nib: NIB harus terdiri dari 13 angka.")
    assert list(rejected[0])[-1] == "alasan"


def test_a_corrected_rejects_file_imports(operator, tmp_path):
    path = write(tmp_path, "ikm.csv", csv_bytes([row(1), row(2, kbli="99999")]))
    command(path, "--user", "operator.badung", "--skip-invalid")
    rejects = (tmp_path / "ikm.rejects.csv").read_text(encoding="utf-8-sig").replace("99999", "13134")
    fixed = write(tmp_path, "fixed.csv", rejects.encode())
    ok, _out, _err = command(fixed, "--user", "operator.badung")
    assert ok
    assert Business.objects.count() == 2


def test_command_dry_run_writes_nothing(operator, tmp_path):
    path = write(tmp_path, "ikm.xlsx", xlsx_bytes([[row()[column] for column in COLUMNS]]))
    ok, out, _err = command(path, "--user", "operator.badung", "--dry-run")
    assert ok and "1 baru" in out
    assert Business.objects.count() == 0


def test_command_year_and_counts(operator, tmp_path):
    path = write(tmp_path, "ikm.csv", csv_bytes([row(tahun_berdiri="2010")]))
    ok, out, _err = command(path, "--user", "operator.badung", "--year", "2023")
    assert ok and "1 baru" in out
    assert BusinessYear.objects.get().year == 2023
    ok, out, _err = command(path, "--user", "operator.badung", "--year", "2023")
    assert ok and "0 baru, 0 diperbarui, 1 tetap" in out


def test_command_user_must_be_one_who_may_change(bali_regions, kbli, tmp_path):
    staff_user(StaffRole.OFFICIAL, "51.03", username="kabid")
    path = write(tmp_path, "ikm.csv", csv_bytes([row()]))
    ok, _out, err = command(path, "--user", "kabid")
    assert not ok and "tidak boleh mengimpor" in err
    ok, _out, err = command(path, "--user", "nobody")
    assert not ok
