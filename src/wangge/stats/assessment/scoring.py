"""Pure arithmetic of a scheme: values → points → score → grade (no database)."""

from decimal import ROUND_HALF_UP, Decimal
from typing import Any

CENT = Decimal("0.01")
DEFAULT_GRADES = [["A", 90], ["B", 80], ["C", 70], ["D", 60], ["E", 0]]


def q(x: Decimal) -> Decimal:
    return x.quantize(CENT, rounding=ROUND_HALF_UP)


def matches(flags: list[str], row: dict[str, Any]) -> bool:
    """All flags hold ("!flag": must be false)."""
    return all(not row[f[1:]] if f.startswith("!") else row[f] for f in flags)


def value(numerator: int, denominator: int, ratio: bool) -> Decimal | None:
    """The indicator's value: a percentage (None: empty denominator) or a count."""
    if not ratio:
        return Decimal(numerator)
    if denominator == 0:
        return None
    return q(Decimal(numerator) * 100 / Decimal(denominator))


def share(item: dict[str, Any], v: Decimal | None) -> Decimal:
    """The share of the weight earned: an empty denominator fails nothing (full share)."""
    if v is None:
        return Decimal(1)
    higher = item["higher_is_better"]
    if item["bands"]:
        for threshold, part in item["bands"]:
            t = Decimal(str(threshold))
            if (v >= t) if higher else (v <= t):
                return Decimal(str(part))
        return Decimal(0)
    floor, target = Decimal(item["floor"]), Decimal(item["target"])
    if floor == target:
        return Decimal(1) if ((v >= target) if higher else (v <= target)) else Decimal(0)
    return min(Decimal(1), max(Decimal(0), (v - floor) / (target - floor)))


def adjustment_points(count: int, points: Decimal, cap: Decimal) -> Decimal:
    """count × points, its size held at the cap (a cap of −20 and of 20 mean the same)."""
    total = points * count
    limit = abs(cap)
    return max(-limit, min(limit, total))


def grade(score: Decimal, grades: list[list[Any]]) -> str:
    for name, minimum in grades or DEFAULT_GRADES:
        if score >= Decimal(str(minimum)):
            return str(name)
    return str((grades or DEFAULT_GRADES)[-1][0])


def ranks(scores: list[Decimal]) -> list[int]:
    """Competition ranks (1, 2, 2, 4) of scores in the given order."""
    first: dict[Decimal, int] = {}
    for i, s in enumerate(sorted(scores, reverse=True)):
        first.setdefault(s, i + 1)
    return [first[s] for s in scores]
