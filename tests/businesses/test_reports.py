"""PDF reports: the rekapitulasi's numbers against the database (via pdftotext), the page furniture, the
formatting filters, the chart helper and the admin "Laporan" page's scoping."""

import datetime
import io
import re
import shutil
import subprocess
import zoneinfo

import pytest
from django.db.models import Sum
from django.urls import reverse
from django.utils import translation

from businesses.models import BusinessYear
from businesses.reports.rekap import REKAP_STATUSES, RekapForm, RekapReport, rekap_figures
from ikm_registry.choices import StaffRole
from ikm_registry.reports import ReportError, all_reports, get_report
from ikm_registry.reports.charts import bar_chart
from ikm_registry.reports.formatting import long_date, number, printed_at, rupiah
from tests.factories import SYSTEM, UserFactory, office_for, staff_user
from tests.reports import YEAR, pdf_text, row_pattern


def rekap_pdf(region, user=SYSTEM, year=YEAR):
    form = RekapForm(data={"region": region.code, "year": year}, user=user)
    assert form.is_valid(), form.errors
    return RekapReport().render(user=user, params=form.cleaned_data, filter_description=form.describe())


def counted_rows(district=None):
    rows = BusinessYear.objects.filter(year=YEAR, business__status__in=REKAP_STATUSES)
    return rows.filter(business__village__parent=district) if district else rows.in_region("51.03")


# --- the numbers ----------------------------------------------------------------------------------------------


def test_rekap_per_kecamatan_matches_a_direct_count(rekap_data):
    text = pdf_text(rekap_pdf(rekap_data.badung))
    for district in (rekap_data.kuta, rekap_data.mengwi):
        rows = counted_rows(district)
        sums = rows.aggregate(m=Sum("workforce_male"), f=Sum("workforce_female"), i=Sum("investment"))
        expected = row_pattern(
            district.name,
            str(rows.count()),
            number(sums["m"]),
            number(sums["f"]),
            number(sums["m"] + sums["f"]),
            number(sums["i"]),
        )
        assert expected.search(text), f"{district.name} row not found in:\n{text}"
    assert row_pattern("Kuta", "3", "7", "4", "11", "3.234.567", "22.500.000").search(text)


def test_rekap_totals_match_the_database(rekap_data):
    text = pdf_text(rekap_pdf(rekap_data.badung))
    rows = counted_rows()
    assert rows.count() == 4
    total = rows.aggregate(i=Sum("investment"), p=Sum("production_value"))
    assert row_pattern("Jumlah", "4", "17", "24", "41", number(total["i"]), number(total["p"])).search(text)
    assert number(total["i"]) == "303.234.567"
    # The same totals close the KBLI and subsector tables: three "Jumlah" rows with the same figures.
    assert len(row_pattern("Jumlah", "4", "17", "24", "41").findall(text)) == 3


def test_rekap_per_kbli_division_and_subsector(rekap_data):
    text = pdf_text(rekap_pdf(rekap_data.badung))
    assert row_pattern("13 Industri tekstil", "2", "6", "4", "10").search(text)
    assert row_pattern("32 Industri pengolahan lainnya", "2", "11", "20", "31").search(text)
    assert row_pattern("Kriya", "2", "3", "3", "6").search(text)
    assert row_pattern("Bukan subsektor ekonomi kreatif", "2", "14", "21", "35").search(text)


def test_rekap_figures_aggregate_in_a_fixed_number_of_queries(rekap_data, django_assert_max_num_queries):
    with django_assert_max_num_queries(7):
        figures = rekap_figures(region=rekap_data.badung, year=YEAR, user=SYSTEM)
    assert [(row["label"], row["ikm"]) for row in figures["regions"]] == [("Kuta", 3), ("Mengwi", 1)]


def test_rekap_of_a_province_has_a_row_per_regency(rekap_data):
    figures = rekap_figures(region=rekap_data.bali, year=YEAR, user=SYSTEM)
    assert {row["code"]: row["ikm"] for row in figures["regions"]} == {"51.03": 4, "51.71": 1}
    assert figures["totals"]["ikm"] == 5


