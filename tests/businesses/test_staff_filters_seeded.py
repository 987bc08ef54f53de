"""On the seed_demo data (where they used to disagree: 2 vs 3 and 17 vs 19 for the Badung operator), the admin
home's counts equal the counts of the lists they link to, for every role. In a module of its own: the seeded data
is shared by the module's tests."""

from io import StringIO

import pytest
from django.core.management import call_command
from django.db import transaction

from tests.businesses.test_staff_filters import assert_home_counts_equal_their_lists

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def seeded(django_db_setup, django_db_blocker):
    """The Bali demo (seed_demo), once for the module, rolled back at the end."""
    with django_db_blocker.unblock(), transaction.atomic():
        call_command("seed_demo", stdout=StringIO())
        yield
        transaction.set_rollback(True)


@pytest.mark.parametrize("username", ["operator.badung", "kabid.badung", "staf.bali", "admin"])
def test_seed_demo_home_counts_equal_the_lists(client, seeded, username):
    from django.contrib.auth import get_user_model

    client.force_login(get_user_model().objects.get(username=username))
    assert_home_counts_equal_their_lists(client)
