"""PDF reports (DESIGN §6): one registry of report classes, shared letterhead, A4 layout and formatting.

A report is a `Report` subclass with a `name` (the slug `render_report` takes), a `title`, a `form_class` for its
parameters and either `render()` or `get_context()` + `template_name`. Apps declare theirs in `<app>/reports.py`
with `@register`; the admin "Laporan" page and the `render_report` command list them from here.
"""

from ikm_registry.reports.base import (
    Disclosure,
    Report,
    ReportError,
    ReportForm,
    all_reports,
    get_report,
    register,
    report_export_logged,
)

__all__ = [
    "Disclosure",
    "Report",
    "ReportError",
    "ReportForm",
    "all_reports",
    "get_report",
    "register",
    "report_export_logged",
]
