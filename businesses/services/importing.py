"""Business import (DESIGN §8): the `businesses` consumer of the tabular import engine (ikm_registry/tabular),
behind the `import_businesses` command and the admin's upload page.

Planning reads a CSV or XLSX file, checks every row (parsing, the model validators and full_clean of Business,
Owner and BusinessYear, references, the importing user's region, duplicates within the file) and matches rows to
registered businesses — by NIB, else by name + owner + desa — with a few bulk queries, never one per row. The plan
says which rows would be created, updated (only when something differs) or left unchanged, and names every
problem by spreadsheet row (header = row 1), column and reason. Applying writes a plan in one transaction with
bulk inserts and updates that also write history rows naming the importing user; by default nothing is written
when any row is invalid. Reading, limits, cells, the plan, the modes and bulk history are the engine's; this module
holds the layout's columns and what is particular to businesses (references, matching, three models per row).

The file is read, checked and (by the command and the background apply: Importer.import_file) written in chunks of
CHUNK_ROWS rows, each matched with indexed lookups of its own NIBs and desa: memory follows the chunk, not the file
and not the registry (a national file into a registry of a million businesses loads the few it touches).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal

from django.core.exceptions import NON_FIELD_ERRORS, PermissionDenied, ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from businesses import validators as v
from businesses.choices import BusinessStatus, LegalForm, Sex
from businesses.models import Business, BusinessYear, Owner
from businesses.services.duplicates import business_match_key
from businesses.services.layout import COLUMNS, REQUIRED, YEARLY
from businesses.services.workflow import BUSINESS_WORKFLOW
from ikm_registry.choices import KbliLevel, RegionLevel
from ikm_registry.models import CreativeSubsector, Kbli, Region, regency_code
from ikm_registry.numbers import thousands
from ikm_registry.public_cache import bump_public_version
from ikm_registry.scoping import CHANGE, SystemActor, scope_for
from ikm_registry.tabular import registry
from ikm_registry.tabular.cells import cell_text
from ikm_registry.tabular.columns import (
    COUNT_MESSAGE,
    MONEY_MESSAGE,
    Choice,
    Column,
    DecimalNumber,
    Identifier,
    Integer,
    NikLike,
    Phone,
    RegionCode,
    Text,
    Year,
    identifier,
    number,
)
from ikm_registry.tabular.engine import (
    Action,
    History,
    Importer,
    ImportPlan,
    ImportResult,
    RowError,
    RowOutcome,
    chunks,
    keep_registered_text,
)
from ikm_registry.tabular.reader import Row, inspect_file
from ikm_registry.tabular.reader import read_rows as read_table
from ikm_registry.text import comparable, whitespace_collapsed
from ikm_registry.workflow import office_asks_four_eyes

__all__ = [
    "Action",
    "BusinessImporter",
    "ImportPlan",
    "ImportResult",
    "RowError",
    "RowOutcome",
    "business_match_key",
    "businesses_import",
    "businesses_import_apply",
    "businesses_import_plan",
    "change_reason",
    "inspect_file",
    "read_rows",
]

# Statuses a file may give a new business; the rest are reached only through the review workflow.
IMPORT_STATUSES = (BusinessStatus.DRAFT, BusinessStatus.SUBMITTED, BusinessStatus.VERIFIED, BusinessStatus.PUBLISHED)
# Statuses a new business may not be imported in where its office applies four eyes (someone else verifies).
FOUR_EYES_STATUSES = (BusinessStatus.VERIFIED, BusinessStatus.PUBLISHED)
DEFAULT_STATUS = BusinessStatus.VERIFIED

# column → model field, per model
BUSINESS_FIELDS = {
    "nama_usaha": "name",
    "nib": "nib",
    "bentuk_usaha": "legal_form",
    "alamat": "address",
    "kode_wilayah": "village",
    "kbli": "kbli",
    "subsektor_ekraf": "subsector",
    "produk_utama": "main_product",
    "tahun_berdiri": "year_founded",
    "latitude": "latitude",
    "longitude": "longitude",
}
OWNER_FIELDS = {
    "nama_pemilik": "name",
    "nik_pemilik": "nik",
    "jenis_kelamin_pemilik": "sex",
    "telepon": "phone",
    "email": "email",
}
YEAR_FIELDS = {
    "tenaga_kerja_laki": "workforce_male",
    "tenaga_kerja_perempuan": "workforce_female",
    "nilai_investasi": "investment",
    "omzet_tahunan": "turnover",
    "kapasitas_produksi": "production_capacity",
    "satuan_kapasitas": "capacity_unit",
    "nilai_produksi": "production_value",
}
# Rows checked (and written) together: one query per kind of reference, and per chunk of their NIBs and desa.
CHUNK_ROWS = 2000
# Foreign keys are resolved in bulk from the codes in the file; full_clean would query each one again.
BUSINESS_FK_COLUMNS = {"kode_wilayah": "village_id", "kbli": "kbli_id", "subsektor_ekraf": "subsector_id"}
MODEL_FIELDS = {Business: BUSINESS_FIELDS, Owner: OWNER_FIELDS, BusinessYear: YEAR_FIELDS}


def _attname(column: str, fields: dict[str, str]) -> str:
    return BUSINESS_FK_COLUMNS.get(column) or fields[column]


def _unchecked(model, fields: dict[str, str], present: set[str]) -> list[str]:
    """The fields of `model` full_clean skips: those the file does not set, and the resolved foreign keys."""
    checked = {name for column, name in fields.items() if column in present and column not in BUSINESS_FK_COLUMNS}
    return [model_field.name for model_field in model._meta.concrete_fields if model_field.name not in checked]


# --- the layout's columns -------------------------------------------------------------------------------------------


class KbliCode(Identifier):
    """A KBLI code; 01111 typed as a number in Excel gets its leading zero back."""

    def parse(self, value):
        found = number(value)
        if found is not None and found == int(found) and len(str(int(found))) < 5:
            return str(int(found)).zfill(5)
        return identifier(value)


SEX_WORDS = {"l": Sex.MALE, "p": Sex.FEMALE, "laki-laki": Sex.MALE, "perempuan": Sex.FEMALE}
# What offices type for a legal form besides its code and label (case, dots and spaces ignored: "U.D.", "C.V.").
LEGAL_FORM_SYNONYMS = {
    "usaha dagang": LegalForm.UD,
    "perusahaan dagang": LegalForm.UD,
    "perseroan terbatas": LegalForm.PT,
    "pt perseorangan": LegalForm.PT_PERORANGAN,
    "perseroan perorangan": LegalForm.PT_PERORANGAN,
    "perseroan perseorangan": LegalForm.PT_PERORANGAN,
    "perseroan terbatas perorangan": LegalForm.PT_PERORANGAN,
    "perseroan terbatas perseorangan": LegalForm.PT_PERORANGAN,
    "commanditaire vennootschap": LegalForm.CV,
    "persekutuan komanditer": LegalForm.CV,
    "persekutuan komanditer cv": LegalForm.CV,
    "koperasi serba usaha": LegalForm.KOPERASI,
    "kop": LegalForm.KOPERASI,
    "ksu": LegalForm.KOPERASI,
    "perseorangan": LegalForm.PERORANGAN,
    "usaha perorangan": LegalForm.PERORANGAN,
    "usaha perseorangan": LegalForm.PERORANGAN,
    "usaha mikro perorangan": LegalForm.PERORANGAN,
    "fa": LegalForm.FIRMA,
    "persekutuan firma": LegalForm.FIRMA,
    "kelompok usaha bersama": LegalForm.KUB,
    "lain lain": LegalForm.LAINNYA,
}
COORDINATE_PLACES = Decimal("0.000001")
COORDINATE_MESSAGE = gettext_lazy("Tulis koordinat sebagai angka desimal, mis. -8,65 atau -8.65.")

BUSINESS_COLUMNS: tuple[Column, ...] = (
    Text("nama_usaha", field="name", required=True),
    Identifier("nib"),
    Choice(
        "bentuk_usaha",
        choices=LegalForm,
        default=LegalForm.PERORANGAN,
        synonyms=LEGAL_FORM_SYNONYMS,
        message=lambda: (
            _("Bentuk usaha tidak dikenal; isi salah satu dari: %(choices)s (atau namanya, mis. Usaha Dagang).")
            % {"choices": ", ".join(LegalForm.values)}
        ),
    ),
    Text("nama_pemilik", required=True),
    NikLike("nik_pemilik"),
    Choice("jenis_kelamin_pemilik", choices=Sex, words=SEX_WORDS, message=lambda: _("Jenis kelamin harus L atau P.")),
    Phone("telepon"),
    Text("email"),
    Text("alamat"),
    RegionCode("kode_wilayah", required=True),
    KbliCode("kbli", required=True),
    Text("subsektor_ekraf"),
    Text("produk_utama"),
    Year("tahun_berdiri"),
    Integer("tenaga_kerja_laki", message=COUNT_MESSAGE, blank=0),
    Integer("tenaga_kerja_perempuan", message=COUNT_MESSAGE, blank=0),
    Integer("nilai_investasi", message=MONEY_MESSAGE),
    Integer("omzet_tahunan", message=MONEY_MESSAGE),
    DecimalNumber("kapasitas_produksi"),
    Text("satuan_kapasitas"),
    Integer("nilai_produksi", message=MONEY_MESSAGE),
    DecimalNumber("latitude", grouping=False, places=COORDINATE_PLACES, message=COORDINATE_MESSAGE),
    DecimalNumber("longitude", grouping=False, places=COORDINATE_PLACES, message=COORDINATE_MESSAGE),
    # Every status reads (an export holds them all and must import back); a new business takes only IMPORT_STATUSES.
    Choice(
        "status",
        choices=BusinessStatus,
        default=DEFAULT_STATUS,
        message=lambda: _("Status harus salah satu dari: %(choices)s.") % {"choices": ", ".join(IMPORT_STATUSES)},
    ),
)
assert tuple(column.name for column in BUSINESS_COLUMNS) == COLUMNS, "the import's columns are the layout's"
assert tuple(column.name for column in BUSINESS_COLUMNS if column.required) == REQUIRED
PARSERS: dict[str, Callable] = {column.name: column.parse for column in BUSINESS_COLUMNS}
SHOWN = {column.name: column.shown for column in BUSINESS_COLUMNS}


def _text(value) -> str:
    return cell_text(value)


def _identifier(value) -> str:
    return identifier(value)


def _kbli(value) -> str:
    return PARSERS["kbli"](value)


def _region_code(value) -> str:
    return PARSERS["kode_wilayah"](value)


def _shown(column: str, value) -> str:
    """A value as the preview shows it to staff: NIK masked, numbers without trailing zeros."""
    return SHOWN[column](value)


# --- plan and outcome -----------------------------------------------------------------------------------------------


@dataclass
class BusinessRowOutcome(RowOutcome):
    """A row's outcome with the desa it names (the preview lists it)."""

    village: str = ""

    @property
    def business_id(self) -> int | None:
        return self.record_id

    @business_id.setter
    def business_id(self, value: int | None) -> None:
        self.record_id = value

    def as_data(self) -> dict:
        return {**super().as_data(), "village": self.village, "business_id": self.business_id}