def test_rekap_restricted_to_the_user(rekap_data):
    operator = staff_user(StaffRole.OPERATOR, "51.03")
    figures = rekap_figures(region=rekap_data.bali, year=YEAR, user=operator)
    assert figures["totals"]["ikm"] == 4


def test_rekap_page_furniture(rekap_data):
    text = pdf_text(rekap_pdf(rekap_data.badung))
    pages = text.count("\f")
    assert re.search(rf"Halaman 1 dari {pages}\b", text)
    assert re.search(rf"Halaman {pages} dari {pages}\b", text)
    assert re.search(r"Dicetak pada \d{1,2} \w+ \d{4} pukul \d{2}\.\d{2} WITA", text)  # Bali: the office's own zone
    assert "DINAS PERINDUSTRIAN DAN PERDAGANGAN KABUPATEN BADUNG" in text
    assert "PEMERINTAH KABUPATEN BADUNG" in text
    assert "REKAPITULASI IKM KABUPATEN BADUNG TAHUN 2025" in text
    assert "I Made Contoh, S.T." in text
    assert "NIP 197208171998031007" in text
    assert re.search(r"Badung, \d{1,2} \w+ \d{4}", text)


def test_letterhead_falls_back_to_the_nearest_ancestor_office(rekap_data):
    office_for("51")  # the province has an office; Denpasar has none
    text = pdf_text(rekap_pdf(rekap_data.denpasar))
    assert "Disperindag Bali".upper() in text.upper()


def test_fonts_are_embedded(rekap_data, tmp_path):
    if shutil.which("pdffonts") is None:
        pytest.skip("pdffonts not found")
    path = tmp_path / "rekap.pdf"
    path.write_bytes(rekap_pdf(rekap_data.badung))
    listing = subprocess.run(["pdffonts", str(path)], capture_output=True, text=True, check=True).stdout
    fonts = listing.splitlines()[2:]
    assert fonts and all(" yes " in line for line in fonts), listing
    assert any("Report-Sans" in line for line in fonts)


# --- registry, formatting, chart ------------------------------------------------------------------------------


def test_registry_lists_the_rekap():
    assert "rekap" in [report.name for report in all_reports()]
    assert get_report("rekap") is RekapReport
    with pytest.raises(ReportError):
        get_report("tidak-ada")


def test_number_formatting():
    assert number(1234567) == "1.234.567"
    assert number(0) == "0"
    assert number(None) == "–"
    assert rupiah(1234567) == "Rp 1.234.567"
    assert rupiah(None) == "–"


def test_dates_in_the_active_language():
    assert long_date(datetime.date(2026, 8, 17)) == "17 Agustus 2026"
    with translation.override("en"):
        assert long_date(datetime.date(2026, 8, 17)) == "17 August 2026"


def test_printed_at_in_western_indonesian_time():
    moment = datetime.datetime(2026, 11, 22, 7, 5, tzinfo=zoneinfo.ZoneInfo("UTC"))
    assert printed_at(moment) == "22 November 2026 pukul 14.05 WIB"


def test_bar_chart_is_svg_with_the_labels():
    svg = bar_chart(["Kuta", "Mengwi"], [1200, 3], title="Jumlah IKM")
    assert svg.startswith("<svg")
    assert "Kuta" in svg and "Mengwi" in svg and "1.200" in svg


# --- the admin "Laporan" page --------------------------------------------------------------------------------


def post_rekap(client, user, region_code):
    client.force_login(user)
    return client.post(
        reverse("admin:reports") + "?report=rekap", {"report": "rekap", "region": region_code, "year": YEAR}
    )


def test_admin_home_links_to_the_reports(client, bali_regions):
    client.force_login(staff_user(StaffRole.OPERATOR, "51.03"))
    response = client.get(reverse("admin:index"))
    assert reverse("admin:reports") in response.content.decode()


