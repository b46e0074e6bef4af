"""GET requests (filters and defaults), GET one request, tokens and servicerequestupdates."""

from datetime import UTC, timedelta

import pytest
from django.utils import timezone

from tests.events.factories import report
from tests.open311.conftest import BASE, error_descriptions, parse, valid_form
from wangge.events import workflow as wf
from wangge.events.models import Event, TimelineEntry
from wangge.open311 import selectors

pytestmark = pytest.mark.django_db
FORMATS = ["json", "xml"]
REQUEST_FIELDS = {
    "service_request_id", "status", "status_notes", "service_name", "service_code",
    "description", "agency_responsible", "service_notice", "requested_datetime",
    "updated_datetime", "expected_datetime", "address", "address_id", "zipcode", "lat",
    "long", "media_url",
}  # fmt: skip


def create(o, client, **changes) -> Event:
    response = client.post(f"{BASE}requests.json", valid_form(o, **changes))
    assert response.status_code == 200, response.content
    return Event.objects.get(code=response.json()[0]["service_request_id"])


def requests_of(response, fmt) -> list[dict]:
    assert response.status_code == 200, response.content
    body = parse(response, fmt)
    if fmt == "json":
        return body
    assert body.tag == "service_requests"
    return [{c.tag: c.text for c in r} for r in body.findall("request")]


def ids(response, fmt="json") -> list[str]:
    return [r["service_request_id"] for r in requests_of(response, fmt)]


@pytest.mark.parametrize("fmt", FORMATS)
def test_list_shows_open311_requests_newest_first(o, client, fmt):
    first, second = create(o, client), create(o, client, **{"attribute[kind]": "loose"})
    Event.objects.filter(pk=first.pk).update(reported_at=timezone.now() - timedelta(hours=1))
    report(o.world)  # a grid worker's report: not an Open311 request
    listed = requests_of(client.get(f"{BASE}requests.{fmt}"), fmt)
    assert [r["service_request_id"] for r in listed] == [second.code, first.code]
    one = listed[0]
    assert set(one) == REQUEST_FIELDS
    assert one["status"] == "open"
    assert one["service_code"] == "0102" and one["service_name"] == "暴露垃圾"
    assert one["description"] == "路边有一堆垃圾\n已经三天了"
    assert one["address"] == "朝晖路 12 号"
    assert one["media_url"] == "https://img.example.org/1.jpg"
    assert one["requested_datetime"].endswith("+08:00")
    if fmt == "json":
        assert (one["lat"], one["long"]) == (30.2025, 120.1025)
        assert one["zipcode"] is None
    else:
        assert (one["lat"], one["long"]) == ("30.2025", "120.1025")


def test_configured_channels_are_listed_too(o, client, settings):
    grid = report(o.world)
    assert grid.code not in ids(client.get(f"{BASE}requests.json"))
    settings.WANGGE_OPEN311_CHANNELS = "grid_app"
    assert grid.code in ids(client.get(f"{BASE}requests.json"))
    settings.WANGGE_OPEN311_CHANNELS = "*"
    assert grid.code in ids(client.get(f"{BASE}requests.json"))


