"""The events API end to end through the test client: report, list filters and scope, queue
counts, loop figures, the inbox, and the OpenAPI description.

The world (area tree, people, departments) is built once for the module in a transaction
rolled back at its end; each test runs in its own savepoint inside it.
"""

import json
from datetime import timedelta
from typing import Any

import pytest
import shapely
from django.db import transaction
from django.test import Client, override_settings
from django.utils import timezone

from tests.events.factories import World, make_world, report
from tests.factories import make_user, post
from wangge.events import workflow as wf
from wangge.events.models import Category, Event, Notification, OrderStatus, Status
from wangge.regions import coords, spatial_index

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def w(django_db_setup, django_db_blocker):
    """The world, once for the module; every test runs in a savepoint inside it."""
    with (
        django_db_blocker.unblock(),
        override_settings(
            PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"],
            WANGGE_INDEX_CHECK_SECONDS=0,
        ),
    ):
        spatial_index.invalidate()  # another module's index may carry stale area ids
        atomic = transaction.atomic()
        atomic.__enter__()
        try:
            world = make_world()
            world.idle_worker = make_user("idle")  # type: ignore[attr-defined]
            # A grid in a third street, where nothing is ever reported.
            post(world.idle_worker, world.areas["330103003001001"], role="full_time")  # type: ignore[attr-defined]
            yield world
        finally:
            transaction.set_rollback(True)
            atomic.__exit__(None, None, None)
            spatial_index.invalidate()


def as_user(client: Client, user: Any) -> Client:
    client.force_login(user)
    return client


def post_json(client: Client, url: str, body: dict[str, Any]) -> Any:
    return client.post(url, data=json.dumps(body), content_type="application/json")


def the_error(response: Any) -> dict[str, str]:
    errors = response.json()["errors"]
    assert len(errors) >= 1 and set(errors[0]) == {"item", "field", "code", "message"}
    return errors[0]


def inside(world: World) -> tuple[float, float]:
    """A WGS-84 point well inside the micro-grid."""
    point = shapely.from_geojson(world.micro.geometry).representative_point()
    return point.x, point.y


# -- report ----------------------------------------------------------------------------------
def test_report_by_location_lands_in_the_micro_grid(client, w):
    lon, lat = inside(w)
    body = {"title": "路边暴露垃圾", "category": "0102", "lon": lon, "lat": lat}
    r = post_json(as_user(client, w.worker), "/api/events", body)
    assert r.status_code == 201, r.content
    data = r.json()
    assert (data["status"], data["area"], data["version"]) == ("reported", w.micro.code, 1)
    assert [t["action"] for t in data["timeline"]] == ["report"]
    assert Event.objects.get(code=data["code"]).reporter == w.worker


def test_report_converts_gcj02_to_wgs84(client, w):
    lon, lat = inside(w)
    glon, glat = coords.wgs84_to_gcj02(lon, lat)
    body = {"title": "积存垃圾", "category": "0103", "lon": glon, "lat": glat, "crs": "gcj02"}
    r = post_json(as_user(client, w.worker), "/api/events", body)
    assert r.status_code == 201, r.content
    assert r.json()["area"] == w.micro.code
    assert r.json()["lon"] == pytest.approx(lon, abs=1e-5)
    assert r.json()["lat"] == pytest.approx(lat, abs=1e-5)


def test_report_is_idempotent_by_client_key(client, w):
    body = {"title": "暴露垃圾", "category": "0102", "area": w.micro.code, "client_key": "app-7"}
    as_user(client, w.worker)
    first = post_json(client, "/api/events", body)
    again = post_json(client, "/api/events", body | {"title": "重发"})
    assert (first.status_code, again.status_code) == (201, 201)
    assert first.json()["code"] == again.json()["code"]
    assert Event.objects.filter(client_key="app-7").count() == 1


