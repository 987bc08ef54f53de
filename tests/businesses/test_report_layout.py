"""What officials found wrong on the printed reports (issue 13 point 11): chart labels on top of each other, a last
page holding only a totals row and the signature, Pertumbuhan's zeros for years nobody collected, the report forms
(the user's region preselected, the admin's look) and the Daftar IKM's default statuses."""

import re
import subprocess
from types import SimpleNamespace

import pytest
from django.template import Context, Template
from django.urls import reverse

from businesses.choices import BusinessStatus
from businesses.reports.growth import GrowthForm, GrowthReport
from businesses.reports.listing import DaftarForm, DaftarIkmReport, daftar_rows
from businesses.reports.rekap import RekapForm, RekapReport
from ikm_registry.choices import StaffRole
from ikm_registry.reports.base import Report, html_to_pdf
from ikm_registry.reports.charts import (
    BAR_CHART_FRAME,
    BAR_PITCH,
    bar_chart,
    bar_charts,
    line_chart,
    page_chart_height,
)
from tests.factories import (
    SYSTEM,
    BusinessFactory,
    BusinessYearFactory,
    make_region,
    make_village,
    office_for,
    staff_user,
)
from tests.reports import YEAR, pdf_text, row_pattern

# --- charts: every label clear of every other, measured in the printed PDF -----------------------------------------


def printed_words(svg: str) -> list[tuple[str, float, float, float, float]]:
    """The words of a chart as WeasyPrint prints it, with their boxes (poppler's pdftotext -bbox)."""
    pdf = html_to_pdf(f'<html><body style="margin:0"><div style="width:180mm">{svg}</div></body></html>')
    xml = subprocess.run(["pdftotext", "-bbox", "-", "-"], input=pdf, capture_output=True, check=True).stdout.decode()
    pattern = r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">([^<]*)</word>'
    return [(text, float(x0), float(y0), float(x1), float(y1)) for x0, y0, x1, y1, text in re.findall(pattern, xml)]


def overlaps(words) -> list[tuple[str, str]]:
    found = []
    for index, (text, x0, y0, x1, y1) in enumerate(words):
        for other, a0, b0, a1, b1 in words[index + 1 :]:
            # a hair of tolerance: a glyph's box touching its neighbour's is not a label on top of another
            if x0 < a1 - 0.3 and a0 < x1 - 0.3 and y0 < b1 - 0.3 and b0 < y1 - 0.3:
                found.append((text, other))
    return found


LONG_NAMES = [f"Kecamatan Dengan Nama Yang Sangat Panjang Sekali Nomor {n}" for n in range(1, 31)]


def test_a_bar_chart_with_long_names_and_many_bars_has_no_label_on_another():
    values = [number * 37 % 500 + (number % 3) for number in range(30)]
    words = printed_words(bar_chart(LONG_NAMES, values, title="Jumlah IKM per kecamatan"))
    assert overlaps(words) == []
    texts = [word[0] for word in words]
    assert texts.count("Kecamatan") == 30  # every bar named (cut with an ellipsis, not left out)
    assert sum(text.isdigit() for text in texts) >= 30  # the values after the bars and the axis ticks


def test_a_bar_chart_of_large_values_thins_its_axis_rather_than_crowd_it():
    words = printed_words(bar_chart(LONG_NAMES[:5], [1_234_567, 2_345_678, 3_456_789, 10, 4_567_890]))
    assert overlaps(words) == []
    assert "4.567.890" in [word[0] for word in words]


def test_a_line_chart_of_two_close_series_over_fifteen_years_has_no_label_on_another():
    years = [str(year) for year in range(2011, 2026)]
    series = {
        "IKM aktif": [12_000 + 15 * n for n in range(15)],
        "IKM terdaftar": [12_010 + 18 * n for n in range(15)],  # a few businesses apart: the values would collide
    }
    words = printed_words(line_chart(years, series, title="Jumlah IKM per tahun", dashed=("IKM terdaftar",)))
    assert overlaps(words) == []
    texts = [word[0] for word in words]
    assert all(year in texts for year in years)  # every year on the axis
    assert "12.000" in texts and "IKM" in texts  # values of the first line, and the legend


