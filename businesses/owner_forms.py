"""Forms of the owner's side of the public site: link rows (shared with self-registration), the correction of a
returned registration and the proposal of changes to a published business. They work without JavaScript: a fixed
number of link rows and photo rows."""

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from businesses.links import Platform
from businesses.models import MAX_PROPOSED_PHOTOS
from businesses.photos import PhotoFormField
from businesses.services.proposals import clean_links

LINK_ROWS = 3


class LinkRowsMixin:
    """`LINK_ROWS` rows of (platform, address or handle); cleaned into `cleaned_data["links"]` as canonical
    [platform, url] pairs. Errors are shown on the row's address field."""

    link_rows = LINK_ROWS

    def add_link_fields(self, initial_links=()):
        initial_links = list(initial_links)
        rows = max(self.link_rows, len(initial_links) + 1 if initial_links else self.link_rows)
        self.link_row_names = []
        for number in range(1, rows + 1):
            platform, value = initial_links[number - 1] if number <= len(initial_links) else ("", "")
            platform_name, value_name = f"link_{number}_platform", f"link_{number}_value"
            self.fields[platform_name] = forms.ChoiceField(
                label=_("Platform %(n)s") % {"n": number},
                choices=[("", _("— pilih —")), *Platform.choices],
                required=False,
                initial=platform,
            )
            self.fields[value_name] = forms.CharField(
                label=_("Alamat atau nama akun %(n)s") % {"n": number},
                max_length=300,
                required=False,
                initial=value,
                widget=forms.TextInput(attrs={"placeholder": _("@namatoko atau https://…"), "autocomplete": "off"}),
            )
            self.link_row_names.append((platform_name, value_name))

    def link_rows_bound(self):
        """[(platform field, value field)] for the template."""
        return [(self[p], self[v]) for p, v in self.link_row_names]

    def clean_links_rows(self, cleaned):
        rows = []
        for platform_name, value_name in self.link_row_names:
            platform, value = cleaned.get(platform_name, ""), (cleaned.get(value_name) or "").strip()
            if value and not platform:
                self.add_error(platform_name, _("Pilih platformnya."))
                continue
            rows.append((value_name, platform, value))
        try:
            cleaned["links"] = clean_links([(platform, value) for _name, platform, value in rows])
        except ValidationError as whole:
            # Name the row: check each on its own; what is left (too many links) goes above the form.
            named = False
            for value_name, platform, value in rows:
                try:
                    clean_links([(platform, value)])
                except ValidationError as error:
                    named = True
                    self.add_error(value_name, [m.split(": ", 1)[-1] for m in error.message_dict["links"]])
            if not named:
                self.add_error(None, whole.message_dict["links"])
        return cleaned


class ProposalForm(LinkRowsMixin, forms.Form):
    """What the owner of a verified or published business may change; staff review it before it shows."""

    name = forms.CharField(label=_("Nama usaha"), max_length=200)
    main_product = forms.CharField(label=_("Produk utama"), max_length=200, required=False)
    owner_phone = forms.CharField(
        label=_("Nomor telepon/WhatsApp"),
        max_length=20,
        required=False,
        widget=forms.TextInput(attrs={"type": "tel", "autocomplete": "tel"}),
    )
    publish_phone = forms.BooleanField(
        label=_("Tampilkan nomor ini di direktori (dengan tombol WhatsApp)"), required=False
    )
    owner_email = forms.EmailField(
        label=_("E-mail"), required=False, widget=forms.EmailInput(attrs={"autocomplete": "email"})
    )
    publish_email = forms.BooleanField(label=_("Tampilkan e-mail ini di direktori"), required=False)

    def __init__(self, *args, current: dict, **kwargs):
        initial = {
            key: current[key]
            for key in ("name", "main_product", "owner_phone", "publish_phone", "owner_email", "publish_email")
        }
        super().__init__(*args, initial=initial, **kwargs)
        self.add_link_fields(current["links"])
        for number in range(1, MAX_PROPOSED_PHOTOS + 1):
            self.fields[f"photo_{number}_name"] = forms.CharField(
                label=_("Nama produk di foto %(n)s") % {"n": number}, max_length=200, required=False
            )
            self.fields[f"photo_{number}"] = PhotoFormField(label=_("Foto %(n)s") % {"n": number}, required=False)

    def photo_rows(self):
        return [(self[f"photo_{n}_name"], self[f"photo_{n}"]) for n in range(1, MAX_PROPOSED_PHOTOS + 1)]

    def clean(self):
        cleaned = super().clean()
        self.clean_links_rows(cleaned)
        photos = []
        for number in range(1, MAX_PROPOSED_PHOTOS + 1):
            file, name = cleaned.get(f"photo_{number}"), (cleaned.get(f"photo_{number}_name") or "").strip()
            if file and not name:
                self.add_error(f"photo_{number}_name", _("Tulis nama produk di foto ini."))
            elif file:
                photos.append((name, file))
        cleaned["photos"] = photos
        return cleaned

    def values(self) -> dict:
        data = self.cleaned_data
        keys = ("name", "main_product", "owner_phone", "publish_phone", "owner_email", "publish_email", "links")
        return {key: data[key] for key in keys}


class LinkRequestForm(forms.Form):
    """Send my private link again: the registration number (or NIB) and the phone or e-mail on file."""

    reference = forms.CharField(
        label=_("Nomor pendaftaran atau NIB"),
        max_length=20,
        help_text=_("Nomor pendaftaran tertera saat Anda mendaftar dan di alamat halaman usaha Anda di direktori."),
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
    )
    contact = forms.CharField(
        label=_("Nomor telepon atau e-mail yang terdaftar"),
        max_length=254,
        widget=forms.TextInput(attrs={"autocomplete": "email"}),
    )

    def clean_reference(self):
        value = self.cleaned_data["reference"].strip().upper().removeprefix("IKM-").removeprefix("IKM")
        if not value.isdigit():
            raise ValidationError(_("Tulis angkanya saja."))
        return value
