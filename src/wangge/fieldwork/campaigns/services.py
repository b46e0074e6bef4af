"""Campaigns (专项排查 / 专项行动): the one write path (reads are in `selectors`).

- An administrator (superuser, the `fieldwork.add_campaign` permission, or a command-centre
  operator post) defines a campaign (`campaign_define`) and opens it (`campaign_open`), which
  materialises its targets; `campaign_refresh` keeps them in step with the population.
- A worker sees only targets under their posts (anything else is 404), answers the form
  (`target_answer`) or marks a target not reachable (`target_unreachable`); every submission is
  kept (who, when, what) and the latest is the target's answer.
- Coverage lives in `coverage`, the xlsx export in `export`.
"""

import datetime as dt
import uuid
from typing import IO, Any

from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from wangge import form_fields as forms
from wangge.accounts import audit
from wangge.accounts.actors import SYSTEM, Actor, author, needs_check
from wangge.errors import DomainError, Problem
from wangge.fieldwork import changes
from wangge.fieldwork.campaigns import targets as campaign_targets
from wangge.fieldwork.campaigns.models import (
    Campaign,
    CampaignFile,
    CampaignSubmission,
    CampaignTarget,
)
from wangge.fieldwork.campaigns.selectors import (
    _manager_paths,
    can_manage,
    covers,
    has_answers,
    target_get,
)
from wangge.fieldwork.campaigns.targets import RefreshResult
from wangge.people import access
from wangge.people.models import ResidenceType, TagKind
from wangge.regions.models import Area

MAX_REASON = 300


MAX_TITLE = 200  # Campaign.title


def _check_manager(user: Actor, campaign: Campaign | None = None) -> None:
    if not can_manage(user) or (campaign is not None and not covers(user, campaign)):
        raise DomainError.one(
            _("Only the command centre may manage campaigns."), code="forbidden", status=403
        )


def _clean_definition(  # noqa: C901
    *,
    title: str,
    starts_on: dt.date | None,
    ends_on: dt.date | None,
    area_codes: list[str],
    target_kind: str,
    tag_codes: list[str],
    residence_types: list[str],
    age_min: int | None,
    age_max: int | None,
    fields: Any,
    actor: Actor,
) -> tuple[list[Area], list[TagKind], list[dict[str, Any]]]:
    problems: list[Problem] = []
    if not title.strip():
        problems.append(Problem(_("A campaign needs a title."), field="title"))
    elif len(title.strip()) > MAX_TITLE:
        problems.append(Problem(_("At most %(n)d characters.") % {"n": MAX_TITLE}, field="title"))
    if starts_on is None:
        problems.append(Problem(_("Give the first day."), field="starts_on"))
    if ends_on is None:
        problems.append(Problem(_("Give the last day."), field="ends_on"))
    if starts_on and ends_on and ends_on < starts_on:
        problems.append(Problem(_("The campaign ends before it starts."), field="ends_on"))
    areas: list[Area] = []
    if not area_codes:
        problems.append(Problem(_("Choose at least one area."), field="areas"))
    user_paths = None if not needs_check(actor) else _manager_paths(actor)  # None: everywhere
    for code in area_codes:
        area = Area.objects.live().filter(code=code).defer("geometry").first()
        if area is None or not (
            user_paths is None or any(area.path.startswith(p) for p in user_paths)
        ):
            problems.append(
                Problem(
                    _("Unknown area %(code)s.") % {"code": code}, field="areas", code="not_found"
                )
            )
        else:
            areas.append(area)
    if target_kind not in Campaign.TargetKind.values:
        problems.append(Problem(_("The target is households or residents."), field="target_kind"))
    kinds: list[TagKind] = []
    visible = (
        set(TagKind.objects.values_list("pk", flat=True))
        if not needs_check(actor)
        else access.visible_kind_ids(actor)
    )
    for code in tag_codes:
        kind = TagKind.objects.filter(code=code, pk__in=visible).first()
        if kind is None:
            problems.append(
                Problem(
                    _("Unknown group %(code)s.") % {"code": code}, field="tags", code="not_found"
                )
            )
        elif kind.sensitive:
            # Every worker in scope sees the target list: it would name the group's members.
            problems.append(
                Problem(
                    _("Sensitive group %(code)s cannot drive a campaign.") % {"code": code},
                    field="tags",
                    code="sensitive",
                )
            )
        else:
            kinds.append(kind)
    for rt in residence_types:
        if rt not in ResidenceType.values:
            problems.append(
                Problem(
                    _("Unknown residence type %(value)s.") % {"value": rt}, field="residence_types"
                )
            )
    for name, age in (("age_min", age_min), ("age_max", age_max)):
        if age is not None and not 0 <= age <= 150:
            problems.append(Problem(_("An age is between 0 and 150."), field=name))
    if age_min is not None and age_max is not None and age_min > age_max:
        problems.append(Problem(_("The maximum age is below the minimum."), field="age_max"))
    cleaned: list[dict[str, Any]] = []
    try:
        cleaned = forms.clean_fields(fields)
    except DomainError as exc:
        problems += exc.problems
    if problems:
        raise DomainError(problems)
    return areas, kinds, cleaned


