"""Personal API tokens of staff (issue 14): made in the admin (the key shown once, only its digest kept), held only by
active staff who reach records, managed by their holder (superusers: anyone's), revoked at once, expiring, and
recognised only in a header of the right shape."""

import hashlib
from datetime import timedelta

import pytest
from django.apps import apps
from django.contrib.sessions.models import Session
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from ikm_registry.api.tokens import LAST_USED_RESOLUTION, api_token_create, api_token_find, api_token_revoke
from ikm_registry.models import ApiToken
from tests.factories import UserFactory, staff_user

pytestmark = pytest.mark.django_db

STAFF_LIST = "/api/v1/staf/usaha/"
ADD = reverse("admin:ikm_registry_apitoken_add")
CHANGELIST = reverse("admin:ikm_registry_apitoken_changelist")


def _api(key: str, path: str = STAFF_LIST, keyword: str = "Token"):
    return Client().get(path, HTTP_AUTHORIZATION=f"{keyword} {key}")


@pytest.fixture
def operator(bali_regions, kbli):
    return staff_user("operator", "51.03", username="operator.badung")


@pytest.fixture
def other(bali_regions):
    return staff_user("operator", "51.71", username="operator.denpasar")


@pytest.fixture
def superuser(db):
    return UserFactory(username="admin.token", is_staff=True, is_superuser=True)


def _signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _everywhere(text: str) -> list[str]:
    """Every text column of every model (history tables, admin log, sessions too) holding `text`."""
    found = []
    for model in apps.get_models():
        for model_field in model._meta.concrete_fields:
            if isinstance(model_field, models.CharField | models.TextField):
                if model._base_manager.filter(**{f"{model_field.attname}__contains": text}).exists():
                    found.append(f"{model._meta.label}.{model_field.attname}")
    return found


# --- created in the admin: the key once, its digest kept ------------------------------------------------------------


def test_the_key_is_shown_once_after_save_and_only_its_digest_is_stored(operator):
    client = _signed_in(operator)
    response = client.post(ADD, {"name": "Sinkron SIINas", "expires_at_0": "", "expires_at_1": ""})
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    token = ApiToken.objects.get()
    page = response.content.decode()
    key = response.context["key"]
    assert key.startswith(token.prefix) and len(key) > 40
    assert f'value="{key}"' in page and f"Authorization: Token {key}" in page
    assert token.user == operator and token.created_by == operator and token.name == "Sinkron SIINas"
    assert token.digest == hashlib.sha256(key.encode()).hexdigest()
    secret = key.removeprefix(token.prefix)
    assert _everywhere(secret) == []
    for session in Session.objects.all():
        assert secret not in str(session.get_decoded())
    assert all(secret not in cookie.value for cookie in response.cookies.values())
    # never again: not on its page, not in the list
    for url in (reverse("admin:ikm_registry_apitoken_change", args=[token.pk]), CHANGELIST):
        shown = client.get(url)
        assert shown.status_code == 200 and secret not in shown.content.decode()
    assert token.prefix in client.get(CHANGELIST).content.decode()
    # and it opens the API
    assert _api(key).status_code == 200


def test_a_superuser_makes_a_token_for_another_staff_member(superuser, operator):
    client = _signed_in(superuser)
    response = client.post(ADD, {"user": operator.pk, "name": "Untuk operator", "expires_at_0": "", "expires_at_1": ""})
    assert response.status_code == 200
    token = ApiToken.objects.get()
    assert token.user == operator and token.created_by == superuser
    assert _api(response.context["key"]).status_code == 200


def test_a_staff_member_cannot_make_a_token_for_someone_else(operator, other):
    client = _signed_in(operator)
    response = client.post(ADD, {"user": other.pk, "name": "Bukan milik saya", "expires_at_0": "", "expires_at_1": ""})
    assert response.status_code == 200
    assert list(ApiToken.objects.values_list("user", flat=True)) == [operator.pk]  # the form has no holder to choose
    with pytest.raises(PermissionDenied):
        api_token_create(user=other, name="x", created_by=operator)
    assert ApiToken.objects.count() == 1


