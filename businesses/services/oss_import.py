"""Reading an OSS-RBA export into the registry: the NIB and KBLI facts of the businesses an office already registers
(kind "oss": `manage.py import_table oss FILE`, and the admin's upload page "Impor data OSS" on the business list).

An office downloads its businesses from OSS-RBA as a spreadsheet: one row per NIB and KBLI (a business with three
KBLI has three rows), with the actor's name, the business address and place, scale, risk level, investment status
and the date the NIB was issued. Header names vary between exports and versions: each column is read under the names
in its `aliases` (case and spaces ignored), and columns this import does not use are left unread (their headers
are named in a note) instead of refusing the file.

Each row is matched to a registered business of the importing user's region, never created:

1. by NIB (dots, spaces and dashes between its groups ignored);
2. else by name and desa: the desa from `kode_wilayah`, or from `kelurahan` (with `kecamatan` and `kabupaten` when
   one name is not enough) among the desa of the user's region; the name is the business's name or, for a person's
   NIB (OSS names the person), its owner's name, as people read them (case and spaces aside).

A row that matches nothing is invalid ("tidak ditemukan di registri": the rejects file lists the OSS businesses the
registry lacks); a row of another region is invalid and says so; rejected businesses (duplicates, not an IKM) are
never matched. Rows of one business are read together: the first carries the changes, the others only their KBLI
(a row repeating an earlier one exactly is refused).

What it writes, and only after the preview (old → new) is confirmed:

- the NIB, when the business has none (a different registered NIB is never replaced: the row is refused);
- the main KBLI, when the business's KBLI is not among the business's KBLI in OSS: it becomes the OSS code of
  manufacturing (KBLI 10–33) closest to the registered one (same class, group, division, else the first listed);
  OSS codes outside manufacturing never replace it. Option `kbli=tetap` keeps every KBLI as it is (NIB only).

Scale, risk level, investment status, issue date and the address are read but not stored (the registry derives the
scale from its own figures). History names the importing user and the file; the public pages are refreshed.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field

from django.core.exceptions import PermissionDenied
from django.db.models.functions import Lower
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from businesses.choices import BusinessStatus
from businesses.models import Business
from ikm_registry.choices import KbliLevel, RegionLevel
from ikm_registry.models import Kbli, Region
from ikm_registry.public_cache import bump_public_version
from ikm_registry.scoping import CHANGE
from ikm_registry.tabular import registry
from ikm_registry.tabular.cells import cell_text
from ikm_registry.tabular.columns import CellError, Column, Identifier, RegionCode, Text, number
from ikm_registry.tabular.engine import History, Importer, ImportPlan, RowError, RowOutcome, Write, chunks, loose
from ikm_registry.tabular.reader import Row

KIND = "oss"
# Option `kbli`: "ganti" (default) lets the main KBLI follow OSS; "tetap" leaves every KBLI as it is.
KBLI_KEEP = "tetap"
# KBLI divisions of manufacturing (section C, industri pengolahan): the registry's KBLI is an industry's.
MANUFACTURING = range(10, 34)
# Every separator of several codes in one cell (a list, or codes with their titles on new lines).
CODE_SEPARATORS = re.compile(r"[,;/|\n]+")


class Nib(Identifier):
    """A NIB as OSS exports and people type it: 13 digits, with dots, spaces or dashes between groups, a leading
    apostrophe (text in a CSV), or an XLSX number (its leading zeros restored)."""

    def parse(self, value):
        found = number(value)
        if found is not None and found == found.to_integral_value() and len(str(int(found))) <= 13:
            text = str(int(found)).zfill(13)
        else:
            text = re.sub(r"[\s.\-\u00a0]", "", cell_text(value)).lstrip("'")
        if text and not (text.isdigit() and len(text) == 13):
            raise CellError(_("NIB harus 13 angka."))
        return text

    def shown(self, value) -> str:
        return value or ""


class KbliCodes(Column):
    """One or more KBLI codes: "10792", "10792, 47241", codes on lines of their own, or a code followed by its title
    ("10792 - Industri Kue Basah"); an XLSX number gets its leading zero back. A tuple of 5-digit codes, in order."""

    def parse(self, value):
        found = number(value)
        if found is not None:
            if found != found.to_integral_value():
                raise CellError(_("Tulis kode KBLI 5 angka, mis. 10792."))
            return (str(int(found)).zfill(5),)
        codes = []
        for part in CODE_SEPARATORS.split(cell_text(value)):
            part = part.strip()
            if not part:
                continue
            digits = re.match(r"(\d+)", part.replace(".", ""))
            if digits is None or len(digits.group(1)) != 5:
                raise CellError(_("%(value)s bukan kode KBLI 5 angka.") % {"value": part})
            if digits.group(1) not in codes:
                codes.append(digits.group(1))
        return tuple(codes)

    def shown(self, value) -> str:
        return ", ".join(value) if isinstance(value, tuple) else str(value or "")


class Unused(Text):
    """A column of the OSS export read (so the file is accepted as it is) but never stored."""


OSS_COLUMNS = (
    Nib("nib", aliases=("nomor induk berusaha", "nomor induk berusaha (nib)", "no nib", "no. nib", "nomor nib")),
    Text(
        "nama_pelaku_usaha",
        aliases=("nama pelaku usaha", "nama perusahaan", "nama badan usaha", "nama pelaku", "pelaku usaha"),
    ),
    Text("nama_usaha", aliases=("nama usaha",)),
    KbliCodes("kbli", aliases=("kode kbli", "kbli 2020", "kode_kbli", "no kbli", "kbli usaha", "kode kbli 2020")),
    RegionCode(
        "kode_wilayah",
        aliases=(
            "kode desa",
            "kode kelurahan",
            "kode desa/kelurahan",
            "kode kelurahan/desa",
            "kd_kelurahan",
            "kode_desa",
            "kode_kelurahan",
            "kode wilayah",
            "kode wilayah usaha",
            "kode kelurahan usaha",
        ),
    ),  # fmt: skip
    Text(
        "kelurahan",
        aliases=(
            "desa",
            "desa/kelurahan",
            "kelurahan/desa",
            "kelurahan usaha",
            "desa/kelurahan usaha",
            "kelurahan/desa usaha",
            "nama desa",
            "nama kelurahan",
        ),
    ),  # fmt: skip
    Text("kecamatan", aliases=("kecamatan usaha", "nama kecamatan")),
    Text("kabupaten", aliases=("kabupaten/kota", "kab/kota", "kab/kota usaha", "kabupaten/kota usaha", "kota")),
    Unused("alamat", aliases=("alamat usaha", "alamat perusahaan", "alamat proyek", "alamat lokasi usaha")),
    Unused("judul_kbli", aliases=("judul kbli", "uraian kbli", "nama kbli", "deskripsi kbli")),
    Unused("skala_usaha", aliases=("skala usaha", "skala")),
    Unused("tingkat_risiko", aliases=("tingkat risiko", "risiko", "risiko proyek", "tingkat resiko", "resiko")),
    Unused("status_penanaman_modal", aliases=("status penanaman modal", "status pm", "status modal", "pma/pmdn")),
    Unused("tanggal_terbit", aliases=("tanggal terbit", "tanggal terbit nib", "tgl terbit", "tgl terbit nib")),
)
NAME_COLUMNS = ("nama_pelaku_usaha", "nama_usaha")
# A business's place in a row, named from the widest to the narrowest.
PLACE_COLUMNS = ("kode_wilayah", "kelurahan", "kecamatan", "kabupaten")


def _is_manufacturing(code: str) -> bool:
    return code[:2].isdigit() and int(code[:2]) in MANUFACTURING


def closest_code(current: str, codes: list[str]) -> str:
    """Of `codes`, the one sharing the longest start with `current` (class, group, division); the first on a tie."""
    return max(codes, key=lambda code: next((n for n in (4, 3, 2) if code[:n] == current[:n]), 0))


@dataclass
class OssRow:
    """What the first pass learnt of a row: the business it matched and whether it is the first of that business."""

    business: Business | None = None
    first_row: int | None = None  # the first row of the same business, for the rows after it
    codes: tuple = ()


@dataclass
class OssGroup:
    """The rows of one business: the first carries the changes; KBLI codes of every valid row, in file order."""

    first_row: int
    nib: str = ""
    codes: list[str] = field(default_factory=list)
    signatures: dict = field(default_factory=dict)  # (nib, codes) → row, to refuse exact repeats


@dataclass
class OssImportPlan(ImportPlan):
    """A plan that names, as a note on the header (row 1), the columns of the export this import does not read."""

    ignored_columns: list[str] = field(default_factory=list)

    @property
    def notes(self) -> list[tuple[int, str]]:
        notes = super().notes
        if self.ignored_columns:
            header = _("Kolom berikut tidak dibaca: %(columns)s.") % {"columns": ", ".join(self.ignored_columns)}
            notes.insert(0, (1, header))
        return notes


@registry.register
class OssImporter(Importer):
    """NIB and main KBLI of registered businesses from an OSS-RBA export (see the module's docstring)."""

    kind = KIND
    label = gettext_lazy("data OSS (NIB dan KBLI)")
    model = Business
    columns = OSS_COLUMNS
    ignore_unknown_columns = True
    plan_class = OssImportPlan
    record_url_name = "admin:businesses_business_change"

    # -- the admin's upload pages ---------------------------------------------------------------------------------

    @classmethod
    def upload_options(cls, request) -> dict:
        keep = (request.GET.get("kbli") or request.POST.get("kbli")) == KBLI_KEEP
        return {"kbli": KBLI_KEEP} if keep else {}

    @classmethod
    def upload_query(cls, options: dict) -> str:
        return f"?kbli={KBLI_KEEP}" if options.get("kbli") == KBLI_KEEP else ""

    @classmethod
    def upload_intro(cls, options: dict) -> str:
        intro = _(
            "Berkas ekspor OSS-RBA (CSV atau XLSX) apa adanya: satu baris per NIB dan KBLI. Baris dicocokkan dengan IKM "
            "terdaftar di wilayah Anda menurut NIB, atau nama dan desa; IKM baru tidak dibuat, baris yang tidak "
            "ditemukan ditandai tidak valid. NIB diisi bila IKM belum punya."
        )
        page = reverse("admin:tabular_upload", args=[KIND])
        if options.get("kbli") == KBLI_KEEP:
            kbli = _("KBLI tidak diubah (hanya NIB).")
            return format_html('{} {} <a href="{}">{}</a>.', intro, kbli, page, _("Ubah juga KBLI utama"))
        kbli = _(
            "KBLI utama diganti KBLI industri dari OSS bila KBLI registri tidak ada di OSS; setiap perubahan tampil "
            "di pratinjau (lama → baru)."
        )
        keep = f"{page}?kbli={KBLI_KEEP}"
        return format_html('{} {} <a href="{}">{}</a>.', intro, kbli, keep, _("Hanya isi NIB, KBLI tetap"))

    @classmethod
    def done_url(cls, options: dict) -> str:
        return reverse("admin:businesses_business_changelist")

    @classmethod
    def template_rows(cls, user) -> list[list]:
        """An OSS export as this import reads it: one business with two KBLI rows, one without a NIB in the registry
        matched by name and desa (a desa of the user's region)."""
        village = Region.objects.restrict(user).villages().values_list("code", flat=True).first() or "51.03.01.1001"
        values = [
            {"nib": "9120001234567", "nama_pelaku_usaha": "UD Batik Sekar Jagad", "kbli": "13134",
             "judul_kbli": "Industri Batik", "skala_usaha": "Usaha Mikro", "tingkat_risiko": "Rendah"},
            {"nib": "9120001234567", "nama_pelaku_usaha": "UD Batik Sekar Jagad", "kbli": "47711",
             "judul_kbli": "Perdagangan Eceran Pakaian", "skala_usaha": "Usaha Mikro", "tingkat_risiko": "Rendah"},
            {"nib": "1234000098765", "nama_pelaku_usaha": "Ni Made Sari", "nama_usaha": "Jaje Bali Sari",
             "kbli": "10792", "judul_kbli": "Industri Kue Basah", "skala_usaha": "Usaha Mikro",
             "tingkat_risiko": "Rendah"},
        ]  # fmt: skip
        common = {"kode_wilayah": village, "status_penanaman_modal": "PMDN", "tanggal_terbit": "23/05/2022"}
        return [[{**common, **row}.get(column.name, "") for column in OSS_COLUMNS] for row in values]

    # -- checking the file ----------------------------------------------------------------------------------------

    def check(self) -> None:
        super().check()
        if not self.scope.reaches_regions:
            raise PermissionDenied(_("Akun Anda tidak menjangkau wilayah mana pun."))

    def read(self, source):
        from django.core.exceptions import ValidationError

        columns, delimiter, rows = super().read(source)
        present = set(columns)
        if "nib" not in present and not (present & set(NAME_COLUMNS) and present & {"kode_wilayah", "kelurahan"}):
            raise ValidationError(
                _(
                    "Berkas harus punya kolom NIB, atau nama pelaku usaha/nama usaha dengan kode wilayah atau "
                    "kelurahan. Kolom yang terbaca: %(columns)s."
                )
                % {"columns": ", ".join(columns) or "—"},
                code="import_file",
            )
        return columns, delimiter, rows

    def new_plan(self, **kwargs) -> ImportPlan:
        plan = super().new_plan(**kwargs)
        plan.ignored_columns = list(self.ignored_columns)
        return plan

    def in_scope(self, code: str) -> bool:
        if self.scope.everything:
            return True
        region = self.scope.region_code or ""
        return bool(region) and (code == region or code.startswith(region + "."))

    def prepare(self, rows: list[Row]) -> None:
        """In bulk: the businesses of the NIBs in the file, the desa the rows name, the businesses of those desa
        (with their owners' names), and the KBLI codes the file names."""
        self.keep_kbli = self.options.get("kbli") == KBLI_KEEP
        nib_column, kbli_column = self.by_name["nib"], self.by_name["kbli"]
        nibs, codes, village_codes, village_names = set(), set(), set(), set()
        for row in rows:
            for column, target in ((nib_column, nibs), (kbli_column, codes)):
                try:
                    value = column.parse(row.values.get(column.name))
                except CellError:
                    continue
                target.update(value if isinstance(value, tuple) else {value})
            village_codes.add(self.by_name["kode_wilayah"].parse(row.values.get("kode_wilayah")))
            village_names.add(loose(cell_text(row.values.get("kelurahan"))))
        fields = ("id", "name", "nib", "kbli_id", "village_id", "status", "updated_at")
        self.by_nib: dict[str, Business] = {}
        for chunk in chunks(nibs - {""}):
            self.by_nib.update((b.nib, b) for b in Business.objects.filter(nib__in=chunk).only(*fields))
        self.kbli_levels: dict[str, str] = {}
        for chunk in chunks(codes - {""}):
            self.kbli_levels.update(Kbli.objects.filter(code__in=chunk).values_list("code", "level"))
        # desa: by code (any region: one outside the user's is refused by name), and by name in the user's region
        self.villages: dict[str, tuple[str, str, str]] = {}  # code → (name, kecamatan, kabupaten)
        villages = Region.objects.filter(level=RegionLevel.VILLAGE).values_list(
            "code", "name", "parent__name", "parent__parent__name"
        )
        for chunk in chunks(village_codes - {""}):
            for code, name, district, regency in villages.filter(code__in=chunk):
                self.villages[code] = (name, district, regency)
        self.villages_by_name: dict[str, list[str]] = {}
        names = village_names - {""}
        if names:
            mine = villages.restrict(self.user).alias(lower_name=Lower("name"))
            for chunk in chunks(names):
                for code, name, district, regency in mine.filter(lower_name__in=chunk):
                    self.villages[code] = (name, district, regency)
                    self.villages_by_name.setdefault(loose(name), []).append(code)
        # the registered businesses of those desa, by name and by owner's name, for rows without a known NIB
        self.by_place: dict[tuple[str, str], list[Business]] = {}
        self.by_owner: dict[tuple[str, str], list[Business]] = {}
        in_villages = Business.objects.exclude(status=BusinessStatus.REJECTED).only(*fields)
        for chunk in chunks(code for code in self.villages if self.in_scope(code)):
            for business in in_villages.filter(village_id__in=chunk).annotate(owner_name=Lower("owner__name")):
                self.by_place.setdefault((business.village_id, loose(business.name)), []).append(business)
                if business.owner_name:
                    self.by_owner.setdefault((business.village_id, loose(business.owner_name)), []).append(business)
        self.rows: dict[int, OssRow] = {}
        self.groups: dict[int, OssGroup] = {}

    # -- one row, first pass --------------------------------------------------------------------------------------

    def parse(self, row: Row, outcome: RowOutcome) -> dict:
        values = super().parse(row, outcome)
        outcome.name = next((values[column] for column in NAME_COLUMNS if values.get(column)), "")
        return values

    def resolve(self, row: Row, values: dict, outcome: RowOutcome) -> None:
        """The row's KBLI codes that KBLI 2020 knows as subclasses (others are named in a note and left aside: an old
        NIB may carry KBLI 2017 codes)."""
        codes = values.get("kbli") or ()
        unknown = [code for code in codes if self.kbli_levels.get(code) != KbliLevel.SUBCLASS]
        if unknown:
            outcome.notes.append(
                _("KBLI %(codes)s tidak dikenal (KBLI 2020); diabaikan.") % {"codes": ", ".join(unknown)}
            )
            values["kbli"] = tuple(code for code in codes if code not in unknown)

    def village_of(self, number: int, values: dict, outcome: RowOutcome) -> str | None:
        code = values.get("kode_wilayah")
        if code:
            if code not in self.villages:
                outcome.errors.append(
                    RowError(
                        number, "kode_wilayah", _("%(code)s bukan kode desa/kelurahan yang dikenal.") % {"code": code}
                    )
                )
                return None
            if not self.in_scope(code):
                outcome.errors.append(
                    RowError(
                        number,
                        "kode_wilayah",
                        _("Desa %(code)s berada di luar wilayah Anda (%(region)s).")
                        % {"code": code, "region": self.scope.region_code},
                    )
                )
                return None
            return code
        name = values.get("kelurahan")
        if not name:
            return None
        found = self.villages_by_name.get(loose(name), [])
        for column, position in (("kecamatan", 1), ("kabupaten", 2)):
            wanted = loose(values.get(column) or "")
            narrowed = [code for code in found if wanted and wanted in loose(self.villages[code][position])]
            if len(found) > 1 and narrowed:
                found = narrowed
        if not found:
            outcome.errors.append(
                RowError(
                    number,
                    "kelurahan",
                    _("Tidak ada desa/kelurahan %(name)s di wilayah Anda; isi kode_wilayah.") % {"name": name},
                )
            )
            return None
        if len(found) > 1:
            outcome.errors.append(
                RowError(
                    number,
                    "kelurahan",
                    _(
                        "Ada beberapa desa/kelurahan %(name)s di wilayah Anda (%(codes)s); isi kecamatan atau kode_wilayah."
                    )
                    % {"name": name, "codes": ", ".join(sorted(found))},
                )
            )
            return None
        return found[0]

    def match(self, row: Row, values: dict, outcome: RowOutcome, seen: dict) -> Business | None:
        """The registered business of the row: by NIB, else by name and desa. Rows of one business are grouped."""
        number, nib = row.number, values.get("nib", "")
        business = self.by_nib.get(nib) if nib else None
        if business is not None:
            if not self.in_scope(business.village_id):
                outcome.errors.append(
                    RowError(number, "nib", _("NIB %(nib)s terdaftar untuk IKM di luar wilayah Anda.") % {"nib": nib})
                )
                return None
            if business.status == BusinessStatus.REJECTED:
                outcome.errors.append(
                    RowError(
                        number,
                        "nib",
                        _("NIB %(nib)s milik IKM yang ditolak (ID %(id)s); tidak diperbarui.")
                        % {"nib": nib, "id": business.pk},
                    )
                )
                return None
        else:
            business = self.match_by_name(number, values, outcome)
            if business is None:
                return None
            if nib and business.nib and business.nib != nib:
                outcome.errors.append(
                    RowError(
                        number,
                        "nib",
                        _(
                            "IKM %(name)s (ID %(id)s) terdaftar dengan NIB %(registered)s, bukan %(nib)s; periksa NIB-nya."
                        )
                        % {"name": business.name, "id": business.pk, "registered": business.nib, "nib": nib},
                    )
                )
                return None
        if nib:
            first = seen.setdefault(("nib", nib), (number, business.pk))
            if first[1] != business.pk:
                outcome.errors.append(
                    RowError(
                        number, "nib", _("NIB sama dengan baris %(row)s, tetapi untuk IKM lain.") % {"row": first[0]}
                    )
                )
                return None
        if outcome.errors:
            return None
        codes = values.get("kbli") or ()
        group = self.groups.get(business.pk)
        if group is None:
            group = self.groups[business.pk] = OssGroup(first_row=number)
        signature = (nib, codes)
        if signature in group.signatures:
            outcome.errors.append(
                RowError(number, "", _("Sama dengan baris %(row)s.") % {"row": group.signatures[signature]})
            )
            return None
        group.signatures[signature] = number
        if group.nib and nib and nib != group.nib:
            outcome.errors.append(
                RowError(
                    number, "nib", _("NIB berbeda dengan baris %(row)s untuk IKM yang sama.") % {"row": group.first_row}
                )
            )
            return None
        group.nib = group.nib or nib
        group.codes += [code for code in codes if code not in group.codes]
        self.rows[number] = OssRow(business, group.first_row if group.first_row != number else None, codes)
        return business

    def match_by_name(self, number: int, values: dict, outcome: RowOutcome) -> Business | None:
        """The registered business of the row's name in the row's desa (only read for a row whose NIB the registry
        does not know: OSS may place a business matched by NIB elsewhere than the registry does)."""
        nib = values.get("nib", "")
        names = [values.get(column) for column in NAME_COLUMNS if values.get(column)]
        village = self.village_of(number, values, outcome)
        reason_column = "nib" if nib else NAME_COLUMNS[0] if values.get(NAME_COLUMNS[0]) else NAME_COLUMNS[1]
        if outcome.errors:  # the desa or a cell is wrong: its reason says why
            return None
        if not names or village is None:
            missing = _("NIB %(nib)s tidak ditemukan di registri") % {"nib": nib} if nib else ""
            outcome.errors.append(
                RowError(
                    number,
                    reason_column,
                    (missing + "; " if missing else "")
                    + _("untuk mencocokkan dengan nama, isi nama pelaku usaha dan kode_wilayah atau kelurahan."),
                )
            )
            return None
        found: list[Business] = []
        for index in (self.by_place, self.by_owner):
            found = list({b.pk: b for name in names for b in index.get((village, loose(name)), [])}.values())
            if found:
                break
        if not found:
            name, place = names[0], self.villages[village][0]
            if nib:
                message = _("Tidak ditemukan di registri: NIB %(nib)s tidak terdaftar dan tidak ada IKM bernama "
                            "%(name)s di desa %(place)s.") % {"nib": nib, "name": name, "place": place}  # fmt: skip
            else:
                message = _("Tidak ditemukan di registri: tidak ada IKM bernama %(name)s di desa %(place)s.") % {
                    "name": name,
                    "place": place,
                }
            outcome.errors.append(RowError(number, reason_column, message))
            return None
        if len(found) > 1:
            outcome.errors.append(
                RowError(
                    number,
                    reason_column,
                    _("Ada beberapa IKM dengan nama ini di desa tersebut (ID %(ids)s); isi NIB-nya di registri dulu.")
                    % {"ids": ", ".join(str(b.pk) for b in sorted(found, key=lambda b: b.pk))},
                )
            )
            return None
        return found[0]

    # -- one row, second pass: what changes -----------------------------------------------------------------------

    def build(self, row: Row, values: dict, existing: Business | None, outcome: RowOutcome):
        if existing is None:
            if not outcome.errors:
                outcome.errors.append(RowError(row.number, "", _("Tidak ditemukan di registri.")))
            return None
        if outcome.errors:
            return None
        outcome.name = existing.name
        state = self.rows[row.number]
        if state.first_row is not None:
            if state.codes:
                outcome.notes.append(
                    _("KBLI %(codes)s dibaca bersama baris %(row)s (IKM yang sama).")
                    % {"codes": ", ".join(state.codes), "row": state.first_row}
                )
            return Write(existing, [])
        group = self.groups[existing.pk]
        before = {"nib": existing.nib, "kbli": existing.kbli_id}
        if group.nib and not existing.nib:
            existing.nib = group.nib
        self.choose_kbli(existing, group.codes, outcome)
        after = {"nib": existing.nib, "kbli": existing.kbli_id}
        fields = [name for name, old in before.items() if after[name] != old]
        for name in fields:  # the columns are named as the model's fields: nib, kbli
            outcome.changed.append(name)
            outcome.changes.append((name, before[name] or "", after[name]))
        oss_names = [values[column] for column in NAME_COLUMNS if values.get(column)]
        if values.get("nib") and oss_names and all(loose(name) != loose(existing.name) for name in oss_names):
            outcome.notes.append(
                _("Nama di OSS: %(names)s (nama di registri tidak diubah).") % {"names": " / ".join(oss_names)}
            )
        return Write(existing, fields)

    def choose_kbli(self, business: Business, codes: list[str], outcome: RowOutcome) -> None:
        """The main KBLI from the business's OSS codes (see the module's docstring)."""
        current = business.kbli_id
        if not codes or current in codes:
            return
        industry = [code for code in codes if _is_manufacturing(code)]
        if self.keep_kbli:
            outcome.notes.append(
                _("KBLI di OSS: %(codes)s; KBLI registri %(current)s tetap (impor hanya NIB).")
                % {"codes": ", ".join(codes), "current": current}
            )
            return
        if not industry:
            outcome.notes.append(
                _("KBLI di OSS (%(codes)s) bukan industri pengolahan (KBLI 10–33); KBLI registri %(current)s tetap.")
                % {"codes": ", ".join(codes), "current": current}
            )
            return
        business.kbli_id = closest_code(current, industry)
        others = [code for code in industry if code != business.kbli_id]
        if others:
            outcome.notes.append(
                _("KBLI industri lain di OSS: %(codes)s; yang paling dekat dengan KBLI registri dipakai.")
                % {"codes": ", ".join(others)}
            )

    def planned(self, write, existing, outcome: RowOutcome) -> None:
        outcome.record_id = existing.pk if existing is not None else None

    # -- writing ----------------------------------------------------------------------------------------------------

    def write(self, plan: ImportPlan, history: History, progress: Callable[[str], None]) -> None:
        changed = [write for write in plan.writes if write.fields]
        for write in changed:
            write.obj.updated_at = history.date
        history.update(Business, [(write.obj, [*write.fields, "updated_at"]) for write in changed])

    def after_write(self, plan: ImportPlan) -> None:
        ids = {write.obj.pk for write in plan.writes if write.fields}
        allowed = 0
        for chunk in chunks(ids):
            allowed += Business.objects.restrict(self.user, CHANGE).filter(pk__in=chunk).count()
        if allowed != len(ids):
            raise PermissionDenied(_("Sebagian IKM berada di luar wilayah Anda; tidak ada yang ditulis."))
        # Bulk updates send no signals: the public pages showing a changed KBLI are refreshed after the commit.
        bump_public_version()
