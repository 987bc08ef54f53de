"""Segera berakhir: what lapses soon, whatever app keeps it — competency certificates, their surveillance, product
certificates in their renewal window (certification), MoUs (events). Nothing lapses unseen (issue 12).

An app registers an `ExpirySource` in `expiry_sources`. A source answers, for a restriction of its querysets (the
admin user's `restrict(user)`, or an office's region for the daily digest), the records in its window ordered by
the date that matters, and how each is named. The admin home shows a count per source with a link to the list and
the nearest few; `manage.py notify_expiring` (daily, from cron) first lets each source record what has lapsed
(`mark_lapsed`), then e-mails each office the digest of its region.

    expiry_sources.register(ExpirySource(
        name="certification-competency",
        title=_("Sertifikat kompetensi berakhir dalam 6 bulan"),
        queryset=lambda restrict, today: restrict(Certificate.objects.expiring(today)),   # ordered by due date
        item=lambda certificate: ExpiryItem(label=..., due=certificate.valid_until, url=...),
        list_url=lambda: reverse(...) + "?berakhir=6bulan",
    ))
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date

from django.utils import timezone

from ikm_registry.registry import Contribution, Registry

# The nearest items each source shows on the admin home and lists in a digest (the count is always whole).
PANEL_ITEMS = 5
DIGEST_ITEMS = 50


@dataclass(frozen=True)
class ExpiryItem:
    label: str  # "Sertifikat kompetensi 123/2024 — Ni Made Sari (UD Tenun Sari)"
    due: date  # when it lapses (or the surveillance / confirmation is due)
    url: str = ""  # the record in the admin (relative)
    note: str = ""  # e.g. "masa perpanjangan sejak 01-06-2026"


@dataclass(frozen=True, kw_only=True)
class ExpirySource(Contribution):
    """`queryset(restrict, today)`: the records in the window, ordered by due date, after `restrict(queryset)`
    (restrict is applied by the source to its own querysets). `item(record) -> ExpiryItem`. `list_url()`: the admin
    list of exactly those records (optional). `mark_lapsed(today) -> int`: record what has lapsed (optional, run by
    the daily job before the digest)."""

    title: str
    queryset: Callable
    item: Callable
    list_url: Callable | None = None
    mark_lapsed: Callable | None = field(default=None, compare=False)


expiry_sources: Registry[ExpirySource] = Registry("expiry sources")


@dataclass
class ExpirySection:
    source: ExpirySource
    count: int
    items: list[ExpiryItem]

    @property
    def url(self) -> str:
        return self.source.list_url() if self.source.list_url is not None else ""


def expiry_sections(restrict: Callable, *, user=None, today: date | None = None, limit: int = PANEL_ITEMS):
    """The sources with something in their window for `restrict`, each with its count and nearest `limit` items."""
    today = today or timezone.localdate()
    sources = expiry_sources.visible_to(user) if user is not None else list(expiry_sources)
    sections = []
    for source in sources:
        queryset = source.queryset(restrict, today)
        nearest = [source.item(record) for record in queryset[:limit]]
        if not nearest:
            continue
        count = queryset.count()  # always: the same queries whatever the window holds
        sections.append(ExpirySection(source=source, count=count, items=nearest))
    return sections


def restrict_to_user(user) -> Callable:
    return lambda queryset: queryset.restrict(user)


def restrict_to_region(code: str) -> Callable:
    return lambda queryset: queryset.in_region(code)


def _panel_context(request) -> dict:
    return {"sections": expiry_sections(restrict_to_user(request.user), user=request.user)}


def register_panel() -> None:
    """The admin home's "Segera berakhir" panel (called from the core's AppConfig.ready())."""
    from django.utils.translation import gettext_lazy

    from ikm_registry.admin_home import AdminPanel, admin_panels
    from ikm_registry.scoping import VIEW, scope_for

    admin_panels.register(
        AdminPanel(
            name="expiry",
            title=gettext_lazy("Segera berakhir"),
            template_name="admin/registry/expiry_panel.html",
            context=_panel_context,
            order=150,
            permission=lambda user: scope_for(user).allows(VIEW),
        ),
        replace=True,
    )


# --- the daily digest --------------------------------------------------------------------------------------------


@dataclass
class DigestResult:
    lapsed: int = 0  # records the sources marked lapsed
    offices: int = 0  # offices with something in their window
    sent: int = 0  # e-mails sent
    skipped: int = 0  # offices already sent today, or with nobody to send to
    failed: int = 0  # the mail server refused: logged, tried again at the next run


def digest_recipients(office) -> list[str]:
    """The office's own address and those of its staff (operators and officials) who have one."""
    from ikm_registry.choices import StaffRole

    staff = office.staff.filter(
        role__in=(StaffRole.OPERATOR, StaffRole.OFFICIAL, StaffRole.PROVINCE), user__is_active=True
    ).exclude(user__email="")
    addresses = [office.email] if office.email else []
    addresses += [email for email in staff.values_list("user__email", flat=True) if email not in addresses]
    return addresses


