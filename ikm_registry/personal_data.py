"""Personal data of the people in the registry (UU 27/2022 PDP): one rule, decided by the user's role, on every path.

Which fields are personal: a model names them in its `personal_fields` (an owner's NIK, phone, e-mail and home
address; a sentra officer's phone). What a role gets of them:

=================================================  ==========================  =========  ===================
role                                               on staff pages              search     exports
=================================================  ==========================  =========  ===================
operator, province staff, national staff,          shown                       yes        yes (logged)
superuser
official (Kepala Dinas, Kabid; read-only)          masked (NIK, phone,         no         no
                                                   e-mail), home address
                                                   hidden
anyone without a staff role                        no staff pages at all       no         no
=================================================  ==========================  =========  ===================

"On staff pages" covers the change forms, lists and the history pages (where a NIK is masked for everyone: a diff
never needs it whole). Public pages never show personal data except a contact channel the owner consented to
publish (businesses.selectors.business_public()); printed reports follow the same consent.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ikm_registry.choices import StaffRole

SHOW = "show"
MASK = "mask"
HIDE = "hide"
MASK_CHARACTER = "•"
EMPTY = "—"
HIDDEN = _("(disembunyikan)")
# How a personal field appears to a role that may not read it whole: masked (enough to tell two apart, not enough to
# use one) unless listed here.
RESTRICTED_TREATMENT = {"home_address": HIDE}
# Roles that read personal data whole (besides superusers): the staff who enter and correct it.
READING_ROLES = (StaffRole.OPERATOR, StaffRole.PROVINCE, StaffRole.NATIONAL)


def mask(value) -> str:
    """5103011234561114 → 5103••••••••1114; 081234567890 → 0812••••7890; short values become all dots."""
    text = str(value)
    if len(text) >= 12:
        return text[:4] + MASK_CHARACTER * (len(text) - 8) + text[-4:]
    return MASK_CHARACTER * len(text)


@dataclass(frozen=True)
class PersonalDataAccess:
    """What a user may do with personal fields: read them whole on screen, search by them, export them."""

    read: bool
    search: bool
    export: bool

    def treatment(self, field_name: str) -> str:
        if self.read:
            return SHOW
        return RESTRICTED_TREATMENT.get(field_name, MASK)

    def display(self, field_name: str, value) -> str:
        """`value` of personal field `field_name` as this user may see it."""
        if value is None or value == "":
            return EMPTY
        treatment = self.treatment(field_name)
        if treatment == SHOW:
            return str(value)
        if treatment == MASK:
            return mask(value)
        return str(HIDDEN)


FULL_ACCESS = PersonalDataAccess(read=True, search=True, export=True)
RESTRICTED_ACCESS = PersonalDataAccess(read=False, search=False, export=False)


def personal_data_access(user) -> PersonalDataAccess:
    """The rule for `user` (see the module docstring): its scope's, decided by the role of their office membership."""
    from ikm_registry.scoping import scope_for

    return scope_for(user).personal_data


def personal_fields(model) -> tuple[str, ...]:
    """The personal fields a model declares (`personal_fields = (...)`), none by default."""
    return tuple(getattr(model, "personal_fields", ()))


def personal_data_rows() -> int:
    """How many rows of the registry hold personal data: the rows of every model that declares personal fields (the
    owners of businesses, sentra officers, and whatever models other apps add). A backup's export-log row count."""
    from django.apps import apps

    return sum(model._default_manager.count() for model in apps.get_models() if personal_fields(model))


# --- consent to publish a contact channel -------------------------------------------------------------------------
# A person's phone or e-mail is published (public pages, printed reports) only from the day they agreed to publish
# that channel: a date field `<channel>_public_since` next to it (Owner.phone_public_since, email_public_since).


def consent_given(since, today=None) -> bool:
    """Whether a consent dated `since` (None: never given) holds on `today` (default: today): a date in the future is
    not consent yet."""
    if since is None:
        return False
    return since <= (today or timezone.localdate())


def consent_lookup(channel: str, today=None, prefix: str = "") -> dict:
    """The queryset filter of consent_given() for `channel` ("phone", "email"): {"<prefix><channel>_public_since__lte":
    today} (a missing date never matches)."""
    return {f"{prefix}{channel}_public_since__lte": today or timezone.localdate()}


def consented_value(obj, channel: str, today=None) -> str:
    """`obj`'s `channel` (phone, email) when it is filled in and its publication is consented to, else ""."""
    value = getattr(obj, channel) or ""
    return value if value and consent_given(getattr(obj, f"{channel}_public_since"), today) else ""