@transaction.atomic
def campaign_define(
    *,
    actor: Actor,
    title: str,
    starts_on: dt.date | None,
    ends_on: dt.date | None,
    area_codes: list[str],
    fields: Any,
    target_kind: str = Campaign.TargetKind.HOUSEHOLD,
    tag_codes: list[str] | None = None,
    residence_types: list[str] | None = None,
    age_min: int | None = None,
    age_max: int | None = None,
    description: str = "",
) -> Campaign:
    """A new campaign (draft). Every problem of the definition is reported at once, each
    naming its field."""
    if needs_check(actor):
        _check_manager(actor)
    areas, kinds, cleaned = _clean_definition(
        title=title,
        starts_on=starts_on,
        ends_on=ends_on,
        area_codes=list(dict.fromkeys(area_codes)),
        target_kind=target_kind,
        tag_codes=list(dict.fromkeys(tag_codes or [])),
        residence_types=list(dict.fromkeys(residence_types or [])),
        age_min=age_min,
        age_max=age_max,
        fields=fields,
        actor=actor,
    )
    assert starts_on is not None and ends_on is not None
    campaign = Campaign.objects.create(
        title=title.strip(),
        description=description.strip(),
        starts_on=starts_on,
        ends_on=ends_on,
        target_kind=target_kind,
        residence_types=list(dict.fromkeys(residence_types or [])),
        age_min=age_min,
        age_max=age_max,
        fields=cleaned,
        created_by=author(actor),
    )
    campaign.areas.set(areas)
    campaign.tag_kinds.set(kinds)
    return campaign


@transaction.atomic
def campaign_open(*, actor: Actor, campaign: Campaign) -> int:
    """Open a draft: materialise its targets. Returns how many."""
    if needs_check(actor):
        _check_manager(actor, campaign)
    campaign = Campaign.objects.select_for_update().get(pk=campaign.pk)
    if campaign.status != Campaign.Status.DRAFT:
        raise DomainError.one(
            _("Only a draft campaign can be opened."), field="status", code="state"
        )
    added = campaign_targets.materialise(campaign)
    campaign.status = Campaign.Status.OPEN
    campaign.opened_at = campaign.refreshed_at = timezone.now()
    campaign.save(update_fields=["status", "opened_at", "refreshed_at"])
    return added


@transaction.atomic
def campaign_refresh(*, actor: Actor, campaign: Campaign) -> RefreshResult:
    """Add targets that entered scope since, mark those that left (their answers kept)."""
    if needs_check(actor):
        _check_manager(actor, campaign)
    campaign = Campaign.objects.select_for_update().get(pk=campaign.pk)
    if campaign.status != Campaign.Status.OPEN:
        raise DomainError.one(
            _("Only an open campaign is refreshed."), field="status", code="state"
        )
    result = campaign_targets.refresh(campaign)
    campaign.refreshed_at = timezone.now()
    campaign.save(update_fields=["refreshed_at"])
    return result


