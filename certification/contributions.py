"""What certification adds to the core's and businesses' registries: the verifier of competency certificates
(/verifikasi/), the "Segera berakhir" sources, the admin home's "Sertifikasi" panel, the certificates in a business's
Profil IKM and on its Riwayat page, the directory's `sertifikat` filter and the badges of a public profile, and the
demo of seed_demo."""

from __future__ import annotations

from django.db.models import Count, Exists, OuterRef
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy

from businesses.extensions import DirectoryFilter, ProfileBadge, ProfileBadges, directory_filters, profile_badges
from certification import datasets, expiry
from certification.choices import CertificateStatus, EnrollmentStatus, ProductCertificateKind
from certification.models import AssessmentSession, Certificate, Enrollment, ProductCertification
from ikm_registry.activities import activity_label
from ikm_registry.admin_history import TimelineSource, timeline_sources
from ikm_registry.admin_home import AdminPanel, PanelItem, admin_panels
from ikm_registry.demo import DemoSet, demo_sets
from ikm_registry.expiry import expiry_sources
from ikm_registry.opendata import datasets as open_datasets
from ikm_registry.reports import Disclosure
from ikm_registry.reports.sections import ReportSection, report_sections
from ikm_registry.scoping import VIEW, scope_for
from ikm_registry.statistics import StatisticsPanel, statistics_panels, with_bars
from ikm_registry.verification import VerifiedCertificate, Verifier, verifiers

# --- /verifikasi/ ------------------------------------------------------------------------------------------------


def competency_certificate(code: str) -> VerifiedCertificate | None:
    """A competency certificate by its verification code: the holder's name, scheme, LSP and dates, nothing else."""
    certificate = (
        Certificate.objects.filter(code=code.strip().upper())
        .select_related("enrollment__scheme__lsp")
        .only(
            "number",
            "issued_on",
            "valid_until",
            "status",
            "enrollment__name",
            "enrollment__scheme__name",
            "enrollment__scheme__code",
            "enrollment__scheme__lsp__name",
        )  # fmt: skip
        .first()
    )
    if certificate is None:
        return None
    enrollment = certificate.enrollment
    status = certificate.effective_status()
    return VerifiedCertificate(
        kind=_("Sertifikat kompetensi"),
        number=certificate.number,
        holder=enrollment.name,
        subject=f"{enrollment.scheme.name} ({enrollment.scheme.code})",
        issued=certificate.issued_on,
        valid_until=certificate.valid_until,
        issuer=enrollment.scheme.lsp.name,
        valid=status == CertificateStatus.ACTIVE,
        status=str(CertificateStatus(status).label),
    )


# --- the admin home ----------------------------------------------------------------------------------------------


def attention_items(request) -> list[PanelItem]:
    user = request.user
    enrollments = Enrollment.objects.restrict(user)
    today = timezone.localdate()
    enrollment_list = reverse("admin:certification_enrollment_changelist")
    items = [
        PanelItem(_("asesi menunggu jadwal uji"), enrollments.filter(status=EnrollmentStatus.REGISTERED).count(),
                  reverse("admin:certification_planner")),
        PanelItem(_("asesi sudah diuji, keputusan LSP belum dicatat"),
                  enrollments.filter(status=EnrollmentStatus.ASSESSED).count(),
                  f"{enrollment_list}?status__exact={EnrollmentStatus.ASSESSED}"),
        PanelItem(_("asesi kompeten, sertifikat belum dicatat"),
                  enrollments.filter(status=EnrollmentStatus.COMPETENT, certificate__isnull=True).count(),
                  f"{enrollment_list}?status__exact={EnrollmentStatus.COMPETENT}&sertifikat=belum"),
        PanelItem(_("jadwal uji dalam 30 hari"),
                  AssessmentSession.objects.restrict(user).filter(
                      start_date__gte=today, start_date__lte=today + timezone.timedelta(days=30)).count(),
                  reverse("admin:certification_assessmentsession_changelist")),
    ]  # fmt: skip
    return [item for item in items if item.count]


PANEL = AdminPanel(
    name="certification",
    title=gettext_lazy("Sertifikasi"),
    items=attention_items,
    order=250,
    permission=lambda user: scope_for(user).allows(VIEW),
)


# --- Profil IKM and Riwayat --------------------------------------------------------------------------------------


def business_certificates(business, *, user=None) -> dict:
    """The business's people's competency certificates and its product certificates, as `user` may see them."""
    competency = Certificate.objects.filter(enrollment__business=business)
    products = ProductCertification.objects.filter(business=business)
    if user is not None:
        competency, products = competency.restrict(user), products.restrict(user)
    products = list(products.select_related("product", "assistance").order_by("kind", "-issued_on", "pk"))
    for certificate in products:  # what helped obtain it: an event of the programme, an assistance, another programme
        certificate.helped_label = (
            activity_label(certificate.activity) or (str(certificate.assistance) if certificate.assistance else "")
            or certificate.helped_by
        )  # fmt: skip
    return {
        "competency": list(competency.select_related("enrollment__scheme__lsp").order_by("-issued_on", "pk")),
        "products": products,
        "today": timezone.localdate(),
    }


PROFIL_IKM_SECTION = ReportSection(
    report="profil-ikm",
    name="certification",
    order=650,  # after the obstacles (600), before the public page (700)
    title=pgettext_lazy("Profil IKM section", "Sertifikat"),
    template_name="reports/profil_ikm/certificates.html",
    context=business_certificates,
    # Holders' names: individual data of the business's people.
    disclosure=lambda context: Disclosure(
        personal_data=False, individual_data=bool(context["competency"]), row_count=1
    ),
)

