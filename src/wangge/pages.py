"""What every app's HTML views share: the scoped-page decorator and form-value parsing.

Imports only Django and `wangge.errors`, so any app (people, events, fieldwork, …) may use it.
"""

import functools
import math
from collections.abc import Callable
from typing import Any, TypeVar

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest
from django.http.response import HttpResponseBase
from django.utils.translation import gettext as _

from wangge.errors import DomainError

Response = TypeVar("Response", bound=HttpResponseBase)


def scoped_page(view: Callable[..., Response]) -> Callable[..., Response]:
    """Login required, and a selector's "not found" (DomainError 404: outside the user's
    scope) becomes a plain 404 page."""

    @login_required
    @functools.wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> Response:
        try:
            return view(request, *args, **kwargs)
        except DomainError as exc:
            if exc.status == 404:
                raise Http404 from exc
            raise

    return wrapper


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