@transaction.atomic
def campaign_close(*, actor: Actor, campaign: Campaign, ip: str = "") -> Campaign:
    if needs_check(actor):
        _check_manager(actor, campaign)
    campaign = Campaign.objects.select_for_update().get(pk=campaign.pk)
    if campaign.status != Campaign.Status.OPEN:
        raise DomainError.one(
            _("Only an open campaign can be closed."), field="status", code="state"
        )
    return _closed(actor=actor, campaign=campaign, ip=ip, said="closed")


def _closed(*, actor: Actor, campaign: Campaign, ip: str, said: str) -> Campaign:
    """Close the campaign (closing an open one, or cancelling a draft), audited as `said`."""
    campaign.status = Campaign.Status.CLOSED
    campaign.closed_at = timezone.now()
    campaign.save(update_fields=["status", "closed_at"])
    audit.record(
        actor,
        "update",
        "campaign",
        campaign.pk,
        label=campaign.title,
        ip=ip,
        detail={"status": said},
    )
    return campaign


PART_NAMES = {
    "title": gettext_lazy("The title"),
    "description": gettext_lazy("The campaign's description"),
    "period": gettext_lazy("The period"),
    "areas": gettext_lazy("The areas"),
    "target_kind": gettext_lazy("Who is visited"),
    "fields": gettext_lazy("The questions"),
}


def editable_parts(campaign: Campaign, answered: bool) -> set[str]:
    """What may change: everything in a draft; in an open campaign the title, description and
    period always, the areas and questions only until the first answer (answers refer to the
    questions, and to targets the areas chose); nothing once closed."""
    if campaign.status == Campaign.Status.DRAFT:
        return {"title", "description", "period", "areas", "target_kind", "fields"}
    if campaign.status == Campaign.Status.OPEN:
        return {"title", "description", "period"} | (set() if answered else {"areas", "fields"})
    return set()


def _areas_of(campaign: Campaign) -> list[str]:
    return sorted(campaign.areas.values_list("code", flat=True))


@transaction.atomic
def campaign_update(
    *,
    actor: Actor,
    campaign: Campaign,
    title: str,
    starts_on: dt.date | None,
    ends_on: dt.date | None,
    area_codes: list[str],
    fields: Any,
    target_kind: str | None = None,
    description: str = "",
    ip: str = "",
) -> Campaign:
    """Change a campaign within `editable_parts`: a change to a locked part is refused naming
    it; every other problem is reported at once as in `campaign_define`. Areas changed on an
    open campaign refresh its targets at once. Audited (the names of the changed parts)."""
    if needs_check(actor):
        _check_manager(actor, campaign)
    campaign = Campaign.objects.select_for_update().get(pk=campaign.pk)
    allowed = editable_parts(campaign, has_answers(campaign))
    if not allowed:
        raise DomainError.one(
            _("A closed campaign cannot be changed."), field="status", code="state", status=409
        )
    codes = list(dict.fromkeys(area_codes))
    target_kind = target_kind or campaign.target_kind
    areas, _kinds, cleaned = _clean_definition(
        title=title,
        starts_on=starts_on,
        ends_on=ends_on,
        area_codes=codes,
        target_kind=target_kind,
        tag_codes=[],
        residence_types=list(campaign.residence_types),
        age_min=campaign.age_min,
        age_max=campaign.age_max,
        fields=fields,
        actor=actor,
    )
    assert starts_on is not None and ends_on is not None
    changed = {
        "title": title.strip() != campaign.title,
        "description": description.strip() != campaign.description,
        "period": (starts_on, ends_on) != (campaign.starts_on, campaign.ends_on),
        "areas": sorted(a.code for a in areas) != _areas_of(campaign),
        "target_kind": target_kind != campaign.target_kind,
        "fields": cleaned != campaign.fields,
    }
    locked = [part for part, differs in changed.items() if differs and part not in allowed]
    if locked:
        raise DomainError(
            [
                Problem(
                    (
                        _("%(part)s can no longer be changed: the campaign has answers.")
                        if campaign.status == Campaign.Status.OPEN and part != "target_kind"
                        else _("%(part)s can only be changed in a draft.")
                    )
                    % {"part": str(PART_NAMES[part])},
                    field=part,
                    code="locked",
                )
                for part in locked
            ],
            status=409,
        )
    parts = [part for part, differs in changed.items() if differs]
    if not parts:
        return campaign
    campaign.title = title.strip()
    campaign.description = description.strip()
    campaign.starts_on, campaign.ends_on = starts_on, ends_on
    campaign.target_kind = target_kind
    campaign.fields = cleaned
    campaign.save()
    if changed["areas"]:
        campaign.areas.set(areas)
        if campaign.status == Campaign.Status.OPEN:
            campaign_targets.refresh(campaign)
            campaign.refreshed_at = timezone.now()
            campaign.save(update_fields=["refreshed_at"])
    audit.record(
        actor,
        "update",
        "campaign",
        campaign.pk,
        label=campaign.title,
        ip=ip,
        detail={"fields": parts},
    )
    return campaign


