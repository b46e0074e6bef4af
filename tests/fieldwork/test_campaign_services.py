"""Campaigns through the services: definition, targets by filter, answers, coverage, refresh."""

import datetime as dt

import pytest
from django.core.files.storage import default_storage
from django.utils import timezone
from PIL import Image

from tests.fieldwork import campaign_world as helpers
from tests.fieldwork.campaign_world import (
    FORM,
    World,
    data_url,
    define,
    jpeg_photo,
    opened,
    signature_png,
)
from tests.people.factories import household_at
from wangge import form_fields as forms
from wangge.accounts.actors import SYSTEM
from wangge.errors import DomainError
from wangge.fieldwork.campaigns import coverage as campaign_coverage
from wangge.fieldwork.campaigns import selectors as campaign_selectors
from wangge.fieldwork.campaigns import services as campaigns
from wangge.fieldwork.models import Campaign, CampaignFile, CampaignSubmission, CampaignTarget
from wangge.people.residents import services as people

# The shared fixtures, by assignment (pytest finds them in the module).
world = helpers.world
_campaign_env = helpers._campaign_env


def _problems(exc: pytest.ExceptionInfo[DomainError]) -> dict[str, str]:
    return {p.field: p.message for p in exc.value.problems}


# ---- definition -----------------------------------------------------------------------------


def test_form_definition_errors_name_the_field() -> None:
    bad = [
        {"name": "ok", "label": "好", "type": "text"},
        {"name": "ok", "label": "重名", "type": "text"},
        {"name": "2bad", "label": "坏名", "type": "text"},
        {"name": "kind", "label": "类型", "type": "choice"},
        {"name": "colour", "label": "颜色", "type": "rainbow"},
        {"name": "n", "label": "数量", "type": "number", "min": 5, "max": 1},
        {"name": "c", "label": "选项", "type": "choice", "choices": ["甲", "甲"]},
        {"name": "t", "label": "文本", "type": "text", "choices": ["x"]},
        {"name": "r", "label": "必填", "type": "text", "required": "yes"},
    ]
    with pytest.raises(DomainError) as exc:
        forms.clean_fields(bad)
    problems = _problems(exc)
    assert "重名" in problems["fields[1].name"] and "twice" in problems["fields[1].name"]
    assert "坏名" in problems["fields[2].name"]
    assert "类型" in problems["fields[3].choices"]
    assert "rainbow" in problems["fields[4].type"]
    assert "max is below min" in problems["fields[5].max"]
    assert "listed twice" in problems["fields[6].choices"]
    assert "only choice fields" in problems["fields[7].choices"]
    assert "true or false" in problems["fields[8].required"]
    assert "fields[0].name" not in problems
    with pytest.raises(DomainError):
        forms.clean_fields([])


def test_definition_checks_everything_at_once(world: World) -> None:
    with pytest.raises(DomainError) as exc:
        define(
            world,
            title=" ",
            ends_on=timezone.localdate() - dt.timedelta(days=1),
            area_codes=["999"],
            tag_codes=["nope"],
            residence_types=["alien"],
            age_min=70,
            age_max=60,
            fields=[{"name": "x", "label": "X", "type": "nope"}],
        )
    fields = set(_problems(exc))
    assert {
        "title",
        "ends_on",
        "areas",
        "tags",
        "residence_types",
        "age_max",
        "fields[0].type",
    } <= fields


def test_only_managers_define(world: World) -> None:
    with pytest.raises(DomainError) as exc:
        campaigns.campaign_define(
            actor=world.people.worker_a,
            title="x",
            starts_on=timezone.localdate(),
            ends_on=timezone.localdate(),
            area_codes=["330103"],
            fields=FORM,
        )
    assert exc.value.status == 403


# ---- targets --------------------------------------------------------------------------------


def _household_ids(campaign: Campaign) -> set[int]:
    return set(
        CampaignTarget.objects.filter(campaign=campaign, left_at__isnull=True).values_list(
            "household_id", flat=True
        )
    )


