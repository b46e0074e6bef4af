"""The work-order push API: idempotent by order number, updates, acceptance, bad input."""

import pytest

from tests.factories import make_user
from tests.intake.conftest import INSIDE, OUTSIDE, Intake, order, push
from wangge.events import hooks
from wangge.events import workflow as wf
from wangge.events.models import Category, Event, Status, TimelineEntry
from wangge.intake.models import Channel

pytestmark = pytest.mark.django_db


def test_the_same_order_twice_makes_one_event(client, intake: Intake):
    first = push(client, intake.key, order())
    assert first.status_code == 201, first.content
    assert first.json()["outcome"] == "created"
    again = push(client, intake.key, order())
    assert again.status_code == 200
    assert again.json() == {**first.json(), "outcome": "unchanged"}
    event = Event.objects.get()
    assert (event.channel, event.source_ref) == ("hotline", "GD20260301001")
    assert event.category.code == "0102" and event.status == Status.REPORTED
    assert event.title == "小区门口垃圾堆放三天无人清运"  # no title sent: from the content
    assert (event.reporter_name, event.reporter_phone) == ("张三", "13800000000")
    assert event.area.code == "330103001001001001"
    assert event.timeline.filter(action="source_update").count() == 0


def test_an_updated_order_updates_the_unaccepted_event(client, intake: Intake):
    push(client, intake.key, order())
    version = Event.objects.get().version
    changed = order(title="垃圾堆放", content="垃圾已堆到路中间", address="文晖路 3 号")
    response = push(client, intake.key, {**changed, "category": "0103"})
    assert response.status_code == 200 and response.json()["outcome"] == "updated"
    event = Event.objects.get()
    assert (event.title, event.description, event.address, event.category.code) == (
        "垃圾堆放",
        "垃圾已堆到路中间",
        "文晖路 3 号",
        "0103",
    )
    assert event.version == version + 1
    entry = event.timeline.get(action="source_update")
    assert entry.data["applied"] is True and "description" in entry.data["changed"]
    assert not entry.public and "13800000000" not in str(entry.data)  # no personal data
    # Sending the update again changes nothing more.
    assert push(client, intake.key, {**changed, "category": "0103"}).json()["outcome"] == (
        "unchanged"
    )
    assert event.timeline.filter(action="source_update").count() == 1


def test_after_acceptance_an_update_is_noted_on_the_timeline_only(client, intake: Intake):
    push(client, intake.key, order())
    event = Event.objects.get()
    wf.event_accept(event=event, actor=intake.world.operator)
    response = push(client, intake.key, order(content="又来电催办"))
    assert response.json()["outcome"] == "noted" and response.json()["status"] == "accepted"
    event.refresh_from_db()
    assert event.description == "小区门口垃圾堆放三天无人清运"
    entry = event.timeline.get(action="source_update")
    assert entry.comment == "又来电催办" and entry.data["applied"] is False
    assert push(client, intake.key, order(content="又来电催办")).json()["outcome"] == "unchanged"


def test_source_updates_are_written_by_the_workflow_and_reach_its_hooks(
    client, intake: Intake, django_capture_on_commit_callbacks
):
    """The timeline is written by the event loop only: an order update goes through
    `workflow.event_amend_by_source`, so the after-commit hooks (the channel's feed, any
    other app's) see it like every other entry."""
    seen: list[str] = []

    def record(entry: TimelineEntry) -> None:
        seen.append(entry.action)

    hooks.register(hooks.TIMELINE_ENTRY, record)
    try:
        push(client, intake.key, order())
        with django_capture_on_commit_callbacks(execute=True):
            push(client, intake.key, order(content="又来电催办"))
    finally:
        hooks._hooks[hooks.TIMELINE_ENTRY].remove(record)
    assert seen == ["source_update"]


def test_a_channel_that_skips_acceptance_accepts_on_arrival(client, intake: Intake):
    Channel.objects.filter(pk=intake.hotline.pk).update(skips_acceptance=True)
    response = push(client, intake.key, order())
    assert response.status_code == 201 and response.json()["status"] == "accepted"
    event = Event.objects.get()
    assert event.accepted_at is not None and event.handle_deadline is not None
    accept = event.timeline.get(action="accept")
    assert accept.actor is None and accept.from_status == "reported"


def test_without_a_category_the_channels_default_is_used(client, intake: Intake):
    bare = order()
    del bare["category"]
    refused = push(client, intake.key, bare)
    assert refused.status_code == 422
    assert refused.json()["errors"][0]["field"] == "category"
    Channel.objects.filter(pk=intake.hotline.pk).update(default_category_id=3)
    assert push(client, intake.key, bare).status_code == 201
    assert Event.objects.get().category_id == 3


