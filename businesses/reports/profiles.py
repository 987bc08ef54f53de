"""Profil IKM (one business) and Profil Sentra (one sentra IKM): the documents an office prints about one record.

Both read only what the user may see: the parameter is a choice limited to the user's region, so a business or
sentra elsewhere is refused by the form (the admin page and `render_report --business/--sentra` alike).
"""

from __future__ import annotations

import io
from pathlib import Path

import segno
from django import forms
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from businesses import rules
from businesses.choices import BusinessStatus, ScaleBps, ScaleIndustry, ScalePp7
from businesses.models import SENTRA_MIN_MEMBERS, Business, Owner, Sentra
from businesses.selectors import business_public_url
from ikm_registry.personal_data import mask
from ikm_registry.reports import Disclosure, Report, ReportForm, register


def file_url(field) -> str:
    """A local file:// address WeasyPrint can read for an ImageField, or its storage URL; "" when empty/missing."""
    if not field:
        return ""
    try:
        path = Path(field.path)
    except NotImplementedError:  # a storage without local files
        return field.url
    return path.as_uri() if path.exists() else ""


def qr_svg(payload: str) -> str:
    """`payload` as a QR code (segno, error correction M), an inline SVG sized in millimetres for print."""
    buffer = io.BytesIO()
    segno.make(payload, error="m").save(
        buffer, kind="svg", scale=1, border=2, unit="mm", xmldecl=False, svgns=True, nl=False, svgclass=None
    )
    return buffer.getvalue().decode()


def _label(choices, value) -> str:
    return choices(value).label if value else "–"


class _ScopedChoiceForm(ReportForm):
    """A report about one record: no region field; the record's own desa decides the letterhead."""

    region = None
    record_field = ""
    invalid_message = ""
    id_label = ""

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, user=user, **kwargs)
        field = self.fields[self.record_field]
        queryset = field.queryset.model.objects.select_related("village").order_by("name", "pk")
        field.queryset = queryset if user is None else queryset.restrict(user)
        field.error_messages["invalid_choice"] = self.invalid_message

    def describe(self):
        """The record is the title already; the filter line gives its ID, which `render_report` takes."""
        record = self.cleaned_data[self.record_field]
        return [(str(self.id_label), str(record.pk))]

    def clean(self):
        cleaned = super().clean()
        record = cleaned.get(self.record_field)
        if record is not None:
            cleaned["region"] = record.village  # for the letterhead of national staff and the command
        return cleaned


class RecordChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.name} — {obj.village.name} (ID {obj.pk})"


class ProfilIkmForm(_ScopedChoiceForm):
    record_field = "business"
    invalid_message = gettext_lazy("IKM ini tidak ada atau di luar wilayah kerja Anda.")
    id_label = gettext_lazy("ID IKM")

    business = RecordChoiceField(label=gettext_lazy("IKM"), queryset=Business.objects.none())


class ProfilSentraForm(_ScopedChoiceForm):
    record_field = "sentra"
    invalid_message = gettext_lazy("Sentra ini tidak ada atau di luar wilayah kerja Anda.")
    id_label = gettext_lazy("ID sentra")

    sentra = RecordChoiceField(label=gettext_lazy("Sentra IKM"), queryset=Sentra.objects.none())


# --- Profil IKM ---------------------------------------------------------------------------------------------------


def owner_as_allowed(business) -> dict | None:
    """What a staff report shows of the owner: name and sex; the NIK masked; phone and e-mail only from the day the
    owner agreed to publish that channel (Owner.phone_public_since / email_public_since)."""
    try:
        owner = business.owner
    except Owner.DoesNotExist:
        return None
    today = timezone.localdate()

    def consented(since) -> bool:
        return rules.contact_consented(since, today)

    return {
        "name": owner.name,
        "sex": owner.get_sex_display() if owner.sex else "",
        "nik": mask(owner.nik) if owner.nik else "",
        "phone": owner.phone if owner.phone and consented(owner.phone_public_since) else "",
        "email": owner.email if owner.email and consented(owner.email_public_since) else "",
    }


