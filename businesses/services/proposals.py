"""Changes the owner of a verified or published business proposes (usulan perubahan), reviewed by staff.

DESIGN §4: "edits by the owner to a published business come back for review; the public page keeps the last
approved version". The owner proposes through their private link (businesses.services.owner_link); the proposal
holds only what differs from the record, and the record is untouched until staff approve. Approving applies the
changes to the business, its owner, links and products in one transaction, attributed to the approving staff
member; a change that no longer validates (a name another business took meanwhile, say) is refused and nothing is
written.

Workflow (the core engine): submitted → approved | returned (note) | rejected (reason); returned → submitted (the
owner corrects); submitted/returned → withdrawn (the owner).
"""

from __future__ import annotations

from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from businesses.choices import BusinessStatus, ProposalStatus
from businesses.links import MAX_LINKS, Platform, display_name, link_url
from businesses.models import (
    MAX_PROPOSED_PHOTOS,
    Business,
    BusinessLink,
    ChangeProposal,
    Owner,
    Product,
    ProposedPhoto,
)
from businesses.services.owner_notices import proposal_step_notice
from ikm_registry.history import attributed
from ikm_registry.personal_data import consent_given
from ikm_registry.scoping import LinkHolder
from ikm_registry.workflow import Transition, Workflow

P = ProposalStatus
HOLDER_LABEL = "pemilik (tautan pribadi)"
APPROVED_NOTE = "Usulan perubahan dari pemilik disetujui"
# The statuses of a business whose owner proposes changes instead of editing it.
PROPOSABLE_STATUSES = (BusinessStatus.VERIFIED, BusinessStatus.PUBLISHED)
OPEN_STATUSES = (P.SUBMITTED, P.RETURNED)


@dataclass(frozen=True)
class ProposedField:
    key: str
    label: object  # lazy


# What an owner may propose, in the order staff read them. Everything else (place, KBLI, NIB, figures) is asked of
# the office, which checks it against documents.
FIELDS = (
    ProposedField("name", gettext_lazy("Nama usaha")),
    ProposedField("main_product", gettext_lazy("Produk utama")),
    ProposedField("owner_phone", gettext_lazy("Telepon/WhatsApp pemilik")),
    ProposedField("publish_phone", gettext_lazy("Telepon ditampilkan di direktori")),
    ProposedField("owner_email", gettext_lazy("E-mail pemilik")),
    ProposedField("publish_email", gettext_lazy("E-mail ditampilkan di direktori")),
    ProposedField("links", gettext_lazy("Toko online dan media sosial")),
)
FIELD_KEYS = tuple(f.key for f in FIELDS)

PROPOSAL_WORKFLOW = Workflow(
    ChangeProposal,
    field="status",
    region=lambda proposal: proposal.business.village_id,
    transitions=(
        Transition(
            "approve",
            P.SUBMITTED,
            P.APPROVED,
            gettext_lazy("Setujui"),
            gettext_lazy("Terapkan perubahan ini ke data IKM; halaman publik berubah sekarang."),
        ),
        Transition(
            "return",
            P.SUBMITTED,
            P.RETURNED,
            gettext_lazy("Kembalikan"),
            gettext_lazy("Kembalikan ke pemilik untuk diperbaiki; tulis apa yang harus diperbaiki."),
            note_required=True,
        ),
        Transition(
            "reject",
            P.SUBMITTED,
            P.REJECTED,
            gettext_lazy("Tolak"),
            gettext_lazy("Tolak usulan ini; data IKM tidak berubah. Tulis alasannya."),
            note_required=True,
        ),
        Transition(
            "resubmit",
            P.RETURNED,
            P.SUBMITTED,
            gettext_lazy("Ajukan ulang"),
            gettext_lazy("Ajukan kembali setelah diperbaiki."),
            holder=True,
        ),
        Transition(
            "withdraw",
            P.SUBMITTED,
            P.WITHDRAWN,
            gettext_lazy("Tarik usulan"),
            gettext_lazy("Batalkan usulan ini; data IKM tidak berubah."),
            holder=True,
        ),
        Transition(
            "withdraw_returned",
            P.RETURNED,
            P.WITHDRAWN,
            gettext_lazy("Tarik usulan"),
            gettext_lazy("Batalkan usulan ini; data IKM tidak berubah."),
            holder=True,
        ),
    ),
    after=proposal_step_notice,
).register()


