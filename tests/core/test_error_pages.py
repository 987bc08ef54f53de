"""Error pages (issue 13, point 6): 400, 403, 404, 500 and a refused CSRF token in the site's layout — the public
one, or the admin's under /admin/ — in Indonesian with the language switch; a business or sentra that is not
published says so and links to the directory; the 500 page needs neither the database nor the request's context."""

import pytest
from django.db import connection
from django.test import Client, RequestFactory

from businesses.choices import BusinessStatus
from ikm_registry import error_pages
from ikm_registry.choices import StaffRole
from tests.factories import BusinessFactory, SentraFactory, staff_user

pytestmark = [pytest.mark.django_db, pytest.mark.urls("tests.error_urls")]

PUBLIC_LAYOUT = 'class="site-header"'
ADMIN_LAYOUT = 'id="header"'
LANGUAGE_SWITCH = 'action="/i18n/setlang/"'


@pytest.fixture(autouse=True)
def production(settings):
    settings.DEBUG = False


@pytest.fixture
def failing_client():
    """A client that gets the error page of an exception instead of the exception."""
    return Client(raise_request_exception=False)


@pytest.fixture
def operator_in(client, bali_regions, kbli):
    client.force_login(staff_user(StaffRole.OPERATOR, "51.03"))
    return client


def page(response) -> str:
    return response.content.decode()


def assert_public_page(response, status: int, *texts: str):
    assert response.status_code == status
    body = page(response)
    assert PUBLIC_LAYOUT in body and LANGUAGE_SWITCH in body and ADMIN_LAYOUT not in body
    assert '<html lang="id">' in body
    assert f"Kesalahan {status}" in body
    for text in texts:
        assert text in body


def assert_admin_page(response, status: int, *texts: str):
    assert response.status_code == status
    body = page(response)
    assert ADMIN_LAYOUT in body and 'id="site-name"' in body and LANGUAGE_SWITCH in body
    assert PUBLIC_LAYOUT not in body
    assert '<html lang="id"' in body
    assert f"Kesalahan {status}" in body
    for text in texts:
        assert text in body


# --- the public site ----------------------------------------------------------------------------------------------


def test_an_unknown_public_address_answers_404_in_the_site_layout(client):
    response = client.get("/tidak-ada/")
    assert_public_page(response, 404, "Halaman tidak ditemukan", "Alamat ini tidak ada di Registri IKM")
    assert 'href="/direktori/"' in page(response)
    assert 'name="robots" content="noindex"' in page(response)


def test_a_bad_public_request_answers_400(client):
    assert_public_page(client.get("/uji/400/"), 400, "Permintaan tidak dapat diproses")


def test_a_forbidden_public_page_answers_403(client):
    assert_public_page(client.get("/uji/403/"), 403, "Akses ditolak", "Halaman ini tidak terbuka untuk umum.")


def test_a_public_server_error_answers_500(failing_client):
    assert_public_page(failing_client.get("/uji/500/"), 500, "Terjadi kesalahan pada server", "sudah dicatat")


def test_a_refused_public_form_answers_403_in_the_site_layout(bali_regions, kbli):
    response = Client(enforce_csrf_checks=True).post("/daftar/", {"nama_usaha": "Batik"})
    assert_public_page(response, 403, "Formulir tidak dapat dikirim", "Muat ulang halaman")
    assert "CSRF" not in page(response)  # the technical reason only with DEBUG on


def test_an_error_page_switches_to_english(client):
    client.cookies["django_language"] = "en"
    body = page(client.get("/tidak-ada/"))
    assert '<html lang="en">' in body
    assert 'value="id"' in body  # the switch back to Indonesian


def test_an_unpublished_business_says_so_and_links_to_the_directory(client, bali_regions, kbli):
    verified = BusinessFactory(status=BusinessStatus.VERIFIED)
    for address in (f"/direktori/ikm/{verified.pk}/", f"/direktori/ikm/{verified.pk + 1000}/"):
        response = client.get(address)
        assert_public_page(response, 404, "IKM ini tidak ada di direktori", "Cari di Direktori IKM")
        assert 'href="/direktori/"' in page(response)
        assert verified.name not in page(response)


def test_an_internal_event_says_so_and_links_to_the_agenda(client, bali_regions, kbli):
    from tests.factories import make_event

    event = make_event("51.03", is_public=False)
    for address in (f"/agenda/{event.pk}/", f"/agenda/{event.pk + 1000}/"):
        response = client.get(address)
        assert_public_page(response, 404, "Kegiatan ini tidak ada di agenda", "Lihat agenda kegiatan")
        assert event.title not in page(response)


