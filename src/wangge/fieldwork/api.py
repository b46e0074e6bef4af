"""The fieldwork API: one router assembled from the sub-domains' routers, and today's list
(every sub-domain's tasks merged, nearest first) which belongs to none of them."""

from django.http import HttpRequest
from django.utils import timezone
from ninja import Router, Schema

from wangge.api_pages import Rows, paged
from wangge.fieldwork import today
from wangge.fieldwork.attend.api import router as attend_router
from wangge.fieldwork.campaigns.api import router as campaigns_router
from wangge.fieldwork.patrols.api import router as patrols_router
from wangge.fieldwork.views_mobile import valid_position
from wangge.fieldwork.visits.api import router as visits_router

today_router = Router(tags=["fieldwork"])


class TodoOut(Schema):
    kind: str
    id: int
    title: str
    address: str
    lon: float | None
    lat: float | None
    due: str | None
    overdue: bool
    url: str
    distance_m: float | None


@today_router.get("/today", response=list[TodoOut], summary="My tasks for today, nearest first")
@paged
def today_list(request: HttpRequest, lon: float | None = None, lat: float | None = None) -> Rows:
    lon, lat = valid_position(lon, lat)  # inf or out of range: no distances, not a 500
    placed = today.order(today.collect(request.user, timezone.localdate()), lon, lat)
    return Rows(
        placed,
        each=lambda p: {
            "kind": p.item.kind,
            "id": p.item.pk,
            "title": p.item.title,
            "address": p.item.address,
            "lon": p.item.lon,
            "lat": p.item.lat,
            "due": p.item.due.isoformat() if p.item.due else None,
            "overdue": p.item.overdue,
            "url": p.item.url,
            "distance_m": round(p.distance_m, 1) if p.distance_m is not None else None,
        },
    )


class DoneOut(Schema):
    kind: str
    id: int
    title: str
    url: str


@today_router.get(
    "/today/done", response=list[DoneOut], summary="What I finished today, latest first"
)
@paged
def today_done(request: HttpRequest) -> Rows:
    """The folded 已完成 group of the today page: visits, attendances, inspections and
    campaign targets the caller finished today (four queries whatever the numbers)."""
    return Rows(
        today.done_today(request.user, timezone.localdate()),
        each=lambda i: {"kind": i.kind, "id": i.pk, "title": i.title, "url": i.url},
    )


router = Router(tags=["fieldwork"])
router.add_router("/fieldwork", visits_router)
router.add_router("/fieldwork", attend_router)
router.add_router("/fieldwork", patrols_router)
router.add_router("/fieldwork", today_router)
router.add_router("/fieldwork", campaigns_router)
