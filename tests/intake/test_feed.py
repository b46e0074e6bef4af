"""Status changes back to the source: the changes feed by cursor, and signed webhooks."""

import json
from collections.abc import Iterator

import pytest
from huey.contrib.djhuey import HUEY

from tests.events.receiver import Receiver
from tests.intake.conftest import Intake, order, push
from wangge.events import tasks
from wangge.events import workflow as wf
from wangge.events.models import Category, Event
from wangge.intake.models import Channel

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _no_lag(settings) -> None:
    settings.WANGGE_INTAKE_FEED_LAG_SECONDS = 0


def changes(client, intake: Intake, cursor: int, **extra: object) -> dict:
    response = client.get(
        "/api/intake/changes", {"cursor": cursor, **extra}, HTTP_X_API_KEY=intake.key
    )
    assert response.status_code == 200, response.content
    return response.json()


def test_the_feed_pages_through_the_channels_changes_by_cursor(client, intake: Intake):
    push(client, intake.key, order())
    push(client, intake.key, order(order_no="GD2"))
    wf.event_report(  # another channel's event: not in this feed
        actor=intake.world.operator,
        title="网格员上报",
        category=Category.objects.get(code="0102"),
        area=intake.world.areas["330103001"],
    )
    page = changes(client, intake, 0)
    assert [(c["order_no"], c["action"], c["to_status"]) for c in page["items"]] == [
        ("GD20260301001", "report", "reported"),
        ("GD2", "report", "reported"),
    ]  # no other channel's events, no non-public source records
    cursor = page["next_cursor"]
    assert changes(client, intake, cursor) == {"items": [], "next_cursor": cursor}
    event = Event.objects.get(source_ref="GD2")
    wf.event_accept(event=event, actor=intake.world.operator, comment="已立案")
    page = changes(client, intake, cursor)
    assert [(c["order_no"], c["action"], c["status"], c["comment"]) for c in page["items"]] == [
        ("GD2", "accept", "accepted", "已立案")
    ]
    assert page["next_cursor"] > cursor
    # A small page, then the rest.
    first = changes(client, intake, 0, limit=1)
    assert len(first["items"]) == 1
    rest = changes(client, intake, first["next_cursor"])
    assert len(rest["items"]) == 2


def test_the_newest_entries_wait_out_the_lag(client, intake: Intake, settings):
    settings.WANGGE_INTAKE_FEED_LAG_SECONDS = 3600
    push(client, intake.key, order())
    assert changes(client, intake, 0) == {"items": [], "next_cursor": 0}


def test_the_feed_needs_the_channels_key(client, intake: Intake):
    assert client.get("/api/intake/changes").status_code == 401
    assert client.get("/api/intake/changes", HTTP_X_API_KEY="x").status_code == 403
    bad = client.get("/api/intake/changes?cursor=-1", HTTP_X_API_KEY=intake.key)
    assert bad.status_code == 400
    not_a_number = client.get("/api/intake/changes?cursor=abc", HTTP_X_API_KEY=intake.key)
    assert not_a_number.status_code == 422


@pytest.fixture
def receiver(monkeypatch) -> Iterator[Receiver]:
    for name in ("http_proxy", "HTTP_PROXY", "https_proxy", "HTTPS_PROXY", "all_proxy"):
        monkeypatch.delenv(name, raising=False)
    HUEY.flush()
    with Receiver([]) as r:
        yield r
    HUEY.flush()


def test_changes_are_posted_signed_to_the_channels_webhook(
    client, intake: Intake, receiver: Receiver, django_capture_on_commit_callbacks
):
    secret = "hotline-secret"
    Channel.objects.filter(pk=intake.hotline.pk).update(
        webhook_url=receiver.url + "/12345", secret=secret
    )
    with django_capture_on_commit_callbacks(execute=True):
        push(client, intake.key, order())
    with django_capture_on_commit_callbacks(execute=True):
        wf.event_accept(event=Event.objects.get(), actor=intake.world.operator)
    assert [r["path"] for r in receiver.received] == ["/12345", "/12345"]
    accepted = receiver.received[1]
    assert accepted["headers"]["X-Wangge-Signature"] == tasks.signature(secret, accepted["body"])
    payload = json.loads(accepted["body"])
    assert (payload["order_no"], payload["action"], payload["status"]) == (
        "GD20260301001",
        "accept",
        "accepted",
    )
    assert accepted["headers"]["X-Wangge-Event"] == "accept"


def test_no_webhook_for_other_channels_or_rolled_back_changes(
    client, intake: Intake, receiver: Receiver, django_capture_on_commit_callbacks
):
    Channel.objects.filter(pk=intake.hotline.pk).update(webhook_url=receiver.url, secret="s")
    with django_capture_on_commit_callbacks(execute=True):
        wf.event_report(
            actor=intake.world.operator,
            title="网格员上报",
            category=Category.objects.get(code="0102"),
            area=intake.world.areas["330103001"],
        )
        push(client, intake.key, order(category="外星人入侵"))  # refused: nothing written
    assert receiver.received == []
