"""Profil IKM and Profil Sentra: each section against the database (pdftotext), the owner as allowed (masked NIK,
contacts only with consent), the product photo, the QR code's payload, and scoping on the admin page and the command."""

import datetime
import io
import re
import shutil
import subprocess
from io import StringIO

import pytest
import segno
from django.core.files.base import ContentFile
from django.core.management import CommandError, call_command
from django.urls import reverse

from businesses.choices import AssistanceKind, BusinessStatus, FundingSource, LegalForm, MarketReach, ObstacleKind
from businesses.models import BusinessLink, SentraFacility
from businesses.reports.profiles import (
    ProfilIkmForm,
    ProfilIkmReport,
    ProfilSentraForm,
    ProfilSentraReport,
    business_profile,
)
from businesses.selectors import business_public_url
from ikm_registry.choices import StaffRole
from ikm_registry.models import CreativeSubsector
from ikm_registry.qr import qr_svg
from ikm_registry.reports import base as report_base
from ikm_registry.reports import get_report
from ikm_registry.reports.formatting import number
from tests.factories import (
    SYSTEM,
    AssistanceFactory,
    BusinessFactory,
    BusinessYearFactory,
    ObstacleFactory,
    OwnerFactory,
    ProductFactory,
    SentraFacilityFactory,
    SentraFactory,
    SentraOfficerFactory,
    SentraRevitalisationFactory,
    office_for,
    staff_user,
)
from tests.reports import pdf_text, row_pattern

NIK = "5103014508901114"


def png_bytes(colour="green") -> bytes:
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (60, 40), colour).save(buffer, "PNG")
    return buffer.getvalue()


@pytest.fixture
def profile(bali_regions, kbli, settings, tmp_path):
    """A published batik business in Tuban (Badung) with every section filled, its sentra, and a Denpasar pair."""
    settings.MEDIA_ROOT = str(tmp_path / "media")
    office = office_for("51.03")
    office.head_name = "I Made Contoh, S.T."
    office.head_nip = "197208171998031007"
    office.save()
    subsector, _ = CreativeSubsector.objects.get_or_create(
        code="kriya", defaults={"name": "Kriya", "name_en": "Crafts"}
    )
    sentra = SentraFactory(
        name="Sentra Batik Tuban",
        village=bali_regions.tuban,
        kbli=kbli.batik,
        decree_number="500/123/HK/2020",
        decree_date=datetime.date(2020, 3, 1),
        decree_issuer="Bupati Badung",
        institution="Koperasi Batik Tuban Lestari",
        upt_name="UPT Sentra Batik Badung",
        address="Jl. Raya Tuban No. 7",
        year_established=2015,
    )
    business = BusinessFactory(
        name="Batik Tuban Sari",
        legal_form=LegalForm.UD,
        nib="9120000000042",
        address="Jl. Dewi Sartika No. 12",
        village=bali_regions.tuban,
        kbli=kbli.batik,
        subsector=subsector,
        main_product="Kain batik cap",
        year_founded=2012,
        market_reach=MarketReach.NATIONAL,
        online_channels="Tokopedia",
        sentra=sentra,
        status=BusinessStatus.PUBLISHED,
        owner=None,
    )
    OwnerFactory(
        business=business,
        name="Ni Luh Ayu Sari",
        nik=NIK,
        sex="P",
        phone="081234567890",
        phone_public_since=datetime.date(2025, 1, 1),
        email="ayu.sari@example.com",
        email_public_since=None,
    )
    BusinessLink.objects.create(
        business=business, platform="instagram", url="https://www.instagram.com/batiktubansari/"
    )
    BusinessYearFactory(
        business=business,
        year=2024,
        workforce_male=2,
        workforce_female=3,
        investment=150_000_000,
        turnover=480_000_000,
        production_value=390_000_000,
    )
    BusinessYearFactory(
        business=business,
        year=2025,
        workforce_male=4,
        workforce_female=18,
        investment=1_234_567_000,
        turnover=2_500_000_000,
        production_value=1_987_654_321,
    )
    with_photo = ProductFactory(business=business, name="Kain batik cap motif cepuk", is_featured=True)
    with_photo.photo.save("cepuk.png", ContentFile(png_bytes()))
    ProductFactory(business=business, name="Selendang batik", description="Tanpa foto.")
    AssistanceFactory(
        business=business,
        year=2023,
        kind=AssistanceKind.EQUIPMENT,
        description="Meja cap dan kompor batik",
        provider="Disperindag Badung",
        value=12_500_000,
    )
    ObstacleFactory(business=business, kind=ObstacleKind.RAW_MATERIAL, year=2025, description="Harga kain mori naik")

    # Four more active batik members: five similar in all; an inactive one and a jewellery maker do not count.
    others = [
        BusinessFactory(name=f"Batik Anggota {n}", village=bali_regions.tuban, kbli=kbli.batik, sentra=sentra)
        for n in range(1, 5)
    ]
    BusinessYearFactory(business=others[0], year=2023, workforce_male=6, workforce_female=7)
    BusinessYearFactory(business=others[0], year=2025, workforce_male=1, workforce_female=1)
    BusinessFactory(name="Batik Tutup", kbli=kbli.batik, sentra=sentra, status=BusinessStatus.INACTIVE)
    BusinessFactory(name="Perak Tuban", kbli=kbli.silver, sentra=sentra)
    SentraOfficerFactory(sentra=sentra, position="Ketua", name="I Wayan Batik")
    SentraOfficerFactory(sentra=sentra, position="Bendahara", name="Ni Made Kain")
    SentraFacilityFactory(
        sentra=sentra, name="Ruang pamer bersama", quantity=2, condition="rusak_ringan", year_acquired=2019
    )
    SentraRevitalisationFactory(
        sentra=sentra,
        year=2021,
        activity="Bimtek pewarnaan alami",
        funding_source=FundingSource.DAK,
        amount=185_000_000,
    )
    SentraRevitalisationFactory(
        sentra=sentra, year=2023, activity="Alat cap tembaga", funding_source=FundingSource.APBD, amount=1_234_567
    )

    denpasar_business = BusinessFactory(name="Tenun Serangan", village=bali_regions.serangan)
    denpasar_sentra = SentraFactory(name="Sentra Tenun Serangan", village=bali_regions.serangan)
    return {
        "business": business,
        "sentra": sentra,
        "others": others,
        "denpasar_business": denpasar_business,
        "denpasar_sentra": denpasar_sentra,
    }


