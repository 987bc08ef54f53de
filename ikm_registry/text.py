"""Text typed or imported into the registry: one Unicode form, and no invisible characters.

The same name can be written with different code points (a precomposed "é" or "e" plus a combining accent), and
characters that show nothing or change how text is shown (zero-width space U+200B, the right-to-left override
U+202E that displays the rest of a line backwards, control characters) make two names that look alike compare
different. Stored text is NFC and
holds no control (Unicode category Cc) or format (Cf) character, except line breaks and tabs in multi-line fields
(TextField); in a single-line field they are white space and become a space (a spreadsheet cell typed with
Alt+Enter). Any other such character is refused with an error that names the field and the character. Duplicate
matching compares `comparable()` text, which also drops them, so a stored name with such a character
(from before this rule) still matches.
"""

import re
import unicodedata

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _

HIDDEN_CATEGORIES = ("Cc", "Cf")
LINE_BREAKS_AND_TABS = frozenset("\n\r\t")
SINGLE_LINE = str.maketrans(dict.fromkeys(LINE_BREAKS_AND_TABS, " "))


def normalised(text: str) -> str:
    """The text in Unicode normal form C (composed characters), the form stored and compared."""
    return unicodedata.normalize("NFC", text)


def single_line(text: str) -> str:
    """Line breaks and tabs as spaces."""
    return text.replace("\r\n", " ").translate(SINGLE_LINE)


def hidden_characters(text: str) -> list[str]:
    """The control and format characters in `text` other than line breaks and tabs, in order, without repeats."""
    found = []
    for char in text:
        if unicodedata.category(char) in HIDDEN_CATEGORIES and char not in LINE_BREAKS_AND_TABS and char not in found:
            found.append(char)
    return found


def describe_character(char: str) -> str:
    """'U+202E RIGHT-TO-LEFT OVERRIDE', or just 'U+0007' for a control character without a name."""
    name = unicodedata.name(char, "")
    return f"U+{ord(char):04X} {name}".strip()


def comparable(text: str) -> str:
    """`text` as duplicate matching compares it: NFC, control and format characters dropped, runs of white space
    made one space (case is left to the comparison: iexact, or casefold())."""
    text = text or ""
    if text.isascii() and text.isprintable():
        # Printable ASCII is NFC and holds no control or format character: only the spaces to collapse (the import
        # compares tens of thousands of stored names per file; the full path costs ten times as much).
        return " ".join(text.split())
    kept = single_line(normalised(text))
    kept = "".join(char for char in kept if unicodedata.category(char) not in HIDDEN_CATEGORIES)
    return " ".join(kept.split())


def text_error(field_label, characters: list[str]) -> ValidationError:
    """The error for a field holding `characters` (from hidden_characters), naming the field and the characters."""
    return ValidationError(
        _("%(field)s berisi karakter tersembunyi yang tidak diizinkan (%(characters)s). Ketik ulang teksnya."),
        code="hidden_character",
        params={"field": capfirst(field_label), "characters": ", ".join(map(describe_character, characters))},
    )


class CleanTextMixin:
    """For registry models: `full_clean()` (admin forms, imports, the public registration) stores every text field
    in NFC and refuses control and format characters, with an error on the field that names it. Line breaks and
    tabs stay in TextFields and become spaces elsewhere."""

    def clean_fields(self, exclude=None):
        errors = {}
        for field in self._meta.concrete_fields:
            if (exclude and field.name in exclude) or not isinstance(field, models.CharField | models.TextField):
                continue
            value = getattr(self, field.attname)
            if not isinstance(value, str) or not value or (value.isascii() and value.isprintable()):
                continue  # printable ASCII is NFC on one line with nothing hidden (most text an import checks)
            value = normalised(value)
            if not isinstance(field, models.TextField):
                value = single_line(value)
            setattr(self, field.attname, value)
            characters = hidden_characters(value)
            if characters:
                errors[field.name] = [text_error(field.verbose_name, characters)]
        try:
            super().clean_fields(exclude=exclude)
        except ValidationError as error:
            errors = error.update_error_dict(errors)
        if errors:
            raise ValidationError(errors)


def whitespace_collapsed(text: str) -> str:
    """Runs of white space become one space; no leading or trailing space."""
    return " ".join((text or "").split())


def folded(text: str) -> str:
    """`text` as searches compare it: case and accents dropped ("Kopí" → "kopi"), compatibility forms unfolded."""
    decomposed = unicodedata.normalize("NFKD", (text or "").casefold())
    return "".join(char for char in decomposed if not unicodedata.combining(char))


def search_words_of(text: str) -> list[str]:
    """The words of `text` as searches compare them: folded runs of letters and digits, in order."""
    return re.findall(r"\w+", folded(text))


def truncated(text: str, length: int) -> str:
    """`text` cut to `length` characters, "…" included, as the truncatechars filter cuts the titles and names of
    reference data; a plain slice (that filter inspects every character for combining marks, a tenth of the work of
    a directory card)."""
    text = str(text)
    return text if len(text) <= length else text[: length - 1] + "…"