@dataclass
class BusinessImportPlan(ImportPlan):
    year: int = 0


@dataclass
class _Write:
    """The objects one valid row creates or changes, and which of their fields change."""

    business: Business
    owner: Owner | None
    year: BusinessYear | None
    business_fields: list[str] = field(default_factory=list)
    owner_fields: list[str] = field(default_factory=list)
    year_fields: list[str] = field(default_factory=list)

    @property
    def is_new(self) -> bool:
        return self.business.pk is None

    @property
    def has_changes(self) -> bool:
        return bool(self.business_fields or self.owner_fields or self.year_fields)


def read_rows(source, *, progress=None, on_rows=None) -> tuple[list[str], str, list[Row]]:
    """Read a business file: its columns (normalised, in file order), its CSV delimiter and its non-blank rows."""
    extra = {name: value for name, value in (("progress", progress), ("on_rows", on_rows)) if value is not None}
    return read_table(source, columns=COLUMNS, required=REQUIRED, **extra)


# --- planning -----------------------------------------------------------------------------------------------------


class _Reference:
    """Regions, KBLI codes and registered businesses one chunk of the file refers to, each loaded in bulk with
    indexed lookups: the businesses of its NIBs (the partial unique index on nib), and for its rows a NIB does not
    match, the businesses of their desa (the (village, name) index) whose name and owner match such a row's
    (business_match_key, compared here: names are matched as people read them, which the database cannot index);
    only those are loaded whole, with their owner. `subsectors`: code, name and English name → code."""

    def __init__(self, rows: list[Row], year: int, subsectors: dict[str, str]):
        villages, kblis, nibs, keyed = set(), set(), set(), []
        for row in rows:
            village = _region_code(row.values.get("kode_wilayah"))
            villages.add(village)
            kblis.add(_kbli(row.values.get("kbli")))
            nib = _identifier(row.values.get("nib"))
            if nib:
                nibs.add(nib)
            name, owner_name = _text(row.values.get("nama_usaha")), _text(row.values.get("nama_pemilik"))
            if village and name and owner_name:
                keyed.append((nib, business_match_key(name, owner_name, village)))
        self.region_levels = {}
        for chunk in chunks(villages - {""}):
            self.region_levels.update(Region.objects.filter(code__in=chunk).values_list("code", "level"))
        self.kbli_levels = {}
        for chunk in chunks(kblis - {""}):
            self.kbli_levels.update(Kbli.objects.filter(code__in=chunk).values_list("code", "level"))
        self.subsectors = subsectors
        self.by_nib: dict[str, Business] = {}
        self.by_key: dict[tuple, list[Business]] = {}
        businesses = Business.objects.select_related("owner", "sentra")  # sentra: Business.clean() checks its region
        for chunk in chunks(nibs):
            for business in businesses.filter(nib__in=chunk):
                self.by_nib[business.nib] = business
        # Rows a registered NIB does not match are matched by name, owner and desa: the names of their desa first
        # (no join), then the owners of the businesses whose name matches.
        wanted = {key for nib, key in keyed if nib not in self.by_nib}
        names = {(name, village) for name, _owner, village in wanted}
        known_villages = {
            village for _name, _owner, village in wanted if self.region_levels.get(village) == RegionLevel.VILLAGE
        }
        named: dict[int, tuple[str, str]] = {}
        for chunk in chunks(known_villages):
            in_villages = Business.objects.filter(village_id__in=chunk).order_by()
            for pk, name, village in in_villages.values_list("pk", "name", "village_id"):
                if (comparable(name).casefold(), village) in names:
                    named[pk] = (name, village)
        found: dict[tuple, list[int]] = {}
        for chunk in chunks(named):
            for pk, owner_name in Owner.objects.filter(business_id__in=chunk).values_list("business_id", "name"):
                key = business_match_key(named[pk][0], owner_name, named[pk][1])
                if key in wanted:
                    found.setdefault(key, []).append(pk)
        loaded = {business.pk: business for business in self.by_nib.values()}
        missing = {pk for pks in found.values() for pk in pks} - set(loaded)
        for chunk in chunks(missing):
            loaded.update((business.pk, business) for business in businesses.filter(pk__in=chunk))
        for key, pks in found.items():
            self.by_key[key] = [loaded[pk] for pk in sorted(pks) if pk in loaded]
        self.year = year
        self.years: dict[int, BusinessYear] = {}

    def load_years(self, business_ids):
        for chunk in chunks(business_ids):
            for figures in BusinessYear.objects.filter(year=self.year, business_id__in=chunk):
                self.years[figures.business_id] = figures


