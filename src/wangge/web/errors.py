"""Our own error pages (400, 403, 404, 500), in Chinese and styled, with a way back: the
portal's for a resident (under /r/), the staff pages' for everyone else.

Rendered without the request's context processors, so the 500 page still shows when the
database is what failed.
"""

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.template.loader import render_to_string
from django.utils.translation import gettext_lazy as _

PAGES: dict[int, tuple[Any, Any]] = {
    400: (_("The request could not be understood"), _("Check what was entered and try again.")),
    403: (
        _("You may not open this page"),
        _("It is outside your posts or departments. Ask your command centre if you need it."),
    ),
    404: (
        _("Page not found"),
        _("The address may be mistyped, or the page is outside what you may see."),
    ),
    500: (
        _("Something went wrong on our side"),
        _("The error has been logged. Try again in a moment; nothing you sent was half-saved."),
    ),
}


def error_page(request: HttpRequest, status: int) -> HttpResponse:
    heading, explanation = PAGES[status]
    html = render_to_string(
        "_error_page.html",
        {
            "code": status,
            "heading": heading,
            "explanation": explanation,
            "portal": request.path.startswith("/r/"),
        },
    )
    return HttpResponse(html, status=status)


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
