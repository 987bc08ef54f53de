"""Errors of the API as JSON that names the field and the reason, whatever raised them.

DRF answers its own exceptions ({"field": ["reason"]} for validation). The registry's services raise Django's
ValidationError (from `full_clean()`, the workflow engine, the import engine) and PermissionDenied: they are
answered the same way, 400 with the fields (or `detail`) and 403, never a 500."""

from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from django.utils.translation import gettext as _
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler


def validation_detail(error: DjangoValidationError) -> dict:
    if hasattr(error, "error_dict"):
        return {
            ("detail" if field == "__all__" else field): [str(message) for message in messages]
            for field, messages in error.message_dict.items()
        }
    return {"detail": [str(message) for message in error.messages]}


def exception_handler(exc, context):
    if isinstance(exc, DjangoValidationError):
        return Response(validation_detail(exc), status=status.HTTP_400_BAD_REQUEST)
    if isinstance(exc, Http404):
        # Django's own message names the model in English ("No Business matches the given query.").
        return Response({"detail": _("Tidak ditemukan.")}, status=status.HTTP_404_NOT_FOUND)
    response = drf_exception_handler(exc, context)
    if response is not None and isinstance(exc, exceptions.Throttled):
        response.data = {"detail": str(exc.detail)}
    return response
