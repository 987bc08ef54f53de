"""Profil IKM (one business) and Profil Sentra (one sentra IKM): the documents an office prints about one record.

Both read only what the user may see: the parameter is a choice limited to the user's region, so a business or
sentra elsewhere is refused by the form (the admin page and `render_report --business/--sentra` alike).
"""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy

from businesses import rules
from businesses.choices import BusinessStatus, ScaleBps, ScaleIndustry, ScalePp7
from businesses.models import SENTRA_MIN_MEMBERS, Business, Owner, Sentra
from businesses.selectors import business_public_url
from ikm_registry.personal_data import consented_value, mask
from ikm_registry.qr import qr_svg
from ikm_registry.reports import Disclosure, Report, ReportForm, register
from ikm_registry.reports.base import file_url
from ikm_registry.reports.sections import ReportSection, SectionedReport, report_sections


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
        field.queryset = queryset.restrict(user)
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
    return {
        "name": owner.name,
        "sex": owner.get_sex_display() if owner.sex else "",
        "nik": mask(owner.nik) if owner.nik else "",
        "phone": consented_value(owner, "phone"),
        "email": consented_value(owner, "email"),
    }


# The sections of a Profil IKM: businesses' own, registered in BusinessesConfig.ready (businesses/contributions.py);
# other apps add theirs to report "profil-ikm" (ikm_registry/reports/sections.py). Each returns its template's context.


def identity_section(business, *, user=None) -> dict:
    """The links as "Platform: handle" (a reader types them in; the full address is in the QR's profile), then the
    channels that name no account."""
    from businesses.links import Platform, display_name

    links = [
        f"{Platform(link.platform).label}: {display_name(link.platform, link.url)}" for link in business.links.all()
    ]
    return {"channels": links + [c.strip() for c in business.online_channels.split(",") if c.strip()]}


def owner_section(business, *, user=None) -> dict:
    return {"owner": owner_as_allowed(business)}


def products_section(business, *, user=None) -> dict:
    # The thumbnail, not the photo: a few hundred pixels are plenty at 42 mm, and WeasyPrint embeds what it is given.
    return {
        "products": [
            {"product": product, "photo_url": file_url(product.photo_thumbnail)} for product in business.products.all()
        ]
    }


def years_section(business, *, user=None) -> dict:
    return {
        "years": [
            {
                "row": row,
                "scale_pp7": _label(ScalePp7, row.scale_pp7),
                "scale_industry": _label(ScaleIndustry, row.scale_industry),
                "scale_bps": _label(ScaleBps, row.scale_bps),
            }
            for row in business.years.order_by("year")
        ]
    }


def assistance_section(business, *, user=None) -> dict:
    return {"assistance": list(business.assistance.order_by("year", "pk"))}


def obstacles_section(business, *, user=None) -> dict:
    return {"obstacles": list(business.obstacles.order_by("year", "kind"))}


def public_page_section(business, *, user=None) -> dict:
    published = business.status == BusinessStatus.PUBLISHED
    public_url = business_public_url(business) if published else ""
    return {"published": published, "public_url": public_url, "qr_svg": qr_svg(public_url) if published else ""}


PROFIL_IKM_SECTIONS = (
    ReportSection(
        report="profil-ikm",
        name="identity",
        order=100,
        title=pgettext_lazy("Profil IKM section", "Identitas usaha"),
        template_name="reports/profil_ikm/identity.html",
        context=identity_section,
    ),
    ReportSection(
        report="profil-ikm",
        name="owner",
        order=200,
        title=pgettext_lazy("Profil IKM section", "Pemilik"),
        template_name="reports/profil_ikm/owner.html",
        context=owner_section,
        # name, sex, masked NIK, consented contacts
        disclosure=lambda context: Disclosure(
            personal_data=context["owner"] is not None, individual_data=False, row_count=1
        ),
    ),
    ReportSection(
        report="profil-ikm",
        name="products",
        order=300,
        title=pgettext_lazy("Profil IKM section", "Produk"),
        template_name="reports/profil_ikm/products.html",
        context=products_section,
    ),
    ReportSection(
        report="profil-ikm",
        name="years",
        order=400,
        title=pgettext_lazy("Profil IKM section", "Data tahunan"),
        template_name="reports/profil_ikm/years.html",
        context=years_section,
        # the business's own figures
        disclosure=lambda context: Disclosure(personal_data=False, individual_data=bool(context["years"]), row_count=1),
    ),
    ReportSection(
        report="profil-ikm",
        name="assistance",
        order=500,
        title=pgettext_lazy("Profil IKM section", "Bantuan / fasilitasi yang diterima"),
        template_name="reports/profil_ikm/assistance.html",
        context=assistance_section,
        # the value of the assistance it received
        disclosure=lambda context: Disclosure(
            personal_data=False, individual_data=any(row.value for row in context["assistance"]), row_count=1
        ),
    ),
    ReportSection(
        report="profil-ikm",
        name="obstacles",
        order=600,
        title=pgettext_lazy("Profil IKM section", "Kendala"),
        template_name="reports/profil_ikm/obstacles.html",
        context=obstacles_section,
    ),
    ReportSection(
        report="profil-ikm",
        name="public_page",
        order=700,
        title=pgettext_lazy("Profil IKM section", "Halaman publik"),
        template_name="reports/profil_ikm/public_page.html",
        context=public_page_section,
    ),
)


def register_profil_ikm_sections() -> None:
    for section in PROFIL_IKM_SECTIONS:
        report_sections.register(section, replace=True)


def business_profile(business, *, user=None) -> dict:
    """The contexts of businesses' own sections of a Profil IKM, merged (the business, its owner as allowed,
    products, years, assistance, obstacles, public page)."""
    profile = {"business": business}
    for section in PROFIL_IKM_SECTIONS:
        profile.update(section.context(business, user=user))
    return profile


@register
class ProfilIkmReport(SectionedReport):
    """Profil IKM: identity, owner as allowed, products with photos, yearly figures, assistance, obstacles, QR; then
    the sections other apps register for "profil-ikm"."""

    name = "profil-ikm"
    title = gettext_lazy("Profil IKM")
    description = gettext_lazy(
        "Satu IKM: identitas, pemilik, produk dengan foto, data tahunan dan skala usaha, bantuan, kendala, dan kode "
        "QR ke halaman publiknya."
    )
    form_class = ProfilIkmForm
    template_name = "reports/profil_ikm.html"
    record_name = "business"

    def get_title(self, *, params):
        return _("Profil IKM %(name)s") % {"name": params["business"].name}

    def get_record(self, *, user, params):
        return Business.objects.select_related("village__parent__parent", "kbli", "subsector", "sentra", "owner").get(
            pk=params["business"].pk
        )


# --- Profil Sentra ------------------------------------------------------------------------------------------------


def sentra_profile(sentra, *, user) -> dict:
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
