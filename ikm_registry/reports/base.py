"""The report registry, the parameter form every report starts from, the letterhead and the PDF rendering."""

from __future__ import annotations

import base64
import ctypes.util
import mimetypes
import os
import re
import subprocess
import sys
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from django import forms
from django.conf import settings
from django.contrib.admin.widgets import AutocompleteSelect, get_select2_language
from django.template.loader import render_to_string
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from ikm_registry.gc_pause import collector_paused
from ikm_registry.registry import Registry
from ikm_registry.reports.formatting import long_date, printed_at
from ikm_registry.scoping import scope_for
from ikm_registry.zones import local_moment, office_zone, region_zone

FONT_DIR = Path("/usr/share/fonts/truetype/dejavu")

# The reports, by name; apps declare theirs in `<app>/reports.py`, imported before the first read.
reports: Registry[type[Report]] = Registry("reports", discover="reports")


class ReportError(Exception):
    """A report cannot be made with these parameters (the message says why, for the user)."""


def register(report_class):
    """Class decorator: make a report reachable by its `name` from the admin and the command."""
    return reports.register(report_class)


def all_reports() -> list[type[Report]]:
    return sorted(reports, key=lambda report: report.name)


def get_report(name: str) -> type[Report]:
    try:
        return reports.get(name)
    except LookupError:
        raise ReportError(_("Laporan '%(name)s' tidak ada.") % {"name": name}) from None


# --- parameters ---------------------------------------------------------------------------------------------------


def regions_for(user):
    """Regions a report may be made for by `user` (a SystemActor: all): provinces, regencies and kecamatan in scope."""
    from ikm_registry.choices import RegionLevel
    from ikm_registry.models import Region

    regions = Region.objects.filter(level__in=[RegionLevel.PROVINCE, RegionLevel.REGENCY, RegionLevel.DISTRICT])
    return regions.restrict(user)


class RegionSelect(forms.Select):
    """The region of a report: a plain select of every region in scope when they are few (a regency's staff: the
    regency and its kecamatan, up to ADMIN_FILTER_OPTIONS_MAX), else a search-as-you-type input (Django admin's
    select2 autocomplete) asking `search_url` (the Laporan page's region search, ikm_registry.admin_reports) for the
    regions the form itself accepts: the page holds the chosen region only, not the 7,800 regions of Indonesia.

    Without JavaScript the select holds the chosen region (or the empty choice) and a text input beside it
    (`<name>_kode`, in <noscript>) takes a region code instead; the field validates a typed code as a chosen one.
    Without a `search_url` (a form rendered outside the Laporan page) it stays a plain select."""

    typed_suffix = "_kode"

    def __init__(self, attrs=None):
        super().__init__(attrs)
        self.search_url = ""
        self._searched = None  # (the queryset counted, whether its regions are too many to list)

    @property
    def searched(self) -> bool:
        """Whether the regions are chosen by autocomplete: a search URL is set and they are more than
        ADMIN_FILTER_OPTIONS_MAX (one COUNT over at most that many + 1 rows, once per queryset)."""
        if not self.search_url:
            return False
        queryset = self.choices.queryset
        if self._searched is None or self._searched[0] is not queryset:
            limit = settings.ADMIN_FILTER_OPTIONS_MAX
            self._searched = (queryset, queryset.order_by()[: limit + 1].count() > limit)
        return self._searched[1]

    @property
    def media(self):
        if not self.searched:
            return forms.Media()
        # Django admin's select2 and its set-up (admin/js/autocomplete.js), in the language of the request.
        return AutocompleteSelect(None, None).media

    def value_from_datadict(self, data, files, name):
        typed = data.get(name + self.typed_suffix)
        if isinstance(typed, str) and typed.strip():
            return typed.strip()
        return super().value_from_datadict(data, files, name)

    def value_omitted_from_data(self, data, files, name):
        return name + self.typed_suffix not in data and super().value_omitted_from_data(data, files, name)

    def build_attrs(self, base_attrs, extra_attrs=None):
        attrs = super().build_attrs(base_attrs, extra_attrs=extra_attrs)
        if not self.searched:
            return attrs
        field = self.choices.field  # its `required`: a form may change it after the widget was made
        placeholder = field.empty_label if not field.required and field.empty_label else None
        attrs.update(
            {
                "class": " ".join(filter(None, [attrs.get("class", ""), "admin-autocomplete"])),
                "data-ajax--cache": "true",
                "data-ajax--delay": 250,
                "data-ajax--type": "GET",
                "data-ajax--url": self.search_url,
                "data-theme": "admin-autocomplete",
                "data-width": "100%",
                "data-allow-clear": "false" if field.required else "true",
                "data-placeholder": str(placeholder or _("Ketik nama atau kode wilayah…")),
                "lang": get_select2_language(),
            }
        )
        return attrs

    def optgroups(self, name, value, attrs=None):
        if not self.searched:
            return super().optgroups(name, value, attrs)
        # The empty choice (select2's placeholder; "Seluruh Indonesia" where the form allows it) and the chosen
        # region if the user may choose it: a region outside their scope is named nowhere.
        field = self.choices.field
        chosen = [str(item) for item in value if str(item) not in field.empty_values]
        options = [self.create_option(name, "", str(field.empty_label or ""), not chosen, 0)]
        if chosen:
            rows = field.queryset.filter(**{f"{field.to_field_name or 'pk'}__in": chosen}).select_related("parent")
            for row in rows[:1]:
                key = getattr(row, field.to_field_name or "pk")
                options.append(self.create_option(name, key, field.autocomplete_label(row), True, 1))
        return [(None, options, 0)]

    def render(self, name, value, attrs=None, renderer=None):
        html = super().render(name, value, attrs, renderer)
        if not self.searched:
            return html
        typed_id = f"{(attrs or {}).get('id') or self.attrs.get('id') or 'id_' + name}{self.typed_suffix}"
        return format_html(
            '{}<noscript><p class="region-code"><label for="{}">{}</label> <input type="text" name="{}" id="{}" maxlength="13" '
            'class="vTextField" placeholder="35.78"></p></noscript>',
            html,
            typed_id,
            _("Atau ketik kode wilayah:"),
            name + self.typed_suffix,
            typed_id,
        )