@transaction.atomic
def campaign_cancel(*, actor: Actor, campaign: Campaign, ip: str = "") -> Campaign:
    """Call off a draft: it is closed without ever opening (no targets, nothing collected) and
    stays in the list as cancelled."""
    if needs_check(actor):
        _check_manager(actor, campaign)
    campaign = Campaign.objects.select_for_update().get(pk=campaign.pk)
    if campaign.status != Campaign.Status.DRAFT:
        raise DomainError.one(
            _("Only a draft campaign can be cancelled; close an open one."),
            field="status",
            code="state",
            status=409,
        )
    return _closed(actor=actor, campaign=campaign, ip=ip, said="cancelled")


def refresh_open_campaigns() -> dict[int, RefreshResult]:
    """Refresh every open campaign (for a nightly task or the CLI)."""
    return {
        c.pk: campaign_refresh(actor=SYSTEM, campaign=c)
        for c in Campaign.objects.filter(status=Campaign.Status.OPEN).order_by("pk")
    }


def _check_position(lon: float | None, lat: float | None) -> None:
    """A submission's position, when given, is a real longitude/latitude."""
    for name, value, bound in (("lon", lon, 180), ("lat", lat, 90)):
        if value is not None and not -bound <= value <= bound:  # NaN fails too
            raise DomainError.one(
                _("The location is not a valid longitude/latitude."), field=name, code="invalid"
            )


def _check_writable(target: CampaignTarget) -> None:
    if target.campaign.status != Campaign.Status.OPEN:
        raise DomainError.one(_("The campaign is not open."), code="state", status=409)
    if target.left_at is not None:
        raise DomainError.one(
            _("This target has left the campaign's scope."), code="state", status=409
        )


def _store(target: CampaignTarget, image: forms.PendingImage, by: Any) -> CampaignFile:
    row = CampaignFile(
        target=target,
        field=image.field,
        kind=image.kind,
        width=image.width,
        height=image.height,
        uploaded_by=by if getattr(by, "pk", None) else None,
    )
    stem = f"c{target.campaign_id}-t{target.pk}-{image.field}-{uuid.uuid4().hex[:12]}"
    row.file.save(f"{stem}.{image.extension}", ContentFile(image.content), save=False)
    row.save()
    return row


