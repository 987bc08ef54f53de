"""What lapses soon in certification, for the core's "Segera berakhir" (ikm_registry/expiry.py): competency
certificates in their last six months, surveillance due within 60 days, product certificates in their renewal
window (and merek in its grace period), halal certificates whose "unchanged?" confirmation is due. The daily job
marks competency certificates past their date as expired (in their workflow log)."""

from __future__ import annotations

from datetime import date, timedelta

from django.db.models import Q
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from certification.choices import CertificateStatus, ProductCertificateKind, ProductCertificateStatus
from certification.models import Certificate, ProductCertification
from certification.product_rules import MEREK_GRACE_MONTHS, RULES, add_months
from ikm_registry.expiry import ExpiryItem, ExpirySource

COMPETENCY_MONTHS = 6
SURVEILLANCE_DAYS = 60
CONFIRMATION_NOTICE_DAYS = 30


def competency_expiring(certificates, today: date):
    return certificates.filter(
        status=CertificateStatus.ACTIVE, valid_until__gte=today, valid_until__lte=add_months(today, COMPETENCY_MONTHS)
    )


def surveillance_due(certificates, today: date):
    return certificates.filter(
        status=CertificateStatus.ACTIVE,
        valid_until__gte=today,
        surveillance_due__isnull=False,
        surveillance_due__lte=today + timedelta(days=SURVEILLANCE_DAYS),
    )


def product_in_renewal(certificates, today: date):
    """Active product certificates whose renewal window is open: from `renewal_months` before the expiry to the
    expiry (merek: to the end of its six months' grace)."""
    windows = Q()
    for kind, rule in RULES.items():
        after = MEREK_GRACE_MONTHS if kind == ProductCertificateKind.MEREK else 0
        windows |= Q(kind=kind, valid_until__lte=add_months(today, rule.renewal_months),
                     valid_until__gte=add_months(today, -after))  # fmt: skip
    return certificates.filter(windows, status=ProductCertificateStatus.ACTIVE, valid_until__isnull=False)


def halal_confirmation_due(certificates, today: date):
    months = RULES[ProductCertificateKind.HALAL].confirm_months
    latest = add_months(today + timedelta(days=CONFIRMATION_NOTICE_DAYS), -months)
    return (
        certificates.filter(kind=ProductCertificateKind.HALAL, status=ProductCertificateStatus.ACTIVE)
        .annotate(confirmed=Coalesce("unchanged_confirmed_on", "issued_on"))
        .filter(confirmed__isnull=False, confirmed__lte=latest)
    )


def mark_lapsed(today: date) -> int:
    """Competency certificates past their date become "kedaluwarsa" through their workflow (logged, in history)."""
    from certification.services.workflow import CERTIFICATE_WORKFLOW, EXPIRY_JOB

    count = 0
    for pk in Certificate.objects.lapsed(today).values_list("pk", flat=True).iterator():
        CERTIFICATE_WORKFLOW.perform(pk, "expire", EXPIRY_JOB)
        count += 1
    return count


def _certificate_item(certificate, *, due, note="") -> ExpiryItem:
    enrollment = certificate.enrollment
    return ExpiryItem(
        label=_("%(number)s — %(name)s (%(business)s), %(scheme)s")
        % {
            "number": certificate.number,
            "name": enrollment.name,
            "business": enrollment.business.name,
            "scheme": enrollment.scheme.code,
        },
        due=due,
        url=reverse("admin:certification_certificate_change", args=[certificate.pk]),
        note=note,
    )


def _product_item(certificate, *, due=None, note="") -> ExpiryItem:
    return ExpiryItem(
        label=f"{certificate.get_kind_display()} {certificate.number} — {certificate.business.name}",
        due=due or certificate.valid_until,
        url=reverse("admin:certification_productcertification_change", args=[certificate.pk]),
        note=note,
    )


def _renewal_note(certificate) -> str:
    opens = certificate.renewal_opens
    return _("masa perpanjangan sejak %(d)s") % {"d": opens.strftime("%d-%m-%Y")} if opens else ""


_CERTIFICATES = Certificate.objects.select_related("enrollment__business", "enrollment__scheme")
_PRODUCTS = ProductCertification.objects.select_related("business")


def _changelist(model: str, query: str):
    return lambda: f"{reverse(f'admin:certification_{model}_changelist')}?{query}"


SOURCES = (
    ExpirySource(
        name="certification-competency",
        order=100,
        title=gettext_lazy("sertifikat kompetensi berakhir dalam 6 bulan"),
        queryset=lambda restrict, today: competency_expiring(restrict(_CERTIFICATES.all()), today).order_by(
            "valid_until", "pk"
        ),
        item=lambda certificate: _certificate_item(certificate, due=certificate.valid_until),
        list_url=_changelist("certificate", "berakhir=6bulan"),
        mark_lapsed=mark_lapsed,
    ),
    ExpirySource(
        name="certification-surveillance",
        order=110,
        title=gettext_lazy("surveilan pemegang sertifikat dalam 60 hari"),
        queryset=lambda restrict, today: surveillance_due(restrict(_CERTIFICATES.all()), today).order_by(
            "surveillance_due", "pk"
        ),
        item=lambda certificate: _certificate_item(
            certificate, due=certificate.surveillance_due, note=gettext_lazy("surveilan")
        ),
        list_url=_changelist("certificate", "berakhir=surveilan"),
    ),
    ExpirySource(
        name="certification-products",
        order=120,
        title=gettext_lazy("sertifikat produk dalam masa perpanjangan"),
        queryset=lambda restrict, today: product_in_renewal(restrict(_PRODUCTS.all()), today).order_by(
            "valid_until", "pk"
        ),
        item=lambda certificate: _product_item(certificate, note=_renewal_note(certificate)),
        list_url=_changelist("productcertification", "berakhir=perpanjangan"),
    ),
    ExpirySource(
        name="certification-halal",
        order=130,
        title=gettext_lazy("sertifikat halal: konfirmasi komposisi dan proses tidak berubah"),
        queryset=lambda restrict, today: halal_confirmation_due(restrict(_PRODUCTS.all()), today).order_by(
            "confirmed", "pk"
        ),
        item=lambda certificate: _product_item(
            certificate, due=certificate.confirmation_due, note=gettext_lazy("konfirmasi berkala")
        ),
        list_url=_changelist("productcertification", "berakhir=konfirmasi"),
    ),
)
