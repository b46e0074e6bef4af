"""Rate limits per client address: a fixed window counted in Django's cache.

A limit is a setting "count/seconds" (e.g. WANGGE_RATE_LOGIN = "30/300"); past the count
within the window the view answers 429 with Retry-After (seconds to the window's end).
"""

import functools
import math
import time
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.utils.translation import gettext as _

from wangge.accounts.clients import client_address


def parse_rate(text: str) -> tuple[int, int]:
    """ "30/300" -> (30, 300); a count of 0 turns the limit off."""
    count, _sep, seconds = text.partition("/")
    return int(count), max(1, int(seconds or "60"))


def hit(scope: str, ident: str, rate: str, now: float | None = None) -> int:
    """Count one request; 0 when allowed, else the seconds until the window ends."""
    limit, window = parse_rate(rate)
    if limit <= 0:
        return 0
    now = time.time() if now is None else now
    start = int(now // window) * window
    key = f"rate:{scope}:{ident}:{start}"
    cache.add(key, 0, timeout=window + 1)
    try:
        count = cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, timeout=window + 1)
        count = 1
    if count <= limit:
        return 0
    return max(1, math.ceil(start + window - now))


def too_many(retry_after: int) -> HttpResponseBase:
    response = HttpResponse(
        _("Too many requests. Try again in %(n)s seconds.") % {"n": retry_after},
        status=429,
        content_type="text/plain; charset=utf-8",
    )
    response["Retry-After"] = str(retry_after)
    return response


def check(request: HttpRequest, setting: str) -> int:
    """Count this request against the rate in settings.<setting> (read per request, so
    tests and operators may change it); 0 when allowed, else seconds to wait."""
    return hit(setting, client_address(request), getattr(settings, setting))


def rate_limited(
    setting: str,
    *,
    methods: tuple[str, ...] = ("POST",),
    when: Callable[[HttpRequest], bool] | None = None,
) -> Callable[[Callable[..., HttpResponseBase]], Callable[..., HttpResponseBase]]:
    """Limit a view's `methods` (and requests passing `when`) per client address."""

    def decorate(view: Callable[..., HttpResponseBase]) -> Callable[..., HttpResponseBase]:
        @functools.wraps(view)
        def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
            if request.method in methods and (when is None or when(request)):
                wait = check(request, setting)
                if wait:
                    return too_many(wait)
            return view(request, *args, **kwargs)

        return wrapped

    return decorate