@registry.register
class BusinessImporter(Importer):
    """Businesses with their owner and the figures of one data year (option `year`), one row each."""

    kind = "businesses"
    label = gettext_lazy("IKM")
    model = Business
    columns = BUSINESS_COLUMNS
    key = ("nib",)  # else name + owner + desa (see match)
    plan_class = BusinessImportPlan
    outcome_class = BusinessRowOutcome
    chunk_size = CHUNK_ROWS
    conflict_message = gettext_lazy(
        "Data registri berubah selama impor (mis. NIB yang sama baru saja disimpan); ulangi impor."
    )

    record_url_name = "admin:businesses_business_change"

    @classmethod
    def preview_url(cls, record) -> str:
        return reverse("admin:businesses_business_import_preview", args=[record.pk])

    @classmethod
    def upload_page_url(cls) -> str:
        return reverse("admin:businesses_business_import")

    @classmethod
    def summary_row(cls, row: dict) -> dict:
        # Summaries stored before the upload record was the core's named the registered business `business_id`.
        return {**row, "record_id": row.get("record_id") or row.get("business_id")}

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        year = self.options.get("year")
        self.year = int(year) if isinstance(year, str) and year.isdigit() else year  # `import_table --option`

    @classmethod
    def required_names(cls) -> list[str]:
        return list(REQUIRED)

    def check(self) -> None:
        if not isinstance(self.year, int):
            # The admin's form and import_businesses always give one; `import_table` and the API take it as an option.
            raise ValidationError(_("Tahun data (opsi year) wajib berupa tahun, mis. 2025."))
        _check_user_and_year(self.user, self.year)

    def new_plan(self, **kwargs) -> BusinessImportPlan:
        plan = super().new_plan(**kwargs)
        plan.year = self.year
        return plan

    # -- one row, first pass: cells, references, matching ------------------------------------------------------

    def prepare(self, rows: list[Row]) -> None:
        """Called for each chunk of the file: what its rows refer to."""
        # full_clean checks only the fields the file sets: the others hold defaults or what the registry already
        # accepted, and foreign keys were resolved in bulk (full_clean would query each one again).
        self.exclude = {model: _unchecked(model, fields, self.present) for model, fields in MODEL_FIELDS.items()}
        if not hasattr(self, "subsectors"):
            self.subsectors = {}
            for code, name, name_en in CreativeSubsector.objects.values_list("code", "name", "name_en"):
                for key in (code, name, name_en):
                    self.subsectors[key.casefold()] = code
        self.ref = _Reference(rows, self.year, self.subsectors)

    def parse(self, row: Row, outcome: BusinessRowOutcome) -> dict:
        values = super().parse(row, outcome)
        outcome.name = whitespace_collapsed(values.get("nama_usaha", _text(row.values.get("nama_usaha"))))
        outcome.village = values.get("kode_wilayah") or _text(row.values.get("kode_wilayah"))
        return values

    def matched(self, records: list) -> None:
        self.ref.load_years([existing.pk for existing in records])

    def planned(self, write, existing, outcome: BusinessRowOutcome) -> None:
        outcome.business_id = existing.pk if existing is not None else None
        outcome.name = write.business.name  # what the registry will hold (its own spelling when kept)

    def in_scope(self, code: str) -> bool:
        if self.scope.everything:
            return True
        region = self.scope.region_code
        return code == region or code.startswith(region + ".")

    def resolve(self, row: Row, values: dict, outcome: RowOutcome) -> None:
        """Turn desa, KBLI and subsector into keys; refuse a desa outside the user's region."""
        ref = self.ref

        def refuse(column, message):
            outcome.errors.append(RowError(row.number, column, message))
            del values[column]

        code = values.get("kode_wilayah")
        if code:
            level = ref.region_levels.get(code)
            if level is None:
                refuse("kode_wilayah", _("Kode wilayah %(code)s tidak dikenal.") % {"code": code})
            elif level != RegionLevel.VILLAGE:
                refuse(
                    "kode_wilayah",
                    _("%(code)s bukan kode desa/kelurahan; isi kode 4 tingkat, mis. 51.03.01.1001.") % {"code": code},
                )
            elif not self.in_scope(code):
                refuse(
                    "kode_wilayah",
                    _("Desa %(code)s berada di luar wilayah Anda (%(region)s).")
                    % {"code": code, "region": self.scope.region_code},
                )
        code = values.get("kbli")
        if code:
            level = ref.kbli_levels.get(code)
            if not (len(code) == 5 and code.isdigit()):
                refuse("kbli", _("Kode KBLI harus 5 angka (tingkat kelompok)."))
            elif level is None:
                refuse("kbli", _("KBLI %(code)s tidak dikenal (KBLI 2020).") % {"code": code})
            elif level != KbliLevel.SUBCLASS:
                refuse("kbli", _("KBLI %(code)s bukan kode kelompok (5 angka).") % {"code": code})
        name = values.get("subsektor_ekraf")
        if name:
            code = ref.subsectors.get(name.casefold())
            if code is None:
                refuse(
                    "subsektor_ekraf",
                    _("Subsektor ekraf %(value)s tidak dikenal; isi kode atau nama, mis. kriya atau Kuliner.")
                    % {"value": name},
                )
            else:
                values["subsektor_ekraf"] = code
        elif "subsektor_ekraf" in values:
            values["subsektor_ekraf"] = None

    def match(self, row: Row, values: dict, outcome: RowOutcome, seen: dict) -> Business | None:
        """The registered business this row describes, if any; duplicates within the file are errors."""
        ref = self.ref
        number = row.number
        nib = values.get("nib", "")
        key = None
        if values.get("nama_usaha") and values.get("nama_pemilik") and values.get("kode_wilayah"):
            key = business_match_key(values["nama_usaha"], values["nama_pemilik"], values["kode_wilayah"])
        if nib:
            first = seen.setdefault(("nib", nib), number)
            if first != number:
                outcome.errors.append(RowError(number, "nib", _("NIB sama dengan baris %(row)s.") % {"row": first}))
        if key:
            first = seen.setdefault(("key", key), number)
            if first != number:
                outcome.errors.append(
                    RowError(
                        number,
                        "nama_usaha",
                        _("Nama usaha, nama pemilik dan desa sama dengan baris %(row)s.") % {"row": first},
                    )
                )
        if seen.get(("nib", nib)) not in (None, number) or seen.get(("key", key)) not in (None, number):
            return None  # already refused as a repeat of an earlier row
        existing = ref.by_nib.get(nib) if nib else None
        if existing is None and key:
            # A row without NIB is the registered business of that name, owner and desa; a row whose NIB is new may
            # be one registered without a NIB (it gets its NIB now), never one registered with another NIB.
            candidates = [b for b in ref.by_key.get(key, []) if not nib or not b.nib]
            if len(candidates) > 1:
                outcome.errors.append(
                    RowError(
                        number,
                        "nama_usaha",
                        _(
                            "Ada beberapa IKM terdaftar dengan nama, pemilik dan desa ini (ID %(ids)s); "
                            "isi NIB atau gabungkan duplikatnya dulu."
                        )
                        % {"ids": ", ".join(str(b.pk) for b in candidates[:5])},
                    )
                )
                return None
            existing = candidates[0] if candidates else None
        if existing is None:
            return None
        if not self.in_scope(existing.village_id):
            outcome.errors.append(
                RowError(
                    number,
                    "nib",
                    _("NIB %(nib)s sudah terdaftar untuk IKM di luar wilayah Anda.") % {"nib": existing.nib},
                )
            )
            return None
        first = seen.setdefault(("pk", existing.pk), number)
        if first != number:
            outcome.errors.append(
                RowError(
                    number,
                    "nama_usaha",
                    _("Baris ini dan baris %(row)s menunjuk IKM terdaftar yang sama (ID %(id)s).")
                    % {"row": first, "id": existing.pk},
                )
            )
            return None
        return existing

    # -- one row, second pass: model instances, full_clean, what changes ---------------------------------------

    def assign(self, obj, values: dict, fields: dict[str, str]) -> dict[str, object]:
        """Set the row's values on `obj`; return the previous values of the attributes set."""
        before = {}
        for column, value in values.items():
            if column in fields:
                attname = _attname(column, fields)
                before[attname] = getattr(obj, attname)
                setattr(obj, attname, value)
        return before

    def clean_model(self, obj, fields: dict[str, str], exclude: list[str], number: int, outcome: RowOutcome) -> None:
        """full_clean without the queries: references were resolved and constraints are checked in bulk."""
        try:
            obj.full_clean(exclude=exclude, validate_unique=False, validate_constraints=False)
        except ValidationError as error:
            columns = {model_field: column for column, model_field in fields.items()}
            taken = {e.column for e in outcome.errors}
            for model_field, messages in error.message_dict.items():
                column = "" if model_field == NON_FIELD_ERRORS else columns.get(model_field, model_field)
                if column in taken:
                    continue  # one reason per cell: the first is the one to fix
                taken.add(column)
                outcome.errors.append(RowError(number, column, messages[0]))

    def build(self, row: Row, values: dict, existing: Business | None, outcome: RowOutcome):
        ref = self.ref
        number = row.number
        status = values.pop("status", DEFAULT_STATUS)
        business_values = {c: value for c, value in values.items() if c in BUSINESS_FIELDS}
        owner_values = {c: value for c, value in values.items() if c in OWNER_FIELDS}
        year_values = {c: value for c, value in values.items() if c in YEAR_FIELDS}
        has_figures = any(_text(row.values.get(column)) != "" for column in YEARLY if column in self.present)

        if existing is None:
            business = BUSINESS_WORKFLOW.initial(Business(created_by_id=self.user.pk), self.initial_status(status))
            owner = Owner()
            if status not in IMPORT_STATUSES:
                outcome.errors.append(
                    RowError(
                        number,
                        "status",
                        _("IKM baru hanya boleh berstatus: %(choices)s.") % {"choices": ", ".join(IMPORT_STATUSES)},
                    )
                )
        else:
            # A blank cell keeps what is registered: an import adds and corrects, it never erases (a partial
            # spreadsheet must not wipe a NIK or coordinates). An export writes blanks only where the registry has
            # none, so re-importing it changes nothing either way.
            blank = {column for column in self.file_columns if _text(row.values[column]) == ""}
            business_values = {c: value for c, value in business_values.items() if c not in blank}
            business = existing
            owner = getattr(existing, "owner", None)
            if owner is None:
                owner = Owner(business=existing)
            else:
                owner_values = {c: value for c, value in owner_values.items() if c not in blank}
            if ref.years.get(existing.pk) is not None:
                year_values = {c: value for c, value in year_values.items() if c not in blank}
            if "status" in self.present and "status" not in blank and status != existing.status:
                outcome.notes.append(
                    _(
                        "Status di berkas (%(file)s) berbeda dari status sekarang (%(current)s); impor tidak "
                        "mengubah status IKM yang sudah terdaftar, gunakan alur verifikasi."
                    )
                    % {"file": BusinessStatus(status).label, "current": BusinessStatus(existing.status).label}
                )
        figures = ref.years.get(existing.pk) if existing is not None else None
        if figures is None and has_figures:
            figures = BusinessYear(year=self.year)

        business_before = self.assign(business, business_values, BUSINESS_FIELDS)
        self.clean_model(business, BUSINESS_FIELDS, self.exclude[Business], number, outcome)
        if existing is None and status in FOUR_EYES_STATUSES and self.four_eyes(business.village_id):
            if "status" not in self.present or _text(row.values.get("status")) == "":
                # No status asked for: the new record waits for another officer's verification.
                BUSINESS_WORKFLOW.initial(business, BusinessStatus.SUBMITTED)
            else:
                message = _(
                    "Kantor Anda menerapkan prinsip empat mata: IKM baru diimpor paling jauh berstatus diajukan, lalu "
                    "diverifikasi petugas lain."
                )
                outcome.errors.append(RowError(number, "status", message))
        owner_before = self.assign(owner, owner_values, OWNER_FIELDS)
        self.clean_model(owner, OWNER_FIELDS, self.exclude[Owner], number, outcome)
        year_before = {}
        if figures is not None and has_figures:
            year_before = self.assign(figures, year_values, YEAR_FIELDS)
            self.clean_model(figures, YEAR_FIELDS, self.exclude[BusinessYear], number, outcome)
            founded = business.year_founded
            if founded and founded > self.year and not any(e.column == "tahun_berdiri" for e in outcome.errors):
                outcome.errors.append(
                    RowError(
                        number,
                        "tahun_berdiri",
                        _("Tahun berdiri %(founded)s sesudah tahun data %(year)s.")
                        % {"founded": founded, "year": self.year},
                    )
                )
        if outcome.errors:
            order = {column: index for index, column in enumerate(self.file_columns)}
            outcome.errors.sort(key=lambda error: order.get(error.column, -1))
            return None

        def changed(obj, before):
            return [attname for attname, old in before.items() if getattr(obj, attname) != old]

        if existing is None:
            return _Write(business, owner, figures if has_figures else None)
        # Text that differs from the registry only by case, spacing or Unicode form is the same text: the registry
        # keeps its own (a published "Art Shop Sari" must not become "art shop sari").
        keep_registered_text(business, business_before)
        if owner.pk:
            keep_registered_text(owner, owner_before)
        if figures is not None and figures.pk:
            keep_registered_text(figures, year_before)
        write = _Write(
            business,
            owner,
            figures if (figures is not None and has_figures) else None,
            business_fields=changed(business, business_before),
            owner_fields=changed(owner, owner_before) if owner.pk else list(owner_before),
            year_fields=changed(figures, year_before) if figures is not None and figures.pk else list(year_before),
        )
        columns = []
        for fields, names in (
            (BUSINESS_FIELDS, write.business_fields),
            (OWNER_FIELDS, write.owner_fields if owner.pk else []),
            (YEAR_FIELDS, write.year_fields),
        ):
            columns += [column for column in fields if _attname(column, fields) in names]
        if owner.pk is None:
            columns.append("nama_pemilik")
        outcome.changed = list(dict.fromkeys(columns))
        for fields, obj, before, names in (
            (BUSINESS_FIELDS, business, business_before, write.business_fields),
            (OWNER_FIELDS, owner, owner_before, write.owner_fields),
            (YEAR_FIELDS, figures, year_before, write.year_fields),
        ):
            for column in fields:
                attname = _attname(column, fields)
                if attname not in names:
                    continue
                old = _shown(column, before[attname]) if obj.pk else ""
                new = _shown(column, getattr(obj, attname))
                if old != new:
                    outcome.changes.append((column, old, new))
        return write

    # -- the initial status of new businesses ---------------------------------------------------------------

    def four_eyes(self, village_code: str | None) -> bool:
        """Whether the office covering the desa applies four eyes to this import's user (one query per kabupaten
        of the file, not per row); commands have no account and are not bound by it."""
        if not village_code or getattr(self.user, "pk", None) is None:
            return False
        cache = self.__dict__.setdefault("_four_eyes", {})
        regency = regency_code(village_code)
        if regency not in cache:
            cache[regency] = office_asks_four_eyes(village_code)
        return cache[regency]

    def initial_status(self, status: str) -> str:
        """The status a new business gets from its row (the one place imports set a status; registered
        businesses keep theirs, only the review workflow changes it)."""
        return status

    def created(self, businesses: list[Business], history: History) -> None:
        """Called once with the new businesses right after they are inserted (with their ids), inside the
        import's transaction: each one's first workflow entry ("created as draft/verified", by the importer, naming
        the file), written in bulk."""
        BUSINESS_WORKFLOW.log_created(businesses, actor=self.user, note=history.reason, at=history.date)

    # -- writing -------------------------------------------------------------------------------------------------

    def write(self, plan: ImportPlan, history: History, progress: Callable[[str], None]) -> None:
        new = [write for write in plan.writes if write.is_new]
        changed = [write for write in plan.writes if not write.is_new]
        history.create(Business, [w.business for w in new])
        self.created([w.business for w in new], history)
        if new:
            progress(_("%(n)s IKM baru disimpan") % {"n": thousands(len(new))})
        for write in plan.writes:
            if write.owner is not None and write.owner.pk is None:
                write.owner.business = write.business
            if write.year is not None and write.year.pk is None:
                write.year.business = write.business
        history.create(Owner, [w.owner for w in plan.writes if w.owner is not None and w.owner.pk is None])
        history.create(BusinessYear, [w.year for w in plan.writes if w.year is not None and w.year.pk is None])

        businesses = [w for w in changed if w.business_fields]
        for write in businesses:
            write.business.updated_at = history.date
        history.update(Business, [(w.business, w.business_fields + ["updated_at"]) for w in businesses])
        history.update(Owner, [(w.owner, w.owner_fields) for w in changed if w.owner.pk and w.owner_fields])
        history.update(
            BusinessYear, [(w.year, w.year_fields) for w in changed if w.year and w.year.pk and w.year_fields]
        )
        if changed:
            progress(_("%(n)s IKM diperbarui") % {"n": thousands(len(changed))})

    def after_write(self, plan: ImportPlan) -> None:
        _recheck_scope(self.user, [w.business.pk for w in plan.writes])
        # Bulk writes send no signals: clear the cached public pages ourselves (after commit), and give the search
        # vocabulary the words of the businesses imported as published.
        bump_public_version()
        from ikm_registry.vocabulary import vocabulary_add_objects

        vocabulary_add_objects(write.business for write in plan.writes)
        # The directory counts are renewed at the worker's next check rather than after their interval.
        from businesses.services.directory_counts import directory_counts_request

        transaction.on_commit(directory_counts_request)


