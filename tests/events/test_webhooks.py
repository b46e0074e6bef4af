"""Outbound webhooks: a real HTTP server on the loopback receives the signed POSTs.

Tasks run in huey's immediate mode (tests/conftest.py): a delivery runs when it is queued,
and a failed one waits in the in-memory schedule for its retry, which a test runs by hand.
"""

import hashlib
import hmac
import json
import socket
from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import Any

import pytest
from django.db import transaction
from huey.contrib.djhuey import HUEY

from tests.events.receiver import Receiver
from tests.factories import make_tree, make_user, post
from wangge.events import tasks
from wangge.events import workflow as wf
from wangge.events.models import Category, Event, WebhookEndpoint
from wangge.events.sweep import sweep

pytestmark = pytest.mark.django_db

SECRET = "s3cret-key"


@pytest.fixture(autouse=True)
def _empty_queue(monkeypatch) -> Iterator[None]:
    """No retry left over from another test; no proxy between us and the loopback."""
    for name in ("http_proxy", "HTTP_PROXY", "https_proxy", "HTTPS_PROXY", "all_proxy"):
        monkeypatch.delenv(name, raising=False)
    assert HUEY.immediate
    HUEY.flush()
    yield
    HUEY.flush()


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    with Receiver([]) as r:
        yield r


@pytest.fixture
def flaky() -> Iterator[Receiver]:
    with Receiver([500]) as r:
        yield r


@pytest.fixture
def reporter():
    areas = sorted(make_tree(split=1).values(), key=lambda a: a.level)
    user = make_user("w")
    post(user, areas[3], role="full_time")
    return user, areas[4]


def report(reporter: Any) -> Event:
    user, area = reporter
    return wf.event_report(
        actor=user, title="路边暴露垃圾", category=Category.objects.get(code="0102"), area=area
    )


def run_retries(until: datetime | None = None) -> int:
    """Run the retries due by `until` (default: any time) as the consumer would."""
    until = until or datetime(9999, 1, 1)
    due = HUEY.read_schedule(until)
    for task in due:
        HUEY.execute(task, timestamp=until)
    return len(due)


def expected_signature(body: bytes) -> str:
    return "sha256=" + hmac.new(SECRET.encode(), body, hashlib.sha256).hexdigest()


def test_a_committed_transition_posts_signed_json_to_each_active_endpoint(
    reporter, receiver, django_capture_on_commit_callbacks
):
    WebhookEndpoint.objects.create(name="sms", url=receiver.url + "/sms", secret=SECRET)
    WebhookEndpoint.objects.create(name="im", url=receiver.url + "/im", secret="other")
    WebhookEndpoint.objects.create(
        name="off", url=receiver.url + "/off", secret=SECRET, active=False
    )

    with django_capture_on_commit_callbacks(execute=True):
        event = report(reporter)

    assert sorted(r["path"] for r in receiver.received) == ["/im", "/sms"]
    sms = next(r for r in receiver.received if r["path"] == "/sms")
    im = next(r for r in receiver.received if r["path"] == "/im")
    assert sms["headers"]["X-Wangge-Signature"] == expected_signature(sms["body"])
    assert im["headers"]["X-Wangge-Signature"] != expected_signature(im["body"])  # its own key
    assert sms["headers"]["X-Wangge-Event"] == "report"
    assert sms["headers"]["Content-Type"].startswith("application/json")
    payload = json.loads(sms["body"])
    assert {k: payload[k] for k in ("event", "action", "from", "to")} == {
        "event": event.code,
        "action": "report",
        "from": "",
        "to": "reported",
    }
    assert (
        payload["id"] == sms["headers"]["X-Wangge-Delivery"] == im["headers"]["X-Wangge-Delivery"]
    )
    assert sms["body"] == im["body"]
    assert HUEY.scheduled_count() == 0  # nothing failed, nothing to retry


def test_a_failing_endpoint_is_retried_with_the_same_body(flaky):
    WebhookEndpoint.objects.create(name="sms", url=flaky.url, secret=SECRET)
    tasks.enqueue_webhooks({"event": "XC-1", "action": "dispatch", "from": "a", "to": "b"})
    assert len(flaky.received) == 1  # answered 500

    (retry,) = HUEY.scheduled()
    assert retry.retries == tasks.WEBHOOK_RETRIES - 1
    assert retry.retry_delay == tasks.WEBHOOK_RETRY_DELAY * tasks.WEBHOOK_RETRY_BACKOFF
    assert run_retries(until=retry.eta - timedelta(seconds=1)) == 0  # not before its time
    assert run_retries(until=retry.eta) == 1
    assert len(flaky.received) == 2  # answered 200
    first, second = flaky.received
    assert first["body"] == second["body"]
    assert second["headers"]["X-Wangge-Signature"] == expected_signature(second["body"])
    assert HUEY.scheduled_count() == 0


def test_an_unreachable_endpoint_is_retried_until_the_retries_run_out():
    with socket.socket() as s:  # a port nothing listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    WebhookEndpoint.objects.create(name="down", url=f"http://127.0.0.1:{port}/", secret=SECRET)
    tasks.enqueue_webhooks({"event": "XC-1", "action": "close", "from": "a", "to": "b"})
    tries = 1
    while run_retries():
        tries += 1
    assert tries == 1 + tasks.WEBHOOK_RETRIES


def test_a_switched_off_endpoint_gets_no_retry(flaky):
    endpoint = WebhookEndpoint.objects.create(name="sms", url=flaky.url, secret=SECRET)
    tasks.enqueue_webhooks({"event": "XC-1", "action": "close", "from": "a", "to": "b"})
    endpoint.active = False
    endpoint.save()
    assert run_retries() == 1
    assert len(flaky.received) == 1 and HUEY.scheduled_count() == 0


def test_a_rolled_back_transition_sends_nothing(
    reporter, receiver, django_capture_on_commit_callbacks
):
    WebhookEndpoint.objects.create(name="sms", url=receiver.url, secret=SECRET)
    with (
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        report(reporter)
        raise RuntimeError("something later in the same request failed")
    assert callbacks == [] and receiver.received == []
    assert not Event.objects.exists()

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        report(reporter)
    assert len(callbacks) == 1 and len(receiver.received) == 1


def test_sweep_alerts_go_out_after_their_commit(
    reporter, receiver, django_capture_on_commit_callbacks
):
    WebhookEndpoint.objects.create(name="sms", url=receiver.url, secret=SECRET)
    event = report(reporter)  # outside the capture: its own hook never runs
    with django_capture_on_commit_callbacks(execute=True):
        sweep(now=event.deadline)
    (hook,) = receiver.received
    assert hook["headers"]["X-Wangge-Event"] == "overdue"
    assert json.loads(hook["body"])["event"] == event.code


def test_no_endpoint_no_task(reporter, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        report(reporter)
    assert HUEY.scheduled_count() == 0


def test_only_http_urls_are_posted_to():
    with pytest.raises(tasks.DeliveryFailed):
        tasks.post_signed("file:///etc/passwd", SECRET, b"{}", "report", "id")
