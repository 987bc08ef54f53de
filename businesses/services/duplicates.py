"""Finding a business that is already registered: one rule for self-registration, the admin and the import."""

from businesses.models import Business
from ikm_registry.text import comparable


def business_match_key(name: str, owner_name: str, village_id: str) -> tuple[str, str, str]:
    """Name + owner + desa as duplicate matching compares them: without case (casefold, which knows "É" from "é"
    on every database), extra spaces, differences of Unicode form or invisible characters
    (ikm_registry.text.comparable), on both sides: a zero-width space in a stored name does not hide it either."""
    return comparable(name).casefold(), comparable(owner_name).casefold(), village_id


def business_duplicates(*, name: str, owner_name: str, village_id: str, nib: str = "", exclude_pk=None):
    """Businesses that look like the same IKM: the same NIB, or else the same name, owner name and desa
    (business_match_key).

    The database narrows by NIB or by desa, and the names are compared here, in Python: a database compares text
    its own way (SQLite's case-insensitive match knows only ASCII letters, and neither drops invisible characters
    from the stored side). A desa holds at most a few hundred businesses; the import, which matches thousands of
    rows, loads them per desa in bulk and compares the same key.
    """
    if nib:
        candidates = Business.objects.filter(nib=comparable(nib))
        if exclude_pk is not None:
            candidates = candidates.exclude(pk=exclude_pk)
        return candidates
    wanted = business_match_key(name, owner_name, village_id)
    in_village = Business.objects.filter(village_id=village_id, owner__isnull=False)
    if exclude_pk is not None:
        in_village = in_village.exclude(pk=exclude_pk)
    matching = [
        pk
        for pk, stored_name, stored_owner in in_village.values_list("pk", "name", "owner__name")
        if business_match_key(stored_name, stored_owner, village_id) == wanted
    ]
    return Business.objects.filter(pk__in=matching).order_by("pk")