def test_a_client_key_does_not_reveal_someone_elses_event(client, w):
    body = {"title": "暴露垃圾", "category": "0102", "area": w.micro.code, "client_key": "k-1"}
    mine = post_json(as_user(client, w.worker), "/api/events", body).json()["code"]
    theirs_area = w.areas["330103002001001"].code
    r = post_json(as_user(client, w.other_worker), "/api/events", body | {"area": theirs_area})
    assert r.status_code >= 400 or r.json()["code"] != mine
    assert as_user(client, w.other_worker).get(f"/api/events/{mine}").status_code == 404


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"lon": 200.0}, "lon"),
        ({"lat": -91.0}, "lat"),
        ({"crs": "utm50n"}, "crs"),
        ({"priority": "whenever"}, "priority"),
        ({"title": ""}, "title"),
    ],
)
def test_report_rejects_malformed_input_with_422(client, w, change, field):
    lon, lat = inside(w)
    body = {"title": "暴露垃圾", "category": "0102", "lon": lon, "lat": lat} | change
    r = post_json(as_user(client, w.worker), "/api/events", body)
    assert r.status_code == 422, r.content
    assert the_error(r)["field"].split(".")[-1] == field
    assert not Event.objects.exists()


@pytest.mark.parametrize(
    ("change", "field", "code"),
    [
        ({"category": "9999"}, "category", "invalid"),
        ({"lon": 121.5, "lat": 31.2}, "lon", "outside"),  # Shanghai, not our district
        ({"lon": None, "lat": None}, "lon", "required"),
        ({"lon": None, "lat": None, "area": "000000"}, "area", "invalid"),
    ],
)
def test_report_refuses_what_it_cannot_place_with_400(client, w, change, field, code):
    lon, lat = inside(w)
    body = {"title": "暴露垃圾", "category": "0102", "lon": lon, "lat": lat} | change
    r = post_json(as_user(client, w.worker), "/api/events", body)
    assert r.status_code == 400, r.content
    assert (the_error(r)["field"], the_error(r)["code"]) == (field, code)
    assert not Event.objects.exists()


def test_report_outside_ones_own_areas_is_forbidden(client, w):
    body = {"title": "暴露垃圾", "category": "0102", "area": w.micro.code}
    r = post_json(as_user(client, w.other_worker), "/api/events", body)
    assert (r.status_code, the_error(r)["code"]) == (403, "forbidden")


def test_report_needs_a_login(client, w):
    r = post_json(client, "/api/events", {"title": "x", "category": "0102", "area": w.micro.code})
    assert (r.status_code, the_error(r)["code"]) == (401, "unauthenticated")


# -- list, filters, scope, counts --------------------------------------------------------------
@pytest.fixture
def events(w) -> dict[str, Event]:
    """Four events: e1 new here; e2 a hotline 小广告 dispatched to 城管 and supervised; e3 in
    the other street, red, reported ten days ago; e4 施工扰民 accepted, at night."""
    e1 = report(w, "0102", title="路边暴露垃圾")
    e2 = wf.event_report(
        actor=w.operator,
        title="小广告",
        category=Category.objects.get(code="0201"),
        channel="hotline",
        area=w.micro,
    )
    e2 = wf.event_accept(event=e2, actor=w.operator)
    e2 = wf.event_dispatch(event=e2, actor=w.operator, lead=w.city)
    e2 = wf.event_supervise(event=e2, actor=w.operator, until=timezone.now() + timedelta(days=3))
    e3 = wf.event_report(
        actor=w.other_worker,
        title="井盖缺失垃圾",
        category=Category.objects.get(code="0102"),
        channel="resident",
        area=w.areas["330103002001001"],
    )
    Event.objects.filter(pk=e3.pk).update(
        alert="red", reported_at=timezone.now() - timedelta(days=10)
    )
    e4 = report(w, "0301", title="施工扰民", description="夜间施工噪声")
    e4 = wf.event_accept(event=e4, actor=w.operator)
    return {"e1": e1, "e2": e2, "e3": e3, "e4": e4}


def codes_of(response: Any) -> set[str]:
    assert response.status_code == 200, response.content
    data = response.json()
    assert data["next"] is None  # one page holds them all
    return {item["code"] for item in data["items"]}


