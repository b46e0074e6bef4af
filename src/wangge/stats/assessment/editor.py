"""The scheme editor: add and remove a version's indicators (from the library, filtered by
the scheme's target type), change their weights and points rules (linear floor → target, or
bands), its deductions and bonuses with their caps, and its grades; preview the scores the
draft would give over the last closed period before saving; or start a new version that
applies from a period on.

Saving edits the version in place: past runs keep the snapshot they computed with, so a
published result never changes; a draft recomputes with the edit. A new version may not
start before the end of the last published run. Every save is audited."""

import json
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from wangge.accounts import audit
from wangge.accounts.actors import Actor
from wangge.accounts.models import AuditAction
from wangge.accounts.permissions import Action, may
from wangge.errors import DomainError
from wangge.stats.assessment import scoring, services, workers
from wangge.stats.assessment.models import (
    Adjustment,
    Indicator,
    Run,
    RunStatus,
    Scheme,
    SchemeItem,
    Source,
    TargetType,
)
from wangge.stats.models import FLAGS


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


def may_open(user: Actor) -> bool:
    """The editor is the assessors' and the command centres' (operators, community
    secretaries, administrators: their previews scoped); a grid worker's page is their result."""
    return bool(
        user.has_perm("assessment.change_scheme")
        or user.has_perm("assessment.view_scheme")
        or may(user, Action.RUN_CENTRE)
    )


def require_open(user: Actor) -> None:
    if not may_open(user):
        raise DomainError.one(
            _("The scheme editor is for assessors and command centres."),
            field="",
            code="forbidden",
            status=403,
        )


def library(scheme: Scheme) -> list[Indicator]:
    """The indicators a scheme of this target type may use (the library, filtered)."""
    return [
        ind
        for ind in Indicator.objects.order_by("code")
        if not ind.targets or scheme.target_type in ind.targets
    ]


def _item(row: dict[str, Any], base: dict[str, Any], f: str, higher: bool) -> dict[str, Any]:
    weight = _number(row.get("weight", base["weight"]), f"{f}.weight")
    if not 0 < weight <= 100:
        raise services.invalid(
            _("%(f)s: a weight lies above 0 and at most 100.") % {"f": f"{f}.weight"},
            field=f"{f}.weight",
        )
    floor = _number(row.get("floor", base["floor"]), f"{f}.floor")
    target = _number(row.get("target", base["target"]), f"{f}.target")
    bands = _bands(row.get("bands", base["bands"]), f"{f}.bands")
    if not bands and floor != target and (target < floor if higher else target > floor):
        raise services.invalid(
            (
                _("%(f)s: higher is better here, so the target lies above the floor.")
                if higher
                else _("%(f)s: lower is better here, so the target lies below the floor.")
            )
            % {"f": f"{f}.target"},
            field=f"{f}.target",
        )
    return {"weight": weight, "floor": floor, "target": target, "bands": bands}


def _adjustments(value: Any, scheme: Scheme) -> list[dict[str, Any]]:
    """Deductions (negative points per case) and bonuses (positive), each capped: the cap
    has the points' sign and is at least one case's points."""
    if not isinstance(value, list):
        raise services.invalid(_("Adjustments are a list."), field="adjustments")
    allowed = workers.WORKER_FLAGS if scheme.target_type == TargetType.WORKER else FLAGS
    out = []
    for n, row in enumerate(value, 1):
        f = f"adjustments.{n}"
        if not isinstance(row, dict):
            raise services.invalid(_("%(f)s: expected an object.") % {"f": f}, field=f)
        name = str(row.get("name") or "").strip()
        if not name or len(name) > 60:
            raise services.invalid(
                _("%(f)s: a name of 1 to 60 characters is required.") % {"f": f"{f}.name"},
                field=f"{f}.name",
            )
        flags = row.get("flags") or []
        if isinstance(flags, str):
            flags = [x.strip() for x in flags.replace("，", ",").split(",") if x.strip()]
        services.check_flags(flags, f"{f}.flags", allowed)
        if not flags:
            raise services.invalid(
                _("%(f)s: name the flags of the cases it counts.") % {"f": f"{f}.flags"},
                field=f"{f}.flags",
            )
        points = _number(row.get("points", ""), f"{f}.points")
        if points == 0 or abs(points) > 100:
            raise services.invalid(
                _("%(f)s: points per case lie between -100 and 100, not 0.") % {"f": f"{f}.points"},
                field=f"{f}.points",
            )
        cap = _number(row.get("cap", ""), f"{f}.cap")
        if (cap < 0) != (points < 0) or abs(cap) < abs(points) or abs(cap) > 100:
            raise services.invalid(
                _(
                    "%(f)s: the cap has the sign of the points, at least one case's points "
                    "and at most 100."
                )
                % {"f": f"{f}.cap"},
                field=f"{f}.cap",
            )
        out.append({"name": name, "flags": flags, "points": points, "cap": cap})
    return out


