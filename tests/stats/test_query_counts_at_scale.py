"""Every stats endpoint and page runs the same number of statements at 100 and at 10,000
events (issue 15: dashboards never scan the event table per request). The events are bulk
inserted as the loop would have left them (rows, timeline entries, work orders) and the
facts and rollups rebuilt from them: no service call per event, so the test stays quick."""

import random
from datetime import timedelta
from functools import partial
from typing import Any

import pytest
from django.core.cache import cache
from django.db import connection
from django.db.models import Model
from django.test import override_settings
from django.utils import timezone

from tests.events.factories import World, make_world
from tests.factories import shared_world
from tests.routes import routes
from tests.sqlguard import lean_counts
from wangge.events.models import BuiltinChannel, Category, Event, TimelineEntry, WorkOrder
from wangge.regions.models import Area
from wangge.stats import feeds, fill
from wangge.stats.models import FedIndicator, FedValue

pytestmark = pytest.mark.django_db

SMALL, LARGE = 100, 10_000
# The breakdowns' dimensions stand for `{dimension}`.
API = [
    "/api/stats/overview",
    "/api/stats/children",
    "/api/stats/trend",
    *(f"/api/stats/breakdown/{d}" for d in ("category", "channel", "department")),
    "/api/stats/modules",
    "/api/stats/heat",
    "/api/stats/open-events",
    "/api/stats/status",
    "/api/stats/indicators",
    "/api/stats/activities",
]
PAGES = ["/dashboard/", "/dashboard/screen/", "/dashboard/export.xlsx"]
# An event's path to its status (action, status after it), shaped as benchmarks/stats.py
# shapes them: the steps the facts' stage times and flags are read from.
STEPS = {
    "closed": [("report", "reported"), ("accept", "accepted"), ("dispatch", "handling")],
    "handling": [("report", "reported"), ("accept", "accepted"), ("dispatch", "handling")],
    "accepted": [("report", "reported"), ("accept", "accepted")],
    "reported": [("report", "reported")],
}
STEPS["closed"] = [*STEPS["closed"], ("close", "closed")]


def insert(model: type[Model], rows: list[dict[str, Any]]) -> list[int]:
    """Insert rows (dicts of attnames; other columns take their defaults) with one prepared
    statement: bulk_create spends seconds compiling 40,000 rows' SQL. Returns their ids."""
    fields = [f for f in model._meta.concrete_fields if not f.primary_key]
    now = timezone.now()
    defaults = {
        f.attname: f.get_db_prep_save(
            now
            if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False)
            else f.get_default(),
            connection,
        )
        for f in fields
    }
    names = [f.attname for f in fields]
    # Only times and JSON need the backend's form; numbers, text and flags go as they are.
    prep = {
        f.attname: partial(f.get_db_prep_save, connection=connection)
        for f in fields
        if f.get_internal_type() in ("DateTimeField", "DateField", "JSONField")
    }
    table, pk = model._meta.db_table, model._meta.pk
    assert pk is not None
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":  # ids from the sequence, as inserts take them
            cursor.execute(
                "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
                [table, pk.column, len(rows)],
            )
            ids = [int(r[0]) for r in cursor.fetchall()]
        else:
            cursor.execute(f"SELECT COALESCE(MAX({pk.column}), 0) FROM {table}")
            first = int(cursor.fetchone()[0]) + 1
            ids = list(range(first, first + len(rows)))
        columns = ", ".join([pk.column, *(f.column for f in fields)])
        marks = ", ".join(["%s"] * (len(fields) + 1))
        cursor.executemany(
            f"INSERT INTO {table} ({columns}) VALUES ({marks})",
            [
                [
                    new_id,
                    *(
                        (prep[n](row[n]) if n in prep else row[n]) if n in row else defaults[n]
                        for n in names
                    ),
                ]
                for new_id, row in zip(ids, rows, strict=True)
            ],
        )
    return ids


