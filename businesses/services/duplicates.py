"""Finding a business that is already registered."""

from businesses.models import Business, whitespace_collapsed


def business_duplicates(*, name: str, owner_name: str, village_id: str, nib: str = "", exclude_pk=None):
    """Businesses that look like the same IKM: the same NIB, or else the same name, owner name and desa."""
    if nib:
        candidates = Business.objects.filter(nib=nib)
    else:
        candidates = Business.objects.filter(
            name__iexact=whitespace_collapsed(name),
            owner__name__iexact=whitespace_collapsed(owner_name),
            village_id=village_id,
        )
    if exclude_pk is not None:
        candidates = candidates.exclude(pk=exclude_pk)
    return candidates
