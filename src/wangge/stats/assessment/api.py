"""Assessment over HTTP: runs, rankings with red and black lists, drill-down, manual items."""

from typing import Any

from django.http import HttpRequest
from ninja import Router, Schema

from wangge.stats.assessment import bulletins, disputes, editor, selectors, services
from wangge.stats.assessment.models import Run, Scheme

router = Router(tags=["assessment"])


class RunIn(Schema):
    scheme: str
    period: str  # 2026-11, 2026-Q4 or 2026
    publish: bool = False


class ManualIn(Schema):
    target_id: int
    points: str
    reason: str


@router.get("/assessment/runs")
def runs_list(request: HttpRequest, period: str = "") -> dict[str, Any]:
    runs = Run.objects.select_related("scheme").order_by("-date_from", "scheme__code")
    if period:
        runs = runs.filter(period=period)
    return {"items": [selectors.run_dict(r) for r in runs[:200]]}


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
    services.require(request.user, "assessment.add_manualitem")
    run = selectors.run_get(rid)
    item = services.add_manual(
        run,
        target_id=body.target_id,
        points=body.points,
        reason=body.reason,
        assessor=request.user,
    )
    return {"id": item.pk, **selectors.result_detail(request.user, run, body.target_id)}


class DisputeIn(Schema):
    reason: str


class DecisionIn(Schema):
    upheld: bool
    decision: str


class SubscriptionIn(Schema):
    kinds: list[str]


@router.post("/assessment/runs/{rid}/results/{target_id}/disputes")
def results_dispute(
    request: HttpRequest, rid: int, target_id: int, body: DisputeIn
) -> dict[str, Any]:
    """Dispute (申诉) a published result with a reason, within the set days."""
    d = disputes.raise_dispute(
        selectors.run_get(rid), target_id=target_id, user=request.user, reason=body.reason
    )
    return disputes.as_dict(disputes.dispute_get(d.pk))


@router.get("/assessment/disputes")
def disputes_list(request: HttpRequest, status: str = "") -> dict[str, Any]:
    """Every dispute for an assessor; the ones the user raised otherwise."""
    qs = disputes.visible(request.user).order_by("-id")
    if status:
        qs = qs.filter(status=status)
    return {"items": [disputes.as_dict(d) for d in qs[:500]]}


@router.post("/assessment/disputes/{did}/decide")
def disputes_decide(request: HttpRequest, did: int, body: DecisionIn) -> dict[str, Any]:
    """The assessor's decision, recorded once with their name."""
    services.require(request.user, "assessment.change_dispute")
    d = disputes.decide(
        disputes.dispute_get(did), user=request.user, upheld=body.upheld, decision=body.decision
    )
    return disputes.as_dict(disputes.dispute_get(d.pk))


@router.get("/assessment/bulletins")
def bulletins_list(request: HttpRequest, kind: str = "") -> dict[str, Any]:
    """The archive of bulletins of the areas the user may see, newest first."""
    qs = bulletins.visible(request.user)
    if kind:
        qs = qs.filter(kind=kind)
    return {"items": [bulletins.as_dict(b) for b in qs[:500]]}


@router.put("/assessment/bulletins/subscription")
def bulletins_subscribe(request: HttpRequest, body: SubscriptionIn) -> dict[str, Any]:
    """The kinds of bulletin (daily, weekly, monthly) the user gets in their inbox."""
    return {"kinds": bulletins.subscribe(request.user, body.kinds)}


@router.get("/assessment/bulletins/{bid}")
def bulletins_get(request: HttpRequest, bid: int) -> dict[str, Any]:
    return bulletins.as_dict(bulletins.get(request.user, bid), full=True)


class SchemeEditIn(Schema):
    items: list[dict[str, Any]] = []
    grades: list[list[Any]] | None = None
    period: str = ""  # the preview's; default: the last closed month


def _edit(body: SchemeEditIn) -> dict[str, Any]:
    out: dict[str, Any] = {"items": body.items}
    if body.grades is not None:
        out["grades"] = body.grades
    return out


@router.get("/assessment/schemes")
def schemes_list(request: HttpRequest) -> dict[str, Any]:
    """Every version of every scheme with its items, adjustments and grades."""
    schemes = Scheme.objects.prefetch_related("items__indicator", "adjustments")
    return {"items": [editor.as_dict(s) for s in schemes[:200]]}


@router.post("/assessment/schemes/{sid}/preview")
def schemes_preview(request: HttpRequest, sid: int, body: SchemeEditIn) -> dict[str, Any]:
    """The scores an edit would give over a period (default: last month); nothing saved."""
    return editor.preview(request.user, editor.scheme_get(sid), _edit(body), body.period)


@router.put("/assessment/schemes/{sid}")
def schemes_save(request: HttpRequest, sid: int, body: SchemeEditIn) -> dict[str, Any]:
    """Save an edit of the version's weights, floors, targets, bands and grades."""
    return editor.as_dict(editor.save(request.user, editor.scheme_get(sid), _edit(body)))
