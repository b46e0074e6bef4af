"""Reporting an event as a grid worker, for the must-attend tests."""

from wangge.events import workflow
from wangge.events.models import Category


def report(w, code="0601", area=None, actor=None):
    area = area or w.micro_a1
    return workflow.event_report(
        actor=actor or w.worker_a,
        title="邻居因噪音争吵",
        category=Category.objects.get(code=code),
        lon=area.centroid_lon,
        lat=area.centroid_lat,
        area=area,
    )
