"""Status changes going back to the source: a feed it pulls by cursor, or signed webhooks.

Both carry the public timeline entries of the channel's events, in entry order, each with
the source's order number. The cursor is the last entry id seen. Entries younger than
WANGGE_INTAKE_FEED_LAG_SECONDS are held back: ids are taken at insert, so a transaction
still open could commit an entry with a smaller id after a feed page was read; waiting out
the lag keeps the cursor from stepping over it.
"""

import json
import uuid
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.utils import timezone

from wangge.events.models import TimelineEntry
from wangge.intake import services
from wangge.intake.models import Channel

MAX_PAGE = 500


def change_of(entry: TimelineEntry) -> dict[str, Any]:
    event = entry.event
    return {
        "cursor": entry.pk,
        "order_no": event.source_ref,
        "event": event.code,
        "action": entry.action,
        "from_status": entry.from_status,
        "to_status": entry.to_status,
        "status": entry.to_status or event.status,
        "at": timezone.localtime(entry.at).isoformat(),  # in the platform's zone
        "comment": entry.comment,
    }


def changes(channel: Channel, cursor: int = 0, limit: int = 100) -> dict[str, Any]:
    """The channel's public changes after `cursor`, oldest first, with the cursor to ask
    with next (the same when there is nothing new)."""
    limit = max(1, min(limit, MAX_PAGE))
    settled = timezone.now() - timedelta(seconds=settings.WANGGE_INTAKE_FEED_LAG_SECONDS)
    entries = (
        TimelineEntry.objects.filter(event__channel=channel.code, public=True, pk__gt=cursor)
        .select_related("event")
        .order_by("pk")[:limit]
    )
    items = []
    for entry in entries:
        if entry.at > settled:
            break  # this one and everything after it: next time
        items.append(change_of(entry))
    return {"items": items, "next_cursor": items[-1]["cursor"] if items else cursor}


# -- webhooks ------------------------------------------------------------------------------
def _channel_with_hook(code: str) -> int | None:
    """The id of the active channel `code` when it has a webhook URL and a secret (from the
    process's copy of the channels: see services)."""
    channel = services.channel_by_code(code, copied=False)
    if channel is None or not (channel.active and channel.webhook_url and channel.secret):
        return None
    return channel.pk


def on_timeline_entry(entry: TimelineEntry) -> None:
    """After the commit of a timeline entry (the events hook `TIMELINE_ENTRY`, registered in
    apps.py): queue its webhook to the event's channel (never for a rolled-back change; a
    failure to send never undoes it)."""
    if not entry.public:
        return
    channel_id = _channel_with_hook(entry.event.channel)
    if channel_id is None:
        return
    delivery = str(uuid.uuid4())
    body = json.dumps(
        {"id": delivery, "sent_at": timezone.now().isoformat(), **change_of(entry)},
        ensure_ascii=False,
        sort_keys=True,
    )
    from wangge.intake.tasks import deliver_channel_webhook

    deliver_channel_webhook(channel_id, body, entry.action, delivery)
