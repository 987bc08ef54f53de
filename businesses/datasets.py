"""The open-data datasets of the registry itself (ikm_registry/opendata), registered by contributions.register_all():

- `ikm-wilayah-kbli-skala`: IKM per data year, kabupaten/kota, KBLI division and BPS scale class, counted like the
  Statistik page's years: every business that is or was public (published, or inactive after being published), in
  each year it has figures for. One GROUP BY over the yearly figures.
- `ikm-tenaga-kerja-investasi`: the frozen statistics releases (businesses/services/statistics.py): per data year
  the businesses counted, and the sums of workforce and investment where the threshold and p% dominance rules let
  them out (else empty). Never computed from the live data; only for the whole registry, never per region.
"""

from __future__ import annotations

from django.db.models import Count, Max
from django.db.models.functions import Left
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from ikm_registry.models import REGENCY_CODE_LENGTH
from ikm_registry.opendata import Column, Dataset

KBLI_DIVISION_LENGTH = 2  # 13


def _scale_labels() -> dict:
    from businesses.choices import ScaleBps

    return {value: str(label) for value, label in ScaleBps.choices}


def ikm_rows() -> list[tuple]:
    """(tahun, kode_provinsi, nama_provinsi, kode_wilayah, nama_wilayah, kode_kbli, judul_kbli, skala_usaha,
    nama_skala, jumlah_ikm): one grouped query, then the names of the regions and divisions found (two queries)."""
    from businesses.choices import ScaleBps
    from businesses.services.statistics import counted_figures
    from ikm_registry.choices import KbliLevel
    from ikm_registry.models import Kbli, Region

    groups = list(
        counted_figures()
        .order_by()
        .annotate(
            regency=Left("business__village_id", REGENCY_CODE_LENGTH),
            division=Left("business__kbli_id", KBLI_DIVISION_LENGTH),
        )
        .values_list("year", "regency", "division", "scale_bps")
        .annotate(n=Count("pk"))
    )
    regencies = {regency for _year, regency, *_rest in groups}
    region_names = Region.objects.names(regencies | {code[:2] for code in regencies})
    division_titles = dict(
        Kbli.objects.filter(level=KbliLevel.DIVISION, code__in={division for _y, _r, division, *_s in groups})
        .values_list("code", "title")
    )  # fmt: skip
    scales = _scale_labels()
    scale_order = {value: index for index, value in enumerate(ScaleBps.values)}
    groups.sort(key=lambda group: (group[0], group[1], group[2], scale_order.get(group[3], len(scale_order))))
    unknown = gettext("Tidak tercatat")
    return [
        (
            year,
            regency[:2],
            region_names.get(regency[:2], ""),
            regency,
            region_names.get(regency, ""),
            division,
            division_titles.get(division, ""),
            scale or "",
            scales.get(scale, unknown),
            count,
        )
        for year, regency, division, scale, count in groups
    ]


def ikm_modified():
    """When the counted businesses last changed (the first count's tanggal pemutakhiran)."""
    from businesses.models import Business
    from businesses.services.statistics import COUNTED_STATUSES

    return Business.objects.filter(status__in=COUNTED_STATUSES).aggregate(at=Max("updated_at"))["at"]


def _coverage() -> tuple[str, str]:
    """The area the registry's releases cover: its province when every counted business lies in one, else ""."""
    from businesses.models import Business
    from businesses.services.statistics import COUNTED_STATUSES
    from ikm_registry.models import Region

    provinces = list(
        Business.objects.filter(status__in=COUNTED_STATUSES)
        .order_by()
        .annotate(province=Left("village_id", 2))
        .values_list("province", flat=True)
        .distinct()[:2]
    )
    if len(provinces) != 1:
        return "", gettext("Seluruh wilayah registri")
    return provinces[0], Region.objects.filter(code=provinces[0]).values_list("name", flat=True).first() or ""


