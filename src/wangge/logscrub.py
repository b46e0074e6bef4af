"""Keep personal numbers and secret links out of logs.

`ScrubFilter` (installed on every handler in settings.LOGGING, and on gunicorn's access and
error logs by `wangge serve`) rewrites each record's message: portal follow tokens and
`token=` values become `***`, `id_number`/`phone` query values are dropped, and anything shaped
like an ID number or phone is masked. The record's arguments are folded into the message first,
so nothing unscrubbed is left for a formatter to interpolate.
"""

import logging
import re
from typing import Any

from wangge.people.identity import mask_numbers

_SECRET_PATHS = re.compile(r"(/follow/[^/\s?\"']+/)[^/\s?\"']+")
_SECRET_PARAMS = re.compile(r"(?i)\b(token|key|id_number|phone|password)=[^&\s\"']*")


def scrub(text: str) -> str:
    text = _SECRET_PATHS.sub(r"\1***", text)
    text = _SECRET_PARAMS.sub(r"\1=***", text)
    return mask_numbers(text)


class ScrubFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a broken format string: log it as it is rather than lose it
            message = str(record.msg)
        record.msg, record.args = scrub(message), ()
        if record.exc_info and not record.exc_text:
            record.exc_text = scrub(logging.Formatter().formatException(record.exc_info))
        elif record.exc_text:
            record.exc_text = scrub(record.exc_text)
        return True


def install(*loggers: Any) -> None:
    """Add the filter to named loggers (for records that never reach a handler of ours)."""
    for name in loggers:
        logger = logging.getLogger(name) if isinstance(name, str) else name
        if not any(isinstance(f, ScrubFilter) for f in logger.filters):
            logger.addFilter(ScrubFilter())
