"""Form fields for the way Indonesian offices write numbers: Rp 25.000.000, 1.500."""

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from ikm_registry.numbers import format_rupiah, parse_rupiah


class RupiahInput(forms.TextInput):
    """A text input that shows whole rupiah with dots between thousands."""

    def __init__(self, attrs=None):
        super().__init__({"inputmode": "numeric", "size": 15, "class": "rupiah", **(attrs or {})})

    def format_value(self, value):
        if isinstance(value, int):
            return format_rupiah(value)
        return super().format_value(value)


class RupiahField(forms.IntegerField):
    """Whole rupiah, typed as 25.000.000, Rp 25.000.000 or 25000000."""

    widget = RupiahInput
    default_error_messages = {"invalid": _("Tulis nilai rupiah sebagai angka, mis. 25.000.000.")}

    def to_python(self, value):
        if value in self.empty_values:
            return None
        if isinstance(value, int):
            return value
        try:
            return parse_rupiah(str(value))
        except ValueError:
            raise ValidationError(self.error_messages["invalid"], code="invalid") from None

    def widget_attrs(self, widget):
        # IntegerField would add type=number min/max attributes that refuse "25.000.000" in the browser.
        return {}
