"""POST requests: a valid request becomes an event of the client's channel with its extras;
every kind of bad input is refused with the spec's error list and the right status, and
leaves nothing behind."""

import pytest

from tests.open311.conftest import BASE, OUTSIDE, error_descriptions, parse, valid_form
from tests.ratelimits import WINDOW_START
from wangge.events.models import Event, Status
from wangge.intake.models import Channel
from wangge.open311.models import ServiceRequest

pytestmark = pytest.mark.django_db
FORMATS = ["json", "xml"]


@pytest.mark.parametrize("fmt", FORMATS)
def test_create_makes_an_event_of_the_clients_channel(o, client, fmt):
    form = valid_form(
        o,
        **{
            "attribute[smells][]": ["a", "b"],
            "attribute[volume]": "2.5",
            "attribute[seen_at]": "2026-11-20T08:00:00+08:00",
            "attribute[note]": "靠近垃圾桶",
        },
    )
    response = client.post(f"{BASE}requests.{fmt}", form)
    assert response.status_code == 200
    body = parse(response, fmt)
    if fmt == "json":
        assert len(body) == 1
        answer = body[0]
    else:
        assert body.tag == "service_requests"
        assert len(body.findall("request")) == 1
        answer = {c.tag: c.text for c in body.find("request")}
    event = Event.objects.get(code=answer["service_request_id"])
    assert answer["account_id"] == "acc-1"
    assert event.channel == "civic_app"
    assert event.status == Status.REPORTED
    assert event.category.code == "0102"
    assert event.title == "路边有一堆垃圾"
    assert event.description == "路边有一堆垃圾\n已经三天了"
    assert (event.lat, event.lon) == (30.2025, 120.1025)
    assert event.area.code == "330103001001001001"
    assert event.address == "朝晖路 12 号"
    assert event.reporter_name == "小明 王"
    assert event.reporter_phone == "13800000000"
    extra = ServiceRequest.objects.get(event=event)
    assert extra.token == answer["token"]
    assert extra.channel == "civic_app"
    assert extra.attributes == {
        "kind": "bag",
        "smells": ["a", "b"],
        "volume": "2.5",
        "seen_at": "2026-11-20T08:00:00+08:00",
        "note": "靠近垃圾桶",
    }
    assert extra.media_url == "https://img.example.org/1.jpg"
    assert (extra.email, extra.device_id, extra.account_id) == (
        "wang@example.org",
        "dev-1",
        "acc-1",
    )


def test_jurisdiction_may_come_in_the_form_or_the_query(o, client):
    ok = client.post(f"{BASE}requests.json", valid_form(o, jurisdiction_id="330103"))
    assert ok.status_code == 200
    query = client.post(f"{BASE}requests.json?jurisdiction_id=330103", valid_form(o))
    assert query.status_code == 200


def test_api_key_may_come_in_the_query(o, client):
    form = valid_form(o, api_key=None)
    response = client.post(f"{BASE}requests.json?api_key={o.key}", form)
    assert response.status_code == 200


def test_address_only_is_filed_at_the_district(o, client):
    form = valid_form(o, lat=None, long=None)
    response = client.post(f"{BASE}requests.json", form)
    assert response.status_code == 200
    event = Event.objects.get(code=response.json()[0]["service_request_id"])
    assert event.area.code == "330103"
    assert event.lat is None
    assert event.address == "朝晖路 12 号"


def test_address_id_alone_is_kept(o, client):
    form = valid_form(o, lat=None, long=None, address_string=None, address_id="A-77")
    response = client.post(f"{BASE}requests.json", form)
    assert response.status_code == 200
    event = Event.objects.get(code=response.json()[0]["service_request_id"])
    assert event.open311.address_id == "A-77"
    assert "A-77" in event.address


def test_description_is_optional_the_title_is_then_the_service(o, client):
    response = client.post(f"{BASE}requests.json", valid_form(o, description=None))
    assert response.status_code == 200
    event = Event.objects.get(code=response.json()[0]["service_request_id"])
    assert event.title == "暴露垃圾"


