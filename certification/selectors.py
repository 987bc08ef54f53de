"""Reads of certification for reports and pages (HackSoft selectors): progress against the yearly targets, the
competency certificates that lapse soon, and the list of every certificate of a region.

Each takes the `actor` whose scope applies (a user, or a SystemActor for the command line: full access) and reads
through the models' `restrict()`. Figures are counted in the database, grouped by the region code prefix of the
business's village (`Substr` of "51.71.01.1001"), so a call costs the same few queries however many businesses,
asesi and certificates the region has.

What counts (DESIGN §3, §6):

- A person is certified for a target (region R, scheme S, year Y) when an asesi of a business located in R holds a
  competency certificate in S that was issued on or before 31 December Y and is valid on that day (`valid_until` on
  or after it). Its status may be active, expired (a past year: it was valid then) or renewed (replaced by an RCC
  certificate, still within its dates); a revoked certificate never counts, for any year (the row does not keep the
  day it was revoked). For the current year this is "still valid at the end of the year": a certificate lapsing in
  November without renewal does not count towards this year's target.
- A person is one NIK; an asesi recorded without a NIK is the same person as another of the same business with the
  same name (case ignored). The business's status is not asked: a person certified while working for a business
  that has since closed still counts for a number target.
- An "all IKM" target's goal is the number of registered businesses of R (`businesses.rules.is_active`: submitted,
  verified or published); it is achieved by the number of those businesses with at least one certified person.
- Waiting: asesi of the scheme, in R, registered and not yet scheduled into a session.
- Sessions held: sessions of the scheme at a TUK located in R that started in year Y and in which at least one asesi
  was assessed (assessed, competent or not yet competent). A TUK is recorded at regency (or province) level, so
  sessions are not split per kecamatan.
- Expiring: active certificates of the scheme, in R, whose `valid_until` falls within the next EXPIRY_MONTHS months
  from today (the day the report is made, whatever its year): the window of the admin home's "Segera berakhir" and
  the daily digest (certification.expiry).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from django.db.models import CharField, Count, Exists, F, OuterRef, Q, Value
from django.db.models.functions import Cast, Coalesce, Concat, NullIf, Substr, Upper
from django.utils import timezone

from businesses import rules
from businesses.choices import ACTIVE_STATUSES
from businesses.models import Business
from businesses.services.report_figures import stored_status_counts
from certification.choices import (
    CertificateStatus,
    EnrollmentStatus,
    ProductCertificateKind,
    ProductCertificateStatus,
    TargetKind,
)
from certification.expiry import COMPETENCY_MONTHS, competency_expiring
from certification.models import (
    AssessmentSession,
    Certificate,
    CertificationTarget,
    Enrollment,
    ProductCertification,
    Scheme,
)
from certification.product_rules import add_months
from ikm_registry.models import Region

# The window of "expiring soon": the admin home's and the daily digest's (certification.expiry), the same six months.
EXPIRY_MONTHS = COMPETENCY_MONTHS
# Certificate statuses that count towards a target while the certificate's dates cover the year's end.
COUNTED_STATUSES = (CertificateStatus.ACTIVE, CertificateStatus.EXPIRED, CertificateStatus.RENEWED)
# An asesi who went through an assessment: the session was held.
ASSESSED_STATUSES = (EnrollmentStatus.ASSESSED, EnrollmentStatus.COMPETENT, EnrollmentStatus.NOT_YET_COMPETENT)
# The `kind` of a competency certificate in the certificate list (next to ProductCertificateKind's values).
COMPETENCY = "kompetensi"
# A region's children have codes 3 characters longer: province "51", regency "51.71", kecamatan "51.71.01".
CHILD_LEVEL_STEP = 3

# One person: the NIK, or (no NIK recorded) the business and the name, upper-cased.
PERSON = Coalesce(
    NullIf("nik", Value("")),
    Concat(Cast("business_id", CharField()), Value("/"), Upper("name"), output_field=CharField()),
    output_field=CharField(),
)


def year_end(year: int) -> date:
    return date(year, 12, 31)


def counted_certificate(year: int, prefix: str = "") -> Q:
    """A certificate that makes its holder certified at the end of `year` (see the module docstring). `prefix`
    reaches the certificate from another model ("certificate" from Enrollment)."""
    p = f"{prefix}__" if prefix else ""
    end = year_end(year)
    return Q(**{f"{p}status__in": COUNTED_STATUSES, f"{p}issued_on__lte": end, f"{p}valid_until__gte": end})


def expiring_certificate(today: date, prefix: str = "") -> Q:
    """An active certificate whose date falls within the next EXPIRY_MONTHS months (today included): the rule of
    certification.expiry.competency_expiring() as a Q reaching the certificate through `prefix`, for aggregates."""
    p = f"{prefix}__" if prefix else ""
    return Q(
        **{
            f"{p}status": CertificateStatus.ACTIVE,
            f"{p}valid_until__gte": today,
            f"{p}valid_until__lte": add_months(today, EXPIRY_MONTHS),
        }
    )


def _percent(achieved: int, goal: int | None) -> Decimal | None:
    if not goal:
        return None
    return (Decimal(achieved) * 100 / goal).quantize(Decimal("0.1"))


@dataclass(frozen=True)
class AreaProgress:
    """One kecamatan (of a regency's target) or regency (of a province's target). `goal` only for an "all IKM"
    target (the area's registered businesses): a number target is not split over areas."""

    code: str
    name: str
    goal: int | None
    achieved: int
    waiting: int

    @property
    def percent(self) -> Decimal | None:
        return _percent(self.achieved, self.goal)


@dataclass(frozen=True)
class TargetProgress:
    """A target and how far its region has come (module docstring: what each figure counts)."""

    target: CertificationTarget
    goal: int | None
    achieved: int
    waiting: int
    sessions_held: int
    expiring: int
    areas: list[AreaProgress] = field(default_factory=list)

    @property
    def percent(self) -> Decimal | None:
        return _percent(self.achieved, self.goal)

    @property
    def all_ikm(self) -> bool:
        return self.target.kind == TargetKind.ALL_IKM


def _under(area: str, code: str) -> bool:
    return area == code or area.startswith(f"{code}.")


def _enrollment_figures(enrollments, *, length: int, year: int, today: date) -> dict[tuple[int, str], dict]:
    """Per (scheme, region prefix of `length`): certified people, businesses with a certified person among the
    registered ones, waiting asesi, expiring certificates. One query."""
    counted = counted_certificate(year, "certificate")
    rows = (
        enrollments.annotate(area=Substr("business__village_id", 1, length))
        .values("scheme_id", "area")
        .annotate(
            people=Count(PERSON, distinct=True, filter=counted),
            businesses=Count("business_id", distinct=True, filter=counted & rules.is_active("business")),
            waiting=Count("pk", filter=Q(status=EnrollmentStatus.REGISTERED)),
            expiring=Count("certificate", filter=expiring_certificate(today, "certificate")),
        )
        .order_by()
    )
    return {(row["scheme_id"], row["area"]): row for row in rows}


def _business_counts(businesses, *, length: int) -> dict[str, int]:
    """Registered businesses per region prefix, for every prefix up to `length` (summed from the finest). One
    query."""
    rows = (
        businesses.filter(rules.is_active())
        .annotate(area=Substr("village_id", 1, length))
        .values("area")
        .annotate(n=Count("pk"))
        .order_by()
    )
    counts: dict[str, int] = {}
    for row in rows:
        for cut in range(2, length + 1, CHILD_LEVEL_STEP):
            prefix = row["area"][:cut]
            counts[prefix] = counts.get(prefix, 0) + row["n"]
    return counts


def _sessions_held(sessions, *, year: int) -> list[dict]:
    """Sessions with at least one assessed asesi, per (scheme, TUK regency or province). One query."""
    assessed = Enrollment.objects.filter(session=OuterRef("pk"), status__in=ASSESSED_STATUSES)
    return list(
        sessions.filter(start_date__year=year)
        .filter(Exists(assessed))
        .annotate(area=Substr("region_code", 1, 5))
        .values("scheme_id", "area")
        .annotate(n=Count("pk"))
        .order_by()
    )


def target_progress(
    region_code: str,
    year: int,
    *,
    actor,
    scheme: Scheme | None = None,
    today: date | None = None,
) -> list[TargetProgress]:
    """Progress of every target of `year` set for region `region_code` or a region below it (optionally of one
    `scheme`), as `actor` may see it, with each target's breakdown per kecamatan (a regency's target) or per regency
    (a province's). Ordered by scheme code, then region code. A constant number of queries (at most eight):
    targets, one aggregate of asesi and certificates per region level involved, registered businesses (when an "all
    IKM" target is among them: whether the stored directory counts hold, then from them or from the businesses),
    sessions, and the names of the areas."""
    today = today or timezone.localdate()
    targets = CertificationTarget.objects.restrict(actor).in_region(region_code).filter(year=year)
    if scheme is not None:
        targets = targets.filter(scheme=scheme)
    targets = list(targets.select_related("region", "scheme__lsp").order_by("scheme__code", "scheme_id", "region_id"))
    if not targets:
        return []
    scheme_ids = sorted({target.scheme_id for target in targets})
    roots = {target.region_id for target in targets}
    lengths = sorted({len(code) for code in roots} | {len(code) + CHILD_LEVEL_STEP for code in roots})

    enrollments = Enrollment.objects.restrict(actor).in_region(region_code).filter(scheme_id__in=scheme_ids)
    figures: dict[tuple[int, str], dict] = {}
    for length in lengths:
        figures.update(_enrollment_figures(enrollments, length=length, year=year, today=today))

    all_ikm = [target for target in targets if target.kind == TargetKind.ALL_IKM]
    businesses: dict[str, int] = {}
    if all_ikm:
        finest = max(len(target.region_id) + CHILD_LEVEL_STEP for target in all_ikm)
        # From the stored directory counts when they hold (a province's businesses are not counted on each report).
        businesses = stored_status_counts(user=actor, region_code=region_code, statuses=ACTIVE_STATUSES, length=finest)
        if businesses is None:
            businesses = _business_counts(Business.objects.restrict(actor).in_region(region_code), length=finest)

    sessions = AssessmentSession.objects.restrict(actor).in_region(region_code).filter(scheme_id__in=scheme_ids)
    held = _sessions_held(sessions, year=year)

    children: dict[str, list[tuple[str, str]]] = {}
    for code, name, parent in (
        Region.objects.filter(parent_id__in=roots).order_by("code").values_list("code", "name", "parent_id")
    ):
        children.setdefault(parent, []).append((code, name))

    empty = {"people": 0, "businesses": 0, "waiting": 0, "expiring": 0}
    progress = []
    for target in targets:
        whole = target.kind == TargetKind.ALL_IKM
        measure = "businesses" if whole else "people"
        row = figures.get((target.scheme_id, target.region_id), empty)
        areas = []
        for code, name in children.get(target.region_id, []):
            area = figures.get((target.scheme_id, code), empty)
            areas.append(
                AreaProgress(
                    code=code,
                    name=name,
                    goal=businesses.get(code, 0) if whole else None,
                    achieved=area[measure],
                    waiting=area["waiting"],
                )
            )
        progress.append(
            TargetProgress(
                target=target,
                goal=businesses.get(target.region_id, 0) if whole else target.target,
                achieved=row[measure],
                waiting=row["waiting"],
                sessions_held=sum(
                    item["n"]
                    for item in held
                    if item["scheme_id"] == target.scheme_id and _under(item["area"], target.region_id)
                ),
                expiring=row["expiring"],
                areas=areas,
            )
        )
    return progress


def expiring_certificates(region_code: str, *, actor, scheme: Scheme | None = None, today: date | None = None):
    """Active competency certificates of region `region_code` (their holder's business) whose date falls within the
    next EXPIRY_MONTHS months (a queryset)."""
    certificates = competency_expiring(
        Certificate.objects.restrict(actor).in_region(region_code), today or timezone.localdate()
    )
    if scheme is not None:
        certificates = certificates.filter(enrollment__scheme=scheme)
    return certificates


def certificates_expiring(
    region_code: str, *, actor, scheme: Scheme | None = None, today: date | None = None
) -> list[dict]:
    """expiring_certificates(), soonest first, as dicts: holder, business, scheme, number, valid until. No NIK or
    contacts. One query."""
    certificates = expiring_certificates(region_code, actor=actor, scheme=scheme, today=today)
    return list(
        certificates.order_by("valid_until", "enrollment__name", "pk").values(
            "pk",
            "number",
            "valid_until",
            holder=F("enrollment__name"),
            business_name=F("enrollment__business__name"),
            scheme_code=F("enrollment__scheme__code"),
            scheme_name=F("enrollment__scheme__name"),
        )
    )


def certificate_list(region_code: str, *, actor, kind: str = "", today: date | None = None) -> list[dict]:
    """Every certificate held in region `region_code`: competency certificates of the asesi of its businesses
    (`kind` COMPETENCY) and the businesses' product certificates (`kind` a ProductCertificateKind value); all when
    `kind` is empty. One dict per certificate, by kecamatan, desa, business, then competency before product kinds in
    their choice order, then issue date: business and place, kind and its label, holder (a competency certificate's
    person) or product, number, issued, valid until, status (an active one past its date reads as expired). No NIK
    or contacts. Two queries."""
    today = today or timezone.localdate()
    competency, products = _listed(region_code, actor=actor, kind=kind)
    rows: list[dict] = []
    if competency is not None:
        for row in competency.values(
            "pk",
            "number",
            "issued_on",
            "valid_until",
            "status",
            holder=F("enrollment__name"),
            business_id=F("enrollment__business_id"),
            business_name=F("enrollment__business__name"),
            village_name=F("enrollment__business__village__name"),
            district_name=F("enrollment__business__village__parent__name"),
            scheme_code=F("enrollment__scheme__code"),
            scheme_name=F("enrollment__scheme__name"),
        ):
            expired = row["status"] == CertificateStatus.ACTIVE and row["valid_until"] < today
            row.update(kind=COMPETENCY, product="", valid=row["status"] == CertificateStatus.ACTIVE and not expired)
            # (a dict of the listing, not the record: the status a reader sees on the day)
            row["status"] = CertificateStatus.EXPIRED if expired else row["status"]
            rows.append(row)
    if products is not None:
        for row in products.values(
            "pk",
            "kind",
            "number",
            "issued_on",
            "valid_until",
            "status",
            "product_name",
            "business_id",
            product_record=F("product__name"),
            business_name=F("business__name"),
            village_name=F("business__village__name"),
            district_name=F("business__village__parent__name"),
        ):
            lapsed = row["valid_until"] is not None and row["valid_until"] < today
            expired = row["status"] == ProductCertificateStatus.ACTIVE and lapsed
            written = row.pop("product_name")
            row.update(
                holder="",
                scheme_code="",
                scheme_name="",
                product=row.pop("product_record") or written,
                valid=row["status"] == ProductCertificateStatus.ACTIVE and not expired,
            )
            row["status"] = CertificateStatus.EXPIRED if expired else row["status"]
            rows.append(row)
    kinds = [COMPETENCY, *ProductCertificateKind.values]
    rows.sort(
        key=lambda row: (
            row["district_name"],
            row["village_name"],
            row["business_name"].casefold(),
            row["business_id"],
            kinds.index(row["kind"]),
            row["issued_on"] or date.min,
            row["pk"],
        )
    )
    return rows


def _listed(region_code: str, *, actor, kind: str):
    """The competency and product certificates certificate_list() reads (None: that part is not asked for)."""
    competency = products = None
    if kind in ("", COMPETENCY):
        competency = Certificate.objects.restrict(actor).in_region(region_code)
    if kind == "" or kind in ProductCertificateKind.values:
        products = ProductCertification.objects.restrict(actor).in_region(region_code)
        if kind:
            products = products.filter(kind=kind)
    return competency, products


def certificate_count(region_code: str, *, actor, kind: str = "") -> int:
    """How many rows certificate_list() would return (at most two count queries)."""
    return sum(queryset.count() for queryset in _listed(region_code, actor=actor, kind=kind) if queryset is not None)