class RegionChoiceField(forms.ModelChoiceField):
    widget = RegionSelect

    def label_from_instance(self, obj):
        indent = "\u2003" * obj.code.count(".")
        return f"{indent}{obj.code} {obj.name}"

    def autocomplete_label(self, obj) -> str:
        """A region as the search offers it: code and name with its regency ("35.78.01 Kec. Karang Pilang, Kota
        Surabaya"; `obj.parent` is read for a kecamatan)."""
        return f"{obj.code} {obj.label}"


class ReportForm(forms.Form):
    """Parameters of a report. `user` limits the region choices to the user's scope (a SystemActor: all)
    (the `render_report` command without --user: an operator's shell)."""

    region = RegionChoiceField(
        label=gettext_lazy("Wilayah"),
        queryset=None,
        to_field_name="code",
        help_text=gettext_lazy("Provinsi, kabupaten/kota atau kecamatan."),
    )

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        if "region" in self.fields:
            self.fields["region"].queryset = regions_for(user).order_by("code")
            self.fields["region"].error_messages["invalid_choice"] = _(
                "Wilayah ini tidak ada atau di luar wilayah kerja Anda."
            )
            if not self.is_bound and "region" not in self.initial:
                own = scope_for(user).region_code if user is not None else None
                if own and self.fields["region"].queryset.filter(code=own).exists():
                    self.initial["region"] = own  # the user's own region, preselected

    def describe(self) -> list[tuple[str, str]]:
        """The filter as (label, value) pairs, printed under the report title."""
        described = []
        for name, field in self.fields.items():
            value = self.cleaned_data.get(name)
            if value in (None, ""):
                continue
            if name == "region":
                value = value.label
            described.append((str(field.label), str(value)))
        return described


# --- letterhead -------------------------------------------------------------------------------------------------


def letterhead_office(*, user=None, region=None):
    """The office whose kop surat a report carries: the user's own office; else the office of `region` or of its
    nearest ancestor that has one (national staff, superusers and the command without --user)."""
    from ikm_registry.models import Office

    membership = getattr(user, "membership", None) if user is not None and user.pk else None
    if membership is not None and not scope_for(user).everything:
        return membership.office
    if region is None:
        return None
    return Office.objects.covering(region.code)


# Words before a region's own name, longest first: "Kota Administrasi Jakarta Pusat" → "Jakarta Pusat".
PLACE_PREFIXES = (
    "kabupaten administrasi ",
    "kota administrasi ",
    "kabupaten ",
    "kota ",
    "kab. ",
    "kab ",
    "provinsi ",
)


def signing_place(office) -> str:
    """The place in "Badung, 22 November 2026": the name of the office's kabupaten/kota as the region list prints it,
    without "Kabupaten"/"Kota (Administrasi)" ("Kabupaten Badung" → "Badung", "Kota Denpasar" → "Denpasar"); for a
    province office the province's name ("Bali"). The seat of a regency (Mangupura for Badung) or a province's capital
    is not in the region data, and offices sign with the region's name."""
    name = " ".join(office.region.name.split())
    for prefix in PLACE_PREFIXES:
        if name.casefold().startswith(prefix):
            name = name[len(prefix) :]
            break
    return name.title() if name.isupper() else name  # "BADUNG" (an upper-case region list) → "Badung"


# --- what a report's file holds (the export log) ----------------------------------------------------------------