def test_every_household_once_with_its_micro_grid(world: World) -> None:
    p = world.people
    campaign = opened(world)
    rows = {t.household_id: t for t in CampaignTarget.objects.filter(campaign=campaign)}
    assert set(rows) == {p.household_a.pk, p.household_b.pk, world.household_a2.pk}
    assert rows[p.household_a.pk].area_id == p.micro_a.pk
    assert rows[p.household_a.pk].address == p.household_a.address
    assert all(t.status == "pending" and t.resident_id is None for t in rows.values())
    # Materialising again adds nothing.
    from wangge.fieldwork.campaigns import targets as campaign_targets

    assert campaign_targets.materialise(campaign) == 0


def test_targets_by_tag_residence_type_and_age(world: World) -> None:
    p = world.people
    by_tag = opened(world, tag_codes=["living_alone"])
    assert _household_ids(by_tag) == {p.household_a.pk}
    floating = opened(world, residence_types=["floating", "temporary"])
    assert _household_ids(floating) == {world.household_a2.pk}
    young = opened(world, age_min=18, age_max=35)
    assert _household_ids(young) == {world.household_a2.pk}
    # Age bounds are inclusive: 40 is within 40..40.
    assert _household_ids(opened(world, age_min=40, age_max=40)) == {p.household_b.pk}
    old = opened(world, age_min=60)
    assert _household_ids(old) == {p.household_a.pk}
    # Residents as targets: one row per person, with their household's place.
    people_campaign = opened(world, target_kind="resident", residence_types=["floating"])
    rows = list(CampaignTarget.objects.filter(campaign=people_campaign))
    assert [(t.resident_id, t.household_id) for t in rows] == [
        (world.floating.pk, world.household_a2.pk)
    ]
    # Filters combine: a floating person who is 80 does not exist.
    assert _household_ids(opened(world, residence_types=["floating"], age_min=60)) == set()


def test_scope_limits_targets(world: World) -> None:
    p = world.people
    campaign = opened(world, area_codes=[p.micro_a.code])
    assert _household_ids(campaign) == {p.household_a.pk, world.household_a2.pk}


# ---- answers --------------------------------------------------------------------------------


def _target(campaign: Campaign, household) -> CampaignTarget:
    return CampaignTarget.objects.get(campaign=campaign, household=household)


def test_answer_validation_per_field_type(world: World) -> None:
    p = world.people
    campaign = opened(world)
    target = _target(campaign, p.household_a)
    bad = {
        "count": "many",
        "kind": "外星",
        "needs": ["就业", "飞行"],
        "since": "2026-02-30",
        "rented": "maybe",
        "note": {"x": 1},
        "photo": b"not an image",
        "sign": data_url(signature_png(ink=False)),
        "extra": 1,
    }
    with pytest.raises(DomainError) as exc:
        campaigns.target_answer(actor=p.worker_a, target=target, answers=bad)
    problems = _problems(exc)
    assert exc.value.status == 422
    assert "在住人数" in problems["count"] and "not a number" in problems["count"]
    assert "外星" in problems["kind"]
    assert "飞行" in problems["needs"]
    assert "not a date" in problems["since"]
    assert "yes or no" in problems["rented"]
    assert "expected text" in problems["note"]
    assert "not an image" in problems["photo"]
    assert "empty" in problems["sign"]
    assert "Unknown field" in problems["extra"]
    with pytest.raises(DomainError) as exc:
        campaigns.target_answer(actor=p.worker_a, target=target, answers={"count": -1})
    assert "at least 0" in _problems(exc)["count"]
    with pytest.raises(DomainError) as exc:
        campaigns.target_answer(actor=p.worker_a, target=target, answers={"note": "x"})
    assert "required" in _problems(exc)["count"]
    target.refresh_from_db()
    assert target.status == "pending" and not CampaignFile.objects.exists()


