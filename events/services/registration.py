"""Registering for an event, the quota and the waiting list (DESIGN §4; pretix's waiting list, made visible).

Every step that takes or frees a place locks the event's row first (`select_for_update`), then counts: two people
registering for the last place at once are served one after the other, and exactly one gets it (PostgreSQL; on
SQLite a write locks the whole database, which serialises them too). A freed place goes to the first person on the
waiting list as an offer held for the event's `offer_hours`; an offer that lapses moves to the next person. Nobody
jumps the list: a new registrant gets a place only when no one is waiting for it.

Lapsed offers are processed whenever the event is touched (a registration, a step, the participant's page) and by
`manage.py process_waiting_lists` (run it from cron every few minutes).
"""

from __future__ import annotations

from datetime import timedelta

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from events.choices import HOLDS_PLACE, EventStatus, RegistrationStatus
from events.models import Event, Registration
from events.services.notify import notify_offered, notify_registered
from events.services.workflow import FREES_PLACE, REGISTRATION_WORKFLOW, WAITING_LIST
from ikm_registry.scoping import CHANGE, LinkHolder, user_may

R = RegistrationStatus
# Events whose places may still be given (registration open, or the event under way).
GIVING_PLACES = (EventStatus.OPEN, EventStatus.ONGOING)
# The fields a registration form or a participant import fills.
PERSON_FIELDS = ("name", "sex", "category", "institution", "business", "nik", "phone", "email")


def places_taken(event) -> int:
    return Registration.objects.filter(event=event, status__in=HOLDS_PLACE).count()


def places_left(event) -> int | None:
    """Free places (None: no quota)."""
    if event.quota is None:
        return None
    return max(event.quota - places_taken(event), 0)


def waiting_count(event) -> int:
    return Registration.objects.filter(event=event, status=R.WAITLISTED).count()


def waiting_position(registration) -> int | None:
    """1 for the first on the waiting list; None when the registration is not waiting."""
    if registration.status != R.WAITLISTED:
        return None
    ahead = Registration.objects.filter(event_id=registration.event_id, status=R.WAITLISTED).filter(
        Q(registered_at__lt=registration.registered_at)
        | Q(registered_at=registration.registered_at, pk__lt=registration.pk)
    )
    return ahead.count() + 1


def _locked_event(event_or_pk) -> Event:
    pk = event_or_pk.pk if isinstance(event_or_pk, Event) else event_or_pk
    return Event.objects.select_for_update().select_related("office").get(pk=pk)


def duplicate_of(event, data: dict):
    """A live registration of the same person (same NIK, e-mail or phone) for the event, if any."""
    same = Q()
    for field in ("nik", "email", "phone"):
        value = (data.get(field) or "").strip()
        if value:
            same |= Q(**{f"{field}__iexact" if field == "email" else field: value})
    if not same:
        return None
    live = Registration.objects.filter(event=event).exclude(status__in=(R.WITHDRAWN, R.REJECTED))
    return live.filter(same).first()


def registration_create(*, event, data: dict, actor, public: bool = False, over_quota: bool = False):
    """Register a person for `event`: confirmed while places are left and no one waits, else on the waiting list.

    `public`: the public form (the event must be open and within its registration window). `actor`: the staff user
    (checked for write access to the event), a command's SystemActor, or None for the public form. `over_quota`: a
    daftar hadir typed after the event is recorded as it happened, whatever the quota. Raises ValidationError with
    the reason (closed, already registered, invalid field), PermissionDenied for staff of another region.
    """
    if not public and not user_may(actor, CHANGE, event):
        raise PermissionDenied(_("Kegiatan ini di luar wilayah Anda."))
    person = {name: data.get(name) for name in PERSON_FIELDS if name in data}
    with transaction.atomic():
        locked = _locked_event(event)
        _refresh(locked)
        if public and not locked.registration_is_open():
            raise ValidationError(_("Pendaftaran kegiatan ini tidak dibuka saat ini."), code="closed")
        if not public and locked.status == EventStatus.CANCELLED:
            raise ValidationError(_("Kegiatan ini dibatalkan."), code="cancelled")
        duplicate = duplicate_of(locked, person)
        if duplicate is not None:
            raise ValidationError(
                _("Orang dengan NIK, e-mail atau telepon ini sudah terdaftar di kegiatan ini (kode %(code)s).")
                % {"code": duplicate.code},
                code="duplicate",
            )
        registration = Registration(event=locked, **person)
        if getattr(actor, "pk", None) is not None:
            registration.created_by = actor
        registration.full_clean(exclude=["status", "event", "created_by"])
        if over_quota or locked.quota is None:
            status = R.CONFIRMED
        else:
            free = locked.quota - places_taken(locked)
            status = R.CONFIRMED if free > 0 and not waiting_count(locked) else R.WAITLISTED
        REGISTRATION_WORKFLOW.create(registration, status, actor=actor)
        transaction.on_commit(lambda: notify_registered(registration))
    return registration


