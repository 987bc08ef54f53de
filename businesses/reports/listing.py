"""Daftar IKM: one row per business matching a filter (region and the staff FilterSet of businesses: status, KBLI,
subsector, BPS scale, sentra, completeness, legal form; the business list's filters) — the list officials print
most. A long list is rendered in chunks in parallel (ikm_registry.reports.parallel) and, from the admin, in the
background (ikm_registry.tasks)."""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.db.models import F
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from businesses import rules
from businesses.choices import BusinessStatus, ScaleBps
from businesses.filtersets import BusinessStaffFilterSet
from businesses.models import Business
from ikm_registry.reports import Disclosure, ReportForm, register
from ikm_registry.reports.listing import ChunkedListReport

# What the form offers ticked: the businesses an official hands on (checked, or checked and public), not drafts.
DEFAULT_STATUSES = (BusinessStatus.VERIFIED, BusinessStatus.PUBLISHED)


class StatusesField(forms.MultipleChoiceField):
    """Business statuses, several at once (ticked boxes); also one status or several separated by commas, as a job
    stored before this field or `--param status=verified,published` gives them. None ticked: every status."""

    widget = forms.CheckboxSelectMultiple

    def to_python(self, value):
        if isinstance(value, str):
            value = [value]
        items = [part.strip() for item in super().to_python(value or []) for part in str(item).split(",")]
        return [item for item in items if item]


class DaftarForm(ReportForm):
    """The region, then every filter of the staff FilterSet of businesses (businesses.filtersets), the same the
    business list in the admin offers, except its own region filters (the report's region takes their place); the
    status may be several at once, verified and published ticked to start with."""

    filterset_class = BusinessStaffFilterSet

    def __init__(self, data=None, *args, user=None, **kwargs):
        if data is not None:
            data = self.filterset_class.canonical_params(data)  # stored jobs and --param from before the FilterSet
        super().__init__(data, *args, user=user, **kwargs)
        self.filterset = self.filterset_class(user=user)
        self.fields.update(self.filterset.form_fields(exclude=self.filterset_class.region_filters))
        self.fields["status"] = StatusesField(
            label=self.fields["status"].label,
            choices=BusinessStatus.choices,
            required=False,
            initial=list(DEFAULT_STATUSES),
            help_text=_("Tanpa centang: semua status."),
        )

    def describe(self):
        described = super().describe()
        shown = {}
        for name, field in self.fields.items():
            value = self.cleaned_data.get(name)
            if value in (None, "", []) or hasattr(field, "queryset") or not hasattr(field, "choices"):
                continue
            labels = dict(field.choices)
            values = value if isinstance(value, list) else [value]
            shown[str(field.label)] = ", ".join(str(labels.get(item, item)) for item in values)
        return [(label, shown.get(label, value)) for label, value in described]


def daftar_rows(*, user, params: dict):
    """The businesses of the list, as dicts, in one query: place, KBLI, owner and the latest year's figures joined or
    annotated. `params`: the report's cleaned form (region and the staff FilterSet's filters). `user` (None: full
    access) limits them to what that user may see."""
    rows = Business.objects.in_region(params["region"].code)
    if user is not None:
        rows = rows.restrict(user)
    statuses = params.get("status") or []
    if isinstance(statuses, str):  # one status (the list's filter, or data checked before the field took several)
        statuses = [statuses]
    rows = BusinessStaffFilterSet(user=user).apply(rows, {k: v for k, v in params.items() if k != "status"})
    if statuses:
        rows = rows.filter(status__in=statuses)
    rows = rows.annotate(
        latest_year=rules.latest_figure("year"),
        workforce=rules.latest_figure("workforce_total"),
        scale=rules.latest_figure("scale_bps"),
    )
    return rows.order_by("village__parent__name", "village__name", "name", "pk").values(
        "pk",
        "name",
        "main_product",
        "status",
        "latest_year",
        "workforce",
        "scale",
        kbli_code=F("kbli_id"),
        owner_name=F("owner__name"),
        village_name=F("village__name"),
        district_name=F("village__parent__name"),
    )


def row_count(*, user, params) -> int:
    return daftar_rows(user=user, params=params).count()


@register
class DaftarIkmReport(ChunkedListReport):
    """Daftar IKM: the businesses matching a filter, one row each."""

    name = "daftar-ikm"
    title = gettext_lazy("Daftar IKM")
    description = gettext_lazy(
        "Daftar usaha menurut wilayah, KBLI, subsektor, skala, sentra dan status; satu baris per IKM. Daftar panjang "
        "dibuat di latar belakang."
    )
    form_class = DaftarForm
    template_name = "reports/daftar_ikm.html"
    landscape = True

    def get_title(self, *, params):
        return _("Daftar IKM %(region)s") % {"region": params["region"].name}

    def get_context(self, *, user, params):
        statuses = dict(BusinessStatus.choices)
        scales = dict(ScaleBps.choices)
        rows = []
        for number, row in enumerate(daftar_rows(user=user, params=params).iterator(chunk_size=2000), start=1):
            row["number"] = number
            row["status_label"] = statuses.get(row["status"], row["status"])
            row["scale_label"] = scales.get(row["scale"], "") if row["scale"] else ""
            rows.append(row)
        return {"rows": rows, "part": "only"}

    def disclosure(self, context):
        """Each row names the owner (personal data) and gives the business's workforce (individual figures)."""
        rows = context["rows"]
        return Disclosure(
            personal_data=any(row["owner_name"] for row in rows),
            individual_data=any(row["workforce"] is not None for row in rows),
            row_count=len(rows),
        )

    def needs_background(self, *, user, params) -> bool:
        """Whether the admin should queue this list rather than render it during the request."""
        return row_count(user=user, params=params) > settings.REPORT_BACKGROUND_ROWS
