"""Login pages: the login form (rate-limited), the lockout answer, the forced password
change, the second factor's enrolment and check, and the back office's login (ours)."""

import math
from typing import Any

import segno
from axes.helpers import get_cool_off
from django.contrib.auth import views as auth_views
from django.contrib.auth.forms import PasswordChangeForm
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse, reverse_lazy
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django_otp import login as otp_login
from django_otp import match_token, user_has_device
from django_otp.plugins.otp_totp.models import TOTPDevice

from wangge.accounts import policy
from wangge.accounts.actors import user_of
from wangge.accounts.passwords import password_change_require
from wangge.accounts.ratelimit import rate_limited

login = rate_limited("WANGGE_RATE_LOGIN")(
    auth_views.LoginView.as_view(template_name="web/login.html", redirect_authenticated_user=True)
)


def locked_out(
    request: HttpRequest, original_response: Any = None, credentials: Any = None
) -> HttpResponse:
    """django-axes' answer to a locked username or address: the login page, 429."""
    cool_off = get_cool_off(request)
    minutes = math.ceil(cool_off.total_seconds() / 60) if cool_off else 0
    response = render(
        request,
        "web/login.html",
        {"locked_minutes": minutes, "next": request.POST.get("next", "")},
        status=429,
    )
    if cool_off:
        response["Retry-After"] = str(int(cool_off.total_seconds()))
    return response


def _next(request: HttpRequest) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return reverse("web:map")


class PasswordChange(auth_views.PasswordChangeView):
    template_name = "accounts/password_change.html"
    form_class = PasswordChangeForm
    success_url = reverse_lazy("web:map")

    def get_success_url(self) -> str:
        return _next(self.request)

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["forced"] = bool(self.request.session.get(policy.CHANGE))
        context["next"] = self.request.GET.get("next", "")
        return context

    def form_valid(self, form: PasswordChangeForm) -> HttpResponse:
        response = super().form_valid(form)
        password_change_require(user=user_of(self.request.user), required=False)
        self.request.session[policy.CHANGE] = False
        return response


password_change = PasswordChange.as_view()


def _otp_done(request: HttpRequest, device: TOTPDevice) -> HttpResponse:
    otp_login(request, device)
    request.session[policy.OTP] = ""
    return redirect(_next(request))


@never_cache
def otp_verify(request: HttpRequest) -> HttpResponse:
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    error = ""
    if request.method == "POST":
        device = match_token(request.user, request.POST.get("token", "").strip())
        if device is not None:
            return _otp_done(request, device)
        error = _("Wrong or expired code.")
    return render(
        request,
        "accounts/otp_verify.html",
        {"error": error, "next": request.GET.get("next", "")},
        status=422 if error else 200,
    )


@never_cache
def otp_enrol(request: HttpRequest) -> HttpResponse:
    """A new authenticator app: show its key (QR code and text), confirm with one code."""
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    if user_has_device(request.user) and not request.user.is_verified():  # type: ignore[attr-defined]
        return redirect("accounts:otp-verify")  # a new device only with the current one
    device = TOTPDevice.objects.filter(user=request.user, confirmed=False).first()
    if device is None:
        device = TOTPDevice.objects.create(
            user=request.user, name=_("authenticator app"), confirmed=False
        )
    error = ""
    if request.method == "POST":
        if device.verify_token(request.POST.get("token", "").strip()):
            device.confirmed = True
            device.save(update_fields=["confirmed"])
            TOTPDevice.objects.filter(user=request.user, confirmed=False).delete()
            return _otp_done(request, device)
        error = _("Wrong or expired code.")
    url = device.config_url
    secret = url.split("secret=")[1].split("&")[0]
    return render(
        request,
        "accounts/otp_enrol.html",
        {
            "qr": segno.make(url).svg_inline(scale=4),
            "secret": secret,
            "error": error,
            "next": request.GET.get("next", ""),
            "required": request.session.get(policy.OTP) == "enrol",
        },
        status=422 if error else 200,
    )


def admin_login(request: HttpRequest, extra_context: Any = None) -> HttpResponse:
    """The back office logs in through the site's login (lockout, second factor, forced
    change apply there); a logged-in user who is not staff is refused, not looped."""
    if request.user.is_authenticated:
        raise PermissionDenied
    return redirect_to_login(request.GET.get("next") or reverse("admin:index"))


def docs_for_users(view: Any) -> Any:
    """The OpenAPI document and its page: only for a logged-in user; 404 otherwise."""

    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not request.user.is_authenticated:
            raise Http404
        response: HttpResponse = view(request, *args, **kwargs)
        return response

    return wrapped
