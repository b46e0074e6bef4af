"""签收及时率: the lead order's signing, from the events' loop to a department's points."""

from datetime import timedelta

import pytest
from django.utils import timezone

from tests.events.factories import make_world, report
from wangge.events import workflow as wf
from wangge.events.models import WorkOrder
from wangge.stats import fill
from wangge.stats.assessment import services
from wangge.stats.assessment.models import Indicator, Scheme, SchemeItem
from wangge.stats.models import EventFact

pytestmark = pytest.mark.django_db


def _dispatched(w, due_in: timedelta):
    e = wf.event_accept(event=report(w), actor=w.operator)
    e = wf.event_dispatch(event=e, actor=w.operator, lead=w.city)
    WorkOrder.objects.filter(event=e).update(sign_deadline=timezone.now() + due_in)
    return e


def test_signed_on_time_counts_for_the_department(clock):
    clock("2026-11-10T09:00+08:00")
    w = make_world()
    on_time = wf.event_sign(event=_dispatched(w, timedelta(hours=1)), actor=w.city_handler)
    late = wf.event_sign(event=_dispatched(w, -timedelta(minutes=1)), actor=w.city_handler)
    waiting = _dispatched(w, timedelta(hours=1))
    fill.rebuild(now=timezone.now())
    flags = {
        f.event_id: (f.signed, f.signed_on_time, f.dispatched, f.department_id)
        for f in EventFact.objects.all()
    }
    assert flags[on_time.pk] == (True, True, True, w.city.pk)
    assert flags[late.pk] == (True, False, True, w.city.pk)
    assert flags[waiting.pk] == (False, False, True, w.city.pk)
    scheme = Scheme.objects.create(
        code="dep", name="部门考核", target_type="department", valid_from="2026-11-01"
    )
    SchemeItem.objects.create(
        scheme=scheme, indicator=Indicator.objects.get(code="sign_on_time"), weight=100
    )
    run = services.run_period("dep", "2026-11")
    city = run.results.get(target_id=w.city.pk)
    item = city.detail["indicators"][0]
    assert (item["name"], item["numerator"], item["denominator"]) == ("签收及时率", 1, 3)
    assert item["numerator_events"] == [on_time.pk]
    assert str(city.score) == "33.33"
