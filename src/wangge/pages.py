"""What every app's HTML views share: the scoped-page decorator and form-value parsing.

Imports only Django and `wangge.errors`, so any app (people, events, fieldwork, …) may use it.
"""

import functools
import math
from collections.abc import Callable
from typing import Any, TypeVar, cast

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.utils.translation import gettext as _

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
                return cast(Response, error_response(exc))
            raise

    return wrapper


def error_response(exc: DomainError) -> HttpResponse:
    """A plain page with the error's messages and status (no 500 for a refused request)."""
    text = "\n".join(str(p.message) for p in exc.problems) or _("The request was refused.")
    return HttpResponse(text, status=exc.status, content_type="text/plain; charset=utf-8")


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
