"""Issue 9.5: a verified, published or inactive business is deactivated, never deleted — except by a superuser —
and every deletion stays in history (the record's versions and its status steps)."""

import pytest
from django.contrib.auth import get_user_model
from django.contrib.messages import get_messages
from django.urls import reverse
from pytest_django.asserts import assertContains, assertNotContains

from businesses.choices import BusinessStatus
from businesses.models import Business, Owner
from businesses.services import business_submit
from ikm_registry.choices import StaffRole
from tests.factories import BusinessFactory, staff_user

S = BusinessStatus
CHECKED = [S.VERIFIED, S.PUBLISHED, S.INACTIVE]
UNCHECKED = [S.DRAFT, S.SUBMITTED, S.RETURNED, S.REJECTED]


@pytest.fixture
def superuser_client(client, tuban):
    client.force_login(get_user_model().objects.create_superuser("admin", "admin@example.org", "x"))
    return client


def delete_url(business):
    return reverse("admin:businesses_business_delete", args=[business.pk])


def bulk_delete(client, businesses):
    return client.post(
        reverse("admin:businesses_business_changelist"),
        {"action": "delete_selected", "_selected_action": [b.pk for b in businesses], "post": "yes"},
    )


@pytest.mark.parametrize("status", CHECKED)
def test_operator_cannot_delete_a_checked_business(operator_client, tuban, status):
    business = BusinessFactory(village=tuban, status=status)
    change = operator_client.get(reverse("admin:businesses_business_change", args=[business.pk]))
    assertNotContains(change, delete_url(business))
    assert operator_client.get(delete_url(business)).status_code == 403
    assert operator_client.post(delete_url(business), {"post": "yes"}).status_code == 403
    assert Business.objects.filter(pk=business.pk).exists()


@pytest.mark.parametrize("role", [StaffRole.PROVINCE, StaffRole.NATIONAL])
def test_province_and_national_staff_cannot_either(client, tuban, role):
    business = BusinessFactory(village=tuban, status=S.PUBLISHED)
    client.force_login(staff_user(role, "51", username=f"staf.{role}"))
    assert client.post(delete_url(business), {"post": "yes"}).status_code == 403
    assert Business.objects.filter(pk=business.pk).exists()


@pytest.mark.parametrize("status", UNCHECKED)
def test_operator_deletes_an_unchecked_business(operator_client, tuban, status):
    business = BusinessFactory(village=tuban, status=status)
    assert operator_client.post(delete_url(business), {"post": "yes"}).status_code == 302
    assert not Business.objects.filter(pk=business.pk).exists()


def test_bulk_delete_with_a_checked_business_deletes_nothing_and_says_why(operator_client, tuban):
    drafts = [BusinessFactory(name=f"Draf {n}", village=tuban, status=S.DRAFT) for n in range(2)]
    published = BusinessFactory(name="Tenun Terbit", village=tuban, status=S.PUBLISHED)
    response = bulk_delete(operator_client, [*drafts, published])
    assert response.status_code == 302
    assert Business.objects.count() == 3
    [message] = [str(m) for m in get_messages(response.wsgi_request)]
    assert message.startswith("Tidak ada yang dihapus: 1 IKM terpilih sudah terverifikasi, terbit atau tidak aktif")
    assert "Tenun Terbit" in message and "Nonaktifkan" in message


def test_bulk_delete_of_unchecked_businesses_asks_then_deletes(operator_client, tuban):
    drafts = [BusinessFactory(name=f"Draf {n}", village=tuban, status=S.DRAFT) for n in range(2)]
    confirm = operator_client.post(
        reverse("admin:businesses_business_changelist"),
        {"action": "delete_selected", "_selected_action": [b.pk for b in drafts]},
    )
    assertContains(confirm, "Draf 0")  # Django's confirmation page
    assert bulk_delete(operator_client, drafts).status_code == 302
    assert not Business.objects.exists()


def test_superuser_may_delete_a_published_business(superuser_client, tuban):
    business = BusinessFactory(village=tuban, status=S.PUBLISHED)
    assert superuser_client.post(delete_url(business), {"post": "yes"}).status_code == 302
    assert not Business.objects.filter(pk=business.pk).exists()
    published = BusinessFactory(village=tuban, status=S.PUBLISHED)
    assert bulk_delete(superuser_client, [published]).status_code == 302
    assert not Business.objects.exists()


def test_a_deletion_stays_in_history_with_its_status_steps(operator_client, operator, tuban):
    business = BusinessFactory(name="Endek Draf", village=tuban, status=S.DRAFT)
    business_submit(business=business, actor=operator)
    pk = business.pk
    owner_pk = business.owner.pk
    assert operator_client.post(delete_url(business), {"post": "yes"}).status_code == 302

    assert not Business.objects.filter(pk=pk).exists() and not Owner.objects.filter(pk=owner_pk).exists()
    deleted = Business.history.filter(id=pk, history_type="-").get()
    assert (deleted.history_user, deleted.name) == (operator, "Endek Draf")
    assert Owner.history.filter(id=owner_pk, history_type="-").exists()
    steps = list(Business(pk=pk).transitions.values_list("from_state", "to_state", "actor"))
    assert steps == [(S.DRAFT, S.SUBMITTED, operator.pk)]
    # The Riwayat page of the deleted record still answers, with the deletion on it.
    response = operator_client.get(reverse("admin:businesses_business_history", args=[pk]))
    assert response.status_code == 200
    assertContains(response, "Endek Draf")
