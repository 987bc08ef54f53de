"""The admin home's "Perlu perhatian" panels: what each app shows a staff user about their region.

The admin site (admin_site.py) renders the registered panels the user may see, in order, under one heading with
the user's work region. An app registers its panels in its `AppConfig.ready()`:

    admin_panels.register(AdminPanel(
        name="events",                       # unique
        title=_("Kegiatan"),                 # heading of the panel (the simple form below)
        items=events_attention,              # items(request) -> [PanelItem(label, count, url), ...]
        order=200,                           # smaller first; businesses' panel is 100
        permission=lambda user: scope_for(user).allows(VIEW),
    ))

A panel is either that simple form — a title and items, each a count with a link to the list it counts, drawn by
admin/registry/home_panel.html — or its own `template_name` with `context(request) -> dict` for richer content
(businesses' status cards and lists). The counts are the app's: each should equal the list its link opens.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.template.loader import render_to_string
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _

from ikm_registry.registry import Contribution, Registry

DEFAULT_PANEL_TEMPLATE = "admin/registry/home_panel.html"


@dataclass(frozen=True)
class PanelItem:
    """One line of a simple panel: `count` things, described by `label`, listed at `url`."""

    label: str
    count: int
    url: str = ""


@dataclass(frozen=True, kw_only=True)
class AdminPanel(Contribution):
    """A panel of the admin home (see the module docstring). `items(request)` for the simple form, or
    `template_name` + `context(request)`; the template also receives `panel` and `request`."""

    title: str = ""
    items: Callable | None = None
    template_name: str = DEFAULT_PANEL_TEMPLATE
    context: Callable | None = None

    def render(self, request) -> SafeString:
        context = dict(self.context(request)) if self.context is not None else {}
        if self.items is not None:
            context["items"] = list(self.items(request))
        context.update(panel=self, title=self.title)
        return render_to_string(self.template_name, context, request=request)


admin_panels: Registry[AdminPanel] = Registry("admin-home panels")


def scope_label(user) -> str | None:
    """The user's work region as the home page names it: "Seluruh Indonesia", the office's region, or None."""
    from ikm_registry.scoping import scope_for

    scope = scope_for(user)
    if scope.everything:
        return _("Seluruh Indonesia")
    if scope.region_code is None:
        return None
    from ikm_registry.models import StaffMembership

    membership = StaffMembership.objects.select_related("office__region").filter(user=user).first()
    return membership.office.region.name if membership is not None else None


def rendered_panels(request) -> list[SafeString]:
    """The panels `request.user` may see, rendered, in order."""
    return [panel.render(request) for panel in admin_panels.visible_to(request.user)]