def add_events(w: World, n: int, start: int, rng: random.Random) -> None:
    """`n` events over the last 20 days on every micro-grid, category and channel, in every
    stage (some overdue), with their timeline entries and lead orders."""
    now = timezone.now()
    grids = list(Area.objects.filter(level=5).values_list("pk", "centroid_lon", "centroid_lat"))
    categories = list(Category.objects.filter(parent__isnull=False).values_list("pk", flat=True))
    channels = [c.value for c in BuiltinChannel]
    departments = [w.city.pk, w.market.pk]
    events, paths = [], []
    for i in range(start, start + n):
        area, lon, lat = rng.choice(grids)
        # Everything at least ten minutes old: the fill reads up to now minus its lag.
        at = now - timedelta(minutes=rng.uniform(30, 20 * 24 * 60))
        status = rng.choice(["closed", "closed", "closed", "handling", "accepted", "reported"])
        deadline = at + timedelta(days=rng.choice([1, 3, 30]))
        row: dict[str, Any] = {
            "code": f"Q{i:07d}",
            "title": "路边暴露垃圾",
            "category_id": rng.choice(categories),
            "channel": rng.choice(channels),
            "lon": lon,
            "lat": lat,
            "area_id": area,
            "responsible_area_id": area,
            "status": status,
            "reported_at": at,
            "overdue_ever": deadline < now and rng.random() < 0.5,
        }
        if status != "reported":
            row["accepted_at"] = at + timedelta(minutes=5)
        if status == "closed":
            row["handled_at"] = at + timedelta(minutes=12)
            row["closed_at"] = at + timedelta(minutes=18)
            row["satisfaction"] = rng.choice(["satisfied", "basically", "unsatisfied", ""])
        else:
            row["deadline"], row["yellow_at"] = deadline, deadline - timedelta(hours=12)
            row["alert"] = "red" if deadline < now else ""
        events.append(row)
        paths.append(STEPS[status])
    ids = insert(Event, events)
    entries, orders = [], []
    for pk, row, path in zip(ids, events, paths, strict=True):
        at, before = row["reported_at"], ""
        for k, (action, after) in enumerate(path):
            entries.append(
                {
                    "event_id": pk,
                    "at": at + timedelta(minutes=3 * k),
                    "action": action,
                    "from_status": before,
                    "to_status": after,
                    "data": {"deadline": (at + timedelta(days=1)).isoformat()} if k == 0 else {},
                }
            )
            before = after
        if len(path) > 2:
            done = row["status"] == "closed"
            orders.append(
                {
                    "event_id": pk,
                    "department_id": rng.choice(departments),
                    "dispatched_at": at + timedelta(minutes=6),
                    "signed_at": at + timedelta(minutes=8),
                    "status": "fed_back" if done else "signed",
                    "fed_back_at": row.get("handled_at"),
                }
            )
    insert(TimelineEntry, entries)
    insert(WorkOrder, orders)


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker):
    with shared_world(django_db_blocker), override_settings(WANGGE_STATS_LAG_SECONDS=0):
        w = make_world()
        indicator = FedIndicator.objects.create(code="banjian", name="办件量", module="approval")
        FedValue.objects.create(
            indicator=indicator, area=w.micro, day=timezone.localdate(), value=3, channel="x"
        )
        add_events(w, SMALL, 0, random.Random(15))
        fill.rebuild()
        fill.fill()
        yield w


def _counts(client: Any, w: World) -> dict[str, int]:
    """Each URL's statements, cold (an empty cache) then warm (what the first kept)."""
    today = timezone.localdate()
    query = f"area=330103&period=custom&date_from={today - timedelta(days=30)}&date_to={today}"
    urls = [f"{u}?{query}" for u in API + PAGES]
    cache.clear()
    feeds.changed()
    cold = lean_counts(client, w.operator, urls)
    warm = lean_counts(client, w.operator, urls)
    return {
        **{f"cold {u}": n for u, n in cold.items()},
        **{f"warm {u}": n for u, n in warm.items()},
    }


def test_every_stats_endpoint_and_page_is_counted():
    """A new GET under /api/stats/ or /dashboard/ joins the lists above."""
    found = {p for p, m in routes() if m == "GET" and p.startswith(("/api/stats/", "/dashboard/"))}
    listed = {u for u in API + PAGES if "breakdown" not in u} | {"/api/stats/breakdown/{dimension}"}
    assert found == listed


def test_the_same_statements_at_100_and_10000_events(world, client, settings):
    settings.WANGGE_STATS_LAG_SECONDS = 0
    small = _counts(client, world)
    add_events(world, LARGE - SMALL, SMALL, random.Random(16))
    fill.rebuild()
    fill.fill()
    overview = client.get(
        "/api/stats/overview?area=330103&period=custom"
        f"&date_from={timezone.localdate() - timedelta(days=30)}&date_to={timezone.localdate()}"
    ).json()
    reported = next(f for f in overview["figures"] if f["key"] == "reported")
    assert reported["value"] == LARGE == Event.objects.count()
    assert _counts(client, world) == small
