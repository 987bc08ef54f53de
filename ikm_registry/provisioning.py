"""Provisioning offices and staff accounts for scripted deployments (`create_office`, `create_staff`).

Both are idempotent: running them again with the same arguments changes nothing, and with other
arguments updates the existing office or account in place.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from ikm_registry.choices import StaffRole
from ikm_registry.models import Office, Region, StaffMembership

CREATED, UPDATED, UNCHANGED = "created", "updated", "unchanged"


@dataclass
class Provisioned:
    obj: object
    outcome: str  # CREATED, UPDATED or UNCHANGED


def _apply(obj, values: dict) -> bool:
    """Set the given attributes; return whether any differed."""
    changed = False
    for field, value in values.items():
        if getattr(obj, field) != value:
            setattr(obj, field, value)
            changed = True
    return changed


@transaction.atomic
def office_provision(*, region_code: str, name: str, **letterhead) -> Provisioned:
    """Create the office `name` for a province or regency/city, or update its letterhead fields."""
    region = Region.objects.filter(code=region_code).first()
    if region is None:
        raise ValidationError(
            {"region": _("Wilayah %(code)s tidak ada; muat data wilayah dulu.") % {"code": region_code}}
        )
    office = Office.objects.filter(region=region, name=name).first()
    outcome = UNCHANGED
    if office is None:
        office, outcome = Office(region=region, name=name), CREATED
    values = {field: value for field, value in letterhead.items() if value is not None}
    if _apply(office, values) and outcome != CREATED:
        outcome = UPDATED
    if outcome != UNCHANGED:
        office.full_clean()
        office._change_reason = "create_office"
        office.save()
    return Provisioned(office, outcome)


def office_for_region(*, region_code: str, name: str | None = None) -> Office:
    """The office of a region (by name when the region has several)."""
    offices = Office.objects.filter(region_id=region_code)
    if name:
        offices = offices.filter(name=name)
    found = list(offices[:2])
    if not found:
        raise ValidationError({"office": _("Tidak ada kantor untuk wilayah %(code)s.") % {"code": region_code}})
    if len(found) > 1:
        raise ValidationError(
            {"office": _("Wilayah %(code)s punya lebih dari satu kantor; sebutkan namanya.") % {"code": region_code}}
        )
    return found[0]


@transaction.atomic
def staff_provision(
    *,
    username: str,
    office: Office,
    role: str,
    email: str | None = None,
    first_name: str | None = None,
    last_name: str | None = None,
    password: str | None = None,
) -> Provisioned:
    """Create or update a staff account (is_staff) and its membership of `office` with `role`.

    A new account without a password gets an unusable one: set it with `manage.py changepassword`.
    An existing password is replaced only when a new one is given.
    """
    if role not in StaffRole.values:
        raise ValidationError(
            {
                "role": _("Peran %(role)s tidak dikenal; pilih %(roles)s.")
                % {"role": role, "roles": ", ".join(StaffRole.values)}
            }
        )
    User = get_user_model()
    user = User.objects.filter(username=username).first()
    outcome = UNCHANGED
    if user is None:
        user, outcome = User(username=username), CREATED
        if password is None:
            user.set_unusable_password()
    values = {"is_staff": True, "is_active": True, "email": email, "first_name": first_name, "last_name": last_name}
    if _apply(user, {field: value for field, value in values.items() if value is not None}) and outcome != CREATED:
        outcome = UPDATED
    if password is not None and not user.check_password(password):
        user.set_password(password)
        outcome = outcome if outcome == CREATED else UPDATED
    if outcome != UNCHANGED:
        user.full_clean(exclude=["password"])
        user.save()

    membership = StaffMembership.objects.filter(user=user).first() if user.pk else None
    if membership is None:
        membership = StaffMembership(user=user, office=office, role=role)
        changed = True
    else:
        changed = _apply(membership, {"office": office, "role": role})
    if changed:
        membership.full_clean()
        membership._change_reason = "create_staff"
        membership.save()
        outcome = outcome if outcome == CREATED else UPDATED
    return Provisioned(user, outcome)
