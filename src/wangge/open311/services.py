"""Open311 GeoReport v2 rules: jurisdictions, services, and creating a service request.

A request becomes an event through `workflow.event_report`, with its Open311 extras in a
`ServiceRequest` row, both in one transaction: a refused request leaves nothing behind."""

import math
import re
import secrets
from collections.abc import Mapping, Sequence
from datetime import datetime, time
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import EmailValidator, URLValidator
from django.db import transaction
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.translation import gettext as _

from wangge.accounts.actors import ANONYMOUS
from wangge.errors import DomainError, Problem
from wangge.events import workflow
from wangge.events.models import OPEN_STATUSES, Category, Event
from wangge.intake import dates
from wangge.intake.models import Channel
from wangge.intake.services import channel_for_key, channel_issue_key
from wangge.open311.models import Datatype, ServiceAttribute, ServiceRequest
from wangge.regions.models import Area

DESCRIPTION_MAX = 4000  # the spec's limit
TITLE_MAX = 60
_ATTRIBUTE = re.compile(r"^attribute\[([^\[\]]+)\](\[\])?$")
_UNENCODED_PLUS = re.compile(r"(?<=:\d\d) (\d{2}:?\d{2})$")


def _error(message: str, field: str = "", code: str = "invalid", status: int = 400) -> DomainError:
    return DomainError.one(message, field=field, code=code, status=status)


# -- jurisdictions -------------------------------------------------------------------------
def jurisdictions() -> list[str]:
    """The accepted jurisdiction_id values: WANGGE_OPEN311_JURISDICTION (comma separated),
    or by default the codes of the top areas (the district)."""
    configured = getattr(settings, "WANGGE_OPEN311_JURISDICTION", "")
    if configured:
        return [j.strip() for j in configured.split(",") if j.strip()]
    return list(
        Area.objects.live().filter(parent=None).order_by("code").values_list("code", flat=True)
    )


def check_jurisdiction(jurisdiction_id: str | None) -> None:
    """Optional (one jurisdiction is served); when given it must be one of ours (404)."""
    if jurisdiction_id and jurisdiction_id not in jurisdictions():
        raise _error(
            _("Unknown jurisdiction_id %(j)s.") % {"j": jurisdiction_id},
            "jurisdiction_id",
            "not_found",
            404,
        )


# -- services ------------------------------------------------------------------------------
def services() -> Any:
    """The categories offered as services: active leaves whose parent (if any) is active."""
    return (
        Category.objects.filter(active=True, children=None)
        .exclude(parent__active=False)
        .select_related("parent")
        .order_by("code")
    )


def services_with_metadata() -> list[tuple[Category, bool]]:
    """Each service, and whether it has attributes that ask for something."""
    categories = list(services())
    asking = set(
        ServiceAttribute.objects.filter(category__in=categories, variable=True).values_list(
            "category_id", flat=True
        )
    )
    return [(c, c.pk in asking) for c in categories]


def service(code: str) -> Category:
    category: Category | None = services().filter(code=code).first()
    if category is None:
        raise _error(
            _("Unknown service_code %(c)s.") % {"c": code}, "service_code", "not_found", 404
        )
    return category


def attributes_of(category: Category) -> list[ServiceAttribute]:
    return list(category.open311_attributes.order_by("order", "id"))


# -- statuses ------------------------------------------------------------------------------
def open311_status(status: str) -> str:
    """Our ten statuses seen as the spec's two."""
    return "open" if status in OPEN_STATUSES else "closed"