def _no_progress(message: str) -> None:
    pass


def _no_rows(phase: str, done: int, total: int) -> None:
    pass


def _check_user_and_year(user, year: int) -> None:
    if not scope_for(user).allows(CHANGE):
        raise PermissionDenied(_("Akun Anda tidak boleh mengimpor IKM (hanya staf yang boleh mengubah data)."))
    try:
        v.validate_past_year(year)
    except ValidationError as error:
        raise ValidationError(_("Tahun data: %(reason)s") % {"reason": error.messages[0]}) from error


def businesses_import_plan(
    *,
    source,
    filename: str,
    user,
    year: int,
    progress: Callable[[str], None] = _no_progress,
    on_rows: Callable[[str, int, int], None] = _no_rows,
) -> BusinessImportPlan:
    """Read and check a business file and say what importing it would do; writes nothing.

    `source` is a path or an open binary file. Raises PermissionDenied for a user who may not change businesses
    and ValidationError for a file that cannot be read (wrong header, not CSV/XLSX, not UTF-8, beyond the import
    limits). `progress` gets messages for a terminal, `on_rows(phase, done, total)` numbers for a progress bar.
    """
    importer = BusinessImporter(user=user, options={"year": year}, progress=progress, on_rows=on_rows)
    return importer.plan(source, filename)