def current_values(business: Business) -> dict:
    """The proposable values of `business` as they are now (JSON-ready)."""
    owner = Owner.objects.filter(business=business).first()
    today = timezone.localdate()
    return {
        "name": business.name,
        "main_product": business.main_product,
        "owner_phone": owner.phone if owner else "",
        "publish_phone": bool(owner and owner.phone and consent_given(owner.phone_public_since, today)),
        "owner_email": owner.email if owner else "",
        "publish_email": bool(owner and owner.email and consent_given(owner.email_public_since, today)),
        "links": [[link.platform, link.url] for link in business.links.order_by("platform", "pk")],
    }


def clean_links(rows) -> list[list[str]]:
    """(platform, value) rows → canonical [platform, url] pairs, empty rows dropped, duplicates once; errors keyed
    `links` naming the row."""
    links: list[list[str]] = []
    errors = []
    for number, (platform, value) in enumerate(rows, start=1):
        if not platform and not (value or "").strip():
            continue
        try:
            url = link_url(platform, value)
        except ValidationError as error:
            errors.append(_("Tautan %(n)s: %(reason)s") % {"n": number, "reason": " ".join(error.messages)})
            continue
        if [platform, url] not in links:
            links.append([platform, url])
    if len(links) > MAX_LINKS:
        errors.append(_("Paling banyak %(n)s tautan.") % {"n": MAX_LINKS})
    if errors:
        raise ValidationError({"links": errors})
    return links


def _validated_changes(business: Business, values: dict) -> dict:
    """The keys of `values` that differ from the record, checked by the model rules; ValidationError keyed by the
    proposal's field names."""
    before = current_values(business)
    changes = {key: values[key] for key in FIELD_KEYS if key in values and values[key] != before[key]}
    errors: dict[str, list] = {}
    probe = Business(
        pk=business.pk,
        name=changes.get("name", business.name),
        main_product=changes.get("main_product", business.main_product),
    )
    try:
        probe.clean_fields(exclude=[f.name for f in Business._meta.fields if f.name not in ("name", "main_product")])
    except ValidationError as error:
        for field, messages in error.message_dict.items():
            errors.setdefault(field, []).extend(messages)
    owner_probe = Owner(phone=changes.get("owner_phone", before["owner_phone"]))
    owner_probe.email = changes.get("owner_email", before["owner_email"])
    try:
        owner_probe.clean_fields(exclude=[f.name for f in Owner._meta.fields if f.name not in ("phone", "email")])
    except ValidationError as error:
        for field, messages in error.message_dict.items():
            errors.setdefault(f"owner_{field}", []).extend(messages)
    if not owner_probe.phone and not owner_probe.email:
        errors.setdefault("owner_phone", []).append(_("Isi nomor telepon atau e-mail agar Dinas dapat menghubungi."))
    if errors:
        raise ValidationError(errors)
    return changes


def _check_photos(photos) -> None:
    if len(photos) > MAX_PROPOSED_PHOTOS:
        raise ValidationError({"photos": _("Paling banyak %(n)s foto sekaligus.") % {"n": MAX_PROPOSED_PHOTOS}})
    for name, _file in photos:
        if not (name or "").strip():
            raise ValidationError({"photos": _("Tulis nama produk untuk setiap foto.")})


def proposal_holder(proposal: ChangeProposal) -> LinkHolder:
    """The owner, acting on their proposal through the business's private link."""
    return LinkHolder(proposal, label=HOLDER_LABEL)


def open_proposal(business: Business) -> ChangeProposal | None:
    return business.change_proposals.filter(status__in=OPEN_STATUSES).first()


@transaction.atomic
def proposal_submit(*, business: Business, values: dict, photos=()) -> ChangeProposal:
    """The owner proposes `values` (FIELD_KEYS; `links` as canonical pairs from clean_links) and product `photos`
    ((name, uploaded file) pairs, at most MAX_PROPOSED_PHOTOS). Updates the open proposal when there is one (and
    resubmits it when it was returned); ValidationError when nothing differs or a value is invalid."""
    business = Business.objects.select_for_update().get(pk=business.pk)
    if business.status not in PROPOSABLE_STATUSES:
        raise ValidationError(_("Perubahan diusulkan setelah IKM diverifikasi; sebelumnya perbaiki pendaftaran Anda."))
    changes = _validated_changes(business, values)
    photos = list(photos)
    _check_photos(photos)
    proposal = open_proposal(business)
    kept_photos = proposal.photos.count() if proposal else 0
    if kept_photos + len(photos) > MAX_PROPOSED_PHOTOS:
        raise ValidationError({"photos": _("Paling banyak %(n)s foto sekaligus.") % {"n": MAX_PROPOSED_PHOTOS}})
    if not changes and not photos and not kept_photos:
        raise ValidationError(_("Tidak ada yang berubah dari data yang sudah terbit."))
    with attributed(None, HOLDER_LABEL):
        if proposal is None:
            now = current_values(business)
            proposal = ChangeProposal(business=business, changes=changes, before={k: now[k] for k in changes})
            try:
                with transaction.atomic():
                    PROPOSAL_WORKFLOW.create(proposal, P.SUBMITTED, actor=HOLDER_LABEL)
            except IntegrityError as error:  # another tab of the owner's opened one at the same moment
                raise ValidationError(_("Usulan lain sedang diproses; muat ulang halaman ini.")) from error
        else:
            proposal = ChangeProposal.objects.select_for_update().get(pk=proposal.pk)
            proposal.changes = changes
            now = current_values(business)
            proposal.before = {key: now[key] for key in changes}
            proposal.save(update_fields=["changes", "before", "updated_at"])
            if proposal.status == P.RETURNED:
                proposal = PROPOSAL_WORKFLOW.perform(proposal, "resubmit", proposal_holder(proposal))
        for name, file in photos:
            ProposedPhoto(proposal=proposal, name=name.strip(), photo=file).save()
    return proposal