def test_operator_choices_are_their_region(client, bali_regions):
    client.force_login(staff_user(StaffRole.OPERATOR, "51.03"))
    page = client.get(reverse("admin:reports") + "?report=rekap").content.decode()
    assert 'value="51.03"' in page and 'value="51.03.01"' in page
    assert 'value="51.71"' not in page and 'value="51"' not in page


def test_operator_of_badung_cannot_report_on_denpasar(client, rekap_data):
    response = post_rekap(client, staff_user(StaffRole.OPERATOR, "51.03"), "51.71")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/html")
    assert "di luar wilayah kerja Anda" in response.content.decode()


def test_official_downloads_the_rekap(client, rekap_data):
    response = post_rekap(client, staff_user(StaffRole.OFFICIAL, "51.03"), "51.03")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert "attachment" in response["Content-Disposition"]
    text = pdf_text(response.content)
    assert row_pattern("Jumlah", "4", "17", "24", "41").search(text)


def test_national_staff_download_the_rekap_of_indonesia_from_the_admin(client, rekap_data):
    national = staff_user(StaffRole.NATIONAL, "31")
    client.force_login(national)
    page = client.get(reverse("admin:reports") + "?report=rekap").content.decode()
    assert "Seluruh Indonesia" in page  # the empty region is offered, named
    response = post_rekap(client, national, "")
    assert response.status_code == 200, response.content.decode()[:500]
    assert response["Content-Type"] == "application/pdf"
    text = pdf_text(response.content)
    assert f"Rekapitulasi IKM Indonesia Tahun {YEAR}" in text
    assert row_pattern("Bali", "5").search(text)  # one row per province
    # Province staff may not leave it empty: the form says so, no PDF.
    response = post_rekap(client, staff_user(StaffRole.OPERATOR, "51"), "")
    assert response["Content-Type"].startswith("text/html")
    assert "Seluruh Indonesia" not in response.content.decode()


def test_staff_without_an_office_are_refused(client, bali_regions):
    client.force_login(UserFactory(is_staff=True))
    assert client.get(reverse("admin:reports")).status_code == 403


def test_chart_ticks_are_whole_numbers():
    from ikm_registry.reports.charts import integer_ticks

    assert integer_ticks(2) == [0, 1, 2]
    assert integer_ticks(18) == [0, 2, 4, 6, 8, 10, 12, 14, 16, 18]
    assert integer_ticks(62) == [0, 10, 20, 30, 40, 50, 60, 70]


def test_letterhead_logo_is_drawn(rekap_data, settings, tmp_path):
    if shutil.which("pdfimages") is None:
        pytest.skip("pdfimages not found")
    from django.core.files.base import ContentFile
    from PIL import Image

    settings.MEDIA_ROOT = str(tmp_path)
    buffer = io.BytesIO()
    Image.new("RGB", (40, 40), "red").save(buffer, "PNG")
    office = office_for("51.03")
    office.logo.save("logo.png", ContentFile(buffer.getvalue()))
    path = tmp_path / "rekap.pdf"
    path.write_bytes(rekap_pdf(rekap_data.badung))
    listing = subprocess.run(["pdfimages", "-list", str(path)], capture_output=True, text=True, check=True).stdout
    assert len(listing.splitlines()) == 3, listing  # two header lines and the logo


def test_title_of_a_kecamatan(rekap_data):
    assert "REKAPITULASI IKM KECAMATAN KUTA TAHUN 2025" in pdf_text(rekap_pdf(rekap_data.kuta))


def test_a_report_leaves_pillow_strict_about_truncated_images(db):
    """WeasyPrint's import makes Pillow accept truncated images process-wide; after a report, a broken photo upload
    must still be refused (businesses/photos.py)."""
    from PIL import ImageFile

    from ikm_registry.reports.base import html_to_pdf

    assert html_to_pdf("<p>Uji</p>").startswith(b"%PDF")
    assert ImageFile.LOAD_TRUNCATED_IMAGES is False