TODAY = timezone.localdate()
FILTERS = [
    ("tab=reported", {"e1", "e3"}),
    ("tab=accepted", {"e4"}),
    ("tab=handling", {"e2"}),
    ("tab=overdue", {"e3"}),
    ("tab=supervised", {"e2"}),
    ("tab=callback", set()),
    ("status=accepted", {"e4"}),
    ("category=0102", {"e1", "e3"}),
    ("category=01", {"e1", "e3"}),  # a class: its subcategories
    ("category=02", {"e2"}),
    ("channel=hotline", {"e2"}),
    ("channel=resident", {"e3"}),
    ("area=330103002", {"e3"}),  # a subtree, by its root's code
    ("area=330103001001001001", {"e1", "e2", "e4"}),
    ("department=cg", {"e2"}),
    ("department=sj", set()),
    ("overdue=true", {"e3"}),
    ("overdue=false", {"e1", "e2", "e4"}),
    ("supervised=true", {"e2"}),
    ("supervised=false", {"e1", "e3", "e4"}),
    (f"date_from={TODAY}", {"e1", "e2", "e4"}),
    (f"date_to={TODAY - timedelta(days=5)}", {"e3"}),
    (f"date_from={TODAY - timedelta(days=11)}&date_to={TODAY - timedelta(days=9)}", {"e3"}),
    ("q=小广告", {"e2"}),
    ("q=夜间", {"e4"}),  # the description
    ("q=垃圾", {"e1", "e3"}),
    ("tab=reported&category=0102&area=330103001", {"e1"}),
]


@pytest.mark.parametrize(("query", "expected"), FILTERS, ids=[q for q, _ in FILTERS])
def test_list_filter(client, w, events, query, expected):
    everything = codes_of(as_user(client, w.operator).get("/api/events"))
    assert everything == {e.code for e in events.values()}
    got = codes_of(client.get(f"/api/events?{query}"))
    assert got == {events[name].code for name in expected}
    assert got != everything  # the filter filtered


def test_list_filter_by_code(client, w, events):
    e1 = events["e1"]
    assert codes_of(as_user(client, w.operator).get(f"/api/events?q={e1.code}")) == {e1.code}


def test_list_pages_and_refuses_bad_parameters(client, w, events):
    as_user(client, w.operator)
    page = client.get("/api/events?page=2&page_size=2").json()
    assert len(page["items"]) == 2 and page["next"] is None
    everything = client.get("/api/events").json()["items"]
    assert [i["code"] for i in page["items"]] == [i["code"] for i in everything[2:4]]
    assert [e["reported_at"] for e in everything] == sorted(
        (e["reported_at"] for e in everything), reverse=True
    )
    for bad in ("tab=nonsense", "page=0", "page_size=0", "page_size=201", "date_from=yesterday"):
        r = client.get(f"/api/events?{bad}")
        assert r.status_code == 422, bad
        assert the_error(r)["field"] == bad.split("=")[0]


@pytest.mark.parametrize(
    ("who", "sees"),
    [
        ("operator", {"e1", "e2", "e3", "e4"}),
        ("admin", {"e1", "e2", "e3", "e4"}),
        ("street_operator", {"e1", "e2", "e4"}),
        ("worker", {"e1", "e2", "e4"}),
        ("other_worker", {"e3"}),
        ("idle_worker", set()),  # a grid where nothing happened
        ("city_handler", {"e2"}),  # events of its department's orders only
        ("market_handler", set()),
    ],
)
def test_scope(client, w, events, who, sees):
    as_user(client, getattr(w, who))
    assert codes_of(client.get("/api/events")) == {events[n].code for n in sees}
    assert client.get("/api/events/counts").json()["all"] == len(sees)
    for name, event in events.items():
        detail = client.get(f"/api/events/{event.code}")
        assert detail.status_code == (200 if name in sees else 404)


def test_a_list_needs_a_login(client, w, events):
    for url in ("/api/events", "/api/events/counts", "/api/events/figures"):
        assert client.get(url).status_code == 401


def test_counts_per_tab(client, w, events):
    counts = as_user(client, w.operator).get("/api/events/counts").json()
    assert counts == {
        "reported": 2,
        "accepted": 1,
        "handling": 1,
        "handled": 0,
        "verified": 0,
        "callback": 0,
        "overdue": 1,
        "supervised": 1,
        "all": 4,
    }
    handler = as_user(client, w.city_handler).get("/api/events/counts").json()
    assert (handler["all"], handler["handling"], handler["supervised"]) == (1, 1, 1)
    assert sum(handler.values()) - handler["all"] == 2


