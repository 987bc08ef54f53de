"""The registry admin: what a Disperindag operator works in every day."""

from django import forms
from django.contrib import admin
from django.contrib.admin.views.main import SEARCH_VAR
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Case, F, Q, When
from django.forms.models import BaseInlineFormSet
from django.urls import reverse
from django.utils.html import format_html, format_html_join
from django.utils.text import smart_split, unescape_string_literal
from django.utils.translation import gettext_lazy as _

from businesses import rules
from businesses.admin_import import ImportExportAdminMixin
from businesses.admin_proposals import OwnerLinkAdminMixin
from businesses.admin_workflow import WorkflowAdminMixin
from businesses.choices import ScaleBps, ScaleIndustry, ScalePp7
from businesses.filtersets import BusinessStaffFilterSet, SentraStaffFilterSet
from businesses.models import (
    SENTRA_MIN_MEMBERS,
    Assistance,
    Business,
    BusinessLink,
    BusinessYear,
    Obstacle,
    Owner,
    Product,
    Sentra,
    SentraFacility,
    SentraOfficer,
    SentraRevitalisation,
)
from businesses.services import business_duplicates
from ikm_registry.admin_base import ScopedInlineMixin, ScopedModelAdmin
from ikm_registry.choices import RegionLevel
from ikm_registry.filtering import FilterSetAdminMixin, filterset_list_filters
from ikm_registry.forms import RupiahField, RupiahInput
from ikm_registry.models import Region
from ikm_registry.personal_data import personal_data_access
from ikm_registry.scoping import region_q, scope_for

# --- businesses ---------------------------------------------------------------------------------------------------


class OwnerInlineFormSet(BaseInlineFormSet):
    """Also the place where a new or edited business is checked for duplicates (NIB, else name + owner + desa)."""

    def clean(self):
        super().clean()
        business = self.instance
        owners = [form.cleaned_data for form in self.forms if form.cleaned_data and not form.cleaned_data.get("DELETE")]
        if not owners or not business.village_id or business.nib:
            return  # NIB duplicates are refused by the unique constraint on the business form itself
        if "name" not in owners[0]:
            return  # the owner's name was refused: its error is shown on the field
        duplicates = business_duplicates(
            name=business.name, owner_name=owners[0]["name"], village_id=business.village_id, exclude_pk=business.pk
        )
        if duplicates.exists():
            raise ValidationError(
                _("Kemungkinan duplikat: IKM dengan nama, pemilik dan desa yang sama sudah terdaftar (ID %(ids)s).")
                % {"ids": ", ".join(str(pk) for pk in duplicates.values_list("pk", flat=True)[:5])},
                code="duplicate",
            )


class OwnerInline(ScopedInlineMixin, admin.StackedInline):
    model = Owner
    formset = OwnerInlineFormSet
    min_num = 1
    max_num = 1
    can_delete = False
    fieldsets = [
        (None, {"fields": [("name", "sex"), "nik", ("phone", "email"), "home_address"]}),
        (_("Persetujuan publikasi kontak"), {"fields": [("phone_public_since", "email_public_since")]}),
    ]


def choice_label(choices, value) -> str:
    """The label of a derived (generated) choice value; GeneratedField has no get_FOO_display()."""
    return choices(value).label if value else "—"


# Rupiah amounts are read and typed with dots between thousands; small inputs keep the yearly table on screen.
MONEY_AND_NUMBERS = {
    models.BigIntegerField: {"form_class": RupiahField, "widget": RupiahInput},
    models.PositiveIntegerField: {"widget": forms.NumberInput(attrs={"class": "w-5em"})},
    models.PositiveSmallIntegerField: {"widget": forms.NumberInput(attrs={"class": "w-5em"})},
    models.DecimalField: {"widget": forms.NumberInput(attrs={"class": "w-8em", "step": "any"})},
}


