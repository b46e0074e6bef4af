"""Patrols and inspections through the services: lifecycle, track, tasks, findings, scope."""

import datetime as dt

import pytest
from django.utils import timezone

from tests.fieldwork.patrol_world import make_patrol_world
from tests.people.factories import centre
from wangge.accounts.models import Post
from wangge.errors import DomainError
from wangge.events.models import Category
from wangge.fieldwork.models import Finding, Inspection, PatrolPoint
from wangge.fieldwork.patrols import rounds
from wangge.fieldwork.patrols import selectors as patrol_selectors
from wangge.fieldwork.patrols import services as patrols
from wangge.people.models import HazardPoint

pytestmark = pytest.mark.django_db

METRES_PER_MILLIDEGREE_LAT = 110.85  # WGS-84 meridian arc of 0.001° at 30.2° N


def _track(start: dt.datetime, lon: float, lat: float, n: int, step_s: int = 30) -> list[dict]:
    """n fixes walking north, 0.001° of latitude every `step_s` seconds."""
    return [
        {"at": start + dt.timedelta(seconds=step_s * i), "lon": lon, "lat": lat + 0.001 * i}
        for i in range(n)
    ]


def test_patrol_lifecycle():
    w = make_patrol_world()
    p = patrols.patrol_start(actor=w.worker_a)
    assert p.area.code == "330103001001001" and p.is_open
    with pytest.raises(DomainError) as twice:
        patrols.patrol_start(actor=w.worker_a)
    assert twice.value.status == 409 and twice.value.problems[0].code == "already_open"
    lon, lat = centre(w.people.micro_a)
    patrols.patrol_add_points(actor=w.worker_a, patrol=p, points=_track(p.started_at, lon, lat, 2))
    ended = patrols.patrol_end(actor=w.worker_a, patrol=p, note="一切正常")
    assert ended.ended_at is not None and ended.note == "一切正常"
    with pytest.raises(DomainError) as late:
        patrols.patrol_add_points(
            actor=w.worker_a,
            patrol=p,
            points=_track(timezone.now() - dt.timedelta(seconds=5), lon, lat, 1),
        )
    assert late.value.problems[0].code == "ended"
    assert PatrolPoint.objects.filter(patrol=p).count() == 2
    with pytest.raises(DomainError):
        patrols.patrol_end(actor=w.worker_a, patrol=p)
    # Once ended, a new round may start.
    assert patrols.patrol_start(actor=w.worker_a).pk != p.pk


def test_only_grid_workers_patrol_and_only_their_own_round():
    w = make_patrol_world()
    with pytest.raises(DomainError) as refused:
        patrols.patrol_start(actor=w.people.auditor)
    assert refused.value.status == 403
    p = patrols.patrol_start(actor=w.worker_a)
    lon, lat = centre(w.people.micro_a)
    with pytest.raises(DomainError) as other:
        patrols.patrol_add_points(
            actor=w.worker_b, patrol=p, points=_track(p.started_at, lon, lat, 1)
        )
    assert other.value.status == 403


def test_distance_of_a_known_track_and_resending_adds_nothing():
    w = make_patrol_world()
    p = patrols.patrol_start(actor=w.worker_a)
    lon, lat = centre(w.people.micro_a)
    lat -= 0.002
    track = _track(p.started_at, lon, lat, 5)  # 4 hops of 0.001° north
    # Sent in two batches, out of order (the later batch first, as an offline queue may).
    later = patrols.patrol_add_points(actor=w.worker_a, patrol=p, points=track[2:])
    assert later.added == 3
    done = patrols.patrol_add_points(actor=w.worker_a, patrol=p, points=track[:3])
    assert done.added == 2 and done.duplicates == 1 and done.point_count == 5
    expected = 4 * METRES_PER_MILLIDEGREE_LAT
    assert done.distance_m == pytest.approx(expected, rel=0.005)
    again = patrols.patrol_add_points(actor=w.worker_a, patrol=p, points=track)
    assert again.added == 0 and again.distance_m == done.distance_m


def test_gps_jumps_and_vague_fixes_do_not_count():
    w = make_patrol_world()
    p = patrols.patrol_start(actor=w.worker_a)
    lon, lat = centre(w.people.micro_a)
    t0 = p.started_at
    points = [
        {"at": t0, "lon": lon, "lat": lat - 0.002},
        # 3 km in 10 s: a jump
        {"at": t0 + dt.timedelta(seconds=10), "lon": lon + 0.03, "lat": lat - 0.002},
        {"at": t0 + dt.timedelta(seconds=60), "lon": lon, "lat": lat - 0.001},
        {"at": t0 + dt.timedelta(seconds=90), "lon": lon, "lat": lat, "accuracy_m": 500},
    ]
    added = patrols.patrol_add_points(actor=w.worker_a, patrol=p, points=points)
    assert added.point_count == 4
    assert added.distance_m == pytest.approx(METRES_PER_MILLIDEGREE_LAT, rel=0.005)


