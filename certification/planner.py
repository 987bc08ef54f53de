"""Perencanaan jadwal uji: the scarce sessions planned around the assessors' trips (issue 12).

Waiting asesi (enrollment status "terdaftar") are grouped by scheme and by the regency of their business. For each
scheme: how many sessions of the chosen capacity the waiting asesi need, the assessors of that scheme with their
home, and for each regency whether an assessor must travel there (home regency ≠ the regency). Sessions already
planned with places left come first: they may take the waiting asesi without a new trip. One trip serves the most
asesi when the regencies an assessor must travel to are taken together — the plan names the regencies per scheme
so the office can ask the LSP for one trip.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from django.db.models import Count, Q
from django.db.models.functions import Substr
from django.utils import timezone

from certification.choices import IN_SESSION, EnrollmentStatus
from certification.models import Assessor, Scheme
from ikm_registry.models import Region

DEFAULT_CAPACITY = 20
MAX_CAPACITY = 200


def capacity_param(query) -> int:
    try:
        value = int(query.get("kapasitas", DEFAULT_CAPACITY))
    except (TypeError, ValueError):
        return DEFAULT_CAPACITY
    return min(max(value, 1), MAX_CAPACITY)


@dataclass
class RegencyNeed:
    code: str
    name: str
    waiting: int
    local_assessors: list = field(default_factory=list)  # assessors living in this regency

    def __str__(self):
        return self.name


@dataclass
class AssessorTrip:
    assessor: Assessor
    travels_to: list[str]  # the regencies with waiting asesi outside the assessor's home regency


@dataclass
class SchemePlan:
    scheme: Scheme
    waiting: int
    regencies: list[RegencyNeed]
    assessors: list[AssessorTrip]
    open_sessions: list  # AssessmentSession with .places_left
    capacity: int

    @property
    def open_places(self) -> int:
        return sum(session.places_left for session in self.open_sessions)

    @property
    def sessions_needed(self) -> int:
        return math.ceil(max(self.waiting - self.open_places, 0) / self.capacity)

    @property
    def needs_travel(self) -> bool:
        return any(not need.local_assessors for need in self.regencies)

    @property
    def trip_regencies(self) -> list[RegencyNeed]:
        """The regencies no local assessor serves: one trip of the LSP's assessors should take them together."""
        return [need for need in self.regencies if not need.local_assessors]

    @property
    def trip_waiting(self) -> int:
        return sum(need.waiting for need in self.trip_regencies)

    @property
    def trip_homes(self) -> list[str]:
        """Where the assessors who would travel live (their regencies' names), for the request to the LSP."""
        return sorted({trip.assessor.home_region.name for trip in self.assessors if trip.travels_to})


def plan(enrollments, *, sessions, capacity: int = DEFAULT_CAPACITY, today=None) -> list[SchemePlan]:
    """The plan for the waiting asesi among `enrollments`, with the open places of `sessions` (both already
    restricted to the user: a session elsewhere is one they cannot schedule into): a few grouped queries, whatever
    the number of asesi."""
    today = today or timezone.localdate()
    groups = list(
        enrollments.filter(status=EnrollmentStatus.REGISTERED)
        .annotate(regency=Substr("business__village_id", 1, 5))
        .values("scheme_id", "regency")
        .annotate(n=Count("pk"))
        .order_by("scheme_id", "regency")
    )
    if not groups:
        return []
    scheme_ids = sorted({row["scheme_id"] for row in groups})
    schemes = {s.pk: s for s in Scheme.objects.filter(pk__in=scheme_ids).select_related("lsp")}
    names = dict(Region.objects.filter(code__in={row["regency"] for row in groups}).values_list("code", "name"))
    links = list(
        Assessor.schemes.through.objects.filter(scheme_id__in=scheme_ids).values_list("assessor_id", "scheme_id")
    )
    people = Assessor.objects.filter(pk__in={a for a, _s in links}).select_related("home_region").in_bulk()
    assessors_by_scheme: dict[int, list] = {pk: [] for pk in scheme_ids}
    for assessor_pk, scheme_pk in sorted(links, key=lambda link: people[link[0]].name):
        assessors_by_scheme[scheme_pk].append(people[assessor_pk])
    taken = Count("enrollments", filter=Q(enrollments__status__in=IN_SESSION))
    sessions_by_scheme: dict[int, list] = {pk: [] for pk in scheme_ids}
    for session in (
        sessions.filter(scheme_id__in=scheme_ids, start_date__gte=today)
        .annotate(taken=taken)
        .select_related("tuk__region")
        .order_by("start_date", "pk")
    ):
        session.places_left = session.capacity - session.taken
        if session.places_left > 0:
            sessions_by_scheme[session.scheme_id].append(session)

    plans = []
    for scheme_pk in scheme_ids:
        rows = [row for row in groups if row["scheme_id"] == scheme_pk]
        assessors = assessors_by_scheme[scheme_pk]
        regencies = [
            RegencyNeed(
                code=row["regency"],
                name=names.get(row["regency"], row["regency"]),
                waiting=row["n"],
                local_assessors=[a for a in assessors if (a.home_region_id or "")[:5] == row["regency"]],
            )
            for row in rows
        ]
        travelling = [
            AssessorTrip(
                assessor, [need.name for need in regencies if need.code != (assessor.home_region_id or "")[:5]]
            )
            for assessor in assessors
        ]
        plans.append(
            SchemePlan(
                scheme=schemes[scheme_pk],
                waiting=sum(row["n"] for row in rows),
                regencies=sorted(regencies, key=lambda need: -need.waiting),
                assessors=travelling,
                open_sessions=sessions_by_scheme[scheme_pk],
                capacity=capacity,
            )
        )
    return sorted(plans, key=lambda p: -p.waiting)
