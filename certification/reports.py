"""The PDF reports of certification (DESIGN §6), in the core's report registry (admin Laporan page and
`render_report`; the registry imports this module from every installed app):

- `progres-sertifikasi --region --year [--param scheme=ID]`: each target of the region and year against what was
  achieved, per kecamatan (a regency's target) or regency (a province's), asesi waiting, sessions held, and the
  competency certificates that lapse in the next six months (holder, business, scheme, number, date);
- `daftar-sertifikat --region [--param kind=kompetensi|halal|pirt|...]`: one row per certificate held in the region,
  competency certificates of the asesi of its businesses and the businesses' product certificates.

What each figure counts is certification.selectors' docstring. No NIK, phone or e-mail is printed; holders' names
are (both files are logged as holding personal data when they name anyone).
"""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from certification.choices import CertificateStatus, ProductCertificateKind, ProductCertificateStatus
from certification.models import Scheme
from certification.selectors import (
    COMPETENCY,
    EXPIRY_MONTHS,
    certificate_count,
    certificate_list,
    certificates_expiring,
    expiring_certificates,
    target_progress,
    year_end,
)
from ikm_registry.choices import RegionLevel
from ikm_registry.reports import Disclosure, Report, ReportForm, register
from ikm_registry.reports.listing import ChunkedListReport


def _describe_choices(form, described):
    """The filter as printed: a choice field's label rather than its stored value."""
    shown = {}
    for name, field in form.fields.items():
        value = form.cleaned_data.get(name)
        if value not in (None, "") and not hasattr(field, "queryset") and hasattr(field, "choices"):
            shown[str(field.label)] = str(dict(field.choices).get(value, value))
    return [(label, shown.get(label, value)) for label, value in described]


# --- progres-sertifikasi -------------------------------------------------------------------------------------------


class ProgresForm(ReportForm):
    """A province or regency (targets are set for those), a year and, optionally, one scheme."""

    year = forms.IntegerField(label=gettext_lazy("Tahun"), min_value=2000, max_value=2100)
    scheme = forms.ModelChoiceField(
        label=gettext_lazy("Skema"),
        queryset=Scheme.objects.none(),
        required=False,
        empty_label=gettext_lazy("Semua skema"),
    )

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, user=user, **kwargs)
        self.fields["region"].queryset = self.fields["region"].queryset.filter(
            level__in=[RegionLevel.PROVINCE, RegionLevel.REGENCY]
        )
        self.fields["region"].help_text = gettext_lazy("Provinsi atau kabupaten/kota.")
        self.fields["scheme"].queryset = Scheme.objects.restrict(user).select_related("lsp").order_by("code", "pk")


@register
class ProgresSertifikasiReport(Report):
    """Targets of a region and year against the people certified, with the certificates that lapse soon."""

    name = "progres-sertifikasi"
    title = gettext_lazy("Progres Sertifikasi")
    description = gettext_lazy(
        "Target sertifikasi kompetensi per skema dan capaiannya per kecamatan atau kabupaten/kota, asesi yang "
        "menunggu uji, uji kompetensi yang terlaksana, dan sertifikat yang berakhir dalam 6 bulan."
    )
    form_class = ProgresForm
    template_name = "reports/progres_sertifikasi.html"

    def get_title(self, *, params):
        return _("Progres Sertifikasi %(region)s Tahun %(year)s") % {
            "region": params["region"].name,
            "year": params["year"],
        }

    def get_context(self, *, user, params):
        region, year, scheme = params["region"], params["year"], params.get("scheme")
        today = timezone.localdate()
        progress = target_progress(region.code, year, actor=user, scheme=scheme, today=today)
        return {
            "region": region,
            "year": year,
            "year_end": year_end(year),
            "progress": progress,
            "broken_down": [item for item in progress if item.areas],
            "expiring": certificates_expiring(region.code, actor=user, scheme=scheme, today=today),
            "expiry_months": EXPIRY_MONTHS,
        }

    def disclosure(self, context):
        """Counts of people, and the names of the holders whose certificates lapse soon (personal data)."""
        expiring = context["expiring"]
        return Disclosure(personal_data=bool(expiring), individual_data=False, row_count=len(expiring))

    def needs_background(self, *, user, params) -> bool:
        """A long list of lapsing certificates (a province) is made in the background."""
        expiring = expiring_certificates(params["region"].code, actor=user, scheme=params.get("scheme"))
        return expiring.count() > settings.REPORT_BACKGROUND_ROWS


# --- daftar-sertifikat ---------------------------------------------------------------------------------------------


def kind_choices():
    return [
        ("", _("Semua")),
        (COMPETENCY, _("Sertifikat kompetensi")),
        *((value, _("Sertifikat %(kind)s") % {"kind": label}) for value, label in ProductCertificateKind.choices),
    ]


class DaftarSertifikatForm(ReportForm):
    kind = forms.ChoiceField(label=gettext_lazy("Jenis sertifikat"), choices=kind_choices, required=False)

    def describe(self):
        return _describe_choices(self, super().describe())


STATUS_LABELS = {**dict(ProductCertificateStatus.choices), **dict(CertificateStatus.choices)}


@register
class DaftarSertifikatReport(ChunkedListReport):
    """Every certificate held in a region, one row each."""

    name = "daftar-sertifikat"
    title = gettext_lazy("Daftar Sertifikat")
    description = gettext_lazy(
        "Satu baris per sertifikat di wilayah: sertifikat kompetensi asesi dari IKM wilayah ini dan sertifikat "
        "produk IKM (halal, P-IRT, SNI, BPOM, merek), dengan nomor, tanggal terbit, masa berlaku dan status."
    )
    form_class = DaftarSertifikatForm
    template_name = "reports/daftar_sertifikat.html"
    landscape = True
    first_page_rows = 20  # a shorter letterhead block than the Daftar IKM's filter description

    def get_title(self, *, params):
        return _("Daftar Sertifikat %(region)s") % {"region": params["region"].name}

    def get_context(self, *, user, params):
        kinds = {COMPETENCY: _("Kompetensi"), **dict(ProductCertificateKind.choices)}
        rows = certificate_list(params["region"].code, actor=user, kind=params.get("kind") or "")
        for number, row in enumerate(rows, start=1):
            row["number_in_list"] = number
            row["kind_label"] = kinds[row["kind"]]
            row["status_label"] = STATUS_LABELS.get(row["status"], row["status"])
        return {"rows": rows, "part": "only"}

    def disclosure(self, context):
        """A competency certificate names its holder (personal data); product certificates name businesses."""
        rows = context["rows"]
        return Disclosure(personal_data=any(row["holder"] for row in rows), individual_data=False, row_count=len(rows))

    def needs_background(self, *, user, params) -> bool:
        count = certificate_count(params["region"].code, actor=user, kind=params.get("kind") or "")
        return count > settings.REPORT_BACKGROUND_ROWS
