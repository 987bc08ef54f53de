"""Public endpoints of the core: the reference codes (Kemendagri regions, KBLI 2020, creative subsectors), certificate
verification and the statistics aggregates. Every app's certificates and statistics panels answer through the core's
registries (`verification.verifiers`, `statistics.statistics_panels`), as on the public pages."""

import django_filters
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import serializers, viewsets
from rest_framework.exceptions import Throttled, ValidationError
from rest_framework.response import Response
from rest_framework.views import APIView

from ikm_registry.api.conditional import ConditionalGetMixin
from ikm_registry.api.pagination import KeysetPagination
from ikm_registry.choices import KbliLevel, RegionLevel
from ikm_registry.models import CreativeSubsector, Kbli, Region
from ikm_registry.public_cache import cached_counts
from ikm_registry.ratelimits import limit_exceeded
from ikm_registry.statistics import StatisticsArea, statistics_data
from ikm_registry.verification import VERIFY_RATE, verify

LEVEL_KEYS = {
    RegionLevel.VILLAGE: "desa",
    RegionLevel.DISTRICT: "kecamatan",
    RegionLevel.REGENCY: "kabupaten_kota",
    RegionLevel.PROVINCE: "provinsi",
}


def region_trail_names(region) -> dict[str, str]:
    """{desa, kecamatan, kabupaten_kota, provinsi: name} of `region` and the parents its query loaded with it
    (select_related): a parent not loaded is left empty rather than fetched, one query per row."""
    names = dict.fromkeys(LEVEL_KEYS.values(), "")
    while region is not None:
        names[LEVEL_KEYS[region.level]] = region.name
        region = region.parent if Region.parent.is_cached(region) else None
    return names


def trail_names_of_row(row, prefix: str = "trail", depth: int = 4) -> dict[str, str]:
    """region_trail_names() of a row that carries its region and the regions above it as columns:
    `<prefix>_<n>_name` and `<prefix>_<n>_level`, n = 0 for the row's own region (businesses.selectors'
    business_public_named)."""
    names = dict.fromkeys(LEVEL_KEYS.values(), "")
    for n in range(depth):
        level = getattr(row, f"{prefix}_{n}_level")
        if level is not None:
            names[LEVEL_KEYS[level]] = getattr(row, f"{prefix}_{n}_name")
    return names


class CodePagination(KeysetPagination):
    ordering = "code"


class RegionSerializer(serializers.ModelSerializer):
    kode = serializers.CharField(source="code")
    nama = serializers.CharField(source="name")
    tingkat = serializers.CharField(source="level")
    jenis = serializers.CharField(source="kind")
    kode_induk = serializers.CharField(source="parent_id", allow_null=True)

    class Meta:
        model = Region
        fields = ["kode", "nama", "tingkat", "jenis", "kode_induk"]


class RegionFilterSet(django_filters.FilterSet):
    induk = django_filters.CharFilter(field_name="parent_id", label=_("Kode wilayah induk"), max_length=13)
    tingkat = django_filters.ChoiceFilter(field_name="level", choices=RegionLevel.choices, label=_("Tingkat"))
    q = django_filters.CharFilter(field_name="name", lookup_expr="icontains", label=_("Nama"), max_length=100)

    class Meta:
        model = Region
        fields = []


class RegionViewSet(ConditionalGetMixin, viewsets.ReadOnlyModelViewSet):
    """Kemendagri regions: provinces, kabupaten/kota, kecamatan, desa/kelurahan, by dotted code."""

    queryset = Region.objects.only("code", "name", "level", "kind", "parent_id")
    serializer_class = RegionSerializer
    filterset_class = RegionFilterSet
    pagination_class = CodePagination
    lookup_field = "code"
    lookup_url_kwarg = "kode"
    lookup_value_regex = r"[0-9.]+"


class KbliSerializer(serializers.ModelSerializer):
    kode = serializers.CharField(source="code")
    judul = serializers.CharField(source="title")
    tingkat = serializers.CharField(source="level")
    kode_induk = serializers.CharField(source="parent_id", allow_null=True)

    class Meta:
        model = Kbli
        fields = ["kode", "judul", "tingkat", "kode_induk"]


