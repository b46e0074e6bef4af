"""What every app's HTML views share: the scoped-page decorator, our error page and
form-value parsing.

Imports only Django and `wangge.errors`, so any app (people, events, fieldwork, …) may use it.
"""

import functools
import math
from collections.abc import Callable
from typing import Any, TypeVar, cast

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.template.loader import render_to_string
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from wangge.errors import DomainError

Response = TypeVar("Response", bound=HttpResponseBase)


def scoped_page(view: Callable[..., Response]) -> Callable[..., Response]:
    """Login required, and a selector's "not found" (DomainError 404: outside the user's
    scope) becomes a plain 404 page; other refusals (400/403/409/422) a plain page with
    their status and messages."""

    @login_required
    @functools.wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> Response:
        try:
            return view(request, *args, **kwargs)
        except DomainError as exc:
            if exc.status == 404:
                raise Http404 from exc
            if exc.status in (400, 403, 409, 422):
                return cast(Response, error_response(exc, request))
            raise

    return wrapper


# Our own error pages (web.errors for Django's handlers, scoped pages for a refusal), in
# Chinese and styled, with a way back: the portal's under /r/, the staff pages' elsewhere.
# Rendered without the request's context processors, so the 500 page still shows when the
# database is what failed.
PAGES: dict[int, tuple[Any, Any]] = {
    400: (
        gettext_lazy("The request could not be understood"),
        gettext_lazy("Check what was entered and try again."),
    ),
    403: (
        gettext_lazy("You may not open this page"),
        gettext_lazy(
            "It is outside your posts or departments. Ask your command centre if you need it."
        ),
    ),
    404: (
        gettext_lazy("Page not found"),
        gettext_lazy("The address may be mistyped, or the page is outside what you may see."),
    ),
    409: (
        gettext_lazy("This was changed meanwhile"),
        gettext_lazy("Open the page again to see where it stands now."),
    ),
    422: (
        gettext_lazy("Some of what was entered is not right"),
        gettext_lazy("Check what was entered and try again."),
    ),
    500: (
        gettext_lazy("Something went wrong on our side"),
        gettext_lazy(
            "The error has been logged. Try again in a moment; nothing you sent was half-saved."
        ),
    ),
}


def error_page(request: HttpRequest, status: int, reasons: list[str] | None = None) -> HttpResponse:
    heading, explanation = PAGES[status]
    # "Back" is the page the person came from, on this site (a javascript: link would be
    # blocked by the Content-Security-Policy).
    referer = request.META.get("HTTP_REFERER", "")
    back = referer if url_has_allowed_host_and_scheme(referer, {request.get_host()}) else ""
    html = render_to_string(
        "_error_page.html",
        {
            "code": status,
            "heading": heading,
            "explanation": explanation,
            "reasons": reasons or [],
            "back": back,
            "portal": request.path.startswith("/r/"),
        },
    )
    return HttpResponse(html, status=status)


def error_response(exc: DomainError, request: HttpRequest) -> HttpResponse:
    """A refused request (400/403/409/422) as our error page, saying why (never a 500)."""
    reasons = [str(p.message) for p in exc.problems] or [_("The request was refused.")]
    return error_page(request, exc.status, reasons)


def optional_number(value: str | None, field: str) -> float | None:
    """A form's optional number: None when blank; DomainError naming `field` when it is not a
    finite number."""
    text = (value or "").strip()
    if not text:
        return None
    try:
        found = float(text)
    except ValueError:
        raise DomainError.one(_("Not a number."), field=field) from None
    if not math.isfinite(found):
        raise DomainError.one(_("Not a number."), field=field)
    return found
