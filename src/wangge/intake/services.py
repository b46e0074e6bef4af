"""Channels: creating them, issuing and checking their credentials, and what every source
shares: mapping its categories to ours, placing its points."""

import copy
import hashlib
import math
import secrets
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, get_args

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import DEFAULT_DB_ALIAS, transaction
from django.utils.translation import gettext as _

from wangge.errors import DomainError, Problem
from wangge.events import deadlines
from wangge.intake.models import Channel

if TYPE_CHECKING:
    from wangge.events.models import Category
    from wangge.regions.models import Area


def _hash(api_key: str) -> str:
    return hashlib.sha256(api_key.encode()).hexdigest()


# -- the per-process copy of the channels ----------------------------------------------------
# Every report asks for its channel (by API key, then by code); asking the database each time
# cost more than the rest of the lookups together (categories come from the catalogue copy
# of events.deadlines). The table is small and changes rarely, so a process keeps a copy for
# WANGGE_CHANNEL_CHECK_SECONDS. A change made in this process is seen at once (the save and
# delete signals forget the copy: see apps.py); other processes see it within
# WANGGE_CHANNEL_CHECK_SECONDS. A key or code missing from the copy has it read afresh
# before the answer is "unknown", so a channel or key made elsewhere works at once.
Tables = dict[str, dict[Any, Any]]


class _Copy:
    def __init__(self, load: Callable[[], Tables]) -> None:
        self._load = load
        self._held: tuple[float, Tables] | None = None  # (read at, tables): swapped whole
        self._generation = 0  # bumped by forget(): a copy read across it is not kept

    def _read(self) -> Tables:
        generation, read_at = self._generation, time.monotonic()
        tables = self._load()
        if generation == self._generation:
            self._held = (read_at, tables)
        return tables

    def get(self, table: str, key: Any, copied: bool = True) -> Any:
        """The instance under `key` in `table`, or None; a copy of it, so that no caller
        changes what other threads are handed (`copied=False`: the shared one, to read)."""
        held, fresh = self._held, False
        if held is None or time.monotonic() - held[0] >= settings.WANGGE_CHANNEL_CHECK_SECONDS:
            tables, fresh = self._read(), True
        else:
            tables = held[1]
        found = tables[table].get(key)
        if found is None and not fresh:
            found = self._read()[table].get(key)
        if not copied or found is None:
            return found
        handed = copy.copy(found)
        for name, value in vars(found).items():  # JSON fields too (category_map …)
            if isinstance(value, dict | list):
                setattr(handed, name, copy.deepcopy(value))
        return handed

    def forget(self) -> None:
        self._generation += 1
        self._held = None


def _load_channels() -> Tables:
    channels = list(Channel.objects.all())
    return {  # (reversed: of two channels with one key, the first by code, as before)
        "key": {c.api_key_hash: c for c in reversed(channels) if c.api_key_hash},
        "code": {c.code: c for c in channels},
    }


_channels = _Copy(_load_channels)


def forget_channels(sender: Any = None, using: str | None = None, **kwargs: Any) -> None:
    """Drop this process's copy of the channels (connected to their save and delete
    signals, and called by the tests). From a signal, again after the commit: a
    thread that read the old rows meanwhile may have kept them."""
    _channels.forget()
    if sender is not None:
        transaction.on_commit(forget_channels, using=using)


def channel_by_code(code: str, copied: bool = True) -> Channel | None:
    """The channel `code`, active or not (from this process's copy); None when unknown.
    `copied=False`: the instance the process shares, only to read."""
    found: Channel | None = _channels.get("code", code, copied)
    return found


def channel_label(code: str) -> str:
    """What a person calls a channel: the name it was given (built-in ones are named at
    install), else its code — never blank."""
    found = channel_by_code(code, copied=False) if code else None
    return found.name if found is not None and found.name else code or "—"


def channel_issue_key(channel: Channel) -> str:
    """Give the channel a new API key (the old one stops working); returns it — the only
    time it is seen in clear."""
    api_key = secrets.token_urlsafe(24)
    channel.api_key_hash = _hash(api_key)
    channel.save(update_fields=["api_key_hash"])
    return api_key


def channel_for_key(api_key: str | None) -> Channel:
    """The active channel this API key belongs to; DomainError 401/403 otherwise."""
    if not api_key:
        raise DomainError.one(
            _("An API key is required."), field="api_key", code="required", status=401
        )
    channel: Channel | None = _channels.get("key", _hash(api_key))
    if channel is None:
        raise DomainError.one(
            _("Unknown API key."), field="api_key", code="unknown_key", status=403
        )
    if not channel.active:
        raise DomainError.one(
            _("This channel is switched off."), field="api_key", code="inactive", status=403
        )
    return channel


