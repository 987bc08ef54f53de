"""The workflows of events and registrations (DESIGN §4), declared with the core engine (ikm_registry/workflow.py).

Event: planned → open (registration) → ongoing → completed (the report filed), or cancelled from any of the first
three; an event without public registration may go from planned to ongoing directly.

Registration: a person arrives confirmed, or on the waiting list when the quota is full (or pending where staff
confirm each one); a freed place is offered to the first on the list for the event's offer hours; the offer is
accepted (confirmed) or declined, or it lapses and moves on. Participants withdraw, decline or accept through their
personal link (scoping.LinkHolder); staff confirm, reject and withdraw in the admin; the waiting list's own steps
(offer, lapse) are taken by the system (WAITING_LIST). The places themselves are counted under the event's row lock
in events/services/registration.py.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from events.choices import EventStatus, RegistrationStatus
from events.models import Event, Registration
from ikm_registry.scoping import SystemActor
from ikm_registry.workflow import Transition, Workflow

E = EventStatus
R = RegistrationStatus

# The system, acting on its own: the waiting list offering a freed place, an offer lapsing.
WAITING_LIST = SystemActor("process_waiting_lists", label="sistem: daftar tunggu")


def _event_check(event: Event, transition: Transition, actor) -> None:
    if transition.target == E.COMPLETED:
        missing = [name for name in Event.REPORT_FIELDS if not (getattr(event, name) or "").strip()]
        if event.budget_planned is not None and event.budget_realised is None:
            missing.append("budget_realised")
        if missing:
            raise ValidationError(
                {name: _("Wajib diisi sebelum kegiatan dinyatakan selesai (laporan kegiatan).") for name in missing},
                code="report_missing",
            )
    if transition.target == E.OPEN and not event.sessions.exists():
        raise ValidationError(_("Tambahkan sesi kegiatan sebelum membuka pendaftaran."), code="no_sessions")


EVENT_WORKFLOW = Workflow(
    Event,
    field="status",
    region="region_code",
    check=_event_check,
    transitions=[
        Transition(
            "open", E.PLANNED, E.OPEN, gettext_lazy("Buka pendaftaran"),
            gettext_lazy("Tampilkan formulir pendaftaran (dalam jendela pendaftaran)."), validates=True,
        ),
        Transition(
            "start", E.OPEN, E.ONGOING, gettext_lazy("Mulai kegiatan"),
            gettext_lazy("Kegiatan berlangsung: pendaftaran ditutup, daftar hadir dibuka."),
        ),
        Transition(
            "start_unannounced", E.PLANNED, E.ONGOING, gettext_lazy("Mulai (tanpa pendaftaran daring)"),
            gettext_lazy("Untuk kegiatan yang pesertanya diundang langsung."), validates=True,
        ),
        Transition(
            "complete", E.ONGOING, E.COMPLETED, gettext_lazy("Selesai"),
            gettext_lazy("Nyatakan selesai; latar belakang, tujuan, hasil dan realisasi anggaran wajib diisi."),
            validates=True,
        ),
        Transition(
            "cancel", E.PLANNED, E.CANCELLED, gettext_lazy("Batalkan"),
            gettext_lazy("Batalkan kegiatan; tulis alasannya."), note_required=True,
        ),
        Transition(
            "cancel_open", E.OPEN, E.CANCELLED, gettext_lazy("Batalkan"),
            gettext_lazy("Batalkan kegiatan; peserta terdaftar perlu diberi tahu. Tulis alasannya."),
            note_required=True,
        ),
        Transition(
            "cancel_ongoing", E.ONGOING, E.CANCELLED, gettext_lazy("Batalkan"),
            gettext_lazy("Hentikan kegiatan yang sedang berlangsung; tulis alasannya."), note_required=True,
        ),
    ],
).register()  # fmt: skip


def _registration_check(registration: Registration, transition: Transition, actor) -> None:
    if transition.action == "accept":
        expires = registration.offer_expires_at
        if expires is not None and expires <= timezone.now():
            raise ValidationError(_("Tawaran tempat ini sudah lewat waktu."), code="offer_lapsed")
    if transition.target in (R.CONFIRMED, R.OFFERED) and registration.event.status not in (E.OPEN, E.ONGOING):
        raise ValidationError(
            _("Kegiatan ini berstatus %(status)s; tidak ada tempat yang dapat diberikan.")
            % {"status": registration.event.get_status_display().lower()},
            code="event_closed",
        )


REGISTRATION_WORKFLOW = Workflow(
    Registration,
    field="status",
    region=lambda registration: registration.event.region_code,
    check=_registration_check,
    transitions=[
        Transition("confirm", R.PENDING, R.CONFIRMED, gettext_lazy("Konfirmasi"), gettext_lazy("Terima pendaftaran.")),
        Transition(
            "offer", R.WAITLISTED, R.OFFERED, gettext_lazy("Tawarkan tempat"),
            gettext_lazy("Tawarkan tempat yang kosong; tawaran berlaku sesuai lama tawaran kegiatan."),
        ),
        Transition(
            "accept", R.OFFERED, R.CONFIRMED, gettext_lazy("Terima tawaran"),
            gettext_lazy("Ambil tempat yang ditawarkan."), holder=True,
        ),
        Transition(
            "decline", R.OFFERED, R.WITHDRAWN, gettext_lazy("Tolak tawaran"),
            gettext_lazy("Lepaskan tempat yang ditawarkan untuk orang berikutnya."), holder=True,
        ),
        Transition(
            "lapse", R.OFFERED, R.WITHDRAWN, gettext_lazy("Tawaran lewat waktu"),
            gettext_lazy("Tawaran tidak diambil pada waktunya; tempat pindah ke orang berikutnya."),
        ),
        Transition(
            "withdraw", R.CONFIRMED, R.WITHDRAWN, gettext_lazy("Batalkan pendaftaran"),
            gettext_lazy("Lepaskan tempat; orang pertama di daftar tunggu akan ditawari."), holder=True,
        ),
        Transition(
            "leave_waitlist", R.WAITLISTED, R.WITHDRAWN, gettext_lazy("Keluar dari daftar tunggu"),
            gettext_lazy("Hapus dari daftar tunggu."), holder=True,
        ),
        Transition(
            "withdraw_pending", R.PENDING, R.WITHDRAWN, gettext_lazy("Batalkan pendaftaran"),
            gettext_lazy("Tarik pendaftaran yang belum dikonfirmasi."), holder=True,
        ),
        Transition(
            "reject", R.PENDING, R.REJECTED, gettext_lazy("Tolak"),
            gettext_lazy("Tolak pendaftaran ini; tulis alasannya."), note_required=True,
        ),
        Transition(
            "reject_confirmed", R.CONFIRMED, R.REJECTED, gettext_lazy("Tolak"),
            gettext_lazy("Cabut tempat peserta ini (mis. pendaftaran ganda); tulis alasannya."), note_required=True,
        ),
        Transition(
            "reject_waiting", R.WAITLISTED, R.REJECTED, gettext_lazy("Tolak"),
            gettext_lazy("Hapus dari daftar tunggu karena tidak memenuhi syarat; tulis alasannya."),
            note_required=True,
        ),
    ],
).register()  # fmt: skip

# The steps after which a place is free for the waiting list.
FREES_PLACE = ("decline", "lapse", "withdraw", "withdraw_pending", "reject", "reject_confirmed")