def ikm_pdf(business, user=SYSTEM) -> bytes:
    form = ProfilIkmForm(data={"business": business.pk}, user=user)
    assert form.is_valid(), form.errors
    return ProfilIkmReport().render(user=user, params=form.cleaned_data, filter_description=form.describe())


def sentra_pdf(sentra, user=SYSTEM) -> bytes:
    form = ProfilSentraForm(data={"sentra": sentra.pk}, user=user)
    assert form.is_valid(), form.errors
    return ProfilSentraReport().render(user=user, params=form.cleaned_data, filter_description=form.describe())


def captured_html(monkeypatch, render) -> str:
    """The HTML a report hands to WeasyPrint (rendering skipped)."""
    pages = []
    monkeypatch.setattr(report_base, "html_to_pdf", lambda html: pages.append(html) or b"%PDF")
    render()
    return pages[0]


def run(*args):
    out = StringIO()
    call_command("render_report", *args, stdout=out)
    return out.getvalue()


# --- Profil IKM: the sections ---------------------------------------------------------------------------------


def test_both_reports_are_registered():
    assert get_report("profil-ikm") is ProfilIkmReport
    assert get_report("profil-sentra") is ProfilSentraReport


def test_identity(profile):
    business = profile["business"]
    text = pdf_text(ikm_pdf(business))
    assert "PROFIL IKM BATIK TUBAN SARI" in text
    for expected in (
        business.name,
        "UD (Usaha Dagang)",
        business.nib,
        business.address,
        business.village.label,
        "Kelurahan Tuban, Kec. Kuta, Kabupaten Badung",
        f"{business.kbli.code} — {business.kbli.title}",
        "Kriya",
        "Kain batik cap",
        "2012",
        "Nasional",
        "Instagram: @batiktubansari, Tokopedia",  # the link as its handle, then the channel that names no account
        "Sentra Batik Tuban",
        "Terbit",
    ):
        assert expected in text, expected
    assert re.search(rf"ID IKM\s*:\s*{business.pk}\b", text)
    assert "Halaman 1 dari" in text
    assert "I Made Contoh, S.T." in text  # signed by the Badung office


