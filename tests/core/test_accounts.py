"""Accounts (issue 13, point 9): the staff flag follows the office membership, the failed login reads well in
Indonesian, other packages' admin entries have Indonesian names, and an official meets no menu entry they cannot
use."""

import re

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from ikm_registry.accounts import staff_flag_follow
from ikm_registry.choices import StaffRole
from ikm_registry.models import StaffMembership
from ikm_registry.scoping import register_membership, scope_for, unregister_membership
from tests.admin_forms import change_form_data
from tests.factories import BusinessFactory, SentraFactory, UserFactory, office_for, staff_user

pytestmark = pytest.mark.django_db

PASSWORD = "rahasia-uji-123"
LOGIN = "/admin/login/"


@pytest.fixture
def badung(bali_regions):
    return office_for("51.03")


def newcomer(**fields):
    user = UserFactory(username="wayan", is_staff=False, **fields)
    user.set_password(PASSWORD)
    user.save()
    return user


def log_in(client, username="wayan"):
    return client.post(LOGIN, {"username": username, "password": PASSWORD, "next": "/admin/"})


def user_form_data(client, user) -> dict:
    """The user's admin change form as saved unchanged (the dates in the split widget's two inputs)."""
    data = change_form_data(client, reverse("admin:auth_user_change", args=[user.pk]))
    for name in ("date_joined", "last_login"):
        value = data.pop(name, None)
        if value:
            moment = timezone.localtime(getattr(user, name))
            data[f"{name}_0"], data[f"{name}_1"] = moment.strftime("%Y-%m-%d"), moment.strftime("%H:%M:%S")
    return data


def is_staff(user) -> bool:
    return get_user_model().objects.get(pk=user.pk).is_staff


# --- the staff flag follows the membership ------------------------------------------------------------------------


def test_a_user_given_a_membership_can_sign_in(client, badung):
    user = newcomer()
    assert log_in(client).status_code == 200  # no membership: the login page again
    StaffMembership.objects.create(user=user, office=badung, role=StaffRole.OPERATOR)
    assert is_staff(user)
    response = log_in(client)
    assert response.status_code == 302 and response["Location"] == "/admin/"
    assert client.get("/admin/").status_code == 200


def test_a_membership_given_in_the_users_admin_page_makes_staff(admin_client, badung):
    user = newcomer()
    url = reverse("admin:auth_user_change", args=[user.pk])
    data = user_form_data(admin_client, user)
    data.update({"membership-0-office": badung.pk, "membership-0-role": StaffRole.OFFICIAL})
    response = admin_client.post(url, data)
    assert response.status_code == 302, response.context["adminform"].form.errors if response.context else response
    assert StaffMembership.objects.get(user=user).role == StaffRole.OFFICIAL
    assert is_staff(user)


def test_unticking_staff_of_a_member_in_the_users_admin_page_keeps_them_staff(admin_client, badung):
    user = staff_user(StaffRole.OPERATOR, "51.03", username="made")
    url = reverse("admin:auth_user_change", args=[user.pk])
    data = user_form_data(admin_client, user)
    data.pop("is_staff", None)
    assert admin_client.post(url, data).status_code == 302
    assert is_staff(user)


def test_removing_the_last_membership_ends_staff_access(client, badung):
    user = newcomer()
    membership = StaffMembership.objects.create(user=user, office=badung, role=StaffRole.OPERATOR)
    membership.delete()
    assert not is_staff(user)
    response = log_in(client)
    assert response.status_code == 200 and "_auth_user_id" not in client.session


def test_another_membership_an_app_registers_keeps_staff_access(badung):
    user = newcomer()
    register_membership("toy-lsp", lambda someone: [7] if someone.pk == user.pk else [])
    try:
        membership = StaffMembership.objects.create(user=user, office=badung, role=StaffRole.OPERATOR)
        membership.delete()
        assert is_staff(user)
    finally:
        unregister_membership("toy-lsp")


def test_superusers_are_left_alone(badung):
    boss = UserFactory(username="boss", is_staff=False, is_superuser=True)
    StaffMembership.objects.create(user=boss, office=badung, role=StaffRole.NATIONAL).delete()
    assert not is_staff(boss)
    admin_user = UserFactory(username="root", is_staff=True, is_superuser=True)
    StaffMembership.objects.create(user=admin_user, office=badung, role=StaffRole.NATIONAL).delete()
    assert is_staff(admin_user)


