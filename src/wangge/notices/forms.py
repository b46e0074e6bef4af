"""Parsing of the send form's fields into the service's arguments (422 on bad input)."""

import json
from datetime import datetime
from typing import Any

from django.contrib.auth import get_user_model
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _

from wangge.errors import DomainError, Problem
from wangge.events.photos import CleanPhoto, clean_photo
from wangge.notices.services import MAX_ATTACHMENTS
from wangge.regions.lean import without_geometry
from wangge.regions.models import Area


def split(text: str) -> list[str]:
    return [p.strip() for p in text.replace("，", ",").replace("\n", ",").split(",") if p.strip()]


def areas_by_code(codes: list[str], field: str = "areas") -> list[Area]:
    live = Area.objects.filter(code__in=codes, valid_to__isnull=True)
    found = {a.code: a for a in without_geometry(live)}
    missing = [c for c in codes if c not in found]
    if missing:
        raise DomainError(
            [Problem(_("no such area"), field=field, item=c, code="unknown") for c in missing],
            status=422,
        )
    return [found[c] for c in dict.fromkeys(codes)]


def users_by_name(names: list[str]) -> list[int]:
    found = dict(get_user_model().objects.filter(username__in=names).values_list("username", "pk"))
    missing = [n for n in names if n not in found]
    if missing:
        raise DomainError(
            [Problem(_("no such user"), field="users", item=n, code="unknown") for n in missing],
            status=422,
        )
    return [found[n] for n in names]


def moment(value: str, field: str) -> datetime | None:
    """A datetime-local field (local wall time) or ISO text; empty: None."""
    if not value.strip():
        return None
    parsed = parse_datetime(value.strip())
    if parsed is None:
        raise DomainError.one(_("is not a date and time"), field=field, status=422)
    if timezone.is_naive(parsed):
        parsed = timezone.make_aware(parsed)
    return parsed


def send_arguments(data: Any) -> dict[str, Any]:
    return {
        "title": data.get("title", ""),
        "body": data.get("body", ""),
        "kind": data.get("kind", "confirm"),
        "audience": data.get("audience", "staff"),
        "urgency": data.get("urgency", "normal"),
        "areas": areas_by_code(split(data.get("areas", ""))),
        "roles": data.getlist("roles") if hasattr(data, "getlist") else data.get("roles", []),
        "user_ids": users_by_name(split(data.get("users", ""))),
        "deadline": moment(data.get("deadline", ""), "deadline"),
        "send_at": moment(data.get("send_at", ""), "send_at"),
        "form": form_definition(data.get("form", "")),
    }


def form_definition(text: str) -> Any:
    """The send page's answer form: a JSON list of fields, written like a campaign's form
    (empty: none). Checked field by field by the service; 422 here if it is not JSON."""
    if not text.strip():
        return []
    try:
        return json.loads(text)
    except ValueError:
        raise DomainError.one(
            _("is not JSON (a list of fields like a campaign's form)"),
            field="form",
            code="invalid",
            status=422,
        ) from None


def photos(files: Any, field: str) -> list[CleanPhoto]:
    """The uploaded images of a multipart field, each checked like events' photos (422 naming
    the field); too many are refused before any is decoded."""
    uploads = files.getlist(field) if files is not None else []
    if len(uploads) > MAX_ATTACHMENTS:
        raise DomainError.one(
            _("at most %(n)s photos") % {"n": MAX_ATTACHMENTS},
            field=field,
            code="too_many",
            status=422,
        )
    return [clean_photo(u, field=field) for u in uploads]


def photo(files: Any, field: str) -> CleanPhoto | None:
    """One uploaded image, checked like events' photos; None when nothing was uploaded."""
    upload = files.get(field) if files is not None else None
    return clean_photo(upload, field=field) if upload is not None else None


def day(value: str, field: str) -> Any:
    from django.utils.dateparse import parse_date

    parsed = parse_date(value.strip()) if value.strip() else None
    if parsed is None:
        raise DomainError.one(_("is not a date (YYYY-MM-DD)"), field=field, status=422)
    return parsed


def ids(values: list[str], field: str) -> list[int]:
    """Ids ticked on a form (422 naming the field if one is not a number)."""
    try:
        return [int(v) for v in values if v.strip()]
    except ValueError:
        raise DomainError.one(_("is not a whole number"), field=field, status=422) from None


def count(value: str, field: str) -> int:
    try:
        number = int(value.strip() or "0")
    except ValueError:
        raise DomainError.one(_("is not a whole number"), field=field, status=422) from None
    if number < 0:
        raise DomainError.one(_("must not be negative"), field=field, status=422)
    return number
