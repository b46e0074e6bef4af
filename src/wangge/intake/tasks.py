"""Outbound webhooks to a channel's own system (huey tasks; found by djhuey's autodiscovery).

Delivery, signing and retries are the platform's (`events.webhooks`): only the address and
the secret are the channel's.
"""

from huey.contrib.djhuey import db_task

from wangge.events.webhooks import (
    WEBHOOK_RETRIES,
    WEBHOOK_RETRY_BACKOFF,
    WEBHOOK_RETRY_DELAY,
    post_signed,
)
from wangge.intake.models import Channel


@db_task(
    retries=WEBHOOK_RETRIES, retry_delay=WEBHOOK_RETRY_DELAY, retry_backoff=WEBHOOK_RETRY_BACKOFF
)
def deliver_channel_webhook(channel_id: int, body: str, kind: str, delivery: str) -> int | None:
    """POST one change to the channel's webhook URL; raise (so huey retries) unless 2xx."""
    channel = Channel.objects.filter(pk=channel_id, active=True).exclude(webhook_url="").first()
    if channel is None or not channel.secret:
        return None
    return post_signed(channel.webhook_url, channel.secret, body.encode(), kind, delivery)
