"""The nightly retraining on the worker (huey finds this module in every installed app)."""

import logging

from django.conf import settings
from huey import crontab
from huey.contrib.djhuey import db_periodic_task, lock_task

from wangge.errors import DomainError

logger = logging.getLogger(__name__)


@db_periodic_task(crontab(minute="0", hour=str(settings.WANGGE_SUGGEST_TRAIN_HOUR_UTC)))
@lock_task("wangge-suggest-train")
def train_nightly() -> int | None:
    """A new model version from the day's closed events; the version, or None when there is
    still too little to learn from (the model in use stays)."""
    from wangge.suggest.services import train

    try:
        return train().version
    except DomainError as exc:
        logger.info("suggestion model not retrained: %s", exc)
        return None
