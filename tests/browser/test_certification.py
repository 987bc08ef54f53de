"""Competency verification in a real Chromium on a phone (360 × 740): someone handed a certificate types its code on
/verifikasi/ and reads "Sertifikat sah" with the holder, the scheme, the LSP and the dates, without the page
scrolling sideways; the code of a lapsed certificate shows that it is recorded but no longer valid.

The page is photographed to CERT_SHOT (/tmp/cert-verify.png by default) for a person to look at. Data is created
before the first page load: the live server runs in another thread on a transactional database.
"""

import datetime
import os

import pytest
from django.template.defaultfilters import date as date_filter
from django.utils import timezone, translation
from playwright.sync_api import expect

from certification.models import AssessmentSession, Lsp, Scheme, Tuk
from certification.services import enrollment as service
from tests.factories import SYSTEM, BusinessFactory, make_region

SHOT = os.environ.get("CERT_SHOT", "/tmp/cert-verify.png")
PHONE = {"width": 360, "height": 740}
LSP_NAME = "LSP Manajemen dan Pemasaran UMKM Jawa Timur"
SCHEME_NAME = "Pengelola Usaha Industri Kecil dan Menengah"
SCHEME_CODE = "SKM/LSP-MPU/01/2024"


def _certificate(name: str, number: str, *, held: datetime.date, issued: datetime.date,
                 valid_until: datetime.date | None = None):  # fmt: skip
    """A certificate of the scheme for `name`, an asesi of a Badung business found competent at a session `held`."""
    scheme = Scheme.objects.get(code=SCHEME_CODE)
    tuk = Tuk.objects.create(lsp=scheme.lsp, name=f"TUK {name}", region=make_region("51.03"))
    session = AssessmentSession.objects.create(scheme=scheme, tuk=tuk, start_date=held, end_date=held, capacity=10)
    business = BusinessFactory(village=make_region("51.03.01.1001"), address="Jl. Raya Tuban No. 17")
    enrollment = service.enrol(actor=SYSTEM, business=business, scheme=scheme, name=name, nik="5103014501900001",
                               phone="0812-3344-5566", email="asesi@example.net")  # fmt: skip
    enrollment = service.schedule(enrollment, session, actor=SYSTEM)
    enrollment = service.record_result(enrollment, True, actor=SYSTEM)
    return service.issue_certificate(enrollment, actor=SYSTEM, number=f"{number}/LSP-MPU/{issued.year}",
                                     issued_on=issued, valid_until=valid_until)  # fmt: skip


@pytest.fixture
def certificates(transactional_db):
    """A valid certificate (issued this month, for the scheme's 36 months) and one that lapsed in 2023."""
    Scheme.objects.create(lsp=Lsp.objects.create(name=LSP_NAME, region=make_region("35")), code=SCHEME_CODE,
                          name=SCHEME_NAME, validity_months=36)  # fmt: skip
    today = timezone.localdate()
    return {
        "valid": _certificate("Ni Luh Putu Ariani Kusumadewi", "0012", held=today - datetime.timedelta(days=14),
                              issued=today - datetime.timedelta(days=7)),
        "expired": _certificate("I Made Dharma Putra", "0147", held=datetime.date(2020, 1, 10),
                                issued=datetime.date(2020, 2, 1), valid_until=datetime.date(2023, 2, 1)),
    }  # fmt: skip


@pytest.fixture
def phone(browser, live_server):
    context = browser.new_context(base_url=live_server.url, viewport=PHONE, locale="id-ID")
    page = context.new_page()
    page.set_default_timeout(10_000)
    yield page
    context.close()


def _verify(page, code: str) -> None:
    page.goto("/verifikasi/")
    page.fill("#id_kode", code)
    page.get_by_role("button", name="Periksa").click()
    page.wait_for_url(f"**/verifikasi/?kode={code}")


def _fact(page, label: str):
    return page.locator(f"section.verified dl.facts dt:text-is('{label}') + dd")


def _no_sideways_scroll(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= document.documentElement.clientWidth")


def test_a_valid_code_typed_on_a_phone_shows_the_certificate(phone, certificates):
    certificate = certificates["valid"]
    _verify(phone, certificate.code)
    expect(phone.get_by_role("heading", name="Sertifikat sah")).to_be_visible()
    expect(_fact(phone, "Nama pemegang")).to_have_text("Ni Luh Putu Ariani Kusumadewi")
    expect(_fact(phone, "Untuk")).to_have_text(f"{SCHEME_NAME} ({SCHEME_CODE})")
    expect(_fact(phone, "Diterbitkan oleh")).to_have_text(LSP_NAME)
    expect(_fact(phone, "Nomor")).to_have_text(certificate.number)
    with translation.override("id"):
        issued, until = (date_filter(day, "j F Y") for day in (certificate.issued_on, certificate.valid_until))
    expect(_fact(phone, "Terbit")).to_have_text(issued)
    expect(_fact(phone, "Berlaku sampai")).to_have_text(until)
    html = phone.content()
    assert "5103014501" not in html and "asesi@example.net" not in html and "Jl. Raya Tuban" not in html
    assert _no_sideways_scroll(phone)
    phone.screenshot(path=SHOT, full_page=True)


def test_an_expired_code_shows_that_the_certificate_is_not_valid(phone, certificates):
    _verify(phone, certificates["expired"].code)
    expect(phone.get_by_role("heading", name="Sertifikat tercatat, tetapi tidak berlaku")).to_be_visible()
    expect(phone.locator("section.verified.not-valid")).to_be_visible()
    expect(_fact(phone, "Status")).to_have_text("Kedaluwarsa")
    expect(_fact(phone, "Nama pemegang")).to_have_text("I Made Dharma Putra")
    assert phone.get_by_role("heading", name="Sertifikat sah").count() == 0
    assert _no_sideways_scroll(phone)
    phone.screenshot(path=SHOT.replace(".png", "-expired.png"), full_page=True)