def business_profile(business) -> dict:
    """The sections of a Profil IKM, read in a handful of queries."""
    years = [
        {
            "row": row,
            "scale_pp7": _label(ScalePp7, row.scale_pp7),
            "scale_industry": _label(ScaleIndustry, row.scale_industry),
            "scale_bps": _label(ScaleBps, row.scale_bps),
        }
        for row in business.years.order_by("year")
    ]
    # The thumbnail, not the photo: a few hundred pixels are plenty at 42 mm, and WeasyPrint embeds what it is given.
    products = [
        {"product": product, "photo_url": file_url(product.photo_thumbnail)} for product in business.products.all()
    ]
    published = business.status == BusinessStatus.PUBLISHED
    public_url = business_public_url(business)
    return {
        "business": business,
        "channels": [c.strip() for c in business.online_channels.split(",") if c.strip()],
        "owner": owner_as_allowed(business),
        "products": products,
        "years": years,
        "assistance": list(business.assistance.order_by("year", "pk")),
        "obstacles": list(business.obstacles.order_by("year", "kind")),
        "published": published,
        "public_url": public_url if published else "",
        "qr_svg": qr_svg(public_url) if published else "",
    }


@register
class ProfilIkmReport(Report):
    """Profil IKM: identity, owner as allowed, products with photos, yearly figures, assistance, obstacles, QR."""

    name = "profil-ikm"
    title = gettext_lazy("Profil IKM")
    description = gettext_lazy(
        "Satu IKM: identitas, pemilik, produk dengan foto, data tahunan dan skala usaha, bantuan, kendala, dan kode "
        "QR ke halaman publiknya."
    )
    form_class = ProfilIkmForm
    template_name = "reports/profil_ikm.html"

    def get_title(self, *, params):
        return _("Profil IKM %(name)s") % {"name": params["business"].name}

    def get_context(self, *, user, params):
        business = Business.objects.select_related(
            "village__parent__parent", "kbli", "subsector", "sentra", "owner"
        ).get(pk=params["business"].pk)
        return business_profile(business)

    def disclosure(self, context):
        """The owner (name, sex, masked NIK, consented contacts) and the business's own figures and assistance."""
        individual = bool(context["years"]) or any(row.value for row in context["assistance"])
        return Disclosure(personal_data=context["owner"] is not None, individual_data=individual, row_count=1)


# --- Profil Sentra ------------------------------------------------------------------------------------------------


def sentra_profile(sentra, *, user=None) -> dict:
    """The sections of a Profil Sentra. Members are every business linked to the sentra (that `user` may see),
    each with the workforce of its latest data year; PP 29/2018 counts the active members of the same KBLI class."""
    members = (
        sentra.members.select_related("village", "kbli")
        .annotate(
            latest_year=rules.latest_figure("year"),
            latest_workforce=rules.latest_figure("workforce_total"),
        )
        .order_by("name", "pk")
    )
    if user is not None:
        members = members.restrict(user)
    similar = set(sentra.similar_members().values_list("pk", flat=True))
    revitalisations = list(sentra.revitalisations.order_by("year", "pk"))
    return {
        "sentra": sentra,
        "officers": list(sentra.officers.order_by("pk")),
        "facilities": list(sentra.facilities.order_by("pk")),
        "revitalisations": revitalisations,
        "revitalisation_total": sum(r.amount or 0 for r in revitalisations),
        "members": [{"business": m, "similar": m.pk in similar} for m in members],
        "similar_count": len(similar),
        "min_members": SENTRA_MIN_MEMBERS,
        "kbli_class": sentra.kbli_id[:4],
        "meets_pp29": len(similar) >= SENTRA_MIN_MEMBERS,
    }


@register
class ProfilSentraReport(Report):
    """Profil Sentra: identity, decree, management, facilities, revitalisation history, members, PP 29/2018."""

    name = "profil-sentra"
    title = gettext_lazy("Profil Sentra IKM")
    description = gettext_lazy(
        "Satu sentra IKM: SK penetapan, kelembagaan, pengurus, sarana-prasarana, riwayat revitalisasi dan pendanaan, "
        "anggota, dan pemenuhan PP 29/2018 (paling sedikit 5 IKM sejenis)."
    )
    form_class = ProfilSentraForm
    template_name = "reports/profil_sentra.html"

    def get_title(self, *, params):
        name = params["sentra"].name
        if name.lower().startswith("sentra"):
            return _("Profil %(name)s") % {"name": name}
        return _("Profil Sentra %(name)s") % {"name": name}

    def get_context(self, *, user, params):
        sentra = Sentra.objects.select_related("village__parent__parent", "kbli").get(pk=params["sentra"].pk)
        return sentra_profile(sentra, user=user)

    def disclosure(self, context):
        """The management by name (personal data) and each member's workforce of its latest year (individual)."""
        members = context["members"]
        return Disclosure(
            personal_data=bool(context["officers"]),
            individual_data=any(m["business"].latest_workforce is not None for m in members),
            row_count=len(members),
        )
