"""The owner's side of the public site: their private page (/usaha-saya/<secret>/) and asking for the link again.

The page is reached only by its secret: it is never cached, never indexed, and sends no Referer to other sites.
What it shows depends on the business's status: the review under way; the note of a return with the form to
correct and resubmit; the published record with the form to propose changes (reviewed by staff before the public
page changes); a rejection with its reason.
"""

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import OperationalError
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.cache import patch_cache_control
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from businesses.choices import BusinessStatus, ProposalStatus
from businesses.forms import SelfRegistrationForm
from businesses.links import Platform, display_name, whatsapp_url
from businesses.models import BusinessLink
from businesses.owner_forms import LinkRequestForm, ProposalForm
from businesses.services.owner_link import holder_of, owner_by_secret, owner_link_request
from businesses.services.proposals import (
    PROPOSABLE_STATUSES,
    current_values,
    open_proposal,
    proposal_holder,
    proposal_rows,
    proposal_step,
    proposal_submit,
)
from businesses.services.registration import registration_correct, registration_values
from ikm_registry.models import Office, TransitionLog
from ikm_registry.ratelimits import limit_exceeded, too_many_requests

MESSAGE_KEY = "owner_page_message"


def _private(response):
    patch_cache_control(response, private=True, no_store=True)
    response["Referrer-Policy"] = "same-origin"
    response["X-Robots-Tag"] = "noindex, nofollow"
    return response


def _errors_into(form, error: ValidationError) -> None:
    if not hasattr(error, "error_dict"):
        form.add_error(None, error.messages)
        return
    for field, messages in error.message_dict.items():
        if field == "links":
            field = None
        form.add_error(field if field in form.fields else None, messages)


def _timeline(business) -> list:
    """The steps of the record the owner may read: when, what, and the note of a return or a rejection."""
    steps = TransitionLog.objects.for_object(business).order_by("at", "pk")
    return [
        {
            "at": step.at,
            "state": BusinessStatus(step.to_state).label if step.to_state in BusinessStatus.values else step.to_state,
            "note": step.note if step.to_state in (BusinessStatus.RETURNED, BusinessStatus.REJECTED) else "",
        }
        for step in steps
    ]


@require_http_methods(["GET", "POST"])
def owner_page(request, secret: str):
    owner = owner_by_secret(secret)
    if owner is None:
        raise Http404(_("Tautan ini tidak dikenal atau sudah diganti dengan tautan baru."))
    business = owner.business
    correction = proposal_form = None
    proposal = open_proposal(business) if business.status in PROPOSABLE_STATUSES else None
    status = 200
    kbli_search = SelfRegistrationForm.is_kbli_search(request) and request.POST.get("action") == "correct"
    if business.status == BusinessStatus.RETURNED:
        if kbli_search:  # "Cari KBLI" without JavaScript: the form again as typed, with the codes found
            correction = SelfRegistrationForm(initial=request.POST.dict(), kecamatan=business.village.parent)
        elif request.method == "POST":
            correction = SelfRegistrationForm(request.POST, kecamatan=business.village.parent)
        else:
            correction = SelfRegistrationForm(initial=registration_values(business), kecamatan=business.village.parent)
            correction.add_link_fields([[link.platform, link.url] for link in business.links.all()])
    elif business.status in PROPOSABLE_STATUSES:
        current = current_values(business)
        if proposal is not None:
            current = {**current, **proposal.changes}
        proposal_form = ProposalForm(request.POST or None, request.FILES or None, current=current)
    if request.method == "POST" and not kbli_search:
        if limit_exceeded(request, group="owner-page", rate=settings.REGISTRATION_RATE):
            return _private(too_many_requests(request))
        action = request.POST.get("action", "")
        try:
            if action == "correct" and correction is not None and correction.is_valid():
                values = correction.service_arguments()
                registration_correct(business=business, holder=holder_of(business), **values)
                request.session[MESSAGE_KEY] = _("Perbaikan terkirim; pendaftaran Anda kembali ke antrean pemeriksaan.")
                return _private(redirect(request.path))
            if action == "propose" and proposal_form is not None and proposal_form.is_valid():
                proposal_submit(
                    business=business, values=proposal_form.values(), photos=proposal_form.cleaned_data["photos"]
                )
                request.session[MESSAGE_KEY] = _(
                    "Usulan perubahan terkirim. Halaman publik berubah setelah petugas Dinas menyetujuinya."
                )
                return _private(redirect(request.path))
            if action == "withdraw" and proposal is not None:
                step = "withdraw" if proposal.status == ProposalStatus.SUBMITTED else "withdraw_returned"
                proposal_step(proposal, step, proposal_holder(proposal))
                request.session[MESSAGE_KEY] = _("Usulan perubahan ditarik; data usaha Anda tidak berubah.")
                return _private(redirect(request.path))
        except ValidationError as error:
            _errors_into(correction if action == "correct" else proposal_form, error)
            status = 400
        except PermissionDenied:
            request.session[MESSAGE_KEY] = _("Langkah ini tidak dapat diambil lagi; muat ulang halaman.")
            return _private(redirect(request.path))
        except OperationalError:
            form = correction if action == "correct" else proposal_form
            if form is not None:
                form.add_error(None, _("Server sedang sibuk dan data Anda belum tersimpan. Kirim ulang sebentar lagi."))
            status = 503
        else:
            status = 400
    proposal_note = ""
    if proposal is not None and proposal.status == ProposalStatus.RETURNED:
        last = TransitionLog.objects.for_object(proposal).filter(to_state=ProposalStatus.RETURNED).order_by("-at")
        proposal_note = last.values_list("note", flat=True).first() or ""
    decided = None
    if business.status in PROPOSABLE_STATUSES and proposal is None:
        decided = business.change_proposals.exclude(status=ProposalStatus.WITHDRAWN).first()
    links = [
        {"label": Platform(link.platform).label, "url": link.url, "name": display_name(link.platform, link.url)}
        for link in BusinessLink.objects.filter(business=business)
    ]
    return _private(
        render(
            request,
            "businesses/owner_page.html",
            {
                "business": business,
                "owner": owner,
                "links": links,
                "timeline": _timeline(business),
                "office": Office.objects.covering(business.village_id),
                "correction": correction,
                "proposal_form": proposal_form,
                "proposal": proposal,
                "proposal_rows": proposal_rows(proposal) if proposal else [],
                "proposal_note": proposal_note,
                "decided": decided,
                "whatsapp": whatsapp_url(owner.phone),
                "message": request.session.pop(MESSAGE_KEY, ""),
            },
            status=status,
        )
    )


@require_http_methods(["GET", "POST"])
def owner_link_request_view(request):
    """Send my link again. The answer is the same whether or not anything matched (it tells nobody which businesses
    or contacts are on file); posts are limited per client address."""
    form = LinkRequestForm(request.POST or None, initial={"reference": request.GET.get("ikm", "")[:13]})
    if request.method == "POST":
        if limit_exceeded(request, group="owner-link", rate=settings.OWNER_LINK_RATE):
            return _private(too_many_requests(request))
        if form.is_valid():
            owner_link_request(
                reference=form.cleaned_data["reference"],
                contact=form.cleaned_data["contact"],
                absolute_url=request.build_absolute_uri,
            )
            request.session[MESSAGE_KEY] = "sent"
            return _private(redirect(request.path))
    sent = request.session.pop(MESSAGE_KEY, "") == "sent"
    return _private(render(request, "businesses/owner_link_request.html", {"form": form, "sent": sent}))
