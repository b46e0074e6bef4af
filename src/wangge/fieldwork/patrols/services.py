"""Patrols (巡查) and inspections: the write path.

A grid worker starts a round, sends the track in batches, inspects hazard points and
facilities (each inspection moves the point's last-check date, which clears its task), turns
findings into events, and ends the round. Who may do what:

- start / send points / end: the worker, on their own round only;
- inspect: grid staff over the point's area (posts at the point's grid, micro-grid or above);
- read: the worker, and anyone whose posts cover the round's area (others get 404).
"""

import datetime as dt
import math
import uuid
from dataclasses import dataclass
from typing import IO, Any

from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from wangge.accounts.actors import Actor, user_of
from wangge.errors import DomainError, Problem
from wangge.events import workflow
from wangge.events.models import Category, Event
from wangge.events.photos import attach_photo, clean_photo
from wangge.fieldwork import changes
from wangge.fieldwork.patrols.models import Finding, Inspection, Patrol, PatrolPoint
from wangge.fieldwork.patrols.selectors import Target, may_inspect, open_patrol, patrol_areas
from wangge.people.models import Facility, HazardPoint
from wangge.regions import coords
from wangge.regions.models import Area
from wangge.regions.spatial_index import get_index

MAX_BATCH = 2000  # points in one upload


MAX_SPEED_MPS = 42.0  # ~150 km/h: a faster hop between two fixes is a GPS jump, not a walk


MAX_ACCURACY_M = 100.0  # fixes vaguer than this are kept but not counted in the distance


CLOCK_SLACK = dt.timedelta(minutes=5)  # phones' clocks run a little ahead or behind


MAX_TITLE = 200  # Event.title


MAX_CLIENT_KEY = 100  # Event.client_key


def _refuse(message: str, *, field: str = "", code: str = "invalid", status: int = 400) -> Any:
    return DomainError.one(message, field=field, code=code, status=status)


def patrol_start(*, actor: Actor, area: Area | None = None, note: str = "") -> Patrol:
    """Start a round in one of the actor's grids (the only one when they hold one post)."""
    areas = patrol_areas(actor)
    if not areas:
        raise _refuse(_("Only grid workers walk patrols."), code="forbidden", status=403)
    if area is None:
        if len(areas) > 1:
            raise _refuse(_("Choose the grid of this patrol."), field="area", code="required")
        area = areas[0]
    elif area not in areas:
        raise _refuse(
            _("You hold no grid post in this area."), field="area", code="forbidden", status=403
        )
    if open_patrol(actor) is not None:
        raise _refuse(
            _("You have a patrol under way: end it first."), code="already_open", status=409
        )
    try:
        with transaction.atomic():
            started = Patrol.objects.create(worker=user_of(actor), area=area, note=note.strip())
            changes.patrol(started)
            return started
    except IntegrityError:  # a second start raced the first: the constraint said no
        raise _refuse(
            _("You have a patrol under way: end it first."), code="already_open", status=409
        ) from None


def _own_open(actor: Actor, patrol: Patrol) -> Patrol:
    """The round, row-locked, if it is the actor's and still open."""
    locked = Patrol.objects.select_for_update().get(pk=patrol.pk)
    if locked.worker_id != actor.pk:
        raise _refuse(_("This is another worker's patrol."), code="forbidden", status=403)
    if locked.ended_at is not None:
        raise _refuse(_("This patrol has ended."), code="ended", status=409)
    return locked


@transaction.atomic
def patrol_end(*, actor: Actor, patrol: Patrol, note: str = "") -> Patrol:
    locked = _own_open(actor, patrol)
    locked.ended_at = timezone.now()
    fields = ["ended_at"]
    if note.strip():
        locked.note = "\n".join(n for n in (locked.note, note.strip()) if n)
        fields.append("note")
    locked.save(update_fields=fields)
    return locked


# -- the track -----------------------------------------------------------------------------
@dataclass(frozen=True)
class TrackPoint:
    at: dt.datetime
    lon: float
    lat: float
    accuracy_m: float | None = None