def test_following_the_flag_refreshes_the_scope_cached_on_the_user(badung):
    user = newcomer()
    assert not scope_for(user).has_access
    StaffMembership.objects.create(user=user, office=badung, role=StaffRole.OPERATOR)
    user.refresh_from_db()
    assert not staff_flag_follow(user)  # already done by the membership's signal
    assert scope_for(user).region_code == "51.03"


# --- the failed login reads well ---------------------------------------------------------------------------------


def test_a_wrong_password_is_explained_in_plain_indonesian(client, badung):
    staff_user(StaffRole.OPERATOR, "51.03", username="made")
    page = client.post(LOGIN, {"username": "made", "password": "salah", "next": "/admin/"}).content.decode()
    assert "Nama pengguna atau kata sandi salah (huruf besar dan kecil dibedakan)" in page
    assert "nama pengguna nama pengguna" not in page.lower()
    assert "Masukkan" not in page


def test_a_user_who_is_not_staff_gets_the_same_message(client, badung):
    newcomer()
    page = log_in(client).content.decode()
    assert "atau akun ini bukan akun staf kantor" in page


# --- other packages' admin entries in Indonesian -------------------------------------------------------------------


def test_other_packages_entries_have_indonesian_names(admin_client):
    page = admin_client.get("/admin/").content.decode()
    names = [re.sub(r"\s+", " ", name).strip() for name in re.findall(r"<caption>\s*<a[^>]*>(.*?)</a>", page, re.S)]
    assert "Keamanan masuk" in names and "Antrean latar belakang" in names
    assert ">Hasil tugas latar belakang<" in page
    for english in ("Task Results", "Tasks Database Backend", ">Axes<", "Django_Tasks"):
        assert english not in page
    tasks = admin_client.get("/admin/django_tasks_database/dbtaskresult/").content.decode()
    assert "Pilih hasil tugas latar belakang untuk melihat" in tasks


def test_the_names_change_no_migration():
    call_command("makemigrations", "axes", "django_tasks_database", check=True, dry_run=True, verbosity=0)


# --- an official meets no entry they cannot use --------------------------------------------------------------------

ADMIN_LINK = re.compile(r'href="(/admin/[^"#]*)"')


@pytest.fixture
def official_client(client, bali_regions, kbli):
    BusinessFactory(village=bali_regions.tuban)
    SentraFactory(village=bali_regions.tuban)
    official = staff_user(StaffRole.OFFICIAL, "51.03", username="kabid.badung")
    client.force_login(official)
    return client


# An official reads the registry and writes nothing in it; the one thing they make is their own API token (a
# credential for reading the same records, see test_api_tokens.py), so that entry is left out of the checks below.
OWN_CREDENTIALS = "ApiToken"


def without_own_credentials(page: str) -> str:
    return re.sub(r'<tr class="model-apitoken">.*?</tr>', "", page, flags=re.S)


def test_every_menu_entry_and_header_link_of_an_official_opens(official_client):
    response = official_client.get("/admin/")
    page = response.content.decode()
    models = [model for app in response.context["app_list"] for model in app["models"]]
    assert OWN_CREDENTIALS in {model["object_name"] for model in models}
    entries = [model for model in models if model["object_name"] != OWN_CREDENTIALS]
    page = without_own_credentials(page)
    assert entries
    for model in entries:
        assert model.get("view_only", True), model["name"]  # "Lihat", never "Ubah"
        assert not model.get("add_url") or not model["perms"]["add"], model["name"]
    assert 'class="addlink"' not in page and 'class="changelink"' not in page
    user_tools = page[page.index('id="user-tools"') : page.index("</div>", page.index('id="user-tools"'))]
    links = {*(model["admin_url"] for model in entries), *ADMIN_LINK.findall(user_tools)}
    links |= {href for href in ADMIN_LINK.findall(page) if "?" not in href}
    for url in sorted(link for link in links if "/apitoken/" not in link):
        opened = official_client.get(url.replace("&amp;", "&"))
        assert opened.status_code == 200, f"{url}: {opened.status_code}"
        listed = without_own_credentials(opened.content.decode())
        tools = re.search(r'<ul class="object-tools">(.*?)</ul>', listed, re.S)
        for tool in ADMIN_LINK.findall(tools.group(1) if tools else ""):
            assert official_client.get(tool.replace("&amp;", "&")).status_code == 200, f"{url} → {tool}"
        assert 'name="action"' not in listed, f"{url} offers bulk actions"
        assert 'class="addlink"' not in listed, f"{url} offers to add"
