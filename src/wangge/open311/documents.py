"""The spec's documents as plain data (JSON's shape; formats.py turns it into XML).
Nothing here carries a reporter's name, phone, email or ids."""

from datetime import datetime
from typing import Any

from django.conf import settings
from django.utils import timezone

from wangge.events.models import Category, Event, TimelineEntry
from wangge.open311.models import ServiceAttribute
from wangge.open311.services import open311_status

SPECIFICATION = "http://wiki.open311.org/GeoReport_v2"
CHANGESET = "2026-11-22T00:00:00Z"  # when this implementation's interface last changed


def w3(moment: datetime | None) -> str | None:
    if moment is None:
        return None
    return timezone.localtime(moment).isoformat(timespec="seconds")


def discovery(url: str) -> dict[str, Any]:
    return {
        "changeset": CHANGESET,
        "contact": settings.WANGGE_OPEN311_CONTACT,
        "key_service": settings.WANGGE_OPEN311_KEY_SERVICE,
        "endpoints": [
            {
                "specification": SPECIFICATION,
                "url": url,
                "changeset": CHANGESET,
                "type": "production",
                "formats": ["text/xml", "application/json"],
            }
        ],
    }


def service(category: Category, has_attributes: bool) -> dict[str, Any]:
    group = category.parent.name if category.parent else ""
    return {
        "service_code": category.code,
        "service_name": category.name,
        "description": f"{group} · {category.name}" if group else category.name,
        "metadata": has_attributes,
        "type": "realtime",
        "keywords": ", ".join(p for p in (group, category.name) if p),
        "group": group,
    }


def attribute(item: ServiceAttribute) -> dict[str, Any]:
    return {
        "variable": item.variable,
        "code": item.code,
        "datatype": item.datatype,
        "required": item.required,
        "datatype_description": item.datatype_description or None,
        "order": item.order,
        "description": item.description,
        "values": [{"key": str(v["key"]), "name": v["name"]} for v in item.values],
    }


def definition(category: Category, attributes: list[ServiceAttribute]) -> dict[str, Any]:
    return {"service_code": category.code, "attributes": [attribute(a) for a in attributes]}


def request(event: Event) -> dict[str, Any]:
    """One service request (an event from `selectors.public_events`)."""
    extra = getattr(event, "open311", None)
    return {
        "service_request_id": event.code,
        "status": open311_status(event.status),
        "status_notes": getattr(event, "status_notes", None) or None,
        "service_name": event.category.name,
        "service_code": event.category.code,
        "description": event.description or event.title,
        "agency_responsible": getattr(event, "agency", None),
        "service_notice": None,
        "requested_datetime": w3(event.reported_at),
        "updated_datetime": w3(event.updated_at),
        "expected_datetime": w3(event.handle_deadline),
        "address": event.address or None,
        "address_id": (extra.address_id or None) if extra else None,
        "zipcode": None,
        "lat": event.lat,
        "long": event.lon,
        "media_url": (extra.media_url or None) if extra else None,
    }


def created(event: Event, token: str, account_id: str) -> dict[str, Any]:
    """The answer to POST requests: the id at once (type realtime), and a token that
    resolves to it for clients that prefer to poll."""
    return {
        "service_request_id": event.code,
        "token": token,
        "service_notice": None,
        "account_id": account_id or None,
    }


def token(event: Event, value: str) -> dict[str, Any]:
    return {"service_request_id": event.code, "token": value}


def update(entry: TimelineEntry) -> dict[str, Any]:
    status = entry.to_status or entry.event.status
    return {
        "update_id": str(entry.pk),
        "service_request_id": entry.event.code,
        "status": open311_status(status),
        "external_status_code": status,
        "updated_datetime": w3(entry.at),
        "description": entry.comment,
        "media_url": None,
    }