def test_a_staff_member_sees_and_revokes_only_their_own_tokens(operator, other):
    mine, _key = api_token_create(user=operator, name="Punya saya", created_by=operator)
    theirs, their_key = api_token_create(user=other, name="Punya Denpasar", created_by=other)
    client = _signed_in(operator)
    listed = client.get(CHANGELIST).content.decode()
    assert "Punya saya" in listed and "Punya Denpasar" not in listed
    assert client.get(reverse("admin:ikm_registry_apitoken_change", args=[theirs.pk])).status_code == 404
    # the revoke action names their token: it is not in the list the action reads
    client.post(CHANGELIST, {"action": "revoke", "_selected_action": [theirs.pk], "index": 0})
    theirs.refresh_from_db()
    assert theirs.revoked_at is None and _api(their_key).status_code == 200
    with pytest.raises(PermissionDenied):
        api_token_revoke(token=theirs, actor=operator)


def test_a_superuser_sees_every_token(superuser, operator, other):
    api_token_create(user=operator, name="Punya Badung", created_by=operator)
    theirs, _key = api_token_create(user=other, name="Punya Denpasar", created_by=other)
    client = _signed_in(superuser)
    listed = client.get(CHANGELIST).content.decode()
    assert "Punya Badung" in listed and "Punya Denpasar" in listed
    assert client.get(reverse("admin:ikm_registry_apitoken_change", args=[theirs.pk])).status_code == 200


# --- revoked, expired, its holder gone --------------------------------------------------------------------------------


def test_the_revoke_action_stops_the_key_at_once(operator):
    token, key = api_token_create(user=operator, name="Dicabut", created_by=operator)
    assert _api(key).status_code == 200
    response = _signed_in(operator).post(CHANGELIST, {"action": "revoke", "_selected_action": [token.pk], "index": 0})
    assert response.status_code == 302
    token.refresh_from_db()
    assert token.revoked_at is not None and not token.is_active
    answer = _api(key)
    assert answer.status_code == 401
    assert answer.json() == {"detail": "Token tidak dikenal, sudah dicabut, atau kedaluwarsa."}
    assert answer["WWW-Authenticate"] == 'Token realm="api"'
    assert ApiToken.objects.filter(pk=token.pk).exists()  # the row stays for the record