# -- dates ---------------------------------------------------------------------------------
def parse_w3(value: str, field: str) -> datetime:
    """A w3 datetime (2010-01-01T00:00:00Z, or a date alone); one without a zone is taken as
    local time. A "+08:00" sent unencoded in a query string arrives as " 08:00": mended."""
    text = _UNENCODED_PLUS.sub(r"+\1", value.strip())
    try:
        parsed = parse_datetime(text)
        day = None if parsed else parse_date(text)
    except ValueError:
        parsed = day = None
    if day is not None:
        parsed = datetime.combine(day, time())
    if parsed is None or not dates.EARLIEST <= parsed.year <= dates.LATEST:
        raise _error(
            _("%(v)s is not a date and time like 2010-01-01T00:00:00Z.") % {"v": value}, field
        )
    if timezone.is_naive(parsed):
        parsed = timezone.make_aware(parsed)
    return parsed


# -- creating a request --------------------------------------------------------------------
def _one(data: Mapping[str, Sequence[str]], key: str, limit: int) -> str:
    values = data.get(key) or []
    value = values[-1].strip() if values else ""
    if len(value) > limit:
        raise _error(
            _("At most %(n)d characters, not %(m)d.") % {"n": limit, "m": len(value)}, key, "long"
        )
    return value


def _coordinate(raw: str, field: str, bound: float) -> float:
    try:
        value = float(raw)
    except ValueError:
        raise _error(_("%(v)s is not a number.") % {"v": raw}, field) from None
    if not math.isfinite(value) or not -bound <= value <= bound:
        raise _error(
            _("%(v)s is out of range (-%(b)s to %(b)s).") % {"v": raw, "b": int(bound)},
            field,
            "out_of_range",
        )
    return value


def _attribute_value(attribute: ServiceAttribute, values: list[str]) -> Any:
    """One attribute's submitted values, checked against its definition."""
    field = f"attribute[{attribute.code}]"
    kind = attribute.datatype
    if kind == Datatype.MULTIVALUELIST:
        unknown = [v for v in values if v not in attribute.value_keys()]
        if unknown:
            raise _error(_("%(v)s is not one of the listed values.") % {"v": unknown[0]}, field)
        return list(dict.fromkeys(values))
    if len(values) > 1:
        raise _error(_("Give one value, not several."), field)
    value = values[0]
    if kind == Datatype.SINGLEVALUELIST:
        if value not in attribute.value_keys():
            raise _error(_("%(v)s is not one of the listed values.") % {"v": value}, field)
    elif kind == Datatype.NUMBER:
        try:
            number = float(value)
        except ValueError:
            number = math.nan
        if not math.isfinite(number):
            raise _error(_("%(v)s is not a number.") % {"v": value}, field)
    elif kind == Datatype.DATETIME:
        value = parse_w3(value, field).isoformat()
    limit = DESCRIPTION_MAX if kind == Datatype.TEXT else 300
    if len(value) > limit:
        raise _error(
            _("At most %(n)d characters, not %(m)d.") % {"n": limit, "m": len(value)}, field, "long"
        )
    return value


def clean_attributes(category: Category, data: Mapping[str, Sequence[str]]) -> dict[str, Any]:
    """`attribute[code]` (and `attribute[code][]` for lists) checked against the service
    definition: unknown codes, missing required ones and wrong values are refused."""
    submitted: dict[str, list[str]] = {}
    for key, values in data.items():
        if match := _ATTRIBUTE.match(key):
            kept = [v.strip() for v in values if v.strip()]
            submitted.setdefault(match.group(1), []).extend(kept)
    definition = {a.code: a for a in attributes_of(category) if a.variable}
    problems = [
        Problem(_("Not an attribute of this service."), field=f"attribute[{code}]")
        for code in submitted
        if code not in definition
    ]
    problems += [
        Problem(_("This attribute is required."), field=f"attribute[{code}]", code="required")
        for code, attribute in definition.items()
        if attribute.required and not submitted.get(code)
    ]
    if problems:
        raise DomainError(problems)
    return {
        code: _attribute_value(definition[code], values)
        for code, values in submitted.items()
        if values
    }


def _checked(value: str, validator: Any, field: str) -> str:
    if value:
        try:
            validator(value)
        except ValidationError:
            raise _error(_("%(v)s is not valid here.") % {"v": value}, field) from None
    return value


