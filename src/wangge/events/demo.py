"""Demo departments, routing and events for the demo district.

The events replay the real grid reports of 2018-09-24…30 in 下城区 (type, channel and
location; text made up per type) through the workflow, today: a third wait in the
command-centre queues, the rest run to closure or stop part-way, as on a real day.

With ../shared beside the checkout, a few hundred real citizens' messages (泰迪杯 2020 C题,
attachment2) follow as letters to the mayor, spread over the micro-grids: most are
dispatched to the department their class belongs to and closed, and the first suggestion
model is trained on what was closed, so the event page shows suggestions at once.
"""

import contextlib
import csv
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.db import transaction

from wangge.errors import DomainError
from wangge.events import routing, workflow
from wangge.events.models import BuiltinChannel, Category, Department, Event, RoutingRule
from wangge.regions.models import Area, Role
from wangge.regions.spatial_index import get_index

EVENTS_FILE = "grid_events_2018-09_redacted.csv"

# code, name, category classes it leads
DEPARTMENTS = [
    ("cg", "区城管局", ["01", "02", "05"]),
    ("zj", "区住建局", ["03", "04", "12"]),
    ("sj", "区市场监管局", ["08", "10"]),
    ("ga", "区公安分局", ["07", "11"]),
    ("xf", "区消防救援大队", ["09"]),
    ("mz", "区民政局", ["06", "13", "14"]),
    ("sthj", "区生态环境分局", ["15"]),
    ("jt", "区交通运输局", []),
    ("jy", "区教育局", []),
    ("rs", "区人力社保局", []),
    ("wj", "区卫生健康局", []),
]
TIPDM_DIR = "cn_messages_tipdm2020c"
TIPDM_EVENTS = 200
# The message board's first-level classes → our category, and the department the command
# centre sends such letters to (not always the routing rule's: that is what is learned).
TIPDM_CLASSES = {
    "城乡建设": ("0301", "zj"),
    "环境保护": ("1502", "sthj"),
    "交通运输": ("0504", "jt"),
    "教育文体": ("1204", "jy"),
    "劳动和社会保障": ("1303", "rs"),
    "卫生计生": ("1204", "wj"),
    "商贸旅游": ("1204", "sj"),
}
# The 2018 file's event types → our catalogue
TYPE_TO_CATEGORY = {
    "民政": "1301",
    "消防安全": "0902",
    "市容环境": "0102",
    "民生服务": "1204",
    "卫生安全": "1002",
    "公平交易秩序": "0501",
    "社保": "1303",
    "证照管理": "0501",
    "卫计": "1003",
    "统战工作": "1204",
    "综合受理": "1204",
    "党建宣传": "1204",
    "文体教育": "1204",
    "老龄殡葬": "1401",
    "组织工作": "1204",
    "残联": "1301",
    "物业管理": "0603",
    "矛盾纠纷": "0601",
    "安全生产": "0801",
    "国家安全": "0701",
}
CHANNELS = {
    "便民服务": BuiltinChannel.GRID_APP,
    "综治工作": BuiltinChannel.GRID_APP,
    "市场监督": BuiltinChannel.CITY_MANAGEMENT,
    "综合执法": BuiltinChannel.LAW_ENFORCEMENT,
}
TITLES = {
    "1301": "低保户反映救助金未到账",
    "0902": "楼道电动车充电",
    "0102": "路边垃圾堆放",
    "1204": "居民求助代办事项",
    "1002": "小餐馆后厨卫生差",
    "0501": "无照流动摊贩",
    "1303": "退休人员社保咨询",
    "1003": "学校周边无证小吃",
    "1401": "独居老人需要照看",
    "0603": "小区物业停车纠纷",
    "0601": "楼上楼下漏水纠纷",
    "0801": "仓库堆放易燃物",
    "0701": "可疑人员反复出入",
}


@dataclass
class EventsDemoResult:
    departments: int = 0
    events: int = 0
    skipped: int = 0
    messages: int = 0  # of them, real citizens' messages
    model_version: int | None = None  # the suggestion model trained on the closed ones
    by_status: dict[str, int] = field(default_factory=dict)


@transaction.atomic
def build_departments(password_hash: str) -> list[Department]:
    district = Area.objects.live().get(level=1)
    user_model = get_user_model()
    made = []
    for code, name, classes in DEPARTMENTS:
        department, _ = Department.objects.get_or_create(code=code, defaults={"name": name})
        department.areas.add(district)
        handler, _ = user_model.objects.get_or_create(
            username=f"demo-dept-{code}", defaults={"first_name": name, "password": password_hash}
        )
        department.handlers.add(handler)
        for class_code in classes:
            category = Category.objects.get(code=class_code)
            category.default_departments.add(department)
            RoutingRule.objects.get_or_create(
                category=category, area=district, defaults={"department": department}
            )
        made.append(department)
    return made


