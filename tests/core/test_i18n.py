"""Indonesian is the source language; English comes from locale/en. The catalogue is complete, the committed .mo
matches the .po, and the admin and the public site switch language by the cookie the language switch sets (not by Accept-Language)."""

import re
from io import StringIO
from pathlib import Path

import polib
import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import translation

from businesses.choices import BusinessStatus
from businesses.management.commands.seed_demo import Command as SeedDemoCommand
from businesses.models import Business, Product
from ikm_registry.choices import RegionLevel, StaffRole
from ikm_registry.models import Region
from tests.factories import UserFactory

LOCALE_DIR = Path(settings.LOCALE_PATHS[0]) / "en" / "LC_MESSAGES"
PO_PATH = LOCALE_DIR / "django.po"
MO_PATH = LOCALE_DIR / "django.mo"

# %(name)s, %(seconds).1f, ...: a named Python placeholder with its conversion.
NAMED_PLACEHOLDER = re.compile(r"%\((\w+)\)[-#0 +]*\d*(?:\.\d+)?[diouxXeEfFgGcrsa]")
# %s, %d, ...: a positional one (%% is a literal percent sign, not a placeholder).
POSITIONAL_PLACEHOLDER = re.compile(r"%(?!\()[-#0 +]*\d*(?:\.\d+)?[diouxXeEfFgGcrsa]")
HTML_TAG = re.compile(r"</?[a-zA-Z][^>]*>")


def placeholders(text: str) -> set[str]:
    text = text.replace("%%", "")
    return set(NAMED_PLACEHOLDER.findall(text))


def positional(text: str) -> list[str]:
    return POSITIONAL_PLACEHOLDER.findall(text.replace("%%", ""))


@pytest.fixture(scope="module")
def po():
    return polib.pofile(str(PO_PATH))


def entry_name(entry) -> str:
    return f"{entry.msgid!r} ({', '.join(f'{path}:{line}' for path, line in entry.occurrences[:2])})"


# --- the catalogue ------------------------------------------------------------------------------------------------


def test_header(po):
    assert po.metadata["Language"] == "en"
    assert po.metadata["Plural-Forms"] == "nplurals=2; plural=(n != 1);"
    assert "charset=UTF-8" in po.metadata["Content-Type"]
    assert not po.metadata_is_fuzzy


def test_every_entry_is_translated_and_none_is_fuzzy(po):
    assert len(po) > 0
    fuzzy = [entry_name(entry) for entry in po if "fuzzy" in entry.flags]
    assert fuzzy == []
    untranslated = []
    for entry in po:
        if entry.obsolete:
            continue
        if entry.msgid_plural:
            forms = [entry.msgstr_plural.get(index, "") for index in range(2)]
            if not all(form.strip() for form in forms):
                untranslated.append(entry_name(entry))
        elif not entry.msgstr.strip():
            untranslated.append(entry_name(entry))
    assert untranslated == []
    assert not [entry for entry in po if entry.obsolete], "run makemessages with --no-obsolete"


def test_translations_keep_placeholders_and_markup(po):
    problems = []
    for entry in po:
        if entry.msgid_plural:
            pairs = [(entry.msgid, entry.msgstr_plural[0]), (entry.msgid_plural, entry.msgstr_plural[1])]
            known = placeholders(entry.msgid) | placeholders(entry.msgid_plural)
        else:
            pairs = [(entry.msgid, entry.msgstr)]
            known = placeholders(entry.msgid)
        for source, translated in pairs:
            if not placeholders(source) <= placeholders(translated):
                problems.append(f"{entry_name(entry)}: lost {placeholders(source) - placeholders(translated)}")
            if not placeholders(translated) <= known:
                problems.append(f"{entry_name(entry)}: unknown {placeholders(translated) - known}")
            if positional(source) != positional(translated):
                problems.append(f"{entry_name(entry)}: positional placeholders differ")
            if sorted(HTML_TAG.findall(source)) != sorted(HTML_TAG.findall(translated)):
                problems.append(f"{entry_name(entry)}: HTML tags differ")
    assert problems == []


def test_committed_mo_matches_the_po(po):
    """A .po edited without `compilemessages` afterwards fails here."""
    assert MO_PATH.is_file(), "run: manage.py compilemessages -l en --ignore=.venv"

    def catalogue(entries):
        result = {}
        for entry in entries:
            if not entry.msgid:  # the header
                continue
            key = (entry.msgctxt, entry.msgid, entry.msgid_plural or None)
            if entry.msgid_plural:
                result[key] = tuple(entry.msgstr_plural[index] for index in sorted(entry.msgstr_plural))
            else:
                result[key] = entry.msgstr
        return result

    expected = catalogue(entry for entry in po.translated_entries() if not entry.obsolete)
    assert catalogue(polib.mofile(str(MO_PATH))) == expected


