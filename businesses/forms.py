"""Form fields for the way Indonesian offices write numbers: Rp 25.000.000, 1.500."""

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from businesses.choices import KbliLevel, LegalForm, RegionLevel, Sex
from businesses.models import CreativeSubsector, Kbli, Region
from ikm_registry.numbers import parse_decimal, parse_rupiah, thousands  # noqa: F401 (parse_decimal: re-exported)


def format_rupiah(value) -> str:
    """1404300000 → '1.404.300.000'."""
    if value in (None, ""):
        return ""
    return thousands(value)


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


class SelfRegistrationForm(forms.Form):
    """Daftarkan usaha: what a pelaku IKM fills in on the public site.

    The desa choices are those of the kecamatan chosen in the step before (`kecamatan`); KBLI choices are the
    manufacturing subclasses (section C), grouped by division. The model rules (NIB, NIK, phone, e-mail, years) are
    checked by the service, which names the field of each error.
    """

    # A field people do not see: bots fill it in, and a filled-in form is then refused.
    website = forms.CharField(
        required=False, label=_("Jangan diisi"), widget=forms.TextInput(attrs={"tabindex": "-1", "autocomplete": "off"})
    )
    village = forms.ChoiceField(label=_("Desa/kelurahan"))
    address = forms.CharField(
        label=_("Alamat usaha"), max_length=300, help_text=_("Jalan, nomor, banjar/dusun, RT/RW.")
    )
    name = forms.CharField(label=_("Nama usaha"), max_length=200)
    legal_form = forms.ChoiceField(label=_("Bentuk usaha"), choices=LegalForm.choices, initial=LegalForm.PERORANGAN)
    nib = forms.CharField(
        label=_("NIB"),
        max_length=13,
        required=False,
        help_text=_("Nomor Induk Berusaha dari OSS, 13 angka, jika ada."),
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
    )
    main_product = forms.CharField(
        label=_("Produk utama"), max_length=200, help_text=_("Mis. kain tenun endek, keripik singkong.")
    )
    kbli = forms.ChoiceField(
        label=_("Jenis industri (KBLI)"), help_text=_("Pilih yang paling dekat; petugas Dinas akan memeriksanya.")
    )
    subsector = forms.ModelChoiceField(
        label=_("Subsektor ekonomi kreatif"),
        queryset=CreativeSubsector.objects.all(),
        required=False,
        empty_label=_("— bukan/tidak tahu —"),
    )
    year_founded = forms.IntegerField(label=_("Tahun berdiri"), required=False, min_value=1900)
    online_channels = forms.CharField(
        label=_("Toko online dan media sosial"),
        max_length=300,
        required=False,
        help_text=_("Mis. Shopee, Instagram @tenunku; pisahkan dengan koma."),
    )
    owner_name = forms.CharField(
        label=_("Nama pemilik"), max_length=200, widget=forms.TextInput(attrs={"autocomplete": "name"})
    )
    owner_sex = forms.ChoiceField(label=_("Jenis kelamin pemilik"), choices=Sex.choices, widget=forms.RadioSelect)
    owner_nik = forms.CharField(
        label=_("NIK pemilik"),
        max_length=16,
        required=False,
        help_text=_("16 angka di KTP. Tidak pernah ditampilkan di situs."),
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
    )
    owner_phone = forms.CharField(
        label=_("Nomor telepon/WhatsApp"),
        max_length=20,
        help_text=_("Petugas Dinas menghubungi nomor ini untuk verifikasi."),
        widget=forms.TextInput(attrs={"type": "tel", "autocomplete": "tel"}),
    )
    owner_email = forms.EmailField(
        label=_("E-mail"), required=False, widget=forms.EmailInput(attrs={"autocomplete": "email"})
    )
    publish_phone = forms.BooleanField(
        label=_("Tampilkan nomor telepon ini di direktori agar pembeli bisa menghubungi saya"), required=False
    )
    publish_email = forms.BooleanField(label=_("Tampilkan e-mail ini di direktori"), required=False)
    agree = forms.BooleanField(
        label=_(
            "Saya menyatakan data ini benar dan setuju data usaha (bukan data pribadi) ditampilkan di direktori setelah diverifikasi Dinas."
        )
    )

    def __init__(self, *args, kecamatan: Region | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        villages = (
            Region.objects.none()
            if kecamatan is None
            else Region.objects.filter(parent=kecamatan, level=RegionLevel.VILLAGE)
        )
        self.villages = {region.code: region for region in villages.only("code", "name", "kind", "level")}
        self.fields["village"].choices = [("", _("— pilih —"))] + [
            (code, region.name) for code, region in sorted(self.villages.items(), key=lambda item: item[1].name)
        ]
        subclasses = Kbli.objects.filter(level=KbliLevel.SUBCLASS, code__gte="10", code__lt="34").only("code", "title")
        divisions = dict(
            Kbli.objects.filter(level=KbliLevel.DIVISION, code__gte="10", code__lt="34").values_list("code", "title")
        )
        grouped: dict[str, list] = {}
        self.kbli_codes = {}
        for kbli in subclasses.order_by("code"):
            self.kbli_codes[kbli.code] = kbli
            grouped.setdefault(kbli.code[:2], []).append((kbli.code, f"{kbli.code} — {kbli.title}"))
        self.fields["kbli"].choices = [("", _("— pilih —"))] + [
            (f"{division} {divisions.get(division, '')}".strip(), options) for division, options in grouped.items()
        ]

    def clean_website(self):
        if self.cleaned_data.get("website"):
            raise ValidationError(_("Formulir tidak dapat diterima."))
        return ""

    def clean_village(self):
        return self.villages[self.cleaned_data["village"]]

    def clean_kbli(self):
        return self.kbli_codes[self.cleaned_data["kbli"]]

    def service_arguments(self) -> dict:
        """The cleaned data as keyword arguments of `business_register_public`."""
        data = dict(self.cleaned_data)
        for name in ("website", "agree"):
            data.pop(name, None)
        return data
