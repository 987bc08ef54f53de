"""The registry's businesses and sentra in the API (/api/v1/), registered in BusinessesConfig.ready().

Public (no login): `usaha` reads only through `business_public_named()` (business_public()'s rows, with the names
of their regions, KBLI code and sentra as columns) — published rows, public columns, a contact only
for the channels its owner consented to publish — with the directory's FilterSet and parameters (q, wilayah, kbli,
subsektor, skala, sentra and the filters apps add); `sentra` through `sentra_public()`.

Staff (token): `staf/usaha` lists and shows the businesses of the token user's region (`restrict()`, with the admin's
FilterSet), in the import layout. The owner's personal data and the yearly figures come only when asked for
(`?data_pribadi=1`), masked by role as in the admin, and every such answer is in the export log like a file.
Writes go through the import engine (`POST /api/v1/staf/impor/businesses/`, ikm_registry/api/imports.py) and the
workflow engine (`POST /api/v1/staf/usaha/<id>/aksi/`): the admin's and the imports' rules, never a second set.
"""

from django.db.models import Prefetch
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import serializers, viewsets

from businesses import selectors
from businesses.filtersets import BusinessPublicFilterSet, BusinessStaffFilterSet
from businesses.models import Business, BusinessYear, Sentra
from businesses.services.exporting import business_values
from businesses.services.layout import PERSONAL, YEARLY
from ikm_registry.api.conditional import ConditionalGetMixin
from ikm_registry.api.filters import ID_PATTERN
from ikm_registry.api.permissions import StaffApiMixin
from ikm_registry.api.personal import WITH_PERSONAL, PersonalDataApiMixin, shown, wants_personal
from ikm_registry.api.reference import region_trail_names, trail_names_of_row
from ikm_registry.api.representation import PlainRepresentationMixin
from ikm_registry.api.workflow import WorkflowActionMixin
from ikm_registry.opengraph import absolute_url
from ikm_registry.planner import written_join_order
from ikm_registry.public_url import public_url

# --- public -------------------------------------------------------------------------------------------------------


class BusinessApiFilterSet(BusinessPublicFilterSet):
    """The directory's filters; pages of the API come in id order (keyset pagination), so `urut` has no place."""


del BusinessApiFilterSet.base_filters["urut"]


class BusinessPublicSerializer(PlainRepresentationMixin, serializers.Serializer):
    id = serializers.IntegerField()
    nama_usaha = serializers.CharField(source="name")
    nib = serializers.CharField()
    bentuk_usaha = serializers.CharField(source="legal_form")
    alamat = serializers.CharField(source="address", help_text="Alamat tempat usaha (bukan alamat rumah pemilik).")
    kode_wilayah = serializers.CharField(source="village_id", help_text="Kode desa/kelurahan (Kemendagri).")
    wilayah = serializers.SerializerMethodField()
    kbli = serializers.CharField(source="kbli_id")
    kbli_judul = serializers.CharField(source="kbli_title")
    subsektor_ekraf = serializers.CharField(source="subsector_id", allow_null=True)
    produk_utama = serializers.CharField(source="main_product")
    tahun_berdiri = serializers.IntegerField(source="year_founded", allow_null=True)
    jangkauan_pasar = serializers.CharField(source="market_reach")
    latitude = serializers.DecimalField(max_digits=9, decimal_places=6, allow_null=True, coerce_to_string=False)
    longitude = serializers.DecimalField(max_digits=9, decimal_places=6, allow_null=True, coerce_to_string=False)
    sentra = serializers.IntegerField(source="sentra_id", allow_null=True)
    sentra_nama = serializers.SerializerMethodField()
    telepon = serializers.CharField(source="public_phone", help_text="Hanya bila pemilik setuju dipublikasikan.")
    email = serializers.CharField(source="public_email", help_text="Hanya bila pemilik setuju dipublikasikan.")
    url = serializers.SerializerMethodField(help_text="Halaman profil di direktori.")

    # Rows come from business_public_named(): the names are columns of the row, not related instances.
    def get_wilayah(self, business) -> dict[str, str]:
        return trail_names_of_row(business)

    def get_sentra_nama(self, business) -> str:
        return business.sentra_name or ""

    def get_url(self, business) -> str:
        return public_url(f"/direktori/ikm/{business.pk}/")


class ProductSerializer(serializers.Serializer):
    nama = serializers.CharField(source="name")
    deskripsi = serializers.CharField(source="description")
    unggulan = serializers.BooleanField(source="is_featured")
    foto = serializers.SerializerMethodField()

    def get_foto(self, product) -> str:
        picture = product.photo_small or product.photo
        return absolute_url(picture.url) if picture else ""  # on object storage the address is already absolute


class LinkSerializer(serializers.Serializer):
    platform = serializers.CharField(source="label")
    url = serializers.URLField()
    nama = serializers.CharField(source="name")


class BusinessPublicDetailSerializer(BusinessPublicSerializer):
    skala_bps = serializers.CharField(source="latest_scale_bps", allow_null=True)
    produk = serializers.SerializerMethodField()
    tautan = serializers.SerializerMethodField()

    def get_produk(self, business) -> list[dict]:
        return ProductSerializer(selectors.business_public_products(business), many=True).data

    def get_tautan(self, business) -> list[dict]:
        return LinkSerializer(selectors.business_public_links(business), many=True).data


