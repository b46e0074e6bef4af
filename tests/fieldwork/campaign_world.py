"""Shared set-up of the campaign tests: the people tests' two grids (A and B) plus a few more
residents in grid A, and the fixtures (PII key, media folder, English messages)."""

import base64
import datetime as dt
import io
from dataclasses import dataclass
from typing import Any

import pytest
from django.utils import timezone, translation
from PIL import Image, ImageDraw

from tests.people.factories import People, household_at, make_people
from wangge.accounts.actors import SYSTEM
from wangge.fieldwork.campaigns import services as campaigns
from wangge.fieldwork.models import Campaign
from wangge.people.models import Household, Resident, TagKind
from wangge.people.residents import services
from wangge.regions import spatial_index

FORM = [
    {"name": "count", "label": "在住人数", "type": "number", "required": True, "min": 0},
    {"name": "kind", "label": "人员类型", "type": "choice", "choices": ["户籍", "流动"]},
    {"name": "needs", "label": "需求", "type": "multi_choice", "choices": ["就业", "就医", "就学"]},
    {"name": "since", "label": "来本地时间", "type": "date"},
    {"name": "rented", "label": "是否租住", "type": "yes_no"},
    {"name": "note", "label": "备注", "type": "text"},
    {"name": "photo", "label": "现场照片", "type": "photo"},
    {"name": "sign", "label": "户主签名", "type": "signature"},
]


@pytest.fixture(autouse=True)
def _campaign_env(settings, tmp_path, monkeypatch):
    monkeypatch.delenv("WANGGE_PII_KEY", raising=False)
    settings.WANGGE_PII_KEY_FILE = tmp_path / "pii.key"
    settings.MEDIA_ROOT = tmp_path / "media"
    with translation.override("en"):
        yield


@dataclass
class World:
    people: People
    household_a2: Household  # a second household in micro-grid A
    floating: Resident  # 流动, 30 years old, in household_a2
    elder: Resident  # 独居老人, 80, in household_a


def years_ago(n: int, day: dt.date | None = None) -> dt.date:
    day = day or timezone.localdate()
    return day.replace(year=day.year - n, day=min(day.day, 28))


def make_world() -> World:
    spatial_index.invalidate()
    people = make_people()
    hh2 = household_at(people.micro_a, "HA2")
    floating = services.resident_create(
        actor=SYSTEM,
        name="王流动",
        id_number="330103199003071237",
        household=hh2,
        relation="head",
        residence_type="floating",
    )
    Resident.objects.filter(pk=floating.pk).update(birth_date=years_ago(30))
    Resident.objects.filter(pk=people.resident_b.pk).update(birth_date=years_ago(40))
    elder = people.resident_a
    Resident.objects.filter(pk=elder.pk).update(birth_date=years_ago(80))
    services.tag_add(actor=SYSTEM, resident=elder, kind=TagKind.objects.get(code="living_alone"))
    return World(people=people, household_a2=hh2, floating=floating, elder=elder)


@pytest.fixture
def world(db) -> World:
    yield make_world()
    spatial_index.invalidate()


def define(world: World, **extra: Any) -> Campaign:
    values: dict[str, Any] = {
        "title": "流动人员信息排查",
        "starts_on": timezone.localdate(),
        "ends_on": timezone.localdate() + dt.timedelta(days=30),
        "area_codes": ["330103"],
        "fields": FORM,
    }
    values.update(extra)
    return campaigns.campaign_define(actor=world.people.admin, **values)


def opened(world: World, **extra: Any) -> Campaign:
    campaign = define(world, **extra)
    campaigns.campaign_open(actor=world.people.admin, campaign=campaign)
    campaign.refresh_from_db()
    return campaign


def signature_png(ink: bool = True, size: tuple[int, int] = (300, 120)) -> bytes:
    image = Image.new("RGBA", size, (0, 0, 0, 0))
    if ink:
        ImageDraw.Draw(image).line([(10, 60), (150, 20), (290, 100)], fill=(0, 0, 0, 255), width=4)
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()


def data_url(png: bytes) -> str:
    return "data:image/png;base64," + base64.b64encode(png).decode()


def jpeg_photo() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (64, 48), (200, 30, 30)).save(out, "JPEG")
    return out.getvalue()