def change_reason(filename: str, *, user=None) -> str:
    """The change reason of an import's history rows: the file, and the command when no user runs it."""
    if isinstance(user, SystemActor):
        return f"{user.command} {filename}"[:100]
    return (_("impor %(file)s") % {"file": filename})[:100]


def businesses_import_apply(
    plan: BusinessImportPlan, *, user, skip_invalid: bool = False, progress: Callable[[str], None] = _no_progress
) -> ImportResult:
    """Write a plan in one transaction. All or nothing unless `skip_invalid`: then the valid rows are written.

    New businesses get the file's status, each with its first workflow log entry ("created as …", by `user`, naming
    the file; one bulk insert); existing ones keep theirs (only the review workflow changes a status). History rows
    name `user` and the file. Raises ValidationError when the registry changed under the import in a
    way that breaks a constraint (e.g. the same NIB saved meanwhile), PermissionDenied when a row would leave the
    user's region.
    """
    importer = BusinessImporter(user=user, options={"year": plan.year}, progress=progress)
    return importer.apply(plan, skip_invalid=skip_invalid)


def _recheck_scope(user, business_ids: list[int]) -> None:
    """After writing, every touched business must still be one the user may change (NetBox's re-check)."""
    if scope_for(user).everything:
        return
    allowed = 0
    for chunk in chunks(business_ids):
        allowed += Business.objects.restrict(user, CHANGE).filter(pk__in=chunk).count()
    if allowed != len(business_ids):
        raise PermissionDenied(_("Impor akan menulis IKM di luar wilayah Anda."))


def businesses_import(
    *,
    source,
    filename: str,
    user,
    year: int,
    skip_invalid: bool = False,
    dry_run: bool = False,
    progress: Callable[[str], None] = _no_progress,
) -> ImportResult:
    """Check and, unless `dry_run`, write a business file in one pass and one transaction, chunk by chunk
    (Importer.import_file; the same checks and writes as businesses_import_plan then businesses_import_apply, in
    memory that follows the chunk). `result.plan` keeps no writes."""
    importer = BusinessImporter(user=user, options={"year": year}, progress=progress)
    return importer.run(source, filename, skip_invalid=skip_invalid, dry_run=dry_run)
