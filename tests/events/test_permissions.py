"""Who may make each move, through the HTTP API: one permission matrix per transition.

For every transition an event is brought into a state where the move is legal, then each
person tries it, each try in a savepoint that is rolled back, so all see the same event:

* the right role in scope → 200, the new status, version + 1, one timeline entry;
* someone who can see the event but may not act (grid staff on a centre's move, a centre on
  a department's move, a department whose order was returned, …) → 403 "forbidden";
* someone who cannot see it (the other street's grid worker and operator, a department with
  no order on it) → 404 "not_found";
* anonymous → 401 "unauthenticated".

Each test compares the whole row of the matrix at once, so a failure shows every cell that
differs. The world is built once for the module (in a transaction rolled back at its end).
"""

import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pytest
from django.db import transaction
from django.test import Client, override_settings
from django.utils import timezone

from tests.events.factories import World, make_world, report
from tests.factories import make_user, post
from wangge.events import workflow as wf
from wangge.events.models import Department, Event, Status, TimelineEntry

pytestmark = pytest.mark.django_db


@dataclass
class PermWorld:
    w: World
    far_operator: Any  # a centre at the other street (330103002): cannot see our events
    env_handler: Any  # handler of a department that never had an order on them

    def user(self, name: str) -> Any:
        return getattr(self, name, None) or getattr(self.w, name)


