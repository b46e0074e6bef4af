"""What visit and must-attend rules share: who may manage them, and the checks of the fields
they have alike."""

from typing import Any

from django.db import models
from django.utils.translation import gettext as _

from wangge.accounts.actors import Actor, is_user
from wangge.accounts.models import Role
from wangge.errors import Problem


def is_rule_admin(user: Actor, perm: str = "fieldwork.change_visitrule") -> bool:
    return bool(is_user(user) and (user.is_superuser or user.has_perm(perm)))


def check_rule_fields(
    problems: list[Problem],
    *,
    model: type[models.Model],
    rule: models.Model | None,
    code: str,
    name: str,
    order: Any,
    responsible_role: str,
    every_days: Any = None,
) -> None:
    """What visit and must-attend rules ask alike: a free code, a name, the post, bounds
    (column sizes; a huge period overflows)."""
    if not code:
        problems.append(Problem(_("A code is required."), field="code", code="required"))
    elif model._default_manager.filter(code=code).exclude(pk=rule.pk if rule else 0).exists():
        problems.append(Problem(_("This code is taken."), field="code", code="duplicate"))
    if not name:
        problems.append(Problem(_("A name is required."), field="name", code="required"))
    if responsible_role not in Role.values:
        problems.append(
            Problem(_("Unknown post %(r)s.") % {"r": responsible_role}, field="responsible_role")
        )
    if len(code) > 40:
        problems.append(
            Problem(_("The code is longer than %(n)d characters.") % {"n": 40}, field="code")
        )
    if len(name) > 100:
        problems.append(
            Problem(_("The name is longer than %(n)d characters.") % {"n": 100}, field="name")
        )
    if not isinstance(order, int) or not 0 <= order <= 32767:
        problems.append(
            Problem(
                _("The order must be between %(a)d and %(b)d.") % {"a": 0, "b": 32767},
                field="order",
            )
        )
    if every_days is not None and (not isinstance(every_days, int) or not 1 <= every_days <= 3660):
        problems.append(
            Problem(
                _("The number of days must be between %(a)d and %(b)d.") % {"a": 1, "b": 3660},
                field="every_days",
            )
        )
