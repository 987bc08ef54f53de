"""The PDF reports of events (DESIGN §6), in the core's report registry (admin Laporan page and `render_report`):

- `daftar-hadir --event`: one sheet per session, every confirmed participant with a signature column, blank rows for
  walk-ins;
- `sertifikat-peserta --event`: one numbered participation certificate per participant who met the attendance rule
  (A4 landscape, letterhead, signatory, a QR to /verifikasi/);
- `laporan-kegiatan --event`: the report an office files after an event (Tata Naskah Dinas practice);
- `rekap-kegiatan --region --year`: events per kind and month, participants by sex and category, IKM reached, budget.

`--event` takes the event's code (kode kegiatan) or its id; the letterhead is the organising office's.
"""

from __future__ import annotations

from collections import Counter
from decimal import Decimal

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import Count, Q, Sum
from django.urls import reverse
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from businesses.choices import Sex
from events.choices import EventKind, EventStatus, ParticipantCategory, RegistrationStatus
from events.models import Attendance, Event, Registration
from events.services.attendance import eligible, sessions_needed
from ikm_registry.public_url import public_url
from ikm_registry.qr import qr_svg
from ikm_registry.reports import Disclosure, Report, ReportForm, register
from ikm_registry.reports.base import file_url

R = RegistrationStatus
WALK_IN_ROWS = 10
MONTHS = range(1, 13)


class EventChoiceField(forms.ModelChoiceField):
    """An event by its id or its code (kode kegiatan); a code two offices share is refused with their ids."""

    def label_from_instance(self, obj):
        return f"{obj.code} — {obj.title} ({obj.start_date:%d-%m-%Y}, ID {obj.pk})"

    def to_python(self, value):
        if value in self.empty_values:
            return None
        text = str(value).strip()
        if isinstance(value, Event):
            return value
        if text.isdigit():
            found = self.queryset.filter(pk=int(text)).first()
            if found is not None:
                return found
        matches = list(self.queryset.filter(code__iexact=text)[:2])
        if len(matches) == 1:
            return matches[0]
        if len(matches) > 1:
            raise ValidationError(_("Kode %(code)s dipakai beberapa kantor; pakai ID kegiatan.") % {"code": text})
        raise ValidationError(self.error_messages["invalid_choice"], code="invalid_choice")


class EventReportForm(ReportForm):
    region = None
    event = EventChoiceField(label=gettext_lazy("Kegiatan"), queryset=Event.objects.none())

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, user=user, **kwargs)
        self.fields["event"].queryset = (
            Event.objects.restrict(user).select_related("office__region", "venue_region").order_by("-start_date", "pk")
        )
        self.fields["event"].error_messages["invalid_choice"] = _(
            "Kegiatan ini tidak ada atau di luar wilayah kerja Anda."
        )

    def clean(self):
        cleaned = super().clean()
        event = cleaned.get("event")
        if event is not None:
            cleaned["region"] = event.office.region  # the organising office's letterhead
        return cleaned

    def describe(self):
        event = self.cleaned_data["event"]
        return [(_("Kode kegiatan"), f"{event.code} (ID {event.pk})")]


class EventReport(Report):
    form_class = EventReportForm

    def event_context(self, event) -> dict:
        return {
            "event": event,
            "sessions": list(event.sessions.all()),
            "partners": list(event.partnerships.select_related("institution")),
            "speakers": list(event.speaker_roles.select_related("speaker__institution")),
        }


@register
class DaftarHadirReport(EventReport):
    name = "daftar-hadir"
    title = gettext_lazy("Daftar Hadir")
    description = gettext_lazy(
        "Satu lembar per sesi: setiap peserta terdaftar dengan kolom tanda tangan, dan baris kosong untuk peserta "
        "yang datang langsung."
    )
    template_name = "reports/daftar_hadir.html"
    signed = False

    def get_title(self, *, params):
        return _("Daftar Hadir %(event)s") % {"event": params["event"].title}

    def get_context(self, *, user, params):
        event = params["event"]
        participants = list(Registration.objects.filter(event=event, status=R.CONFIRMED).order_by("name", "pk"))
        return {
            **self.event_context(event),
            "participants": participants,
            "blank_rows": range(len(participants) + 1, len(participants) + 1 + WALK_IN_ROWS),
        }

    def disclosure(self, context):
        return Disclosure(personal_data=bool(context["participants"]), individual_data=False,
                          row_count=len(context["participants"]))  # fmt: skip


