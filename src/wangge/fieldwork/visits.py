"""Services of this fieldwork topic (placeholder until built)."""

import datetime as dt
from typing import Any

from wangge.fieldwork.today import TodoItem


def todo(user: Any, today: dt.date) -> list[TodoItem]:
    return []
