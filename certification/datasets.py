"""The open-data datasets of certification (ikm_registry/opendata), registered by contributions.register_all():

- `sertifikat-kompetensi`: competency certificates issued per year, kabupaten/kota of the holder's IKM and scheme;
- `sertifikat-produk`: product certificates (halal, P-IRT, SNI, BPOM, merek) issued per year, kabupaten/kota and
  kind, with the distinct IKM holding them.

Both count the certificates of IKM that are or were public (published, or inactive after being published), as the
yearly statistics do, and leave out revoked ones. One grouped query each (plus the names of what it found).
"""

from __future__ import annotations

from django.db.models import Count, Max
from django.db.models.functions import Left
from django.utils.translation import gettext_lazy as _

from ikm_registry.models import REGENCY_CODE_LENGTH, Region
from ikm_registry.opendata import Column, Dataset


def counted_competency():
    from businesses.services.statistics import COUNTED_STATUSES
    from certification.choices import CertificateStatus
    from certification.models import Certificate

    return Certificate.objects.filter(enrollment__business__status__in=COUNTED_STATUSES).exclude(
        status=CertificateStatus.REVOKED
    )


def competency_rows() -> list[tuple]:
    """(tahun, kode_wilayah, nama_wilayah, kode_skema, nama_skema, nama_lsp, jumlah_sertifikat)."""
    from certification.models import Scheme

    groups = sorted(
        counted_competency()
        .order_by()
        .annotate(regency=Left("enrollment__business__village_id", REGENCY_CODE_LENGTH))
        .values_list("issued_on__year", "regency", "enrollment__scheme_id")
        .annotate(n=Count("pk"))
    )
    schemes = {
        pk: (code, name, lsp)
        for pk, code, name, lsp in Scheme.objects.filter(pk__in={scheme for *_rest, scheme, _n in groups}).values_list(
            "pk", "code", "name", "lsp__name"
        )
    }
    names = Region.objects.names(regency for _year, regency, *_rest in groups)
    rows = [
        (year, regency, names.get(regency, ""), *schemes.get(scheme, ("", "", "")), count)
        for year, regency, scheme, count in groups
    ]
    rows.sort(key=lambda row: (row[0], row[1], row[3]))
    return rows


def counted_products():
    from businesses.services.statistics import COUNTED_STATUSES
    from certification.choices import ProductCertificateStatus
    from certification.models import ProductCertification

    return ProductCertification.objects.filter(business__status__in=COUNTED_STATUSES, issued_on__isnull=False).exclude(
        status=ProductCertificateStatus.REVOKED
    )


def product_rows() -> list[tuple]:
    """(tahun, kode_wilayah, nama_wilayah, jenis_sertifikat, nama_jenis, jumlah_sertifikat, jumlah_ikm)."""
    from certification.choices import ProductCertificateKind

    groups = sorted(
        counted_products()
        .order_by()
        .annotate(regency=Left("business__village_id", REGENCY_CODE_LENGTH))
        .values_list("issued_on__year", "regency", "kind")
        .annotate(n=Count("pk"), businesses=Count("business", distinct=True))
    )
    names = Region.objects.names(regency for _year, regency, *_rest in groups)
    kinds = {value: str(label) for value, label in ProductCertificateKind.choices}
    return [
        (year, regency, names.get(regency, ""), kind, kinds.get(kind, kind), count, businesses)
        for year, regency, kind, count, businesses in groups
    ]


def competency_modified():
    return counted_competency().aggregate(at=Max("created_at"))["at"]


def product_modified():
    return counted_products().aggregate(at=Max("created_at"))["at"]


REGION_COLUMNS = (
    Column("kode_wilayah", _("Kode kabupaten/kota IKM (Kemendagri)")),
    Column("nama_wilayah", _("Nama kabupaten/kota IKM")),
)
CERTIFICATE_NOTES = _(
    "Dihitung menurut kabupaten/kota tempat IKM pemegang (atau tempat bekerja pemegang) berada. Tidak memuat nama, "
    "nomor sertifikat atau data pribadi. Kode dan nama wilayah: Kemendagri (idn-area-data, ODbL 1.0)."
)

