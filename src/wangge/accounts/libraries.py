"""The login libraries under Chinese names in the back office: django-axes (the lockout) and
django-otp's TOTP devices (the second login step). Named in INSTALLED_APPS instead of the
libraries' own configurations; kept out of apps.py, where a second configuration would stop
Django from taking AccountsConfig as the app's default."""

import axes.apps
from django.utils.translation import gettext_lazy as _
from django.utils.translation import gettext_noop
from django_otp.plugins.otp_totp import apps as otp_totp_apps


class LockoutConfig(axes.apps.AppConfig):
    """django-axes (the login lockout) under a Chinese name in the back office. The library marks
    its model and field names for translation but ships no zh-hans: the catalogue carries them
    (LIBRARY_NAMES below puts them in it)."""

    verbose_name = _("Login lockout")


class OtpTotpConfig(otp_totp_apps.DefaultConfig):
    """django-otp's TOTP devices (the second login step) under Chinese names: the library's model
    and field names are plain strings, so they are given translated names once here (display
    only: migrations read the model's own Meta and field arguments, not these)."""

    verbose_name = _("Two-step login")

    def ready(self) -> None:
        from django_otp.plugins.otp_totp.models import TOTPDevice

        meta = TOTPDevice._meta
        meta.verbose_name = _("TOTP device")
        meta.verbose_name_plural = _("TOTP devices")
        for name, label in OTP_FIELDS.items():
            meta.get_field(name).verbose_name = label


OTP_FIELDS = {
    "user": _("user"),
    "name": _("name"),
    "confirmed": _("confirmed"),
    "created_at": _("created at"),
    "last_used_at": _("last used at"),
    "key": _("key"),
    "step": _("time step (s)"),
    "digits": _("digits"),
    "tolerance": _("tolerance"),
    "drift": _("drift"),
}

# The names django-axes gives its models and fields (lazy in the library, translated by our
# catalogue; gettext_noop only marks them for makemessages).
LIBRARY_NAMES = (
    gettext_noop("access attempt"),
    gettext_noop("access attempts"),
    gettext_noop("access failure"),
    gettext_noop("access failures"),
    gettext_noop("access log"),
    gettext_noop("access logs"),
    gettext_noop("access attempt expiration"),
    gettext_noop("access attempt expirations"),
    gettext_noop("User Agent"),
    gettext_noop("IP Address"),
    gettext_noop("Username"),
    gettext_noop("HTTP Accept"),
    gettext_noop("Path"),
    gettext_noop("Attempt Time"),
    gettext_noop("Access lock out"),
    gettext_noop("GET Data"),
    gettext_noop("POST Data"),
    gettext_noop("Failed Logins"),
    gettext_noop("Access Attempt"),
    gettext_noop("Expires At"),
    gettext_noop("Logout Time"),
    gettext_noop("Session key hash (sha256)"),
    gettext_noop("Form Data"),
    gettext_noop("Meta Data"),
    gettext_noop("Locked Out"),
    gettext_noop("Clean up expired attempts"),
    gettext_noop("Not set"),
    gettext_noop("Attempt Remaining"),
)
