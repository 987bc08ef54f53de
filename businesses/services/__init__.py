"""Writes to the registry, one module per concern; the names callers use are re-exported here."""

from businesses.services.duplicates import business_duplicates
from businesses.services.reference import ImportCounts, kbli_import, regions_import, thousands

__all__ = ["ImportCounts", "business_duplicates", "kbli_import", "regions_import", "thousands"]
