"""Visit rules: the default 三必访 rules with the 四必清 checklist, checklist validation, and
the check that only rule administrators change them."""

import datetime as dt
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from wangge import form_fields as forms
from wangge.accounts.actors import Actor
from wangge.errors import DomainError
from wangge.fieldwork.rule_checks import is_rule_admin
from wangge.people.models import (
    ResidenceType,
)


# -- checklists ------------------------------------------------------------------------------
def clean_checklist(items: Any) -> list[dict[str, Any]]:
    """A checklist is a typed form (`forms`) that may be empty and takes no photo or signature
    fields (a visit's photos are its own); DomainError naming each bad item."""
    return forms.clean_fields(items, at="checklist", types=forms.VALUE_TYPES, min_fields=0)


# -- rules -----------------------------------------------------------------------------------
FOUR_CLEAR = [  # 四必清
    {
        "name": "family",
        "label": "家庭情况",
        "type": "text",
        "required": True,
        "help": "家庭成员、就业、收入、健康等有无变化",
    },
    {
        "name": "groups",
        "label": "人员类别",
        "type": "multi_choice",
        "choices": [
            "无变化",
            "独居老人",
            "空巢老人",
            "留守儿童",
            "残疾人",
            "低保/特困",
            "困难群众",
            "失业人员",
            "流动/暂住人口",
        ],
        "required": True,
    },
    {"name": "facilities", "label": "设施完好(水电气、消防)", "type": "yes_no", "required": True},
    {"name": "hazards", "label": "发现安全隐患", "type": "yes_no", "required": True},
    {"name": "disputes", "label": "存在矛盾纠纷", "type": "yes_no", "required": True},
    {"name": "needs", "label": "群众诉求", "type": "text", "required": False},
]


# 三必访: (code, name, frequency, all households, tag kinds, residence types, role, order)
DEFAULT_RULES: list[tuple[str, str, str, bool, list[str], list[str], str, int]] = [
    ("living_alone", "独居老人户", "monthly", False, ["living_alone"], [], "full_time", 10),
    (
        "hardship",
        "困难家庭(低保/特困/困难群众)",
        "quarterly",
        False,
        ["subsistence", "hardship"],
        [],
        "full_time",
        20,
    ),
    ("disabled", "残疾人家庭", "quarterly", False, ["disabled"], [], "full_time", 30),
    (
        "floating",
        "流动/暂住人口户",
        "quarterly",
        False,
        [],
        [ResidenceType.FLOATING.value, ResidenceType.TEMPORARY.value],
        "full_time",
        40,
    ),
    ("unemployed", "失业人员家庭", "quarterly", False, ["unemployed"], [], "full_time", 50),
    ("assisted", "重点帮扶户", "quarterly", False, ["key_assistance"], [], "full_time", 60),
    ("every_household", "普通家庭户(每户每年)", "yearly", True, [], [], "liaison", 90),
]


def install_defaults(apps: Any = None) -> int:
    """Create the missing default rules (三必访 with the 四必清 checklist); never overwrites
    an edit. `apps` is a migration's registry, or None for the live models."""
    from django.apps import apps as live_apps

    registry = apps or live_apps
    rule_model = registry.get_model("fieldwork", "VisitRule")
    kind_model = registry.get_model("people", "TagKind")
    created = 0
    with transaction.atomic():
        for code, name, freq, every, kinds, types, role, order in DEFAULT_RULES:
            if rule_model.objects.filter(code=code).exists():
                continue
            rule = rule_model.objects.create(
                code=code,
                name=name,
                frequency=freq,
                all_households=every,
                residence_types=types,
                checklist=FOUR_CLEAR,
                responsible_role=role,
                order=order,
                anchor=dt.date(2024, 1, 1),
            )
            rule.tag_kinds.set(kind_model.objects.filter(code__in=kinds))
            created += 1
    return created


def require_admin(user: Actor) -> None:
    if not is_rule_admin(user):
        raise DomainError.one(
            _("Only administrators may change rules."), code="forbidden", status=403
        )
