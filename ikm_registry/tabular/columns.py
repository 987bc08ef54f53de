"""Column classes of the tabular import engine: how one cell is read, and why it cannot be.

A column has a name (the header, lower case), optional aliases (other header names accepted for it), the model
attribute it fills (`field`), whether it is required, and `parse(raw)`: the cell's value, or CellError with the
reason in the user's language (the engine adds the row and the column). Cells arrive as CSV text or XLSX values
(numbers, dates); the classes here read both the way Indonesian offices type them.
"""

from __future__ import annotations

import datetime
import functools
import re
from collections.abc import Callable
from decimal import Decimal, InvalidOperation

from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from ikm_registry.history import mask
from ikm_registry.numbers import parse_decimal, parse_rupiah
from ikm_registry.tabular.cells import cell_text


class CellError(Exception):
    """A cell that cannot be read; the message says why, in the user's language."""


def number(value) -> Decimal | None:
    """The value of a numeric spreadsheet cell (XLSX numbers), or None for text."""
    if isinstance(value, bool) or not isinstance(value, int | float | Decimal):
        return None
    return Decimal(repr(value)) if isinstance(value, float) else Decimal(value)


def identifier(value) -> str:
    """NIB and similar numbers: spaces and dashes some people type between groups are dropped."""
    return cell_text(value).replace(" ", "").replace("-", "").replace("\u00a0", "")


class Column:
    """Text: the cell as shown, surrounding spaces dropped ('' for a blank cell)."""

    def __init__(self, name: str, *, field: str | None = None, required: bool = False, aliases=(), label=None):
        self.name = name
        self.field = field or name
        self.required = required
        self.aliases = tuple(aliases)
        self.label = label or name

    def __repr__(self):
        return f"{type(self).__name__}({self.name!r})"

    def parse(self, value):
        return cell_text(value)

    def shown(self, value) -> str:
        """A value as a preview shows it to staff (numbers without trailing zeros)."""
        if value is None or value == "":
            return ""
        if isinstance(value, Decimal):
            return format(value.normalize(), "f")
        return str(value)


Text = Column


class Identifier(Column):
    """A number people write in groups (NIB, codes): spaces and dashes dropped."""

    def parse(self, value):
        return identifier(value)


class NikLike(Identifier):
    """A 16-digit personal identifier (NIK): refused when Excel stored it as a number (it keeps 15 digits only);
    masked wherever a preview shows it (ikm_registry.personal_data)."""

    def parse(self, value):
        found = number(value)
        if found is not None and len(str(int(found))) > 15:
            raise CellError(
                _(
                    "NIK tersimpan sebagai angka; Excel hanya menyimpan 15 angka sehingga angka terakhir hilang. "
                    "Format kolom sebagai Teks lalu ketik ulang NIK."
                )
            )
        return identifier(value)

    def shown(self, value) -> str:
        return mask(value) if value else ""


class Phone(Column):
    """A phone number; one typed as a number in Excel gets its leading 0 back."""

    def parse(self, value):
        found = number(value)
        if found is not None:
            digits = str(int(found))
            return digits if digits.startswith("62") else "0" + digits
        return cell_text(value)


COUNT_MESSAGE = gettext_lazy("Tulis jumlah orang sebagai bilangan bulat, mis. 12 atau 1.500.")
MONEY_MESSAGE = gettext_lazy("Tulis nilai rupiah sebagai angka, mis. 25.000.000 atau Rp 25.000.000.")
INTEGER_MESSAGE = gettext_lazy("Tulis bilangan bulat, mis. 12 atau 1.500.")


class Integer(Column):
    """A whole number: 1500, 1.500, Rp 1.500.000 (XLSX numbers too). `blank` is the value of an empty cell."""

    def __init__(self, name: str, *, message=INTEGER_MESSAGE, blank: int | None = None, **options):
        super().__init__(name, **options)
        self.message = message
        self.blank = blank

    def parse(self, value):
        found = number(value)
        if found is not None:
            if found != found.to_integral_value():
                raise CellError(str(self.message))
            return int(found)
        text = cell_text(value)
        if text.isdigit():
            return int(text)
        try:
            result = parse_rupiah(text)
        except ValueError:
            raise CellError(str(self.message)) from None
        return self.blank if result is None else result


class Year(Column):
    """A year of four digits (None when blank)."""

    def parse(self, value):
        found = number(value)
        text = str(int(found)) if found is not None and found == int(found) else cell_text(value)
        if text == "":
            return None
        if not text.isdigit():
            raise CellError(_("Tulis tahun sebagai 4 angka, mis. 2015."))
        return int(text)


class DecimalNumber(Column):
    """A decimal: 1.500 (thousands), 12,5 or 12.5. Without `grouping` a dot is always a decimal mark (coordinates);
    `places` rounds to that exponent (e.g. Decimal('0.000001'))."""

    def __init__(self, name: str, *, grouping: bool = True, places: Decimal | None = None, message=None, **options):
        super().__init__(name, **options)
        self.grouping = grouping
        self.places = places
        self.message = message

    def parse(self, value):
        found = number(value)
        try:
            found = found if found is not None else parse_decimal(cell_text(value), grouping=self.grouping)
        except (ValueError, InvalidOperation):
            raise CellError(str(self.message or _("Tulis angka seperti 1.500 atau 12,5."))) from None
        if found is None or self.places is None:
            return found
        return found.quantize(self.places)