def channel_create(code: str, name: str, **fields: Any) -> Channel:
    if Channel.objects.filter(code=code).exists():
        raise DomainError.one(
            _("Channel %(c)s exists already.") % {"c": code}, field="code", code="duplicate"
        )
    channel = Channel(code=code, name=name, **fields)
    try:
        channel.full_clean()
    except ValidationError as exc:
        raise DomainError(
            [Problem(" ".join(m), field=f) for f, m in exc.message_dict.items()]
        ) from None
    channel.save()
    return channel


def channel_issue_secret(channel: Channel) -> str:
    """A new signing secret for the channel's webhooks (shown to the operator to give to the
    source system; kept in clear because verifying an HMAC needs it)."""
    channel.secret = secrets.token_urlsafe(32)
    channel.save(update_fields=["secret"])
    return channel.secret


def category_for(channel: Channel, raw: str, field: str = "category", item: str = "") -> "Category":
    """Our category for the source's own category name or code: through the channel's
    category_map, else one of our codes as it is; the channel's default when none is given."""
    raw = (raw or "").strip()
    if not raw:
        if channel.default_category_id is None:
            raise _problem(_("A category is required."), field, "required", item)
        return deadlines.category(channel.default_category_id)
    code = str(channel.category_map.get(raw, raw))
    category = deadlines.category_by_code(code)
    if category is None or not category.active:
        raise _problem(_("Unknown category %(c)s.") % {"c": raw}, field, "unknown_category", item)
    return category


def place(
    lon: Any, lat: Any, crs: str = "wgs84", field: str = "lon", item: str = ""
) -> tuple[float, float, "Area"]:
    """A point (in `crs`: wgs84, gcj02 or bd09) as WGS-84, checked for range and
    jurisdiction, with the deepest area it lies in."""
    from wangge.regions import coords
    from wangge.regions.models import Area
    from wangge.regions.spatial_index import get_index

    if crs not in get_args(coords.CRS):
        raise _problem(_("Unknown coordinate system %(c)s.") % {"c": crs}, "crs", "invalid", item)
    try:
        x, y = float(lon), float(lat)
    except (TypeError, ValueError, OverflowError):
        raise _problem(_("Coordinates must be numbers."), field, "invalid", item) from None
    if not (math.isfinite(x) and math.isfinite(y) and -180 <= x <= 180 and -90 <= y <= 90):
        raise _problem(
            _("Coordinates out of range (longitude -180…180, latitude -90…90)."),
            field,
            "out_of_range",
            item,
        )
    x, y = coords.to_wgs84(x, y, crs)
    found = get_index().locate(x, y)
    if found.outside:
        raise _problem(_("The location is outside the jurisdiction."), field, "outside", item)
    ref = found.chain[0]
    # The area as the index knows it, not read again: what an event needs of it is its id
    # (and an order its code). The other fields load on first use, as deferred fields do.
    area: Area = Area.from_db(
        DEFAULT_DB_ALIAS, ["id", "code", "name", "level"], [ref.id, ref.code, ref.name, ref.level]
    )
    return x, y, area


# What an event needs of its area (not the geometry, the bulk of the row).
AREA_FIELDS = ("id", "code", "name", "level", "parent_id", "path", "valid_to")


def _problem(message: str, field: str, code: str, item: str) -> DomainError:
    error = DomainError.one(message, field=field, code=code, status=422)
    error.problems[0].item = item
    return error


def channel_skips_acceptance(code: str) -> bool | None:
    """Whether the active channel `code` has its reports accepted on arrival; None when there
    is no such active channel."""
    channel = _channels.get("code", code, copied=False)
    return None if channel is None or not channel.active else bool(channel.skips_acceptance)


BUILTIN_NAMES = {
    "grid_app": "网格员上报",
    "resident": "群众随手拍",
    "hotline": "12345热线",
    "mayor_letter": "寄语市长",
    "city_management": "数字化城管",
    "video": "视频监控",
    "law_enforcement": "综合执法",
    "open311": "Open311",
    "command_centre": "指挥中心",
}


def install_builtin_channels(apps: Any = None) -> None:
    """Records for the built-in channels (BuiltinChannel); run by migration, idempotent."""
    model = apps.get_model("intake", "Channel") if apps else Channel
    for code, name in BUILTIN_NAMES.items():
        model.objects.get_or_create(code=code, defaults={"name": name})
