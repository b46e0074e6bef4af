"""Channels: creating them, issuing and checking their credentials, and what every source
shares: mapping its categories to ours, placing its points."""

import hashlib
import secrets
from typing import TYPE_CHECKING, Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from wangge.errors import DomainError, Problem
from wangge.events import deadlines
from wangge.intake.channel_copy import channel_lookup, forget_channels  # noqa: F401
from wangge.intake.models import Channel
from wangge.intake.places import _problem, place  # noqa: F401

if TYPE_CHECKING:
    from wangge.events.models import Category


def _hash(api_key: str) -> str:
    return hashlib.sha256(api_key.encode()).hexdigest()


def channel_by_code(code: str, copied: bool = True) -> Channel | None:
    """The channel `code`, active or not (from this process's copy); None when unknown.
    `copied=False`: the instance the process shares, only to read."""
    found: Channel | None = channel_lookup("code", code, copied)
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
    channel: Channel | None = channel_lookup("key", _hash(api_key))
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


# What an event needs of its area (not the geometry, the bulk of the row).
AREA_FIELDS = ("id", "code", "name", "level", "parent_id", "path", "valid_to")


def channel_skips_acceptance(code: str) -> bool | None:
    """Whether the active channel `code` has its reports accepted on arrival; None when there
    is no such active channel."""
    channel = channel_lookup("code", code, copied=False)
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