def clean(scheme: Scheme, body: dict[str, Any]) -> dict[str, Any]:
    """The edit checked: {"items": [{code, weight, floor, target, bands}], "remove": [codes],
    "adjustments": [{name, flags, points, cap}], "grades": [[name, minimum], …]}. Items not
    named keep their values; a named indicator from the library not in the scheme is added
    (its weight required); adjustments, when given, replace the scheme's."""
    current = list(scheme.items.select_related("indicator"))
    known = {it.indicator.code: it for it in current}
    remove = body.get("remove") or []
    if not isinstance(remove, list) or any(str(c) not in known for c in remove):
        raise services.invalid(
            _("Only indicators of this scheme can be removed: %(c)s.")
            % {"c": ", ".join(str(c) for c in remove if str(c) not in known)},
            field="remove",
        )
    removed = {str(c) for c in remove}
    items: dict[str, dict[str, Any]] = {}
    added: dict[str, Indicator] = {}
    for row in body.get("items") or []:
        if not isinstance(row, dict):
            raise services.invalid(_("Items are objects with a code."), field="items")
        code = str(row.get("code", ""))
        f = f"items.{code}"
        if code in removed:
            continue
        if code in known:
            it = known[code]
            base = {"weight": it.weight, "floor": it.floor, "target": it.target, "bands": it.bands}
            items[code] = _item(row, base, f, it.indicator.higher_is_better)
            continue
        ind = Indicator.objects.filter(code=code).first()
        if ind is None:
            raise services.invalid(
                _("Indicator %(c)s is not in this scheme nor in the library.") % {"c": code},
                field="items",
            )
        if ind.targets and scheme.target_type not in ind.targets:
            raise services.invalid(
                _("Indicator %(c)s does not apply to this scheme's targets.") % {"c": code},
                field="items",
            )
        if row.get("weight") in (None, ""):
            raise services.invalid(
                _("%(f)s: an added indicator needs its weight.") % {"f": f"{f}.weight"},
                field=f"{f}.weight",
            )
        base = {"weight": 0, "floor": 0, "target": 100, "bands": []}
        items[code] = _item(row, base, f, ind.higher_is_better)
        added[code] = ind
    out: dict[str, Any] = {"items": items, "remove": sorted(removed), "added": added}
    kept = [c for c in known if c not in removed]
    if not kept and not added:
        raise services.invalid(_("A scheme needs at least one indicator."), field="items")
    if "adjustments" in body and body["adjustments"] is not None:
        out["adjustments"] = _adjustments(body["adjustments"], scheme)
    if "grades" in body:
        out["grades"] = _grades(body.get("grades"))
    return out


