"""The read side driven by an independent Open311 client (the `georeport` package from
PyPI) over real HTTP against the running server."""

import gc

import pytest
import requests
from georeport import GeoReport

from tests.open311.conftest import BASE, build, valid_form
from wangge.open311.services import request_create
from wangge.regions import spatial_index


@pytest.fixture
def served(live_server, settings):
    settings.WANGGE_INDEX_CHECK_SECONDS = 0
    spatial_index.invalidate()
    world = build()
    root = f"{live_server.url}{BASE}"
    made = [
        request_create(
            {k: v if isinstance(v, list) else [v] for k, v in valid_form(world, **kind).items()}
        ).event.code
        for kind in ({"attribute[kind]": "bag"}, {"attribute[kind]": "loose"})
    ]
    yield root, made
    spatial_index.invalidate()


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_georeport_client_reads_everything(served, fmt):
    root, made = served
    client = GeoReport(root, jurisdiction="330103", output_format=fmt)

    services = client.get_service_list()
    by_code = {s["service_code"]: s for s in services}
    assert by_code["0102"]["service_name"] == "暴露垃圾"
    assert str(by_code["0102"]["metadata"]).lower() == "true"

    definition = client.get_service_definition("0102")
    attributes = definition["attributes"]
    if fmt == "xml":
        attributes = attributes["attribute"]
    kind = attributes[0]
    assert kind["code"] == "kind"
    values = kind["values"] if fmt == "json" else kind["values"]["value"]
    assert [v["key"] for v in values] == ["bag", "loose"]

    listed = client.get_service_requests(service_code="0102", status="open")
    assert {r["service_request_id"] for r in listed} == set(made)
    assert all(r["status"] == "open" for r in listed)

    one = client.get_service_request(made[0])
    assert one["service_request_id"] == made[0]
    assert one["service_code"] == "0102"
    assert str(one["lat"]) == "30.2025"

    picked = client.get_service_requests(service_request_id=made[1])
    # A one-element list: the JSON client gets a list; xmltodict folds one element.
    first = picked[0] if fmt == "json" else picked
    assert first["service_request_id"] == made[1]

    # Errors come back with the spec's status, which the client raises.
    stranger = GeoReport(root, jurisdiction="sfgov.org", output_format=fmt)
    with pytest.raises(requests.HTTPError) as refused:
        stranger.get_service_list()
    assert refused.value.response.status_code == 404
    # The response the exception keeps holds its keep-alive socket, and with it the server
    # thread's database connection, open: let it go.
    del refused
    gc.collect()