# --- Python strings -----------------------------------------------------------------------------------------------


def test_choices_and_verbose_names_in_english():
    with translation.override("en"):
        assert str(BusinessStatus.PUBLISHED.label) == "Published"
        assert str(BusinessStatus.SUBMITTED.label) == "Submitted"
        assert str(BusinessStatus.INACTIVE.label) == "Inactive"
        assert str(StaffRole.OFFICIAL.label) == "Official (read-only)"
        assert str(RegionLevel.REGENCY.label) == "Regency/city"
        assert str(Business._meta.verbose_name) == "IKM"
        assert str(Business._meta.get_field("name").verbose_name) == "business name"
        assert str(Product._meta.verbose_name) == "product"
        assert str(Region._meta.verbose_name) == "region"


def test_choices_and_verbose_names_in_indonesian():
    with translation.override("id"):
        assert str(BusinessStatus.PUBLISHED.label) == "Terbit"
        assert str(BusinessStatus.SUBMITTED.label) == "Diajukan"
        assert str(BusinessStatus.INACTIVE.label) == "Tidak aktif"
        assert str(StaffRole.OFFICIAL.label) == "Pejabat (hanya baca)"
        assert str(RegionLevel.REGENCY.label) == "Kabupaten/kota"
        assert str(Business._meta.verbose_name) == "IKM"
        assert str(Business._meta.get_field("name").verbose_name) == "nama usaha"
        assert str(Product._meta.verbose_name) == "produk"
        assert str(Region._meta.verbose_name) == "wilayah"


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        ("id", ["Akun demo:", "username", "password", "peran", "kantor", "Operator kabupaten/kota"]),
        ("en", ["Demo accounts:", "username", "password", "role", "office", "Regency/city operator"]),
    ],
)
def test_seed_demo_login_table_follows_the_language(language, expected):
    out = StringIO()
    with translation.override(language):
        SeedDemoCommand(stdout=out).write_logins()
    for text in expected:
        assert text in out.getvalue()
    # The column headers carry a context, so Django's own Indonesian catalogue does not rename them.
    assert "nama pengguna" not in out.getvalue()


# --- pages --------------------------------------------------------------------------------------------------------


@pytest.fixture
def superuser_client(client, db):
    client.force_login(UserFactory(username="super", is_staff=True, is_superuser=True))
    return client


def test_admin_home_is_indonesian_by_default(superuser_client):
    response = superuser_client.get(reverse("admin:index"))
    assert response.status_code == 200
    page = response.content.decode()
    assert "Perlu perhatian" in page
    assert "Seluruh Indonesia" in page
    assert "Needs attention" not in page


def test_admin_home_in_english_with_the_language_cookie(superuser_client):
    superuser_client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    response = superuser_client.get(reverse("admin:index"))
    assert response.status_code == 200
    page = response.content.decode()
    assert "Needs attention" in page
    assert "All of Indonesia" in page
    assert "Awaiting verification (oldest first)" in page
    assert "Perlu perhatian" not in page


def test_an_english_browser_still_gets_indonesian(superuser_client):
    """Office PCs often run an English browser; only the language switch (cookie) selects English."""
    response = superuser_client.get(reverse("admin:index"), headers={"accept-language": "en-US,en;q=0.9"})
    assert response.status_code == 200
    page = response.content.decode()
    assert "Perlu perhatian" in page
    assert "Needs attention" not in page


@pytest.mark.django_db
def test_public_home_is_indonesian_by_default(client):
    response = client.get("/")
    assert response.status_code == 200
    page = response.content.decode()
    assert '<html lang="id">' in page
    assert "Temukan IKM, sentra dan produk unggulan daerah" in page
    assert "Masuk petugas" in page


@pytest.mark.django_db
def test_public_home_in_english_with_the_language_cookie(client):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    response = client.get("/")
    assert response.status_code == 200
    page = response.content.decode()
    assert '<html lang="en">' in page
    assert "Find local IKM, sentra and featured products" in page
    assert "Staff login" in page
    assert "Temukan IKM, sentra dan produk unggulan daerah" not in page


@pytest.mark.django_db
def test_language_switcher_sets_the_cookie(client):
    response = client.post(reverse("set_language"), {"language": "en", "next": "/"})
    assert response.status_code == 302
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "en"
    assert "Find local IKM, sentra and featured products" in client.get("/").content.decode()


def test_admin_offers_the_language_switch(superuser_client):
    page = superuser_client.get(reverse("admin:index")).content.decode()
    assert 'name="language" value="en"' in page
    superuser_client.post(reverse("set_language"), {"language": "en", "next": reverse("admin:index")})
    page = superuser_client.get(reverse("admin:index")).content.decode()
    assert "Needs attention" in page
    assert 'name="language" value="id"' in page
