"""Reports made of sections that apps contribute: the Profil IKM is businesses' sections (identity, owner, products,
...) followed by whatever other apps register for it (certification: the business's certificates; events: the
events it attended), without the report knowing them.

An app registers a section for a report by the report's `name`, in its `AppConfig.ready()`:

    report_sections.register(ReportSection(
        report="profil-ikm",                          # the SectionedReport's name
        name="certificates",                          # unique within the report
        title=_("Sertifikat"),                        # heading; the report numbers the headings A., B., ...
        template_name="certification/profil_ikm_certificates.html",
        context=lambda business, *, user: {...},      # the section's own template context
        disclosure=lambda context: Disclosure(...),   # what the section puts in the file (None: nothing logged)
        order=800,                                    # smaller first; businesses' sections are 100-700
        permission=None,                              # permission(user) -> bool; user None = full access (command)
    ))

The section's template is rendered with its context plus the record under the report's `record_name` (`business`),
and loads what it needs (`{% load i18n report_format %}`); it uses the report stylesheet's classes (table.info,
table.data, p.empty, p.note).
"""

from __future__ import annotations

import string
from collections.abc import Callable
from dataclasses import dataclass

from django.template.loader import render_to_string
from django.utils.safestring import mark_safe

from ikm_registry.registry import Contribution, Registry
from ikm_registry.reports.base import Disclosure, Report


@dataclass(frozen=True, kw_only=True)
class ReportSection(Contribution):
    """One section of a sectioned report (see the module docstring)."""

    report: str
    title: str
    template_name: str
    context: Callable[..., dict]
    disclosure: Callable[[dict], Disclosure | None] | None = None


report_sections: Registry[ReportSection] = Registry(
    "report sections", key=lambda section: f"{section.report}:{section.name}"
)


def letter(index: int) -> str:
    """A, B, ..., Z, AA, AB, ...: the number of the index-th (from 0) section heading."""
    letters = string.ascii_uppercase
    return letters[index] if index < len(letters) else letter(index // len(letters) - 1) + letters[index % 26]


class SectionedReport(Report):
    """A report about one record whose body is the sections registered for its `name`, in order, each under a
    numbered heading. Subclasses give `record_name` and `get_record()`; the document's context holds the record and
    `sections`: [{section, letter, title, context, html}]."""

    record_name = "record"

    def get_record(self, *, user, params: dict):
        raise NotImplementedError

    def sections_for(self, user) -> list[ReportSection]:
        return report_sections.visible_to(user, report=self.name)

    def get_context(self, *, user, params):
        record = self.get_record(user=user, params=params)
        return {self.record_name: record, "sections": self.section_contexts(record, user=user)}

    def section_contexts(self, record, *, user) -> list[dict]:
        built = []
        for index, section in enumerate(self.sections_for(user)):
            context = section.context(record, user=user)
            html = render_to_string(section.template_name, {self.record_name: record, **context})
            built.append(
                {
                    "section": section,
                    "letter": letter(index),
                    "title": section.title,
                    "context": context,
                    "html": mark_safe(html),  # noqa: S308  (rendered from a template, escaped there)
                }
            )
        return built

    def disclosure(self, context):
        """What the sections put in the file, together: personal data or individual figures if any section holds
        them; the largest number of records any section is about (at least 1)."""
        disclosures = [
            item["section"].disclosure(item["context"]) for item in context["sections"] if item["section"].disclosure
        ]
        disclosures = [d for d in disclosures if d is not None]
        return Disclosure(
            personal_data=any(d.personal_data for d in disclosures),
            individual_data=any(d.individual_data for d in disclosures),
            row_count=max([1, *(d.row_count for d in disclosures)]),
        )
