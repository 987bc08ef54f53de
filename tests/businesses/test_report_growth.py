"""Pertumbuhan IKM: registered / active / closed businesses, workforce and growth per year against figures worked
out by hand from the definitions (businesses/reports/growth.py), read back from the PDF with pdftotext; the form's
validation, the command and the number of queries."""

import re
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse
from django.utils import timezone

from businesses.choices import BusinessStatus
from businesses.reports.growth import GrowthForm, GrowthReport, growth, growth_figures, percent
from ikm_registry.choices import StaffRole
from ikm_registry.reports import get_report
from ikm_registry.reports.charts import line_chart
from tests.factories import SYSTEM, BusinessFactory, BusinessYearFactory, staff_user
from tests.reports import pdf_text, row_pattern

FROM, TO = 2022, 2024  # the report's range; 2021 is the base of the first year's growth


@pytest.fixture
def growth_data(bali_regions):
    """Badung: Kuta (a, b, c) and Mengwi (e, f, g) count; the rest must not. Workforce per data year in brackets.

    a  Kuta    verified   founded 2015  figures 2021 (10), 2022 (12), 2023 (13), 2024 (17)
    b  Kuta    published  founded –     figures 2023 (4), 2024 (5)                     → registered from 2023
    c  Kuta    inactive   founded 2020  figures 2021 (3), 2022 (3)                     → closed in 2023
    e  Mengwi  verified   founded 2023  figures 2022 (6), 2024 (7)   → registered from 2022 (figures before founding)
    f  Mengwi  inactive   founded 2019  figures 2021 (2)                               → closed in 2022
    g  Mengwi  published  founded 2024  no figures                                     → registered 2024, never active
    not counted: a draft in Kuta with figures, a verified business in Mengwi with no founding year and no figures,
    a verified business in Denpasar (outside Badung).
    """

    def business(village, status, founded, figures):
        made = BusinessFactory(village=village, status=status, year_founded=founded)
        for year, workforce in figures.items():
            BusinessYearFactory(business=made, year=year, workforce_male=workforce, workforce_female=0)
        return made

    r = bali_regions
    business(r.tuban, BusinessStatus.VERIFIED, 2015, {2021: 10, 2022: 12, 2023: 13, 2024: 17})
    business(r.kuta_village, BusinessStatus.PUBLISHED, None, {2023: 4, 2024: 5})
    business(r.tuban, BusinessStatus.INACTIVE, 2020, {2021: 3, 2022: 3})
    business(r.munggu, BusinessStatus.VERIFIED, 2023, {2022: 6, 2024: 7})
    business(r.munggu, BusinessStatus.INACTIVE, 2019, {2021: 2})
    business(r.munggu, BusinessStatus.PUBLISHED, 2024, {})
    business(r.tuban, BusinessStatus.DRAFT, 2010, {2022: 50, 2023: 50, 2024: 50})
    business(r.munggu, BusinessStatus.VERIFIED, None, {})
    business(r.serangan, BusinessStatus.VERIFIED, 2000, {2022: 9, 2023: 9, 2024: 9})
    return r


# Worked out by hand from the table above, per year 2021 (base), 2022, 2023, 2024.
KUTA = {"registered": [2, 2, 3, 3], "active": [2, 2, 2, 2], "closed": [0, 0, 1, 0], "workforce": [13, 15, 17, 22]}
MENGWI = {"registered": [1, 2, 2, 3], "active": [1, 1, 0, 1], "closed": [0, 1, 0, 0], "workforce": [2, 6, 0, 7]}
TOTAL = {"registered": [3, 4, 5, 6], "active": [3, 3, 2, 3], "closed": [0, 1, 1, 0], "workforce": [15, 21, 17, 29]}


def by_year(values):
    return dict(zip(range(FROM - 1, TO + 1), values, strict=True))


def growth_pdf(region, user=SYSTEM, year_from=FROM, year_to=TO):
    form = GrowthForm(data={"region": region.code, "year_from": year_from, "year_to": year_to}, user=user)
    assert form.is_valid(), form.errors
    return GrowthReport().render(user=user, params=form.cleaned_data, filter_description=form.describe())


def section(text: str, start: str, end: str | None) -> str:
    """The part of the PDF text from heading `start` to heading `end` (None: to the end)."""
    begin = text.index(start)
    return text[begin : text.index(end, begin) if end else None]


# --- the figures ----------------------------------------------------------------------------------------------


def test_figures_per_kecamatan_and_totals(growth_data):
    figures = growth_figures(region=growth_data.badung, year_from=FROM, year_to=TO, user=SYSTEM)
    assert figures["years"] == [2022, 2023, 2024]
    kuta, mengwi = figures["children"]
    assert (kuta["label"], mengwi["label"]) == ("Kuta", "Mengwi")
    for measure in ("registered", "active", "closed", "workforce"):
        assert kuta[measure] == by_year(KUTA[measure]), measure
        assert mengwi[measure] == by_year(MENGWI[measure]), measure
        assert figures["totals"][measure] == by_year(TOTAL[measure]), measure


