"""The loop is safe to click: 上报上级 asks and keeps the departments' work, repeats climb
once, nobody verifies their own handling (but the grid on the spot, said so), one
extension request at a time goes to the dispatcher, a department that returned an event is
not proposed again, merge / reject / cancel ask first. Through the workflow and the pages."""

import re
from datetime import timedelta

import pytest
from django.utils import timezone

from tests.events.factories import make_world, report
from wangge.errors import DomainError
from wangge.events import workflow as wf
from wangge.events.models import (
    Category,
    Department,
    Event,
    Notification,
    OrderStatus,
    RoutingRule,
    Status,
    TimelineEntry,
)
from wangge.suggest.services import suggest_for

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    return make_world()


def page_of(client, user, event: Event) -> str:
    client.force_login(user)
    response = client.get(f"/events/{event.code}/")
    assert response.status_code == 200
    return response.content.decode()


def act(client, user, event: Event, action: str, **data):
    client.force_login(user)
    data.setdefault("expected_version", Event.objects.get(pk=event.pk).version)
    return client.post(f"/events/{event.code}/act/{action}/", data)


def form_of(page: str, action: str) -> str:
    found = re.search(
        rf'<form [^>]*class="action action-{action}[^"]*"[^>]*>.*?</form>', page, re.S
    )
    assert found, action
    return found.group(0)


def joint(world) -> Event:
    """Accepted and dispatched jointly (吹哨报到) to three departments, one signed."""
    env = Department.objects.create(code="hb", name="环保")
    e = wf.event_accept(event=report(world), actor=world.operator)
    e = wf.event_dispatch(
        event=e, actor=world.operator, lead=world.city, assists=[world.market, env]
    )
    return wf.event_sign(event=e, actor=world.market_handler)


# -- 上报上级 ------------------------------------------------------------------------------
def test_escalation_is_named_asks_first_and_says_what_happens_to_the_orders(world, client):
    e = joint(world)
    page = page_of(client, world.worker, e)
    form = form_of(page, "escalate")
    assert "上报上级" in form and 'name="reason"' in form and "required" in form
    confirm = re.search(r'data-confirm="([^"]+)"', form)
    assert confirm and "上报上级" in confirm.group(1) and "3" in confirm.group(1)
    assert "城管、市场监管、环保" in form  # the departments that go on, named before the click

    response = act(client, world.worker, e, "escalate", reason="需网格协调")
    assert response.status_code == 302
    e = Event.objects.get(pk=e.pk)
    assert e.status == Status.HANDLING and e.responsible_area.level == 4
    assert sorted(e.orders.values_list("status", flat=True)) == [
        OrderStatus.PENDING,
        OrderStatus.PENDING,
        OrderStatus.SIGNED,
    ]
    page = page_of(client, world.operator, e)
    entry = re.search(r'<li data-action="escalate">.*?</li>', page, re.S)
    assert entry and "上报上级" in entry.group(0) and "城管、市场监管、环保" in entry.group(0)


def test_escalation_before_dispatch_hands_the_event_up(world, client):
    e = report(world)
    form = form_of(page_of(client, world.worker, e), "escalate")
    assert world.areas["330103001001001"].name in form  # who takes it over
    e = wf.event_escalate(event=e, actor=world.worker, reason="网格无力处置")
    assert e.status == Status.REPORTED and e.responsible_area.code == "330103001001001"


def test_escalation_is_offered_only_where_a_level_above_exists(world, client):
    e = report(world)
    for actor in (world.worker, world.worker, world.street_operator, world.operator):
        e = wf.event_escalate(event=e, actor=actor, reason=f"第{e.responsible_area.level}级")
    assert e.responsible_area.parent_id is None
    assert "action-escalate" not in page_of(client, world.operator, e)
    with pytest.raises(DomainError):
        wf.event_escalate(event=e, actor=world.operator, reason="再上报")


