"""Finding a business that is already registered."""

from businesses.models import Business
from ikm_registry.text import comparable


def business_duplicates(*, name: str, owner_name: str, village_id: str, nib: str = "", exclude_pk=None):
    """Businesses that look like the same IKM: the same NIB, or else the same name, owner name and desa.

    Names compare without case, extra spaces, differences of Unicode form or invisible characters
    (ikm_registry.text.comparable): a zero-width space or a right-to-left override does not make a new business.
    """
    if nib:
        candidates = Business.objects.filter(nib=comparable(nib))
    else:
        candidates = Business.objects.filter(
            name__iexact=comparable(name),
            owner__name__iexact=comparable(owner_name),
            village_id=village_id,
        )
    if exclude_pk is not None:
        candidates = candidates.exclude(pk=exclude_pk)
    return candidates