@dataclass(frozen=True)
class TrackAdded:
    added: int
    duplicates: int
    point_count: int
    distance_m: float
    rejected: list[Problem]


def track_distance(points: list[TrackPoint]) -> float:
    """Metres walked along the points in time order, leaving out vague fixes and GPS jumps.

    Each hop is a great-circle distance (`regions.coords.distance_m`, the area module's
    helper; within 0.5 % of the ellipsoid at these scales).
    """
    total = 0.0
    last: TrackPoint | None = None
    for p in sorted(points, key=lambda p: p.at):
        if p.accuracy_m is not None and p.accuracy_m > MAX_ACCURACY_M:
            continue
        if last is not None:
            hop = coords.distance_m(last.lon, last.lat, p.lon, p.lat)
            seconds = (p.at - last.at).total_seconds()
            if hop > MAX_SPEED_MPS * max(seconds, 1.0):
                continue  # a jump: keep the last good fix as the reference
            total += hop
        last = p
    return total


def _check_points(  # noqa: C901
    patrol: Patrol, raw: list[dict[str, Any]], crs: str
) -> tuple[list[TrackPoint], list[Problem]]:
    """The batch's valid points, and a problem for each invalid one (named "point N")."""
    problems: list[Problem] = []
    good: list[TrackPoint] = []
    numbers: list[int] = []  # each good point's place in the batch, for messages
    now = timezone.now()
    earliest = patrol.started_at - CLOCK_SLACK
    for i, item in enumerate(raw):
        where = _("point %(n)s") % {"n": i + 1}
        try:
            lon, lat = float(item["lon"]), float(item["lat"])
            at = item["at"]
            if isinstance(at, str):
                at = dt.datetime.fromisoformat(at)
            if not isinstance(at, dt.datetime):
                raise TypeError
            acc = item.get("accuracy_m", item.get("accuracy"))
            accuracy = None if acc is None else float(acc)
        except (KeyError, TypeError, ValueError):
            problems.append(
                Problem(_("A point needs a time, a longitude and a latitude."), item=where)
            )
            continue
        if timezone.is_naive(at):
            at = timezone.make_aware(at)
        if not (math.isfinite(lon) and math.isfinite(lat)) or not (
            -180 <= lon <= 180 and -90 <= lat <= 90
        ):
            problems.append(
                Problem(_("Longitude or latitude out of range."), field="lon", item=where)
            )
            continue
        try:
            lon, lat = coords.to_wgs84(lon, lat, crs)
        except ValueError:
            raise _refuse(_("Unknown coordinate system %(c)s.") % {"c": crs}, field="crs") from None
        if at < earliest or at > now + CLOCK_SLACK:
            problems.append(
                Problem(
                    _("The time is outside the patrol (from its start until now)."),
                    field="at",
                    code="time",
                    item=where,
                )
            )
            continue
        if accuracy is not None and not (math.isfinite(accuracy) and accuracy >= 0):
            accuracy = None
        good.append(TrackPoint(at=at, lon=lon, lat=lat, accuracy_m=accuracy))
        numbers.append(i + 1)
    if good:
        places = get_index().locate_many([p.lon for p in good], [p.lat for p in good])
        inside = []
        for n, p, place in zip(numbers, good, places, strict=True):
            if place.outside:
                problems.append(
                    Problem(
                        _("This point is outside the jurisdiction."),
                        field="lon",
                        code="outside",
                        item=_("point %(n)s") % {"n": n},
                    )
                )
            else:
                inside.append(p)
        good = inside
    return good, problems


