"""Today's list: merging, ordering by distance or by due, and the phone home page."""

import datetime as dt

import pytest
from django.utils import timezone

from tests.fieldwork.patrol_world import client_for, make_patrol_world
from tests.people.factories import centre
from wangge.accounts.actors import SYSTEM
from wangge.fieldwork import today
from wangge.fieldwork.today import TodoItem
from wangge.people.places import services as place_services


def _item(pk, lon=None, lat=None, due=None, overdue=False) -> TodoItem:
    return TodoItem("visit", pk, f"t{pk}", "", lon, lat, due, overdue, f"/x/{pk}/")


def test_order_without_location_overdue_first_then_by_due():
    d = dt.date(2026, 3, 10)
    items = [
        _item(1, due=d + dt.timedelta(days=2)),
        _item(2, due=None),
        _item(3, due=timezone.make_aware(dt.datetime(2026, 3, 10, 15, 0))),
        _item(4, due=d - dt.timedelta(days=3), overdue=True),
        _item(5, due=d),  # a date counts as the start of its day: before 15:00 that day
    ]
    assert [p.item.pk for p in today.order(items)] == [4, 5, 3, 1, 2]


def test_order_with_location_nearest_first_unplaced_last():
    here = (120.10, 30.20)
    items = [
        _item(1, 120.12, 30.20),  # ~1.9 km
        _item(2),  # no place
        _item(3, 120.101, 30.20),  # ~96 m
        _item(4, 120.11, 30.20, overdue=True),  # ~960 m
    ]
    placed = today.order(items, *here)
    assert [p.item.pk for p in placed] == [3, 4, 1, 2]
    assert placed[0].distance_m == pytest.approx(96, abs=2)
    assert placed[-1].distance_m is None


@pytest.mark.django_db
def test_home_page_lists_inspections_nearest_first():
    w = make_patrol_world()
    # A second due point in grid A, in another micro-grid of it.
    far_area = w.people.areas["330103001001001004"]
    lon_far, lat_far = centre(far_area)
    place_services.hazard_save(
        actor=SYSTEM, name="危房C", kind="dangerous_building", lon=lon_far, lat=lat_far
    )
    a = client_for(w.worker_a)
    plain = a.get("/field/")
    assert plain.status_code == 200
    names = [t.title for t in today.todo(w.worker_a, timezone.localdate())]
    assert len(names) == 2
    near_far = today.todo(w.worker_a, timezone.localdate(), lon_far, lat_far)
    assert "危房C" in near_far[0].title
    near_a = today.todo(w.worker_a, timezone.localdate(), w.hazard_a.lon, w.hazard_a.lat)
    assert "河道A" in near_a[0].title
    page = a.get(f"/field/?lon={lon_far}&lat={lat_far}").content.decode()
    assert page.index("危房C") < page.index("河道A")
    assert 'data-located="1"' in page
    api = a.get(f"/api/fieldwork/today?lon={lon_far}&lat={lat_far}").json()["items"]
    assert "危房C" in api[0]["title"] and api[0]["distance_m"] < 1
    assert api[0]["url"].startswith("/field/patrols/inspect/hazard/")
    # Another grid's worker sees none of grid A's.
    b_page = client_for(w.worker_b).get("/field/").content.decode()
    assert "河道A" not in b_page and "河道B" in b_page


@pytest.mark.django_db
def test_home_page_needs_login_and_survives_bad_coordinates():
    from django.test import Client

    assert Client().get("/field/").status_code == 302
    w = make_patrol_world()
    assert client_for(w.worker_a).get("/field/?lon=abc&lat=nan").status_code == 200