def build_events(source: Path, *, limit: int | None = None) -> EventsDemoResult:
    """Replay the real reports through the workflow (needs departments and demo staff)."""
    result = EventsDemoResult(departments=Department.objects.count())
    rows = list(csv.DictReader(source.open(encoding="utf-8")))[:limit]
    operator = get_user_model().objects.filter(posts__role=Role.OPERATOR).first()
    index = get_index()
    for i, row in enumerate(rows):
        try:
            lon, lat = float(row["lon"]), float(row["lat"])
        except (KeyError, ValueError):
            result.skipped += 1
            continue
        found = index.locate(lon, lat)
        if found.outside:
            result.skipped += 1
            continue
        area = Area.objects.get(pk=found.chain[0].id)
        reporter = (
            get_user_model()
            .objects.filter(posts__area__path__in=area.chain_paths(), posts__role=Role.FULL_TIME)
            .first()
        )
        category = Category.objects.get(code=TYPE_TO_CATEGORY.get(row["事件类型"], "1204"))
        event = workflow.event_report(
            actor=reporter or operator,
            title=TITLES.get(category.code, category.name),
            description=f"{row['事件类型']}：{row['上报部门']}上报。",
            category=category,
            channel=CHANNELS.get(row["来源平台"], BuiltinChannel.GRID_APP),
            lon=lon,
            lat=lat,
            client_key=f"demo-2018-{i}",
        )
        # A step the demo world does not allow leaves the event where it is.
        with contextlib.suppress(DomainError):
            _advance(event, i, operator, reporter)
        result.events += 1
    messages = source.parent.parent / TIPDM_DIR
    if messages.is_dir():
        result.messages = build_message_events(messages, operator)
        result.events += result.messages
        result.model_version = _train()
    for status in Event.objects.values_list("status", flat=True):
        result.by_status[status] = result.by_status.get(status, 0) + 1
    return result


def build_message_events(folder: Path, operator: Any, *, count: int = TIPDM_EVENTS) -> int:
    """Real messages as letters to the mayor, over the micro-grids (every n-th of the
    labelled file and every k-th micro-grid, so the same demo each time)."""
    from wangge.suggest import tipdm

    messages = [m for m in tipdm.labelled(folder) if m.label in TIPDM_CLASSES]
    step = max(1, len(messages) // count)
    messages = messages[::step][:count]
    deepest = Area.objects.live().order_by("-level").values_list("level", flat=True).first() or 0
    grids = list(Area.objects.live().filter(level=deepest).order_by("code"))
    categories = {c.code: c for c in Category.objects.all()}
    departments = {d.code: d for d in Department.objects.all()}
    for i, message in enumerate(messages):
        category_code, department_code = TIPDM_CLASSES[message.label]
        event = workflow.event_report(
            actor=None,
            title=message.title[:200] or message.text[:30],
            description=message.text[:2000],
            category=categories[category_code],
            channel=BuiltinChannel.MAYOR_LETTER,
            area=grids[(i * 37) % len(grids)],
            reporter_name="网友",
            client_key=f"demo-tipdm-{message.ref}",
        )
        with contextlib.suppress(DomainError):
            _settle_letter(event, i, operator, departments[department_code])
    return len(messages)


def _settle_letter(event: Event, i: int, operator: Any, lead: Department) -> None:
    stage = i % 10  # 0: to accept, 1: to dispatch, 2: dispatched, else closed
    if stage == 0:
        return
    event = workflow.event_accept(event=event, actor=operator)
    if stage == 1:
        return
    event = workflow.event_dispatch(event=event, actor=operator, lead=lead)
    if stage == 2:
        return
    handler = lead.handlers.first()
    event = workflow.event_sign(event=event, actor=handler)
    event = workflow.event_feedback(event=event, actor=handler, note="已按职责办理并答复网友。")
    event = workflow.event_verify(event=event, actor=operator, passed=True)
    workflow.event_close(event=event, actor=operator)


def _train() -> int | None:
    from wangge.suggest.services import train

    try:
        return train().version
    except DomainError:
        return None


def _advance(event: Event, i: int, operator: Any, worker: Any) -> None:
    stage = i % 6  # 0-1: waiting in the queues; 2-5: further along
    if stage == 0:
        return
    event = workflow.event_accept(event=event, actor=operator)
    if stage == 1:
        return
    if event.category.grid_may_settle and worker is not None:
        event = workflow.event_self_handle(event=event, actor=worker)
        event = workflow.event_feedback(event=event, actor=worker, note="网格员现场处置完毕。")
    else:
        lead = routing.suggest_lead(event)
        if lead is None:
            return
        event = workflow.event_dispatch(event=event, actor=operator, lead=lead)
        handler = lead.handlers.first()
        if stage == 2:
            return
        event = workflow.event_sign(event=event, actor=handler)
        if stage == 3:
            return
        event = workflow.event_feedback(event=event, actor=handler, note="已按职责处置。")
    if stage <= 4:
        return
    event = workflow.event_verify(event=event, actor=operator, passed=True)
    event = workflow.event_close(event=event, actor=operator)
    workflow.event_callback(event=event, actor=operator, satisfaction="satisfied")


@transaction.atomic
def reset() -> None:
    """Remove every event and the demo's departments (before the areas go)."""
    from wangge.events.models import Attachment, Notification, TimelineEntry, WorkOrder
    from wangge.suggest.models import SuggestionModel

    Notification.objects.all().delete()
    TimelineEntry.objects.all().delete()  # append-only for the platform; a reset wipes it
    Attachment.objects.all().delete()
    WorkOrder.objects.all().delete()
    Event.objects.update(parent=None)
    Event.objects.all().delete()
    RoutingRule.objects.all().delete()
    SuggestionModel.objects.all().delete()
    Department.objects.filter(code__in=[code for code, _n, _c in DEPARTMENTS]).delete()


def demo_password_hash(password: str) -> str:
    return make_password(password)
