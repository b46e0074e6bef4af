from typing import Any

from axes.backends import AxesStandaloneBackend
from axes.exceptions import AxesBackendPermissionDenied
from django.http import HttpRequest


class LockoutBackend(AxesStandaloneBackend):
    """django-axes' gate before the password check. A call without a request comes from
    code, not from a client (the test client's `login`, a shell): nothing to count there."""

    def authenticate(self, request: HttpRequest | None, *args: Any, **kwargs: Any) -> None:
        if request is None:
            return None
        try:
            super().authenticate(request, *args, **kwargs)  # refuses, or lets the next one try
        except AxesBackendPermissionDenied:
            request.wangge_was_locked = True  # type: ignore[attr-defined]
            raise
        return None
