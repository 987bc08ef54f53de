"""The downloadable XLSX template of the business import: the layout with an example row (in a desa of the user's
region), a sheet of the values every coded column takes (legal forms with the names the import also reads, sex,
the statuses a new business may have, creative subsectors, examples of capacity units), the desa codes of the
user's region and the KBLI subclasses (ikm_registry.tabular.template writes it)."""

from __future__ import annotations

from django.db.models import Count
from django.utils.translation import gettext as _

from businesses.models import BusinessYear
from businesses.services.exporting import TEXT_FORMAT_COLUMNS, template_example
from businesses.services.importing import BUSINESS_COLUMNS, IMPORT_STATUSES
from businesses.services.layout import COLUMNS
from ikm_registry.choices import KbliLevel, RegionLevel
from ikm_registry.models import CreativeSubsector, Kbli, Region
from ikm_registry.tabular.columns import Choice
from ikm_registry.tabular.template import AllowedValues, ReferenceSheet, choice_values, write_template

EXAMPLE_VILLAGE = "51.03.01.1001"
# Beyond this many desa (a national account: about 84,000) the template names no desa codes of its own.
MAX_VILLAGES = 12_000
# Capacity units offered as examples when the user's region has recorded none yet.
UNIT_EXAMPLES = ("buah/tahun", "lembar/tahun", "potong/tahun", "pasang/tahun", "set/tahun", "kg/tahun", "liter/tahun")


def _units(user) -> list[str]:
    """Capacity units used in the user's region, most used first (at most 15), else the examples."""
    used = (
        BusinessYear.objects.restrict(user)
        .exclude(capacity_unit="")
        .values("capacity_unit")
        .annotate(uses=Count("pk"))
        .order_by("-uses", "capacity_unit")
        .values_list("capacity_unit", flat=True)[:15]
    )
    return list(used) or list(UNIT_EXAMPLES)


def _villages(user):
    villages = Region.objects.restrict(user).villages()
    if villages.count() > MAX_VILLAGES:
        return None
    return villages.select_related("parent__parent").order_by("code")


def template_xlsx(handle, *, user) -> None:
    """Write the business import template for `user` to the binary `handle`."""
    columns = {column.name: column for column in BUSINESS_COLUMNS}
    allowed = []
    for name in ("bentuk_usaha", "jenis_kelamin_pemilik", "status"):
        only = IMPORT_STATUSES if name == "status" else None
        column = columns[name]
        assert isinstance(column, Choice)
        section = choice_values(column, only=only)
        if name == "status":
            section.note = _("IKM baru: salah satu di bawah (kosong = terverifikasi). IKM terdaftar tetap statusnya.")
        allowed.append(section)
    allowed.append(
        AllowedValues(
            "subsektor_ekraf",
            [
                (code, name, name_en)
                for code, name, name_en in CreativeSubsector.objects.values_list("code", "name", "name_en")
            ],
            note=_("Kode atau nama subsektor (boleh kosong)."),
        )
    )
    allowed.append(
        AllowedValues(
            "satuan_kapasitas",
            [(unit, "", "") for unit in _units(user)],
            note=_("Bebas diisi; contoh satuan yang sudah dipakai."),
            dropdown=False,
        )
    )
    sheets = []
    villages = _villages(user)
    if villages is None:
        allowed.append(
            AllowedValues(
                "kode_wilayah",
                [],
                note=_(
                    "Kode desa/kelurahan Kemendagri 10 angka, dengan atau tanpa titik (51.03.01.1001 atau 5103011001)."
                ),
            )
        )
    else:
        sheets.append(
            ReferenceSheet(
                title=_("Kode wilayah"),
                column="kode_wilayah",
                header=[_("kode_wilayah"), _("desa/kelurahan"), _("kecamatan"), _("kabupaten/kota")],
                rows=[[v.code, v.name, v.parent.name, v.parent.parent.name] for v in villages],
                note=_(
                    "Lihat lembar “Kode wilayah”: desa/kelurahan di wilayah Anda. Boleh ditulis tanpa titik (5103011001)."
                ),
                dropdown=True,
                widths=[16, 28, 24, 28],
            )
        )
    kbli = Kbli.objects.filter(level=KbliLevel.SUBCLASS).order_by("code").values_list("code", "title")
    sheets.append(
        ReferenceSheet(
            title=_("KBLI"),
            column="kbli",
            header=[_("kbli"), _("judul")],
            rows=[[code, title] for code, title in kbli],
            note=_("Lihat lembar “KBLI”: kode KBLI 2020 lima angka."),
            widths=[10, 90],
        )
    )
    village = villages.values_list("code", flat=True).first() if villages is not None else None
    if village is None:
        village = Region.objects.restrict(user).filter(level=RegionLevel.VILLAGE).values_list("code", flat=True).first()
    write_template(
        handle,
        columns=list(COLUMNS),
        rows=[template_example(village_code=village or EXAMPLE_VILLAGE)],
        allowed=allowed,
        reference_sheets=sheets,
        text_columns=TEXT_FORMAT_COLUMNS,
    )