class BusinessYearInline(ScopedInlineMixin, admin.TabularInline):
    model = BusinessYear
    extra = 0
    formfield_overrides = {
        **MONEY_AND_NUMBERS,
        models.CharField: {"widget": forms.TextInput(attrs={"size": 10})},
    }
    fields = [
        "year",
        "workforce_male",
        "workforce_female",
        "investment",
        "turnover",
        "production_capacity",
        "capacity_unit",
        "production_value",
        "bps_scale",
        "industry_scale",
        "pp7_scale",
    ]
    readonly_fields = ["bps_scale", "industry_scale", "pp7_scale"]
    ordering = ["-year"]

    def history_label(self, instance):
        return str(instance.year)  # "Data tahunan: 2024" on the business's Riwayat page

    @admin.display(description=_("skala (BPS)"))
    def bps_scale(self, obj):
        return choice_label(ScaleBps, obj.scale_bps)

    @admin.display(description=_("skala industri (Permenperin 64/2016)"))
    def industry_scale(self, obj):
        return choice_label(ScaleIndustry, obj.scale_industry)

    @admin.display(description=_("skala (PP 7/2021)"))
    def pp7_scale(self, obj):
        return choice_label(ScalePp7, obj.scale_pp7)


class BusinessLinkInline(ScopedInlineMixin, admin.TabularInline):
    model = BusinessLink
    extra = 0
    fields = ["platform", "url"]


class ProductInline(ScopedInlineMixin, admin.TabularInline):
    model = Product
    extra = 0
    formfield_overrides = {models.TextField: {"widget": forms.Textarea(attrs={"rows": 2, "cols": 50})}}
    fields = ["name", "description", "photo", "is_featured"]


class AssistanceInline(ScopedInlineMixin, admin.TabularInline):
    model = Assistance
    extra = 0
    formfield_overrides = MONEY_AND_NUMBERS
    fields = ["year", "kind", "description", "provider", "value"]


class ObstacleInline(ScopedInlineMixin, admin.TabularInline):
    model = Obstacle
    extra = 0
    fields = ["year", "kind", "description"]


# Up to this many owners or desa found by a search word are named in the business query by their ids (an indexed
# lookup each); more are left to a subquery.
SEARCH_ID_LIST_MAX = 2000


def _ids_or_subquery(field: str, values) -> Q:
    found = list(values[: SEARCH_ID_LIST_MAX + 1])
    if len(found) <= SEARCH_ID_LIST_MAX:
        return Q(**{f"{field}__in": found}) if found else Q(pk__in=[])
    return Q(**{f"{field}__in": values})


