from django import forms
from django.utils.translation import gettext_lazy as _

from businesses.choices import Sex
from events.choices import EventKind, ParticipantCategory
from events.models import Evaluation, Registration


def require_contact(data: dict) -> dict:
    """A participant leaves a phone or an e-mail address (either is private)."""
    if not data.get("phone") and not data.get("email"):
        raise forms.ValidationError(_("Isi telepon atau e-mail, agar Dinas dapat menghubungi Anda."))
    return data


class PublicRegistrationForm(forms.ModelForm):
    """The public registration form: who the participant is, and how to reach them (optional, private)."""

    consent = forms.BooleanField(
        label=_("Saya setuju data ini dipakai Dinas untuk kegiatan ini (daftar hadir, sertifikat, laporan)."),
        required=True,
    )

    class Meta:
        model = Registration
        fields = ["name", "sex", "category", "institution", "phone", "email", "nik"]
        widgets = {
            "sex": forms.RadioSelect(choices=Sex.choices),
            "phone": forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "tel"}),
            "email": forms.EmailInput(attrs={"autocomplete": "email"}),
            "nik": forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
            "name": forms.TextInput(attrs={"autocomplete": "name"}),
        }
        help_texts = {
            "phone": _("Untuk pemberitahuan; tidak ditampilkan di mana pun."),
            "email": _("Tautan pribadi dan tawaran tempat dikirim ke sini."),
            "nik": _("Boleh kosong. Hanya untuk laporan Dinas; tidak pernah ditampilkan."),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["sex"].choices = Sex.choices
        self.fields["category"].choices = ParticipantCategory.choices

    def clean(self):
        return require_contact(super().clean())

    def person(self) -> dict:
        return {name: self.cleaned_data.get(name, "") for name in self.Meta.fields}


class AgendaFilterForm(forms.Form):
    """The agenda's filters, by GET (works without JavaScript)."""

    waktu = forms.ChoiceField(
        label=_("Waktu"),
        choices=[("mendatang", _("Mendatang")), ("lalu", _("Sudah lewat"))],
        required=False,
    )
    jenis = forms.ChoiceField(label=_("Jenis"), choices=[("", _("Semua jenis")), *EventKind.choices], required=False)
    wilayah = forms.ChoiceField(label=_("Wilayah"), choices=[("", _("Semua wilayah"))], required=False)

    def __init__(self, *args, regions=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["wilayah"].choices = [("", _("Semua wilayah")), *((r.code, r.label) for r in regions)]


SCORES = [(n, str(n)) for n in range(1, 6)]


class EvaluationForm(forms.ModelForm):
    """The participant's short evaluation after the event (1 = kurang, 5 = sangat baik)."""

    class Meta:
        model = Evaluation
        fields = ["rating", "usefulness", "comments"]
        widgets = {
            "rating": forms.RadioSelect(choices=SCORES),
            "usefulness": forms.RadioSelect(choices=SCORES),
            "comments": forms.Textarea(attrs={"rows": 4, "maxlength": 2000}),
        }


class OwnDetailsForm(forms.ModelForm):
    """What participants correct themselves from their personal link: how their name is printed on the certificate,
    their institution and how to reach them."""

    class Meta:
        model = Registration
        fields = ["name", "institution", "phone", "email"]
        widgets = PublicRegistrationForm.Meta.widgets
        help_texts = {"name": _("Ditulis seperti ini di daftar hadir dan sertifikat.")}

    def clean(self):
        return require_contact(super().clean())