def test_a_line_chart_with_a_year_without_figures_has_a_gap():
    svg = line_chart(["2022", "2023", "2024"], {"IKM aktif": [5, None, 7], "IKM terdaftar": [6, 6, 8]})
    assert overlaps(printed_words(svg)) == []
    assert svg.count("<circle") == 2 + 3  # no point (and no 0) for 2023 on the first line


# --- charts: inside the page, however many bars -----------------------------------------------------------------------


def chart_height(svg: str) -> float:
    return float(re.search(r'viewBox="0 0 [\d.]+ ([\d.]+)"', svg).group(1))


def printed_pages(pdf: bytes) -> list[tuple[float, list[tuple[str, float, float]]]]:
    """Each page of a PDF as its height and its words with their top and bottom (pt, from the top; pdftotext -bbox)."""
    xml = subprocess.run(["pdftotext", "-bbox", "-", "-"], input=pdf, capture_output=True, check=True).stdout.decode()
    pages = []
    for height, body in re.findall(r'<page width="[\d.]+" height="([\d.]+)">(.*?)</page>', xml, re.S):
        words = re.findall(r'<word xMin="[\d.]+" yMin="([\d.]+)" xMax="[\d.]+" yMax="([\d.]+)">([^<]*)</word>', body)
        pages.append((float(height), [(text, float(top), float(bottom)) for top, bottom, text in words]))
    return pages


@pytest.fixture
def east_java(db):
    """Jawa Timur's 38 regencies and cities (29 + 9, as many as the largest province has) with a business counted in
    the first and one in the last."""
    province = make_region("35", "Jawa Timur")
    codes = [f"35.{n:02d}" for n in range(1, 30)] + [f"35.{n}" for n in range(71, 80)]
    for number, code in enumerate(codes, start=1):
        make_region(code, f"{'Kota' if code >= '35.71' else 'Kabupaten'} Contoh {number:02d}")
    for code in (codes[0], codes[-1]):
        business = BusinessFactory(village=make_village(f"{code}.01.2001"))
        BusinessYearFactory(business=business, year=YEAR, workforce_male=3)
    return province


def test_the_rekap_of_a_province_of_38_regencies_prints_its_whole_chart_inside_the_page(east_java):
    """Every bar of the chart and its name are printed, above the bottom margin: the only words there are the
    footer's (a chart 38 bars tall at the usual thickness ran over the footer and off the page)."""
    form = RekapForm(data={"region": "35", "year": YEAR}, user=SYSTEM)
    assert form.is_valid(), form.errors
    pdf = RekapReport().render(user=SYSTEM, params=form.cleaned_data)
    bottom_margin = 18 / 25.4 * 72  # templates/reports/base.html: @page margin-bottom 18mm
    footer = re.compile(
        r"Rekapitulasi IKM Jawa Timur Tahun \d{4} — Dicetak pada \d+ \w+ \d{4} pukul \d+\.\d+ WI[BT]A? "
        r"Halaman \d+ dari \d+"
    )
    for height, words in printed_pages(pdf):
        in_margin = " ".join(text for text, top, bottom in words if bottom > height - bottom_margin)
        assert footer.fullmatch(in_margin), in_margin
    text = pdf_text(pdf)
    for number in range(1, 39):
        # in the table and in the chart
        assert len(re.findall(rf"(Kabupaten|Kota) Contoh {number:02d}\b", text)) == 2, number


def test_bar_charts_of_a_few_bars_keep_their_thickness():
    """Bali's nine regencies: one chart, as tall as it ever was."""
    charts = bar_charts(
        LONG_NAMES[:9], list(range(9)), title="Jumlah IKM", max_height=page_chart_height(landscape=True)
    )
    assert len(charts) == 1
    assert chart_height(charts[0]) == BAR_CHART_FRAME + BAR_PITCH * 9