@register
class SertifikatPesertaReport(EventReport):
    name = "sertifikat-peserta"
    title = gettext_lazy("Sertifikat Peserta")
    description = gettext_lazy(
        "Sertifikat bernomor untuk setiap peserta yang memenuhi syarat kehadiran, dengan QR ke halaman verifikasi."
    )
    template_name = "reports/sertifikat_peserta.html"
    landscape = True

    def get_title(self, *, params):
        return _("Sertifikat Peserta %(event)s") % {"event": params["event"].title}

    def get_context(self, *, user, params):
        event = params["event"]
        holders = [r for r in eligible(event) if r.certificate_number]
        if params.get("registration") is not None:  # one participant's own certificate (their personal link)
            holders = [r for r in holders if r.pk == params["registration"].pk]
        verify = public_url(reverse("verify"))
        return {
            **self.event_context(event),
            "certificates": [
                {
                    "registration": registration,
                    "number": f"{event.code}/{registration.certificate_number:04d}",
                    "qr": mark_safe(qr_svg(f"{verify}?kode={registration.certificate_code}")),  # noqa: S308
                    "verify_url": f"{verify}?kode={registration.certificate_code}",
                }
                for registration in holders
            ],
            "needed": sessions_needed(event),
            "not_issued": eligible(event).filter(certificate_number__isnull=True).count(),
        }

    def disclosure(self, context):
        return Disclosure(personal_data=bool(context["certificates"]), individual_data=False,
                          row_count=len(context["certificates"]))  # fmt: skip


@register
class LaporanKegiatanReport(EventReport):
    name = "laporan-kegiatan"
    title = gettext_lazy("Laporan Kegiatan")
    description = gettext_lazy(
        "Latar belakang, dasar hukum, tujuan, mitra, narasumber, jadwal, peserta menurut kategori dan jenis "
        "kelamin, kehadiran per sesi, anggaran rencana dan realisasi, hasil usaha, MoU, kesimpulan."
    )
    template_name = "reports/laporan_kegiatan.html"

    def get_title(self, *, params):
        return _("Laporan Kegiatan %(event)s") % {"event": params["event"].title}

    def get_context(self, *, user, params):
        event = params["event"]
        participants = Registration.objects.filter(event=event, status=R.CONFIRMED)
        by_category = Counter(participants.values_list("category", "sex"))
        categories = [
            {
                "label": label,
                "male": by_category.get((value, Sex.MALE), 0),
                "female": by_category.get((value, Sex.FEMALE), 0),
            }
            for value, label in ParticipantCategory.choices
        ]
        attendance = dict(
            Attendance.objects.filter(session__event=event, registration__status=R.CONFIRMED)
            .values_list("session_id")
            .annotate(n=Count("pk"))
        )
        outcomes = event.outcomes.aggregate(
            businesses=Count("pk"),
            direct_sales=Sum("direct_sales"),
            orders=Sum("orders"),
            buyers_met=Sum("buyers_met"),
            contracts=Sum("contracts"),
            contract_value=Sum("contract_value"),
        )
        planned, realised = event.budget_planned, event.budget_realised
        return {
            **self.event_context(event),
            "categories": categories,
            "total_male": sum(row["male"] for row in categories),
            "total_female": sum(row["female"] for row in categories),
            "businesses_reached": participants.exclude(business=None).values("business").distinct().count(),
            "attendance": [(session, attendance.get(session.pk, 0)) for session in event.sessions.all()],
            "confirmed": participants.count(),
            "certificates": participants.filter(certificate_number__isnull=False).count(),
            "outcomes": outcomes if outcomes["businesses"] else None,
            "agreements": list(event.agreements.prefetch_related("parties__institution")),
            "budget_share": (realised * 100 / planned).quantize(Decimal("0.1")) if planned and realised else None,
            "evaluations": _evaluation_summary(event),
            "photos": [
                {"url": file_url(photo.photo_thumbnail), "caption": photo.caption}
                for photo in event.photos.all()
                if photo.photo_thumbnail
            ],
        }

    def disclosure(self, context):
        # Counts and sums only; speakers and partners are named as the event page names them.
        outcomes = context["outcomes"]
        few = outcomes is not None and outcomes["businesses"] < 3  # a sum over one or two businesses is theirs
        # Documentation photos show people: the file is logged when it has any.
        return Disclosure(personal_data=bool(context["photos"]), individual_data=few, row_count=context["confirmed"])


