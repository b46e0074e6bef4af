"""What a resident may see of an event: its progress and the public parts of its timeline.

Anyone who knows (or guesses: codes are serial) a tracking code sees the status page, so it
shows no text the reporter typed, no address or position, no photo, no person — only the
category, the area, the dates and the steps below.

Which steps are public, and why:
- report, accept, reject, merge, dispatch, sign, self_handle, escalate, feedback (when it
  finishes the handling), passed verify, close, callback, reopen, cancel: each is a step of
  the resident's own case that a resident would be told of on the phone (受理, 派遣, 办结 …).
- return, extension requests and decisions, failed verifications (返工) and supervision
  (督办) are the offices' dealings with each other: not shown.
- Comments are shown only for reject (the reason a report is not taken up is owed to the
  reporter) and close (the result). Every other comment is written by staff for staff and
  may name people or carry internal notes; it is never shown. Department names (public
  bodies) are shown on dispatch; staff names never are.
- An entry the workflow marked non-public is never shown, whatever its action.
"""

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from wangge.events.models import BuiltinChannel, Event, Satisfaction, Status, TimelineEntry
from wangge.regions.lean import without_geometry

PUBLIC_STEPS: dict[str, str | Promise] = {
    "report": _("Report received"),
    "accept": _("Accepted for handling"),
    "reject": _("Not taken up"),
    "merge": _("Joined to a report of the same problem"),
    "dispatch": _("Sent to the department in charge"),
    "sign": _("The department took it on"),
    "self_handle": _("Being handled by the grid"),
    "escalate": _("Passed to the level above"),
    "feedback": _("Handling finished, being checked"),
    "verify": _("Checked on site"),
    "close": _("Closed"),
    "callback": _("Result rated"),
    "reopen": _("Reopened for further handling"),
    "cancel": _("Withdrawn"),
}
PUBLIC_COMMENTS = {"reject", "close"}
MAX_MERGES = 5  # a duplicate's parent may itself be merged; follow a short chain only


@dataclass(frozen=True)
class Step:
    at: datetime
    label: str | Promise
    detail: str
    comment: str


@dataclass(frozen=True)
class PublicCase:
    event: Event  # the event the code names
    current: Event  # whose progress is shown: the event, or the parent it was merged into
    merged_into: list[Event]  # the merge chain from the event to `current`
    steps: list[Step]


def _is_public(entry: TimelineEntry) -> bool:
    if not entry.public or entry.action not in PUBLIC_STEPS:
        return False
    if entry.action == "feedback":
        return entry.to_status == Status.HANDLED
    if entry.action == "verify":
        return entry.data.get("passed") is True
    return True


def _detail(entry: TimelineEntry) -> str:
    data: dict[str, Any] = entry.data or {}
    if entry.action == "dispatch" and data.get("lead"):
        return str(data["lead"])
    if entry.action == "merge" and data.get("into"):
        return str(data["into"])
    if entry.action == "callback" and data.get("satisfaction") in Satisfaction.values:
        return str(Satisfaction(data["satisfaction"]).label)
    return ""


def public_steps(event: Event) -> list[Step]:
    return [
        Step(
            at=entry.at,
            label=PUBLIC_STEPS[entry.action],
            detail=_detail(entry),
            comment=entry.comment if entry.action in PUBLIC_COMMENTS else "",
        )
        for entry in event.timeline.all()
        if _is_public(entry)
    ]


def _with_relations(queryset: Any) -> Any:
    return without_geometry(queryset.select_related("category__parent", "area", "parent"))


def public_case(event: Event) -> PublicCase:
    """The event's case as a resident sees it, following merges to the parent."""
    current, chain = event, list[Event]()
    while current.status == Status.MERGED and current.parent_id and len(chain) < MAX_MERGES:
        current = _with_relations(Event.objects).get(pk=current.parent_id)
        chain.append(current)
    return PublicCase(event=event, current=current, merged_into=chain, steps=public_steps(current))


def resident_event(code: str) -> Event | None:
    """An event a resident reported, by its tracking code (others' codes are not public)."""
    found: Event | None = (
        _with_relations(Event.objects)
        .filter(code=code.strip().upper(), channel=BuiltinChannel.RESIDENT)
        .first()
    )
    return found
