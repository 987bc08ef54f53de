"""Imports of events through the core engine (ikm_registry/tabular): a daftar hadir typed into Excel
(`import_participants`) and an office's yearly programme (`import_events`).

Participants (option `event`: the event's id): one row per person, `hadir_1` … `hadir_N` for the event's sessions in
date order. A row matches a registration of the event by NIK, else phone, else e-mail, else name (as people read
it); re-importing the same file changes nothing. A new person is registered confirmed whatever the quota (the sheet
records who came), with the workflow's first entry; a present mark adds the attendance of that session (a blank cell
never removes a check-in made at the door).
"""

from __future__ import annotations

from datetime import datetime, time, timedelta

from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q
from django.http import Http404
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from businesses.choices import Sex
from businesses.models import Business
from events.choices import CheckInMethod, EventKind, EventStatus, FundingSource, ParticipantCategory, RegistrationStatus
from events.models import Attendance, Event, EventPartner, EventSpeaker, Institution, Registration, Session, Speaker
from events.services.workflow import EVENT_WORKFLOW, REGISTRATION_WORKFLOW
from ikm_registry.models import Office, Region
from ikm_registry.scoping import CHANGE, scope_for, user_may
from ikm_registry.tabular import registry
from ikm_registry.tabular.cells import cell_text
from ikm_registry.tabular.columns import (
    CellError,
    Choice,
    Column,
    Date,
    DecimalNumber,
    Integer,
    NikLike,
    Phone,
    Reference,
    Text,
)
from ikm_registry.tabular.engine import Importer, RowError, RowOutcome, Write, keep_registered_text, loose

PRESENT = {"v", "✓", "✔", "x", "1", "ya", "hadir", "y"}
ABSENT = {"", "0", "-", "tidak", "t", "absen"}
SEX_WORDS = {"l": Sex.MALE, "laki-laki": Sex.MALE, "laki laki": Sex.MALE, "pria": Sex.MALE, "p": Sex.FEMALE,
             "perempuan": Sex.FEMALE, "wanita": Sex.FEMALE}  # fmt: skip


class Presence(Column):
    """A cell of a daftar hadir: present (v, ✓, x, 1, ya, hadir) or absent (blank, 0, -, tidak)."""

    def parse(self, value):
        text = cell_text(value).casefold()
        if text in PRESENT:
            return True
        if text in ABSENT:
            return False
        raise CellError(_("Tulis v, ✓, x, 1, ya atau hadir untuk hadir; kosong, 0, - atau tidak untuk tidak hadir."))


PERSON_COLUMNS = (
    Text("nama", field="name", required=True),
    Choice(
        "jenis_kelamin",
        field="sex",
        required=True,
        choices=Sex,
        words=SEX_WORDS,
        message=lambda: _("Tulis L (laki-laki) atau P (perempuan)."),
    ),
    Choice("kategori", field="category", choices=ParticipantCategory, default=ParticipantCategory.IKM),
    Text("instansi", field="institution"),
    Reference("nib", field="business_id", model=Business, to_field="nib"),
    NikLike("nik", field="nik"),
    Phone("telepon", field="phone"),
    Text("email", field="email"),
)


class ParticipantWrite(Write):
    """A row's registration (new or changed) and the sessions it adds attendance for."""

    def __init__(self, obj, fields=(), sessions=()):
        super().__init__(obj, list(fields))
        self.sessions = list(sessions)

    @property
    def has_changes(self) -> bool:
        return bool(self.fields) or bool(self.sessions)


