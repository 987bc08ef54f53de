"""`seed_demo` builds the Bali demo the issue asks for, and a second run changes nothing."""

from io import StringIO

import pytest
from django.conf import global_settings
from django.contrib.auth import authenticate
from django.core.management import call_command
from django.db import transaction
from django.db.models import Count
from django.db.models.functions import Left
from django.test import RequestFactory

from businesses.demo import DEMO_PASSWORD
from businesses.models import Business, BusinessYear, Owner, Product, Sentra
from ikm_registry.choices import RegionLevel, StaffRole
from ikm_registry.models import Kbli, Office, Region, StaffMembership

MODELS = [Region, Kbli, Business, Owner, BusinessYear, Product, Sentra, Office, StaffMembership]


@pytest.fixture(scope="module")
def seeded(django_db_setup, django_db_blocker):
    """Seed once for the module (it takes a few seconds) inside a transaction that is rolled back at the end."""
    with django_db_blocker.unblock(), transaction.atomic():
        first = StringIO()
        call_command("seed_demo", stdout=first)
        counts = {model.__name__: model.objects.count() for model in MODELS}
        second = StringIO()
        call_command("seed_demo", stdout=second)
        yield {"counts": counts, "first": first.getvalue(), "second": second.getvalue()}
        transaction.set_rollback(True)


pytestmark = pytest.mark.django_db


def test_bali_regions_are_complete(seeded):
    bali = Region.objects.filter(code__startswith="51")
    levels = dict(bali.values_list("level").annotate(n=Count("code")).order_by())
    assert levels == {
        RegionLevel.PROVINCE: 1,
        RegionLevel.REGENCY: 9,
        RegionLevel.DISTRICT: 57,
        RegionLevel.VILLAGE: 716,
    }
    # Outside Bali only the home of the certification demo's LSP, typed in certification/demo.py.
    assert set(Region.objects.exclude(code__startswith="51").values_list("code", flat=True)) == {"35", "35.78"}


def test_kbli_has_section_c_and_its_24_divisions(seeded):
    divisions = Kbli.objects.filter(parent_id="C").values_list("code", flat=True)
    assert sorted(divisions) == [str(number) for number in range(10, 34)]
    # every subclass a business uses has its whole parent chain
    for code in Business.objects.values_list("kbli_id", flat=True).distinct():
        assert {code[:4], code[:3], code[:2]} <= set(Kbli.objects.values_list("code", flat=True))


def test_at_least_300_businesses_in_every_regency(seeded):
    per_regency = dict(
        Business.objects.annotate(regency=Left("village_id", 5))
        .values_list("regency")
        .annotate(n=Count("pk"))
        .order_by()
    )
    assert Business.objects.count() >= 300
    assert len(per_regency) == 9
    assert all(count > 0 for count in per_regency.values())


def test_every_business_has_owner_products_and_two_data_years(seeded):
    assert not Business.objects.filter(owner__isnull=True).exists()
    assert not Business.objects.filter(products__isnull=True).exists()
    years = BusinessYear.objects.values_list("year", flat=True).distinct()
    assert len(set(years)) == 2
    assert Business.objects.annotate(n=Count("years")).filter(n=2).count() >= 300
    assert not Business.objects.filter(years__isnull=True).exists()


def test_every_demo_row_is_valid(seeded):
    for business in Business.objects.select_related("owner", "village", "kbli")[:400]:
        business.full_clean()
        business.owner.full_clean()


def test_sentra_meet_and_miss_pp29(seeded):
    sentra = list(Sentra.objects.with_member_counts())
    assert len(sentra) >= 6
    assert any(item.meets_pp29 for item in sentra)
    assert any(not item.meets_pp29 for item in sentra)


def test_offices_and_staff(seeded, settings):
    settings.PASSWORD_HASHERS = global_settings.PASSWORD_HASHERS  # the demo hashes its password with the default
    assert set(Office.objects.values_list("region_id", flat=True)) == {"51", "51.71", "51.03"}
    roles = dict(StaffMembership.objects.values_list("user__username", "role"))
    assert roles["operator.badung"] == StaffRole.OPERATOR
    assert roles["operator.denpasar"] == StaffRole.OPERATOR
    assert roles["staf.bali"] == StaffRole.PROVINCE
    for username in ("admin", "staf.bali", "operator.badung", "operator.denpasar", "kabid.badung"):
        request = RequestFactory().post("/admin/login/")  # django-axes counts logins per request
        assert authenticate(request, username=username, password=DEMO_PASSWORD) is not None, username


def test_second_run_changes_nothing_and_prints_logins(seeded):
    assert {model.__name__: model.objects.count() for model in MODELS} == seeded["counts"]
    for output in (seeded["first"], seeded["second"]):
        assert "operator.badung" in output and DEMO_PASSWORD in output


def test_every_demo_row_has_a_first_version_in_its_history(seeded):
    assert Business.history.filter(history_type="+").count() == Business.objects.count()
    assert BusinessYear.history.filter(history_type="+").count() == BusinessYear.objects.count()
    assert set(Business.history.values_list("history_change_reason", flat=True)) == {"seed_demo"}