class KbliFilterSet(django_filters.FilterSet):
    induk = django_filters.CharFilter(field_name="parent_id", label=_("Kode KBLI induk"), max_length=5)
    tingkat = django_filters.ChoiceFilter(field_name="level", choices=KbliLevel.choices, label=_("Tingkat"))
    q = django_filters.CharFilter(field_name="title", lookup_expr="icontains", label=_("Judul"), max_length=100)

    class Meta:
        model = Kbli
        fields = []


class KbliViewSet(ConditionalGetMixin, viewsets.ReadOnlyModelViewSet):
    """KBLI 2020 codes, from the section letter to the 5-digit subclass (kelompok)."""

    queryset = Kbli.objects.only("code", "title", "level", "parent_id")
    serializer_class = KbliSerializer
    filterset_class = KbliFilterSet
    pagination_class = CodePagination
    lookup_field = "code"
    lookup_url_kwarg = "kode"
    lookup_value_regex = r"[A-Za-z0-9]+"


class SubsectorSerializer(serializers.ModelSerializer):
    kode = serializers.CharField(source="code")
    nama = serializers.CharField(source="name")
    nama_en = serializers.CharField(source="name_en")

    class Meta:
        model = CreativeSubsector
        fields = ["kode", "nama", "nama_en"]


class SubsectorViewSet(ConditionalGetMixin, viewsets.ReadOnlyModelViewSet):
    """The creative-economy subsectors (subsektor ekraf)."""

    queryset = CreativeSubsector.objects.all()
    serializer_class = SubsectorSerializer
    pagination_class = CodePagination
    lookup_field = "code"
    lookup_url_kwarg = "kode"
    filter_backends = []


VERIFIED = inline_serializer(
    "SertifikatTerverifikasi",
    {
        "kode": serializers.CharField(),
        "ditemukan": serializers.BooleanField(),
        "jenis": serializers.CharField(required=False),
        "pemegang": serializers.CharField(required=False),
        "perihal": serializers.CharField(required=False),
        "nomor": serializers.CharField(required=False),
        "penerbit": serializers.CharField(required=False),
        "tanggal_terbit": serializers.DateField(required=False, allow_null=True),
        "berlaku_sampai": serializers.DateField(required=False, allow_null=True),
        "berlaku": serializers.BooleanField(required=False),
        "status": serializers.CharField(required=False),
    },
)


class VerificationView(APIView):
    """Verifikasi sertifikat: the certificate a code (printed as text and QR) belongs to, as on /verifikasi/."""

    @extend_schema(
        parameters=[OpenApiParameter("kode", str, required=True, description="Kode verifikasi pada sertifikat.")],
        responses={200: VERIFIED},
    )
    def get(self, request):
        code = (request.query_params.get("kode") or "").strip()
        if not code:
            raise ValidationError({"kode": [_("Isi kode verifikasi yang tercetak pada sertifikat.")]})
        if len(code) > 40:
            raise ValidationError({"kode": [_("Kode verifikasi paling panjang 40 karakter.")]})
        if limit_exceeded(request._request, group="verification", rate=VERIFY_RATE, method="GET"):
            raise Throttled()
        found = verify(code)
        if found is None:
            return Response({"kode": code, "ditemukan": False})
        return Response(
            {
                "kode": code,
                "ditemukan": True,
                "jenis": found.kind,
                "pemegang": found.holder,
                "perihal": found.subject,
                "nomor": found.number,
                "penerbit": found.issuer,
                "tanggal_terbit": found.issued,
                "berlaku_sampai": found.valid_until,
                "berlaku": found.valid,
                "status": found.status,
            }
        )


class StatisticsView(ConditionalGetMixin, APIView):
    """The aggregates of the Statistik page for a region (all of Indonesia without `wilayah`): one table per panel.
    Counts of what is public; sums of confidential figures only from the frozen releases, at the root."""

    @extend_schema(
        parameters=[
            OpenApiParameter("wilayah", str, description="Kode wilayah (mis. 51 atau 51.03); kosong: nasional.")
        ],
        responses={200: OpenApiTypes.OBJECT},
    )
    def get(self, request):
        code = (request.query_params.get("wilayah") or "").strip()
        if code and not Region.objects.filter(code=code).exists():
            raise ValidationError({"wilayah": [_("Wilayah dengan kode %(code)s tidak ada.") % {"code": code}]})
        area = StatisticsArea(code=code, with_sums=not code)
        data = cached_counts(request._request, f"api-statistics:{code}", lambda: statistics_data(area))
        return Response({"wilayah": code, "panel": data})
