"""Likely duplicate reports: nearby, recent, open events of the same 大类 with similar text.

Candidates are computed when they are shown, not stored at report time: they depend on
who looks (only events in the viewer's scope), on what is still open, on the kept-apart
decisions and on the settings — all of which change after the report. One query over a
small time-and-box window is cheap enough to run per page view.

The score (0–1) is a weighted geometric mean of three closeness measures,

    score = category · text^0.5 · place^0.3 · time^0.2

text: cosine of the two texts' character-bigram sets; place: 1 − distance / radius; time:
1 − hours apart / window; category: 1 for the same category, 0.8 for another one of the
same 大类. A geometric mean is 1 only when all three agree and falls to 0 as any one
reaches its limit, so no single strong signal makes up for another at its edge (two
identical texts 99 m apart score low, not 0.5), and scores move smoothly when the radius
or window setting changes instead of jumping at the edges. Text weighs most because
nearby, recent reports of one category are common (a grid worker's patrol files one every
few metres) while the same words are not.
"""

import math
import unicodedata
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils.translation import gettext as _

from wangge.accounts.actors import Actor
from wangge.errors import DomainError
from wangge.events import access, selectors, workflow
from wangge.events.models import OPEN_STATUSES, DuplicateDecision, Event

EARTH_RADIUS_M = 6_371_008.8  # mean radius (IUGG)
METRES_PER_DEGREE = EARTH_RADIUS_M * math.pi / 180
WEIGHTS = {"text": 0.5, "place": 0.3, "time": 0.2}
RELATED_CATEGORY = 0.8  # another 小类 of the same 大类
# Only events that could still be merged have candidates.
MERGEABLE = workflow.MOVES["merge"].sources


@dataclass(frozen=True)
class Candidate:
    event: Event
    score: float
    distance_m: float
    hours_apart: float
    text: float
    same_category: bool