def patrol_add_points(
    *,
    actor: Actor,
    patrol: Patrol,
    points: list[dict[str, Any]],
    crs: str = "wgs84",
    skip_invalid: bool = False,
) -> TrackAdded:
    """Add a batch of fixes to the actor's open round. All or nothing unless `skip_invalid`:
    any bad point refuses the batch with a message per point (with `skip_invalid`, the phone's
    choice, bad points are left out and listed in `rejected`). A fix whose time is already
    stored is skipped, so a batch sent again (a retry after a lost reply) adds nothing."""
    if not points:
        raise _refuse(_("No points were sent."), field="points", code="required")
    if len(points) > MAX_BATCH:
        raise _refuse(_("Send at most %(n)s points at a time.") % {"n": MAX_BATCH}, field="points")
    with transaction.atomic():
        locked = _own_open(actor, patrol)
        good, problems = _check_points(locked, points, crs)
        if problems and not skip_invalid:
            raise DomainError(problems, status=422)
        unique = {p.at: p for p in good}  # the same time twice in a batch: the last one
        known = set(
            PatrolPoint.objects.filter(patrol=locked, at__in=list(unique)).values_list(
                "at", flat=True
            )
        )
        fresh = [p for at, p in unique.items() if at not in known]
        PatrolPoint.objects.bulk_create(
            [
                PatrolPoint(patrol=locked, at=p.at, lon=p.lon, lat=p.lat, accuracy_m=p.accuracy_m)
                for p in fresh
            ]
        )
        # Points may arrive out of order (batches queued offline): recount the whole track.
        track = [
            TrackPoint(at=at, lon=lon, lat=lat, accuracy_m=acc)
            for at, lon, lat, acc in PatrolPoint.objects.filter(patrol=locked).values_list(
                "at", "lon", "lat", "accuracy_m"
            )
        ]
        locked.distance_m = round(track_distance(track), 1)
        locked.point_count = len(track)
        locked.save(update_fields=["distance_m", "point_count"])
    return TrackAdded(
        added=len(fresh),
        duplicates=len(good) - len(fresh),
        point_count=locked.point_count,
        distance_m=locked.distance_m,
        rejected=problems,
    )


def _store_photo(inspection: Inspection, source: bytes | IO[bytes]) -> None:
    photo = clean_photo(source)
    stem = f"inspection-{inspection.pk}-{uuid.uuid4().hex[:12]}"  # not guessable
    inspection.photo.save(f"{stem}.jpg", ContentFile(photo.jpeg), save=False)
    inspection.thumbnail.save(f"{stem}-thumb.jpg", ContentFile(photo.thumbnail), save=False)
    inspection.save(update_fields=["photo", "thumbnail"])


def _position(lon: float | None, lat: float | None) -> tuple[float, float] | None:
    if lon is None or lat is None:
        return None
    if not (math.isfinite(lon) and math.isfinite(lat) and -180 <= lon <= 180 and -90 <= lat <= 90):
        raise _refuse(_("Longitude or latitude out of range."), field="lon")
    return lon, lat


def inspection_record(
    *,
    actor: Actor,
    target: Target,
    result: str,
    note: str = "",
    photo: bytes | IO[bytes] | None = None,
    lon: float | None = None,
    lat: float | None = None,
    patrol: Patrol | None = None,
    on: dt.date | None = None,
) -> Inspection:
    """Record a check of a hazard point or facility and move its last-check date."""
    if result not in Inspection.Result.values:
        raise _refuse(_("Choose the result: all right or a problem."), field="result")
    if result == Inspection.Result.PROBLEM and not note.strip():
        raise _refuse(_("Describe the problem."), field="note", code="required")
    today = timezone.localdate()
    on = on or today
    if on > today:
        raise _refuse(_("An inspection cannot be in the future."), field="on")
    area = target.area
    if area is None or not may_inspect(actor, area):
        raise _refuse(
            _("Only the grid's workers inspect this point."), code="forbidden", status=403
        )
    where = _position(lon, lat)
    with transaction.atomic():
        if patrol is not None:
            patrol = _own_open(actor, patrol)
        inspection = Inspection.objects.create(
            patrol=patrol,
            hazard=target if isinstance(target, HazardPoint) else None,
            facility=target if isinstance(target, Facility) else None,
            area=area,
            inspector=user_of(actor),
            done_on=on,
            result=result,
            note=note.strip(),
            lon=where[0] if where else None,
            lat=where[1] if where else None,
            distance_m=(
                round(coords.distance_m(where[0], where[1], target.lon, target.lat), 1)
                if where and target.lon is not None and target.lat is not None
                else None
            ),
        )
        changes.inspection(inspection)
        if photo is not None:
            _store_photo(inspection, photo)
        # A late entry for an earlier day never moves the date back.
        if isinstance(target, HazardPoint):
            model: Any = HazardPoint
            field = "last_checked_on"
        else:
            model, field = Facility, "last_inspected_on"
        model.objects.filter(pk=target.pk).filter(
            Q(**{f"{field}__isnull": True}) | Q(**{f"{field}__lt": on})
        ).update(**{field: on})
        if getattr(target, field) is None or getattr(target, field) < on:
            setattr(target, field, on)
    return inspection


