"""List filters for the registry admin; every choice list is limited to the user's region."""

from django.contrib import admin
from django.db.models import Exists, OuterRef
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from businesses.choices import SCALE_BPS_WORKERS, ScaleBps
from businesses.models import SENTRA_MIN_MEMBERS, Business, BusinessYear
from ikm_registry.choices import KbliLevel, RegionLevel
from ikm_registry.models import Kbli, Region
from ikm_registry.scoping import scope_for


class VisibleRelatedOnlyFilter(admin.RelatedOnlyFieldListFilter):
    """Django's RelatedOnlyFieldListFilter, offering only related records the user may see (a sentra of another
    region never becomes a filter link, even when a visible business still points at it)."""

    def field_choices(self, field, request, model_admin):
        used = model_admin.get_queryset(request).distinct().values_list(f"{self.field_path}__pk", flat=True)
        visible = field.related_model._default_manager.restrict(request.user).filter(pk__in=used)
        ordering = self.field_admin_ordering(field, request, model_admin)
        return field.get_choices(
            include_blank=False, limit_choices_to={"pk__in": visible.values("pk")}, ordering=ordering
        )


class RegencyFilter(admin.SimpleListFilter):
    """Kabupaten/kota; hidden for staff whose region is a single regency."""

    title = _("kabupaten/kota")
    parameter_name = "kabupaten"

    def lookups(self, request, model_admin):
        regencies = Region.objects.restrict(request.user).filter(level=RegionLevel.REGENCY)
        if scope_for(request.user).region_code and regencies.count() <= 1:
            return []
        return [(region.code, region.name) for region in regencies.order_by("code")]

    def queryset(self, request, queryset):
        if self.value():
            return queryset.in_region(self.value())
        return queryset


class DistrictFilter(admin.SimpleListFilter):
    """Kecamatan of the chosen regency (or of the user's own regency)."""

    title = _("kecamatan")
    parameter_name = "kecamatan"

    def _regency(self, request):
        chosen = request.GET.get(RegencyFilter.parameter_name)
        if chosen:
            return chosen
        own = scope_for(request.user).region_code
        if own and Region.objects.filter(code=own, level=RegionLevel.REGENCY).exists():
            return own
        return None

    def lookups(self, request, model_admin):
        regency = self._regency(request)
        if regency is None:
            return []
        districts = Region.objects.restrict(request.user).filter(level=RegionLevel.DISTRICT, parent_id=regency)
        return [(district.code, district.name) for district in districts.order_by("name")]

    def queryset(self, request, queryset):
        if self.value():
            return queryset.in_region(self.value())
        return queryset


class KbliDivisionFilter(admin.SimpleListFilter):
    """KBLI golongan pokok (2 digits) present among the businesses the user can see."""

    title = _("golongan pokok KBLI")
    parameter_name = "kbli"

    def lookups(self, request, model_admin):
        # One EXISTS probe per division (an index range scan each) rather than a scan of every business.
        visible = Business.objects.restrict(request.user).filter(kbli__code__startswith=OuterRef("code"))
        divisions = Kbli.objects.filter(level=KbliLevel.DIVISION).filter(Exists(visible)).order_by("code")
        return [(division.code, f"{division.code} — {division.title}") for division in divisions]

    def queryset(self, request, queryset):
        if self.value():
            return queryset.filter(kbli__code__startswith=self.value())
        return queryset


class ScaleFilter(admin.SimpleListFilter):
    """BPS scale class (by workforce) of the business's latest data year."""

    title = _("skala usaha (BPS, data terakhir)")
    parameter_name = "skala"

    def lookups(self, request, model_admin):
        return [(value, f"{label} ({SCALE_BPS_WORKERS[value]})") for value, label in ScaleBps.choices]

    def queryset(self, request, queryset):
        if self.value():
            return queryset.filter(latest_scale_bps=self.value())
        return queryset


class CompletenessFilter(admin.SimpleListFilter):
    """Records an operator should complete."""

    title = _("kelengkapan data")
    parameter_name = "kelengkapan"

    NO_NIB = "tanpa-nib"
    NO_COORDINATES = "tanpa-koordinat"
    NO_RECENT_FIGURES = "tanpa-data-tahunan"

    def lookups(self, request, model_admin):
        return [
            (self.NO_NIB, _("Belum ada NIB")),
            (self.NO_COORDINATES, _("Belum ada koordinat")),
            (self.NO_RECENT_FIGURES, _("Belum ada data tahun lalu")),
        ]

    def queryset(self, request, queryset):
        if self.value() == self.NO_NIB:
            return queryset.filter(nib="")
        if self.value() == self.NO_COORDINATES:
            return queryset.filter(latitude__isnull=True)
        if self.value() == self.NO_RECENT_FIGURES:
            last_year = timezone.localdate().year - 1
            return queryset.exclude(Exists(BusinessYear.objects.filter(business=OuterRef("pk"), year__gte=last_year)))
        return queryset


class MeetsPp29Filter(admin.SimpleListFilter):
    title = _("memenuhi PP 29/2018")
    parameter_name = "pp29"

    def lookups(self, request, model_admin):
        return [("ya", _("Ya")), ("tidak", _("Tidak"))]

    def queryset(self, request, queryset):
        if self.value() == "ya":
            return queryset.filter(similar_member_count__gte=SENTRA_MIN_MEMBERS)
        if self.value() == "tidak":
            return queryset.filter(similar_member_count__lt=SENTRA_MIN_MEMBERS)
        return queryset