# -- measures ------------------------------------------------------------------------------
def haversine_m(lon1: float, lat1: float, lon2: float, lat2: float) -> float:
    """Great-circle distance in metres (WGS-84 points on a sphere of the mean radius)."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    h = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_M * math.asin(min(1.0, math.sqrt(h)))


def _grams(text: str) -> set[str]:
    """Character bigrams of the letters and digits of each run of text (Chinese has no
    spaces to split words on; bigrams catch most two-character words). A one-character run
    counts as itself."""
    grams: set[str] = set()
    for run in unicodedata.normalize("NFKC", text).lower().split():
        chars = "".join(c for c in run if c.isalnum())
        if len(chars) == 1:
            grams.add(chars)
        grams.update(chars[i : i + 2] for i in range(len(chars) - 1))
    return grams


def event_text(event: Event) -> set[str]:
    return _grams(f"{event.title}\n{event.description}")


def text_similarity(a: set[str], b: set[str]) -> float:
    """Cosine (Ochiai) of two bigram sets: a short report inside a long one still scores."""
    if not a or not b:
        return 0.0
    return len(a & b) / math.sqrt(len(a) * len(b))


def combine(*, text: float, distance_m: float, hours_apart: float, same_category: bool) -> float:
    """The one score (see the module's docstring); 0 outside the radius or window."""
    place = 1 - distance_m / settings.WANGGE_DUPLICATE_RADIUS_M
    time = 1 - hours_apart / settings.WANGGE_DUPLICATE_WINDOW_HOURS
    if text <= 0 or place <= 0 or time <= 0:
        return 0.0
    category = 1.0 if same_category else RELATED_CATEGORY
    return float(
        category * text ** WEIGHTS["text"] * place ** WEIGHTS["place"] * time ** WEIGHTS["time"]
    )


def _group(event: Event) -> int:
    """The event's 大类 (the category itself when it is one)."""
    return event.category.parent_id or event.category_id


# -- candidates ----------------------------------------------------------------------------
def candidates(event: Event, *, user: Actor, limit: int | None = None) -> list[Candidate]:
    """Open events in the user's scope that are likely the same as `event`, best first."""
    if event.status not in MERGEABLE or event.lon is None or event.lat is None:
        return []
    radius = settings.WANGGE_DUPLICATE_RADIUS_M
    window = timedelta(hours=settings.WANGGE_DUPLICATE_WINDOW_HOURS)
    # Only plain range conditions go to the database — the report time (indexed) and a box
    # around the circle — so it walks the time index over a few days' rows; status, 大类,
    # kept-apart pairs, exact distance and text are checked here on the handful left, and
    # the scope last, on their ids only (scoping first would list every visible event).
    dlat = radius / METRES_PER_DEGREE
    dlon = dlat / max(math.cos(math.radians(event.lat)), 0.01)
    nearby = (
        Event.objects.filter(
            reported_at__gte=event.reported_at - window,
            reported_at__lte=event.reported_at + window,
            lat__gte=event.lat - dlat,
            lat__lte=event.lat + dlat,
            lon__gte=event.lon - dlon,
            lon__lte=event.lon + dlon,
        )
        .exclude(pk=event.pk)
        .select_related("category")
        .order_by()
    )
    group, apart, mine = _group(event), kept_apart(event), event_text(event)
    found = []
    for other in nearby:
        if other.status not in OPEN_STATUSES or _group(other) != group or other.pk in apart:
            continue
        assert other.lon is not None and other.lat is not None  # the box filter saw them
        distance = haversine_m(event.lon, event.lat, other.lon, other.lat)
        text = text_similarity(mine, event_text(other))
        if distance > radius or text < settings.WANGGE_DUPLICATE_MIN_TEXT:
            continue
        hours = abs((other.reported_at - event.reported_at).total_seconds()) / 3600
        same = other.category_id == event.category_id
        score = combine(text=text, distance_m=distance, hours_apart=hours, same_category=same)
        found.append(Candidate(other, score, distance, hours, text, same))
    visible = set(
        Event.objects.filter(pk__in=[c.event.pk for c in found])
        .filter(selectors.visible_q(user))
        .values_list("pk", flat=True)
    )
    found = [c for c in found if c.event.pk in visible]
    found.sort(key=lambda c: (-c.score, c.distance_m, c.event.pk))
    return found[: settings.WANGGE_DUPLICATE_LIMIT if limit is None else limit]


# -- keeping apart -------------------------------------------------------------------------
def _pair(a: Event, b: Event) -> tuple[int, int]:
    return (a.pk, b.pk) if a.pk < b.pk else (b.pk, a.pk)


def kept_apart(event: Event) -> set[int]:
    """Ids of the events an operator decided are not duplicates of this one."""
    pairs = DuplicateDecision.objects.filter(Q(first=event) | Q(second=event)).values_list(
        "first_id", "second_id"
    )
    return {b if a == event.pk else a for a, b in pairs}


def keep_apart(*, event: Event, other: Event, actor: Actor) -> DuplicateDecision:
    """Record that two events are not duplicates; the pair is not offered again. Whoever
    may merge the event may decide (its command centre)."""
    if event.pk == other.pk:
        raise DomainError.one(
            _("An event cannot be kept apart from itself."), field="other", code="invalid"
        )
    if not access.is_centre_for(actor, event.responsible_area):
        raise DomainError.one(
            _("You may not decide on duplicates of event %(code)s.") % {"code": event.code},
            field="code",
            code="forbidden",
            status=403,
        )
    first, second = _pair(event, other)
    try:
        with transaction.atomic():
            decision, _created = DuplicateDecision.objects.get_or_create(
                first_id=first, second_id=second, defaults={"decided_by": _user(actor)}
            )
    except IntegrityError:  # the same decision raced in from another operator
        decision = DuplicateDecision.objects.get(first_id=first, second_id=second)
    return decision


def _user(actor: Actor) -> Any:
    return actor if getattr(actor, "is_authenticated", False) else None


# -- following the parent ------------------------------------------------------------------
def followed(event: Event, *, user: Actor) -> Event | None:
    """The event a merged duplicate is followed in (the root of its parent chain), when
    `user` may see it: an event merged into another grid's does not show that one."""
    parent = event.parent
    seen = {event.pk}
    while parent is not None and parent.parent_id is not None and parent.pk not in seen:
        seen.add(parent.pk)
        parent = parent.parent
    if parent is None or not selectors.visible_events(user).filter(pk=parent.pk).exists():
        return None
    return parent
