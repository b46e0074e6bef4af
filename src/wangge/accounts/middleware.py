"""Session policy on every request, and the security headers on every response."""

import time
from collections.abc import Callable
from urllib.parse import urlsplit

from django.conf import settings
from django.contrib.auth import logout
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _

from wangge import tiles
from wangge.accounts import policy

STEP_URLS = {
    "otp-verify": "accounts:otp-verify",
    "otp-enrol": "accounts:otp-enrol",
    "password": "accounts:password",
}


# Sent by the page's own background refreshes (the inbox counter's poll): not activity, so
# an open tab does not keep an idle session alive.
BACKGROUND = "X-Wangge-Background"


class LoginPolicyMiddleware:
    """Ends a session idle past WANGGE_IDLE_SECONDS or older than SESSION_COOKIE_AGE (the
    request then goes on as anonymous, so pages redirect to the login and the API answers
    401); sends a session with a step pending (second factor, forced password change) to
    that step's page before anything else."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.user.is_authenticated:
            response = self._check(request)
            if response is not None:
                return response
        return self.get_response(request)

    def _check(self, request: HttpRequest) -> HttpResponse | None:
        session = request.session
        now = time.time()
        htmx = "HX-Request" in request.headers
        if policy.LOGIN_AT not in session:  # a session from before this policy
            policy.start(session, request.user, now)
        elif policy.expired(session, now):
            logout(request)
            if htmx:  # a fragment (the inbox counter): take the whole page to the login
                url = urlsplit(request.headers.get("HX-Current-URL", ""))
                page = url.path + (f"?{url.query}" if url.query else "")
                response = HttpResponse(status=204)
                response["HX-Redirect"] = f"{reverse('login')}?{urlencode({'next': page})}"
                return response
            return None
        elif (
            now - session.get(policy.SEEN_AT, 0) > policy.TOUCH_SECONDS
            and BACKGROUND not in request.headers
        ):
            session[policy.SEEN_AT] = now
        step = policy.pending(session)
        if not step or self._open(request, step):
            return None
        if htmx:  # never a whole step page inside a fragment
            return HttpResponse(status=204)
        if request.path.startswith("/api/"):
            message = _("Finish logging in first (second factor or new password).")
            return JsonResponse(
                {"errors": [{"item": "", "field": "", "code": "login_step", "message": message}]},
                status=403,
            )
        target = reverse(STEP_URLS[step])
        return redirect(f"{target}?{urlencode({'next': request.get_full_path()})}")

    @staticmethod
    def _open(request: HttpRequest, step: str) -> bool:
        """While a step is pending only its own page, logging out and static files."""
        if request.path.startswith("/" + settings.STATIC_URL.lstrip("/")):
            return True
        return request.path in (reverse(STEP_URLS[step]), reverse("logout"))


def content_security_policy() -> str:
    extra = settings.WANGGE_CSP_EXTRA.strip()
    parts = {
        "default-src": "'self'",
        "img-src": "'self' data: blob:",
        "style-src": "'self' 'unsafe-inline'",  # style attributes (progress bars, legends)
        "script-src": "'self'",
        "connect-src": "'self'",
        "object-src": "'none'",
        "base-uri": "'self'",
        "form-action": "'self'",
        "frame-ancestors": "'none'",
    }
    for origin in tiles.origins(tiles.configured()):  # the map's tiles come from other hosts
        parts["img-src"] += " " + origin
    for directive in filter(None, (d.strip() for d in extra.split(";"))):
        name, _sep, sources = directive.partition(" ")
        parts[name] = f"{parts.get(name, '')} {sources}".strip()
    return "; ".join(f"{k} {v}" for k, v in parts.items())


class SecurityHeadersMiddleware:
    """Content-Security-Policy (or its report-only twin) and Permissions-Policy."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        mode = settings.WANGGE_CSP_MODE
        if mode != "off":
            header = (
                "Content-Security-Policy-Report-Only"
                if mode == "report-only"
                else "Content-Security-Policy"
            )
            response.headers.setdefault(header, content_security_policy())
        if settings.WANGGE_PERMISSIONS_POLICY:
            response.headers.setdefault("Permissions-Policy", settings.WANGGE_PERMISSIONS_POLICY)
        return response
