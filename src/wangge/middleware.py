"""Requests refused before any view: a NUL byte in the path, the query string or a form-encoded
body would reach PostgreSQL (which refuses it in text) through whatever filter or lookup reads
it. (Multipart forms go through Django's form fields, which refuse NUL themselves; JSON bodies
through the API's parser.) Open311 is left to its own views, which answer in the spec's error
format (400 with the field's name)."""

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils.translation import gettext as _

from wangge.errors import Problem


class NulGuardMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.path_info.startswith("/open311/"):
            return self.get_response(request)
        if "\x00" in request.path_info:
            return _refuse(request, 404, _("Not found."), "not_found")
        query = request.META.get("QUERY_STRING", "")
        if "\x00" in query or "%00" in query:
            return _refuse(request, 400, _("The query holds a NUL character."), "invalid_text")
        if request.content_type == "application/x-www-form-urlencoded" and b"%00" in request.body:
            return _refuse(request, 400, _("The form holds a NUL character."), "invalid_text")
        return self.get_response(request)


def _refuse(request: HttpRequest, status: int, message: str, code: str) -> HttpResponse:
    if request.path_info.startswith("/api/"):
        return JsonResponse({"errors": [Problem(message, code=code).as_dict()]}, status=status)
    return HttpResponse(message, status=status, content_type="text/plain; charset=utf-8")