def test_owner_as_allowed(profile):
    text = pdf_text(ikm_pdf(profile["business"]))
    assert "Ni Luh Ayu Sari" in text
    assert "Perempuan" in text
    assert "5103••••••••1114" in text
    assert NIK not in text
    assert "081234567890" in text  # consented since 2025
    assert "ayu.sari@example.com" not in text  # no consent


def test_contacts_follow_the_consent_of_each_channel(profile):
    owner = profile["business"].owner
    owner.phone_public_since = None
    owner.email_public_since = datetime.date(2024, 6, 1)
    owner.save()
    text = pdf_text(ikm_pdf(profile["business"]))
    assert "081234567890" not in text
    assert "ayu.sari@example.com" in text


def test_consent_dated_in_the_future_is_not_yet_consent(profile):
    owner = profile["business"].owner
    owner.phone_public_since = datetime.date.today() + datetime.timedelta(days=30)
    owner.save()
    assert "081234567890" not in pdf_text(ikm_pdf(profile["business"]))


def test_yearly_figures_and_scale_classes(profile):
    text = pdf_text(ikm_pdf(profile["business"]))
    for row in profile["business"].years.all():
        assert row_pattern(
            str(row.year),
            number(row.workforce_male),
            number(row.workforce_female),
            number(row.workforce_total),
            number(row.investment),
            number(row.turnover),
            number(row.production_value),
        ).search(text), row.year
    # 2025: 22 workers, Rp1.234.567.000 investment, Rp2,5 M sales → PP 7: kecil; Permenperin: menengah; BPS: sedang
    assert row_pattern("2025", "4", "18", "22", "1.234.567.000", "2.500.000.000", "1.987.654.321").search(text)
    assert "Kecil Industri menengah Sedang" in " ".join(text.split())
    assert "Mikro Industri kecil Kecil" in " ".join(text.split())


def test_products_assistance_obstacles(profile):
    text = pdf_text(ikm_pdf(profile["business"]))
    assert "Kain batik cap motif cepuk" in text and "(produk unggulan)" in text
    assert "Selendang batik" in text and "Tidak ada foto" in text
    assert row_pattern("Disperindag Badung", "12.500.000").search(text)
    assert "Peralatan / mesin" in text and "Meja cap dan kompor batik" in text
    assert "Bahan baku" in text and "Harga kain mori naik" in text


def test_product_photo_is_embedded(profile, tmp_path):
    if shutil.which("pdfimages") is None:
        pytest.skip("pdfimages not found")
    path = tmp_path / "profil.pdf"
    path.write_bytes(ikm_pdf(profile["business"]))
    listing = subprocess.run(["pdfimages", "-list", str(path)], capture_output=True, text=True, check=True).stdout
    images = listing.splitlines()[2:]
    assert len(images) == 1, listing  # the photo; no logo in this office, no photo for the second product
    assert " 60    40 " in images[0]


def test_empty_sections_say_so(bali_regions, kbli):
    business = BusinessFactory(name="Usaha Baru", owner=None, status=BusinessStatus.VERIFIED)
    text = pdf_text(ikm_pdf(business))
    assert "Data pemilik belum diisi." in text
    assert "Belum ada produk yang dicatat." in text
    assert "Belum ada data tahunan." in text
    assert "belum terbit di direktori publik" in text


# --- Profil IKM: the QR code ----------------------------------------------------------------------------------


def test_public_url_helper(profile, settings):
    business = profile["business"]
    assert business_public_url(business) == f"http://127.0.0.1:8000/direktori/ikm/{business.pk}/"
    settings.PUBLIC_BASE_URL = "https://ikm.baliprov.go.id/"
    assert business_public_url(business) == f"https://ikm.baliprov.go.id/direktori/ikm/{business.pk}/"