COMPETENCY_DATASET = Dataset(
    name="sertifikat-kompetensi",
    order=400,
    title=_("Sertifikat kompetensi SDM IKM menurut skema dan kabupaten/kota"),
    description=_(
        "Banyaknya sertifikat kompetensi (BNSP, melalui LSP) yang diterbitkan bagi pengelola dan pekerja IKM per "
        "tahun terbit, kabupaten/kota IKM dan skema sertifikasi."
    ),
    concept=_("Sertifikasi kompetensi kerja sumber daya manusia industri kecil dan menengah."),
    definition=_(
        "Sertifikat kompetensi: sertifikat yang diterbitkan LSP berlisensi BNSP bagi asesi yang dinyatakan kompeten, "
        "tidak termasuk yang dicabut; dihitung bagi IKM yang pernah atau sedang terbit di direktori."
    ),
    method=_("Dihitung (count) menurut tahun tanggal terbit, kabupaten/kota IKM dan skema."),
    measure=_("Jumlah"),
    unit=_("Sertifikat"),
    classifications=(_("Tahun terbit"), _("Kabupaten/kota"), _("Skema sertifikasi")),
    estimation_level=_("Kabupaten/kota"),
    notes=CERTIFICATE_NOTES,
    keywords=("IKM", "sertifikasi kompetensi", "BNSP", "LSP", "SDM industri"),
    columns=(
        Column("tahun", _("Tahun terbit"), "integer"),
        *REGION_COLUMNS,
        Column("kode_skema", _("Kode skema (seperti ditulis LSP)")),
        Column("nama_skema", _("Nama skema")),
        Column("nama_lsp", _("Lembaga Sertifikasi Profesi (LSP)")),
        Column("jumlah_sertifikat", _("Jumlah sertifikat"), "integer"),
    ),
    rows=competency_rows,
    modified=competency_modified,
)

PRODUCT_DATASET = Dataset(
    name="sertifikat-produk",
    order=410,
    title=_("Sertifikat produk IKM menurut jenis dan kabupaten/kota"),
    description=_(
        "Banyaknya sertifikat produk IKM (halal, P-IRT, SNI, BPOM, merek, dan lainnya) yang terbit per tahun, "
        "kabupaten/kota dan jenis sertifikat, dengan banyaknya IKM pemegangnya."
    ),
    concept=_("Sertifikasi dan legalitas produk industri kecil dan menengah."),
    definition=_(
        "Sertifikat produk: sertifikat, izin edar atau pendaftaran merek produk IKM yang tercatat dengan tanggal "
        "terbit, tidak termasuk yang dicabut; dihitung bagi IKM yang pernah atau sedang terbit di direktori."
    ),
    method=_(
        "Dihitung (count) menurut tahun tanggal terbit, kabupaten/kota IKM dan jenis sertifikat; jumlah_ikm "
        "menghitung IKM berbeda."
    ),
    measure=_("Jumlah"),
    unit=_("Sertifikat; unit usaha"),
    classifications=(_("Tahun terbit"), _("Kabupaten/kota"), _("Jenis sertifikat")),
    estimation_level=_("Kabupaten/kota"),
    notes=CERTIFICATE_NOTES,
    keywords=("IKM", "sertifikat produk", "halal", "SNI", "P-IRT"),
    columns=(
        Column("tahun", _("Tahun terbit"), "integer"),
        *REGION_COLUMNS,
        Column("jenis_sertifikat", _("Kode jenis sertifikat")),
        Column("nama_jenis", _("Jenis sertifikat")),
        Column("jumlah_sertifikat", _("Jumlah sertifikat"), "integer"),
        Column("jumlah_ikm", _("Jumlah IKM pemegang"), "integer"),
    ),
    rows=product_rows,
    modified=product_modified,
)

DATASETS = (COMPETENCY_DATASET, PRODUCT_DATASET)