@pytest.mark.parametrize(
    ("point", "code", "message"),
    [
        ({"lon": 120.1, "lat": 95.0}, "invalid", "Longitude or latitude out of range."),
        ({"lon": 100.0, "lat": 30.0}, "outside", "This point is outside the jurisdiction."),
        ({"lon": float("nan"), "lat": 30.2}, "invalid", "Longitude or latitude out of range."),
    ],
)
def test_invalid_points_refuse_the_batch_with_a_clear_message(point, code, message, settings):
    settings.LANGUAGE_CODE = "en"
    w = make_patrol_world()
    p = patrols.patrol_start(actor=w.worker_a)
    lon, lat = centre(w.people.micro_a)
    batch = [
        {"at": p.started_at, "lon": lon, "lat": lat},
        {"at": p.started_at + dt.timedelta(seconds=30), **point},
    ]
    from django.utils import translation

    with translation.override("en"), pytest.raises(DomainError) as refused:
        patrols.patrol_add_points(actor=w.worker_a, patrol=p, points=batch)
    problem = refused.value.problems[0]
    assert refused.value.status == 422
    assert (problem.code, problem.message, problem.item) == (code, message, "point 2")
    assert not PatrolPoint.objects.filter(patrol=p).exists()  # all or nothing
    skipped = patrols.patrol_add_points(actor=w.worker_a, patrol=p, points=batch, skip_invalid=True)
    assert skipped.added == 1 and len(skipped.rejected) == 1


def test_points_outside_the_patrol_time_are_refused():
    w = make_patrol_world()
    p = patrols.patrol_start(actor=w.worker_a)
    lon, lat = centre(w.people.micro_a)
    for at in (p.started_at - dt.timedelta(hours=1), timezone.now() + dt.timedelta(hours=1)):
        with pytest.raises(DomainError) as refused:
            patrols.patrol_add_points(
                actor=w.worker_a, patrol=p, points=[{"at": at, "lon": lon, "lat": lat}]
            )
        assert refused.value.problems[0].code == "time"


def test_gcj02_points_are_stored_as_wgs84():
    from wangge.regions import coords

    w = make_patrol_world()
    p = patrols.patrol_start(actor=w.worker_a)
    lon, lat = centre(w.people.micro_a)
    glon, glat = coords.wgs84_to_gcj02(lon, lat)
    patrols.patrol_add_points(
        actor=w.worker_a,
        patrol=p,
        points=[{"at": p.started_at, "lon": glon, "lat": glat}],
        crs="gcj02",
    )
    stored = PatrolPoint.objects.get(patrol=p)
    assert stored.lon == pytest.approx(lon, abs=1e-7) and stored.lat == pytest.approx(lat, abs=1e-7)


def test_due_dates_of_cycles():
    today = dt.date(2024, 3, 1)
    assert rounds.due_on(None, 7, today) == today  # never checked: due now
    assert rounds.due_on(dt.date(2024, 2, 22), 7, today) == dt.date(2024, 2, 29)  # leap
    assert rounds.due_on(dt.date(2023, 2, 22), 7, today) == dt.date(2023, 3, 1)
    assert rounds.due_on(dt.date(2024, 1, 31), 30, today) == dt.date(2024, 3, 1)
    assert rounds.due_on(dt.date(2024, 1, 1), 0, today) is None  # no cycle, no task


def _todo_names(user, day=None):
    return [t.title for t in rounds.todo(user, day or timezone.localdate())]


