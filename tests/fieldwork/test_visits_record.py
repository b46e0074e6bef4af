"""Recording a visit: checklist validation, check-in distance, photos, findings → events."""

import datetime as dt
import io

import pytest
from PIL import Image

from tests.fieldwork.visits_factories import full_answers, household, make_world, member
from wangge.errors import DomainError
from wangge.events.models import Event
from wangge.fieldwork.models import VisitTask
from wangge.fieldwork.visits import rules as visit_rules
from wangge.fieldwork.visits import schedule
from wangge.fieldwork.visits import services as visits

pytestmark = pytest.mark.django_db
ON = dt.date(2026, 11, 10)


def one_task(area):
    hh = household(area)
    member(hh)
    schedule.generate(on=ON)
    return VisitTask.objects.get(household=hh)


def jpeg() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (40, 30), "red").save(out, "JPEG")
    return out.getvalue()


def test_record_done_near_and_far():
    w = make_world()
    task = one_task(w.micro_a1)
    hh = task.household
    record = visits.visit_record(
        actor=w.liaison_a1, task=task, answers=full_answers(), lon=hh.lon, lat=hh.lat + 0.0005
    )
    assert 50 < record.distance_m < 60 and not record.far
    task.refresh_from_db()
    assert task.status == "done" and task.done_at is not None
    far = visits.visit_record(  # about 1.1 km north: kept, flagged (a correction: task done)
        actor=w.liaison_a1,
        task=task,
        answers=full_answers(),
        lon=hh.lon,
        lat=hh.lat + 0.01,
        correction=True,
    )
    assert far.far and far.distance_m > 1000


def test_far_threshold_is_a_setting(settings):
    settings.WANGGE_VISIT_FAR_METRES = 30
    w = make_world()
    task = one_task(w.micro_a1)
    hh = task.household
    r = visits.visit_record(
        actor=w.liaison_a1, task=task, answers=full_answers(), lon=hh.lon, lat=hh.lat + 0.0005
    )
    assert r.far


def test_checklist_errors_name_the_item():
    w = make_world()
    task = one_task(w.micro_a1)
    with pytest.raises(DomainError) as err:
        visits.visit_record(
            actor=w.liaison_a1,
            task=task,
            answers=full_answers(family="", groups=["火星人"], facilities="maybe", extra=1),
        )
    problems = {p.field: p.message for p in err.value.problems}
    assert set(problems) == {
        "answers.family", "answers.groups", "answers.facilities", "answers.extra"
    }  # fmt: skip
    assert "家庭情况" in problems["answers.family"]
    assert "人员类别" in problems["answers.groups"]
    assert err.value.status == 422
    task.refresh_from_db()
    assert task.status == "open" and not task.records.exists()


def test_answers_are_normalised():
    w = make_world()
    task = one_task(w.micro_a1)
    r = visits.visit_record(
        actor=w.liaison_a1,
        task=task,
        answers=full_answers(facilities="是", hazards="no", groups="独居老人"),
    )
    assert r.answers["facilities"] is True and r.answers["hazards"] is False
    assert r.answers["groups"] == ["独居老人"]


def test_checklist_definition_validated():
    with pytest.raises(DomainError) as err:
        visit_rules.clean_checklist(
            [
                {"name": "ok", "type": "text"},
                {"name": "ok", "type": "text"},
                {"name": "Bad Name", "type": "text"},
                {"name": "pick", "type": "choice"},
                {"name": "what", "type": "colour"},
            ]
        )
    fields = [p.field for p in err.value.problems]
    assert fields == [
        "checklist[1].name", "checklist[2].name", "checklist[3].choices", "checklist[4].type"
    ]  # fmt: skip


def test_checklist_takes_no_photo_or_signature_fields():
    with pytest.raises(DomainError) as err:
        visit_rules.clean_checklist(
            [
                {"name": "door", "label": "门牌", "type": "photo"},
                {"name": "ok", "label": "户主签名", "type": "signature"},
            ]
        )
    problems = {p.field: p.message for p in err.value.problems}
    assert set(problems) == {"checklist[0].type", "checklist[1].type"}
    assert "门牌" in problems["checklist[0].type"] and "photo" in problems["checklist[0].type"]
    assert "signature" in problems["checklist[1].type"]


def test_default_checklist_uses_the_form_types():
    from wangge.fieldwork.models import VisitRule

    rule = VisitRule.objects.get(code="living_alone")
    assert visit_rules.clean_checklist(rule.checklist) == rule.checklist
    assert {i["type"] for i in rule.checklist} == {"text", "multi_choice", "yes_no"}


def test_other_grid_worker_may_not_record():
    w = make_world()
    task = one_task(w.micro_a1)
    with pytest.raises(DomainError) as err:
        visits.visit_record(actor=w.worker_b, task=task, answers=full_answers())
    assert err.value.status == 403


def test_retry_with_client_key_returns_first_record():
    w = make_world()
    task = one_task(w.micro_a1)
    a = visits.visit_record(actor=w.liaison_a1, task=task, answers=full_answers(), client_key="k1")
    b = visits.visit_record(actor=w.liaison_a1, task=task, answers=full_answers(), client_key="k1")
    assert a.pk == b.pk and task.records.count() == 1


def test_finding_becomes_an_event_linked_to_the_visit():
    w = make_world()
    task = one_task(w.micro_a1)
    record = visits.visit_record(
        actor=w.worker_a,
        task=task,
        answers=full_answers(hazards=True),
        photo_files=[jpeg()],
        finding=visits.FindingIn(title="楼道堆放杂物", category="0901", description="消防通道堵塞"),
    )
    event = record.findings.get()
    assert event.category.code == "0901" and event.area == task.household.area
    assert event.reporter == w.worker_a and event.status == "reported"
    assert record.photos.count() == 1
    # A bad category refuses the whole visit: nothing half-saved.
    task2 = one_task(w.micro_a1)
    with pytest.raises(DomainError) as err:
        visits.visit_record(
            actor=w.worker_a, task=task2, answers=full_answers(),
            finding=visits.FindingIn(title="x", category="nope"),
        )  # fmt: skip
    assert err.value.problems[0].field == "finding.category"
    assert Event.objects.count() == 1 and not task2.records.exists()
