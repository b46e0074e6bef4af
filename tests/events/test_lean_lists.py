"""Lists, queues and figures of events never load area geometry, and their query counts do
not grow with the number of events (issue 12: detailed boundaries must never slow a list)."""

import pytest

from tests.events.factories import make_world, report
from tests.sqlguard import get_lean, grow_events, lean_counts

pytestmark = pytest.mark.django_db

# Every list the operator, a department handler and a grid worker open (tabs included).
OPERATOR_URLS = [
    "/api/events",
    "/api/events?status=accepted&page_size=200",
    "/api/events?q=垃圾&area=330103001",
    "/api/events/counts",
    "/api/events/figures",
    "/api/notifications",
    "/events/",
    "/events/?tab=accepted",
    "/events/?tab=handling",
    "/events/?tab=overdue",
    "/events/?tab=all&q=垃圾",
    "/inbox/",
]
HANDLER_URLS = ["/orders/", "/api/notifications"]
WORKER_URLS = ["/m/", "/api/events", "/inbox/"]


def test_lists_load_no_geometry_and_constant_queries(client):
    world = make_world()
    grow_events(world, 3)
    who = [
        (world.operator, OPERATOR_URLS),
        (world.city_handler, HANDLER_URLS),
        (world.worker, WORKER_URLS),
    ]
    small = [lean_counts(client, user, urls) for user, urls in who]
    grow_events(world, 27)
    large = [lean_counts(client, user, urls) for user, urls in who]
    assert large == small


def test_the_event_page_loads_no_geometry(client):
    """One event's page and detail draw no boundary either (the map loads it on its own)."""
    world = make_world()
    event = report(world)
    client.force_login(world.operator)
    get_lean(client, f"/events/{event.code}/")
    get_lean(client, f"/api/events/{event.code}")
