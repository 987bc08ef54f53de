"""The shared helpers of the core (one definition each): public addresses, consent to publish a contact, QR codes."""

import datetime
from types import SimpleNamespace

from ikm_registry.personal_data import consent_given, consent_lookup, consented_value
from ikm_registry.public_url import public_url
from ikm_registry.qr import qr_svg

TODAY = datetime.date(2026, 11, 30)


def test_public_url_joins_the_base_and_the_path_once(settings):
    settings.PUBLIC_BASE_URL = "https://ikm.baliprov.go.id/"
    assert public_url("/direktori/ikm/7/") == "https://ikm.baliprov.go.id/direktori/ikm/7/"
    settings.PUBLIC_BASE_URL = "https://ikm.baliprov.go.id"
    assert public_url("direktori/") == "https://ikm.baliprov.go.id/direktori/"


def test_consent_holds_from_its_date_on():
    assert consent_given(TODAY, TODAY)
    assert consent_given(TODAY - datetime.timedelta(days=1), TODAY)
    assert not consent_given(TODAY + datetime.timedelta(days=1), TODAY)  # dated in the future: not yet
    assert not consent_given(None, TODAY)


def test_consented_value_needs_a_value_and_a_consent():
    owner = SimpleNamespace(phone="0812", phone_public_since=TODAY, email="", email_public_since=TODAY)
    assert consented_value(owner, "phone", TODAY) == "0812"
    assert consented_value(owner, "email", TODAY) == ""  # consent, nothing to publish
    owner.phone_public_since = None
    assert consented_value(owner, "phone", TODAY) == ""


def test_consent_lookup_is_the_same_rule_for_querysets():
    assert consent_lookup("phone", TODAY) == {"phone_public_since__lte": TODAY}
    assert consent_lookup("email", TODAY, prefix="owner__") == {"owner__email_public_since__lte": TODAY}


def test_qr_svg_is_an_inline_svg_in_millimetres():
    svg = qr_svg("https://ikm.baliprov.go.id/direktori/ikm/7/")
    assert svg.startswith("<svg") and 'width="' in svg and "mm" in svg
    assert svg != qr_svg("https://ikm.baliprov.go.id/direktori/ikm/8/")