def test_answer_stores_photo_and_signature_and_keeps_history(world: World) -> None:
    p = world.people
    campaign = opened(world)
    target = _target(campaign, p.household_a)
    campaigns.target_answer(
        actor=p.worker_a,
        target=target,
        answers={
            "count": "3",
            "kind": "流动",
            "needs": ["就学", "就业", "就学"],
            "since": "2025-03-01",
            "rented": "是",
            "note": " 租户 ",
            "photo": jpeg_photo(),
            "sign": data_url(signature_png()),
        },
        lon=120.1,
        lat=30.2,
    )
    target.refresh_from_db()
    assert target.status == "done" and target.done_by == p.worker_a
    a = target.answers
    assert (a["count"], a["kind"], a["needs"], a["since"], a["rented"], a["note"]) == (
        3,
        "流动",
        ["就业", "就学"],
        "2025-03-01",
        True,
        "租户",
    )
    sign = CampaignFile.objects.get(pk=a["sign"])
    assert sign.kind == "signature" and sign.file.name.endswith(".png")
    with default_storage.open(sign.file.name) as fh, Image.open(fh) as img:
        assert img.format == "PNG" and img.size == (300, 120)
    photo = CampaignFile.objects.get(pk=a["photo"])
    assert photo.kind == "photo" and photo.file.name.endswith(".jpg")
    # Re-submitting updates the answer (files kept by id), the history keeps both.
    campaigns.target_answer(
        actor=p.worker_b if False else p.liaison_a,
        target=target,
        answers={"count": 4, "photo": a["photo"], "sign": a["sign"]},
    )
    target.refresh_from_db()
    assert target.answers == {"count": 4, "photo": a["photo"], "sign": a["sign"]}
    assert target.done_by == p.liaison_a
    history = list(CampaignSubmission.objects.filter(target=target).order_by("at", "id"))
    assert [(s.by_id, s.answers["count"]) for s in history] == [
        (p.worker_a.pk, 3),
        (p.liaison_a.pk, 4),
    ]
    assert history[0].lon == 120.1


def test_signature_must_be_a_real_png(world: World) -> None:
    for value, reason in (
        ("data:image/png;base64,AAAA", "not an image"),
        ("hello", "PNG"),
        (data_url(signature_png(size=(10, 10))), "size"),
    ):
        with pytest.raises(ValueError, match=reason):
            forms.clean_signature(value)
    assert forms.clean_signature(data_url(signature_png())).kind == "signature"


def test_unreachable_needs_reason_and_answer_wins_later(world: World) -> None:
    p = world.people
    campaign = opened(world)
    target = _target(campaign, p.household_a)
    with pytest.raises(DomainError) as exc:
        campaigns.target_unreachable(actor=p.worker_a, target=target, reason=" ")
    assert _problems(exc) == {"reason": "Give the reason."}
    campaigns.target_unreachable(actor=p.worker_a, target=target, reason="多次上门无人")
    target.refresh_from_db()
    assert (target.status, target.reason) == ("unreachable", "多次上门无人")
    campaigns.target_answer(actor=p.worker_a, target=target, answers={"count": 1})
    target.refresh_from_db()
    assert (target.status, target.reason) == ("done", "")


def test_closed_campaign_refuses_answers(world: World) -> None:
    p = world.people
    campaign = opened(world)
    campaigns.campaign_close(actor=p.admin, campaign=campaign)
    with pytest.raises(DomainError) as exc:
        campaigns.target_answer(
            actor=p.worker_a, target=_target(campaign, p.household_a), answers={"count": 1}
        )
    assert exc.value.status == 409


# ---- coverage, missing, refresh -------------------------------------------------------------