def test_figures_in_a_constant_number_of_queries(growth_data, django_assert_max_num_queries):
    # The regions, active, registered and closed businesses, and whether stored report figures hold.
    with django_assert_max_num_queries(5):
        growth_figures(region=growth_data.badung, year_from=FROM, year_to=TO, user=SYSTEM)
    # More businesses, a province and a longer range: the same queries.
    for _ in range(3):
        BusinessYearFactory(business=BusinessFactory(village=growth_data.munggu, year_founded=2018), year=2023)
    with django_assert_max_num_queries(5):
        growth_figures(region=growth_data.bali, year_from=2010, year_to=TO, user=SYSTEM)


def test_figures_restricted_to_the_user(growth_data):
    operator = staff_user(StaffRole.OPERATOR, "51.03")
    figures = growth_figures(region=growth_data.bali, year_from=FROM, year_to=TO, user=operator)
    assert [child["code"] for child in figures["children"]] == ["51.03", "51.71"]
    assert figures["totals"]["active"] == by_year(TOTAL["active"])  # Denpasar's business is out of sight


def test_province_rows_are_regencies(growth_data):
    figures = growth_figures(region=growth_data.bali, year_from=FROM, year_to=TO, user=SYSTEM)
    active = {child["code"]: child["active"][TO] for child in figures["children"]}
    assert active == {"51.03": 3, "51.71": 1}


def test_growth_and_percent_formatting():
    assert percent(growth(1000, 1058)) == "5,8 %"
    assert percent(growth(3, 2)) == "-33,3 %"
    assert percent(growth(0, 5)) == "–"
    assert percent(growth(4, 4)) == "0,0 %"


# --- the PDF ----------------------------------------------------------------------------------------------------


def test_pdf_summary_per_year(growth_data):
    text = pdf_text(growth_pdf(growth_data.badung))
    summary = section(text, "A. Ringkasan per tahun", "B. ")
    # year, registered, active, closed, active growth, workforce, workforce growth
    assert row_pattern("2022", "4", "3", "1", "0,0 %", "21", "40,0 %").search(summary), summary
    assert row_pattern("2023", "5", "2", "1", "-33,3 %", "17", "-19,0 %").search(summary), summary
    assert row_pattern("2024", "6", "3", "0", "50,0 %", "29", "70,6 %").search(summary), summary


@pytest.mark.parametrize(
    ("start", "end", "rows"),
    [
        (
            "B. IKM terdaftar",
            "C. ",
            {
                "Kuta": ["2", "3", "3", "50,0 %"],
                "Mengwi": ["2", "2", "3", "50,0 %"],
                "Jumlah": ["4", "5", "6", "50,0 %"],
            },
        ),
        (
            "C. IKM aktif",
            "D. ",
            {"Kuta": ["2", "2", "2", "0,0 %"], "Mengwi": ["1", "0", "1", "0,0 %"], "Jumlah": ["3", "2", "3", "0,0 %"]},
        ),
        (
            "D. Pertumbuhan IKM aktif",
            "E. ",
            {
                "Kuta": ["0,0 %", "0,0 %", "0,0 %", "0,0 %"],
                "Mengwi": ["0,0 %", "-100,0 %", "–", "0,0 %"],  # 2024: Mengwi had no active business in 2023
                "Jumlah": ["0,0 %", "-33,3 %", "50,0 %", "0,0 %"],
            },
        ),
        (
            "E. IKM tutup",
            "F. ",
            {"Kuta": ["0", "1", "0", "1"], "Mengwi": ["1", "0", "0", "1"], "Jumlah": ["1", "1", "0", "2"]},
        ),
        (
            "F. Tenaga kerja",
            "G. ",
            {
                "Kuta": ["15", "17", "22", "46,7 %"],
                "Mengwi": ["6", "0", "7", "16,7 %"],
                "Jumlah": ["21", "17", "29", "38,1 %"],
            },
        ),
        (
            "G. Pertumbuhan tenaga kerja",
            None,
            {
                "Kuta": ["15,4 %", "13,3 %", "29,4 %", "46,7 %"],
                "Mengwi": ["200,0 %", "-100,0 %", "–", "16,7 %"],
                "Jumlah": ["40,0 %", "-19,0 %", "70,6 %", "38,1 %"],
            },
        ),
    ],
)
def test_pdf_tables_per_kecamatan(growth_data, start, end, rows):
    text = section(pdf_text(growth_pdf(growth_data.badung)), start, end)
    for label, cells in rows.items():
        pattern = re.compile(r"\d\s+" + row_pattern(label, *cells).pattern, re.M)
        if label == "Jumlah":
            pattern = row_pattern(label, *cells)
        assert pattern.search(text), f"{label} {cells} not in:\n{text}"


def test_pdf_title_definitions_and_page_furniture(growth_data):
    text = pdf_text(growth_pdf(growth_data.badung))
    assert "PERTUMBUHAN IKM KABUPATEN BADUNG TAHUN 2022–2024" in text
    assert "Tahun data" in text and "2022–2024" in text
    flat = " ".join(text.split())
    assert "Tutup pada tahun T: IKM tidak aktif yang data tahunan terakhirnya tahun T−1" in flat
    assert "dibandingkan dengan tahun sebelumnya (2021)" in flat
    assert "Halaman 1 dari" in text


