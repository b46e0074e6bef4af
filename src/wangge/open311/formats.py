"""The two wire formats of GeoReport v2. Each answer is built once as plain data (what the
JSON carries) and turned into XML by the spec's own mapping: the root element wraps it, a
list repeats the element its name calls for (`services` → `service`, …)."""

import json
import xml.etree.ElementTree as ET
from typing import Any

from django.http import HttpResponse

FORMATS = ("json", "xml")
CONTENT_TYPES = {"json": "application/json; charset=utf-8", "xml": "text/xml; charset=utf-8"}

# The element that each list's items take.
ITEMS = {
    "services": "service",
    "attributes": "attribute",
    "values": "value",
    "service_requests": "request",
    "service_request_updates": "request_update",
    "errors": "error",
    "endpoints": "endpoint",
    "formats": "format",
}


def _fill(element: ET.Element, value: Any) -> None:
    if isinstance(value, dict):
        for key, item in value.items():
            _fill(ET.SubElement(element, key), item)
    elif isinstance(value, list):
        for item in value:
            _fill(ET.SubElement(element, ITEMS[element.tag]), item)
    elif isinstance(value, bool):
        element.text = "true" if value else "false"
    elif value is not None:
        element.text = str(value)


def to_xml(root: str, data: Any) -> bytes:
    element = ET.Element(root)
    _fill(element, data)
    return bytes(ET.tostring(element, encoding="utf-8", xml_declaration=True))


def respond(fmt: str, root: str, data: Any, status: int = 200) -> HttpResponse:
    """`data` is the JSON answer; in XML it sits under `root`."""
    body = to_xml(root, data) if fmt == "xml" else json.dumps(data, ensure_ascii=False).encode()
    return HttpResponse(body, status=status, content_type=CONTENT_TYPES[fmt])


def errors(fmt: str, status: int, descriptions: list[str]) -> HttpResponse:
    """The spec's error list: each error's code is the HTTP status."""
    data = [{"code": status, "description": d} for d in descriptions]
    return respond(fmt, "errors", data, status=status)
