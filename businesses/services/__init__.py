"""Writes to the registry, one module per concern; the names callers use are re-exported here."""

from businesses.services.duplicates import business_duplicates
from businesses.services.workflow import (
    TRANSITIONS,
    available_transitions,
    business_deactivate,
    business_deletable,
    business_publish,
    business_reject,
    business_resubmit,
    business_return,
    business_submit,
    business_verify,
)

__all__ = [
    "TRANSITIONS",
    "available_transitions",
    "business_deactivate",
    "business_deletable",
    "business_duplicates",
    "business_publish",
    "business_reject",
    "business_resubmit",
    "business_return",
    "business_submit",
    "business_verify",
]