def registration_step(registration, action: str, actor, *, note: str = "") -> Registration:
    """Take a workflow step on a registration (the admin's buttons, the participant's page) and, when it frees a
    place, offer it to the waiting list in the same transaction."""
    with transaction.atomic():
        locked = _locked_event(registration.event_id)
        if action != "accept":  # an accept on time must not be lapsed first; a late one is refused by the check
            _refresh(locked)
        done = REGISTRATION_WORKFLOW.perform(registration.pk, action, actor, note=note)
        if action in FREES_PLACE:
            _offer_free(locked)
    return done


def event_places_changed(event) -> list[Registration]:
    """After the quota grew or the event (re)opened: offer what is free to the waiting list."""
    with transaction.atomic():
        locked = _locked_event(event)
        _lapse_due(locked)
        return _offer_free(locked)


def _offer_free(event: Event, *, now=None) -> list[Registration]:
    """Offer each free place to the next person waiting (the event's row is locked by the caller)."""
    if event.quota is None or event.status not in GIVING_PLACES:
        return []
    free = event.quota - places_taken(event)
    if free <= 0:
        return []
    now = now or timezone.now()
    expires = now + timedelta(hours=event.offer_hours)
    offered = []
    for waiting in Registration.objects.filter(event=event).waiting()[:free]:
        done = REGISTRATION_WORKFLOW.perform(waiting.pk, "offer", WAITING_LIST)
        Registration.objects.filter(pk=done.pk).update(offer_expires_at=expires)
        done.offer_expires_at = expires
        offered.append(done)
    for registration in offered:
        transaction.on_commit(lambda registration=registration: notify_offered(registration))
    return offered


def _lapse_due(event: Event, *, now=None) -> int:
    """Lapse the offers of `event` whose time ran out and offer their places on (the event's row is locked)."""
    now = now or timezone.now()
    due = list(
        Registration.objects.filter(event=event, status=R.OFFERED, offer_expires_at__lte=now).values_list(
            "pk", flat=True
        )
    )
    for pk in due:
        REGISTRATION_WORKFLOW.perform(pk, "lapse", WAITING_LIST, note=_("Tawaran tidak diambil sebelum batas waktu."))
    return len(due)


def _refresh(event: Event) -> None:
    """Lapsed offers out, free places offered: the waiting list as it should be now (the event's row is locked)."""
    _lapse_due(event)
    _offer_free(event)


def waiting_lists_process(*, now=None) -> tuple[int, int]:
    """Every event with a lapsed offer, or with free places and people waiting: lapse, then offer. Returns (lapsed,
    offered). The command `process_waiting_lists` runs it."""
    now = now or timezone.now()
    due = set(
        Registration.objects.filter(status=R.OFFERED, offer_expires_at__lte=now).values_list("event_id", flat=True)
    )
    waiting = set(
        Registration.objects.filter(status=R.WAITLISTED, event__status__in=GIVING_PLACES)
        .values_list("event_id", flat=True)
        .distinct()
    )
    lapsed = offered = 0
    for event_id in sorted(due | waiting):
        with transaction.atomic():
            locked = _locked_event(event_id)
            lapsed += _lapse_due(locked, now=now)
            offered += len(_offer_free(locked, now=now))
    return lapsed, offered


def holder_of(registration) -> LinkHolder:
    """The actor of whoever opened the registration's personal link."""
    return LinkHolder(registration, label="peserta (tautan pribadi)")