def test_detail_offers_the_callers_actions(client, w, events):
    e1 = events["e1"]
    operator = as_user(client, w.operator).get(f"/api/events/{e1.code}").json()
    assert {"accept", "reject", "merge", "escalate", "supervise"} <= set(operator["actions"])
    worker = as_user(client, w.worker).get(f"/api/events/{e1.code}").json()
    # The worker reported e1 (of a category the grid may settle): 上报并自行处置 is offered.
    assert worker["actions"] == ["settle_on_spot", "escalate"]
    e2 = as_user(client, w.city_handler).get(f"/api/events/{events['e2'].code}").json()
    assert set(e2["actions"]) == {"sign", "return", "request_extension"}
    assert [o["department"] for o in e2["orders"]] == ["cg"]


# -- figures -----------------------------------------------------------------------------------
def test_figures_after_a_known_sequence(client, w):
    op, worker, city = w.operator, w.worker, w.city_handler
    # A: dispatched, reworked once, closed on time, called back satisfied.
    a = wf.event_accept(event=report(w), actor=op)
    a = wf.event_dispatch(event=a, actor=op, lead=w.city)
    a = wf.event_sign(event=a, actor=city)
    a = wf.event_feedback(event=a, actor=city, note="已清运")
    a = wf.event_verify(event=a, actor=worker, passed=False, comment="仍有垃圾")
    a = wf.event_feedback(event=a, actor=city, note="再次清运")
    a = wf.event_verify(event=a, actor=worker, passed=True)
    a = wf.event_close(event=a, actor=op)
    a = wf.event_callback(event=a, actor=op, satisfaction="satisfied")
    # B: accepted and overdue now (as the sweep marks it).
    b = wf.event_accept(event=report(w), actor=op)
    Event.objects.filter(pk=b.pk).update(alert="red")
    # C: rejected — reported, never accepted.
    wf.event_reject(event=report(w), actor=op, reason="不属于受理范围")
    # D: settled by the grid, closed late (it was overdue once), caller unsatisfied.
    d = wf.event_accept(event=report(w), actor=op)
    d = wf.event_self_handle(event=d, actor=worker)
    d = wf.event_feedback(event=d, actor=worker, note="网格清理")
    d = wf.event_verify(event=d, actor=worker, passed=True)
    d = wf.event_close(event=d, actor=op)
    Event.objects.filter(pk=d.pk).update(overdue_ever=True)
    wf.event_callback(event=d, actor=op, satisfaction="unsatisfied")
    # E: a duplicate of B — counted once, through B.
    wf.event_merge(event=report(w), actor=op, into=b)

    figures = as_user(client, op).get("/api/events/figures").json()
    assert figures == {
        "reported": 4,
        "accepted": 3,
        "closed": 2,
        "imported_closed": 0,
        "closed_on_time": 1,
        "overdue": 1,
        "reworked": 1,
        "called_back": 2,
        "satisfied": 1,
        "closed_rate": 0.6667,
        "on_time_rate": 0.5,
        "rework_rate": 0.5,
        "satisfaction_rate": 0.5,
    }
    before = as_user(client, op).get(f"/api/events/figures?date_to={TODAY - timedelta(days=1)}")
    assert before.json()["reported"] == 0 and before.json()["closed_rate"] is None
    idle = as_user(client, w.idle_worker).get("/api/events/figures").json()
    assert idle["reported"] == 0 and idle["satisfaction_rate"] is None


