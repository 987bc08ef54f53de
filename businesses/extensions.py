"""What other apps add to the public directory and profile without businesses naming them (certification: the
`sertifikat` filter and the certificate badges).

- `directory_filters`: a `DirectoryFilter` becomes a parameter of /direktori/ (a select among the filters, with a
  count per option), part of the page's cache key and of its links.
- `profile_badges`: `badges(business) -> [ProfileBadge]` on a business's public profile, under its name.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from ikm_registry.registry import Contribution, Registry


@dataclass(frozen=True, kw_only=True)
class DirectoryFilter(Contribution):
    """`choices() -> [(value, label)]`; `filter(queryset, value) -> queryset` over business_public(); `counts(results)
    -> {value: n}` (a few grouped queries whatever the number of results)."""

    label: str
    all_label: str
    choices: Callable
    filter: Callable
    counts: Callable


directory_filters: Registry[DirectoryFilter] = Registry("directory filters")


@dataclass(frozen=True)
class ProfileBadge:
    label: str  # "Halal", "P-IRT", "Kompeten: Pemasaran (LSP …)"
    title: str = ""  # the longer description (number, valid until)


@dataclass(frozen=True, kw_only=True)
class ProfileBadges(Contribution):
    badges: Callable


profile_badges: Registry[ProfileBadges] = Registry("profile badges")


def badges_of(business) -> list[ProfileBadge]:
    return [badge for entry in profile_badges for badge in entry.badges(business)]