def test_an_expired_token_opens_nothing(operator):
    token, key = api_token_create(
        user=operator, name="Sebentar", created_by=operator, expires_at=timezone.now() + timedelta(hours=1)
    )
    assert _api(key).status_code == 200
    ApiToken.objects.filter(pk=token.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    assert _api(key).status_code == 401
    with pytest.raises(ValidationError):
        api_token_create(user=operator, name="Lampau", created_by=operator, expires_at=timezone.now())


def test_a_token_of_a_deactivated_or_no_longer_staff_account_opens_nothing(operator):
    _token, key = api_token_create(user=operator, name="Pergi", created_by=operator)
    operator.is_active = False
    operator.save()
    assert _api(key).status_code == 401
    operator.is_active, operator.is_staff = True, False
    operator.save()
    assert _api(key).status_code == 401


@pytest.mark.parametrize("who", ["not staff", "inactive", "no office"])
def test_only_active_staff_who_reach_records_may_hold_a_token(bali_regions, superuser, who):
    user = {
        "not staff": lambda: UserFactory(is_staff=False),
        "inactive": lambda: staff_user("operator", "51.03", is_active=False),
        "no office": lambda: UserFactory(is_staff=True),
    }[who]()
    with pytest.raises(ValidationError) as refused:
        api_token_create(user=user, name="x", created_by=superuser)
    assert "user" in refused.value.message_dict
    response = _signed_in(superuser).post(ADD, {"user": user.pk, "name": "x", "expires_at_0": "", "expires_at_1": ""})
    assert response.status_code == 200 and "user" in response.context["adminform"].form.errors
    assert not ApiToken.objects.exists()


def test_a_name_is_required(operator):
    with pytest.raises(ValidationError) as refused:
        api_token_create(user=operator, name="  ", created_by=operator)
    assert "name" in refused.value.message_dict


# --- when it was last used ------------------------------------------------------------------------------------------


def test_last_used_is_written_at_most_once_per_resolution(operator, django_assert_num_queries):
    token, key = api_token_create(user=operator, name="Dipakai", created_by=operator)
    assert token.last_used_at is None
    assert api_token_find(key) is not None
    token.refresh_from_db()
    first = token.last_used_at
    assert first is not None
    with django_assert_num_queries(1):  # the lookup only: no write within the resolution
        assert api_token_find(key) is not None
    assert _api(key).status_code == 200
    token.refresh_from_db()
    assert token.last_used_at == first
    # just within the resolution: still not written
    almost = timezone.now() - LAST_USED_RESOLUTION + timedelta(seconds=30)
    ApiToken.objects.filter(pk=token.pk).update(last_used_at=almost)
    assert _api(key).status_code == 200
    token.refresh_from_db()
    assert token.last_used_at == almost
    # past it: written once more
    stale = timezone.now() - LAST_USED_RESOLUTION - timedelta(seconds=1)
    ApiToken.objects.filter(pk=token.pk).update(last_used_at=stale)
    assert _api(key).status_code == 200
    token.refresh_from_db()
    assert token.last_used_at > stale + LAST_USED_RESOLUTION


# --- the header -----------------------------------------------------------------------------------------------------


def test_token_and_bearer_keywords_are_accepted(operator):
    _token, key = api_token_create(user=operator, name="Kata kunci", created_by=operator)
    assert _api(key, keyword="Token").status_code == 200
    assert _api(key, keyword="Bearer").status_code == 200
    assert _api(key, keyword="token").status_code == 200


@pytest.mark.parametrize(
    ("header", "message"),
    [
        ("Token", "Header Authorization harus berbentuk “Token <kunci>”."),
        ("Token {key} lagi", "Header Authorization harus berbentuk “Token <kunci>”."),
        ("Token ikm_bukan-kunci", "Token tidak dikenal, sudah dicabut, atau kedaluwarsa."),
        ("Token {prefix}_salah", "Token tidak dikenal, sudah dicabut, atau kedaluwarsa."),
        ("Token {key}x", "Token tidak dikenal, sudah dicabut, atau kedaluwarsa."),
    ],
)
def test_a_malformed_or_unknown_key_is_a_401_that_says_why(operator, header, message):
    token, key = api_token_create(user=operator, name="Benar", created_by=operator)
    response = Client().get(STAFF_LIST, HTTP_AUTHORIZATION=header.format(key=key, prefix=token.prefix))
    assert response.status_code == 401
    assert response.json() == {"detail": message}
    assert response["WWW-Authenticate"] == 'Token realm="api"'


@pytest.mark.parametrize("header", ["", "Basic YWRtaW46YWRtaW4=", "{key}"])
def test_without_a_token_a_staff_endpoint_is_a_401(operator, header):
    _token, key = api_token_create(user=operator, name="Benar", created_by=operator)
    headers = {"HTTP_AUTHORIZATION": header.format(key=key)} if header else {}
    response = Client().get(STAFF_LIST, **headers)
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == 'Token realm="api"'


def test_a_signed_in_session_does_not_open_the_staff_api(superuser):
    client = _signed_in(superuser)
    assert client.get(reverse("admin:index")).status_code == 200
    assert client.get(STAFF_LIST).status_code == 401
    assert client.post("/api/v1/staf/impor/businesses/", {}, content_type="application/json").status_code == 401