def test_filters(o, client):
    a, b, c = (
        create(o, client),
        create(o, client),
        create(o, client, service_code="0104", **{"attribute[kind]": None}),
    )
    wf.event_reject(event=b, actor=o.world.operator, reason="重复上报")
    old = create(o, client)
    Event.objects.filter(pk=old.pk).update(reported_at=timezone.now() - timedelta(days=100))
    get = lambda **q: set(ids(client.get(f"{BASE}requests.json", q)))  # noqa: E731
    assert get() == {a.code, b.code, c.code}  # the last 90 days by default
    assert get(status="open") == {a.code, c.code}
    assert get(status="closed") == {b.code}
    assert get(status="open,closed") == {a.code, b.code, c.code}
    assert get(service_code="0104") == {c.code}
    assert get(service_code="0104,0102", status="open") == {a.code, c.code}
    # service_request_id overrides everything else, old requests included
    assert get(service_request_id=f"{a.code},{old.code}", status="closed") == {a.code, old.code}
    start = (timezone.now() - timedelta(days=120)).isoformat()
    end = (timezone.now() - timedelta(days=95)).isoformat()
    assert get(start_date=start, end_date=end) == {old.code}
    assert get(start_date=start) == {old.code}
    assert get(end_date=end) == {old.code}
    later = timezone.now() + timedelta(minutes=1)
    assert get(start_date=later.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")) == set()
    # a date alone, and "+08:00" sent unencoded (it arrives as " 08:00")
    today = timezone.localdate()
    assert get(start_date=today.isoformat()) == {a.code, b.code, c.code}
    soon = timezone.localtime() + timedelta(minutes=1)
    local = soon.strftime("%Y-%m-%dT%H:%M:%S 08:00")
    assert get(end_date=local) == {a.code, b.code, c.code}


def test_at_most_1000(o, client, monkeypatch):
    monkeypatch.setattr(selectors, "LIMIT", 2)
    made = [create(o, client) for _ in range(3)]
    assert len(ids(client.get(f"{BASE}requests.json"))) == 2
    both = ",".join(e.code for e in made)
    assert len(ids(client.get(f"{BASE}requests.json", {"service_request_id": both}))) == 2


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize(
    ("query", "description"),
    [
        ({"status": "pending"}, "status: Unknown status pending: use open or closed."),
        (
            {"start_date": "last week"},
            "start_date: last week is not a date and time like 2010-01-01T00:00:00Z.",
        ),
        (
            {"end_date": "2026-13-45T00:00:00Z"},
            "end_date: 2026-13-45T00:00:00Z is not a date and time like 2010-01-01T00:00:00Z.",
        ),
        (
            {"start_date": "2026-01-01T00:00:00Z", "end_date": "2026-06-01T00:00:00Z"},
            "end_date: The dates may span at most 90 days.",
        ),
        (
            {"start_date": "2026-02-01T00:00:00Z", "end_date": "2026-01-01T00:00:00Z"},
            "end_date: end_date is before start_date.",
        ),
    ],
)
def test_bad_filters_are_400(o, client, fmt, query, description):
    response = client.get(f"{BASE}requests.{fmt}", query)
    assert response.status_code == 400
    assert error_descriptions(response, fmt) == [description]


@pytest.mark.parametrize("fmt", FORMATS)
def test_one_request_is_a_one_element_list(o, client, fmt):
    event = create(o, client)
    wf.event_accept(event=event, actor=o.world.operator)
    wf.event_dispatch(event=event, actor=o.world.operator, lead=o.world.city)
    listed = requests_of(client.get(f"{BASE}requests/{event.code}.{fmt}"), fmt)
    assert len(listed) == 1
    assert listed[0]["service_request_id"] == event.code
    assert listed[0]["agency_responsible"] == "城管"
    assert listed[0]["expected_datetime"]


@pytest.mark.parametrize("fmt", FORMATS)
def test_closed_request_says_why(o, client, fmt):
    event = create(o, client)
    wf.event_reject(event=event, actor=o.world.operator, reason="不属于受理范围")
    (one,) = requests_of(client.get(f"{BASE}requests/{event.code}.{fmt}"), fmt)
    assert one["status"] == "closed"
    assert one["status_notes"] == "不属于受理范围"


@pytest.mark.parametrize("fmt", FORMATS)
def test_unknown_or_private_request_is_404(o, client, fmt):
    grid = report(o.world)
    for code in ("XC-NOPE", grid.code):
        response = client.get(f"{BASE}requests/{code}.{fmt}")
        assert response.status_code == 404
        assert error_descriptions(response, fmt) == [
            f"service_request_id: Unknown service_request_id {code}."
        ]


@pytest.mark.parametrize("fmt", FORMATS)
def test_token_resolves_to_the_request(o, client, fmt):
    response = client.post(f"{BASE}requests.{fmt}", valid_form(o))
    answer = requests_of(response, fmt)[0]
    token = answer["token"]
    resolved = requests_of(client.get(f"{BASE}tokens/{token}.{fmt}"), fmt)
    assert resolved == [{"service_request_id": answer["service_request_id"], "token": token}]
    missing = client.get(f"{BASE}tokens/0000.{fmt}")
    assert missing.status_code == 404
    assert error_descriptions(missing, fmt) == ["token: Unknown token."]


@pytest.mark.parametrize("fmt", FORMATS)
def test_request_updates_are_the_public_timeline(o, client, fmt):
    event = create(o, client)
    wf.event_accept(event=event, actor=o.world.operator, comment="已立案")
    TimelineEntry.objects.create(event=event, action="note", comment="内部备注", public=False)
    report(o.world)  # not an Open311 request: its entries stay out
    start = (timezone.now() - timedelta(minutes=5)).isoformat()
    response = client.get(f"{BASE}servicerequestupdates.{fmt}", {"start_date": start})
    assert response.status_code == 200
    body = parse(response, fmt)
    if fmt == "xml":
        assert body.tag == "service_request_updates"
        body = [{c.tag: c.text for c in u} for u in body.findall("request_update")]
    assert [(u["service_request_id"], u["external_status_code"]) for u in body] == [
        (event.code, "reported"),
        (event.code, "accepted"),
    ]
    accepted = body[1]
    assert accepted["status"] == "open"
    assert accepted["description"] == "已立案"
    assert set(accepted) == {
        "update_id", "service_request_id", "status", "external_status_code",
        "updated_datetime", "description", "media_url",
    }  # fmt: skip
    later = (timezone.now() + timedelta(minutes=5)).isoformat()
    assert (
        parse(client.get(f"{BASE}servicerequestupdates.json", {"start_date": later}), "json") == []
    )


def test_request_updates_bad_dates_are_400(o, client):
    response = client.get(f"{BASE}servicerequestupdates.json", {"start_date": "soon"})
    assert response.status_code == 400


def test_no_personal_data_in_any_answer(o, client, settings):
    settings.WANGGE_OPEN311_CHANNELS = "*"
    event = create(o, client)
    report(o.world, reporter_name="李四", reporter_phone="13911112222")
    wf.event_accept(event=event, actor=o.world.operator)
    bodies = b"".join(
        client.get(f"{BASE}{path}.{fmt}").content
        for path in ("requests", f"requests/{event.code}", "servicerequestupdates")
        for fmt in FORMATS
    )
    for private in (
        "小明",
        "王",
        "13800000000",
        "wang@example.org",
        "dev-1",
        "李四",
        "13911112222",
    ):
        assert private.encode() not in bodies
