"""Self-registration under abuse (issue 9, point 16): a rate limit per client, and simultaneous identical posts
write one business and never answer 500."""

import re
import threading
from unittest import mock
from urllib.parse import urlencode

import pytest
from django.db import OperationalError

from businesses.models import Business
from tests.processes import Server, SubprocessDatabase
from tests.self_registration import form_data, register_url

SIMULTANEOUS = 8


@pytest.mark.django_db
def test_one_client_registers_at_most_the_rate_then_gets_a_friendly_429(client, bali_regions, kbli, settings):
    assert settings.REGISTRATION_RATE == "20/h"  # the default
    statuses = []
    for n in range(25):
        data = form_data(bali_regions, name=f"Usaha Uji {n}", owner_nik="")
        statuses.append(client.post(register_url(), data, REMOTE_ADDR="203.0.113.7").status_code)
    assert statuses == [302] * 20 + [429] * 5
    assert Business.objects.count() == 20

    refused = client.post(
        register_url(), form_data(bali_regions, name="Satu Lagi", owner_nik=""), REMOTE_ADDR="203.0.113.7"
    )
    assert refused.status_code == 429
    page = refused.content.decode()
    assert "terlalu banyak permintaan" in page and "Hubungi Dinas" in page
    assert 0 < int(refused["Retry-After"]) <= 3600

    other = client.post(
        register_url(), form_data(bali_regions, name="Tetangga", owner_nik=""), REMOTE_ADDR="198.51.100.2"
    )
    assert other.status_code == 302


@pytest.mark.django_db
def test_behind_a_proxy_each_visitor_is_counted_apart(client, bali_regions, kbli, settings):
    settings.REGISTRATION_RATE = "2/h"
    settings.CLIENT_IP_HEADER = "X-Real-IP"
    for visitor in ("203.0.113.1", "203.0.113.2"):
        for n in range(2):
            data = form_data(bali_regions, name=f"Usaha {visitor} {n}", owner_nik="")
            response = client.post(register_url(), data, REMOTE_ADDR="10.0.0.1", HTTP_X_REAL_IP=visitor)
            assert response.status_code == 302
    third = client.post(
        register_url(), form_data(bali_regions, name="Lagi"), REMOTE_ADDR="10.0.0.1", HTTP_X_REAL_IP="203.0.113.1"
    )
    assert third.status_code == 429


@pytest.mark.django_db
def test_a_busy_database_answers_503_with_the_form_and_a_message(client, bali_regions, kbli):
    with mock.patch("businesses.views.business_register_public", side_effect=OperationalError("database is locked")):
        response = client.post(register_url(), form_data(bali_regions))
    assert response.status_code == 503
    assert "Server sedang sibuk" in response.content.decode()
    assert response.context["form"]["name"].value() == "Tenun Sari Kuta"  # the input is kept


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("nib", ["", "9120001234567"], ids=["without-nib", "with-nib"])
def test_simultaneous_identical_registrations_write_one_business(bali_regions, kbli, tmp_path, nib):
    data = form_data(bali_regions, nib=nib)
    with SubprocessDatabase(tmp_path) as database, Server(database.env()) as server:
        form_page = server.response(register_url())
        cookie = form_page.headers["Set-Cookie"].split(";")[0]
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', form_page.read().decode()).group(1)
        body = urlencode({**data, "csrfmiddlewaretoken": token}).encode()
        headers = {"Cookie": cookie, "Content-Type": "application/x-www-form-urlencoded"}
        start = threading.Barrier(SIMULTANEOUS)
        answers = []

        def post():
            start.wait()
            answers.append(server.request(register_url(), data=body, headers=headers))

        threads = [threading.Thread(target=post) for _ in range(SIMULTANEOUS)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        log = server.output()
    database.sync()
    statuses = sorted(status for status, _body in answers)
    assert statuses == [200] * (SIMULTANEOUS - 1) + [302], log
    assert all("sudah terdaftar" in body for status, body in answers if status == 200)
    assert Business.objects.filter(name="Tenun Sari Kuta").count() == 1