@pytest.fixture(scope="module")
def pw(django_db_setup, django_db_blocker):
    """The world, once for the module; every test runs in a savepoint inside it."""
    with (
        django_db_blocker.unblock(),
        override_settings(PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"]),
    ):
        atomic = transaction.atomic()
        atomic.__enter__()
        try:
            w = make_world()
            far_operator = make_user("far_operator")
            post(far_operator, w.areas["330103002"], role="operator")
            env = Department.objects.create(code="hb", name="环保")
            env_handler = make_user("env")
            env.handlers.add(env_handler)
            yield PermWorld(w, far_operator, env_handler)
        finally:
            transaction.set_rollback(True)
            atomic.__exit__(None, None, None)


# -- states to start from ------------------------------------------------------------------
def reported(pw: PermWorld) -> Event:
    return report(pw.w)


def accepted(pw: PermWorld) -> Event:
    """Accepted, after a dispatch the market department returned: the market handler still
    sees the event (its returned order) but has no say in it any more."""
    w = pw.w
    e = wf.event_accept(event=report(w), actor=w.operator)
    e = wf.event_dispatch(event=e, actor=w.operator, lead=w.market)
    return wf.event_return(event=e, actor=w.market_handler, reason="不属于市场监管")


def dispatched(pw: PermWorld) -> Event:
    """Then dispatched to the city department."""
    return wf.event_dispatch(event=accepted(pw), actor=pw.w.operator, lead=pw.w.city)


def extension_asked(pw: PermWorld) -> Event:
    e = dispatched(pw)
    until = e.orders.get(department=pw.w.city).handle_deadline + timedelta(days=3)
    return wf.event_request_extension(
        event=e, actor=pw.w.city_handler, until=until, reason="需协调"
    )


def handling(pw: PermWorld) -> Event:
    return wf.event_sign(event=dispatched(pw), actor=pw.w.city_handler)


def handled(pw: PermWorld) -> Event:
    return wf.event_feedback(event=handling(pw), actor=pw.w.city_handler, note="已清运")


def verified(pw: PermWorld) -> Event:
    return wf.event_verify(event=handled(pw), actor=pw.w.worker, passed=True)


def closed(pw: PermWorld) -> Event:
    return wf.event_close(event=verified(pw), actor=pw.w.operator)


def called_back_unsatisfied(pw: PermWorld) -> Event:
    return wf.event_callback(event=closed(pw), actor=pw.w.operator, satisfaction="unsatisfied")


# -- the matrix ----------------------------------------------------------------------------
CENTRE = ("operator", "street_operator", "admin")
OUTSIDERS = ("other_worker", "far_operator")  # the other street: they see nothing of ours
LATER = (timezone.now() + timedelta(days=30)).isoformat()


@dataclass
class Case:
    path: str  # /api/events/{code}/<path>
    action: str  # the timeline's name for it
    start: Callable[[PermWorld], Event]
    body: Callable[[PermWorld, Event], dict[str, Any]]
    to: str  # the status after it
    ok: tuple[str, ...]
    forbidden: tuple[str, ...]  # see the event, may not do this → 403
    hidden: tuple[str, ...]  # do not see the event → 404


def _no_body(pw: PermWorld, e: Event) -> dict[str, Any]:
    return {}


def _reason(pw: PermWorld, e: Event) -> dict[str, Any]:
    return {"reason": "测试原因"}


def _into(pw: PermWorld, e: Event) -> dict[str, Any]:
    return {"into": report(pw.w, title="同一处垃圾").code}


def _decide(pw: PermWorld, e: Event) -> dict[str, Any]:
    return {"order": e.orders.get(department=pw.w.city).pk, "approve": True}


CASES = [
    Case("accept", "accept", reported, _no_body, Status.ACCEPTED,
         CENTRE, ("worker",), (*OUTSIDERS, "city_handler")),
    Case("reject", "reject", reported, _reason, Status.REJECTED,
         CENTRE, ("worker",), (*OUTSIDERS, "city_handler")),
    Case("merge", "merge", reported, _into, Status.MERGED,
         CENTRE, ("worker",), (*OUTSIDERS, "city_handler")),
    Case("self-handle", "self_handle", accepted, _no_body, Status.HANDLING,
         ("worker", *CENTRE), ("market_handler",), (*OUTSIDERS, "city_handler")),
    Case("settle-on-spot", "settle_on_spot", reported, lambda pw, e: {"note": "已现场清理"},
         Status.HANDLED, ("worker",), ("operator", "street_operator", "admin"),
         (*OUTSIDERS, "city_handler", "market_handler")),
    Case("dispatch", "dispatch", accepted, lambda pw, e: {"lead": "cg"}, Status.DISPATCHED,
         CENTRE, ("worker", "market_handler"), (*OUTSIDERS, "city_handler")),
    Case("sign", "sign", dispatched, _no_body, Status.HANDLING,
         ("city_handler",), ("market_handler", "worker", *CENTRE), (*OUTSIDERS, "env_handler")),
    Case("return", "return", dispatched, _reason, Status.ACCEPTED,
         ("city_handler",), ("market_handler", "worker", *CENTRE), (*OUTSIDERS, "env_handler")),
    Case("extension", "request_extension", dispatched,
         lambda pw, e: {"until": LATER, "reason": "需协调"}, Status.DISPATCHED,
         ("city_handler",), ("market_handler", "worker", *CENTRE), (*OUTSIDERS, "env_handler")),
    Case("extension/decide", "decide_extension", extension_asked, _decide, Status.DISPATCHED,
         CENTRE, ("worker", "city_handler", "market_handler"), (*OUTSIDERS, "env_handler")),
    Case("feedback", "feedback", handling, lambda pw, e: {"note": "已清运"}, Status.HANDLED,
         ("city_handler",), ("market_handler", "worker", *CENTRE), (*OUTSIDERS, "env_handler")),
    Case("verify", "verify", handled, lambda pw, e: {"passed": True}, Status.VERIFIED,
         ("worker", *CENTRE), ("city_handler", "market_handler"), (*OUTSIDERS, "env_handler")),
    Case("close", "close", verified, _no_body, Status.CLOSED,
         CENTRE, ("worker", "city_handler"), (*OUTSIDERS, "env_handler")),
    Case("callback", "callback", closed, lambda pw, e: {"satisfaction": "satisfied"},
         Status.CLOSED, CENTRE, ("worker", "city_handler"), (*OUTSIDERS, "env_handler")),
    Case("reopen", "reopen", called_back_unsatisfied, _reason, Status.ACCEPTED,
         CENTRE, ("worker", "city_handler"), (*OUTSIDERS, "env_handler")),
    Case("escalate", "escalate", dispatched, _reason, Status.DISPATCHED,
         ("worker", *CENTRE), ("city_handler", "market_handler"), (*OUTSIDERS, "env_handler")),
    Case("supervise", "supervise", accepted, lambda pw, e: {"until": LATER}, Status.ACCEPTED,
         CENTRE, ("worker", "market_handler"), (*OUTSIDERS, "city_handler")),
    Case("cancel", "cancel", accepted, _reason, Status.CANCELLED,
         ("admin",), ("operator", "street_operator", "worker", "market_handler"),
         (*OUTSIDERS, "city_handler")),
]  # fmt: skip


def test_every_transition_has_a_row():
    assert {c.action for c in CASES} == set(wf.MOVES) - wf.SYSTEM_MOVES  # (no endpoint)


def _try(client: Client, pw: PermWorld, who: str, case: Case, code: str, body: dict) -> Any:
    """One try, as `who`, rolled back afterwards: (HTTP status, event status or error code)."""
    with transaction.atomic():
        client.logout()
        if who != "anonymous":
            client.force_login(pw.user(who))
        before = Event.objects.get(code=code)
        entries = TimelineEntry.objects.filter(event=before).count()
        response = client.post(
            f"/api/events/{code}/{case.path}",
            data=json.dumps(body),
            content_type="application/json",
        )
        after = Event.objects.get(code=code)
        if response.status_code == 200:
            last = TimelineEntry.objects.filter(event=after).order_by("-id").first()
            assert response.json()["status"] == after.status
            assert response.json()["version"] == after.version == before.version + 1
            assert TimelineEntry.objects.filter(event=after).count() == entries + 1
            assert last is not None and last.action == case.action
            result = (200, after.status)
        else:
            errors = response.json()["errors"]
            assert set(errors[0]) == {"item", "field", "code", "message"}
            assert (after.status, after.version) == (before.status, before.version)
            result = (response.status_code, errors[0]["code"])
        transaction.set_rollback(True)
    return result


@pytest.mark.parametrize("case", CASES, ids=[c.path for c in CASES])
def test_permission_matrix(client, pw, case):
    event = case.start(pw)
    body = case.body(pw, event)
    expected = {who: (200, case.to) for who in case.ok}
    expected |= {who: (403, "forbidden") for who in case.forbidden}
    expected |= {who: (404, "not_found") for who in case.hidden}
    expected["anonymous"] = (401, "unauthenticated")
    got = {who: _try(client, pw, who, case, event.code, body) for who in expected}
    assert got == expected