def test_bar_charts_thin_their_bars_to_fit_a_page_and_split_past_the_thinnest():
    page = page_chart_height(landscape=True)
    (forty,) = bar_charts((LONG_NAMES * 2)[:40], list(range(40)), max_height=page)  # ~ the 38 provinces
    assert chart_height(forty) <= page < BAR_CHART_FRAME + BAR_PITCH * 40
    names = [f"Desa Nomor {n:03d}" for n in range(1, 109)]  # Abenaho (Papua Pegunungan) has 108 villages
    charts = bar_charts(names, list(range(108)), title="Jumlah IKM per desa/kelurahan", max_height=page)
    assert len(charts) == 3
    assert {chart_height(chart) for chart in charts} == {chart_height(charts[0])} and chart_height(charts[0]) <= page
    assert "Jumlah IKM per desa/kelurahan (lanjutan)" in charts[1] and "(lanjutan)" not in charts[0]
    printed = [re.findall(r"Desa Nomor \d{3}", chart) for chart in charts]
    assert [name for part in printed for name in sorted(set(part))] == names  # every bar, in its figure
    # one value axis: the same ticks up to the largest value in each
    ticks = [re.findall(r'<text [^>]*class="[^"]*major[^"]*"[^>]*>([\d.]+)</text>', chart) for chart in charts]
    assert ticks[0] == ticks[1] == ticks[2] and ticks[0], ticks


# --- page breaks: the last rows go over with the totals row and the signature ----------------------------------------

TOY = Template(
    """{% extends "reports/base.html" %}{% block content %}
<table class="data"><thead><tr><th>No.</th><th>Nama</th><th>Jumlah</th></tr></thead><tbody>
{% for n in rows %}<tr><td class="no">{{ n }}</td><td>Baris data {{ n }}</td><td class="num">1</td></tr>{% endfor %}
<tr class="total"><td></td><td>Jumlah total</td><td class="num">{{ rows|length }}</td></tr>
</tbody></table>{% endblock %}
{% block closing_note %}<p class="note">Catatan penutup.</p>{% endblock %}"""
)


class RowsReport(Report):
    """A table of `n` one-line rows, a totals row, the closing note and the signature, on the report layout."""

    name = "test-rows"

    def get_context(self, *, user, params):
        return {"rows": range(1, params["n"] + 1)}

    def render_pdf(self, context, **options):
        return html_to_pdf(TOY.render(Context(context)))


@pytest.fixture
def signing_office(db):
    office = office_for("51.03")
    office.head_name, office.head_nip = "Ir. Kepala Dinas", "197001011990031001"
    office.save()
    return office


def pages_of(pdf: bytes) -> list[str]:
    return pdf_text(pdf).split("\f")[:-1]


def test_a_table_whose_rows_fill_a_page_takes_rows_along_with_its_total_and_signature(signing_office):
    """From a table that fits one page with its signature to one whose rows exactly fill the page, and a few rows on:
    the page with the signature always holds the totals row and at least two data rows, and no page starts with the
    totals row."""
    region = make_region("51.03")
    page_counts = set()
    for n in range(16, 34):
        pages = pages_of(RowsReport().render(user=SYSTEM, params={"region": region, "n": n}))
        page_counts.add(len(pages))
        signed = [page for page in pages if "Ir. Kepala Dinas" in page]
        assert len(signed) == 1, n
        assert "Jumlah total" in signed[0] and "Catatan penutup." in signed[0], n
        assert len(re.findall(r"Baris data \d+", signed[0])) >= 2, (n, signed[0])
    assert page_counts == {1, 2}, page_counts  # the range crossed the end of the first page


