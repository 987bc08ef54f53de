"""Login throttling (django-axes) and password reset by e-mail (issue 9, point 15)."""

import re
from datetime import timedelta

import pytest
from axes.models import AccessAttempt
from django.core import mail
from django.urls import reverse

from ikm_registry.choices import StaffRole
from tests.factories import staff_user
from tests.processes import process_env, python

pytestmark = pytest.mark.django_db

PASSWORD = "rahasia-uji-123"
LOGIN = "/admin/login/"


@pytest.fixture
def operator(db):
    return staff_user(StaffRole.OPERATOR, "51.03", username="operator.badung", email="wayan@example.go.id")


def log_in(client, username, password, ip="203.0.113.7"):
    return client.post(LOGIN, {"username": username, "password": password, "next": "/admin/"}, REMOTE_ADDR=ip)


def signed_in(client) -> bool:
    return "_auth_user_id" in client.session


def test_the_right_password_signs_in(client, operator):
    assert log_in(client, "operator.badung", PASSWORD).status_code == 302
    assert signed_in(client)


def test_fifty_wrong_passwords_then_the_right_one_is_refused(client, operator):
    for _ in range(50):
        log_in(client, "operator.badung", "tebakan-salah")
    response = log_in(client, "operator.badung", PASSWORD)
    assert response.status_code == 429
    assert not signed_in(client)
    page = response.content.decode()
    assert "Terlalu banyak percobaan masuk yang gagal dengan nama pengguna ini dari alamat Anda" in page
    assert "Coba lagi setelah 15 menit" in page
    assert 'name="username"' in page and "Lupa kata sandi?" in page  # the login page itself, not a bare error


def test_the_lockout_starts_at_the_configured_limit(client, operator, settings):
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        assert log_in(client, "operator.badung", "tebakan-salah").status_code == 200
    assert log_in(client, "operator.badung", "tebakan-salah").status_code == 429
    assert log_in(client, "operator.badung", PASSWORD).status_code == 429


def test_a_colleague_behind_the_same_address_is_not_locked_out(client, operator):
    staff_user(StaffRole.OPERATOR, "51.03", username="made.badung")
    for _ in range(10):
        log_in(client, "operator.badung", "tebakan-salah")
    assert log_in(client, "made.badung", PASSWORD).status_code == 302


def test_the_same_account_from_another_address_is_not_locked_out(client, operator):
    for _ in range(10):
        log_in(client, "operator.badung", "tebakan-salah", ip="198.51.100.1")
    assert log_in(client, "operator.badung", PASSWORD, ip="203.0.113.7").status_code == 302


def test_the_lockout_ends_after_the_cool_off(client, operator, settings):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        log_in(client, "operator.badung", "tebakan-salah")
    assert log_in(client, "operator.badung", PASSWORD).status_code == 429
    AccessAttempt.objects.update(attempt_time=AccessAttempt.objects.get().attempt_time - timedelta(minutes=16))
    assert log_in(client, "operator.badung", PASSWORD).status_code == 302


def test_behind_a_proxy_the_configured_header_is_the_client_address(client, operator, settings):
    settings.CLIENT_IP_HEADER = "X-Forwarded-For"
    for _ in range(settings.AXES_FAILURE_LIMIT):
        client.post(
            LOGIN,
            {"username": "operator.badung", "password": "salah"},
            REMOTE_ADDR="10.0.0.1",
            HTTP_X_FORWARDED_FOR="1.2.3.4, 198.51.100.9",
        )
    assert AccessAttempt.objects.get().ip_address == "198.51.100.9"  # the address the proxy appended
    other_visitor = client.post(
        LOGIN,
        {"username": "operator.badung", "password": PASSWORD},
        REMOTE_ADDR="10.0.0.1",
        HTTP_X_FORWARDED_FOR="203.0.113.50",
    )
    assert other_visitor.status_code == 302


def test_fifty_wrong_passwords_from_fifty_addresses_of_one_ipv6_network_then_the_right_one_is_refused(client, operator):
    # One connection gets a whole /64 and may pick any address in it: the network is the client.
    for host in range(1, 51):
        log_in(client, "operator.badung", "tebakan-salah", ip=f"2001:db8:7:1::{host:x}")
    response = log_in(client, "operator.badung", PASSWORD, ip="2001:db8:7:1:ffff:1234:5678:9abc")
    assert response.status_code == 429
    assert not signed_in(client)
    assert AccessAttempt.objects.get().ip_address == "2001:db8:7:1::"  # one row for the network


def test_the_lockout_of_one_ipv6_network_starts_at_the_configured_limit(client, operator, settings):
    for host in range(1, settings.AXES_FAILURE_LIMIT):
        assert log_in(client, "operator.badung", "salah", ip=f"2001:db8:7:1::{host:x}").status_code == 200
    assert log_in(client, "operator.badung", "salah", ip="2001:db8:7:1:abcd::1").status_code == 429


def test_another_ipv6_network_is_not_locked_out(client, operator, settings):
    for host in range(1, settings.AXES_FAILURE_LIMIT + 5):
        log_in(client, "operator.badung", "tebakan-salah", ip=f"2001:db8:7:1::{host:x}")
    assert log_in(client, "operator.badung", PASSWORD, ip="2001:db8:7:1::1").status_code == 429
    assert log_in(client, "operator.badung", PASSWORD, ip="2001:db8:7:2::1").status_code == 302


