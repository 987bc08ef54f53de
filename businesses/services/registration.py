"""Self-registration ("Daftarkan usaha"): a pelaku IKM registers their own business on the public site."""

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from businesses.choices import BusinessStatus
from businesses.models import Business, Owner
from businesses.services.duplicates import business_duplicates, business_match_key
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
    "online_channels",
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
    online_channels: str = "",
    owner_nik: str = "",
    owner_email: str = "",
    publish_phone: bool = False,
    publish_email: bool = False,
) -> Business:
    """Create a `submitted` business with its owner, in the review queue of the office covering its desa.

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
        online_channels=online_channels,
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
    try:
        business.full_clean(exclude=["status"])
    except ValidationError as error:
        for field, messages in error.message_dict.items():
            errors.setdefault(field, []).extend(messages)
    try:
        owner.full_clean(exclude=["business"])
    except ValidationError as error:
        for field, messages in error.message_dict.items():
            key = field if field == "__all__" else f"owner_{field}"
            errors.setdefault(key, []).extend(messages)
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
            owner.save()
    except IntegrityError as error:  # the NIB's unique constraint, should a writer bypass the lock
        raise already_registered from error
    return business


def _duplicates(business: Business, owner_name: str, village: Region, nib: str):
    return business_duplicates(name=business.name, owner_name=owner_name, village_id=village.code, nib=nib)