DATE_FORMATS = ("%d/%m/%Y", "%d-%m-%Y", "%Y-%m-%d", "%d.%m.%Y")


class Date(Column):
    """A date: an XLSX date, or text as 31/12/2025, 31-12-2025, 31.12.2025 or 2025-12-31 (None when blank)."""

    def parse(self, value):
        if isinstance(value, datetime.datetime):
            return value.date()
        if isinstance(value, datetime.date):
            return value
        text = cell_text(value)
        if text == "":
            return None
        for pattern in DATE_FORMATS:
            try:
                return datetime.datetime.strptime(text, pattern).date()
            except ValueError:
                continue
        raise CellError(_("Tulis tanggal sebagai HH/BB/TTTT, mis. 31/12/2025."))


def choice_key(text: str) -> str:
    """How a typed choice is compared: case, punctuation and spacing ignored ("U.D.", "ud", " Ud " → "ud"; "PT.
    Perorangan", "pt_perorangan" → "ptperorangan")."""
    return re.sub(r"[\W_]+", "", str(text).casefold())


@functools.cache
def _choice_map(choices_class, language: str | None) -> dict[str, str]:
    """Value and label (in the active language and in Indonesian) of each choice, by choice_key → value."""
    mapping = {}
    for choice in choices_class:
        mapping[choice_key(choice.value)] = choice.value
        mapping[choice_key(choice.label)] = choice.value
        with translation.override(None):
            mapping[choice_key(choice.label)] = choice.value
    return mapping


class Choice(Column):
    """One of a TextChoices class, by value or label (Indonesian or the active language) or one of its `synonyms`
    (other names people type for a value: "Usaha Dagang" for UD), case, punctuation and spacing ignored
    (choice_key); or else only one of `words` (text → value, compared the same way). A blank cell is `default`;
    `message()` says what is allowed."""

    def __init__(
        self,
        name: str,
        *,
        choices,
        default: str = "",
        message: Callable[[], str] | None = None,
        words: dict[str, str] | None = None,
        synonyms: dict[str, str] | None = None,
        **options,
    ):
        super().__init__(name, **options)
        self.choices = choices
        self.default = default
        self.message = message
        self.words = {choice_key(text): value for text, value in words.items()} if words is not None else None
        self.synonyms = {choice_key(text): value for text, value in (synonyms or {}).items()}
        # The other spellings as written (for a list of allowed values): the synonyms, or the words.
        self.spellings = dict(words if words is not None else synonyms or {})

    def allowed(self) -> list[tuple[str, str]]:
        """(value, label) of every value the column takes, for a list of allowed values (a template's sheet)."""
        return [(str(value), str(label)) for value, label in self.choices.choices]

    def parse(self, value):
        text = cell_text(value)
        if text == "":
            return self.default
        key = choice_key(text)
        if self.words is not None:
            found = self.words.get(key)
        else:
            found = _choice_map(self.choices, translation.get_language()).get(key) or self.synonyms.get(key)
        if found is None:
            if self.message is not None:
                raise CellError(self.message())
            raise CellError(
                _("Isi salah satu dari: %(choices)s.") % {"choices": ", ".join(str(c) for c in self.choices.values)}
            )
        return found


class RegionCode(Identifier):
    """A Kemendagri region code, dotted (51.03.01.1001) or not (5103011001, as Excel keeps it when the column is a
    number), or dotted in part (5103.01.1001): 2, 4, 6 or 10 digits become the dotted code of a province,
    kabupaten/kota, kecamatan or desa/kelurahan. Anything else stays as typed (the importer says it is unknown)."""

    def parse(self, value):
        return dotted_region_code(identifier(value))


def dotted_region_code(text: str) -> str:
    """ "5103011001" → "51.03.01.1001", "5103" → "51.03"; a code of another length or with letters stays as it is."""
    digits = text.replace(".", "")
    if digits.isdigit() and len(digits) in (2, 4, 6, 10):
        return ".".join(part for part in (digits[:2], digits[2:4], digits[4:6], digits[6:]) if part)
    return text


class Reference(Identifier):
    """A code of another model's row (a lookup): the engine resolves every code of a file with one query per
    chunk (`model.objects.filter(<to_field>__in=...)`) and reports unknown codes on the cell. The value becomes the
    row's primary key, set on `field` (an attname such as `region_id`)."""

    def __init__(self, name: str, *, model, to_field: str = "code", queryset=None, **options):
        super().__init__(name, **options)
        self.model = model
        self.to_field = to_field
        self.queryset = queryset

    def lookup(self, codes) -> dict:
        """code → primary key of the given codes that exist."""
        from ikm_registry.tabular.engine import chunks

        found = {}
        queryset = self.queryset if self.queryset is not None else self.model._default_manager.all()
        for chunk in chunks(sorted(codes)):
            found.update(queryset.filter(**{f"{self.to_field}__in": chunk}).values_list(self.to_field, "pk"))
        return found

    def unknown(self, code) -> str:
        return _("Kode %(code)s tidak dikenal.") % {"code": code}