def _evaluation_summary(event) -> dict | None:
    from django.db.models import Avg

    from events.models import Evaluation

    summary = Evaluation.objects.filter(registration__event=event).aggregate(
        count=Count("pk"), rating=Avg("rating"), usefulness=Avg("usefulness")
    )
    return summary if summary["count"] else None


class RekapKegiatanForm(ReportForm):
    year = forms.IntegerField(label=gettext_lazy("Tahun"), min_value=2000, max_value=2100)


@register
class RekapKegiatanReport(Report):
    name = "rekap-kegiatan"
    title = gettext_lazy("Rekapitulasi Kegiatan")
    description = gettext_lazy(
        "Kegiatan per jenis dan bulan di satu wilayah dan tahun: peserta menurut jenis kelamin dan kategori, IKM "
        "yang terjangkau, anggaran."
    )
    form_class = RekapKegiatanForm
    template_name = "reports/rekap_kegiatan.html"
    landscape = True

    def get_title(self, *, params):
        return _("Rekapitulasi Kegiatan %(region)s Tahun %(year)s") % {
            "region": params["region"].name,
            "year": params["year"],
        }

    def get_context(self, *, user, params):
        region, year = params["region"], params["year"]
        events = (
            Event.objects.restrict(user)
            .in_region(region.code)
            .filter(start_date__year=year)
            .exclude(status=EventStatus.CANCELLED)
        )
        per_kind_month = Counter(events.values_list("kind", "start_date__month"))
        kinds = [
            {
                "label": label,
                "months": [per_kind_month.get((value, month), 0) for month in MONTHS],
                "total": sum(per_kind_month.get((value, month), 0) for month in MONTHS),
            }
            for value, label in EventKind.choices
        ]
        participants = Registration.objects.filter(event__in=events, status=R.CONFIRMED)
        by_sex_category = Counter(participants.values_list("category", "sex"))
        budget = events.aggregate(planned=Sum("budget_planned"), realised=Sum("budget_realised"))
        return {
            "kinds": kinds,
            "month_totals": [sum(row["months"][index] for row in kinds) for index in range(12)],
            "events_total": sum(row["total"] for row in kinds),
            "categories": [
                {
                    "label": label,
                    "male": by_sex_category.get((value, Sex.MALE), 0),
                    "female": by_sex_category.get((value, Sex.FEMALE), 0),
                }
                for value, label in ParticipantCategory.choices
            ],
            "participants": participants.count(),
            "businesses_reached": participants.exclude(business=None).values("business").distinct().count(),
            "budget": budget,
            "events": list(
                events.annotate(
                    participant_count=Count("registrations", filter=Q(registrations__status=R.CONFIRMED))
                ).order_by("start_date", "pk")
            ),
        }

    def disclosure(self, context):
        return Disclosure(personal_data=False, individual_data=False, row_count=context["events_total"])


def own_certificate_pdf(registration) -> bytes | None:
    """The participant's own numbered certificate (for their personal link), or None when none was issued."""
    from ikm_registry.scoping import SystemActor

    if not registration.certificate_number:
        return None
    report = SertifikatPesertaReport()
    params = {"event": registration.event, "registration": registration, "region": registration.event.office.region}
    return report.make(user=SystemActor("personal link"), params=params).pdf