@admin.register(Business)
class BusinessAdmin(
    OwnerLinkAdminMixin, FilterSetAdminMixin, ImportExportAdminMixin, WorkflowAdminMixin, ScopedModelAdmin
):
    change_form_template = "admin/businesses/business/change_form.html"
    list_display = [
        "name",
        "owner_name",
        "location",
        "kbli_code",
        "sentra_name",
        "workforce",
        "scale",
        "status",
    ]
    list_display_links = ["name"]
    list_select_related = ["owner", "village__parent", "kbli"]
    # The staff FilterSet's filters, with its parameter names: the export and the Daftar IKM report use it too.
    filterset_class = BusinessStaffFilterSet
    list_filter = filterset_list_filters(BusinessStaffFilterSet)
    search_fields = ["name", "=nib", "owner__name", "=owner__nik", "main_product", "village__name"]
    search_help_text = _("Cari nama usaha, NIB, nama atau NIK pemilik, produk, atau desa.")
    autocomplete_fields = ["village", "kbli", "sentra"]
    ordering = ["name", "pk"]  # the index business_name_id serves it (a deterministic order needs the pk)
    list_per_page = 50
    show_full_result_count = False  # one COUNT per page view is enough on a large register
    # Only the workflow services change the status: the buttons on the change page and the bulk actions.
    readonly_fields = ["status", "created_at", "updated_at", "created_by"]
    actions = WorkflowAdminMixin.workflow_actions
    fieldsets = [
        (_("Identitas usaha"), {"fields": ["name", ("legal_form", "nib"), "status"]}),
        (_("Lokasi"), {"fields": ["village", "address", ("latitude", "longitude")]}),
        (
            _("Kegiatan usaha"),
            {
                "fields": [
                    "kbli",
                    "subsector",
                    "main_product",
                    ("year_founded", "market_reach"),
                    "raw_materials",
                    "online_channels",
                    "sentra",
                ]
            },
        ),
        (_("Riwayat"), {"fields": [("created_at", "updated_at", "created_by")], "classes": ["collapse"]}),
    ]
    inlines = [OwnerInline, BusinessLinkInline, BusinessYearInline, ProductInline, AssistanceInline, ObstacleInline]

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        context.update(self.owner_link_context(request, obj))
        return super().render_change_form(request, context, add=add, change=change, form_url=form_url, obj=obj)

    def get_queryset(self, request):
        region = scope_for(request.user).region_code
        sentra_shown = F("sentra__name")
        if region:  # a sentra of another region (a membership recorded before the rule) is not named
            sentra_shown = Case(When(region_q("sentra__village__code", region), then=sentra_shown))
        return (
            super()
            .get_queryset(request)
            .annotate(
                latest_workforce=rules.latest_figure("workforce_total"),
                latest_scale_bps=rules.latest_figure("scale_bps"),
                sentra_shown=sentra_shown,
            )
        )

    def get_ordering(self, request):
        """Name order; a search's results newest first (unless a column's order is chosen): the id index then finds
        a page of matches among the newest rows at once, where name order must read every row up to the first
        matching name (at national scale, tens of thousands for a common word)."""
        if request.GET.get(SEARCH_VAR, "").strip():
            return ["-pk"]
        return super().get_ordering(request)

    def get_search_results(self, request, queryset, search_term):
        """Every word must match the name or main product (through the search text's trigram index), the NIB or the
        owner's NIK exactly, the owner's name, or the desa's name (as `search_fields` say, less what the user's role
        may not search). Owners and desa are looked up first (each through an index) and their businesses named by
        id, so that the business table is searched with indexed conditions only, in the list's order: at national
        scale an OR across the joined owner and desa read every row."""
        fields = set(self.get_search_fields(request))
        for word in smart_split(search_term):
            if word.startswith(('"', "'")) and word[0] == word[-1]:
                word = unescape_string_literal(word)
            word = word.strip()
            if not word:
                continue
            condition = Q(search_document__contains=word.lower())
            if "=nib" in fields:
                condition |= Q(nib=word)
            owners = Owner.objects.none()
            if "owner__name" in fields:
                owners = Owner.objects.filter(name__icontains=word)
            if "=owner__nik" in fields and word.isdigit():
                owners = owners | Owner.objects.filter(nik=word)
            condition |= _ids_or_subquery("pk", owners.order_by().values_list("business_id", flat=True))
            if "village__name" in fields:
                villages = Region.objects.filter(level=RegionLevel.VILLAGE, name__icontains=word)
                condition |= _ids_or_subquery("village_id", villages.order_by().values_list("code", flat=True))
            queryset = queryset.filter(condition)
        return queryset, False

    def get_list_display(self, request):
        """Staff whose region holds several kabupaten/kota (province, national) read each row's kabupaten/kota."""
        columns = list(super().get_list_display(request))
        if scope_for(request.user).covers_several_regencies:
            columns.insert(columns.index("location") + 1, "regency")
        return columns

    def get_list_select_related(self, request):
        related = list(super().get_list_select_related(request))
        if scope_for(request.user).covers_several_regencies:
            related.append("village__parent__parent")  # the kabupaten/kota column, in the list's one query
        return related

    def get_changelist_instance(self, request):
        changelist = super().get_changelist_instance(request)
        if not personal_data_access(request.user).search:  # no NIK search for this role (get_search_fields)
            changelist.search_help_text = _("Cari nama usaha, NIB, nama pemilik, produk, atau desa.")
        return changelist

    def save_model(self, request, obj, form, change):
        if not change:
            obj.created_by = request.user
        super().save_model(request, obj, form, change)

    @admin.display(description=_("pemilik"), ordering="owner__name")
    def owner_name(self, obj):
        owner = getattr(obj, "owner", None)
        return owner.name if owner else "—"

    @admin.display(description=_("desa / kecamatan"), ordering="village__name")
    def location(self, obj):
        return format_html("{}<br><small>{}</small>", obj.village.name, obj.village.parent.name)

    @admin.display(description=_("kabupaten/kota"), ordering="village__parent__parent__name")
    def regency(self, obj):
        return obj.village.parent.parent.name

    @admin.display(description=_("KBLI"), ordering="kbli_id")  # the code itself: a key a deep page can seek by
    def kbli_code(self, obj):
        return format_html('<span title="{}">{}</span>', obj.kbli.title, obj.kbli_id)

    @admin.display(description=_("sentra"), ordering="sentra__name")
    def sentra_name(self, obj):
        return obj.sentra_shown or "—"

    @admin.display(description=_("tenaga kerja"), ordering="latest_workforce")
    def workforce(self, obj):
        return obj.latest_workforce if obj.latest_workforce is not None else "—"

    @admin.display(description=_("skala (BPS)"), ordering="latest_scale_bps")
    def scale(self, obj):
        return choice_label(ScaleBps, obj.latest_scale_bps)


