"""Signing in to the admin: the lockout after repeated failures (django-axes) and password reset by e-mail.

django-axes counts failed logins per username *and* client address together (an office shares one public address:
one clumsy colleague must not lock out the others, and guessing one account's password from many addresses is still
slowed per address). After LOGIN_FAILURE_LIMIT failures that pair is refused for LOGIN_COOLOFF_MINUTES, the right
password included; the login page says so. Django's own reset views send a link by e-mail (EMAIL_URL); setting a
new password through it also lifts the lockout of that account.

Who may sign in at all follows the office memberships: a user given a membership (StaffMembership, in the user's admin
page, `create_staff` or any other way) becomes staff (`is_staff`), and stops being staff when the membership goes,
unless another membership an app registers (an LSP's operator) remains. Superusers are left as they are.
"""

import math

from axes.helpers import get_client_username, get_cool_off
from axes.utils import reset as axes_reset
from django.conf import settings
from django.contrib import admin
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth import REDIRECT_FIELD_NAME, get_user_model
from django.contrib.auth import views as auth_views
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver
from django.template.response import TemplateResponse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from ikm_registry.ratelimits import limit_exceeded, too_many_requests


class RegistryAuthenticationForm(AdminAuthenticationForm):
    """The admin login form, with a message for a failed login that reads well in Indonesian: Django's own,
    "Please enter the correct %(username)s and password …", comes out as "Masukkan nama pengguna nama pengguna dan
    sandi …" through its translation."""

    error_messages = {
        **AdminAuthenticationForm.error_messages,
        "invalid_login": _(
            "Nama pengguna atau kata sandi salah (huruf besar dan kecil dibedakan), atau akun ini bukan akun staf "
            "kantor."
        ),
    }


# --- staff follow their memberships --------------------------------------------------------------------------------


def staff_flag_follow(user, *, may_clear: bool = True) -> bool:
    """Make `user.is_staff` follow their memberships: set while they belong to an office or to an organisation an app
    registers (ikm_registry.scoping.register_membership: an LSP's operator), cleared when none is left (unless
    `may_clear` is False: a superuser may make someone staff before an LSP names them its operator). Superusers are
    left alone. Saves only the flag; returns whether it changed."""
    from ikm_registry.models import StaffMembership
    from ikm_registry.scoping import organisation_memberships

    if user is None or user.is_superuser:
        return False
    member = StaffMembership.objects.filter(user=user).exists() or bool(organisation_memberships(user))
    if user.is_staff == member or (not member and not may_clear):
        return False
    user.is_staff = member
    get_user_model().objects.filter(pk=user.pk).update(is_staff=member)
    user.__dict__.pop("_registry_scope", None)  # the scope cached on this object was computed with the old flag
    return True


@receiver(post_save, sender="ikm_registry.StaffMembership", dispatch_uid="staff_flag_on_membership_saved")
def _membership_saved(sender, instance, raw=False, **kwargs):
    if not raw:
        staff_flag_follow(instance.user)


@receiver(post_delete, sender="ikm_registry.StaffMembership", dispatch_uid="staff_flag_on_membership_deleted")
def _membership_deleted(sender, instance, **kwargs):
    user = get_user_model().objects.filter(pk=instance.user_id).first()  # gone too when the user is deleted
    if user is not None:
        staff_flag_follow(user)


def lockout_response(request, original_response=None, credentials=None):
    """The admin login page with the lockout explained, HTTP 429 (AXES_LOCKOUT_CALLABLE)."""
    cool_off = get_cool_off(request)
    minutes = max(1, math.ceil(cool_off.total_seconds() / 60)) if cool_off else 0
    message = ngettext(
        "Terlalu banyak percobaan masuk yang gagal dengan nama pengguna ini dari alamat Anda. Coba lagi setelah "
        "%(minutes)d menit, atau atur kata sandi baru lewat “Lupa kata sandi?”.",
        "Terlalu banyak percobaan masuk yang gagal dengan nama pengguna ini dari alamat Anda. Coba lagi setelah "
        "%(minutes)d menit, atau atur kata sandi baru lewat “Lupa kata sandi?”.",
        minutes,
    ) % {"minutes": minutes}
    username = get_client_username(request, credentials) or ""
    context = {
        **admin.site.each_context(request),
        "title": _("Masuk"),
        "subtitle": None,
        "app_path": request.get_full_path(),
        "form": RegistryAuthenticationForm(request, initial={"username": username}),
        "lockout_message": message,
        REDIRECT_FIELD_NAME: request.POST.get(REDIRECT_FIELD_NAME) or request.GET.get(REDIRECT_FIELD_NAME, ""),
    }
    return TemplateResponse(request, "admin/login.html", context, status=settings.AXES_HTTP_RESPONSE_CODE).render()


class AdminPagesMixin:
    """The admin's header and language switch on the reset pages (Django's admin templates for them)."""

    def get_context_data(self, **kwargs):
        return {**admin.site.each_context(self.request), **super().get_context_data(**kwargs)}


class PasswordResetView(AdminPagesMixin, auth_views.PasswordResetView):
    """Asks for the e-mail address and sends the link; at most PASSWORD_RESET_RATE requests per client address,
    so that the form cannot be used to flood someone's mailbox."""

    def post(self, request, *args, **kwargs):
        if limit_exceeded(request, group="password-reset", rate=settings.PASSWORD_RESET_RATE):
            return too_many_requests(request, "admin/registry/too_many_requests.html", admin.site.each_context(request))
        return super().post(request, *args, **kwargs)


class PasswordResetDoneView(AdminPagesMixin, auth_views.PasswordResetDoneView):
    pass


class PasswordResetConfirmView(AdminPagesMixin, auth_views.PasswordResetConfirmView):
    def form_valid(self, form):
        response = super().form_valid(form)
        axes_reset(username=form.user.get_username())  # the owner proved who they are: lift their lockout
        return response


class PasswordResetCompleteView(AdminPagesMixin, auth_views.PasswordResetCompleteView):
    pass
