"""Background work on huey: the top layer of its entry points (nothing in the domain imports
this module). The deadline sweep every minute; webhook delivery is `events.webhooks`.

`wangge worker` runs the consumer (its scheduler queues the sweep each minute). The queue
lives in settings.HUEY (SQLite in the data folder, or Redis).
"""

from huey import crontab
from huey.contrib.djhuey import db_periodic_task, lock_task

from wangge.events.sweep import sweep
from wangge.events.webhooks import (  # noqa: F401  (the names callers took from here)
    WEBHOOK_RETRIES,
    WEBHOOK_RETRY_BACKOFF,
    WEBHOOK_RETRY_DELAY,
    DeliveryFailed,
    deliver_webhook,
    enqueue_webhooks,
    forget_endpoints,
    post_signed,
    signature,
)


@db_periodic_task(crontab(minute="*"))
@lock_task("wangge-sweep")  # several workers: one sweep at a time (each is safe regardless)
def sweep_every_minute() -> dict[str, int]:
    return sweep().as_dict()
