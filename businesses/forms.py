"""Forms of the public site: self-registration (Daftarkan usaha)."""

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from businesses.choices import LegalForm, Sex
from businesses.owner_forms import LinkRowsMixin
from ikm_registry.choices import KbliLevel, RegionLevel
from ikm_registry.kbli_search import kbli_search, manufacturing
from ikm_registry.models import CreativeSubsector, Kbli, Region

# The name of the submit button that searches KBLI instead of registering.
KBLI_SEARCH_BUTTON = "cari_kbli"


def kbli_choices(values) -> tuple[str, list[tuple[str, str]], dict[str, Kbli]]:
    """What the KBLI part of the registration form shows for the values typed (`values`: the posted data, or the
    initial values of a form shown again): the query (the search box, else the main product), the codes it finds,
    and the codes that may be chosen, as Kbli rows by code: those found and the one already chosen, first.

    Only manufacturing subclasses (section C) are offered and accepted.
    """
    query = (values.get("kbli_q") or "").strip()[:100] or (values.get("main_product") or "").strip()[:100]
    found = kbli_search(query) if query else []
    chosen = (values.get("kbli") or "").strip()
    codes = [chosen] if chosen and manufacturing(chosen) else []
    codes += [code for code, _title in found if code != chosen]
    rows = Kbli.objects.filter(level=KbliLevel.SUBCLASS, code__in=codes).only("code", "title", "level")
    by_code = {kbli.code: kbli for kbli in rows}
    return query, found, {code: by_code[code] for code in codes if code in by_code}


class SelfRegistrationForm(LinkRowsMixin, forms.Form):
    """Daftarkan usaha: what a pelaku IKM fills in on the public site.

    The desa choices are those of the kecamatan chosen in the step before (`kecamatan`); KBLI choices are the
    manufacturing subclasses (section C) that the words typed in `kbli_q` (else the main product) find, plus the one
    already chosen (see `kbli_choices`). The model rules (NIB, NIK, phone, e-mail, years) are
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
    # KBLI: a search box and, below it, the codes it finds as radio buttons (templates/businesses/_kbli_field.html).
    # Without JavaScript the "Cari KBLI" button posts the form back and it is shown again, as typed, with the codes
    # found (see `for_request`); static/js/register.js lists them while typing (businesses:register_kbli).
    kbli_q = forms.CharField(
        label=_("Cari jenis industri"),
        max_length=100,
        required=False,
        widget=forms.TextInput(
            attrs={"type": "search", "autocomplete": "off", "placeholder": _("mis. batik, kopi, anyaman")}
        ),
    )
    kbli = forms.ChoiceField(
        label=_("Jenis industri (KBLI)"),
        help_text=_("Pilih yang paling dekat; petugas Dinas akan memeriksanya."),
        widget=forms.RadioSelect,
        error_messages={"required": _("Cari dan pilih jenis industri usaha Anda.")},
    )
    subsector = forms.ModelChoiceField(
        label=_("Subsektor ekonomi kreatif"),
        queryset=CreativeSubsector.objects.all(),
        required=False,
        empty_label=_("— bukan/tidak tahu —"),
    )
    year_founded = forms.IntegerField(label=_("Tahun berdiri"), required=False, min_value=1900)
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
        self.add_link_fields()
        villages = (
            Region.objects.none()
            if kecamatan is None
            else Region.objects.filter(parent=kecamatan, level=RegionLevel.VILLAGE)
        )
        self.villages = {region.code: region for region in villages.only("code", "name", "kind", "level")}
        self.fields["village"].choices = [("", _("— pilih —"))] + [
            (code, region.name) for code, region in sorted(self.villages.items(), key=lambda item: item[1].name)
        ]
        self.kbli_query, self.kbli_found, self.kbli_codes = kbli_choices(self.data if self.is_bound else self.initial)
        self.fields["kbli"].choices = [(code, f"{code} — {kbli.title}") for code, kbli in self.kbli_codes.items()]

    @classmethod
    def for_request(cls, request, *, kecamatan: Region):
        """The form of a request to step 2: bound to a POST, except the "Cari KBLI" button's, which shows the form
        again as typed, without errors, with the KBLI codes found (it registers nothing)."""
        if request.method != "POST":
            return cls(kecamatan=kecamatan)
        if cls.is_kbli_search(request):
            return cls(initial=request.POST.dict(), kecamatan=kecamatan)
        return cls(request.POST, kecamatan=kecamatan)

    @staticmethod
    def is_kbli_search(request) -> bool:
        """A POST of the "Cari KBLI" button, or one with words in the KBLI search box and no code chosen yet (Enter
        pressed in the box sends the form): a search, not a registration."""
        if request.method != "POST":
            return False
        data = request.POST
        return KBLI_SEARCH_BUTTON in data or bool(data.get("kbli_q", "").strip() and not data.get("kbli"))

    def clean(self):
        return self.clean_links_rows(super().clean())

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
        data = {name: value for name, value in self.cleaned_data.items() if not name.startswith("link_")}
        for name in ("website", "agree", "kbli_q"):
            data.pop(name, None)
        return data
