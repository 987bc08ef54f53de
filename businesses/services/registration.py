"""Self-registration ("Daftarkan usaha"): a pelaku IKM registers their own business on the public site."""

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from businesses.choices import BusinessStatus
from businesses.models import Business, BusinessLink, Owner
from businesses.services.duplicates import business_duplicates, business_match_key
from businesses.services.owner_link import new_link_secret
from businesses.services.workflow import BUSINESS_WORKFLOW
from ikm_registry.choices import KbliLevel, RegionLevel
from ikm_registry.history import attributed
from ikm_registry.locks import lock_names
from ikm_registry.models import Kbli, Region

SELF_REGISTRATION_NOTE = "Pendaftaran mandiri melalui situs publik"

# Business fields the form may set, and the owner fields under their form names (owner_<field>).
BUSINESS_FIELDS = (
    "name",
    "legal_form",
    "nib",
    "address",
    "village",
    "kbli",
    "subsector",
    "main_product",
    "year_founded",
)
OWNER_FIELDS = ("name", "nik", "sex", "phone", "email")


def business_register_public(
    *,
    name: str,
    village: Region,
    kbli: Kbli,
    main_product: str,
    owner_name: str,
    owner_sex: str,
    owner_phone: str,
    legal_form: str = "",
    nib: str = "",
    address: str = "",
    subsector=None,
    year_founded: int | None = None,
    links=(),
    owner_nik: str = "",
    owner_email: str = "",
    publish_phone: bool = False,
    publish_email: bool = False,
) -> Business:
    """Create a `submitted` business with its owner, in the review queue of the office covering its desa.

    `links` are canonical (platform, url) pairs (businesses.services.proposals.clean_links). The owner's private
    link (businesses.services.owner_link) is made with the record and sent to the e-mail given, by the caller.
    The owner's consent to show their phone or e-mail in the directory is recorded from today (it takes effect
    once staff publish the business). Errors are raised as one ValidationError keyed by the keyword names above,
    and nothing is written: a bad field, a desa or KBLI of the wrong level, or a business already registered
    (same NIB, or same name, owner and desa; checked and written under a lock, so simultaneous identical
    registrations write one business).
    """
    today = timezone.localdate()
    business = Business(
        name=name,
        legal_form=legal_form or Business._meta.get_field("legal_form").default,
        nib=nib,
        address=address,
        village=village,
        kbli=kbli,
        subsector=subsector,
        main_product=main_product,
        year_founded=year_founded,
    )
    # It arrives in the review queue; the engine writes the state and, with the record, its first log entry.
    BUSINESS_WORKFLOW.initial(business, BusinessStatus.SUBMITTED)
    owner = Owner(
        business=business,
        name=owner_name,
        nik=owner_nik,
        sex=owner_sex,
        phone=owner_phone,
        email=owner_email,
        phone_public_since=today if publish_phone and owner_phone else None,
        email_public_since=today if publish_email and owner_email else None,
    )
    already_registered = ValidationError(
        {
            "nib" if nib.strip() else "name": _(
                "Usaha ini sudah terdaftar. Hubungi Dinas untuk memperbarui datanya, jangan mendaftar dua kali."
            )
        }
    )
    # Checked first (the clearest message for the common case), and again under a lock before writing.
    if village is not None and _duplicates(business, owner_name, village, nib.strip()).exists():
        raise already_registered
    errors: dict[str, list] = {}
    if village is not None and village.level != RegionLevel.VILLAGE:
        errors["village"] = [_("Pilih desa/kelurahan.")]
    if kbli is not None and kbli.level != KbliLevel.SUBCLASS:
        errors["kbli"] = [_("Pilih KBLI 5 angka.")]
    _collect_model_errors(business, owner, errors)
    if errors:
        raise ValidationError(errors)
    try:
        with transaction.atomic(), attributed(None, SELF_REGISTRATION_NOTE):
            # The check and the insert under one lock per duplicate key: of simultaneous identical registrations
            # (a double click, a retrying phone) one is written and the others see it.
            key = business_match_key(business.name, owner.name, village.code)
            lock_names("business-name:" + "|".join(key), *(["business-nib:" + business.nib] if business.nib else []))
            if _duplicates(business, owner.name, village, business.nib).exists():
                raise already_registered
            BUSINESS_WORKFLOW.create(business, BusinessStatus.SUBMITTED, actor=None, note=SELF_REGISTRATION_NOTE)
            owner.business = business
            owner.link_secret = new_link_secret()
            owner.save()
            for platform, url in links:
                BusinessLink.objects.create(business=business, platform=platform, url=url)
    except IntegrityError as error:  # the NIB's unique constraint, should a writer bypass the lock
        raise already_registered from error
    return business