@dataclass(frozen=True)
class Disclosure:
    """What one rendered report holds, for the export log (UU 27/2022 PDP): personal data of people (owners' names,
    NIK, contacts; sentra officers), individual figures of a business (or sums over so few businesses that they are
    theirs), and how many records (businesses) it is about. A file with either is logged each time it leaves."""

    personal_data: bool
    individual_data: bool
    row_count: int

    @property
    def logged(self) -> bool:
        return self.personal_data or self.individual_data


# A report that does not say what it holds is logged as holding both.
UNDECLARED = Disclosure(personal_data=True, individual_data=True, row_count=1)

# The export log names a report's file "report:<name>" (ExportLog.what).
REPORT_LOG_PREFIX = "report:"


@dataclass(frozen=True)
class ReportFile:
    """A rendered report: the PDF and what it holds."""

    pdf: bytes
    disclosure: Disclosure


def report_filter(params: dict) -> dict:
    """A report's parameters as the export log records them: records by their key (region code, business id)."""
    return {
        name: ",".join(str(item) for item in value) if isinstance(value, list | tuple) else value
        for name, value in params.items()
        if value not in (None, "", [], ())
    }


def report_export_logged(*, name: str, disclosure: Disclosure, params: dict, user=None, actor: str = ""):
    """Log one PDF of the report `name` leaving with personal data or individual figures (see Disclosure); None when
    it holds neither (an aggregate over enough businesses). `user` receives it; a command without one names the
    `actor`."""
    from ikm_registry.services import export_logged

    if not disclosure.logged:
        return None
    return export_logged(
        user=user,
        actor=actor,
        what=f"{REPORT_LOG_PREFIX}{name}",
        file_format="pdf",
        filter=report_filter(params),
        row_count=disclosure.row_count,
        personal_data=disclosure.personal_data,
        individual_data=disclosure.individual_data,
    )


# --- reports ----------------------------------------------------------------------------------------------------


class Report:
    """One kind of PDF report. Subclasses set `name`, `title`, `form_class`, `template_name`, `get_context()` and
    `disclosure()`; one that renders otherwise than one template in one run overrides `render_pdf()`."""

    name: str = ""
    title = ""
    description = ""
    form_class = ReportForm
    template_name = ""
    landscape = False
    signed = True

    def get_context(self, *, user, params: dict) -> dict:
        raise NotImplementedError

    def get_title(self, *, params: dict) -> str:
        return str(self.title)

    def disclosure(self, context: dict) -> Disclosure:
        """What a file made from `context` (get_context()'s) holds, for the export log. Reports override it; one
        that does not is logged as holding personal data and individual figures."""
        return UNDECLARED

    def make(self, *, user, params: dict, filter_description=(), **options) -> ReportFile:
        """The PDF for validated form data `params`, made as `user` (a SystemActor: full access), and what it holds. A file
        handed out goes through report_render(), which logs it; a background job records what its file holds."""
        context = self.document_context(user=user, params=params, filter_description=filter_description)
        return ReportFile(pdf=self.render_pdf(context, **options), disclosure=self.disclosure(context))

    def render(self, *, user, params: dict, filter_description=(), **options) -> bytes:
        """The PDF alone (make()'s), not logged."""
        return self.make(user=user, params=params, filter_description=filter_description, **options).pdf

    def render_pdf(self, context: dict, **options) -> bytes:
        """The PDF of a document_context(); a report that renders otherwise (in parts, with progress) overrides it."""
        return html_to_pdf(render_to_string(self.template_name, context))

    def document_context(self, *, user, params: dict, filter_description=()) -> dict:
        """get_context() and the page furniture every report template uses (letterhead, title, filter, signature)."""
        context = self.get_context(user=user, params=params)
        region = params.get("region")
        office = letterhead_office(user=user, region=region)
        # The office's own time (WIB, WITA or WIT from its province), else the region's, for "Dicetak pada" and the
        # date it signs on.
        zone = office_zone(office) or region_zone(getattr(region, "code", None))
        now = _now()
        context.update(
            report=self,
            title=self.get_title(params=params),
            office=office,
            logo_url=_logo_url(office),
            filters=filter_description,
            printed_at=printed_at(now, zone=zone),
            landscape=self.landscape,
            signed=self.signed and office is not None,
            signing_place=signing_place(office) if office else "",
            signing_date=long_date(local_moment(now, zone)[0].date()),
            font_dir=FONT_DIR.as_uri(),
            page_label=_("Halaman"),
            of_label=_("dari"),
        )
        return context


