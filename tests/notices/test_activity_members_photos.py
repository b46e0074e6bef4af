"""Activities: the party members involved link to their report-ins (到网格报到), photos are
checked like events' photos and shown only within scope."""

from datetime import date

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from tests.images import jpeg, upload
from tests.notices.world import World, build
from wangge.errors import DomainError
from wangge.events.photos import clean_photo
from wangge.notices import activities
from wangge.notices.models import Activity
from wangge.people.models import PartyBranch, PartyMember, PartyReportIn

pytestmark = pytest.mark.django_db
DAY = date(2026, 3, 5)


@pytest.fixture
def w(clock) -> World:
    clock("2026-03-10T10:00+08:00")
    world = build()
    activities.install_kinds()
    return world


def client(user) -> Client:
    c = Client()
    c.force_login(user)
    return c


def members(w: World) -> dict[str, PartyMember]:
    branch = PartyBranch.objects.create(name="第一网格支部", area=w.grid)
    kinds = {
        "张在职": PartyMember.Kind.IN_SERVICE,
        "钱在职": PartyMember.Kind.IN_SERVICE,
        "李退休": PartyMember.Kind.RETIRED,
    }
    return {
        name: PartyMember.objects.create(name=name, branch=branch, kind=kind, report_area=w.grid)
        for name, kind in kinds.items()
    }


def record(w: World, area=None, **extra) -> Activity:
    args = {
        "actor": w.leader,
        "kind_code": "volunteer",
        "title": "清理楼道",
        "held_on": DAY,
        "area": area or w.micro,
    }
    return activities.activity_record(**{**args, **extra})


def test_in_service_members_get_a_report_in_at_the_activity_grid_linked_once(w):
    m = members(w)
    earlier = PartyReportIn.objects.create(
        member=m["钱在职"], area=w.grid, reported_on=DAY, activity="入户走访"
    )
    activity = record(w, party_member_ids=[p.pk for p in m.values()])
    assert set(activity.party_members.all()) == set(m.values())
    linked = {r.member.name: r for r in activity.report_ins.all()}
    assert set(linked) == {"张在职", "钱在职"}  # a retired member reports to no grid
    assert linked["钱在职"] == earlier  # the day's report-in there is reused, not doubled
    made = linked["张在职"]
    assert (made.area, made.reported_on, made.recorded_by) == (w.grid, DAY, w.leader)
    assert made.activity == "志愿服务：清理楼道"
    assert PartyReportIn.objects.count() == 2
    # A second activity the same day at the same grid counts the same report-in.
    again = record(w, title="义务巡逻", party_member_ids=[m["张在职"].pk])
    assert list(again.report_ins.all()) == [made] and PartyReportIn.objects.count() == 2
    # The member's yearly count (the fieldwork report-in check) sees it.
    assert m["张在职"].report_ins.filter(reported_on__year=2026).count() == 1


def test_wider_and_planned_activities(w):
    m = members(w)
    # a community-wide 宣讲: the report-in is at the member's own grid, inside the community
    wide = record(w, area=w.community, actor=w.secretary, party_member_ids=[m["张在职"].pk])
    assert [(r.area, r.reported_on) for r in wide.report_ins.all()] == [(w.grid, DAY)]
    # held in another grid: at that grid
    there = record(w, area=w.other_grid, actor=w.secretary, party_member_ids=[m["钱在职"].pk])
    assert [r.area for r in there.report_ins.all()] == [w.other_grid]
    # planned for next week: nobody's report-in yet
    planned = record(w, held_on=date(2026, 3, 20), party_member_ids=[m["张在职"].pk])
    assert not planned.report_ins.exists() and planned.party_members.count() == 1


def test_members_outside_the_actor_scope_are_refused(w):
    far = PartyBranch.objects.create(
        name="远处支部", area=w.areas[w.outsider.posts.get().area.code]
    )
    stranger = PartyMember.objects.create(name="外人", branch=far)
    with pytest.raises(DomainError) as exc:
        record(w, party_member_ids=[stranger.pk])
    assert exc.value.status == 422 and exc.value.problems[0].field == "party_members"
    assert not Activity.objects.exists() and not PartyReportIn.objects.exists()


def test_the_page_and_api_take_members_and_photos_and_show_photos_in_scope(w):
    m = members(w)
    c = client(w.leader)
    page = c.get("/notices/activities/").content.decode()
    assert "张在职" in page and 'name="photos"' in page
    posted = c.post(
        "/notices/activities/",
        {
            "kind": "clinic",
            "title": "社区义诊",
            "held_on": DAY.isoformat(),
            "area": w.grid.code,
            "people_reached": "40",
            "party_members": [str(m["张在职"].pk)],
            "photos": [upload(jpeg()), upload(jpeg(), "b.jpg")],
        },
    )
    assert posted.status_code == 302
    activity = Activity.objects.get(title="社区义诊")
    assert activity.photos.count() == 2 and activity.report_ins.count() == 1
    photo = activity.photos.first()
    url = f"/notices/activities/{activity.pk}/photos/{photo.pk}/"
    assert c.get(url).status_code == 200
    assert c.get(url + "?size=thumb")["Content-Type"] == "image/jpeg"
    assert client(w.outsider).get(url).status_code == 404
    listed = c.get("/api/activities").json()["items"]
    assert listed[0]["party_members"] == [
        {"id": m["张在职"].pk, "name": "张在职", "report_in": activity.report_ins.get().pk}
    ]
    assert listed[0]["photos"][0] == url
    bad = c.post(
        "/notices/activities/",
        {
            "kind": "clinic",
            "title": "x",
            "held_on": DAY.isoformat(),
            "area": w.grid.code,
            "photos": [upload(b"GIF89a not an image")],
        },
    )
    assert bad.status_code == 422 and not Activity.objects.filter(title="x").exists()
    # the API: record with members, then add a photo (multipart)
    made = c.post(
        "/api/activities",
        {
            "kind": "mediation",
            "title": "邻里调解",
            "held_on": DAY.isoformat(),
            "area": w.micro.code,
            "party_members": [m["钱在职"].pk],
        },
        content_type="application/json",
    )
    assert made.status_code == 201 and made.json()["party_members"][0]["report_in"]
    pk = made.json()["id"]
    added = c.post(f"/api/activities/{pk}/photos", {"photo": upload(jpeg())})
    assert added.status_code == 201 and len(added.json()["photos"]) == 1
    refused = c.post(f"/api/activities/{pk}/photos", {"photo": upload(b"nope")})
    assert refused.status_code == 422 and "photo" in refused.content.decode()
    assert (
        client(w.outsider)
        .post(f"/api/activities/{pk}/photos", {"photo": upload(jpeg())})
        .status_code
        == 404
    )


def test_activity_lists_take_constant_queries(w, django_assert_max_num_queries):
    m = members(w)
    c = client(w.leader)

    def count(url: str) -> int:
        c.get(url)  # warm the session
        with CaptureQueriesContext(connection) as ctx:
            assert c.get(url).status_code == 200
        return len(ctx.captured_queries)

    record(w, party_member_ids=[m["张在职"].pk], photos=[activities_photo()])
    few = [count("/notices/activities/"), count("/api/activities")]
    for n in range(4):
        record(w, title=f"活动{n}", party_member_ids=[p.pk for p in m.values()])
    with django_assert_max_num_queries(few[0]):
        c.get("/notices/activities/")
    assert [count("/notices/activities/"), count("/api/activities")] == few


def activities_photo():
    return clean_photo(upload(jpeg()), field="photos")
