"""Channels: issuing and checking their credentials."""

import hashlib
import secrets
from typing import Any

from django.utils.translation import gettext as _

from wangge.errors import DomainError
from wangge.events import rows
from wangge.intake.models import Channel


def _hash(api_key: str) -> str:
    return hashlib.sha256(api_key.encode()).hexdigest()


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
    channel = Channel.objects.filter(api_key_hash=_hash(api_key)).first()
    if channel is None:
        raise DomainError.one(
            _("Unknown API key."), field="api_key", code="unknown_key", status=403
        )
    if not channel.active:
        raise DomainError.one(
            _("This channel is switched off."), field="api_key", code="inactive", status=403
        )
    return channel


def channel_known(code: str) -> bool:
    # Plain SQL: every report asks, and compiling the ORM query cost more than running it.
    table = Channel._meta.db_table
    return rows.fetchone(f"SELECT 1 FROM {table} WHERE code = %s AND active", [code]) is not None


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