def report_render(*, report: Report, user, params: dict, filter_description=(), actor: str = "") -> bytes:
    """The PDF of `report` for validated form data `params`, made as `user` (a SystemActor: full access), logged when it holds
    personal data or individual figures (report_export_logged): for `user`, or — a command without one — for `actor`.
    Every report file handed out at once goes through here (the admin Laporan page, `render_report`); a background
    report is logged at each download, with what its job recorded (ikm_registry.job_kinds.report_disclosure)."""
    made = report.make(user=user, params=params, filter_description=filter_description)
    report_export_logged(name=report.name, disclosure=made.disclosure, params=params, user=user, actor=actor)
    return made.pdf


def _now():
    from django.utils import timezone

    return timezone.now()


def file_url(field) -> str:
    """A local file:// address WeasyPrint can read for a FileField/ImageField; on object storage (no local path) the
    file itself as a data: URI, read with the storage's credentials — a private file has no address, and a public
    one need not be reachable from the worker's machine; "" when it is empty or the file is missing. Used for
    pictures: logos and photo thumbnails of a few dozen KB."""
    if not field:
        return ""
    try:
        path = Path(field.path)
    except NotImplementedError:  # a storage without local files
        try:
            with field.storage.open(field.name, "rb") as handle:
                data = handle.read()
        except FileNotFoundError:
            return ""
        kind = mimetypes.guess_type(field.name)[0] or "application/octet-stream"
        return f"data:{kind};base64,{base64.b64encode(data).decode('ascii')}"
    return path.as_uri() if path.exists() else ""


def _logo_url(office) -> str:
    return "" if office is None else file_url(office.logo)


LINKER_ABI = {
    "x86_64-64": "libc6,x86-64",
    "ppc64-64": "libc6,64bit",
    "sparc64-64": "libc6,64bit",
    "s390x-64": "libc6,64bit",
    "ia64-64": "libc6,IA-64",
}


@contextmanager
def libraries_from_linker_cache():
    """On Linux, ctypes.util.find_library answered from one reading of the dynamic linker's cache (`ldconfig -p`),
    for the time of WeasyPrint's import.

    WeasyPrint names each native library several ways ("libpango-1.0-0", "pango-1.0", ..., "libpango-1.0.so.0") and
    cffi asks find_library for every name the loader cannot open as it is. find_library runs `ldconfig -p` for each
    name and, when that does not know it, a C compiler and the linker: on a machine with gcc installed that was 0.1 s
    a name and a second for the import, more than the report it was for. The names WeasyPrint finds are the
    sonames the loader opens directly; the linker's cache answers the others as find_library's first step would.
    Without a cache to read (no /sbin/ldconfig), find_library is left as it is."""
    original = ctypes.util.find_library
    if sys.platform != "linux":
        yield
        return
    try:
        listing = subprocess.run(  # noqa: S603 - a fixed command, no input
            ["/sbin/ldconfig", "-p"], capture_output=True, env={"LC_ALL": "C", "LANG": "C"}, check=False, timeout=10
        ).stdout
    except (OSError, subprocess.SubprocessError):
        listing = b""
    if not listing:
        yield
        return
    # The ABI tag ldconfig prints for this machine's libraries, as ctypes.util reads it.
    abi = LINKER_ABI.get(f"{os.uname().machine}-{64 if sys.maxsize > 2**32 else 32}", "libc6")

    def find_library(name):
        found = re.search(rb"\s+(lib%s\.[^\s]+)\s+\(%s" % (re.escape(os.fsencode(name)), abi.encode()), listing)
        return os.fsdecode(found.group(1)) if found else None

    ctypes.util.find_library = find_library
    try:
        yield
    finally:
        ctypes.util.find_library = original


def load_weasyprint():
    """WeasyPrint, imported late (it loads Pango, which the rest of the site does not need).

    Importing it sets Pillow's ImageFile.LOAD_TRUNCATED_IMAGES for the whole process, after which a truncated photo
    upload would decode as if whole (businesses/photos.py refuses broken images). The flag is set back: a broken
    image stays an error in every request that follows a report; WeasyPrint skips such an image in a PDF.

    The first import (~0.25 s, Pango's bindings and fontTools' tables) runs with the garbage collector paused, as
    the rendering does (html_to_pdf): it makes enough objects for full collections of the whole process, a third of
    its time; and with libraries looked up in the dynamic linker's cache alone (libraries_from_linker_cache)."""
    with collector_paused():
        try:
            with libraries_from_linker_cache():
                import weasyprint
        except OSError:  # a library only the compiler or the linker finds: as cffi looks for it by itself
            import weasyprint
    from PIL import ImageFile

    ImageFile.LOAD_TRUNCATED_IMAGES = False
    return weasyprint


def html_to_pdf(html: str) -> bytes:
    """The PDF of `html`, in one WeasyPrint run with the garbage collector paused (ikm_registry.gc_pause: its full
    collections walking the whole process took 30 % of the time of a province's pertumbuhan report)."""
    weasyprint = load_weasyprint()
    with collector_paused():
        return weasyprint.HTML(string=html, base_url=str(settings.BASE_DIR)).write_pdf()
