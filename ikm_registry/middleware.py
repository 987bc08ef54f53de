"""Indonesian unless the user chose otherwise; requests carrying NUL characters refused."""

from django.conf import settings
from django.http import HttpResponseBadRequest, JsonResponse
from django.middleware.locale import LocaleMiddleware
from django.utils import translation
from django.utils.translation import gettext


class ChosenLanguageMiddleware(LocaleMiddleware):
    """Like Django's LocaleMiddleware, but the browser's Accept-Language is ignored.

    Many office computers in Indonesia run an English browser; the registry still speaks Indonesian
    to them. English is used only after the user picks it in the language switch (the cookie).
    """

    def process_request(self, request):
        chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
        supported = dict(settings.LANGUAGES)
        language = chosen if chosen in supported else settings.LANGUAGE_CODE
        translation.activate(language)
        request.LANGUAGE_CODE = translation.get_language()


class RefuseNulMiddleware:
    """A NUL character in the address, a query parameter or a form field answers 400 Bad Request.

    No text of the registry holds one, PostgreSQL refuses them in any string (a search for `?q=%00` raised an
    error: HTTP 500), and nobody types one: they come from scanners. Uploaded files are not looked at.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if _holds_nul(request):
            if request.path.startswith("/api/"):  # the API answers every error as JSON
                return JsonResponse(
                    {"detail": gettext("Permintaan ditolak: alamat atau isian berisi karakter NUL.")}, status=400
                )
            return HttpResponseBadRequest(
                gettext("Permintaan ditolak: alamat atau isian berisi karakter NUL."),
                content_type="text/plain; charset=utf-8",
            )
        return self.get_response(request)


def _holds_nul(request) -> bool:
    if "\x00" in request.path:
        return True
    parameters = [request.GET]
    if request.method == "POST" and request.content_type in (
        "application/x-www-form-urlencoded",
        "multipart/form-data",
    ):
        parameters.append(request.POST)
    return any(
        "\x00" in name or any("\x00" in value for value in values)
        for query in parameters
        for name, values in query.lists()
    )
