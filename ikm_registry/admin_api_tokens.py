"""Token API in the admin: a staff member creates a token for themselves (a superuser for any staff account), sees
its key once on the page that follows, and revokes it when it is no longer needed."""

from django import forms
from django.contrib import admin, messages
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.template.response import TemplateResponse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from ikm_registry.api.tokens import api_token_create, api_token_revoke, may_hold_token
from ikm_registry.models import ApiToken
from ikm_registry.scoping import scope_for


class ApiTokenForm(forms.ModelForm):
    class Meta:
        model = ApiToken
        fields = ["user", "name", "expires_at"]


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    list_display = ["name", "prefix_shown", "user", "created_at", "expires_at", "last_used_at", "state"]
    list_select_related = ["user"]
    search_fields = ["name", "prefix", "user__username"]
    actions = ["revoke"]
    form = ApiTokenForm

    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        return queryset if request.user.is_superuser else queryset.filter(user=request.user)

    def get_object(self, request, object_id, from_field=None):
        obj = super().get_object(request, object_id, from_field)
        if obj is None:
            raise Http404
        return obj

    def get_fields(self, request, obj=None):
        if obj is not None:
            return ["name", "prefix", "user", "created_at", "created_by", "expires_at", "last_used_at", "revoked_at"]
        return ["user", "name", "expires_at"] if request.user.is_superuser else ["name", "expires_at"]

    def get_readonly_fields(self, request, obj=None):
        if obj is None:
            return []
        return ["name", "prefix", "user", "created_at", "created_by", "expires_at", "last_used_at", "revoked_at"]

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "user":
            kwargs["queryset"] = get_user_model().objects.filter(is_active=True, is_staff=True).order_by("username")
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def has_module_permission(self, request):
        return may_hold_token(request.user)

    def has_view_permission(self, request, obj=None):
        if not may_hold_token(request.user):
            return False
        return obj is None or request.user.is_superuser or obj.user_id == request.user.pk

    def has_add_permission(self, request):
        return may_hold_token(request.user)

    def has_change_permission(self, request, obj=None):
        return False  # a token is never edited: revoke it and make a new one

    def has_delete_permission(self, request, obj=None):
        return False  # revoked tokens stay on record

    def has_revoke_permission(self, request):
        return may_hold_token(request.user)

    @admin.display(description=_("awalan"), ordering="prefix")
    def prefix_shown(self, obj):
        return f"{obj.prefix}…"

    @admin.display(description=_("keadaan"))
    def state(self, obj):
        if obj.revoked_at:
            return _("dicabut")
        return _("aktif") if obj.is_active else _("kedaluwarsa")

    def save_model(self, request, obj, form, change):
        holder = form.cleaned_data.get("user") if request.user.is_superuser else request.user
        try:
            token, key = api_token_create(
                user=holder,
                name=form.cleaned_data["name"],
                created_by=request.user,
                expires_at=form.cleaned_data.get("expires_at"),
            )
        except ValidationError as error:
            raise PermissionDenied(" ".join(error.messages)) from error
        obj.pk = token.pk
        request._created_api_key = key

    def get_form(self, request, obj=None, change=False, **kwargs):
        form_class = super().get_form(request, obj, change=change, **kwargs)
        if obj is not None:
            return form_class

        class CheckedForm(form_class):
            def clean(self):
                cleaned = super().clean()
                holder = cleaned.get("user") if request.user.is_superuser else request.user
                if holder is not None and not may_hold_token(holder):
                    message = _("Token hanya untuk akun staf aktif yang punya kantor, peran nasional, atau LSP.")
                    if request.user.is_superuser:
                        self.add_error("user", message)
                    else:
                        raise ValidationError(message)
                expires_at = cleaned.get("expires_at")
                if expires_at is not None and expires_at <= timezone.now():
                    self.add_error("expires_at", _("Tanggal kedaluwarsa harus di masa depan."))
                return cleaned

        if not request.user.is_superuser:
            CheckedForm.base_fields.pop("user", None)
        return CheckedForm

    def response_add(self, request, obj, post_url_continue=None):
        """The key, once: the page says to copy it now, as it is never shown again."""
        key = getattr(request, "_created_api_key", "")
        context = {
            **self.admin_site.each_context(request),
            "title": _("Token API dibuat"),
            "token": ApiToken.objects.select_related("user").get(pk=obj.pk),
            "key": key,
            "opts": self.model._meta,
            "scope": scope_for(request.user),
        }
        response = TemplateResponse(request, "admin/registry/api_token_created.html", context)
        response["Cache-Control"] = "no-store"
        return response

    @admin.action(description=_("Cabut token terpilih"), permissions=["revoke"])
    def revoke(self, request, queryset):
        count = 0
        for token in queryset.filter(revoked_at__isnull=True):
            api_token_revoke(token=token, actor=request.user)
            count += 1
        self.message_user(
            request,
            ngettext("%(n)s token dicabut.", "%(n)s token dicabut.", count) % {"n": count},
            messages.SUCCESS,
        )
