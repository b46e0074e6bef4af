"""Figures straight from the loop for a scope and date range (dashboards come later).

受理量 accepted, 办结量 closed (by our loop; orders imported already closed at their source
are `imported_closed`), 办结率 closed / accepted, 按期办结率 closed without ever
being overdue / closed, 超期件 overdue now, 返工率 events reworked / closed, 满意率
(satisfied + basically satisfied) / called back. Merged duplicates count once, through
their parent.
"""

from datetime import date
from typing import Any

from django.db.models import Count, Q

from wangge.accounts.actors import Actor
from wangge.events.models import OPEN_STATUSES, Satisfaction, Status
from wangge.events.selectors import event_list


def loop_figures(
    *, user: Actor, date_from: date | None = None, date_to: date | None = None
) -> dict[str, Any]:
    qs = event_list(user=user, date_from=date_from, date_to=date_to).exclude(status=Status.MERGED)
    accepted_q = Q(accepted_at__isnull=False) | Q(
        status__in=[Status.ACCEPTED, Status.DISPATCHED, Status.HANDLING, Status.HANDLED]
    )
    # Closed by our loop: orders imported closed at their source are counted apart.
    closed_q = Q(status=Status.CLOSED, closed_at_source=False)
    row = qs.aggregate(
        reported=Count("pk"),
        accepted=Count("pk", filter=accepted_q),
        closed=Count("pk", filter=closed_q),
        imported_closed=Count("pk", filter=Q(status=Status.CLOSED, closed_at_source=True)),
        closed_on_time=Count("pk", filter=closed_q & Q(overdue_ever=False)),
        overdue=Count("pk", filter=Q(status__in=OPEN_STATUSES, alert="red")),
        reworked=Count("pk", filter=closed_q & Q(rework_count__gt=0)),
        called_back=Count("pk", filter=~Q(satisfaction="")),
        satisfied=Count(
            "pk", filter=Q(satisfaction__in=[Satisfaction.SATISFIED, Satisfaction.BASICALLY])
        ),
    )

    def rate(part: int, whole: int) -> float | None:
        return round(part / whole, 4) if whole else None

    return {
        **row,
        "closed_rate": rate(row["closed"], row["accepted"]),
        "on_time_rate": rate(row["closed_on_time"], row["closed"]),
        "rework_rate": rate(row["reworked"], row["closed"]),
        "satisfaction_rate": rate(row["satisfied"], row["called_back"]),
    }


def channel_figures(
    *, user: Actor, date_from: date | None = None, date_to: date | None = None
) -> dict[str, int]:
    """Events reported per channel (多网合一: where the work comes from), same scope and
    counting as loop_figures."""
    qs = event_list(user=user, date_from=date_from, date_to=date_to).exclude(status=Status.MERGED)
    rows = qs.order_by().values("channel").annotate(n=Count("pk"))
    return {row["channel"]: row["n"] for row in rows}