def test_the_daftar_ikm_whose_rows_fill_a_page_keeps_rows_with_its_signature(bali_regions, kbli, signing_office):
    made, seen_two_pages = 0, False
    for n in range(14, 26):
        while made < n:
            BusinessFactory(name=f"Usaha Nomor {made:03d}", village=bali_regions.tuban, kbli=kbli.batik)
            made += 1
        form = DaftarForm(data={"region": "51.03"}, user=SYSTEM)
        assert form.is_valid(), form.errors
        pages = pages_of(DaftarIkmReport().render(user=SYSTEM, params=form.cleaned_data))
        seen_two_pages |= len(pages) == 2
        last = pages[-1]
        assert "Ir. Kepala Dinas" in last
        assert len(re.findall(r"^\s*\d+\s+Usaha Nomor", last, re.M)) >= 2, (n, last)
    assert seen_two_pages


# --- Pertumbuhan ---------------------------------------------------------------------------------------------------


@pytest.fixture
def gap_years(bali_regions):
    """Badung with figures for 2021, 2022 and 2024 and none at all for 2023 (the pendataan was skipped)."""
    for village, founded in ((bali_regions.tuban, 2010), (bali_regions.munggu, 2015)):
        business = BusinessFactory(village=village, year_founded=founded, status=BusinessStatus.VERIFIED)
        for year in (2021, 2022, 2024):
            BusinessYearFactory(business=business, year=year, workforce_male=3, workforce_female=1)
    return bali_regions


def growth_text(user=SYSTEM, **data):
    form = GrowthForm(data={"region": "51.03", **data}, user=user)
    assert form.is_valid(), form.errors
    return pdf_text(GrowthReport().render(user=user, params=form.cleaned_data, filter_description=form.describe()))


def test_pertumbuhan_marks_a_year_without_figures_rather_than_zero(gap_years):
    text = growth_text(year_from=2022, year_to=2024)
    summary = text[text.index("A. Ringkasan") : text.index("B. ")]
    assert row_pattern("2023", "2", "tidak ada data", "tidak ada data", "tidak ada data", "tidak ada data").search(
        summary
    ), summary
    assert row_pattern("2024", "2", "2", "0", "–", "8", "–").search(summary), summary  # no growth from a gap year
    active = text[text.index("C. IKM aktif") : text.index("D. ")]
    assert row_pattern("Jumlah", "2", "tidak ada data", "2", "0,0 %").search(active), active
    flat = " ".join(text.split())
    assert "Tidak ada data: belum ada data tahunan IKM di wilayah ini untuk tahun 2023" in flat


def test_pertumbuhan_offers_the_years_that_have_figures(gap_years):
    operator = staff_user(StaffRole.OPERATOR, "51.03")
    form = GrowthForm(user=operator)
    assert (form.fields["year_from"].initial, form.fields["year_to"].initial) == (2021, 2024)
    assert form["region"].value() == "51.03"


def test_pertumbuhan_without_any_figures_keeps_the_usual_range(bali_regions):
    form = GrowthForm(user=staff_user(StaffRole.OPERATOR, "51.03"))
    year_from = form.fields["year_from"].initial
    assert callable(year_from)  # the last five years, as before


def test_pertumbuhan_offers_at_most_fifteen_years(bali_regions):
    business = BusinessFactory(village=bali_regions.tuban)
    for year in (2000, 2024):
        BusinessYearFactory(business=business, year=year)
    form = GrowthForm(user=staff_user(StaffRole.OPERATOR, "51.03"))
    assert (form.fields["year_from"].initial, form.fields["year_to"].initial) == (2010, 2024)


# --- the forms: the user's region, the admin's look, the Daftar's statuses ----------------------------------------------

REPORTS_URL = reverse("admin:reports")


@pytest.mark.parametrize(
    ("role", "region", "selected"),
    [
        (StaffRole.OPERATOR, "51.03", "51.03"),
        (StaffRole.OFFICIAL, "51.03", "51.03"),
        (StaffRole.PROVINCE, "51", "51"),
    ],
)
def test_the_report_form_preselects_the_users_region(client, bali_regions, role, region, selected):
    client.force_login(staff_user(role, region))
    page = client.get(REPORTS_URL, {"report": "rekap"}).content.decode()
    assert re.search(rf'<option value="{re.escape(selected)}" selected>', page), page


