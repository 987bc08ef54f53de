"""Demo sets other apps add to `manage.py seed_demo` (which loads the registry's own demo first: regions, offices,
staff, sentra and businesses). Each set is idempotent like the rest: it loads what is missing and returns a line
saying what is there."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from ikm_registry.registry import Contribution, Registry


@dataclass(frozen=True, kw_only=True)
class DemoSet(Contribution):
    """`load(progress) -> str`: runs inside seed_demo's transaction, after the businesses demo."""

    load: Callable[[Callable[[str], None]], str]


demo_sets: Registry[DemoSet] = Registry("demo sets")
