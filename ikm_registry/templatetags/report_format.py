"""Template filters for reports: `angka` (1.234.567), `rupiah` (Rp 1.234.567), `tanggal` (22 November 2026)."""

from django import template

from ikm_registry.reports import formatting

register = template.Library()
register.filter("angka", formatting.number)
register.filter("rupiah", formatting.rupiah)
register.filter("tanggal", formatting.long_date)
