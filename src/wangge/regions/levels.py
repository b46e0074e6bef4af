"""The configured levels of the area tree (names and code digits), from settings."""

from dataclasses import dataclass
from functools import cache

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured


@dataclass(frozen=True)
class Level:
    number: int  # 1 = top
    name: str
    digits: int  # characters this level appends to its parent's code


@cache
def levels() -> tuple[Level, ...]:
    result = []
    for number, item in enumerate(str(settings.WANGGE_LEVELS).split(","), start=1):
        name, _, digits = item.strip().partition(":")
        if not name or not digits.isdigit() or int(digits) < 1:
            raise ImproperlyConfigured(
                f"WANGGE_LEVELS item {item!r}: expected 'name:digits', e.g. '网格:3'"
            )
        result.append(Level(number, name, int(digits)))
    if not result:
        raise ImproperlyConfigured("WANGGE_LEVELS names no level")
    return tuple(result)


def depth() -> int:
    return len(levels())


def level_name(number: int) -> str:
    if 1 <= number <= depth():
        return levels()[number - 1].name
    return str(number)


def child_code(parent_code: str, child_level: int, serial: int) -> str:
    """The code a new child gets: its parent's code plus a zero-padded serial."""
    digits = levels()[child_level - 1].digits
    suffix = str(serial).zfill(digits)
    if len(suffix) > digits:
        raise ValueError(f"serial {serial} does not fit in {digits} digits")
    return parent_code + suffix
