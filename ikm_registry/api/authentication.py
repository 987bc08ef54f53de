"""`Authorization: Token ikm_…` (or `Bearer ikm_…`): the staff API acts as the token's user.

Sessions are not accepted by the API: a signed-in browser's cookie must not turn a cross-site request into a staff
write, and the public endpoints answer the same to everyone (they are cached)."""

from django.utils.translation import gettext_lazy as _
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import authentication, exceptions

from ikm_registry.api.tokens import api_token_find

KEYWORDS = ("token", "bearer")


class TokenAuthentication(authentication.BaseAuthentication):
    def authenticate(self, request):
        header = authentication.get_authorization_header(request).decode("latin-1").split()
        if not header or header[0].lower() not in KEYWORDS:
            return None
        if len(header) != 2:
            raise exceptions.AuthenticationFailed(_("Header Authorization harus berbentuk “Token <kunci>”."))
        token = api_token_find(header[1])
        if token is None:
            raise exceptions.AuthenticationFailed(_("Token tidak dikenal, sudah dicabut, atau kedaluwarsa."))
        return token.user, token

    def authenticate_header(self, request):
        return 'Token realm="api"'


class TokenAuthenticationScheme(OpenApiAuthenticationExtension):
    target_class = "ikm_registry.api.authentication.TokenAuthentication"
    name = "tokenAuth"

    def get_security_definition(self, auto_schema):
        return {
            "type": "apiKey",
            "in": "header",
            "name": "Authorization",
            "description": "`Token <kunci>`: a staff member's personal token, created in the admin (Token API).",
        }
