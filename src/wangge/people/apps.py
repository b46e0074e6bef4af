from typing import Any

from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


def _auditor_group(sender: Any, **kwargs: Any) -> None:
    """The "auditor" group reads the audit log (permissions exist only after migrate)."""
    from django.contrib.auth.models import Group, Permission

    from wangge.people.access import AUDITOR_GROUP

    perm = Permission.objects.filter(
        content_type__app_label="people", codename="read_audit"
    ).first()
    if perm is not None:
        group, _created = Group.objects.get_or_create(name=AUDITOR_GROUP)
        group.permissions.add(perm)


class PeopleConfig(AppConfig):
    name = "wangge.people"
    verbose_name = _("People, places and organisations")

    def ready(self) -> None:
        post_migrate.connect(_auditor_group, sender=self)
        from wangge.accounts import lockout, roles
        from wangge.people import audit

        lockout.listen(audit.record_login_event)  # locks and unlocks go to the audit log
        roles.listen(audit.record_role_change)  # so do role changes made in the back office
