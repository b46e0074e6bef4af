"""What a grid worker finished today leaves the open list and gathers in one folded group at
its end ("已完成 (N)"), latest first, each still a link to its record; yesterday's work and
another worker's are not in it, and the page's query count does not grow with it."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from tests.fieldwork.patrol_world import client_for, make_patrol_world
from tests.sqlguard import get_lean
from wangge.events import workflow
from wangge.events.models import Category
from wangge.fieldwork import today
from wangge.fieldwork.attend import services as attend
from wangge.fieldwork.campaigns import services as campaigns
from wangge.fieldwork.models import Inspection
from wangge.fieldwork.patrols import services as patrols

pytestmark = pytest.mark.django_db


def _attend_task(w):
    p = w.people
    workflow.event_report(
        actor=p.worker_a,
        title="邻居因噪音争吵",
        category=Category.objects.get(code="0601"),
        lon=p.micro_a.centroid_lon,
        lat=p.micro_a.centroid_lat,
        area=p.micro_a,
    )
    attend.sync()
    return attend.AttendTask.objects.get(assignee=p.worker_a)


def test_done_work_folds_at_the_end_of_todays_list(settings, tmp_path, monkeypatch):
    monkeypatch.delenv("WANGGE_PII_KEY", raising=False)
    settings.WANGGE_PII_KEY_FILE = tmp_path / "pii.key"
    w = make_patrol_world()
    p = w.people
    day = timezone.localdate()
    task = _attend_task(w)
    client = client_for(p.worker_a)

    yesterday = patrols.inspection_record(actor=p.worker_a, target=w.facility_a, result="ok")
    Inspection.objects.filter(pk=yesterday.pk).update(
        done_on=day - dt.timedelta(days=1), at=timezone.now() - dt.timedelta(days=1)
    )
    patrols.inspection_record(actor=p.worker_a, target=w.hazard_a, result="ok")
    attend.attend_record(actor=p.worker_a, task=task, note="已到现场调解")

    done = today.done_today(p.worker_a, day)
    assert [(i.kind, i.title) for i in done] == [
        ("attend", "到场：邻居因噪音争吵"),
        ("inspection", "河道A"),
    ]
    assert not {(i.kind, i.pk) for i in today.todo(p.worker_a, day)} & {("attend", task.pk)}
    assert today.done_today(p.worker_b, day) == []
    for item in done:
        assert client.get(item.url).status_code == 200, item

    page, _count = get_lean(client, "/field/")
    html = page.content.decode()
    folded = html.index('<details class="task-group done" data-kind="done" id="today-done">')
    assert '<details class="task-group" data-kind=' not in html[folded:]  # the last group
    assert " open" not in html[folded : html.index(">", folded)]  # folded
    assert "已完成 (2)" in html[folded:]
    # The phone app's API says the same, and another worker's list is empty.
    api, _count = get_lean(client, "/api/fieldwork/today/done")
    assert [(d["kind"], d["title"], d["url"]) for d in api.json()["items"]] == [
        (i.kind, i.title, i.url) for i in done
    ]
    assert client_for(p.worker_b).get("/api/fieldwork/today/done").json()["items"] == []


def _reads(user) -> tuple[int, int]:
    with CaptureQueriesContext(connection) as ctx:
        done = today.done_today(user, timezone.localdate())
    return len(done), len(ctx.captured_queries)


def test_the_done_group_reads_four_queries_whatever_the_numbers(settings, tmp_path, monkeypatch):
    monkeypatch.delenv("WANGGE_PII_KEY", raising=False)
    settings.WANGGE_PII_KEY_FILE = tmp_path / "pii.key"
    w = make_patrol_world()
    p = w.people
    campaign = campaigns.campaign_define(
        actor=p.admin,
        title="流动人员信息排查",
        starts_on=timezone.localdate(),
        ends_on=timezone.localdate() + dt.timedelta(days=30),
        area_codes=["330103"],
        fields=[{"name": "n", "label": "在住人数", "type": "number", "required": True}],
    )
    campaigns.campaign_open(actor=p.admin, campaign=campaign)
    patrols.inspection_record(actor=p.worker_a, target=w.hazard_a, result="ok")
    assert _reads(p.worker_a) == (1, 4)  # one read per kind
    patrols.inspection_record(actor=p.worker_a, target=w.facility_a, result="ok")
    answered = list(campaign.targets.filter(area=p.micro_a)[:2])
    assert answered
    for target in answered:
        campaigns.target_answer(actor=p.worker_a, target=target, answers={"n": 3})
    n = 2 + len(answered)
    assert _reads(p.worker_a) == (n, 4)
    page = client_for(p.worker_a).get("/field/").content.decode()
    assert f"已完成 ({n})" in page
