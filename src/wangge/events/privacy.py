"""Reporters' phones: sealed at rest (`Event.reporter_phone_*`), masked on every page, and
given in plaintext only through an audited reveal by someone who may reveal residents' phones
in the event's area (`wangge.people.access.can_reveal`)."""

from django.db.models import QuerySet

from wangge.accounts import audit, reveals
from wangge.accounts.actors import Actor
from wangge.events.models import Event
from wangge.events.selectors import visible_events
from wangge.people import pii
from wangge.people.residents.services import require_reveal


def reveal_reporter_phone(actor: Actor, event: Event, *, reason: str, ip: str = "") -> str:
    """The reporter's phone in plaintext, for a stated reason; audited before it is returned."""
    require_reveal(actor=actor, area=event.area, reason=reason)
    with reveals.admitted(actor, ip=ip):  # counted with residents' reveals
        audit.record(
            actor,
            "reveal",
            "event",
            event.pk,
            label=event.code,
            reason=reason.strip(),
            ip=ip,
            detail={"fields": ["reporter_phone"]},
        )
    return event.reporter_phone


def events_by_reporter_phone(user: Actor, phone: str) -> QuerySet[Event]:
    """The user's visible events reported from this phone (exact, through the blind index)."""
    normal = pii.normal_phone(phone) or phone.strip()
    return visible_events(user).filter(reporter_phone_index__in=pii.phone_indexes(normal))