def test_ipv4_addresses_written_as_ipv6_count_as_the_ipv4_address(client, operator, settings):
    # A dual-stack listener reports IPv4 visitors as ::ffff:a.b.c.d; they must not all share the /64 of "::".
    for _ in range(settings.AXES_FAILURE_LIMIT):
        log_in(client, "operator.badung", "tebakan-salah", ip="::ffff:198.51.100.1")
    assert log_in(client, "operator.badung", PASSWORD, ip="198.51.100.1").status_code == 429  # the same visitor
    assert AccessAttempt.objects.get().ip_address == "198.51.100.1"
    assert log_in(client, "operator.badung", PASSWORD, ip="::ffff:203.0.113.7").status_code == 302


def test_rate_limits_count_the_same_unit_as_the_login_lockout(client, operator, settings):
    settings.PASSWORD_RESET_RATE = "3/h"
    reset = reverse("password_reset")
    for host in range(1, 4):
        assert client.post(reset, {"email": "x@example.com"}, REMOTE_ADDR=f"2001:db8:7:1::{host}").status_code == 302
    assert client.post(reset, {"email": "x@example.com"}, REMOTE_ADDR="2001:db8:7:1::99").status_code == 429
    assert client.post(reset, {"email": "x@example.com"}, REMOTE_ADDR="2001:db8:7:2::1").status_code == 302
    for _ in range(3):
        assert client.post(reset, {"email": "x@example.com"}, REMOTE_ADDR="::ffff:198.51.100.1").status_code == 302
    assert client.post(reset, {"email": "x@example.com"}, REMOTE_ADDR="::ffff:203.0.113.7").status_code == 302


def test_behind_a_proxy_an_ipv6_visitor_counts_as_its_network(client, operator, settings):
    settings.CLIENT_IP_HEADER = "X-Real-IP"
    for host in range(1, settings.AXES_FAILURE_LIMIT + 1):
        client.post(
            LOGIN,
            {"username": "operator.badung", "password": "salah"},
            REMOTE_ADDR="10.0.0.1",
            HTTP_X_REAL_IP=f"2001:db8:7:1::{host}",
        )
    assert AccessAttempt.objects.get().ip_address == "2001:db8:7:1::"
    refused = client.post(
        LOGIN,
        {"username": "operator.badung", "password": PASSWORD},
        REMOTE_ADDR="10.0.0.1",
        HTTP_X_REAL_IP="2001:db8:7:1::9",
    )
    assert refused.status_code == 429


def test_limits_come_from_the_environment(tmp_path):
    env = process_env(f"sqlite:///{tmp_path / 'db.sqlite3'}", LOGIN_FAILURE_LIMIT="7", LOGIN_COOLOFF_MINUTES="45")
    printed = python(
        env, "from django.conf import settings\nprint(settings.AXES_FAILURE_LIMIT, settings.AXES_COOLOFF_TIME)"
    )
    assert printed.split() == ["7", "0:45:00"]


# --- password reset ----------------------------------------------------------------------------------------------


def test_the_login_page_links_to_the_password_reset(client, db):
    page = client.get(LOGIN).content.decode()
    assert f'<a href="{reverse("password_reset")}">Lupa kata sandi?</a>' in page


def test_the_reset_mail_holds_a_link_that_sets_a_new_password(client, operator, settings):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        log_in(client, "operator.badung", "tebakan-salah")
    assert log_in(client, "operator.badung", PASSWORD).status_code == 429

    response = client.post(reverse("password_reset"), {"email": "wayan@example.go.id"})
    assert response.status_code == 302 and response.url == reverse("password_reset_done")
    [message] = mail.outbox
    assert message.to == ["wayan@example.go.id"]
    assert message.from_email == settings.DEFAULT_FROM_EMAIL
    link = re.search(r"https?://testserver(/admin/sandi-baru/\S+/)", message.body).group(1)

    form_page = client.get(link, follow=True)
    assert form_page.status_code == 200
    set_password_url = form_page.redirect_chain[-1][0]
    done = client.post(set_password_url, {"new_password1": "Sandi-Baru-2026!", "new_password2": "Sandi-Baru-2026!"})
    assert done.status_code == 302 and done.url == reverse("password_reset_complete")
    assert "Registri IKM" in client.get(done.url).content.decode()  # the admin's header on the reset pages

    operator.refresh_from_db()
    assert operator.check_password("Sandi-Baru-2026!")
    assert log_in(client, "operator.badung", "Sandi-Baru-2026!").status_code == 302  # and the lockout is lifted
    assert client.get(link, follow=True).context["validlink"] is False  # the link works once


def test_an_unknown_address_gets_the_same_answer_and_no_mail(client, operator):
    response = client.post(reverse("password_reset"), {"email": "orang.lain@example.com"})
    assert response.status_code == 302 and response.url == reverse("password_reset_done")
    assert mail.outbox == []


def test_reset_requests_are_rate_limited_per_client(client, operator, settings):
    settings.PASSWORD_RESET_RATE = "3/h"
    for _ in range(3):
        assert client.post(reverse("password_reset"), {"email": "wayan@example.go.id"}).status_code == 302
    response = client.post(reverse("password_reset"), {"email": "wayan@example.go.id"})
    assert response.status_code == 429
    assert "terlalu banyak permintaan" in response.content.decode()
    assert int(response["Retry-After"]) > 0
    assert len(mail.outbox) == 3


def test_development_mail_goes_to_the_console(tmp_path):
    env = process_env(f"sqlite:///{tmp_path / 'db.sqlite3'}", DEBUG="1")
    assert python(env, "from django.conf import settings\nprint(settings.EMAIL_BACKEND)").strip() == (
        "django.core.mail.backends.console.EmailBackend"
    )
    env = process_env(f"sqlite:///{tmp_path / 'db.sqlite3'}", EMAIL_URL="smtp+tls://u:p@smtp.example.go.id:587")
    printed = python(
        env, "from django.conf import settings\nprint(settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_USE_TLS)"
    )
    assert printed.split() == ["smtp.example.go.id", "587", "True"]
