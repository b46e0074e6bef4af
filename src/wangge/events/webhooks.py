"""Outbound webhooks: a committed change, signed and POSTed to every active endpoint.

Queued after a change commits (`notifications.after_commit`): one delivery task per active
endpoint, each a signed JSON POST retried with growing delays until the endpoint answers
2xx. The queue lives in settings.HUEY (SQLite in the data folder, or Redis).
"""

import hashlib
import hmac
import http.client
import json
import logging
import urllib.error
import urllib.request
import uuid
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver
from django.utils import timezone
from huey.contrib.djhuey import db_task

from wangge.events.models import WebhookEndpoint
from wangge.process_cache import ProcessCache

logger = logging.getLogger(__name__)

WEBHOOK_TIMEOUT = 10  # seconds for one POST
WEBHOOK_RETRIES = 8  # after the first try …
WEBHOOK_RETRY_DELAY = 15  # … waiting 15 s, then twice as long each time (≈ 64 min in all)
WEBHOOK_RETRY_BACKOFF = 2
SIGNATURE_HEADER = "X-Wangge-Signature"
EVENT_HEADER = "X-Wangge-Event"
DELIVERY_HEADER = "X-Wangge-Delivery"


class DeliveryFailed(Exception):
    """The endpoint could not be reached or did not answer 2xx (the task is retried)."""


def signature(secret: str, body: bytes) -> str:
    """The X-Wangge-Signature value: HMAC-SHA256 of the exact body, keyed by the secret."""
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


# Active endpoints, remembered for a few seconds: asking after every transition cost a
# round trip each. A change here is seen at once (signals below), in other processes
# within WANGGE_WEBHOOK_CHECK_SECONDS.
_endpoints: ProcessCache[list[int]] = ProcessCache(
    lambda: list(WebhookEndpoint.objects.filter(active=True).values_list("pk", flat=True)),
    seconds=lambda: settings.WANGGE_WEBHOOK_CHECK_SECONDS,
)


def active_endpoints() -> list[int]:
    return _endpoints.get()


@receiver([post_save, post_delete], sender=WebhookEndpoint)
def forget_endpoints(**kwargs: Any) -> None:
    _endpoints.forget()


def enqueue_webhooks(payload: dict[str, Any]) -> None:
    """Queue delivery of a committed change to every active webhook endpoint.

    The body is fixed here, so every retry sends the same bytes and the same delivery id
    (receivers drop repeats by it). Runs after the commit: a failure to queue is logged and
    never undoes or fails the change."""
    try:
        endpoints = active_endpoints()
        if not endpoints:
            return
        delivery = str(uuid.uuid4())
        body = json.dumps(
            {"id": delivery, "sent_at": timezone.now().isoformat(), **payload},
            ensure_ascii=False,
            sort_keys=True,
        )
        kind = str(payload.get("action", ""))
        for endpoint_id in endpoints:
            deliver_webhook(endpoint_id, body, kind, delivery)
    except Exception:
        logger.exception("could not queue webhooks for %s", payload)


@db_task(
    retries=WEBHOOK_RETRIES,
    retry_delay=WEBHOOK_RETRY_DELAY,
    retry_backoff=WEBHOOK_RETRY_BACKOFF,
)
def deliver_webhook(endpoint_id: int, body: str, kind: str, delivery: str) -> int | None:
    """POST the body to the endpoint; raise (so huey retries) unless it answers 2xx.

    The endpoint is read at each try: one switched off or deleted meanwhile is skipped."""
    endpoint = WebhookEndpoint.objects.filter(pk=endpoint_id, active=True).first()
    if endpoint is None:
        return None
    return post_signed(endpoint.url, endpoint.secret, body.encode(), kind, delivery)


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    """A redirect is an answer other than 2xx: urllib would re-send a POST as a bare GET."""

    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


def post_signed(url: str, secret: str, body: bytes, kind: str, delivery: str) -> int:
    """One signed POST; the HTTP status when 2xx, else DeliveryFailed."""
    if urlsplit(url).scheme not in ("http", "https"):
        raise DeliveryFailed(f"{url}: only http and https URLs are delivered to")
    request = urllib.request.Request(  # noqa: S310 (the scheme is checked just above)
        url,
        data=body,
        method="POST",
        headers={
            "Content-Type": "application/json; charset=utf-8",
            "User-Agent": "wangge-webhook/1",
            EVENT_HEADER: kind,
            DELIVERY_HEADER: delivery,
            SIGNATURE_HEADER: signature(secret, body),
        },
    )
    opener = urllib.request.build_opener(_NoRedirect())
    try:
        with opener.open(request, timeout=WEBHOOK_TIMEOUT) as response:
            response.read(65536)  # let the endpoint finish its answer; the body is ignored
            status = int(response.status)
    except urllib.error.HTTPError as exc:
        raise DeliveryFailed(f"{url} answered {exc.code}") from exc
    except (urllib.error.URLError, http.client.HTTPException, OSError) as exc:
        raise DeliveryFailed(f"{url}: {exc}") from exc
    if not 200 <= status < 300:
        raise DeliveryFailed(f"{url} answered {status}")
    return status