def _channel(api_key: str) -> Channel:
    try:
        return channel_for_key(api_key)
    except DomainError as refused:
        refused.status = 403  # the spec's answer to any bad or missing key
        raise


def _location(data: Mapping[str, Sequence[str]]) -> dict[str, Any]:
    """lat & long, or else an address (string or id): the event is then filed at the top
    area, for the centre to place."""
    lat, lon = _one(data, "lat", 40), _one(data, "long", 40)
    address = _one(data, "address_string", 300)
    address_id = _one(data, "address_id", 100)
    if lat or lon:
        if not (lat and lon):
            raise _error(_("Send both lat and long."), "long" if lat else "lat", "required")
        return {
            "lat": _coordinate(lat, "lat", 90),
            "lon": _coordinate(lon, "long", 180),
            "address": address,
        }
    if not (address or address_id):
        raise _error(
            _("Give the location: lat and long, address_string or address_id."), "lat", "required"
        )
    top = Area.objects.live().filter(parent=None).order_by("code").first()
    if top is None:
        raise _error(_("No area is set up to receive requests."), "address_string")
    return {"area": top, "address": address or _("address id %(id)s") % {"id": address_id}}


def request_create(data: Mapping[str, Sequence[str]]) -> ServiceRequest:
    """POST requests: `data` is the form (each field a list of values). Returns the stored
    Open311 row, its event created; DomainError (400/403/404) otherwise, nothing written."""
    channel = _channel(_one(data, "api_key", 200))
    check_jurisdiction(_one(data, "jurisdiction_id", 200))
    code = _one(data, "service_code", 20)
    if not code:
        raise _error(_("A service_code is required."), "service_code", "required")
    category = service(code)
    attributes = clean_attributes(category, data)
    location = _location(data)
    description = _one(data, "description", DESCRIPTION_MAX)
    name = " ".join(p for p in (_one(data, "first_name", 50), _one(data, "last_name", 50)) if p)
    if len(name) > 50:
        raise _error(_("The name is too long."), "last_name", "long")
    extras = {
        "media_url": _checked(
            _one(data, "media_url", 1000), URLValidator(schemes=["http", "https"]), "media_url"
        ),
        "email": _checked(_one(data, "email", 254), EmailValidator(), "email"),
        "device_id": _one(data, "device_id", 100),
        "account_id": _one(data, "account_id", 100),
        "address_id": _one(data, "address_id", 100),
    }
    first_line = description.splitlines()[0].strip() if description else ""
    title = first_line[:TITLE_MAX] or category.name
    with transaction.atomic():
        event = workflow.event_report(
            actor=ANONYMOUS,
            title=title,
            category=category,
            channel=channel.code,
            description=description,
            reporter_name=name,
            reporter_phone=_one(data, "phone", 30),
            **location,
        )
        return ServiceRequest.objects.create(
            event=event,
            channel=channel.code,
            token=secrets.token_hex(16),
            attributes=attributes,
            **extras,
        )


def request_by_token(token: str) -> Event:
    found = ServiceRequest.objects.filter(token=token).select_related("event").first()
    if found is None:
        raise _error(_("Unknown token."), "token", "not_found", 404)
    return found.event


# -- clients -------------------------------------------------------------------------------
def client_register(code: str, name: str = "") -> tuple[Channel, str]:
    """An Open311 client is an intake Channel with its own key: make (or switch on) the
    channel and issue it a new key, returned in clear this once."""
    channel = Channel.objects.filter(code=code).first() or Channel(code=code, name=code)
    channel.active, channel.name = True, name or channel.name
    try:
        channel.full_clean(validate_unique=False)
    except ValidationError as invalid:
        raise DomainError(
            [Problem(" ".join(m), field=f) for f, m in invalid.message_dict.items()]
        ) from None
    channel.save()
    return channel, channel_issue_key(channel)