def test_qr_code_encodes_exactly_the_public_url(profile, monkeypatch, settings):
    settings.PUBLIC_BASE_URL = "https://ikm.baliprov.go.id"
    business = profile["business"]
    url = business_public_url(business)
    html = captured_html(monkeypatch, lambda: ikm_pdf(business))
    svg = qr_svg(url)
    assert svg.startswith("<svg") and svg in html
    assert url in html
    # The SVG in the page is segno's drawing of exactly that URL, not of a neighbour.
    expected = io.BytesIO()
    segno.make(url, error="m").save(
        expected, kind="svg", scale=1, border=2, unit="mm", xmldecl=False, svgns=True, nl=False, svgclass=None
    )
    assert expected.getvalue().decode() == svg
    assert qr_svg(url + "x") not in html
    assert business_profile(business)["public_url"] == url


def test_no_qr_code_before_publication(profile, monkeypatch):
    business = profile["business"]
    business.status = BusinessStatus.VERIFIED
    business.save()
    html = captured_html(monkeypatch, lambda: ikm_pdf(business))
    assert "<svg" not in html
    assert business_public_url(business) not in html


def test_qr_code_is_drawn_in_the_pdf(profile):
    text = pdf_text(ikm_pdf(profile["business"]))
    assert business_public_url(profile["business"]) in text


# --- Profil Sentra ----------------------------------------------------------------------------------------------


def test_sentra_identity_and_decree(profile):
    sentra = profile["sentra"]
    text = pdf_text(sentra_pdf(sentra))
    flat = " ".join(text.split())
    assert "PROFIL SENTRA BATIK TUBAN" in text
    for expected in (
        sentra.main_product,
        "13134 — Industri Batik",
        "Kelurahan Tuban, Kec. Kuta, Kabupaten Badung",
        "Jl. Raya Tuban No. 7",
        "2015",
        "Nomor 500/123/HK/2020, tanggal 1 Maret 2020, oleh Bupati Badung",
        "Koperasi Batik Tuban Lestari",
        "UPT Sentra Batik Badung",
    ):
        assert expected in flat, expected
    assert "I Made Contoh, S.T." in text  # signed


def test_sentra_management_facilities_and_funding(profile):
    text = pdf_text(sentra_pdf(profile["sentra"]))
    assert row_pattern("Ketua", "I Wayan Batik").search(text)
    assert "Bendahara" in text and "Ni Made Kain" in text
    facility = SentraFacility.objects.get(sentra=profile["sentra"])
    assert row_pattern(facility.name, "2", "Rusak ringan", "2019").search(text)
    assert row_pattern("DAK non-fisik", "185.000.000").search(text)
    assert row_pattern("APBD", "1.234.567").search(text)
    assert row_pattern("Jumlah", number(185_000_000 + 1_234_567)).search(text)


def test_sentra_members_with_latest_workforce(profile):
    text = pdf_text(sentra_pdf(profile["sentra"]))
    # Batik Anggota 1: figures for 2023 (13 workers) and 2025 (2): the latest year counts.
    assert row_pattern("Batik Anggota 1", "Tuban", "13134", "Terverifikasi", "Ya", "2", "2025").search(text)
    assert row_pattern("Batik Tuban Sari", "Tuban", "13134", "Terbit", "Ya", "22", "2025").search(text)
    assert row_pattern("Batik Tutup", "Tuban", "13134", "Tidak aktif", "–").search(text)
    assert row_pattern("Perak Tuban", "Tuban", "32112", "Terverifikasi", "–").search(text)
    assert len(profile["sentra"].members.all()) == 7


def test_sentra_meets_pp29_with_five_similar_members(profile):
    sentra = profile["sentra"]
    assert sentra.meets_pp29
    text = " ".join(pdf_text(sentra_pdf(sentra)).split())
    assert "MEMENUHI — 5 IKM aktif sejenis (KBLI subgolongan 1313); paling sedikit 5 IKM." in text