@registry.register
class ParticipantImporter(Importer):
    kind = "participants"
    label = gettext_lazy("peserta kegiatan")
    model = Registration
    columns = PERSON_COLUMNS
    write_class = ParticipantWrite

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.event = Event.objects.select_related("office").filter(pk=self.options.get("event")).first()
        self.sessions = list(self.event.sessions.all()) if self.event else []
        # NIB links a registered business the importing user may see (another region's business stays unknown).
        person = [
            Reference("nib", field="business_id", model=Business, to_field="nib",
                      queryset=Business.objects.restrict(self.user))
            if column.name == "nib" else column
            for column in PERSON_COLUMNS
        ]  # fmt: skip
        self.columns = (*person, *(Presence(f"hadir_{n}") for n in range(1, len(self.sessions) + 1)))
        self.by_name = {column.name: column for column in self.columns}

    record_url_name = "admin:events_registration_change"

    @classmethod
    def upload_options(cls, request) -> dict:
        wanted = request.GET.get("event") or request.POST.get("event") or ""
        event = (
            Event.objects.restrict(request.user, CHANGE).filter(pk=int(wanted)).first() if wanted.isdigit() else None
        )
        if event is None:
            raise Http404
        return {"event": event.pk}

    @classmethod
    def upload_query(cls, options: dict) -> str:
        return f"?event={options.get('event')}"

    @classmethod
    def upload_intro(cls, options: dict) -> str:
        event = Event.objects.filter(pk=options.get("event")).first()
        if event is None:
            return ""
        return _(
            "Daftar hadir untuk %(event)s: satu baris per peserta; kolom hadir_1 … hadir_%(n)s adalah sesinya "
            "menurut tanggal (v, ✓, x, 1, ya atau hadir = hadir). Peserta dikenali dari NIK, telepon, e-mail atau "
            "nama; mengimpor ulang tidak mengubah apa pun."
        ) % {"event": event.title, "n": event.sessions.count()}

    @classmethod
    def done_url(cls, options: dict) -> str:
        return reverse("admin:events_event_change", args=[options["event"]]) if options.get("event") else ""

    def check(self) -> None:
        super().check()
        # Another region's event is answered as a missing one, so that the answer never tells it exists.
        if self.event is None or not Event.objects.restrict(self.user).filter(pk=self.event.pk).exists():
            raise ValidationError({"event": _("Kegiatan tidak ditemukan atau di luar wilayah Anda.")})
        if not user_may(self.user, CHANGE, self.event):
            raise PermissionDenied(_("Anda tidak boleh mengubah kegiatan ini."))

    def prepare(self, rows) -> None:
        super().prepare(rows)
        self.known = {}
        self.attended = {}
        registrations = Registration.objects.filter(event=self.event).exclude(
            status__in=(RegistrationStatus.WITHDRAWN, RegistrationStatus.REJECTED)
        )
        for registration in registrations:
            for key in self._keys(registration.nik, registration.phone, registration.email, registration.name):
                self.known.setdefault(key, registration)
        for registration_id, session_id in Attendance.objects.filter(session__event=self.event).values_list(
            "registration_id", "session_id"
        ):
            self.attended.setdefault(registration_id, set()).add(session_id)

    @staticmethod
    def _keys(nik, phone, email, name):
        keys = []
        if nik:
            keys.append(("nik", nik))
        if phone:
            keys.append(("phone", phone))
        if email:
            keys.append(("email", email.casefold()))
        if name:
            keys.append(("name", loose(name)))
        return keys

    def match(self, row, values, outcome, seen):
        keys = self._keys(values.get("nik"), values.get("telepon"), values.get("email"), values.get("nama"))
        for key in keys:
            first = seen.setdefault(key, row.number)
            if first != row.number:
                outcome.errors.append(
                    RowError(row.number, "nama", _("Orang yang sama dengan baris %(row)s.") % {"row": first})
                )
                return None
        return next((self.known[key] for key in keys if key in self.known), None)

    def build(self, row, values, existing, outcome: RowOutcome):
        person = {
            column.field: values[column.name]
            for column in self.columns[: len(PERSON_COLUMNS)]
            if column.name in values and not (existing is not None and cell_text(row.values[column.name]) == "")
        }
        present = [
            session for number, session in enumerate(self.sessions, start=1) if values.get(f"hadir_{number}") is True
        ]
        if existing is None:
            registration = Registration(event=self.event, **person)
            REGISTRATION_WORKFLOW.initial(registration, RegistrationStatus.CONFIRMED)
            before = {}
        else:
            registration = existing
            before = {field: getattr(registration, field) for field in person}
            for field, value in person.items():
                setattr(registration, field, value)
        self.clean(registration, row.number, outcome)
        if outcome.errors:
            return None
        outcome.name = registration.name
        if existing is None:
            return self.write_class(registration, sessions=present)
        if registration.status != RegistrationStatus.CONFIRMED and present:
            outcome.errors.append(
                RowError(
                    row.number,
                    "nama",
                    _("Terdaftar dengan status %(status)s; hanya peserta terdaftar yang dicatat hadir.")
                    % {"status": registration.get_status_display().lower()},
                )
            )
            return None
        changed = [field for field, old in before.items() if getattr(registration, field) != old]
        for column in PERSON_COLUMNS:
            if column.field in changed:
                outcome.changed.append(column.name)
                outcome.changes.append(
                    (column.name, column.shown(before[column.field]), column.shown(getattr(registration, column.field)))
                )
        already = self.attended.get(registration.pk, set())
        new_sessions = [session for session in present if session.pk not in already]
        for session in new_sessions:
            outcome.changed.append(f"hadir_{self.sessions.index(session) + 1}")
        return self.write_class(registration, changed, new_sessions)

    def write(self, plan, history, progress) -> None:
        new = [write for write in plan.writes if write.is_new]
        changed = [write for write in plan.writes if not write.is_new and write.fields]
        history.create(Registration, [write.obj for write in new])
        REGISTRATION_WORKFLOW.log_created([write.obj for write in new], actor=self.user, note=history.reason)
        history.update(Registration, [(write.obj, write.fields) for write in changed])
        user = self.user if getattr(self.user, "pk", None) is not None else None
        attendances = [
            Attendance(registration=write.obj, session=session, method=CheckInMethod.IMPORT, checked_in_by=user)
            for write in plan.writes
            for session in write.sessions
        ]
        history.create(Attendance, attendances)


