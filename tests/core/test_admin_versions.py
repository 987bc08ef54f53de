"""Issue 9.2, lost update: a change form saved from a stale version is refused, the user's input kept.

Two staff open the same business; the first saves; the second's save, based on what they saw before, is refused
with who changed it and when, and the second's input is shown again, unsaved. Saving again after that is a
deliberate overwrite.
"""

import threading

import pytest
from django.db import connection
from django.test import Client
from django.urls import reverse
from pytest_django.asserts import assertContains

from businesses.choices import BusinessStatus
from businesses.models import Business, BusinessYear, Sentra
from businesses.services import business_verify
from ikm_registry.admin_base import VERSION_FIELD
from ikm_registry.choices import StaffRole
from tests.admin_forms import change_form_data, form_data_from_response
from tests.factories import (
    BusinessFactory,
    BusinessYearFactory,
    SentraFactory,
    staff_user,
)


@pytest.fixture
def business(tuban):
    business = BusinessFactory(
        name="Endek Sari",
        village=tuban,
        status=BusinessStatus.SUBMITTED,
        main_product="Endek",
        owner__name="Ni Luh Sari",
    )
    BusinessYearFactory(business=business, year=2024, workforce_male=2, investment=50_000_000)
    return business


def logged_in(username, role=StaffRole.OPERATOR, region="51.03"):
    client = Client()
    user = staff_user(role, region, username=username, first_name=username.split(".")[0].capitalize())
    client.force_login(user)
    return client


@pytest.fixture
def wayan():
    return logged_in("wayan.badung")


@pytest.fixture
def made():
    return logged_in("made.badung")


def change_url(obj):
    return reverse(f"admin:{obj._meta.app_label}_{obj._meta.model_name}_change", args=[obj.pk])


def test_the_second_save_from_a_stale_form_is_refused_and_its_input_kept(business, wayan, made):
    url = change_url(business)
    wayan_form = change_form_data(wayan, url)
    made_form = change_form_data(made, url)

    assert wayan.post(url, {**wayan_form, "name": "Endek Sari Dewi"}).status_code == 302
    response = made.post(url, {**made_form, "main_product": "Kain endek ikat"})

    assert response.status_code == 200  # the form again, not saved
    errors = response.context["adminform"].form.non_field_errors()
    assert len(errors) == 1
    assert errors[0].startswith("Data ini diubah oleh Wayan pada ")
    assertContains(response, "Data ini diubah oleh Wayan pada ")
    assertContains(response, 'value="Kain endek ikat"')  # Made's input is still in the form
    business.refresh_from_db()
    assert (business.name, business.main_product) == ("Endek Sari Dewi", "Endek")  # Wayan's save stands, alone


def test_saving_again_after_the_refusal_is_a_deliberate_overwrite(business, wayan, made):
    url = change_url(business)
    made_form = change_form_data(made, url)
    wayan.post(url, change_form_data(wayan, url, name="Endek Sari Dewi"))
    refused = made.post(url, {**made_form, "main_product": "Kain endek ikat"})
    assert refused.status_code == 200

    again = made.post(url, form_data_from_response(refused))
    assert again.status_code == 302
    business.refresh_from_db()
    # Made's form still held the old name: the second save writes what Made saw and typed.
    assert (business.name, business.main_product) == ("Endek Sari", "Kain endek ikat")


def test_a_change_to_an_inline_row_makes_the_form_stale(business, wayan, made):
    """Both change the 2024 figures in the yearly-figures inline: the second change is refused."""
    url = change_url(business)
    wayan_form = change_form_data(wayan, url)
    made_form = change_form_data(made, url)
    assert wayan.post(url, {**wayan_form, "years-0-workforce_male": "7"}).status_code == 302
    response = made.post(url, {**made_form, "years-0-investment": "75.000.000"})
    assert response.status_code == 200
    assertContains(response, "Data ini diubah oleh Wayan pada ")
    assertContains(response, 'value="75.000.000"')
    figures = BusinessYear.objects.get(business=business, year=2024)
    assert (figures.workforce_male, figures.investment) == (7, 50_000_000)


def test_an_added_or_deleted_inline_row_makes_the_form_stale(business, wayan, made):
    url = change_url(business)
    made_form = change_form_data(made, url)
    BusinessYearFactory(business=business, year=2025)
    response = made.post(url, {**made_form, "main_product": "Kain endek ikat"})
    assert response.status_code == 200
    assert "Data ini diubah oleh" in response.context["adminform"].form.non_field_errors()[0]
    assert Business.objects.get(pk=business.pk).main_product == "Endek"


def test_a_workflow_step_in_between_makes_the_form_stale(business, made):
    url = change_url(business)
    made_form = change_form_data(made, url)
    business_verify(business=business, actor=staff_user(StaffRole.PROVINCE, "51", username="staf.bali"))
    response = made.post(url, {**made_form, "main_product": "Kain endek ikat", "_workflow": "verify"})
    assert response.status_code == 200
    business.refresh_from_db()
    assert (business.status, business.main_product) == (BusinessStatus.VERIFIED, "Endek")


def test_a_save_that_changed_nothing_is_no_conflict(business, wayan, made):
    url = change_url(business)
    made_form = change_form_data(made, url)
    assert wayan.post(url, change_form_data(wayan, url)).status_code == 302  # saved as it was (updated_at moves)
    assert made.post(url, {**made_form, "main_product": "Kain endek ikat"}).status_code == 302
    assert Business.objects.get(pk=business.pk).main_product == "Kain endek ikat"


def test_a_form_without_its_version_is_refused(business, made):
    url = change_url(business)
    data = change_form_data(made, url, main_product="Kain endek ikat")
    del data[VERSION_FIELD]
    response = made.post(url, data)
    assert response.status_code == 200
    assert response.context["adminform"].form.non_field_errors()[0].startswith("Formulir ini tidak membawa versi")
    assert Business.objects.get(pk=business.pk).main_product == "Endek"


def test_sentra_forms_are_checked_too(tuban, wayan, made):
    sentra = SentraFactory(name="Sentra Endek Tuban", village=tuban, kbli_id="13134")
    url = change_url(sentra)
    made_form = change_form_data(made, url)
    assert wayan.post(url, change_form_data(wayan, url, description="Dibina sejak 2019.")).status_code == 302
    response = made.post(url, {**made_form, "address": "Jl. Raya Tuban"})
    assert response.status_code == 200
    assert Sentra.objects.get(pk=sentra.pk).description == "Dibina sejak 2019."


@pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks exist only on PostgreSQL")
@pytest.mark.django_db(transaction=True)
def test_two_simultaneous_saves_of_one_version_let_exactly_one_through(tuban):
    business = BusinessFactory(name="Endek Sari", village=tuban, status=BusinessStatus.SUBMITTED)
    clients = [logged_in(f"staf{n}.badung") for n in range(4)]
    url = change_url(business)
    forms = [change_form_data(client, url, main_product=f"Produk {n}") for n, client in enumerate(clients)]
    start = threading.Barrier(len(clients))
    codes = []

    def save(client, data):
        start.wait()
        codes.append(client.post(url, data).status_code)
        connection.close()

    threads = [threading.Thread(target=save, args=pair) for pair in zip(clients, forms, strict=True)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(codes) == [200, 200, 200, 302]
    assert business.history.filter(history_type="~").count() == 1