def target_answer(
    *,
    actor: Actor,
    target: CampaignTarget,
    answers: dict[str, Any],
    lon: float | None = None,
    lat: float | None = None,
) -> CampaignTarget:
    """Answer the form for one target (again, if need be: the latest answer stands and each
    submission is kept). `answers` maps field names to values; photos and signatures may be
    given as content (see `forms.clean_answers`). Refusals name the field."""
    target = target_get(actor, target.pk) if needs_check(actor) else target
    _check_writable(target)
    _check_position(lon, lat)
    fields = target.campaign.fields
    # Checked before anything is written; images decoded here, stored below.
    cleaned, pending = forms.clean_answers(
        fields, answers, existing_file_ids=set(target.files.values_list("pk", flat=True))
    )
    with transaction.atomic():
        locked = (
            CampaignTarget.objects.select_for_update(of=("self",))
            .select_related("campaign")
            .get(pk=target.pk)
        )
        _check_writable(locked)  # a close or refresh may have committed since the read
        for image in pending:
            cleaned[image.field] = _store(locked, image, actor).pk
        now = timezone.now()
        locked.status = CampaignTarget.Status.DONE
        locked.answers = {f["name"]: cleaned[f["name"]] for f in fields if f["name"] in cleaned}
        locked.reason = ""
        locked.done_by = author(actor)
        locked.done_at = now
        locked.save(update_fields=["status", "answers", "reason", "done_by", "done_at"])
        changes.campaign_target(locked)
        CampaignSubmission.objects.create(
            target=locked,
            status=locked.status,
            answers=locked.answers,
            by=locked.done_by,
            at=now,
            lon=lon,
            lat=lat,
        )
    return target_get(actor, target.pk) if needs_check(actor) else locked


@transaction.atomic
def target_unreachable(
    *,
    actor: Actor,
    target: CampaignTarget,
    reason: str,
    lon: float | None = None,
    lat: float | None = None,
) -> CampaignTarget:
    """Mark a target not reachable (nobody home, refused, house empty …) with a reason."""
    target = target_get(actor, target.pk) if needs_check(actor) else target
    _check_writable(target)
    _check_position(lon, lat)
    reason = reason.strip()
    if not reason:
        raise DomainError.one(_("Give the reason."), field="reason", code="required")
    if len(reason) > MAX_REASON:
        raise DomainError.one(_("At most %(n)d characters.") % {"n": MAX_REASON}, field="reason")
    locked = (
        CampaignTarget.objects.select_for_update(of=("self",))
        .select_related("campaign")
        .get(pk=target.pk)
    )
    _check_writable(locked)  # a close or refresh may have committed since the read
    now = timezone.now()
    if locked.status == CampaignTarget.Status.DONE:
        raise DomainError.one(
            _("This target is already done."), field="status", code="state", status=409
        )
    locked.status = CampaignTarget.Status.UNREACHABLE
    locked.reason = reason
    locked.done_by = author(actor)
    locked.done_at = now
    locked.save(update_fields=["status", "reason", "done_by", "done_at"])
    changes.campaign_target(locked)
    CampaignSubmission.objects.create(
        target=locked,
        status=locked.status,
        reason=reason,
        by=locked.done_by,
        at=now,
        lon=lon,
        lat=lat,
    )
    return locked


def target_file_add(
    *, actor: Actor, target: CampaignTarget, field_name: str, content: bytes | str | IO[bytes]
) -> CampaignFile:
    """Store a photo or signature for one field ahead of the answer (API uploads); the answer
    then refers to it by id."""
    target = target_get(actor, target.pk)
    _check_writable(target)
    field = next((f for f in target.campaign.fields if f["name"] == field_name), None)
    if field is None or field["type"] not in forms.FILE_TYPES:
        raise DomainError.one(
            _("%(name)s is not a photo or signature field.") % {"name": field_name},
            field="field",
        )
    _answers, pending = forms.clean_answers(
        [{**field, "required": True}], {field_name: content}, existing_file_ids=set()
    )
    with transaction.atomic():
        return _store(target, pending[0], actor)
