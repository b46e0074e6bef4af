"""The default event catalogue: GB/T 30428 city-management classes and social-governance
ones. Installed by a migration, editable afterwards; installing again adds only what is
missing and never overwrites an edit."""

from django.apps import apps as live_apps
from django.db import transaction

# (code, name, grid may settle it, a grid worker must attend, subcategories)
# Subcategories: (code, name, grid may settle it, must attend).
DEFAULT_CATALOGUE: list[tuple[str, str, bool, bool, list[tuple[str, str, bool, bool]]]] = [
    (
        "01",
        "市容环境",
        True,
        False,
        [
            ("0101", "私搭乱建", False, False),
            ("0102", "暴露垃圾", True, False),
            ("0103", "积存垃圾渣土", True, False),
            ("0104", "道路不洁", True, False),
            ("0105", "乱涂写乱张贴", True, False),
            ("0106", "违规晾晒", True, False),
            ("0107", "绿地脏乱", True, False),
        ],
    ),
    (
        "02",
        "宣传广告",
        False,
        False,
        [
            ("0201", "非法小广告", True, False),
            ("0202", "违章张贴悬挂广告牌匾", False, False),
            ("0203", "占道广告牌", False, False),
        ],
    ),
    (
        "03",
        "施工管理",
        False,
        False,
        [
            ("0301", "施工扰民", False, False),
            ("0302", "工地扬尘", False, False),
            ("0303", "道路遗撒", False, False),
            ("0304", "无证掘路", False, False),
        ],
    ),
    (
        "04",
        "突发事件",
        False,
        True,
        [
            ("0401", "路面塌陷", False, True),
            ("0402", "自来水管破裂", False, True),
            ("0403", "燃气泄漏", False, True),
            ("0404", "道路积水", False, True),
            ("0405", "社区突发事件", False, True),
        ],
    ),
    (
        "05",
        "街面秩序",
        True,
        False,
        [
            ("0501", "无照经营游商", True, False),
            ("0502", "店外经营", True, False),
            ("0503", "占道经营", True, False),
            ("0504", "机动车乱停放", False, False),
            ("0505", "非机动车乱停放", True, False),
        ],
    ),
    (
        "06",
        "矛盾纠纷",
        True,
        True,
        [
            ("0601", "邻里纠纷", True, True),
            ("0602", "家庭纠纷", True, True),
            ("0603", "物业纠纷", True, False),
            ("0604", "劳资纠纷", False, False),
            ("0605", "土地山林纠纷", False, False),
        ],
    ),
    (
        "07",
        "治安隐患",
        False,
        False,
        [
            ("0701", "治安案件线索", False, True),
            ("0702", "可疑人员", False, False),
            ("0703", "技防设施损坏", False, False),
        ],
    ),
    (
        "08",
        "安全生产",
        False,
        False,
        [
            ("0801", "企业安全隐患", False, False),
            ("0802", "危化品隐患", False, False),
            ("0803", "建筑施工安全", False, False),
        ],
    ),
    (
        "09",
        "消防安全",
        False,
        False,
        [
            ("0901", "消防通道堵塞", True, False),
            ("0902", "电动车违规充电", True, False),
            ("0903", "消防设施损坏", False, False),
            ("0904", "群租房火灾隐患", False, False),
        ],
    ),
    (
        "10",
        "食药安全",
        False,
        False,
        [
            ("1001", "无证餐饮", False, False),
            ("1002", "过期食品药品", False, False),
            ("1003", "校园周边食品安全", False, False),
        ],
    ),
    (
        "11",
        "信访维稳",
        False,
        True,
        [
            ("1101", "群体性事件苗头", False, True),
            ("1102", "重复信访", False, False),
        ],
    ),
    (
        "12",
        "民生服务",
        True,
        False,
        [
            ("1201", "路灯不亮", False, False),
            ("1202", "井盖缺失破损", False, False),
            ("1203", "供水供电供气", False, False),
            ("1204", "便民服务求助", True, False),
        ],
    ),
    (
        "13",
        "社会保障",
        False,
        False,
        [
            ("1301", "低保救助", False, False),
            ("1302", "就业帮扶", False, False),
            ("1303", "医保社保", False, False),
            ("1304", "突发生活困难", False, True),
        ],
    ),
    (
        "14",
        "特殊人群",
        False,
        True,
        [
            ("1401", "独居老人关爱", True, True),
            ("1402", "社区矫正人员", False, False),
            ("1403", "严重精神障碍患者", False, True),
            ("1404", "家庭变故", True, True),
        ],
    ),
    (
        "15",
        "生态环境",
        False,
        False,
        [
            ("1501", "河道污染", False, False),
            ("1502", "噪声扰民", False, False),
            ("1503", "露天焚烧", True, False),
        ],
    ),
]
# Urgent by nature: natural-hour deadlines for these classes at every priority.
URGENT_CLASSES = {"04", "11"}


@transaction.atomic
def catalogue_install(apps: object = None) -> int:
    """Create the missing default categories (and their urgent deadlines); returns how many
    were created. `apps` is a migration's app registry, or None for the live models."""
    registry = apps or live_apps
    category_model = registry.get_model("events", "Category")  # type: ignore[attr-defined]
    deadline_model = registry.get_model("events", "CategoryDeadline")  # type: ignore[attr-defined]
    expected = sum(1 + len(children) for *_rest, children in DEFAULT_CATALOGUE)
    codes = {code for code, *_rest in DEFAULT_CATALOGUE} | {
        child[0] for *_rest, children in DEFAULT_CATALOGUE for child in children
    }
    if category_model.objects.filter(code__in=codes).count() == expected:
        return 0  # all there (maybe edited): nothing to add
    created = 0
    for code, name, settle, attend, children in DEFAULT_CATALOGUE:
        parent, made = category_model.objects.get_or_create(
            code=code,
            defaults={"name": name, "grid_may_settle": settle, "requires_attendance": attend},
        )
        created += made
        if made and code in URGENT_CLASSES:
            for priority in ("normal", "urgent", "critical"):
                for stage, amount in (("accept", 1), ("sign", 1), ("handle", 24)):
                    deadline_model.objects.create(
                        category=parent, priority=priority, stage=stage, amount=amount, unit="hours"
                    )
        for child_code, child_name, child_settle, child_attend in children:
            _child, made = category_model.objects.get_or_create(
                code=child_code,
                defaults={
                    "name": child_name,
                    "parent": parent,
                    "grid_may_settle": child_settle,
                    "requires_attendance": child_attend,
                },
            )
            created += made
    return created
