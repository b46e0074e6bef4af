"""The closed loop through the workflow functions, on the real database."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from tests.events.factories import make_world, report
from wangge.errors import DomainError
from wangge.events import workflow as wf
from wangge.events.models import Event, Notification, OrderStatus, Status, TimelineEntry

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    return make_world()


def fresh(event: Event) -> Event:
    return Event.objects.get(pk=event.pk)


def test_full_life_cycle_with_a_joint_dispatch(world):
    e = report(world)
    assert e.status == Status.REPORTED and e.code.startswith("XC-")
    assert e.deadline is not None and e.yellow_at < e.deadline
    e = wf.event_accept(event=e, actor=world.operator)
    e = wf.event_dispatch(event=e, actor=world.operator, lead=world.city, assists=[world.market])
    assert e.status == Status.DISPATCHED
    assert Notification.objects.filter(user=world.city_handler, kind="dispatched").count() == 1
    e = wf.event_sign(event=e, actor=world.city_handler)
    e = wf.event_sign(event=e, actor=world.market_handler)
    e = wf.event_feedback(event=e, actor=world.city_handler, note="已清运")
    assert e.status == Status.HANDLING  # the assisting department has not fed back yet
    e = wf.event_feedback(event=e, actor=world.market_handler, note="已约谈商户")
    assert e.status == Status.HANDLED
    assert Notification.objects.filter(user=world.worker, kind="verify").exists()
    e = wf.event_verify(event=e, actor=world.worker, passed=True)
    e = wf.event_close(event=e, actor=world.operator)
    e = wf.event_callback(event=e, actor=world.operator, satisfaction="satisfied")
    assert (e.status, e.satisfaction) == (Status.CLOSED, "satisfied")
    actions = list(TimelineEntry.objects.filter(event=e).values_list("action", flat=True))
    assert actions == [
        "report",
        "accept",
        "dispatch",
        "sign",
        "sign",
        "feedback",
        "feedback",
        "verify",
        "close",
        "callback",
    ]
    assert e.version == 1 + len(actions) - 1


def test_illegal_moves_change_nothing(world):
    e = report(world)
    before = (fresh(e).status, fresh(e).version, TimelineEntry.objects.count())
    with pytest.raises(DomainError) as err:
        wf.event_close(event=e, actor=world.operator)
    assert err.value.problems[0].code == "illegal_transition"
    with pytest.raises(DomainError) as err:
        wf.event_accept(event=e, actor=world.other_worker)
    assert err.value.problems[0].code == "forbidden" and err.value.status == 403
    assert (fresh(e).status, fresh(e).version, TimelineEntry.objects.count()) == before


def test_a_stale_version_is_told_the_event_moved_on(world):
    e = report(world)
    version = e.version
    wf.event_accept(event=e, actor=world.operator, expected_version=version)
    with pytest.raises(DomainError) as err:
        wf.event_reject(event=e, actor=world.operator, reason="重复", expected_version=version)
    assert err.value.problems[0].code == "moved_on" and err.value.status == 409


def test_reporting_twice_with_one_client_key_makes_one_event(world):
    first = report(world, client_key="phone-42-0001")
    again = report(world, client_key="phone-42-0001")
    assert first.pk == again.pk and Event.objects.count() == 1


def test_reject_and_merge(world):
    a, b, c = report(world), report(world), report(world)
    wf.event_reject(event=a, actor=world.operator, reason="不属于受理范围")
    assert fresh(a).status == Status.REJECTED
    wf.event_merge(event=c, actor=world.operator, into=b)
    assert (fresh(c).status, fresh(c).parent_id) == (Status.MERGED, b.pk)
    with pytest.raises(DomainError):
        wf.event_reject(event=b, actor=world.operator, reason="")


def test_self_handle_only_where_the_category_allows(world):
    e = wf.event_accept(event=report(world, "0102"), actor=world.operator)
    e = wf.event_self_handle(event=e, actor=world.worker)
    e = wf.event_feedback(event=e, actor=world.worker, note="现场清理完毕")
    assert e.status == Status.HANDLED
    big = wf.event_accept(event=report(world, "0101"), actor=world.operator)  # 私搭乱建
    with pytest.raises(DomainError) as err:
        wf.event_self_handle(event=big, actor=world.worker)
    assert err.value.problems[0].code == "not_self_handleable"


def test_return_sends_the_event_back_to_the_dispatcher(world):
    e = wf.event_accept(event=report(world), actor=world.operator)
    e = wf.event_dispatch(event=e, actor=world.operator, lead=world.city, assists=[world.market])
    e = wf.event_return(event=e, actor=world.city_handler, reason="不属于城管职责")
    assert e.status == Status.ACCEPTED
    assert set(e.orders.values_list("status", flat=True)) == {
        OrderStatus.RETURNED,
        OrderStatus.CANCELLED,
    }
    assert Notification.objects.filter(user=world.operator, kind="returned").exists()


def test_extension_approved_moves_the_deadlines(world):
    e = wf.event_accept(event=report(world), actor=world.operator)
    e = wf.event_dispatch(event=e, actor=world.operator, lead=world.city)
    e = wf.event_sign(event=e, actor=world.city_handler)
    order = e.orders.get()
    until = order.handle_deadline + timedelta(days=3)
    e = wf.event_request_extension(event=e, actor=world.city_handler, until=until, reason="需协调")
    e = wf.event_decide_extension(event=e, actor=world.operator, order=order, approve=True)
    order.refresh_from_db()
    assert order.handle_deadline == until and fresh(e).handle_deadline == until
    entry = TimelineEntry.objects.filter(event=e, action="decide_extension").get()
    assert entry.data["approved"] is True and entry.data["deadline"]["to"] == until.isoformat()


def test_failed_verification_is_rework(world):
    e = wf.event_accept(event=report(world), actor=world.operator)
    e = wf.event_dispatch(event=e, actor=world.operator, lead=world.city)
    e = wf.event_sign(event=e, actor=world.city_handler)
    e = wf.event_feedback(event=e, actor=world.city_handler, note="已处理")
    e = wf.event_verify(event=e, actor=world.worker, passed=False, comment="垃圾仍在")
    assert (e.status, e.rework_count) == (Status.HANDLING, 1)
    e = wf.event_feedback(event=e, actor=world.city_handler, note="复查后清运")
    assert e.status == Status.HANDLED


def test_escalation_climbs_level_by_level(world):
    e = report(world)
    e = wf.event_escalate(event=e, actor=world.worker, reason="网格无力处置")
    assert e.responsible_area.code == "330103001001001"
    e = wf.event_escalate(event=e, actor=world.worker, reason="需社区协调")
    assert e.responsible_area.code == "330103001001"
    # The grid worker is below the responsible level now; the street centre is above it.
    with pytest.raises(DomainError):
        wf.event_escalate(event=e, actor=world.worker, reason="再上报")
    e = wf.event_escalate(event=e, actor=world.street_operator, reason="需街道协调")
    e = wf.event_escalate(event=e, actor=world.operator, reason="需区级部门")
    assert e.responsible_area.code == "330103"
    with pytest.raises(DomainError) as err:
        wf.event_escalate(event=e, actor=world.operator, reason="顶级")
    assert err.value.problems[0].code == "top_level"


def test_unsatisfied_event_reopens_within_the_window(world, settings):
    e = wf.event_accept(event=report(world), actor=world.operator)
    e = wf.event_self_handle(event=e, actor=world.worker)
    e = wf.event_feedback(event=e, actor=world.worker, note="已处理")
    e = wf.event_verify(event=e, actor=world.operator, passed=True)
    e = wf.event_close(event=e, actor=world.operator)
    with pytest.raises(DomainError):
        wf.event_reopen(event=e, actor=world.operator, reason="群众不满意")
    e = wf.event_callback(event=e, actor=world.operator, satisfaction="unsatisfied")
    e = wf.event_reopen(event=e, actor=world.operator, reason="群众不满意")
    assert (e.status, e.reopen_count, e.satisfaction) == (Status.ACCEPTED, 1, "")
    settings.WANGGE_REOPEN_DAYS = 0
    e = wf.event_self_handle(event=e, actor=world.worker)
    e = wf.event_feedback(event=e, actor=world.worker, note="再次处理")
    e = wf.event_verify(event=e, actor=world.operator, passed=True)
    e = wf.event_close(event=e, actor=world.operator)
    e = wf.event_callback(event=e, actor=world.operator, satisfaction="unsatisfied")
    Event.objects.filter(pk=e.pk).update(closed_at=timezone.now() - timedelta(days=1))
    with pytest.raises(DomainError):
        wf.event_reopen(event=e, actor=world.operator, reason="过期")


def test_supervise_and_cancel(world):
    e = wf.event_accept(event=report(world), actor=world.operator)
    e = wf.event_dispatch(event=e, actor=world.operator, lead=world.city)
    e = wf.event_supervise(event=e, actor=world.operator, until=timezone.now() + timedelta(days=1))
    assert e.supervised and Notification.objects.filter(user=world.city_handler, kind="supervised")
    with pytest.raises(DomainError):
        wf.event_cancel(event=e, actor=world.operator, reason="误报")
    e = wf.event_cancel(event=e, actor=world.admin, reason="误报")
    assert e.status == Status.CANCELLED
    assert not e.orders.filter(status__in=[OrderStatus.PENDING, OrderStatus.SIGNED]).exists()


def test_timeline_is_append_only(world):
    e = report(world)
    entry = TimelineEntry.objects.get(event=e)
    entry.comment = "篡改"
    with pytest.raises(ValueError):
        entry.save()
    with pytest.raises(ValueError):
        entry.delete()


def test_a_stale_copy_in_hand_is_read_again_under_the_lock(world):
    e = report(world)
    stale = fresh(e)  # version 1, reported
    wf.event_accept(event=e, actor=world.operator)
    # The stale copy is at an older version: the transition reads the row it locked.
    with pytest.raises(DomainError) as err:
        wf.event_accept(event=stale, actor=world.operator)
    assert err.value.problems[0].code == "illegal_transition"
    dispatched = wf.event_dispatch(event=stale, actor=world.operator, lead=world.city)
    assert (dispatched.status, dispatched.version) == (Status.DISPATCHED, 3)
    assert stale.status == Status.REPORTED and stale.version == 1  # the caller's copy as it was
    assert fresh(e).status == Status.DISPATCHED


def test_an_alert_raised_without_a_new_version_is_not_lost_by_a_copy_in_hand(world):
    e = report(world)  # the copy in hand says: no alert
    Event.objects.filter(pk=e.pk).update(alert="red", overdue_ever=True)  # as the sweep does
    accepted = wf.event_accept(event=e, actor=world.operator)
    row = fresh(e)
    assert (row.alert, row.overdue_ever) == ("", True)  # the new stage cleared it in the row
    assert (accepted.alert, accepted.overdue_ever) == ("", True)


def test_a_copy_without_its_areas_at_hand_is_read_whole(world):
    e = report(world)
    bare = Event.objects.only("id", "version").get(pk=e.pk)  # deferred fields, no areas
    with CaptureQueriesContext(connection) as queries:
        accepted = wf.event_accept(event=bare, actor=world.operator)
    wide = [q["sql"] for q in queries.captured_queries if "e.responsible_area_id" in q["sql"]]
    assert len(wide) == 1  # the whole row and both areas read under the lock, not the copy
    assert accepted.status == Status.ACCEPTED and accepted.responsible_area == e.area
    assert fresh(e).deadline == accepted.deadline
