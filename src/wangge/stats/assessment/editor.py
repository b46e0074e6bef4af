"""The scheme editor: change a version's items (weight, floor, target, bands) and grades,
preview the scores the change would give over the last closed period before saving.

Saving edits the version in place: past runs keep the snapshot they computed with, so a
published result never changes; a draft recomputes with the edit."""

from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from wangge.errors import DomainError
from wangge.stats.assessment import scoring, services
from wangge.stats.assessment.models import Scheme


def scheme_get(pk: int) -> Scheme:
    s = Scheme.objects.filter(pk=pk).first()
    if s is None:
        raise DomainError.one(_("No such scheme."), field="scheme", code="not_found", status=404)
    return s


def _number(value: Any, field: str) -> Decimal:
    try:
        x = Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        raise services.invalid(_("%(f)s must be a number.") % {"f": field}, field=field) from None
    if not x.is_finite() or abs(x) > 100000:
        raise services.invalid(_("%(f)s is out of range.") % {"f": field}, field=field)
    return x


def _bands(value: Any, field: str) -> list[list[Any]]:
    if value in (None, "", []):
        return []
    if not isinstance(value, list) or not all(
        isinstance(b, list | tuple) and len(b) == 2 for b in value
    ):
        raise services.invalid(
            _("%(f)s: bands are pairs [value, share of the weight].") % {"f": field}, field=field
        )
    out = []
    for threshold, part in value:
        share = _number(part, field)
        if not 0 <= share <= 1:
            raise services.invalid(
                _("%(f)s: a band's share lies between 0 and 1.") % {"f": field}, field=field
            )
        out.append([float(_number(threshold, field)), str(share)])
    return out


def _grades(value: Any) -> list[list[Any]]:
    if value in (None, "", []):
        return []
    if not isinstance(value, list) or not all(
        isinstance(g, list | tuple) and len(g) == 2 and str(g[0]).strip() for g in value
    ):
        raise services.invalid(_("Grades are pairs [name, minimum score]."), field="grades")
    out: list[list[Any]] = [
        [str(name).strip()[:4], float(_number(m, "grades"))] for name, m in value
    ]
    minimums = [float(m) for _n, m in out]
    if minimums != sorted(minimums, reverse=True):
        raise services.invalid(_("Grades go from the highest minimum down."), field="grades")
    return out


def clean(scheme: Scheme, body: dict[str, Any]) -> dict[str, Any]:
    """The edit checked: {"items": {indicator code: {weight, floor, target, bands}},
    "grades": [[name, minimum], …]}; items not named keep their values."""
    known = {it.indicator.code: it for it in scheme.items.select_related("indicator")}
    items: dict[str, dict[str, Any]] = {}
    for row in body.get("items") or []:
        code = str(row.get("code", ""))
        if code not in known:
            raise services.invalid(
                _("Indicator %(c)s is not in this scheme.") % {"c": code}, field="items"
            )
        f = f"items.{code}"
        items[code] = {
            "weight": _number(row.get("weight", known[code].weight), f"{f}.weight"),
            "floor": _number(row.get("floor", known[code].floor), f"{f}.floor"),
            "target": _number(row.get("target", known[code].target), f"{f}.target"),
            "bands": _bands(row.get("bands", known[code].bands), f"{f}.bands"),
        }
    out: dict[str, Any] = {"items": items}
    if "grades" in body:
        out["grades"] = _grades(body.get("grades"))
    return out


def _apply(snap: dict[str, Any], edit: dict[str, Any]) -> dict[str, Any]:
    for it in snap["items"]:
        change = edit["items"].get(it["code"])
        if change:
            it.update(
                weight=str(change["weight"]),
                floor=str(change["floor"]),
                target=str(change["target"]),
                bands=change["bands"],
            )
    if edit.get("grades"):
        snap["grades"] = edit["grades"]
    return snap


def last_period(today: date | None = None) -> str:
    return services.last_closed("month", today or timezone.localdate())


def preview(user: Any, scheme: Scheme, body: dict[str, Any], period: str = "") -> dict[str, Any]:
    """The scores the edited scheme would give over a period (default: last month), beside
    the scheme's current ones; nothing is saved. Targets the user may not see are left out."""
    period = period or last_period()
    date_from, date_to = services.period_bounds(period)
    edit = clean(scheme, body)
    now_snap = services.snapshot(scheme)
    new_snap = _apply(services.snapshot(scheme), edit)
    before, _r = services.score_all(now_snap, date_from, date_to)
    after, ranks = services.score_all(new_snap, date_from, date_to)
    old = {tid: s["score"] for tid, _c, _n, s in before}
    allowed = services.visible_target_ids(user, now_snap["target_type"], [t[0] for t in after])
    rows = [
        {
            "target_id": tid,
            "code": code,
            "name": name,
            "score": str(s["score"]),
            "grade": s["grade"],
            "rank": rank,
            "current_score": str(old.get(tid, "")),
            "reasons": s["detail"]["reasons"],
        }
        for (tid, code, name, s), rank in zip(after, ranks, strict=True)
        if allowed is None or tid in allowed
    ]
    rows.sort(key=lambda r: (r["rank"], r["code"]))
    return {"period": period, "items": rows}


@transaction.atomic
def save(user: Any, scheme: Scheme, body: dict[str, Any]) -> Scheme:
    """Save the edit (permission assessment.change_scheme)."""
    services.require(user, "assessment.change_scheme")
    edit = clean(scheme, body)
    for it in scheme.items.select_related("indicator"):
        change = edit["items"].get(it.indicator.code)
        if change:
            it.weight, it.floor, it.target = change["weight"], change["floor"], change["target"]
            it.bands = change["bands"]
            it.save(update_fields=["weight", "floor", "target", "bands"])
    if edit.get("grades"):
        scheme.grades = edit["grades"]
        scheme.save(update_fields=["grades"])
    return scheme


def as_dict(scheme: Scheme) -> dict[str, Any]:
    return {
        "id": scheme.pk,
        "code": scheme.code,
        "name": scheme.name,
        "target_type": scheme.target_type,
        "level": scheme.level,
        "valid_from": scheme.valid_from.isoformat(),
        "grades": scheme.grades or scoring.DEFAULT_GRADES,
        "items": [
            {
                "code": it.indicator.code,
                "name": it.indicator.name,
                "weight": str(it.weight),
                "floor": str(it.floor),
                "target": str(it.target),
                "bands": it.bands,
            }
            for it in scheme.items.select_related("indicator")
        ],
        "adjustments": [
            {"name": a.name, "flags": a.flags, "points": str(a.points), "cap": str(a.cap)}
            for a in scheme.adjustments.all()
        ],
    }