def test_an_order_without_a_place_goes_to_the_district(client, intake: Intake):
    bare = order()
    del bare["lon"], bare["lat"]
    assert push(client, intake.key, bare).status_code == 201
    event = Event.objects.get()
    assert event.area.code == "330103" and event.lon is None
    named = {**bare, "order_no": "B", "area": "330103001"}
    assert push(client, intake.key, named).status_code == 201
    assert Event.objects.get(source_ref="B").area.code == "330103001"


@pytest.mark.parametrize(
    ("key", "status", "code"), [(None, 401, "required"), ("nonsense", 403, "unknown_key")]
)
def test_unknown_or_missing_api_keys_are_refused(client, intake: Intake, key, status, code):
    response = push(client, key, order())
    assert response.status_code == status
    assert response.json()["errors"][0]["code"] == code
    assert not Event.objects.exists()


def test_a_switched_off_channel_is_refused(client, intake: Intake):
    Channel.objects.filter(pk=intake.hotline.pk).update(active=False)
    assert push(client, intake.key, order()).status_code == 403


@pytest.mark.parametrize(
    ("raw", "field"),
    [
        (b"{not json", "body"),
        (b"[1, 2]", "body"),
        ("\xff\xfe".encode("latin-1"), "body"),
    ],
)
def test_malformed_bodies_are_400(client, intake: Intake, raw, field):
    response = push(client, intake.key, None, raw=raw)
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == field
    assert not Event.objects.exists()


@pytest.mark.parametrize(
    ("change", "field", "code"),
    [
        ({"order_no": ""}, "order_no", "required"),
        ({"order_no": "x" * 65}, "order_no", "too_long"),
        ({"content": "", "title": ""}, "content", "required"),
        ({"category": "外星人入侵"}, "category", "unknown_category"),
        ({"lon": 200}, "lon", "out_of_range"),
        ({"lat": "north"}, "lon", "invalid"),
        ({"lon": OUTSIDE[0], "lat": OUTSIDE[1]}, "lon", "outside"),
        ({"lat": None}, "lat", "invalid"),
        ({"crs": "utm"}, "crs", "invalid"),
        ({"called_at": "yesterday"}, "called_at", "date_format"),
        ({"priority": "whenever"}, "priority", "invalid"),
        ({"area": "999"}, "area", "unknown_area"),
        ({"title": {"nested": 1}}, "title", "invalid"),
    ],
)
def test_bad_fields_are_named_and_nothing_is_written(client, intake: Intake, change, field, code):
    body = {**order(), **change}
    if field == "area":
        del body["lon"], body["lat"]
    response = push(client, intake.key, body)
    assert response.status_code == 422, response.content
    problems = response.json()["errors"]
    assert (field, code) in [(p["field"], p["code"]) for p in problems]
    assert all(p["message"] for p in problems)
    assert not Event.objects.exists() and not TimelineEntry.objects.exists()


def test_every_problem_of_an_order_is_reported_at_once(client, intake: Intake):
    response = push(client, intake.key, {"category": "?", "lon": 999, "lat": 0})
    fields = {p["field"] for p in response.json()["errors"]}
    assert {"order_no", "content", "category", "lon"} <= fields


def test_gcj02_points_are_converted(client, intake: Intake):
    from wangge.regions import coords

    lon, lat = coords.wgs84_to_gcj02(*INSIDE)
    assert push(client, intake.key, order(lon=lon, lat=lat, crs="gcj02")).status_code == 201
    event = Event.objects.get()
    assert abs(event.lon - INSIDE[0]) < 1e-6 and abs(event.lat - INSIDE[1]) < 1e-6


def test_messages_speak_the_users_language(client, intake: Intake):
    response = client.post(
        "/api/intake/orders",
        data=b"{",
        content_type="application/json",
        HTTP_X_API_KEY=intake.key,
        HTTP_ACCEPT_LANGUAGE="zh-hans",
    )
    assert "JSON" in response.json()["errors"][0]["message"]


def test_figures_count_events_per_channel(client, intake: Intake):
    push(client, intake.key, order())
    push(client, intake.key, order(order_no="2"))
    wf.event_report(
        actor=intake.world.operator,
        title="占道经营",
        category=Category.objects.get(code="0102"),
        area=intake.world.areas["330103001"],
    )
    client.force_login(intake.world.operator)
    assert client.get("/api/intake/figures/channels").json() == {"hotline": 2, "grid_app": 1}
    client.force_login(make_user("nobody"))  # no post: sees none of them
    assert client.get("/api/intake/figures/channels").json() == {}


def test_openapi_lists_the_intake_endpoints(client, intake: Intake):
    client.force_login(intake.world.operator)
    paths = client.get("/api/openapi.json").json()["paths"]
    assert "post" in paths["/api/intake/orders"]
    assert "post" in paths["/api/intake/orders/import"]
    assert "get" in paths["/api/intake/changes"]
    assert "post" in paths["/api/intake/video/{channel}/alerts"]
    headers = [p["name"] for p in paths["/api/intake/orders"]["post"]["parameters"]]
    assert "X-Api-Key" in headers