def _collect_model_errors(business: Business, owner: Owner, errors: dict[str, list]) -> None:
    """The model rules of a business and its owner, into `errors` under the form's names (owner_<field>)."""
    for obj, exclude, prefix in ((business, ["status"], ""), (owner, ["business"], "owner_")):
        try:
            obj.full_clean(exclude=exclude)
        except ValidationError as error:
            for field, messages in error.message_dict.items():
                errors.setdefault(field if field == "__all__" else f"{prefix}{field}", []).extend(messages)


def _duplicates(business: Business, owner_name: str, village: Region, nib: str):
    return business_duplicates(name=business.name, owner_name=owner_name, village_id=village.code, nib=nib)


def registration_values(business: Business) -> dict:
    """The self-registration form's initial values for `business` (its owner correcting a returned record)."""
    owner = Owner.objects.filter(business=business).first()
    values = {field: getattr(business, field) for field in BUSINESS_FIELDS}
    values["village"] = business.village_id
    values["kbli"] = business.kbli_id
    values["subsector"] = business.subsector_id
    if owner is not None:
        # The NIK on file is never written into the page (a forwarded link must not show it); empty keeps it.
        values.update({f"owner_{field}": getattr(owner, field) for field in OWNER_FIELDS if field != "nik"})
        values["publish_phone"] = owner.phone_public_since is not None
        values["publish_email"] = owner.email_public_since is not None
    return values


@transaction.atomic
def registration_correct(*, business: Business, holder, links=(), **values) -> Business:
    """The owner corrects their returned registration through their private link and sends it back for review
    (returned → submitted). `values` are the self-registration form's (business_register_public's keywords);
    ValidationError keyed by them, and nothing is written, when a value is invalid or the record is no longer
    returned (staff acted meanwhile)."""
    business = Business.objects.select_for_update().get(pk=business.pk)
    if business.status != BusinessStatus.RETURNED:
        raise ValidationError(_("Pendaftaran ini sedang diperiksa atau sudah diputuskan; muat ulang halaman ini."))
    owner = Owner.objects.select_for_update().get(business=business)
    today = timezone.localdate()
    for field in BUSINESS_FIELDS:
        if field in values:
            value = values[field]
            setattr(business, field, "" if value is None and field not in ("subsector", "year_founded") else value)
    if not business.legal_form:
        business.legal_form = Business._meta.get_field("legal_form").default
    for field in OWNER_FIELDS:
        if f"owner_{field}" in values:
            value = values[f"owner_{field}"] or ""
            if field == "nik" and not value:
                continue  # the form does not show the NIK on file: empty keeps it
            setattr(owner, field, value)
    for channel in ("phone", "email"):
        wanted = values.get(f"publish_{channel}", False) and getattr(owner, channel)
        since = getattr(owner, f"{channel}_public_since")
        setattr(owner, f"{channel}_public_since", (since or today) if wanted else None)
    errors: dict[str, list] = {}
    _collect_model_errors(business, owner, errors)
    if errors:
        raise ValidationError(errors)
    with attributed(None, holder.label):
        business.save()
        owner.save()
        business.links.all().delete()
        for platform, url in links:
            BusinessLink.objects.create(business=business, platform=platform, url=url)
        return BUSINESS_WORKFLOW.perform(business, "resubmit", holder)