def _apply(snap: dict[str, Any], edit: dict[str, Any]) -> dict[str, Any]:
    removed = set(edit.get("remove", []))
    snap["items"] = [it for it in snap["items"] if it["code"] not in removed]
    for it in snap["items"]:
        change = edit["items"].get(it["code"])
        if change:
            it.update(
                weight=str(change["weight"]),
                floor=str(change["floor"]),
                target=str(change["target"]),
                bands=change["bands"],
            )
    for code, ind in edit.get("added", {}).items():
        change = edit["items"][code]
        snap["items"].append(
            {
                "code": ind.code,
                "name": ind.name,
                "source": ind.source,
                "ratio": ind.ratio and ind.source == Source.FACTS,
                "numerator": ind.numerator,
                "denominator": ind.denominator,
                "higher_is_better": ind.higher_is_better,
                "unit": ind.unit,
                "weight": str(change["weight"]),
                "floor": str(change["floor"]),
                "target": str(change["target"]),
                "bands": change["bands"],
            }
        )
    if edit.get("adjustments") is not None:
        snap["adjustments"] = [
            {**a, "points": str(a["points"]), "cap": str(a["cap"])} for a in edit["adjustments"]
        ]
    if edit.get("grades"):
        snap["grades"] = edit["grades"]
    return snap


def weights_total(snap: dict[str, Any]) -> Decimal:
    return sum((Decimal(it["weight"]) for it in snap["items"]), Decimal(0))


def check_weights(snap: dict[str, Any]) -> None:
    """The rule a saved scheme keeps: its indicators' weights add up to 100 (deductions,
    bonuses and manual items come on top)."""
    total = weights_total(snap)
    if total != 100:
        raise services.invalid(
            _("The weights add up to %(t)s; they must add up to 100.") % {"t": scoring.q(total)},
            field="items",
        )


def last_period(today: date | None = None) -> str:
    return services.last_closed("month", today or timezone.localdate())


def preview(user: Actor, scheme: Scheme, body: dict[str, Any], period: str = "") -> dict[str, Any]:
    """The scores the edited scheme (the draft) would give over a period (default: last
    month), beside the scheme's current ones; nothing is saved. Targets the user may not see
    are left out."""
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
    total = weights_total(new_snap)
    return {
        "period": period,
        "weights_total": str(scoring.q(total)),
        "weights_ok": total == 100,
        "items": rows,
    }


def draft(scheme: Scheme, body: dict[str, Any]) -> dict[str, Any]:
    """The scheme with the (checked) edit applied, for the editor's form."""
    snap = _apply(services.snapshot(scheme), clean(scheme, body))
    for it in snap["items"]:
        it["bands_json"] = json.dumps(it["bands"]) if it["bands"] else ""
    for a in snap["adjustments"]:
        a["flags_text"] = ", ".join(a["flags"])
    snap["weights_total"] = str(scoring.q(weights_total(snap)))
    snap["name"] = scheme.name
    return snap


def _state(scheme: Scheme) -> dict[str, Any]:
    """What an audit entry keeps of a version, before and after a change."""
    body = as_dict(scheme)
    return {k: body[k] for k in ("name", "valid_from", "grades", "items", "adjustments")}


def _write(scheme: Scheme, edit: dict[str, Any]) -> None:
    """The checked edit written into a version's rows."""
    removed = set(edit.get("remove", []))
    for it in scheme.items.select_related("indicator"):
        code = it.indicator.code
        if code in removed:
            it.delete()
            continue
        change = edit["items"].get(code)
        if change:
            it.weight, it.floor, it.target = change["weight"], change["floor"], change["target"]
            it.bands = change["bands"]
            it.save(update_fields=["weight", "floor", "target", "bands"])
    for code, ind in edit.get("added", {}).items():
        change = edit["items"][code]
        SchemeItem.objects.create(
            scheme=scheme,
            indicator=ind,
            weight=change["weight"],
            floor=change["floor"],
            target=change["target"],
            bands=change["bands"],
        )
    if edit.get("adjustments") is not None:
        scheme.adjustments.all().delete()
        Adjustment.objects.bulk_create(
            [Adjustment(scheme=scheme, **a) for a in edit["adjustments"]]
        )
    if edit.get("grades"):
        scheme.grades = edit["grades"]
        scheme.save(update_fields=["grades"])


