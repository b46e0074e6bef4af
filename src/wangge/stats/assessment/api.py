"""Assessment over HTTP: runs, rankings with red and black lists, drill-down, manual items."""

from typing import Any

from django.http import HttpRequest
from ninja import Router, Schema

from wangge.accounts.audit import client_ip
from wangge.api_pages import Rows, paged
from wangge.stats.assessment import (
    bulletins,
    disputes,
    editor,
    manual,
    selectors,
    services,
    subscriptions,
)
from wangge.stats.assessment.models import Indicator, Run, Scheme

router = Router(tags=["assessment"])


class RunIn(Schema):
    scheme: str
    period: str  # 2026-11, 2026-Q4 or 2026
    publish: bool = False


class ManualIn(Schema):
    target_id: int
    points: str
    reason: str


@router.get("/assessment/runs", response=list[dict[str, Any]])
@paged
def runs_list(request: HttpRequest, period: str = "") -> Rows:
    runs = Run.objects.select_related("scheme").order_by("-date_from", "scheme__code")
    if period:
        runs = runs.filter(period=period)
    return Rows(runs, each=selectors.run_dict)


@router.post("/assessment/runs")
def runs_compute(request: HttpRequest, body: RunIn) -> dict[str, Any]:
    """Compute (or recompute) a scheme's run for a period; frozen once published."""
    services.require(request.user, "assessment.change_run")
    run = services.run_period(body.scheme, body.period, publish=body.publish)
    return selectors.run_dict(run)


@router.get("/assessment/runs/{rid}/ranking")
def runs_ranking(request: HttpRequest, rid: int, n: int = 3) -> dict[str, Any]:
    """The ranking (what the user may see), red list (top n) and black list (bottom n)."""
    return selectors.ranking(request.user, selectors.run_get(rid), max(0, min(n, 100)))


@router.get("/assessment/runs/{rid}/results/{target_id}")
def runs_result(request: HttpRequest, rid: int, target_id: int) -> dict[str, Any]:
    """A target's score → each indicator's points → numerator and denominator → the cases."""
    return selectors.result_detail(request.user, selectors.run_get(rid), target_id)


@router.post("/assessment/runs/{rid}/manual")
def runs_manual(request: HttpRequest, rid: int, body: ManualIn) -> dict[str, Any]:
    """A manual item (上级督查) with a reason, by the assessor logged in."""
    run = selectors.run_get(rid)
    item = manual.manual_add(
        run,
        user=request.user,
        target_id=body.target_id,
        points=body.points,
        reason=body.reason,
        ip=client_ip(request),
    )
    return {"id": item.pk, **selectors.result_detail(request.user, run, body.target_id)}


@router.get("/assessment/runs/{rid}/manual")
def runs_manual_list(request: HttpRequest, rid: int, target_id: int) -> dict[str, Any]:
    """A target's manual items with their ids (for taking one back while a draft)."""
    run = selectors.run_get(rid)
    selectors.result_detail(request.user, run, target_id)  # 404 outside the user's sight
    return {"items": [manual.as_dict(m) for m in manual.items_of(run, target_id)]}


@router.delete("/assessment/runs/{rid}/manual/{mid}")
def runs_manual_remove(request: HttpRequest, rid: int, mid: int) -> dict[str, Any]:
    """Take a manual item back while the run is a draft (audited); the run recomputes."""
    run = selectors.run_get(rid)
    item = manual.manual_get(run, mid)
    run = manual.manual_remove(run, user=request.user, item=item, ip=client_ip(request))
    return selectors.result_detail(request.user, run, item.target_id)


class DisputeIn(Schema):
    reason: str


class DecisionIn(Schema):
    upheld: bool
    decision: str
    new_score: str | None = None  # upheld: the score the result should have had


class SubscriptionIn(Schema):
    kinds: list[str]


@router.post("/assessment/runs/{rid}/results/{target_id}/disputes")
def results_dispute(
    request: HttpRequest, rid: int, target_id: int, body: DisputeIn
) -> dict[str, Any]:
    """Dispute (申诉) a published result with a reason, within the set days."""
    d = disputes.raise_dispute(
        selectors.run_get(rid),
        target_id=target_id,
        user=request.user,
        reason=body.reason,
        ip=client_ip(request),
    )
    return disputes.as_dict(disputes.dispute_get(d.pk))


@router.get("/assessment/disputes", response=list[dict[str, Any]])
@paged
def disputes_list(request: HttpRequest, status: str = "") -> Rows:
    """Every dispute for an assessor; the ones the user raised otherwise."""
    qs = disputes.visible(request.user).order_by("-id")
    if status:
        qs = qs.filter(status=status)
    return Rows(qs, each=disputes.as_dict)


@router.post("/assessment/disputes/{did}/decide")
def disputes_decide(request: HttpRequest, did: int, body: DecisionIn) -> dict[str, Any]:
    """The assessor's decision, recorded once with their name."""
    services.require(request.user, "assessment.change_dispute")
    d = disputes.decide(
        disputes.dispute_get(did),
        user=request.user,
        upheld=body.upheld,
        decision=body.decision,
        new_score=body.new_score,
        ip=client_ip(request),
    )
    return disputes.as_dict(disputes.dispute_get(d.pk))


