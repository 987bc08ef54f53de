"""PDF reports (DESIGN §6): one registry of report classes, shared letterhead, A4 layout and formatting.

A report is a `Report` subclass with a `name` (the slug `render_report` takes), a `title`, a `form_class` for its
parameters, `get_context()` + `template_name` (and `render_pdf()` to render otherwise) and `disclosure()`. Apps
declare theirs in `<app>/reports.py` with `@register`; the admin "Laporan" page and the `render_report` command list
them from here and hand their files out through `report_render()`, which logs them.
"""

from ikm_registry.reports.base import (
    REPORT_LOG_PREFIX,
    Disclosure,
    Report,
    ReportError,
    ReportFile,
    ReportForm,
    all_reports,
    get_report,
    register,
    report_export_logged,
    report_render,
    reports,
)

__all__ = [
    "REPORT_LOG_PREFIX",
    "Disclosure",
    "Report",
    "ReportError",
    "ReportFile",
    "ReportForm",
    "all_reports",
    "get_report",
    "register",
    "report_export_logged",
    "reports",
    "report_render",
]
