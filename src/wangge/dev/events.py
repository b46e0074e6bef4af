"""Demo departments, routing and events for the demo district.

The events replay the real grid reports of 2018-09-24…30 in 下城区 (type, channel and
location; text per category) through the workflow, spread over the last ninety days
(`history`): recent ones wait at every stage, some are overdue, older ones are closed. Without
../shared, made-up reports of the same kinds fall at random points of the micro-grids.

With ../shared beside the checkout, a few hundred real citizens' messages (泰迪杯 2020 C题,
attachment2) follow as letters to the mayor, spread over the micro-grids: most are
dispatched to the department their class belongs to and closed, and the first suggestion
model is trained on what was closed, so the event page shows suggestions at once.
"""

import csv
import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.utils import timezone
from shapely.geometry import Point

from wangge.dev import history, stories
from wangge.errors import DomainError
from wangge.events.models import BuiltinChannel, Category, Department, Event, RoutingRule
from wangge.regions import geometry
from wangge.regions.models import Area
from wangge.regions.spatial_index import get_index
from wangge.suggest import tipdm
from wangge.suggest.services import train

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
SAMPLE_EVENTS = 160  # the built-in sample's ninety days
SAMPLE_CHANNELS = {
    BuiltinChannel.GRID_APP: 55,
    BuiltinChannel.HOTLINE: 20,
    BuiltinChannel.RESIDENT: 10,
    BuiltinChannel.CITY_MANAGEMENT: 10,
    BuiltinChannel.VIDEO: 5,
}
# The message board's first-level classes → our category where the text names no better one
# (`stories.letter_category`), and the department the command centre sends such letters to
# (not always the routing rule's: that is what is learned).
TIPDM_CLASSES = {
    "城乡建设": ("1204", "zj"),
    "环境保护": ("1501", "sthj"),
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


def build_events(
    source: Path | None = None, *, letters_from: Path | None = None, seed: int = 330103
) -> EventsDemoResult:
    """Ninety days of events through the workflow (needs departments and demo staff): the
    real reports of `source` when given, else made-up ones over the micro-grids; with
    `letters_from`, real letters too, and the suggestion model trained on what closed."""
    result = EventsDemoResult(departments=Department.objects.count())
    rng = np.random.default_rng(seed)
    if source is not None and source.exists():
        reports, result.skipped = real_reports(source, rng)
    else:
        reports = sample_reports(rng, SAMPLE_EVENTS)
    letters = letter_reports(letters_from, TIPDM_EVENTS) if letters_from else []
    reports += letters
    history_result = _replay(reports, rng, seed)
    result.events, result.by_status = history_result.events, history_result.by_status
    if letters:
        result.messages = len(letters)
        result.model_version = _train()
    return result


def _replay(reports: list[history.Report], rng: np.random.Generator, seed: int) -> Any:
    mixed = [reports[i] for i in rng.permutation(len(reports))]  # letters among reports
    times = history.report_times(rng, mixed, timezone.now())
    return history.replay(mixed, times, seed=seed)


def real_reports(source: Path, rng: np.random.Generator) -> tuple[list[history.Report], int]:
    """The 2018 grid reports: type, channel and place are real; text per category."""
    reports, skipped = [], 0
    for i, row in enumerate(csv.DictReader(source.open(encoding="utf-8"))):
        try:
            lon, lat = float(row["lon"]), float(row["lat"])
        except (KeyError, ValueError):
            skipped += 1
            continue
        if get_index().locate(lon, lat).outside:
            skipped += 1
            continue
        code = TYPE_TO_CATEGORY.get(row["事件类型"], "1204")
        title, description = stories.story(rng, code)
        reports.append(
            history.Report(
                key=f"demo-2018-{i}",
                category=code,
                title=title,
                description=f"{description}（{row['上报部门']}上报）",
                channel=CHANNELS.get(row["来源平台"], BuiltinChannel.GRID_APP),
                lon=lon,
                lat=lat,
                time_of_day=_time_of_day(row.get("上报时间_iso", "")),
            )
        )
    return reports, skipped


def _time_of_day(value: str) -> dt.time | None:
    try:
        return dt.datetime.fromisoformat(value).time()
    except ValueError:
        return None


def sample_reports(rng: np.random.Generator, count: int) -> list[history.Report]:
    """Made-up reports at random points of random micro-grids."""
    deepest = Area.objects.live().order_by("-level").values_list("level", flat=True).first() or 0
    cells = list(Area.objects.live().filter(level=deepest).order_by("code"))
    shapes = [geometry.from_geojson(c.geometry) for c in cells]
    channels = list(SAMPLE_CHANNELS)
    weights = np.array(list(SAMPLE_CHANNELS.values()), dtype=float)
    reports = []
    for i in range(count):
        k = int(rng.integers(len(cells)))
        lon, lat = _point_in(rng, shapes[k])
        code = stories.pick_category(rng)
        title, description = stories.story(rng, code)
        reports.append(
            history.Report(
                key=f"demo-sample-{i}",
                category=code,
                title=title,
                description=description,
                channel=str(rng.choice(channels, p=weights / weights.sum())),
                lon=lon,
                lat=lat,
                area=cells[k],
            )
        )
    return reports


def _point_in(rng: np.random.Generator, shape: Any) -> tuple[float, float]:
    minx, miny, maxx, maxy = shape.bounds
    for _ in range(100):
        x, y = rng.uniform(minx, maxx), rng.uniform(miny, maxy)
        if shape.contains(Point(x, y)):
            return round(float(x), 6), round(float(y), 6)
    point = shape.representative_point()
    return round(point.x, 6), round(point.y, 6)


def letter_reports(folder: Path, count: int) -> list[history.Report]:
    """Real messages as letters to the mayor, over the micro-grids (every n-th of the
    labelled file and every k-th micro-grid, so the same demo each time); each filed under
    the category its text speaks of, and sent to the department its class belongs to."""
    messages = [m for m in tipdm.labelled(folder) if m.label in TIPDM_CLASSES]
    step = max(1, len(messages) // count)
    messages = messages[::step][:count]
    deepest = Area.objects.live().order_by("-level").values_list("level", flat=True).first() or 0
    grids = list(Area.objects.live().filter(level=deepest).order_by("code"))
    reports = []
    for i, message in enumerate(messages):
        fallback, department_code = TIPDM_CLASSES[message.label]
        reports.append(
            history.Report(
                key=f"demo-tipdm-{message.ref}",
                category=stories.letter_category(message.title + message.text, fallback),
                title=message.title[:200] or message.text[:30],
                description=message.text[:2000],
                channel=BuiltinChannel.MAYOR_LETTER,
                area=grids[(i * 37) % len(grids)],
                lead=department_code,
                anonymous=True,
            )
        )
    return reports


def build_message_events(folder: Path, *, count: int = TIPDM_EVENTS, seed: int = 330103) -> int:
    """Only the letters, over the last ninety days."""
    reports = letter_reports(folder, count)
    _replay(reports, np.random.default_rng(seed), seed)
    return len(reports)


def _train() -> int | None:
    try:
        return train().version
    except DomainError:
        return None


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