@router.get("/assessment/bulletins", response=list[dict[str, Any]])
@paged
def bulletins_list(request: HttpRequest, kind: str = "") -> Rows:
    """The archive of bulletins of the areas the user may see, newest first."""
    qs = bulletins.visible(request.user)
    if kind:
        qs = qs.filter(kind=kind)
    return Rows(qs, each=bulletins.as_dict)


@router.put("/assessment/bulletins/subscription")
def bulletins_subscribe(request: HttpRequest, body: SubscriptionIn) -> dict[str, Any]:
    """The kinds of bulletin (daily, weekly, monthly) the user gets in their inbox."""
    return {"kinds": bulletins.subscribe(request.user, body.kinds)}


class SubscribeIn(Schema):
    kind: str
    area: str  # the area's code


@router.get("/assessment/bulletins/subscriptions")
def subscriptions_list(request: HttpRequest) -> dict[str, Any]:
    """The user's subscriptions, and the bulletin areas they may subscribe to."""
    return {
        "items": [subscriptions.as_dict(x) for x in subscriptions.of(request.user)],
        "areas": [{"code": a.code, "name": a.name} for a in subscriptions.areas(request.user)],
    }


@router.post("/assessment/bulletins/subscriptions")
def subscriptions_add(request: HttpRequest, body: SubscribeIn) -> dict[str, Any]:
    """Subscribe to the daily, weekly or monthly bulletin of an area in the user's scope."""
    sub = subscriptions.subscription_add(user=request.user, kind=body.kind, area_code=body.area)
    return subscriptions.as_dict(sub)


@router.delete("/assessment/bulletins/subscriptions/{sub_id}")
def subscriptions_remove(request: HttpRequest, sub_id: int) -> dict[str, Any]:
    subscriptions.subscription_remove(user=request.user, pk=sub_id)
    return {"items": [subscriptions.as_dict(x) for x in subscriptions.of(request.user)]}


@router.get("/assessment/bulletins/{bid}")
def bulletins_get(request: HttpRequest, bid: int) -> dict[str, Any]:
    return bulletins.as_dict(bulletins.get(request.user, bid), full=True)


class SchemeEditIn(Schema):
    items: list[dict[str, Any]] = []  # {code, weight, floor, target, bands}; new codes add
    remove: list[str] = []  # indicator codes taken out
    adjustments: list[dict[str, Any]] | None = None  # {name, flags, points, cap}: replace
    grades: list[list[Any]] | None = None
    period: str = ""  # the preview's; default: the last closed month


class VersionIn(SchemeEditIn):
    from_period: str  # the new version applies from this period's first day on
    name: str = ""


def _edit(body: SchemeEditIn) -> dict[str, Any]:
    out: dict[str, Any] = {"items": body.items, "remove": body.remove}
    if body.adjustments is not None:
        out["adjustments"] = body.adjustments
    if body.grades is not None:
        out["grades"] = body.grades
    return out


@router.get("/assessment/indicators")
def indicators_list(request: HttpRequest, target_type: str = "") -> dict[str, Any]:
    """The indicator library (a scheme's target type filters it)."""
    rows = Indicator.objects.order_by("code")
    return {
        "items": [
            {
                "code": i.code,
                "name": i.name,
                "ratio": i.ratio,
                "unit": i.unit,
                "higher_is_better": i.higher_is_better,
                "targets": i.targets,
                "formula": i.formula,
            }
            for i in rows
            if not target_type or not i.targets or target_type in i.targets
        ]
    }


@router.get("/assessment/schemes", response=list[dict[str, Any]])
@paged
def schemes_list(request: HttpRequest) -> Rows:
    """Every version of every scheme with its items, adjustments and grades."""
    schemes = Scheme.objects.prefetch_related("items__indicator", "adjustments")
    return Rows(schemes, each=editor.as_dict)


@router.post("/assessment/schemes/{sid}/preview")
def schemes_preview(request: HttpRequest, sid: int, body: SchemeEditIn) -> dict[str, Any]:
    """The scores an edit would give over a period (default: last month); nothing saved."""
    editor.require_open(request.user)
    return editor.preview(request.user, editor.scheme_get(sid), _edit(body), body.period)


@router.put("/assessment/schemes/{sid}")
def schemes_save(request: HttpRequest, sid: int, body: SchemeEditIn) -> dict[str, Any]:
    """Save an edit of the version: indicators added (from the library) or removed, weights,
    floors, targets, bands, adjustments with caps, grades; the weights must add up to 100."""
    scheme = editor.scheme_get(sid)
    return editor.as_dict(editor.save(request.user, scheme, _edit(body), ip=client_ip(request)))


@router.post("/assessment/schemes/{sid}/versions")
def schemes_version(request: HttpRequest, sid: int, body: VersionIn) -> dict[str, Any]:
    """A new version with the edit, applying from a period on (not before the end of the
    last published run); earlier runs keep their version."""
    edit = _edit(body)
    edit["name"] = body.name
    new = editor.version_new(
        request.user,
        editor.scheme_get(sid),
        edit,
        period=body.from_period,
        ip=client_ip(request),
    )
    return editor.as_dict(new)