@transaction.atomic
def proposal_approve(*, proposal: ChangeProposal, actor) -> ChangeProposal:
    """Approve and apply: the business, owner, links and products change now, in history as `actor`'s."""
    proposal = PROPOSAL_WORKFLOW.perform(proposal, "approve", actor)
    business = Business.objects.select_for_update().get(pk=proposal.business_id)
    changes = proposal.changes
    with attributed(actor, APPROVED_NOTE):
        if "name" in changes or "main_product" in changes:
            business.name = changes.get("name", business.name)
            business.main_product = changes.get("main_product", business.main_product)
            business.full_clean()
            business.save()
        owner_keys = {"owner_phone", "owner_email", "publish_phone", "publish_email"}
        if owner_keys & changes.keys():
            _apply_owner(business, changes)
        if "links" in changes:
            business.links.all().delete()
            for platform, url in changes["links"]:
                link = BusinessLink(business=business, platform=platform, url=url)
                link.full_clean()
                link.save()
        for photo in proposal.photos.all():
            product = Product(business=business, name=photo.name)
            with photo.photo.open("rb") as source:
                product.photo.save(photo.photo.name.rsplit("/", 1)[-1], ContentFile(source.read()), save=False)
            product.full_clean()
            product.save()
    return proposal


def _apply_owner(business: Business, changes: dict) -> None:
    owner = Owner.objects.select_for_update().get(business=business)
    today = timezone.localdate()
    owner.phone = changes.get("owner_phone", owner.phone)
    owner.email = changes.get("owner_email", owner.email)
    for channel in ("phone", "email"):
        wanted = changes.get(f"publish_{channel}")
        since_field = f"{channel}_public_since"
        if not getattr(owner, channel):
            setattr(owner, since_field, None)
        elif wanted is True and not consent_given(getattr(owner, since_field), today):
            setattr(owner, since_field, today)
        elif wanted is False:
            setattr(owner, since_field, None)
    owner.full_clean(exclude=["business"])
    owner.save()


def proposal_step(proposal: ChangeProposal, action: str, actor, *, note: str = "") -> ChangeProposal:
    """Any step of the proposal's workflow: approving applies the changes (proposal_approve)."""
    if action == "approve":
        return proposal_approve(proposal=proposal, actor=actor)
    return PROPOSAL_WORKFLOW.perform(proposal, action, actor, note=note)


def proposal_rows(proposal: ChangeProposal, access=None) -> list[dict]:
    """What staff compare: per proposed field its label, the value when proposed, the value now and the proposed
    one, with `stale` when the record changed since the owner proposed. `access` (personal_data.PersonalDataAccess)
    masks the owner's phone and e-mail for a user who may not read them whole; the owner's own page passes none."""
    now = current_values(proposal.business)
    rows = []
    for field in FIELDS:
        if field.key not in proposal.changes:
            continue
        rows.append(
            {
                "label": field.label,
                "before": _shown(field.key, proposal.before.get(field.key), access),
                "now": _shown(field.key, now.get(field.key), access),
                "new": _shown(field.key, proposal.changes[field.key], access),
                "stale": proposal.status in OPEN_STATUSES and now.get(field.key) != proposal.before.get(field.key),
            }
        )
    return rows


def _shown(key: str, value, access=None) -> str:
    if key in ("owner_phone", "owner_email") and access is not None:
        return access.display(key.removeprefix("owner_"), value)
    if key.startswith("publish_"):
        return _("ya") if value else _("tidak")
    if key == "links":
        return (
            "\n".join(f"{Platform(platform).label}: {display_name(platform, url)}" for platform, url in value or [])
            or "—"
        )
    return value or "—"