@extend_schema_view(
    list=extend_schema(summary="IKM di direktori publik", description="Parameter sama dengan /direktori/."),
    retrieve=extend_schema(summary="Profil satu IKM"),
)
class BusinessPublicViewSet(ConditionalGetMixin, viewsets.ReadOnlyModelViewSet):
    """Published businesses, as the public directory shows them."""

    lookup_value_regex = ID_PATTERN
    serializer_class = BusinessPublicSerializer
    filterset_class = BusinessApiFilterSet
    queryset = Business.objects.none()  # for the schema; rows come from business_public_named()

    def get_queryset(self):
        if self.action == "retrieve":
            return selectors.business_public_named().annotate(
                latest_scale_bps=selectors.rules.latest_figure("scale_bps")
            )
        return selectors.business_public_named()

    def get_serializer_class(self):
        return BusinessPublicDetailSerializer if self.action == "retrieve" else BusinessPublicSerializer

    def list(self, request, *args, **kwargs):
        with written_join_order(selectors.business_public_rows().db):  # ikm_registry/planner.py
            return super().list(request, *args, **kwargs)

    def retrieve(self, request, *args, **kwargs):
        with written_join_order(selectors.business_public_rows().db):
            return super().retrieve(request, *args, **kwargs)


class SentraPublicSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    nama = serializers.CharField(source="name")
    produk_utama = serializers.CharField(source="main_product")
    kbli = serializers.CharField(source="kbli_id", allow_null=True)
    kbli_judul = serializers.SerializerMethodField()
    kode_wilayah = serializers.CharField(source="village_id")
    wilayah = serializers.SerializerMethodField()
    alamat = serializers.CharField(source="address")
    tahun_berdiri = serializers.IntegerField(source="year_established", allow_null=True)
    deskripsi = serializers.CharField(source="description")
    jumlah_ikm = serializers.IntegerField(source="published_member_count", help_text="Anggota yang terbit.")
    url = serializers.SerializerMethodField()

    def get_kbli_judul(self, sentra) -> str:
        return sentra.kbli.title if sentra.kbli_id else ""

    def get_wilayah(self, sentra) -> dict[str, str]:
        return region_trail_names(sentra.village)

    def get_url(self, sentra) -> str:
        return public_url(f"/sentra/{sentra.pk}/")


class SentraPublicViewSet(ConditionalGetMixin, viewsets.ReadOnlyModelViewSet):
    """Sentra (industry clusters) with at least one published member."""

    lookup_value_regex = ID_PATTERN
    serializer_class = SentraPublicSerializer
    filter_backends = []
    queryset = Sentra.objects.none()  # for the schema; rows come from sentra_public()

    def get_queryset(self):
        return selectors.sentra_public()


# --- staff --------------------------------------------------------------------------------------------------------

PERSONAL_FIELDS = {"nik_pemilik": "nik", "telepon": "phone", "email": "email"}
OWNER_COLUMNS = ("nama_pemilik", "jenis_kelamin_pemilik", *PERSONAL)


def _figures(business, figures) -> dict:
    """One data year in the layout's column names (businesses/services/exporting.business_values)."""
    values = business_values(business, figures)
    return {"tahun": figures.year, **{column: values[column] for column in YEARLY}, "skala_bps": figures.scale_bps}


class BusinessStaffSerializer(serializers.Serializer):
    """A business in the import layout (DESIGN §8), with its id and status; owner and figures only on request."""

    def to_representation(self, business):
        request = self.context["request"]
        values = business_values(business, None)
        for column in YEARLY:
            values.pop(column, None)
        row = {"id": business.pk, **values, "dibuat": business.created_at, "diubah": business.updated_at}
        if not wants_personal(request):
            for column in OWNER_COLUMNS:
                row.pop(column, None)
            return row
        for column, field in PERSONAL_FIELDS.items():
            row[column] = shown(request.user, field, row[column])
        row["data_tahunan"] = [_figures(business, figures) for figures in business.api_years]
        return row

    class Meta:
        model = Business


@extend_schema_view(
    list=extend_schema(summary="IKM wilayah Anda (staf)", parameters=[WITH_PERSONAL]),
    retrieve=extend_schema(summary="Satu IKM wilayah Anda (staf)", parameters=[WITH_PERSONAL]),
)
class BusinessStaffViewSet(PersonalDataApiMixin, StaffApiMixin, WorkflowActionMixin, viewsets.ReadOnlyModelViewSet):
    """Businesses of the token user's region, with the admin's filters (status, kabupaten, kecamatan, kbli, …)."""

    queryset = Business.objects.all()
    serializer_class = BusinessStaffSerializer
    filterset_class = BusinessStaffFilterSet
    individual_key = "data_tahunan"

    def get_queryset(self):
        queryset = self.restricted(Business.objects.all()).select_related("owner")
        if wants_personal(self.request):
            years = BusinessYear.objects.order_by("year")
            queryset = queryset.prefetch_related(Prefetch("years", queryset=years, to_attr="api_years"))
        return queryset