# --- sentra -------------------------------------------------------------------------------------------------------


class SentraOfficerInline(ScopedInlineMixin, admin.TabularInline):
    model = SentraOfficer
    extra = 0


class SentraFacilityInline(ScopedInlineMixin, admin.TabularInline):
    model = SentraFacility
    extra = 0


class SentraRevitalisationInline(ScopedInlineMixin, admin.TabularInline):
    model = SentraRevitalisation
    extra = 0
    formfield_overrides = MONEY_AND_NUMBERS


@admin.register(Sentra)
class SentraAdmin(FilterSetAdminMixin, ScopedModelAdmin):
    list_display = ["name", "main_product", "village_label", "member_count", "similar_member_count", "meets_rule"]
    list_select_related = ["village__parent__parent"]
    filterset_class = SentraStaffFilterSet
    list_filter = filterset_list_filters(SentraStaffFilterSet)
    search_fields = ["name", "main_product", "village__name"]
    autocomplete_fields = ["village", "kbli"]
    ordering = ["name"]
    readonly_fields = ["members_overview"]
    fieldsets = [
        (None, {"fields": ["name", "main_product", "kbli", "village", "address", "year_established"]}),
        (_("Legalitas"), {"fields": ["decree_number", "decree_date", "decree_issuer"]}),
        (_("Kelembagaan"), {"fields": ["institution", "upt_name", "description"]}),
        (_("Anggota"), {"fields": ["members_overview"]}),
    ]
    inlines = [SentraOfficerInline, SentraFacilityInline, SentraRevitalisationInline]

    def get_queryset(self, request):
        return super().get_queryset(request).with_member_counts()

    def get_autocomplete_queryset(self, request):
        """The sentra a search offers (the business form's field, the business list's filter): the user's, without
        the list's member counts, which join every member of every sentra (300 ms a keystroke at national scale)."""
        return super().get_queryset(request)

    def get_object(self, request, object_id, from_field=None):
        sentra = super().get_object(request, object_id, from_field)
        sentra.viewer = request.user  # members_overview lists only the members this user may see
        return sentra

    @admin.display(description=_("desa/kelurahan"), ordering="village__name")
    def village_label(self, obj):
        return obj.village.label

    @admin.display(description=_("anggota aktif"), ordering="member_count")
    def member_count(self, obj):
        """A link to the business list of the sentra's members (the list's sentra filter, chosen)."""
        url = f"{reverse('admin:businesses_business_changelist')}?sentra={obj.pk}"
        return format_html('<a href="{}">{}</a>', url, obj.member_count)

    @admin.display(description=_("anggota sejenis"), ordering="similar_member_count")
    def similar_member_count(self, obj):
        return obj.similar_member_count

    @admin.display(description=_("memenuhi PP 29/2018"), boolean=True)
    def meets_rule(self, obj):
        return obj.meets_pp29

    @admin.display(description=_("anggota"))
    def members_overview(self, obj):
        if obj is None or obj.pk is None:
            return "—"
        members = obj.members.select_related("kbli").order_by("name")
        viewer = getattr(obj, "viewer", None)
        members = members.restrict(viewer) if viewer is not None else members.none()
        rows = format_html_join(
            "",
            '<li><a href="{}">{}</a> — {} ({})</li>',
            (
                (reverse("admin:businesses_business_change", args=[m.pk]), m.name, m.kbli_id, m.get_status_display())
                for m in members
            ),
        )
        if obj.meets_pp29:
            verdict = _(
                "Sentra ini memenuhi PP 29/2018: paling sedikit %(n)s IKM dengan produk sejenis (KBLI subgolongan sama)."
            )
        else:
            verdict = _(
                "Sentra ini belum memenuhi PP 29/2018, yang mensyaratkan paling sedikit %(n)s IKM dengan produk sejenis "
                "(KBLI subgolongan sama)."
            )
        return format_html("<p>{}</p><ul>{}</ul>", verdict % {"n": SENTRA_MIN_MEMBERS}, rows)