def test_inspection_tasks_fall_to_the_grid_worker_and_inspection_clears_them():
    w = make_patrol_world()
    today = timezone.localdate()
    names = _todo_names(w.worker_a)
    assert any("河道A" in n for n in names)
    assert not any("井盖A" in n for n in names)  # inspected 10 days ago, cycle 30
    assert not any("河道B" in n or "井盖B" in n for n in names)  # another grid's
    assert any("河道B" in n for n in _todo_names(w.worker_b))
    # The micro-grid's liaison does not get it while the grid has a worker.
    assert _todo_names(w.people.liaison_a) == []
    inspection = patrols.inspection_record(actor=w.worker_a, target=w.hazard_a, result="ok")
    assert inspection.area == w.people.micro_a
    w.hazard_a.refresh_from_db()
    assert w.hazard_a.last_checked_on == today
    assert not any("河道A" in n for n in _todo_names(w.worker_a))
    # Due again one cycle later, overdue the day after.
    later = rounds.tasks_for(w.worker_a, today + dt.timedelta(days=8))
    hazard = next(t for t in later if t.target.pk == w.hazard_a.pk)
    assert hazard.due_on == today + dt.timedelta(days=7)
    assert hazard.overdue(today + dt.timedelta(days=8))
    # The facility comes due after its cycle.
    later_names = [str(t.target) for t in later]
    assert "井盖A" not in later_names
    assert "井盖A" in [
        str(t.target) for t in rounds.tasks_for(w.worker_a, today + dt.timedelta(days=20))
    ]


def test_tasks_follow_the_posts():
    w = make_patrol_world()
    Post.objects.filter(user=w.worker_a).update(ended_on=timezone.localdate())
    assert _todo_names(w.worker_a) == []
    # Without a worker in the grid, the micro-grid's liaison is responsible.
    assert any("河道A" in n for n in _todo_names(w.people.liaison_a))


def test_resolved_points_and_out_of_service_facilities_have_no_task():
    w = make_patrol_world()
    HazardPoint.objects.filter(pk=w.hazard_a.pk).update(resolved_on=timezone.localdate())
    assert not any("河道A" in n for n in _todo_names(w.worker_a))


def test_inspection_rules():
    w = make_patrol_world()
    with pytest.raises(DomainError) as no_note:
        patrols.inspection_record(actor=w.worker_a, target=w.hazard_a, result="problem")
    assert no_note.value.problems[0].field == "note"
    with pytest.raises(DomainError) as future:
        patrols.inspection_record(
            actor=w.worker_a,
            target=w.hazard_a,
            result="ok",
            on=timezone.localdate() + dt.timedelta(days=1),
        )
    assert future.value.problems[0].field == "on"
    with pytest.raises(DomainError) as other_grid:
        patrols.inspection_record(actor=w.worker_b, target=w.hazard_a, result="ok")
    assert other_grid.value.status == 403
    # A late entry for an earlier day does not move the date back.
    patrols.inspection_record(actor=w.worker_a, target=w.facility_a, result="ok")
    patrols.inspection_record(
        actor=w.worker_a,
        target=w.facility_a,
        result="ok",
        on=timezone.localdate() - dt.timedelta(days=3),
    )
    w.facility_a.refresh_from_db()
    assert w.facility_a.last_inspected_on == timezone.localdate()


def test_a_problem_becomes_an_event_linked_to_the_inspection_and_patrol():
    w = make_patrol_world()
    p = patrols.patrol_start(actor=w.worker_a)
    lon, lat = centre(w.people.micro_a)
    inspection, event = patrols.inspection_with_finding(
        actor=w.worker_a,
        target=w.hazard_a,
        result="problem",
        note="护栏破损",
        lon=lon,
        lat=lat,
        patrol=p,
        category=Category.objects.get(code="0102"),
    )
    assert event is not None and event.status == "reported"
    assert event.area == w.people.micro_a and event.reporter == w.worker_a
    assert event.title.startswith("河道A")
    finding = Finding.objects.get(event=event)
    assert finding.inspection == inspection and finding.patrol == p
    assert inspection.patrol == p and inspection.distance_m == pytest.approx(0, abs=1)
    with pytest.raises(DomainError):
        patrols.inspection_with_finding(
            actor=w.worker_a,
            target=w.hazard_a,
            result="ok",
            category=Category.objects.get(code="0102"),
        )
    assert Inspection.objects.count() == 1  # the refused one left nothing


def test_scope_other_grid_sees_nothing():
    w = make_patrol_world()
    p = patrols.patrol_start(actor=w.worker_a)
    for call in (
        lambda: patrol_selectors.patrol_get(w.worker_b, p.pk),
        lambda: patrol_selectors.target_get(w.worker_b, "hazard", w.hazard_a.pk),
        lambda: patrol_selectors.target_get(w.worker_b, "facility", w.facility_a.pk),
    ):
        with pytest.raises(DomainError) as hidden:
            call()
        assert hidden.value.status == 404
    assert patrol_selectors.patrol_get(w.people.admin, p.pk) == p
    assert list(patrol_selectors.patrols_visible(w.worker_b)) == []