def test_a_repeated_escalation_without_a_version_climbs_once(world, client):
    """Four quick clicks (or an API client's retries) of the same request: one climb."""
    e = report(world)
    client.force_login(world.worker)
    for _ in range(4):
        response = client.post(
            f"/api/events/{e.code}/escalate",
            {"reason": "需网格协调"},
            content_type="application/json",
        )
        assert response.status_code == 200, response.content
    e = Event.objects.get(pk=e.pk)
    assert e.responsible_area.level == 4
    assert TimelineEntry.objects.filter(event=e, action="escalate").count() == 1
    # A different request is a new one; with the page's version a stale repeat conflicts.
    version = e.version
    e = wf.event_escalate(event=e, actor=world.worker, reason="需社区协调")
    assert e.responsible_area.level == 3
    with pytest.raises(DomainError) as refused:
        wf.event_escalate(
            event=e, actor=world.worker, reason="需社区协调", expected_version=version
        )
    assert refused.value.status == 409


def test_a_repeated_supervision_tells_nobody_twice(world):
    e = wf.event_accept(event=report(world), actor=world.operator)
    until = timezone.now() + timedelta(days=2)
    for _ in range(3):
        e = wf.event_supervise(event=e, actor=world.operator, until=until)
    assert TimelineEntry.objects.filter(event=e, action="supervise").count() == 1
    later = until + timedelta(days=1)
    e = wf.event_supervise(event=e, actor=world.operator, until=later)
    assert e.supervise_deadline == later
    assert TimelineEntry.objects.filter(event=e, action="supervise").count() == 2


# -- four eyes on 核查 ---------------------------------------------------------------------
def test_whoever_handled_an_event_may_not_verify_it(world, client):
    e = report(world, "0101")  # 私搭乱建: not a category the grid settles itself
    e = wf.event_accept(event=e, actor=world.street_operator)
    e = wf.event_escalate(event=e, actor=world.worker, reason="网格无力处置")
    e = wf.event_escalate(event=e, actor=world.worker, reason="需街道协调")
    e = wf.event_self_handle(event=e, actor=world.street_operator)
    e = wf.event_feedback(event=e, actor=world.street_operator, note="街道已处置")
    assert e.status == Status.HANDLED
    assert "verify" not in wf.allowed_actions(world.street_operator, e)
    assert "action-verify" not in page_of(client, world.street_operator, e)
    with pytest.raises(DomainError) as refused:
        wf.event_verify(event=e, actor=world.street_operator, passed=True)
    assert (refused.value.status, refused.value.problems[0].code) == (403, "own_work")
    # Four eyes: the grid worker checks it.
    assert "verify" in wf.allowed_actions(world.worker, e)
    e = wf.event_verify(event=e, actor=world.worker, passed=True)
    assert e.status == Status.VERIFIED
    assert "own_check" not in e.timeline.get(action="verify").data


def test_a_department_handler_who_also_checks_may_not_verify_their_own_order(world):
    post_worker_as_handler = world.worker
    world.city.handlers.add(post_worker_as_handler)
    e = wf.event_accept(event=report(world, "0101"), actor=world.operator)
    e = wf.event_dispatch(event=e, actor=world.operator, lead=world.city)
    e = wf.event_sign(event=e, actor=world.worker)
    e = wf.event_feedback(event=e, actor=world.worker, note="已劝离")
    assert "verify" not in wf.allowed_actions(world.worker, e)
    assert "verify" in wf.allowed_actions(world.operator, e)


def test_the_grid_checks_its_own_on_the_spot_settling_and_the_timeline_says_so(world, client):
    category = Category.objects.get(code="0102")
    assert category.grid_may_settle
    e = wf.event_accept(event=report(world, "0102"), actor=world.operator)
    e = wf.event_self_handle(event=e, actor=world.worker)
    e = wf.event_feedback(event=e, actor=world.worker, note="已清理")
    assert "verify" in wf.allowed_actions(world.worker, e)
    e = wf.event_verify(event=e, actor=world.worker, passed=True)
    assert e.timeline.get(action="verify").data["own_check"] is True
    entry = re.search(
        r'<li data-action="verify">.*?</li>', page_of(client, world.operator, e), re.S
    )
    assert entry and "网格可自行处置" in entry.group(0)