def _millions(rupiah: int | None) -> int | None:
    """Rupiah in whole millions (juta Rupiah, half up), as the Statistik page shows a released investment."""
    return None if rupiah is None else (rupiah + 500_000) // 1_000_000


def release_rows() -> list[tuple]:
    """(tahun, kode_wilayah, nama_wilayah, jumlah_ikm, tenaga_kerja, nilai_investasi_juta, tanggal_rilis,
    ambang_minimum_ikm, dominasi_p_persen, keterangan): one row per release, withheld sums empty."""
    from django.utils import timezone

    from businesses.services.statistics import statistics_releases

    code, name = _coverage()
    rows = []
    for year, release in statistics_releases().items():
        withheld = [
            label
            for label, value in (
                (gettext("tenaga kerja"), release.workforce),
                (gettext("investasi"), release.investment),
            )
            if value is None
        ]
        note = (
            gettext("Jumlah %(what)s dirahasiakan (aturan ambang atau dominasi).") % {"what": " dan ".join(withheld)}
            if withheld
            else ""
        )
        rows.append(
            (
                year,
                code,
                name,
                release.businesses,
                release.workforce,
                _millions(release.investment),
                timezone.localtime(release.released_at).date(),
                release.min_businesses,
                release.dominance_p,
                note,
            )
        )
    return rows


def release_modified():
    from businesses.models import StatisticsRelease

    return StatisticsRelease.objects.aggregate(at=Max("released_at"))["at"]


REGION_COLUMNS = (
    Column("kode_provinsi", _("Kode provinsi (Kemendagri)")),
    Column("nama_provinsi", _("Nama provinsi")),
    Column("kode_wilayah", _("Kode kabupaten/kota (Kemendagri)")),
    Column("nama_wilayah", _("Nama kabupaten/kota")),
)

IKM_DATASET = Dataset(
    name="ikm-wilayah-kbli-skala",
    order=100,
    title=_("Jumlah IKM menurut kabupaten/kota, golongan pokok KBLI dan skala usaha"),
    description=_(
        "Banyaknya industri kecil dan menengah (IKM) yang tercatat di Registri IKM per tahun data, menurut "
        "kabupaten/kota (kode Kemendagri), golongan pokok KBLI 2020 dan skala usaha menurut BPS."
    ),
    concept=_(
        "Industri kecil dan menengah (IKM): usaha industri pengolahan yang didata dan diverifikasi Dinas yang "
        "membidangi perindustrian."
    ),
    definition=_(
        "Jumlah IKM adalah banyaknya IKM yang pernah atau sedang tampil di direktori publik (terbit, atau tidak aktif "
        "setelah terbit) dan memiliki data tahunan untuk tahun data tersebut."
    ),
    method=_(
        "Dihitung (count) dari data tahunan IKM: satu IKM dihitung sekali per tahun data, menurut wilayah dan KBLI "
        "usahanya saat ini dan skala BPS dari tenaga kerja tahun data itu (mikro 1–4, kecil 5–19, sedang 20–99, "
        "besar ≥ 100 orang)."
    ),
    measure=_("Jumlah"),
    unit=_("Unit usaha"),
    classifications=(_("Tahun data"), _("Kabupaten/kota"), _("Golongan pokok KBLI 2020"), _("Skala usaha BPS")),
    estimation_level=_("Kabupaten/kota"),
    notes=_(
        "Skala 'Tidak tercatat': IKM tanpa jumlah tenaga kerja pada tahun itu. Kode dan nama wilayah: Kemendagri "
        "(idn-area-data, ODbL 1.0). Hanya angka gabungan; data tiap usaha bersifat rahasia (UU 3/2014 Pasal 69–70)."
    ),
    keywords=("IKM", "industri kecil menengah", "KBLI", "skala usaha", "perindustrian"),
    columns=(
        Column("tahun", _("Tahun data"), "integer"),
        *REGION_COLUMNS,
        Column("kode_kbli", _("Kode golongan pokok KBLI 2020"), description=_("Dua digit, mis. 13 (industri tekstil)")),
        Column("judul_kbli", _("Judul golongan pokok KBLI")),
        Column(
            "skala_usaha",
            _("Kode skala usaha BPS"),
            description=_("mikro, kecil, sedang, besar; kosong: tidak tercatat"),
        ),
        Column("nama_skala", _("Skala usaha BPS")),
        Column("jumlah_ikm", _("Jumlah IKM"), "integer"),
    ),
    rows=ikm_rows,
    modified=ikm_modified,
)