BAD = [
    # (form changes, status, expected description)
    ({"api_key": None}, 403, "api_key: An API key is required."),
    ({"api_key": "nope"}, 403, "api_key: Unknown API key."),
    ({"service_code": None}, 400, "service_code: A service_code is required."),
    ({"service_code": "9999"}, 404, "service_code: Unknown service_code 9999."),
    ({"service_code": "01"}, 404, "service_code: Unknown service_code 01."),
    ({"jurisdiction_id": "sfgov.org"}, 404, "jurisdiction_id: Unknown jurisdiction_id sfgov.org."),
    ({"long": None}, 400, "long: Send both lat and long."),
    ({"lat": None}, 400, "lat: Send both lat and long."),
    ({"lat": "north"}, 400, "lat: north is not a number."),
    ({"lat": "nan"}, 400, "lat: nan is out of range (-90 to 90)."),
    ({"lat": "95"}, 400, "lat: 95 is out of range (-90 to 90)."),
    ({"long": "-181"}, 400, "long: -181 is out of range (-180 to 180)."),
    (OUTSIDE, 400, "long: The location is outside the jurisdiction."),
    (
        {"lat": None, "long": None, "address_string": None},
        400,
        "lat: Give the location: lat and long, address_string or address_id.",
    ),
    ({"attribute[kind]": None}, 400, "attribute[kind]: This attribute is required."),
    ({"attribute[kind]": "box"}, 400, "attribute[kind]: box is not one of the listed values."),
    ({"attribute[kind]": ["bag", "loose"]}, 400, "attribute[kind]: Give one value, not several."),
    (
        {"attribute[smells][]": ["a", "z"]},
        400,
        "attribute[smells]: z is not one of the listed values.",
    ),
    ({"attribute[volume]": "lots"}, 400, "attribute[volume]: lots is not a number."),
    ({"attribute[volume]": "inf"}, 400, "attribute[volume]: inf is not a number."),
    (
        {"attribute[seen_at]": "yesterday"},
        400,
        "attribute[seen_at]: yesterday is not a date and time like 2010-01-01T00:00:00Z.",
    ),
    ({"attribute[colour]": "red"}, 400, "attribute[colour]: Not an attribute of this service."),
    ({"attribute[info]": "x"}, 400, "attribute[info]: Not an attribute of this service."),
    ({"attribute[note]": "x" * 301}, 400, "attribute[note]: At most 300 characters, not 301."),
    ({"description": "x" * 4001}, 400, "description: At most 4000 characters, not 4001."),
    ({"media_url": "ftp://x.org/a.jpg"}, 400, "media_url: ftp://x.org/a.jpg is not valid here."),
    ({"media_url": "not a url"}, 400, "media_url: not a url is not valid here."),
    ({"email": "wang-at-example"}, 400, "email: wang-at-example is not valid here."),
    ({"phone": "1" * 31}, 400, "phone: At most 30 characters, not 31."),
    ({"first_name": "x" * 30, "last_name": "y" * 30}, 400, "last_name: The name is too long."),
]


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize(("changes", "status", "description"), BAD)
def test_bad_input_is_refused_and_leaves_nothing(o, client, fmt, changes, status, description):
    events, extras = Event.objects.count(), ServiceRequest.objects.count()
    response = client.post(f"{BASE}requests.{fmt}", valid_form(o, **changes))
    assert response.status_code == status
    assert error_descriptions(response, fmt) == [description]
    assert (Event.objects.count(), ServiceRequest.objects.count()) == (events, extras)


def test_several_attribute_problems_are_all_named(o, client):
    form = valid_form(o, **{"attribute[kind]": None, "attribute[colour]": "red"})
    response = client.post(f"{BASE}requests.json", form)
    assert response.status_code == 400
    assert sorted(error_descriptions(response, "json")) == [
        "attribute[colour]: Not an attribute of this service.",
        "attribute[kind]: This attribute is required.",
    ]


def test_switched_off_client_is_403(o, client):
    Channel.objects.filter(pk=o.channel.pk).update(active=False)
    response = client.post(f"{BASE}requests.json", valid_form(o))
    assert response.status_code == 403
    assert error_descriptions(response, "json") == ["api_key: This channel is switched off."]


@pytest.mark.parametrize("fmt", FORMATS)
def test_json_body_is_refused(o, client, fmt):
    response = client.post(
        f"{BASE}requests.{fmt}", data=b'{"api_key": "x"}', content_type="application/json"
    )
    assert response.status_code == 400
    assert error_descriptions(response, fmt) == [
        "Send the request form-encoded (application/x-www-form-urlencoded)."
    ]


def test_malformed_bodies_are_400_never_500(o, client):
    before = Event.objects.count()
    broken_multipart = client.generic(
        "POST",
        f"{BASE}requests.json",
        b'--xyz\r\nContent-Disposition: form-data; name="api_key"\r\n\r\nabc',
        content_type="multipart/form-data; boundary=xyz",
    )
    assert broken_multipart.status_code in (400, 403)
    no_boundary = client.generic(
        "POST", f"{BASE}requests.json", b"garbage", content_type="multipart/form-data"
    )
    assert no_boundary.status_code == 400
    assert error_descriptions(no_boundary, "json") == ["The request body cannot be read."]
    undecodable = client.generic(
        "POST",
        f"{BASE}requests.json",
        b"api_key=%ff%fe&service_code=%%%",
        content_type="application/x-www-form-urlencoded",
    )
    assert undecodable.status_code == 403
    huge = client.post(f"{BASE}requests.json", valid_form(o, description="x" * 3_000_000))
    assert huge.status_code == 400
    assert error_descriptions(huge, "json") == ["The request body cannot be read."]
    many = client.post(f"{BASE}requests.json", {f"attribute[a{i}]": "1" for i in range(1200)})
    assert many.status_code == 400
    assert Event.objects.count() == before


def test_posts_are_rate_limited_per_address_in_the_specs_format(o, client, settings, clock):
    clock(WINDOW_START)  # limits count in fixed windows: all the requests fall in one
    settings.WANGGE_RATE_OPEN311_POST = "2/3600"
    before = Event.objects.count()
    for _ in range(2):
        assert client.post(f"{BASE}requests.json", valid_form(o)).status_code == 200
    response = client.post(f"{BASE}requests.json", valid_form(o))
    assert response.status_code == 429 and 1 <= int(response["Retry-After"]) <= 3600
    assert len(error_descriptions(response, "json")) == 1
    assert Event.objects.count() == before + 2
    assert client.get(f"{BASE}requests.json").status_code == 200  # reading is not limited
    other = client.post(f"{BASE}requests.json", valid_form(o), REMOTE_ADDR="10.4.4.4")
    assert other.status_code == 200