# -- merge, reject, cancel ask first -------------------------------------------------------
def test_merge_reject_and_cancel_ask_for_confirmation(world, client):
    e = report(world)
    page = page_of(client, world.operator, e)
    for action in ("merge", "reject"):
        assert re.search(r'data-confirm="[^"]+"', form_of(page, action)), action
    assert 'name="reason"' in form_of(page, "reject")
    page = page_of(client, world.admin, e)
    form = form_of(page, "cancel")
    assert re.search(r'data-confirm="[^"]+"', form) and 'name="reason"' in form
    assert not re.search(r"data-confirm", form_of(page_of(client, world.operator, e), "accept"))


# -- 延期申请 ------------------------------------------------------------------------------
def test_an_extension_request_goes_to_the_dispatcher_once(world, client):
    e = wf.event_accept(event=report(world), actor=world.operator)
    e = wf.event_dispatch(event=e, actor=world.operator, lead=world.city)
    e = wf.event_sign(event=e, actor=world.city_handler)
    assert "request_extension" in wf.allowed_actions(world.city_handler, e)
    until = e.orders.get().handle_deadline + timedelta(days=2)
    e = wf.event_request_extension(event=e, actor=world.city_handler, until=until, reason="需协调")
    asked = Notification.objects.filter(kind=Notification.Kind.EXTENSION)
    assert list(asked.values_list("user", flat=True)) == [world.operator.pk]  # not the street
    assert "request_extension" not in wf.allowed_actions(world.city_handler, e)
    assert "action-request_extension" not in page_of(client, world.city_handler, e)
    with pytest.raises(DomainError) as refused:
        wf.event_request_extension(
            event=e, actor=world.city_handler, until=until + timedelta(days=1), reason="再延"
        )
    assert refused.value.problems[0].code == "extension_pending"
    e = wf.event_decide_extension(
        event=e, actor=world.operator, order=e.orders.get(), approve=False
    )
    assert "request_extension" in wf.allowed_actions(world.city_handler, e)


def test_once_escalated_past_the_dispatcher_the_level_above_hears_of_extensions(world):
    e = wf.event_accept(event=report(world), actor=world.street_operator)
    e = wf.event_dispatch(event=e, actor=world.street_operator, lead=world.city)
    e = wf.event_sign(event=e, actor=world.city_handler)
    e = wf.event_escalate(event=e, actor=world.worker, reason="需网格协调")  # → grid
    e = wf.event_escalate(event=e, actor=world.worker, reason="需社区协调")  # → community
    e = wf.event_escalate(event=e, actor=world.street_operator, reason="需街道协调")  # → street
    until = e.orders.get().handle_deadline + timedelta(days=2)
    e = wf.event_request_extension(event=e, actor=world.city_handler, until=until, reason="甲")
    asked = Notification.objects.filter(kind=Notification.Kind.EXTENSION)
    assert list(asked.values_list("user", flat=True)) == [world.street_operator.pk]
    e = wf.event_decide_extension(
        event=e, actor=world.street_operator, order=e.orders.get(), approve=False
    )
    asked.delete()
    e = wf.event_escalate(event=e, actor=world.street_operator, reason="需区级协调")  # → district
    wf.event_request_extension(event=e, actor=world.city_handler, until=until, reason="乙")
    assert list(asked.values_list("user", flat=True)) == [world.operator.pk]


# -- suggestions ---------------------------------------------------------------------------
def test_a_department_that_returned_the_event_is_not_suggested_again(world, client):
    RoutingRule.objects.create(
        category=Category.objects.get(code="0102"),
        area=world.areas["330103"],
        department=world.market,
    )
    e = wf.event_accept(event=report(world), actor=world.operator)
    assert suggest_for(e).lead == world.market
    e = wf.event_dispatch(event=e, actor=world.operator, lead=world.market)
    e = wf.event_return(event=e, actor=world.market_handler, reason="不属于市场监管")
    assert suggest_for(e).lead is None and suggest_for(e).routing is None
    form = form_of(page_of(client, world.operator, e), "dispatch")
    lead = re.search(r'<select name="lead".*?</select>', form, re.S)
    assert lead and " selected" not in lead.group(0)  # nothing preselected
    assert "（建议）" not in lead.group(0) and "(建议)" not in lead.group(0)
