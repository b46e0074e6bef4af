from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "wangge.accounts"
    verbose_name = _("Accounts and login")

    def ready(self) -> None:
        from wangge.accounts import lockout, policy, scope

        lockout.connect()
        policy.connect()
        scope.connect()