TIMELINE = (
    TimelineSource(
        name="certification-enrollments",
        model="businesses.Business",
        title=gettext_lazy("Asesi sertifikasi kompetensi"),
        records=lambda business: Enrollment.history.filter(business_id=business.pk).select_related("scheme"),
        restrict=lambda records, user: records.filter(id__in=Enrollment.objects.restrict(user).values("pk")),
        label=lambda instance: f"{instance.name} — {instance.scheme.code}" if instance.scheme_id else instance.name,
    ),
    TimelineSource(
        name="certification-products",
        model="businesses.Business",
        title=gettext_lazy("Sertifikat produk"),
        records=lambda business: ProductCertification.history.filter(business_id=business.pk),
        restrict=lambda records, user: records.filter(id__in=ProductCertification.objects.restrict(user).values("pk")),
        label=lambda instance: f"{instance.get_kind_display()} {instance.number}",
    ),
)


# --- the public directory and profile ----------------------------------------------------------------------------

COMPETENCY = "kompetensi"


def certificate_choices() -> list[tuple[str, str]]:
    return [(COMPETENCY, _("Sertifikat kompetensi (BNSP)")), *ProductCertificateKind.choices]


def _valid_competency():
    return Certificate.objects.valid().filter(enrollment__business=OuterRef("pk"))


def _valid_product(kind: str):
    return ProductCertification.objects.valid().filter(business=OuterRef("pk"), kind=kind)


def filter_by_certificate(queryset, value: str):
    """Published businesses holding a valid certificate of the kind (only valid ones: DESIGN §5)."""
    if value == COMPETENCY:
        return queryset.filter(Exists(_valid_competency()))
    return queryset.filter(Exists(_valid_product(value)))


def certificate_counts(results) -> dict[str, int]:
    """Businesses among `results` per kind of valid certificate: two grouped queries."""
    businesses = results.order_by().values("pk")
    counts = dict(
        ProductCertification.objects.valid()
        .filter(business__in=businesses)
        .values_list("kind")
        .annotate(n=Count("business", distinct=True))
        .order_by()
    )
    counts[COMPETENCY] = (
        Certificate.objects.valid().filter(enrollment__business__in=businesses)
        .aggregate(n=Count("enrollment__business", distinct=True))["n"]
    )  # fmt: skip
    return counts


DIRECTORY_FILTER = DirectoryFilter(
    name="sertifikat",
    label=gettext_lazy("Sertifikat"),
    all_label=gettext_lazy("Semua (dengan atau tanpa sertifikat)"),
    choices=certificate_choices,
    filter=filter_by_certificate,
    counts=certificate_counts,
)


def certificate_badges(business) -> list[ProfileBadge]:
    """Badges of the valid certificates only: product certificates by kind; competency certificates by scheme."""
    badges = []
    for certificate in ProductCertification.objects.valid().filter(business=business).order_by("kind", "pk"):
        until = (
            _("berlaku sampai %(d)s") % {"d": certificate.valid_until.strftime("%d-%m-%Y")}
            if certificate.valid_until
            else _("berlaku selama komposisi dan proses tidak berubah")
            if certificate.kind == ProductCertificateKind.HALAL
            else ""
        )
        title = " · ".join(part for part in (certificate.number, certificate.product_name or "", until) if part)
        badges.append(ProfileBadge(label=certificate.get_kind_display(), title=title))
    schemes = (
        Certificate.objects.valid()
        .filter(enrollment__business=business)
        .values_list("enrollment__scheme__name", "enrollment__scheme__lsp__name")
        .order_by("enrollment__scheme__name")
        .distinct()
    )
    for scheme, lsp in schemes:
        badges.append(ProfileBadge(label=_("Kompeten: %(scheme)s") % {"scheme": scheme}, title=lsp))
    return badges


def certified_businesses(area) -> list[dict]:
    """Published IKM of the area holding a valid certificate, per kind (competency: at least one certified person):
    counts of public businesses only, the same for every visitor."""
    from businesses.selectors import business_public_rows
    from ikm_registry.scoping import region_q

    results = business_public_rows()  # read as ids only
    if area.code:
        results = results.filter(region_q("village__code", area.code))
    counts = certificate_counts(results)
    rows = [
        {"code": value, "label": str(label), "count": counts.get(value, 0)} for value, label in certificate_choices()
    ]
    return with_bars([row for row in rows if row["count"]])


STATISTICS_PANEL = StatisticsPanel(
    name="certification",
    order=320,
    title=gettext_lazy("Sertifikasi"),
    caption=gettext_lazy("IKM terbit yang memegang sertifikat yang masih berlaku, menurut jenis sertifikat"),
    group_label=gettext_lazy("Sertifikat"),
    data=certified_businesses,
)


def register_all() -> None:
    from certification import demo

    verifiers.register(Verifier(name="certification-competency", lookup=competency_certificate), replace=True)
    for source in expiry.SOURCES:
        expiry_sources.register(source, replace=True)
    admin_panels.register(PANEL, replace=True)
    report_sections.register(PROFIL_IKM_SECTION, replace=True)
    for source in TIMELINE:
        timeline_sources.register(source, replace=True)
    directory_filters.register(DIRECTORY_FILTER, replace=True)
    statistics_panels.register(STATISTICS_PANEL, replace=True)
    profile_badges.register(ProfileBadges(name="certification", badges=certificate_badges), replace=True)
    demo_sets.register(DemoSet(name="certification", load=demo.load, order=300), replace=True)
    for dataset in datasets.DATASETS:  # /data/sertifikat-kompetensi/, /data/sertifikat-produk/
        open_datasets.register(dataset, replace=True)