def test_coverage_with_unreachable_and_missing_list(world: World) -> None:
    p = world.people
    campaign = opened(world)
    campaigns.target_answer(
        actor=p.worker_a, target=_target(campaign, p.household_a), answers={"count": 2}
    )
    campaigns.target_unreachable(
        actor=p.worker_b, target=_target(campaign, p.household_b), reason="拒绝配合"
    )
    cov = campaign_coverage.coverage(campaign)
    assert cov.total.as_dict() == {
        "total": 3,
        "done": 1,
        "unreachable": 1,
        "pending": 1,
        "rate": round(1 / 3, 4),
    }
    grid_a = p.areas[p.micro_a.code[:15]]
    grid_b = p.areas[p.micro_b.code[:15]]
    assert (cov.of(grid_a).done, cov.of(grid_a).total) == (1, 2)
    assert (cov.of(grid_b).unreachable, cov.of(grid_b).total) == (1, 1)
    street_a = p.areas[p.micro_a.code[:9]]
    assert cov.of(street_a).total == 2
    grids = dict(campaign_coverage.at_level(4, p.admin, cov))
    assert grids[grid_a].pending == 1 and grids[grid_b].pending == 0
    # Worker A's view covers grid A only.
    mine = campaign_coverage.coverage(campaign, p.worker_a)
    assert mine.total.total == 2 and grid_b.path not in mine.by_path
    missing = list(campaign_selectors.missing(p.admin, campaign))
    assert [(t.household_id, t.address) for t in missing] == [
        (world.household_a2.pk, world.household_a2.address)
    ]
    assert list(campaign_selectors.missing(p.worker_b, campaign)) == []


def test_refresh_adds_household_that_moved_in_and_marks_the_one_that_left(world: World) -> None:
    p = world.people
    campaign = opened(world, residence_types=["floating"])
    assert _household_ids(campaign) == {world.household_a2.pk}
    # A floating resident moves into a new household in grid B.
    newcomer_home = household_at(p.micro_b, "HB2")
    people.resident_move(actor=SYSTEM, resident=world.floating, household=newcomer_home)
    result = campaigns.campaign_refresh(actor=p.admin, campaign=campaign)
    assert (result.added, result.left, result.returned) == (1, 1, 0)
    assert _household_ids(campaign) == {newcomer_home.pk}
    left = CampaignTarget.objects.get(campaign=campaign, household=world.household_a2)
    assert left.left_at is not None  # kept, not deleted
    assert campaign_coverage.coverage(campaign).total.total == 1
    # Refresh is idempotent.
    again = campaigns.campaign_refresh(actor=p.admin, campaign=campaign)
    assert (again.added, again.left, again.returned) == (0, 0, 0)


def test_refresh_follows_a_resident_target_who_moves(world: World) -> None:
    p = world.people
    campaign = opened(world, target_kind="resident", residence_types=["floating"])
    target = CampaignTarget.objects.get(campaign=campaign)
    new_home = household_at(p.micro_b, "HB3")
    people.resident_move(actor=SYSTEM, resident=world.floating, household=new_home)
    result = campaigns.campaign_refresh(actor=p.admin, campaign=campaign)
    target.refresh_from_db()
    assert result.moved >= 1 and result.added == 0 and result.left == 0
    assert (target.household_id, target.area_id) == (new_home.pk, p.micro_b.pk)
    assert target.address == new_home.address


def test_todo_lists_open_targets_of_my_grid(world: World) -> None:
    p = world.people
    campaign = opened(world)
    today = timezone.localdate()
    items = campaign_selectors.todo(p.worker_a, today)
    assert {i.pk for i in items} == set(
        CampaignTarget.objects.filter(campaign=campaign, area=p.micro_a).values_list(
            "pk", flat=True
        )
    )
    assert all(i.kind == "campaign" and i.url.endswith(f"/{i.pk}/") for i in items)
    assert items[0].lon is not None
    campaigns.target_answer(
        actor=p.worker_a, target=_target(campaign, p.household_a), answers={"count": 1}
    )
    assert len(campaign_selectors.todo(p.worker_a, today)) == 1
    assert campaign_selectors.todo(p.worker_a, campaign.ends_on + dt.timedelta(days=1)) == []
    assert campaign_selectors.todo(p.admin, today) == []  # no grid post


def test_world_has_two_grids(world: World) -> None:
    assert world.people.household_a.area_id == world.household_a2.area_id
    assert world.people.household_b.area_id != world.people.household_a.area_id