def test_sentra_below_pp29(profile):
    other = profile["others"][0]
    other.status = BusinessStatus.INACTIVE
    other.save()
    text = " ".join(pdf_text(sentra_pdf(profile["sentra"])).split())
    assert "BELUM MEMENUHI — 4 IKM aktif sejenis" in text


# --- scoping: the admin page ------------------------------------------------------------------------------------


def post(client, user, report, field, pk):
    client.force_login(user)
    return client.post(reverse("admin:reports") + f"?report={report}", {"report": report, field: pk})


def test_operator_choices_are_their_region(client, profile):
    client.force_login(staff_user(StaffRole.OPERATOR, "51.03"))
    page = client.get(reverse("admin:reports") + "?report=profil-ikm").content.decode()
    assert f'value="{profile["business"].pk}"' in page
    assert f'value="{profile["denpasar_business"].pk}"' not in page
    page = client.get(reverse("admin:reports") + "?report=profil-sentra").content.decode()
    assert f'value="{profile["sentra"].pk}"' in page
    assert f'value="{profile["denpasar_sentra"].pk}"' not in page


@pytest.mark.parametrize(
    ("report", "field", "key"),
    [("profil-ikm", "business", "denpasar_business"), ("profil-sentra", "sentra", "denpasar_sentra")],
)
def test_admin_refuses_another_regencys_record(client, profile, report, field, key):
    response = post(client, staff_user(StaffRole.OPERATOR, "51.03"), report, field, profile[key].pk)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/html")
    assert "di luar wilayah kerja Anda" in response.content.decode()


@pytest.mark.parametrize(
    ("report", "field", "key"), [("profil-ikm", "business", "business"), ("profil-sentra", "sentra", "sentra")]
)
def test_official_downloads_a_profile(client, profile, report, field, key):
    response = post(client, staff_user(StaffRole.OFFICIAL, "51.03"), report, field, profile[key].pk)
    assert response["Content-Type"] == "application/pdf"
    assert profile[key].name in pdf_text(response.content)


# --- scoping and parameters: the command ------------------------------------------------------------------------


def test_command_profil_ikm_with_business(profile, tmp_path):
    output = tmp_path / "ikm.pdf"
    message = run("profil-ikm", "--business", str(profile["business"].pk), "--output", str(output))
    assert str(output) in message
    assert "5103••••••••1114" in pdf_text(output.read_bytes())


def test_command_profil_sentra_with_param(profile, tmp_path):
    output = tmp_path / "sentra.pdf"
    run("profil-sentra", "--param", f"sentra={profile['sentra'].pk}", "--output", str(output))
    assert "Koperasi Batik Tuban Lestari" in pdf_text(output.read_bytes())


@pytest.mark.parametrize(
    ("report", "option", "key"),
    [("profil-ikm", "--business", "denpasar_business"), ("profil-sentra", "--sentra", "denpasar_sentra")],
)
def test_command_refuses_another_regencys_record(profile, tmp_path, report, option, key):
    staff_user(StaffRole.OPERATOR, "51.03", username="operator-badung")
    output = tmp_path / "x.pdf"
    with pytest.raises(CommandError, match="di luar wilayah kerja"):
        run(report, option, str(profile[key].pk), "--user", "operator-badung", "--output", str(output))
    assert not output.exists()


@pytest.mark.parametrize(
    ("report", "option", "key"), [("profil-ikm", "--business", "business"), ("profil-sentra", "--sentra", "sentra")]
)
def test_command_official_may_render(profile, tmp_path, report, option, key):
    staff_user(StaffRole.OFFICIAL, "51.03", username="kabid")
    output = tmp_path / "x.pdf"
    run(report, option, str(profile[key].pk), "--user", "kabid", "--output", str(output))
    assert profile[key].name in pdf_text(output.read_bytes())


def test_command_missing_business(profile, tmp_path):
    with pytest.raises(CommandError, match="--business"):
        run("profil-ikm", "--output", str(tmp_path / "x.pdf"))


def test_command_malformed_param(profile, tmp_path):
    with pytest.raises(CommandError, match="FIELD=VALUE"):
        run("profil-ikm", "--param", "business", "--output", str(tmp_path / "x.pdf"))
