"""The public side of events: the agenda, an event's page and iCalendar file, registration, and the participant's
personal page (status, place on the waiting list, withdraw, accept or decline an offer).

The agenda is cached like the other public pages. An event's page is not (it shows the places left, which every
registration changes; a few small queries), nor held by browsers. The personal page is private to whoever holds its link: never cached,
never indexed, and it sends no Referer that would carry the link's secret elsewhere.
"""

from __future__ import annotations

import logging
from datetime import datetime, time

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db import OperationalError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import patch_cache_control
from django.utils.formats import date_format
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from events import selectors
from events.choices import EventStatus, RegistrationStatus
from events.forms import AgendaFilterForm, EvaluationForm, OwnDetailsForm, PublicRegistrationForm
from events.models import Evaluation, Registration
from events.services.registration import (
    holder_of,
    places_left,
    registration_create,
    registration_step,
    waiting_count,
    waiting_position,
)
from events.services.workflow import REGISTRATION_WORKFLOW
from ikm_registry.opengraph import OpenGraph, open_graph
from ikm_registry.public_cache import cache_public_page
from ikm_registry.public_url import public_url, request_base_url, served_from
from ikm_registry.qr import qr_svg
from ikm_registry.ratelimits import limit_exceeded, too_many_requests

logger = logging.getLogger(__name__)
AGENDA_PER_PAGE = 20
# What a participant may do from their personal page, by the registration's status.
HOLDER_ACTIONS = {
    RegistrationStatus.PENDING: ("withdraw_pending",),
    RegistrationStatus.CONFIRMED: ("withdraw",),
    RegistrationStatus.WAITLISTED: ("leave_waitlist",),
    RegistrationStatus.OFFERED: ("accept", "decline"),
}


@cache_public_page("waktu", "jenis", "wilayah", "page")
def agenda(request):
    regions = selectors.agenda_regions()
    form = AgendaFilterForm(request.GET or None, regions=regions)
    filters = form.cleaned_data if form.is_valid() else {}
    past = filters.get("waktu") == "lalu"
    events = selectors.agenda_events(past=past, kind=filters.get("jenis", ""), region=filters.get("wilayah", ""))
    page = Paginator(events, AGENDA_PER_PAGE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "events/agenda.html",
        {"form": form, "page": page, "past": past, "querystring": query.urlencode()},
    )


def _event_preview(event) -> OpenGraph:
    """The link preview of an event's page: its title, kind, dates and place (the site's picture)."""
    dates = date_format(event.start_date, "j F Y")
    if event.end_date != event.start_date:
        dates = f"{dates} – {date_format(event.end_date, 'j F Y')}"
    where = ", ".join(part for part in (event.venue, event.venue_region.label) if part)
    return open_graph(
        title=event.title,
        description=f"{event.get_kind_display()} · {dates} · {where}",
        path=reverse("events:event_detail", args=[event.pk]),
    )


def event_detail(request, pk: int):
    event = selectors.event_public(pk)
    response = render(
        request,
        "events/event_detail.html",
        {
            "event": event,
            "sessions": list(event.sessions.all()),
            "partners": list(event.partnerships.select_related("institution")),
            "speakers": list(event.speaker_roles.select_related("speaker__institution")),
            "places_left": places_left(event),
            "waiting": waiting_count(event),
            "registration_open": event.registration_is_open(),
            "now": timezone.now(),
            "ics_url": reverse("events:event_ics", args=[event.pk]),
            "og": _event_preview(event),
        },
    )
    patch_cache_control(response, no_cache=True)
    return response