def test_a_published_business_is_still_shown(client, bali_regions, kbli):
    published = BusinessFactory(status=BusinessStatus.PUBLISHED)
    assert client.get(f"/direktori/ikm/{published.pk}/").status_code == 200


def test_a_sentra_without_published_members_says_so_and_links_to_the_sentra_list(client, bali_regions, kbli):
    sentra = SentraFactory()
    BusinessFactory(status=BusinessStatus.VERIFIED, sentra=sentra)
    response = client.get(f"/sentra/{sentra.pk}/")
    assert_public_page(response, 404, "Sentra ini tidak ada di direktori", "Lihat daftar sentra IKM")
    assert 'href="/sentra/"' in page(response)


# --- the admin ----------------------------------------------------------------------------------------------------


def test_an_unknown_admin_address_answers_404_in_the_admin_layout(operator_in):
    response = operator_in.get("/admin/tidak-ada/")
    assert_admin_page(response, 404, "Halaman tidak ditemukan", "Kembali ke beranda admin")
    assert 'id="logout-form"' in page(response)  # the signed-in user's links


def test_a_forbidden_admin_page_answers_403_in_the_admin_layout(client, bali_regions, kbli):
    client.force_login(staff_user(StaffRole.OFFICIAL, "51.03"))
    response = client.get("/admin/businesses/business/add/")  # an official only reads
    assert_admin_page(response, 403, "Akses ditolak", "Akun Anda tidak berwenang")


def test_a_bad_admin_request_answers_400(client):
    assert_admin_page(client.get("/admin/uji/400/"), 400, "Permintaan tidak dapat diproses", "Masuk ke admin")


def test_a_forbidden_admin_request_of_a_visitor_answers_403(client):
    assert_admin_page(client.get("/admin/uji/403/"), 403, "Akses ditolak")


def test_an_admin_server_error_answers_500_in_the_admin_layout(failing_client, bali_regions, kbli):
    failing_client.force_login(staff_user(StaffRole.OPERATOR, "51.03"))
    response = failing_client.get("/admin/uji/500/")
    assert_admin_page(response, 500, "Terjadi kesalahan pada server")
    assert 'id="logout-form"' not in page(response)  # nothing of the user: the error may be the session


def test_a_stale_admin_login_form_answers_403_in_the_admin_layout(bali_regions):
    response = Client(enforce_csrf_checks=True).post("/admin/login/", {"username": "x", "password": "y"})
    assert_admin_page(response, 403, "Formulir tidak dapat dikirim", "Masuk ke admin")


def test_the_technical_reason_of_a_refused_form_shows_only_in_debug(settings):
    settings.DEBUG = True
    response = Client(enforce_csrf_checks=True).post("/admin/login/", {"username": "x", "password": "y"})
    assert response.status_code == 403 and "CSRF" in page(response)


# --- the 500 page needs nothing that may be broken ------------------------------------------------------------------


def refuse_queries(execute, sql, params, many, context):
    raise AssertionError(f"the error page queried the database: {sql}")


@pytest.mark.parametrize(("address", "layout"), [("/uji/500/", PUBLIC_LAYOUT), ("/admin/uji/500/", ADMIN_LAYOUT)])
def test_the_500_page_is_drawn_without_the_database(failing_client, address, layout):
    with connection.execute_wrapper(refuse_queries):
        response = failing_client.get(address)
    assert response.status_code == 500
    assert layout in page(response) and "Terjadi kesalahan pada server" in page(response)


class Broken:
    def __getattr__(self, name):
        raise RuntimeError("broken")


@pytest.mark.parametrize(("address", "layout"), [("/direktori/", PUBLIC_LAYOUT), ("/admin/", ADMIN_LAYOUT)])
def test_the_500_page_reads_nothing_of_a_broken_request(address, layout):
    request = RequestFactory().get(address)
    request.user = Broken()
    request.session = Broken()
    with connection.execute_wrapper(refuse_queries):
        response = error_pages.server_error(request)
    assert response.status_code == 500
    assert layout in page(response) and LANGUAGE_SWITCH in page(response)


def test_a_failing_500_template_still_answers_a_plain_500(monkeypatch):
    def no_template(name):
        raise RuntimeError("no templates")

    monkeypatch.setattr(error_pages.loader, "get_template", no_template)
    response = error_pages.server_error(RequestFactory().get("/"))
    assert response.status_code == 500 and "Terjadi kesalahan pada server" in page(response)
