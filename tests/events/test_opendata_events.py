"""The events' open-data dataset (events/datasets.py): public events per year, organising office's region and kind,
with confirmed participants by sex and the IKM reached, against counts made from the base tables; internal, planned
and cancelled events and unconfirmed registrations count nowhere, and no participant's data is in the files."""

from __future__ import annotations

import csv
import datetime
import io
from collections import Counter

import pytest
from django.utils import timezone

from businesses.choices import BusinessStatus
from events.choices import EventStatus, RegistrationStatus
from events.datasets import counted_events
from events.models import Event, Registration
from events.services.registration import registration_create
from events.services.workflow import REGISTRATION_WORKFLOW
from tests.factories import SYSTEM, BusinessFactory, make_event, person

pytestmark = pytest.mark.django_db

LAST_YEAR = datetime.date(timezone.localdate().year - 1, 5, 10)


@pytest.fixture(autouse=True)
def fresh_counts(settings):
    settings.OPEN_DATA_MAX_AGE = 0


def body(response) -> str:
    return (b"".join(response.streaming_content) if response.streaming else response.content).decode()


def csv_rows(client) -> list[dict]:
    return list(csv.DictReader(io.StringIO(body(client.get("/data/kegiatan-peserta.csv")))))


@pytest.fixture
def programme(bali_regions):
    """Badung's two public trainings last year and its fair this year, Denpasar's bimtek; and events no figure counts:
    an internal meeting, a planned and a cancelled event. Participants (some from one IKM) and a withdrawn one."""
    shop = BusinessFactory(status=BusinessStatus.PUBLISHED)
    other = BusinessFactory(status=BusinessStatus.VERIFIED)
    training = make_event("51.03", status=EventStatus.COMPLETED, kind="pelatihan", start_date=LAST_YEAR, quota=None)
    again = make_event("51.03", status=EventStatus.COMPLETED, kind="pelatihan", start_date=LAST_YEAR, quota=None)
    fair = make_event("51.03", status=EventStatus.OPEN, kind="pameran", quota=None)
    bimtek = make_event("51.71", status=EventStatus.ONGOING, kind="bimtek", start_date=LAST_YEAR, quota=None)
    internal = make_event("51.03", status=EventStatus.COMPLETED, start_date=LAST_YEAR, is_public=False, quota=None)
    planned = make_event("51.03", status=EventStatus.PLANNED, quota=None)
    cancelled = make_event("51.03", status=EventStatus.OPEN, start_date=LAST_YEAR, quota=None)  # cancelled below
    number = iter(range(1, 100))
    for event, people in (
        (training, 3),
        (again, 2),
        (fair, 4),
        (bimtek, 1),
        (internal, 5),
        (planned, 2),
        (cancelled, 2),
    ):
        for n in range(people):
            business = shop if n < 2 else other if n == 2 else None
            registration_create(event=event, data=person(next(number), business=business), actor=SYSTEM)
    Event.objects.filter(pk=cancelled.pk).update(status=EventStatus.CANCELLED)  # people had registered already
    withdrawn = registration_create(event=training, data=person(90, nik="5103014506900099"), actor=SYSTEM)
    REGISTRATION_WORKFLOW.perform(withdrawn, "withdraw", SYSTEM)
    return {"counted": [training, again, fair, bimtek], "shop": shop}


def expected() -> dict:
    """Per (year, region, kind): [events, male, female, businesses] made from the base tables."""
    found = {}
    for event in counted_events():
        key = (str(event.start_date.year), event.region_code, event.kind)
        found.setdefault(key, [0, 0, 0, set()])[0] += 1
        for registration in Registration.objects.filter(event=event, status=RegistrationStatus.CONFIRMED):
            found[key][1 if registration.sex == "L" else 2] += 1
            if registration.business_id:
                found[key][3].add(registration.business_id)
    return {key: [events, male, female, len(reached)] for key, (events, male, female, reached) in found.items()}


def test_events_and_participants_per_year_equal_the_base_tables(client, programme):
    rows = csv_rows(client)
    found = {
        (row["tahun"], row["kode_wilayah"], row["jenis_kegiatan"]): [
            int(row["jumlah_kegiatan"]), int(row["peserta_laki_laki"]), int(row["peserta_perempuan"]),
            int(row["ikm_terjangkau"]),
        ]
        for row in rows
    }  # fmt: skip
    assert found == expected()
    assert Counter(row["kode_wilayah"] for row in rows) == {"51.03": 2, "51.71": 1}
    training = next(row for row in rows if row["jenis_kegiatan"] == "pelatihan")
    assert training["jumlah_kegiatan"] == "2"  # the internal meeting and the cancelled event are not there
    assert int(training["jumlah_peserta"]) == 5  # the withdrawn participant is not
    assert training["nama_wilayah"] == "Kabupaten Badung" and training["nama_jenis"] == "Pelatihan"


def test_no_participant_is_named_in_the_files(client, programme):
    names = list(Registration.objects.values_list("name", "phone", "nik"))
    for extension in ("csv", "json"):
        content = body(client.get(f"/data/kegiatan-peserta.{extension}"))
        for values in names:
            for value in values:
                assert not value or value not in content