def event_ics(request, pk: int):
    """The event as an iCalendar file: one entry per session (all-day when the session has no times)."""
    from icalendar import Calendar
    from icalendar import Event as CalendarEvent

    event = selectors.event_public(pk)
    calendar = Calendar()
    calendar.add("prodid", "-//Registri IKM//agenda//ID")
    calendar.add("version", "2.0")
    zone = timezone.get_current_timezone()
    for session in event.sessions.all():
        entry = CalendarEvent()
        entry.add("uid", f"sesi-{session.pk}@{request.get_host().split(':')[0] or 'registri-ikm'}")
        entry.add("summary", f"{event.title}" + (f" — {session.title}" if session.title else ""))
        if session.starts:
            entry.add("dtstart", datetime.combine(session.date, session.starts, tzinfo=zone))
            entry.add("dtend", datetime.combine(session.date, session.ends or time(23, 59), tzinfo=zone))
        else:
            entry.add("dtstart", session.date)
        entry.add("location", ", ".join(part for part in (event.venue, event.venue_region.label) if part))
        entry.add("url", public_url(reverse("events:event_detail", args=[event.pk])))
        entry.add("description", event.description[:1000])
        entry.add("dtstamp", timezone.now())
        calendar.add_component(entry)
    response = HttpResponse(calendar.to_ical(), content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="kegiatan-{event.pk}.ics"'
    return response


@require_http_methods(["GET", "POST"])
def event_register(request, pk: int):
    event = selectors.event_public(pk)
    if not event.registration_is_open():
        return render(request, "events/register_closed.html", {"event": event}, status=200)
    if request.method == "POST" and limit_exceeded(
        request, group="event-registration", rate=settings.REGISTRATION_RATE
    ):
        return too_many_requests(request)
    form = PublicRegistrationForm(request.POST or None)
    status = 200
    if request.method == "POST" and form.is_valid():
        try:
            registration = registration_create(event=event, data=form.person(), actor=None, public=True)
        except ValidationError as error:
            for message in error.messages:
                form.add_error(None, message)
        except OperationalError:
            logger.warning("Event registration refused: database busy", exc_info=True)
            form.add_error(
                None, _("Server sedang sibuk dan pendaftaran Anda belum tersimpan. Kirim ulang sebentar lagi.")
            )
            status = 503
        else:
            return redirect(reverse("events:registration", args=[registration.secret]))
    return render(
        request,
        "events/register.html",
        {"event": event, "form": form, "places_left": places_left(event), "waiting": waiting_count(event)},
        status=status,
    )


def registration_certificate(request, secret: str):
    """The participant's own certificate, from their personal link, once staff issued it."""
    from events.reports import own_certificate_pdf

    registration = Registration.objects.select_related("event__office__region").filter(secret=secret).first()
    with served_from(request_base_url(request)):  # its QR code verifies on the site the participant uses
        pdf = own_certificate_pdf(registration) if registration is not None else None
    if pdf is None:
        raise Http404
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="sertifikat-{registration.event.code}.pdf"'
    return _private(response)


def _details_form(request, registration):
    """Participants correct their own details while the registration is live and no certificate was numbered (a
    printed certificate carries the name as it was)."""
    if registration.status in (RegistrationStatus.WITHDRAWN, RegistrationStatus.REJECTED):
        return None
    if registration.certificate_number:
        return None
    data = request.POST if request.method == "POST" and "details" in request.POST else None
    return OwnDetailsForm(data, instance=registration)


def _evaluation_form(request, registration):
    """The evaluation form, for a confirmed participant once the event has ended and until they send it."""
    event = registration.event
    ended = event.status == EventStatus.COMPLETED or event.end_date < timezone.localdate()
    if registration.status != RegistrationStatus.CONFIRMED or not ended or hasattr(registration, "evaluation"):
        return None
    data = request.POST if request.method == "POST" and "evaluation" in request.POST else None
    return EvaluationForm(data, instance=Evaluation(registration=registration))


def _private(response):
    patch_cache_control(response, private=True, no_store=True)
    # Same-origin: the secret never goes to another site in a Referer, while the page's own buttons still send the
    # Origin that Django's CSRF check needs (with no-referrer, Chromium posts "Origin: null" and gets a 403).
    response["Referrer-Policy"] = "same-origin"
    response["X-Robots-Tag"] = "noindex, nofollow"
    return response


@require_http_methods(["GET", "POST"])
def registration_page(request, secret: str):
    """The participant's own page, reached by their personal link only."""
    registration = (
        Registration.objects.select_related("event__office", "event__venue_region").filter(secret=secret).first()
    )
    if registration is None:
        raise Http404
    allowed = HOLDER_ACTIONS.get(registration.status, ())
    evaluation = _evaluation_form(request, registration)
    details = _details_form(request, registration)
    if request.method == "POST" and "details" in request.POST:
        if details is not None and details.is_valid():
            details.instance._history_user = None
            details.instance._change_reason = "peserta (tautan pribadi)"
            details.save()
            request.session["registration_message"] = _("Data Anda sudah diperbarui.")
            return _private(redirect(request.path))
    elif request.method == "POST" and "evaluation" in request.POST:
        if evaluation is not None and evaluation.is_valid():
            evaluation.save()
            request.session["registration_message"] = _("Terima kasih atas evaluasi Anda.")
            return _private(redirect(request.path))
    elif request.method == "POST":
        action = request.POST.get("action", "")
        if action not in allowed:
            return _private(redirect(request.path))
        try:
            registration = registration_step(registration, action, holder_of(registration))
        except (ValidationError, PermissionDenied) as error:
            request.session["registration_message"] = " ".join(getattr(error, "messages", [str(error)]))
        return _private(redirect(request.path))
    workflow = REGISTRATION_WORKFLOW
    actions = [workflow.transitions[action] for action in allowed]
    event = registration.event
    return _private(
        render(
            request,
            "events/registration.html",
            {
                "registration": registration,
                "event": event,
                "actions": actions,
                "position": waiting_position(registration),
                "message": request.session.pop("registration_message", ""),
                "evaluation": evaluation,
                "details": details,
                "evaluated": hasattr(registration, "evaluation"),
                "sessions": list(event.sessions.all()),
                # the code as a QR for the camera at the door (an SVG drawn here, no script)
                "qr": mark_safe(qr_svg(registration.code))
                if registration.status == RegistrationStatus.CONFIRMED
                else "",  # noqa: S308
            },
        )
    )