def digest_text(office, sections: list[ExpirySection], today: date) -> str:
    from django.utils.translation import gettext as _

    from ikm_registry.public_url import public_url

    lines = [
        _("Segera berakhir di wilayah %(region)s, per %(date)s:") % {"region": office.region.name,
                                                                        "date": today.strftime("%d-%m-%Y")},
        "",
    ]  # fmt: skip
    for section in sections:
        lines.append(f"{section.source.title}: {section.count}")
        for item in section.items:
            note = f" ({item.note})" if item.note else ""
            lines.append(f"  - {item.due:%d-%m-%Y}  {item.label}{note}")
        if section.count > len(section.items):
            lines.append("  " + _("… dan %(n)s lainnya") % {"n": section.count - len(section.items)})
        if section.url:
            lines.append("  " + public_url(section.url))
        lines.append("")
    lines.append(_("Pesan ini dikirim otomatis setiap hari oleh Registri IKM bila ada yang segera berakhir."))
    return "\n".join(lines)


def send_expiry_digests(*, today: date | None = None, dry_run: bool = False, stdout=None) -> DigestResult:
    """Let each source record what has lapsed, then e-mail every office the digest of its region (once a day)."""
    import logging

    from django.conf import settings
    from django.core.mail import send_mail
    from django.db import IntegrityError, transaction
    from django.utils import translation
    from django.utils.translation import gettext as _

    from ikm_registry.models import ExpiryDigest, Office

    logger = logging.getLogger(__name__)
    today = today or timezone.localdate()
    result = DigestResult()
    if not dry_run:
        for source in expiry_sources:
            if source.mark_lapsed is not None:
                result.lapsed += source.mark_lapsed(today)
    done = set(ExpiryDigest.objects.filter(day=today).values_list("office_id", flat=True))
    with translation.override(settings.LANGUAGE_CODE):
        for office in Office.objects.select_related("region").order_by("pk"):
            sections = expiry_sections(restrict_to_region(office.region_id), today=today, limit=DIGEST_ITEMS)
            if not sections:
                continue
            result.offices += 1
            recipients = digest_recipients(office)
            if office.pk in done or not recipients:
                result.skipped += 1
                continue
            count = sum(section.count for section in sections)
            subject = _("Registri IKM: %(n)s segera berakhir di %(region)s") % {
                "n": count,
                "region": office.region.name,
            }
            if dry_run:
                if stdout is not None:
                    stdout.write(f"{office}: {count} → {', '.join(recipients)}")
                continue
            try:
                with transaction.atomic():
                    ExpiryDigest.objects.create(office=office, day=today, items=count, recipients=len(recipients))
                    send_mail(subject, digest_text(office, sections, today), settings.DEFAULT_FROM_EMAIL, recipients)
            except IntegrityError:
                result.skipped += 1  # another run sent it a moment ago
                continue
            except Exception:  # noqa: BLE001 (a refusing mail server: logged, tried again at the next run)
                logger.exception("Expiry digest for office %s not sent", office.pk)
                result.failed += 1
                continue
            result.sent += 1
    return result
