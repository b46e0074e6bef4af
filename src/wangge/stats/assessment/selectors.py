"""Reads of runs and results for the API and pages: scoped, with the event codes behind them."""

from typing import Any

from django.utils.translation import gettext as _

from wangge.accounts.actors import Actor
from wangge.errors import DomainError
from wangge.events.models import Event
from wangge.stats.assessment import services, workers
from wangge.stats.assessment.models import Result, Run, TargetType


def run_get(pk: int) -> Run:
    run = Run.objects.select_related("scheme").filter(pk=pk).first()
    if run is None:
        raise DomainError.one(_("No such run."), field="run", code="not_found", status=404)
    return run


def run_dict(run: Run) -> dict[str, Any]:
    return {
        "id": run.pk,
        "scheme": run.scheme.code,
        "name": run.scheme.name,
        "version": run.scheme.valid_from.isoformat(),
        "period": run.period,
        "date_from": run.date_from.isoformat(),
        "date_to": run.date_to.isoformat(),
        "status": run.status,
        "computed_at": run.computed_at.isoformat() if run.computed_at else None,
        "published_at": run.published_at.isoformat() if run.published_at else None,
    }


def previous_ranks(run: Run) -> dict[int, int]:
    """Rank by target in the same scheme's run of the period before (same kind of period)."""
    prev = Run.objects.filter(
        scheme__code=run.scheme.code, period=services.previous_period(run.period)
    ).first()
    if prev is None:
        return {}
    return dict(prev.results.values_list("target_id", "rank"))


def result_row(r: Result, previous: dict[int, int] | None = None) -> dict[str, Any]:
    before = (previous or {}).get(r.target_id)
    return {
        "target_id": r.target_id,
        "code": r.target_code,
        "name": r.target_name,
        "score": str(r.score),
        "grade": r.grade,
        "rank": r.rank,
        "previous_rank": before,
        "movement": None if before is None else before - r.rank,  # up is positive
        "reasons": r.detail.get("reasons", []),
    }


def ranking(user: Actor, run: Run, n: int = 3) -> dict[str, Any]:
    """The ranking the user may see, with the red (top n) and black (bottom n) lists."""
    results = list(services.visible_results(user, run).order_by("rank", "target_code"))
    lists = services.lists(results, n)
    prev = previous_ranks(run)
    return {
        "run": run_dict(run),
        "items": [result_row(r, prev) for r in results],
        "red": [result_row(r, prev) for r in lists["red"]],
        "black": [result_row(r, prev) for r in lists["black"]],
    }


def result_detail(user: Actor, run: Run, target_id: int) -> dict[str, Any]:
    """A target's points per indicator and adjustment, each with its cases' codes."""
    r = services.visible_results(user, run).filter(target_id=target_id).first()
    if r is None:
        raise DomainError.one(
            _("No result of target %(t)s that you may see.") % {"t": target_id},
            field="target_id",
            code="not_found",
            status=404,
        )
    detail = r.detail
    ids: set[Any] = set()
    for i in detail["indicators"]:
        ids.update(i["numerator_events"], i["denominator_events"])
    for a in detail["adjustments"]:
        ids.update(a["events"])
    if run.snapshot.get("target_type") == TargetType.WORKER:  # rows are "kind:id" refs
        found = {c["id"]: c for c in workers.cases(sorted(ids))}

        def cases(refs: list[Any]) -> list[dict[str, Any]]:
            return [found[x] for x in refs]
    else:
        codes = dict(Event.objects.filter(id__in=ids).values_list("id", "code"))

        def cases(refs: list[Any]) -> list[dict[str, Any]]:
            return [{"id": e, "code": codes.get(e, "")} for e in refs]

    return {
        **result_row(r),
        "run": run_dict(run),
        "indicators": [
            {
                **{k: v for k, v in i.items() if not k.endswith("_events")},
                "numerator_cases": cases(i["numerator_events"]),
                "denominator_cases": cases(i["denominator_events"]),
            }
            for i in detail["indicators"]
        ],
        "adjustments": [
            {**{k: v for k, v in a.items() if k != "events"}, "cases": cases(a["events"])}
            for a in detail["adjustments"]
        ],
        "manual": detail["manual"],
        "disputes": [
            {
                "id": d.pk,
                "reason": d.reason,
                "raised_by": d.raised_by.get_username(),
                "raised_at": d.raised_at.isoformat(),
                "status": d.status,
                "status_display": d.get_status_display(),
                "decided_by": d.decided_by.get_username() if d.decided_by else None,
                "decision": d.decision,
                "new_score": None if d.new_score is None else str(d.new_score),
            }
            for d in r.disputes.select_related("raised_by", "decided_by")
        ],
    }