# --- the yearly programme ----------------------------------------------------------------------------------------

YES = {"ya": True, "y": True, "yes": True, "1": True, "v": True, "tidak": False, "t": False, "no": False, "0": False}


class YesNo(Column):
    def __init__(self, name: str, *, default: bool = True, **options):
        super().__init__(name, **options)
        self.default = default

    def parse(self, value):
        text = cell_text(value).casefold()
        if text == "":
            return self.default
        if text in YES:
            return YES[text]
        raise CellError(_("Tulis ya atau tidak."))


class Names(Column):
    """Names separated by ';' (partners, speakers)."""

    def parse(self, value):
        return [name for name in (" ".join(part.split()) for part in cell_text(value).split(";")) if name]

    def shown(self, value) -> str:
        return "; ".join(value or [])


EVENT_COLUMNS = (
    Text("kode_kegiatan", field="code", required=True),
    Text("judul", field="title", required=True),
    Choice("jenis", field="kind", required=True, choices=EventKind),
    Date("tanggal_mulai", field="start_date", required=True),
    Date("tanggal_selesai", field="end_date"),
    Text("tempat", field="venue"),
    Reference(
        "kode_wilayah_tempat",
        field="venue_region_id",
        model=Region,
        required=True,
        queryset=Region.objects.filter(level__in=["province", "regency"]),
    ),  # as the admin offers
    Text("penyelenggara", field="office_region"),
    Integer("kuota", field="quota"),
    Date("pendaftaran_mulai", field="registration_opens"),
    Date("pendaftaran_selesai", field="registration_closes"),
    YesNo("publik", field="is_public"),
    Names("mitra", field="partner_names"),
    Names("narasumber", field="speaker_names"),
    Choice("sumber_dana", field="funding_source", choices=FundingSource, default=FundingSource.APBD),
    DecimalNumber("anggaran", field="budget_planned"),
    Text("deskripsi", field="description"),
)
# Columns that are not fields of Event: resolved by the importer.
EVENT_EXTRA = {"penyelenggara", "mitra", "narasumber", "pendaftaran_mulai", "pendaftaran_selesai"}


