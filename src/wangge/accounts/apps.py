from typing import Any

from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


def _auditor_group(sender: Any, **kwargs: Any) -> None:
    """The "auditor" group reads the audit log (permissions exist only after migrate)."""
    from django.contrib.auth.models import Group, Permission

    from wangge.accounts.permissions import AUDITOR

    perm = Permission.objects.filter(
        content_type__app_label="accounts", codename="read_audit"
    ).first()
    if perm is not None:
        group, _created = Group.objects.get_or_create(name=AUDITOR)
        group.permissions.add(perm)


class AccountsConfig(AppConfig):
    name = "wangge.accounts"
    verbose_name = _("Accounts and login")

    def ready(self) -> None:
        post_migrate.connect(_auditor_group, sender=self)
        from wangge.accounts import audit, lockout, policy, roles, scope, selectors, services
        from wangge.regions import hooks

        lockout.connect()
        policy.connect()
        scope.connect()
        services.connect()
        hooks.provide_staff(staff_of=selectors.area_staff_rows, shortfalls=selectors.shortfalls)
        lockout.listen(audit.record_login_event)  # locks and unlocks go to the audit log
        roles.listen(audit.record_role_change)  # so do role changes made in the back office
