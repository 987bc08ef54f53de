"""Certification in the staff API (/api/v1/staf/…), registered in CertificationConfig.ready().

`staf/sertifikat` — competency certificates the token user reaches (their region's businesses, or, for an LSP's
operator, their LSP's), with the certificate workflow's steps (`…/<id>/aksi/`); the holder's NIK, phone and e-mail
only with `?data_pribadi=1` (masked by role, logged). `staf/sertifikat-produk` — product certificates (halal, SNI,
merek, PIRT …) of the region's businesses. Writes go through the importers of LSP result sheets and product
certificates (`POST /api/v1/staf/impor/certificates/`, `…/product_certificates/`). The public checks a certificate by
its code at `/api/v1/verifikasi/?kode=`.
"""

import django_filters
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import serializers, viewsets

from certification.models import Certificate, ProductCertification
from ikm_registry.api.filters import IdFilter
from ikm_registry.api.permissions import StaffApiMixin
from ikm_registry.api.personal import WITH_PERSONAL, PersonalColumnsSerializer, PersonalDataApiMixin
from ikm_registry.api.workflow import WorkflowActionMixin
from ikm_registry.public_url import public_url


class CertificateStaffSerializer(PersonalColumnsSerializer):
    id = serializers.IntegerField()
    nama = serializers.CharField(source="enrollment.name")
    ikm = serializers.IntegerField(source="enrollment.business_id")
    nama_usaha = serializers.CharField(source="enrollment.business.name")
    skema = serializers.CharField(source="enrollment.scheme.code")
    nama_skema = serializers.CharField(source="enrollment.scheme.name")
    lsp = serializers.CharField(source="enrollment.scheme.lsp.name")
    nomor_sertifikat = serializers.CharField(source="number")
    nomor_registrasi = serializers.CharField(source="registration_number")
    tanggal_terbit = serializers.DateField(source="issued_on")
    berlaku_sampai = serializers.DateField(source="valid_until", allow_null=True)
    status = serializers.CharField()
    kode_verifikasi = serializers.CharField(source="code")
    url_verifikasi = serializers.SerializerMethodField()

    def get_url_verifikasi(self, certificate) -> str:
        return public_url(f"/verifikasi/?kode={certificate.code}")


class CertificateFilterSet(django_filters.FilterSet):
    status = django_filters.CharFilter(label=_("Status"), field_name="status", max_length=20)
    skema = IdFilter(label=_("ID skema"), field_name="enrollment__scheme_id")
    ikm = IdFilter(label=_("ID IKM"), field_name="enrollment__business_id")

    class Meta:
        model = Certificate
        fields = []


@extend_schema_view(
    list=extend_schema(summary="Sertifikat kompetensi (staf)", parameters=[WITH_PERSONAL]),
    retrieve=extend_schema(summary="Satu sertifikat kompetensi (staf)", parameters=[WITH_PERSONAL]),
)
class CertificateStaffViewSet(PersonalDataApiMixin, StaffApiMixin, WorkflowActionMixin, viewsets.ReadOnlyModelViewSet):
    queryset = Certificate.objects.all()
    serializer_class = CertificateStaffSerializer
    filterset_class = CertificateFilterSet
    names_people = True  # the participant's / holder's name: every answer is logged
    personal_columns = {"nik": "enrollment.nik", "telepon": "enrollment.phone", "email": "enrollment.email"}

    def get_queryset(self):
        return self.restricted(Certificate.objects.select_related("enrollment__business", "enrollment__scheme__lsp"))


class ProductCertificateStaffSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    ikm = serializers.IntegerField(source="business_id")
    nama_usaha = serializers.CharField(source="business.name")
    nib = serializers.CharField(source="business.nib")
    jenis = serializers.CharField(source="kind")
    nomor = serializers.CharField(source="number")
    produk = serializers.SerializerMethodField()
    penerbit = serializers.CharField(source="issuer")
    tanggal_terbit = serializers.DateField(source="issued_on", allow_null=True)
    berlaku_sampai = serializers.DateField(source="valid_until", allow_null=True)
    status = serializers.CharField()

    def get_produk(self, certificate) -> str:
        return certificate.product.name if certificate.product_id else certificate.product_name


class ProductCertificateFilterSet(django_filters.FilterSet):
    jenis = django_filters.CharFilter(label=_("Jenis"), field_name="kind", max_length=10)
    status = django_filters.CharFilter(label=_("Status"), field_name="status", max_length=10)
    ikm = IdFilter(label=_("ID IKM"), field_name="business_id")

    class Meta:
        model = ProductCertification
        fields = []


@extend_schema_view(list=extend_schema(summary="Sertifikat produk IKM wilayah Anda (staf)"))
class ProductCertificateStaffViewSet(StaffApiMixin, viewsets.ReadOnlyModelViewSet):
    queryset = ProductCertification.objects.all()
    serializer_class = ProductCertificateStaffSerializer
    filterset_class = ProductCertificateFilterSet

    def get_queryset(self):
        return self.restricted(ProductCertification.objects.select_related("business", "product"))


def register_api_routes() -> None:
    from ikm_registry.api.registry import ApiRoute, api_routes

    for route in (
        ApiRoute(name="staf-sertifikat", prefix="staf/sertifikat", viewset=CertificateStaffViewSet),
        ApiRoute(
            name="staf-sertifikat-produk", prefix="staf/sertifikat-produk", viewset=ProductCertificateStaffViewSet
        ),
    ):
        api_routes.register(route, replace=True)