class EventWrite(Write):
    def __init__(self, obj, fields=(), partners=(), speakers=()):
        super().__init__(obj, list(fields))
        self.partners = list(partners)
        self.speakers = list(speakers)

    @property
    def has_changes(self) -> bool:
        return bool(self.fields or self.partners or self.speakers)


@registry.register
class EventImporter(Importer):
    """An office's programme: one row per event, matched by the organising office and `kode_kegiatan`. A new
    event is planned, with one session per day; partners and speakers are found (or added to the address book) by
    name and added to it, never removed. Without a user the `penyelenggara` column names the office's region."""

    record_url_name = "admin:events_event_change"
    kind = "events"
    label = gettext_lazy("kegiatan")
    model = Event
    columns = EVENT_COLUMNS
    write_class = EventWrite

    @classmethod
    def upload_intro(cls, options: dict) -> str:
        return _(
            "Program kegiatan kantor Anda: satu baris per kegiatan, dikenali dari kode_kegiatan; kegiatan baru "
            "berstatus direncanakan dengan satu sesi per hari. Mengimpor ulang tidak mengubah apa pun."
        )

    @classmethod
    def done_url(cls, options: dict) -> str:
        return reverse("admin:events_event_changelist")

    def check(self) -> None:
        super().check()
        self.offices = {office.region_id: office for office in Office.objects.restrict(self.user, CHANGE)}
        scope = scope_for(self.user)
        self.own_office = self.offices.get(scope.region_code) if scope.region_code else None

    def prepare(self, rows) -> None:
        super().prepare(rows)
        codes = {cell_text(row.values.get("kode_kegiatan")).upper() for row in rows}
        self.existing = {
            (event.office_id, event.code.upper()): event
            for event in Event.objects.filter(office__in=list(self.offices.values()), code__in=codes)
        }
        self.partner_ids = {}
        for event_id, name in EventPartner.objects.filter(event__in=list(self.existing.values())).values_list(
            "event_id", "institution__name"
        ):
            self.partner_ids.setdefault(event_id, set()).add(loose(name))
        self.speaker_ids = {}
        for event_id, name in EventSpeaker.objects.filter(event__in=list(self.existing.values())).values_list(
            "event_id", "speaker__name"
        ):
            self.speaker_ids.setdefault(event_id, set()).add(loose(name))

    def _office(self, row, values, outcome):
        code = values.get("penyelenggara")
        if code:
            office = self.offices.get(code)
            if office is None:
                outcome.errors.append(
                    RowError(
                        row.number, "penyelenggara", _("Tidak ada kantor %(code)s di wilayah Anda.") % {"code": code}
                    )
                )
            return office
        if self.own_office is None:
            outcome.errors.append(
                RowError(row.number, "penyelenggara", _("Wajib diisi: kode wilayah kantor penyelenggara."))
            )
        return self.own_office

    def match(self, row, values, outcome, seen):
        office = self._office(row, values, outcome)
        values["_office"] = office
        code = (values.get("kode_kegiatan") or "").upper()
        if office is None or not code:
            return None
        key = (office.pk, code)
        first = seen.setdefault(key, row.number)
        if first != row.number:
            outcome.errors.append(
                RowError(row.number, "kode_kegiatan", _("Kode sama dengan baris %(row)s.") % {"row": first})
            )
            return None
        return self.existing.get(key)

    def build(self, row, values, existing, outcome):
        office = values.pop("_office", None)
        fields = {
            column.field: values[column.name]
            for column in EVENT_COLUMNS
            if column.name in values and column.name not in EVENT_EXTRA
            and not (existing is not None and cell_text(row.values[column.name]) == "")
        }  # fmt: skip
        zone = timezone.get_current_timezone()
        for name, field, at in (("pendaftaran_mulai", "registration_opens", time.min),
                                ("pendaftaran_selesai", "registration_closes", time(23, 59))):  # fmt: skip
            if values.get(name):
                fields[field] = datetime.combine(values[name], at, tzinfo=zone)
        if existing is None:
            event = Event(office=office)
            fields.setdefault("end_date", fields.get("start_date"))
            EVENT_WORKFLOW.initial(event, EventStatus.PLANNED)
            before = {}
        else:
            event = existing
            before = {field: getattr(event, field) for field in fields}
        for field, value in fields.items():
            setattr(event, field, value)
        if event.end_date is None:
            event.end_date = event.start_date
        self.clean(event, row.number, outcome)
        if event.start_date and event.end_date and event.end_date < event.start_date:
            outcome.errors.append(RowError(row.number, "tanggal_selesai", _("Tanggal selesai sebelum tanggal mulai.")))
        if outcome.errors:
            return None
        outcome.name = event.title
        known_partners = self.partner_ids.get(event.pk, set())
        known_speakers = self.speaker_ids.get(event.pk, set())
        partners = [name for name in values.get("mitra", []) if loose(name) not in known_partners]
        speakers = [name for name in values.get("narasumber", []) if loose(name) not in known_speakers]
        if existing is None:
            return self.write_class(event, partners=partners, speakers=speakers)
        changed = [field for field, old in before.items() if getattr(event, field) != old]
        keep_registered_text(event, {field: before[field] for field in changed})
        changed = [field for field, old in before.items() if getattr(event, field) != old]
        shown = {column.field: column for column in EVENT_COLUMNS}
        for field in changed:
            column = shown.get(field)
            name = column.name if column else field
            outcome.changed.append(name)
            outcome.changes.append((name, str(before[field] or ""), str(getattr(event, field) or "")))
        outcome.changed += [f"mitra: {name}" for name in partners] + [f"narasumber: {name}" for name in speakers]
        return self.write_class(event, changed, partners, speakers)

    def write(self, plan, history, progress) -> None:
        new = [write for write in plan.writes if write.is_new]
        for write in new:
            write.obj.region_code = write.obj.office.region_id  # bulk_create does not call save()
        history.create(Event, [write.obj for write in new])
        EVENT_WORKFLOW.log_created([write.obj for write in new], actor=self.user, note=history.reason)
        changed = [write for write in plan.writes if not write.is_new and write.fields]
        history.update(Event, [(write.obj, write.fields) for write in changed])
        sessions = []
        for write in new:
            day = write.obj.start_date
            while day <= write.obj.end_date:
                sessions.append(Session(event=write.obj, date=day))
                day += timedelta(days=1)
        history.create(Session, sessions)
        institutions = self._address_book(Institution, {name for w in plan.writes for name in w.partners}, history)
        speakers = self._address_book(Speaker, {name for w in plan.writes for name in w.speakers}, history)
        history.create(
            EventPartner,
            [
                EventPartner(event=w.obj, institution=institutions[loose(name)])
                for w in plan.writes
                for name in w.partners
            ],
        )
        history.create(
            EventSpeaker,
            [EventSpeaker(event=w.obj, speaker=speakers[loose(name)]) for w in plan.writes for name in w.speakers],
        )

    @staticmethod
    def _address_book(model, names, history) -> dict:
        """loose name → entry, adding the names the address book does not have yet."""
        # The Names column collapses spacing; a case-insensitive match per name finds the entries typed otherwise,
        # one query whatever the size of the address book.
        same = Q()
        for name in names:
            same |= Q(name__iexact=name)
        found = {loose(entry.name): entry for entry in model.objects.filter(same)} if names else {}
        missing = {}
        for name in names:
            if loose(name) not in found:
                missing.setdefault(loose(name), model(name=name))
        history.create(model, list(missing.values()))
        return {**found, **missing}