@transaction.atomic
def save(user: Actor, scheme: Scheme, body: dict[str, Any], ip: str = "") -> Scheme:
    """Save the edit in this version (permission assessment.change_scheme): indicators
    added or removed, weights, points rules, adjustments and grades; the weights must add up
    to 100. Published runs keep their snapshot; drafts recompute with the edit. Audited."""
    services.require(user, "assessment.change_scheme")
    scheme = Scheme.objects.select_for_update().get(pk=scheme.pk)
    edit = clean(scheme, body)
    check_weights(_apply(services.snapshot(scheme), edit))
    before = _state(scheme)
    _write(scheme, edit)
    audit.record(
        user,
        AuditAction.UPDATE,
        "assessment_scheme",
        scheme.pk,
        label=str(scheme),
        ip=ip,
        detail={"before": before, "after": _state(scheme)},
    )
    return scheme


def last_published(code: str) -> Run | None:
    return (
        Run.objects.filter(scheme__code=code, status=RunStatus.PUBLISHED)
        .order_by("-date_to")
        .first()
    )


@transaction.atomic
def version_new(
    user: Actor, scheme: Scheme, body: dict[str, Any], *, period: str, ip: str = ""
) -> Scheme:
    """A new version of the scheme, with the edit, applying from the period's first day on
    (permission assessment.add_scheme). Runs of earlier periods keep their version; the
    period may not start before the last published run's end. Draft runs of the periods it
    now governs move to it (they recompute with it). Audited."""
    services.require(user, "assessment.add_scheme")
    if not (period or "").strip():
        raise services.invalid(_("A new version needs the period it applies from."), "period")
    valid_from, _to = services.period_bounds(period.strip())
    last = last_published(scheme.code)
    if last is not None and valid_from <= last.date_to:
        raise services.invalid(
            _("Period %(p)s starts before the end of the last published run (%(l)s).")
            % {"p": period, "l": last.period},
            field="period",
        )
    if Scheme.objects.filter(code=scheme.code, valid_from=valid_from).exists():
        raise services.invalid(
            _("A version of this scheme already applies from %(d)s.") % {"d": valid_from},
            field="period",
        )
    edit = clean(scheme, body)
    check_weights(_apply(services.snapshot(scheme), edit))
    name = str(body.get("name") or scheme.name).strip()[:80]
    new = Scheme.objects.create(
        code=scheme.code,
        name=name,
        target_type=scheme.target_type,
        level=scheme.level,
        valid_from=valid_from,
        grades=scheme.grades,
    )
    SchemeItem.objects.bulk_create(
        [
            SchemeItem(
                scheme=new,
                indicator=it.indicator,
                weight=it.weight,
                floor=it.floor,
                target=it.target,
                bands=it.bands,
            )
            for it in scheme.items.select_related("indicator")
        ]
    )
    Adjustment.objects.bulk_create(
        [
            Adjustment(scheme=new, name=a.name, flags=a.flags, points=a.points, cap=a.cap)
            for a in scheme.adjustments.all()
        ]
    )
    _write(new, edit)
    moved = []
    for run in Run.objects.filter(
        scheme__code=scheme.code, status=RunStatus.DRAFT, date_from__gte=valid_from
    ):
        if services.scheme_for(scheme.code, run.date_from).pk == new.pk:
            run.scheme = new
            run.save(update_fields=["scheme"])
            moved.append(run.period)
    audit.record(
        user,
        AuditAction.CREATE,
        "assessment_scheme",
        new.pk,
        label=str(new),
        ip=ip,
        detail={"from_version": scheme.pk, "drafts_moved": moved, "after": _state(new)},
    )
    return new


def as_dict(scheme: Scheme) -> dict[str, Any]:
    return {
        "id": scheme.pk,
        "code": scheme.code,
        "name": scheme.name,
        "target_type": scheme.target_type,
        "level": scheme.level,
        "valid_from": scheme.valid_from.isoformat(),
        "grades": scheme.grades or scoring.DEFAULT_GRADES,
        "weights_total": str(sum((it.weight for it in scheme.items.all()), Decimal(0))),
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
