"""The demo's campaign: 流动人员信息排查 over every household of the district, opened, with
part of it already done so the coverage page and map have something to show."""

import datetime as dt

import numpy as np
from django.db import connection, transaction
from django.utils import timezone

from wangge.accounts.actors import SYSTEM
from wangge.fieldwork import changes
from wangge.fieldwork.campaigns import services as campaigns
from wangge.fieldwork.models import Campaign, CampaignSubmission, CampaignTarget
from wangge.regions.models import Area

TITLE = "流动人员信息排查"
GRID_LEVEL = 4

FORM = [
    {
        "name": "resident_count",
        "label": "在住人数",
        "type": "number",
        "required": True,
        "min": 0,
        "max": 50,
    },
    {"name": "has_floating", "label": "是否有流动人员", "type": "yes_no", "required": True},
    {"name": "floating_count", "label": "流动人员人数", "type": "number", "min": 0, "max": 50},
    {"name": "origin", "label": "来源地（省市县）", "type": "text"},
    {
        "name": "purpose",
        "label": "来本地事由",
        "type": "multi_choice",
        "choices": ["务工", "经商", "就学", "投亲靠友", "其他"],
    },
    {
        "name": "housing",
        "label": "居住方式",
        "type": "choice",
        "choices": ["自有住房", "租住", "单位宿舍", "借住"],
        "required": True,
    },
    {"name": "arrived_on", "label": "来本地日期", "type": "date"},
    {"name": "residence_permit", "label": "已办理居住证", "type": "yes_no"},
    {"name": "photo", "label": "现场照片", "type": "photo"},
    {"name": "note", "label": "备注", "type": "text"},
    {"name": "signature", "label": "受访人签名", "type": "signature"},
]
SAMPLE_ANSWERS = [
    {"resident_count": 3, "has_floating": False, "housing": "自有住房"},
    {
        "resident_count": 2,
        "has_floating": True,
        "floating_count": 2,
        "origin": "安徽省阜阳市",
        "purpose": ["务工"],
        "housing": "租住",
        "residence_permit": True,
    },
]


@transaction.atomic
def demo_campaign(*, seed: int = 330103, today: dt.date | None = None) -> Campaign | None:
    """Define and open the demo campaign over the whole district; mark a share of each grid's
    households done (and a few not reachable), varying by grid. None without areas."""
    tops = list(Area.objects.live().filter(parent__isnull=True).values_list("code", flat=True))
    if not tops:
        return None
    today = today or timezone.localdate()
    campaign = campaigns.campaign_define(
        actor=SYSTEM,
        title=TITLE,
        description="摸清辖区流动人员底数：逐户登记在住人数、流动人员来源、事由和居住方式。",
        starts_on=today - dt.timedelta(days=7),
        ends_on=today + dt.timedelta(days=23),
        area_codes=tops,
        fields=FORM,
    )
    campaigns.campaign_open(actor=SYSTEM, campaign=campaign)
    campaign.refresh_from_db()
    rng = np.random.default_rng(seed)
    now = timezone.now()
    grids = (
        Area.objects.live().filter(level=GRID_LEVEL).order_by("path").values_list("path", flat=True)
    )
    for path in grids:
        share = int(
            rng.choice([100, 90, 75, 60, 40, 20, 0], p=[0.1, 0.2, 0.2, 0.2, 0.15, 0.1, 0.05])
        )
        rows = CampaignTarget.objects.filter(campaign=campaign, area__path__startswith=path)
        ids = list(rows.order_by("id").values_list("id", flat=True))
        done = ids[: len(ids) * share // 100]
        unreachable = ids[len(done) : len(done) + (len(ids) - len(done)) // 20]
        for k, answers in enumerate(SAMPLE_ANSWERS):
            part = done[k :: len(SAMPLE_ANSWERS)]
            CampaignTarget.objects.filter(pk__in=part).update(
                status=CampaignTarget.Status.DONE, answers=answers, done_at=now
            )
            CampaignSubmission.objects.bulk_create(
                [
                    CampaignSubmission(target_id=t, status="done", answers=answers, at=now)
                    for t in part
                ],
                batch_size=2000,
            )
        CampaignTarget.objects.filter(pk__in=unreachable).update(
            status=CampaignTarget.Status.UNREACHABLE, reason="多次上门无人应答", done_at=now
        )
        CampaignSubmission.objects.bulk_create(
            [
                CampaignSubmission(
                    target_id=t, status="unreachable", reason="多次上门无人应答", at=now
                )
                for t in unreachable
            ],
            batch_size=2000,
        )
    with connection.cursor() as cursor:
        changes.campaign_areas(cursor, campaign)  # the statuses above, for the worker
    return campaign


def reset() -> None:
    """Remove every campaign (before the people and areas go)."""
    Campaign.objects.all().delete()
