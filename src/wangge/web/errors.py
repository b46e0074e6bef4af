"""Our own error pages (400, 403, 404, 500), in Chinese and styled, with a way back: the
portal's for a resident (under /r/), the staff pages' for everyone else.

Rendered without the request's context processors, so the 500 page still shows when the
database is what failed.
"""

from django.http import HttpRequest, HttpResponse

from wangge.pages import error_page


def bad_request(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return error_page(request, 400)


def permission_denied(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return error_page(request, 403)


def page_not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return error_page(request, 404)


def server_error(request: HttpRequest) -> HttpResponse:
    return error_page(request, 500)


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    """A form sent from a page left open too long (or without cookies): our 403."""
    return error_page(request, 403)