def test_a_superuser_gets_no_region_preselected(admin_client, bali_regions):
    page = admin_client.get(REPORTS_URL, {"report": "rekap"}).content.decode()
    options = page.split('name="region"')[1].split("</select>")[0]
    assert re.findall(r'<option value="([^"]*)" selected>', options) == [""]


def test_the_report_page_uses_the_admins_form_layout(client, bali_regions):
    client.force_login(staff_user(StaffRole.OPERATOR, "51.03"))
    page = client.get(REPORTS_URL, {"report": "pertumbuhan"}).content.decode()
    assert "admin/css/forms.css" in page
    assert '<fieldset class="module aligned' in page
    assert 'class="form-row field-region"' in page and 'class="required"' in page
    assert '<div class="submit-row">' in page
    assert '<select name="report" id="report-choice">' in page  # the chooser works without JavaScript


def test_daftar_ikm_ticks_verified_and_published(client, bali_regions):
    client.force_login(staff_user(StaffRole.OFFICIAL, "51.03"))
    page = client.get(REPORTS_URL, {"report": "daftar-ikm"}).content.decode()
    checked = set(re.findall(r'name="status" value="(\w+)"[^>]*checked', page))
    assert checked == {"verified", "published"}


@pytest.fixture
def statuses(bali_regions, kbli):
    return SimpleNamespace(
        **{
            status: BusinessFactory(name=f"Usaha {status}", village=bali_regions.tuban, status=status)
            for status in BusinessStatus.values
        }
    )


def names(data, user=SYSTEM):
    form = DaftarForm(data={"region": "51.03", **data}, user=user)
    assert form.is_valid(), form.errors
    return {row["name"] for row in daftar_rows(user=user, params=form.cleaned_data)}, form


def test_daftar_ikm_statuses_several_one_or_none(statuses):
    from django.http import QueryDict

    ticked = QueryDict("region=51.03&status=verified&status=published")
    form = DaftarForm(data=ticked, user=SYSTEM)
    assert form.is_valid(), form.errors
    assert {row["name"] for row in daftar_rows(user=SYSTEM, params=form.cleaned_data)} == {
        "Usaha verified",
        "Usaha published",
    }
    assert ("Status", "Terverifikasi, Terbit") in form.describe()
    assert names({"status": "draft"})[0] == {"Usaha draft"}  # a stored job or --param with one status
    assert names({"status": "verified,published"})[0] == {"Usaha verified", "Usaha published"}
    assert len(names({})[0]) == len(BusinessStatus.values)  # none ticked: every status


def test_daftar_ikm_downloaded_with_its_ticked_statuses(client, statuses):
    client.force_login(staff_user(StaffRole.OPERATOR, "51.03"))
    response = client.post(
        REPORTS_URL + "?report=daftar-ikm",
        {"report": "daftar-ikm", "region": "51.03", "status": ["verified", "published"]},
    )
    assert response["Content-Type"] == "application/pdf"
    text = pdf_text(response.content)
    assert "Usaha verified" in text and "Usaha published" in text and "Usaha draft" not in text
    assert "Terverifikasi, Terbit" in text  # the filter printed under the title


def test_a_long_daftar_ikm_queued_keeps_every_ticked_status(client, statuses, settings):
    from ikm_registry.job_kinds import report_data
    from ikm_registry.models import Job

    settings.REPORT_BACKGROUND_ROWS = 1
    client.force_login(staff_user(StaffRole.OPERATOR, "51.03"))
    client.post(
        REPORTS_URL + "?report=daftar-ikm",
        {"report": "daftar-ikm", "region": "51.03", "status": ["verified", "published"]},
    )
    assert report_data(Job.objects.get())["status"] == ["verified", "published"]
