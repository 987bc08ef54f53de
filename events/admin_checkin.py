"""The check-in pages of an event in the admin, made for a phone at the door.

* Daftar hadir (`<event>/hadir/?sesi=<id>`): type the participant's code (or let the camera read the QR on their
  confirmation, where the browser can) or search a name; each check-in says who, and a second one says it was done
  already and when. The list below shows who is present for the session.
* From a paper sheet (`<event>/hadir/kertas/?sesi=<id>`): every confirmed participant with a tick box, saved at once.
* Issue certificates (`<event>/sertifikat/`, POST): number the certificates of those who attended enough sessions.

Every write goes through events/services/attendance.py (scope checked there too); other regions' events are 404.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from events.choices import CheckInMethod, RegistrationStatus
from events.models import Attendance, EventPhoto, Registration
from events.services.attendance import (
    certificates_issue,
    check_in,
    check_out,
    eligible,
    find_by_code,
    sessions_needed,
    today_session,
)
from ikm_registry.scoping import CHANGE, user_may

SEARCH_LIMIT = 20


class CheckInAdminMixin:
    def get_urls(self):
        wrap = self.admin_site.admin_view
        return [
            path("<path:object_id>/hadir/", wrap(self.checkin_view), name="events_event_checkin"),
            path("<path:object_id>/hadir/kertas/", wrap(self.paper_view), name="events_event_paper"),
            path("<path:object_id>/sertifikat/", wrap(self.certificates_view), name="events_event_certificates"),
            path("<path:object_id>/foto/<int:photo_id>/", wrap(self.photo_view), name="events_event_photo"),
            *super().get_urls(),
        ]

    def _event(self, request, object_id, *, write: bool):
        event = self.get_object(request, object_id)  # scoped: another region's event is None
        if event is None:
            raise Http404
        if write and not user_may(request.user, CHANGE, event):
            raise PermissionDenied
        return event

    def _session(self, request, event):
        sessions = list(event.sessions.all())
        wanted = request.GET.get("sesi") or request.POST.get("sesi")
        chosen = next((s for s in sessions if str(s.pk) == wanted), None) if wanted else today_session(event)
        if chosen is None and sessions:
            chosen = sessions[0]
        return sessions, chosen

    def _page_url(self, name, event, session):
        url = reverse(f"admin:{name}", args=[event.pk])
        return f"{url}?sesi={session.pk}" if session else url

    def checkin_view(self, request, object_id):
        event = self._event(request, object_id, write=True)
        sessions, session = self._session(request, event)
        if session is None:
            messages.error(request, _("Kegiatan ini belum punya sesi."))
            return HttpResponseRedirect(reverse("admin:events_event_change", args=[event.pk]))
        found = []
        query = request.GET.get("q", "").strip()
        if request.method == "POST":
            registration = None
            if request.POST.get("registration"):
                registration = Registration.objects.filter(event=event, pk=request.POST["registration"]).first()
                method = CheckInMethod.SEARCH
            else:
                registration = find_by_code(event, request.POST.get("kode", ""))
                method = CheckInMethod.SCAN if request.POST.get("scanned") else CheckInMethod.SEARCH
            if registration is None:
                messages.error(
                    request,
                    _("Kode %(code)s tidak ditemukan di kegiatan ini.") % {"code": request.POST.get("kode", "")},
                )
            else:
                try:
                    done = check_in(session=session, registration=registration, actor=request.user, method=method)
                except ValidationError as error:
                    messages.error(request, " ".join(error.messages))
                else:
                    when = timezone.localtime(done.attendance.checked_in_at).strftime("%H.%M")
                    if done.created:
                        messages.success(
                            request, _("%(name)s hadir (%(when)s).") % {"name": registration.name, "when": when}
                        )
                    else:
                        messages.warning(
                            request,
                            _("%(name)s sudah tercatat hadir pukul %(when)s; tidak dicatat dua kali.")
                            % {"name": registration.name, "when": when},
                        )
            return HttpResponseRedirect(self._page_url("events_event_checkin", event, session))
        if query:
            found = list(
                Registration.objects.filter(
                    event=event, status=RegistrationStatus.CONFIRMED, name__icontains=query
                ).order_by("name")[:SEARCH_LIMIT]
            )
        present = list(
            Attendance.objects.filter(session=session).select_related("registration").order_by("-checked_in_at")
        )
        confirmed = Registration.objects.filter(event=event, status=RegistrationStatus.CONFIRMED).count()
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": _("Daftar hadir: %(event)s") % {"event": event.title},
            "event": event,
            "sessions": sessions,
            "session": session,
            "found": found,
            "query": query,
            "present": present,
            "confirmed": confirmed,
            "paper_url": self._page_url("events_event_paper", event, session),
        }
        return TemplateResponse(request, "admin/events/event/checkin.html", context)

    def paper_view(self, request, object_id):
        event = self._event(request, object_id, write=True)
        sessions, session = self._session(request, event)
        if session is None:
            raise Http404
        participants = list(
            Registration.objects.filter(event=event, status=RegistrationStatus.CONFIRMED).order_by("name", "pk")
        )
        present = set(Attendance.objects.filter(session=session).values_list("registration_id", flat=True))
        if request.method == "POST":
            ticked = {int(pk) for pk in request.POST.getlist("hadir") if pk.isdigit()}
            added = removed = 0
            for registration in participants:
                if registration.pk in ticked and registration.pk not in present:
                    check_in(session=session, registration=registration, actor=request.user, method=CheckInMethod.PAPER)
                    added += 1
                elif registration.pk not in ticked and registration.pk in present:
                    removed += check_out(session=session, registration=registration, actor=request.user)
            messages.success(
                request,
                _("Daftar hadir disimpan: %(added)s ditambah, %(removed)s dihapus.")
                % {"added": added, "removed": removed},
            )
            return HttpResponseRedirect(self._page_url("events_event_paper", event, session))
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": _("Daftar hadir dari kertas: %(event)s") % {"event": event.title},
            "event": event,
            "sessions": sessions,
            "session": session,
            "rows": [(registration, registration.pk in present) for registration in participants],
            "checkin_url": self._page_url("events_event_checkin", event, session),
        }
        return TemplateResponse(request, "admin/events/event/paper.html", context)

    def photo_view(self, request, object_id, photo_id):
        """A documentation photo (or its thumbnail with ?kecil=1), for staff who may see the event."""
        event = self._event(request, object_id, write=False)
        photo = EventPhoto.objects.filter(event=event, pk=photo_id).first()
        if photo is None:
            raise Http404
        field = photo.photo_thumbnail if request.GET.get("kecil") else photo.photo
        if not field or not field.storage.exists(field.name):
            raise Http404
        response = FileResponse(field.open("rb"), content_type="image/jpeg")
        response["Cache-Control"] = "private, max-age=3600"
        return response

    def certificates_view(self, request, object_id):
        event = self._event(request, object_id, write=request.method == "POST")
        if request.method == "POST":
            try:
                issued = certificates_issue(event, actor=request.user)
            except ValidationError as error:
                messages.error(request, " ".join(error.messages))
            else:
                messages.success(request, _("%(n)s sertifikat diterbitkan.") % {"n": issued})
            return HttpResponseRedirect(reverse("admin:events_event_certificates", args=[event.pk]))
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": _("Sertifikat peserta: %(event)s") % {"event": event.title},
            "event": event,
            "needed": sessions_needed(event),
            "sessions_total": event.sessions.count(),
            "eligible": list(eligible(event)),
            "can_issue": user_may(request.user, CHANGE, event),
        }
        return TemplateResponse(request, "admin/events/event/certificates.html", context)