def finding_report(
    *,
    actor: Actor,
    category: Category,
    title: str,
    description: str = "",
    patrol: Patrol | None = None,
    inspection: Inspection | None = None,
    lon: float | None = None,
    lat: float | None = None,
    photo: bytes | IO[bytes] | None = None,
    client_key: str | None = None,
) -> Event:
    """Turn something found on a round into an event (grid-app channel), linked both ways."""
    if len(title.strip()) > MAX_TITLE:
        raise _refuse(_("At most %(n)d characters.") % {"n": MAX_TITLE}, field="title")
    if client_key and len(client_key) > MAX_CLIENT_KEY:
        raise _refuse(_("At most %(n)d characters.") % {"n": MAX_CLIENT_KEY}, field="client_key")
    if patrol is not None and patrol.worker_id != actor.pk:
        raise _refuse(_("This is another worker's patrol."), code="forbidden", status=403)
    if inspection is not None and inspection.inspector_id != actor.pk:
        raise _refuse(_("This is another worker's inspection."), code="forbidden", status=403)
    where = _position(lon, lat)
    target = (inspection.hazard or inspection.facility) if inspection is not None else None
    if where is None and target is not None and target.lon is not None and target.lat is not None:
        where = (target.lon, target.lat)
    cleaned = clean_photo(photo) if photo is not None else None  # refuse a bad file first
    with transaction.atomic():
        event = workflow.event_report(
            actor=actor,
            title=title,
            category=category,
            description=description,
            lon=where[0] if where else None,
            lat=where[1] if where else None,
            area=None if where else (inspection.area if inspection else None),
            address=getattr(target, "address", "") or "",
            client_key=client_key or None,
        )
        _finding, created = Finding.objects.get_or_create(
            event=event,
            defaults={
                "patrol": patrol or (inspection.patrol if inspection else None),
                "inspection": inspection,
            },
        )
        if created and cleaned is not None:
            attach_photo(event, cleaned, by_id=actor.pk)
    return event


def inspection_with_finding(
    *,
    actor: Actor,
    target: Target,
    result: str,
    note: str = "",
    photo: bytes | None = None,
    lon: float | None = None,
    lat: float | None = None,
    patrol: Patrol | None = None,
    category: Category | None = None,
    title: str = "",
) -> tuple[Inspection, Event | None]:
    """The phone form's one tap: the inspection, and when a category is given, its event."""
    if len(title.strip()) > MAX_TITLE:  # before anything is written
        raise _refuse(_("At most %(n)d characters.") % {"n": MAX_TITLE}, field="title")
    with transaction.atomic():
        inspection = inspection_record(
            actor=actor,
            target=target,
            result=result,
            note=note,
            photo=photo,
            lon=lon,
            lat=lat,
            patrol=patrol,
        )
        event = None
        if category is not None:
            if result != Inspection.Result.PROBLEM:
                raise _refuse(_("Only a problem becomes an event."), field="category")
            event = finding_report(
                actor=actor,
                category=category,
                title=title.strip() or f"{target}: {note.strip()[:60]}"[:MAX_TITLE],
                description=note,
                inspection=inspection,
                lon=lon,
                lat=lat,
                photo=photo,
            )
    return inspection, event