def test_fifteen_years_fit_the_page(growth_data):
    text = pdf_text(growth_pdf(growth_data.badung, year_from=TO - 14, year_to=TO))
    header = section(text, "C. IKM aktif", "D. ")
    assert re.search(r"Kecamatan\s+" + r"\s+".join(str(year) for year in range(2010, 2025)), header), header
    # 2010–2020 have no yearly figures at all: "tidak ada data" once across them, not eleven zeros
    assert row_pattern("Jumlah", "tidak ada data", "3", "3", "2", "3", "–").search(header), header


def test_line_chart_is_svg_with_the_series():
    svg = line_chart(["2023", "2024"], {"Aktif": [1200, 3], "Terdaftar": [1300, 4]}, dashed=("Terdaftar",))
    assert svg.startswith("<svg")
    assert "Aktif" in svg and "Terdaftar" in svg and "1.200" in svg
    assert "stroke-dasharray" in svg


# --- the form ---------------------------------------------------------------------------------------------------


def form(user=SYSTEM, **data):
    return GrowthForm(data={"region": "51.03", "year_from": FROM, "year_to": TO, **data}, user=user)


def test_form_valid(bali_regions):
    assert form().is_valid()
    assert form(year_from=TO).is_valid()  # a single year


def test_form_from_after_to(bali_regions):
    f = form(year_from=TO, year_to=FROM)
    assert not f.is_valid()
    assert "Tahun awal tidak boleh setelah tahun akhir." in f.errors["__all__"]


def test_form_future_year(bali_regions):
    next_year = timezone.localdate().year + 1
    f = form(year_to=next_year)
    assert not f.is_valid()
    assert "year_to" in f.errors


def test_form_at_most_fifteen_years(bali_regions):
    assert form(year_from=TO - 14).is_valid()
    f = form(year_from=TO - 15)
    assert not f.is_valid()
    assert "Rentang paling banyak 15 tahun." in f.errors["__all__"]


def test_form_region_outside_the_users_scope(bali_regions):
    operator = staff_user(StaffRole.OPERATOR, "51.03")
    assert form(user=operator, region="51.03.01").is_valid()
    f = form(user=operator, region="51.71")
    assert not f.is_valid()
    assert "di luar wilayah kerja Anda" in " ".join(f.errors["region"])


# --- the two doors -----------------------------------------------------------------------------------------------


def run(*args):
    out = StringIO()
    call_command("render_report", *args, stdout=out)
    return out.getvalue()


def test_registered_as_pertumbuhan():
    assert get_report("pertumbuhan") is GrowthReport


def test_command(growth_data, tmp_path):
    assert "pertumbuhan" in run("--list")
    output = tmp_path / "growth.pdf"
    run("pertumbuhan", "--region", "51.03", "--year-from", str(FROM), "--year-to", str(TO), "--output", str(output))
    summary = section(pdf_text(output.read_bytes()), "A. Ringkasan per tahun", "B. ")
    assert row_pattern("2024", "6", "3", "0", "50,0 %", "29", "70,6 %").search(summary)


def test_command_takes_the_years_as_generic_params_too(growth_data, tmp_path):
    output = tmp_path / "growth.pdf"
    run(
        "pertumbuhan",
        "--region",
        "51.03",
        "--param",
        f"year-from={FROM}",
        "--param",
        f"year_to={TO}",
        "--output",
        str(output),
    )
    assert "PERTUMBUHAN IKM KABUPATEN BADUNG TAHUN 2022–2024" in pdf_text(output.read_bytes())


def test_command_refuses_a_bad_range(growth_data, tmp_path):
    output = tmp_path / "growth.pdf"
    with pytest.raises(CommandError, match="Tahun awal tidak boleh setelah tahun akhir"):
        run("pertumbuhan", "--region", "51.03", "--year-from", "2024", "--year-to", "2022", "--output", str(output))
    with pytest.raises(CommandError, match="--year-to"):
        run("pertumbuhan", "--region", "51.03", "--year-from", "2024", "--output", str(output))
    assert not output.exists()


def test_command_user_outside_scope(growth_data, tmp_path):
    staff_user(StaffRole.OPERATOR, "51.03", username="operator-badung")
    with pytest.raises(CommandError, match="di luar wilayah kerja"):
        run(
            "pertumbuhan",
            *("--region", "51.71", "--year-from", str(FROM), "--year-to", str(TO)),
            *("--user", "operator-badung", "--output", str(tmp_path / "x.pdf")),
        )


def test_admin_page_downloads_the_report(client, growth_data):
    client.force_login(staff_user(StaffRole.OFFICIAL, "51.03"))
    response = client.post(
        reverse("admin:reports") + "?report=pertumbuhan",
        {"report": "pertumbuhan", "region": "51.03", "year_from": FROM, "year_to": TO},
    )
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert row_pattern("Jumlah", "4", "5", "6", "50,0 %").search(pdf_text(response.content))