RELEASE_DATASET = Dataset(
    name="ikm-tenaga-kerja-investasi",
    order=110,
    title=_("Tenaga kerja dan nilai investasi IKM per tahun data (rilis statistik)"),
    description=_(
        "Jumlah IKM, tenaga kerja dan nilai investasi seluruh IKM di registri per tahun data, dari rilis statistik "
        "yang dibekukan setelah pendataan tahun itu selesai. Jumlah yang dapat mengungkap angka satu usaha "
        "dirahasiakan (dikosongkan)."
    ),
    concept=_("Tenaga kerja dan investasi industri kecil dan menengah (IKM)."),
    definition=_(
        "Tenaga kerja: jumlah pekerja laki-laki dan perempuan IKM pada tahun data. Nilai investasi: jumlah nilai "
        "investasi yang dilaporkan IKM pada tahun data, dalam juta Rupiah."
    ),
    method=_(
        "Dijumlahkan (sum) dari data tahunan IKM yang pernah atau sedang terbit, sekali, pada tanggal rilis (sejumlah "
        "bulan setelah tahun data berakhir), lalu tidak diubah lagi. Tahun dirilis bila mencakup sedikitnya "
        "ambang_minimum_ikm IKM; jumlah dirahasiakan bila pelapornya kurang dari ambang itu atau bila IKM selain dua "
        "terbesar bersama-sama kurang dari dominasi_p_persen % dari yang terbesar (aturan dominasi p%)."
    ),
    measure=_("Jumlah"),
    unit=_("Unit usaha; orang; juta Rupiah"),
    classifications=(_("Tahun data"),),
    composite=False,
    estimation_level=_("Seluruh wilayah registri (provinsi bila registri mencakup satu provinsi)"),
    notes=_(
        "Sel kosong: jumlah dirahasiakan menurut aturan pengungkapan statistik, bukan nol. Angka tidak diterbitkan per "
        "wilayah atau golongan agar angka satu wilayah tidak dapat dihitung dari selisih."
    ),
    keywords=("IKM", "tenaga kerja", "investasi", "perindustrian", "rilis statistik"),
    columns=(
        Column("tahun", _("Tahun data"), "integer"),
        Column(
            "kode_wilayah",
            _("Kode wilayah (Kemendagri)"),
            description=_("Kosong bila registri mencakup lebih dari satu provinsi"),
        ),
        Column("nama_wilayah", _("Nama wilayah")),
        Column("jumlah_ikm", _("Jumlah IKM dengan data tahunan"), "integer"),
        Column("tenaga_kerja", _("Jumlah tenaga kerja (orang)"), "integer", _("Kosong: dirahasiakan")),
        Column(
            "nilai_investasi_juta",
            _("Jumlah nilai investasi (juta Rupiah)"),
            "integer",
            _("Dibulatkan ke juta Rupiah terdekat; kosong: dirahasiakan"),
        ),
        Column("tanggal_rilis", _("Tanggal rilis"), "date"),
        Column("ambang_minimum_ikm", _("Ambang: IKM paling sedikit per jumlah"), "integer"),
        Column("dominasi_p_persen", _("Aturan dominasi p (%)"), "integer"),
        Column("keterangan", _("Keterangan")),
    ),
    rows=release_rows,
    modified=release_modified,
)

DATASETS = (IKM_DATASET, RELEASE_DATASET)
