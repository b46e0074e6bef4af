"""Discovery, services and service definitions, in both formats, with their errors."""

import pytest

from tests.open311.conftest import BASE, error_descriptions, parse
from wangge.events.models import Category

pytestmark = pytest.mark.django_db
FORMATS = ["json", "xml"]


@pytest.mark.parametrize("fmt", FORMATS)
def test_discovery(o, client, fmt):
    response = client.get(f"{BASE}discovery.{fmt}")
    assert response.status_code == 200
    body = parse(response, fmt)
    if fmt == "json":
        endpoint = body["endpoints"][0]
        assert set(body) == {"changeset", "contact", "key_service", "endpoints"}
        assert endpoint["url"] == "http://testserver/open311/v2/"
        assert endpoint["specification"] == "http://wiki.open311.org/GeoReport_v2"
        assert endpoint["formats"] == ["text/xml", "application/json"]
    else:
        assert body.tag == "discovery"
        endpoint = body.find("endpoints/endpoint")
        assert endpoint.findtext("url") == "http://testserver/open311/v2/"
        assert endpoint.findtext("type") == "production"
        assert [f.text for f in endpoint.findall("formats/format")] == [
            "text/xml",
            "application/json",
        ]


@pytest.mark.parametrize("fmt", FORMATS)
def test_services_are_the_active_leaf_categories(o, client, fmt):
    Category.objects.filter(code="0103").update(active=False)
    Category.objects.filter(code="02").update(active=False)  # its leaves go with it
    response = client.get(f"{BASE}services.{fmt}")
    assert response.status_code == 200
    body = parse(response, fmt)
    if fmt == "json":
        services = {s["service_code"]: s for s in body}
    else:
        assert body.tag == "services"
        services = {
            s.findtext("service_code"): {c.tag: c.text for c in s} for s in body.findall("service")
        }
    assert "0102" in services and "0104" in services
    assert "01" not in services  # a parent (大类) is a group, not a service
    assert "0103" not in services and "0201" not in services
    leaves = Category.objects.filter(active=True, children=None).exclude(parent__active=False)
    assert set(services) == set(leaves.values_list("code", flat=True))
    garbage = services["0102"]
    assert garbage["service_name"] == "暴露垃圾"
    assert garbage["group"] == "市容环境"
    assert garbage["type"] == "realtime"
    if fmt == "json":
        assert garbage["metadata"] is True
        assert services["0104"]["metadata"] is False
    else:
        assert garbage["metadata"] == "true"
        assert services["0104"]["metadata"] == "false"


@pytest.mark.parametrize("fmt", FORMATS)
def test_service_definition(o, client, fmt):
    response = client.get(f"{BASE}services/0102.{fmt}")
    assert response.status_code == 200
    body = parse(response, fmt)
    if fmt == "json":
        assert body["service_code"] == "0102"
        attributes = body["attributes"]
        kind = attributes[0]
        assert [a["code"] for a in attributes] == [
            "kind",
            "smells",
            "volume",
            "seen_at",
            "note",
            "story",
            "info",
        ]
        assert kind == {
            "variable": True,
            "code": "kind",
            "datatype": "singlevaluelist",
            "required": True,
            "datatype_description": None,
            "order": 1,
            "description": "question kind",
            "values": [{"key": "bag", "name": "袋装"}, {"key": "loose", "name": "散落"}],
        }
        assert attributes[-1]["variable"] is False
    else:
        assert body.tag == "service_definition"
        assert body.findtext("service_code") == "0102"
        kind = body.find("attributes/attribute")
        assert kind.findtext("code") == "kind"
        assert kind.findtext("datatype") == "singlevaluelist"
        assert kind.findtext("required") == "true"
        assert kind.findtext("order") == "1"
        values = kind.findall("values/value")
        assert [(v.findtext("key"), v.findtext("name")) for v in values] == [
            ("bag", "袋装"),
            ("loose", "散落"),
        ]


@pytest.mark.parametrize("fmt", FORMATS)
def test_service_without_attributes_has_an_empty_definition(o, client, fmt):
    body = parse(client.get(f"{BASE}services/0104.{fmt}"), fmt)
    if fmt == "json":
        assert body == {"service_code": "0104", "attributes": []}
    else:
        assert body.findtext("service_code") == "0104"
        assert list(body.find("attributes")) == []


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("code", ["9999", "01", "0103"])
def test_unknown_parent_or_inactive_service_is_404(o, client, fmt, code):
    Category.objects.filter(code="0103").update(active=False)
    response = client.get(f"{BASE}services/{code}.{fmt}")
    assert response.status_code == 404
    assert error_descriptions(response, fmt) == [f"service_code: Unknown service_code {code}."]


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize(
    "path", ["discovery", "services", "services/0102", "requests", "servicerequestupdates"]
)
def test_unknown_jurisdiction_is_404(o, client, fmt, path):
    response = client.get(f"{BASE}{path}.{fmt}", {"jurisdiction_id": "sfgov.org"})
    assert response.status_code == 404
    assert error_descriptions(response, fmt) == [
        "jurisdiction_id: Unknown jurisdiction_id sfgov.org."
    ]


def test_jurisdiction_defaults_to_the_district_and_can_be_configured(o, client, settings):
    assert client.get(f"{BASE}services.json", {"jurisdiction_id": "330103"}).status_code == 200
    assert client.get(f"{BASE}services.json", {"jurisdiction_id": ""}).status_code == 200
    settings.WANGGE_OPEN311_JURISDICTION = "xc.hangzhou.gov.cn, 330103"
    for accepted in ("xc.hangzhou.gov.cn", "330103"):
        assert client.get(f"{BASE}services.json", {"jurisdiction_id": accepted}).status_code == 200
    assert client.get(f"{BASE}services.json", {"jurisdiction_id": "330104"}).status_code == 404


@pytest.mark.parametrize(
    "path",
    ["services.csv", "services", "nothing.json", "requests/", "v3/services.json", ""],
)
def test_unknown_paths_are_404_in_the_spec_format(client, path):
    response = client.get(f"{BASE}{path}")
    assert response.status_code == 404
    assert error_descriptions(response, "json")[0].startswith("No such resource")


def test_unknown_xml_path_answers_xml(client):
    response = client.get(f"{BASE}nothing.xml")
    assert response.status_code == 404
    assert error_descriptions(response, "xml")


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("method", ["post", "put", "delete"])
def test_wrong_method_is_405(o, client, fmt, method):
    response = getattr(client, method)(f"{BASE}services.{fmt}")
    assert response.status_code == 405
    assert response["Allow"] == "GET"
    assert error_descriptions(response, fmt) == ["Use GET here."]


def test_messages_speak_chinese_by_default(o):
    from django.test import Client

    response = Client().get(f"{BASE}services/9999.json")
    assert response.status_code == 404
    assert response.json() == [
        {"code": 404, "description": "service_code: 未知的 service_code 9999。"}
    ]