# -- inbox -------------------------------------------------------------------------------------
def test_inbox_lists_and_marks_read(client, w, events):
    as_user(client, w.city_handler)
    inbox = client.get("/api/notifications").json()["items"]
    assert sorted((n["kind"], n["event"], n["read"]) for n in inbox) == [
        ("dispatched", events["e2"].code, False),
        ("supervised", events["e2"].code, False),
    ]
    assert len(client.get("/api/notifications?unread=true").json()["items"]) == 2
    dispatched = next(n for n in inbox if n["kind"] == "dispatched")

    # Someone else cannot mark it read.
    as_user(client, w.market_handler)
    assert client.post(f"/api/notifications/{dispatched['id']}/read").status_code == 204
    assert Notification.objects.get(pk=dispatched["id"]).read_at is None
    assert client.get("/api/notifications").json()["items"] == []

    as_user(client, w.city_handler)
    assert client.post(f"/api/notifications/{dispatched['id']}/read").status_code == 204
    unread = client.get("/api/notifications?unread=true").json()["items"]
    assert [n["kind"] for n in unread] == ["supervised"]
    inbox = client.get("/api/notifications").json()["items"]
    marked = next(n for n in inbox if n["kind"] == "dispatched")
    assert marked["read"] is True
    client.logout()
    assert client.get("/api/notifications").status_code == 401


def test_a_return_reaches_the_dispatchers_inbox(client, w, events):
    e2 = events["e2"]
    as_user(client, w.city_handler)
    r = post_json(client, f"/api/events/{e2.code}/return", {"reason": "不属于城管职责"})
    assert r.status_code == 200 and r.json()["status"] == Status.ACCEPTED
    assert [o["status"] for o in r.json()["orders"]] == [OrderStatus.RETURNED]
    inbox = as_user(client, w.operator).get("/api/notifications?unread=true").json()["items"]
    assert [(n["kind"], n["event"]) for n in inbox] == [("returned", e2.code)]


# -- the transitions over HTTP: versions and errors ---------------------------------------------
def test_a_stale_version_over_http_is_409_moved_on(client, w, events):
    e1 = events["e1"]
    as_user(client, w.operator)
    ok = post_json(client, f"/api/events/{e1.code}/accept", {"expected_version": 1})
    assert ok.status_code == 200 and ok.json()["version"] == 2
    late = post_json(
        client, f"/api/events/{e1.code}/reject", {"reason": "重复", "expected_version": 1}
    )
    assert (late.status_code, the_error(late)["code"]) == (409, "moved_on")


def test_transition_errors_have_the_one_shape(client, w, events):
    e1, e2 = events["e1"], events["e2"]
    as_user(client, w.operator)
    illegal = post_json(client, f"/api/events/{e1.code}/close", {})
    assert (illegal.status_code, the_error(illegal)["code"]) == (409, "illegal_transition")
    missing = post_json(client, "/api/events/XC-19700101-00001/accept", {})
    assert (missing.status_code, the_error(missing)["code"]) == (404, "not_found")
    no_reason = post_json(client, f"/api/events/{e1.code}/reject", {})
    assert (no_reason.status_code, the_error(no_reason)["field"]) == (422, "reason")
    unknown = post_json(client, f"/api/events/{events['e4'].code}/dispatch", {"lead": "nope"})
    assert (unknown.status_code, the_error(unknown)["field"]) == (400, "lead")
    foreign = post_json(
        client, f"/api/events/{e2.code}/extension/decide", {"order": 0, "approve": True}
    )
    assert (foreign.status_code, the_error(foreign)["field"]) == (400, "order")


# -- OpenAPI -----------------------------------------------------------------------------------
TRANSITIONS = [
    "accept",
    "reject",
    "merge",
    "self-handle",
    "dispatch",
    "sign",
    "return",
    "extension",
    "extension/decide",
    "feedback",
    "verify",
    "close",
    "callback",
    "reopen",
    "escalate",
    "supervise",
    "cancel",
    "settle-on-spot",
]


def test_openapi_lists_every_endpoint(client, w):
    schema = as_user(client, w.operator).get("/api/openapi.json").json()
    paths = schema["paths"]
    for name in TRANSITIONS:
        operation = paths[f"/api/events/{{code}}/{name}"]
        assert set(operation) == {"post"}, name
        assert "requestBody" in operation["post"], name
    assert {"get", "post"} <= set(paths["/api/events"])
    for path in ("/api/events/counts", "/api/events/figures", "/api/events/{code}"):
        assert "get" in paths[path]
    assert "post" in paths["/api/notifications/{nid}/read"]
    assert len(TRANSITIONS) == len(wf.MOVES) - len(wf.SYSTEM_MOVES)
