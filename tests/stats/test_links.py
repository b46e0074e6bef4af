"""Every figure leads to its cases: the number shown equals the count of the event list its
link opens (same period, area subtree, category, channel, department and flag)."""

import re
from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from tests.events.factories import make_world, report
from tests.factories import make_user, post
from tests.stats.helpers import close_path, fill_now
from wangge.events import workflow as wf
from wangge.events.models import BuiltinChannel, Category
from wangge.fieldwork.models import Campaign, CampaignTarget

pytestmark = pytest.mark.django_db


@pytest.fixture
def w(settings):
    settings.WANGGE_STATS_LAG_SECONDS = 0
    world = make_world()
    # A mixed week: closed (satisfied, unsatisfied, by another department), a returned
    # dispatch, a joint dispatch, one waiting (overdue by the fill), one from the hotline in
    # the other street, one of another category, a duplicate merged away.
    close_path(world, report(world), satisfaction="satisfied")
    close_path(world, report(world, "0101"), satisfaction="unsatisfied", lead=world.market)
    returned = wf.event_dispatch(
        event=wf.event_accept(event=report(world), actor=world.operator),
        actor=world.operator,
        lead=world.city,
    )
    wf.event_return(event=returned, actor=world.city_handler, reason="不归我管")
    wf.event_dispatch(
        event=wf.event_accept(event=report(world), actor=world.operator),
        actor=world.operator,
        lead=world.city,
        assists=[world.market],
    )
    waiting = report(world)
    wf.event_report(
        actor=world.other_worker,
        title="井盖缺失",
        category=Category.objects.get(code="0102"),
        area=world.areas["330103002001001"].children.first(),
        channel=BuiltinChannel.HOTLINE,
    )
    wf.event_merge(event=report(world), actor=world.operator, into=waiting)
    # Filled three days on: what waits is past its deadline (red).
    fill_now(timezone.now() + timedelta(days=3))
    return world


def _window() -> str:
    today, week = timezone.localdate(), timedelta(days=7)
    return f"period=custom&date_from={today - week}&date_to={today + week}"


def _listed(client: Any, url: str) -> int:
    response = client.get(url)
    assert response.status_code == 200, (url, response.content[:300])
    return int(response.context["page"].paginator.count)


def _check(client: Any, shown: int, url: str, seen: list[int]) -> None:
    assert "fact=" in url, url
    assert _listed(client, url) == shown, url
    seen.append(shown)


def test_every_linked_figure_counts_its_list(w, client):
    client.force_login(w.operator)
    q = f"area=330103&{_window()}"
    seen: list[int] = []
    overview = client.get(f"/api/stats/overview?{q}").json()
    for item in overview["figures"] + overview["command"]:
        if "numerator" in item:
            _check(client, item["numerator"], item["url"], seen)
            _check(client, item["denominator"], item["denominator_url"], seen)
        else:
            _check(client, item["value"], item["url"], seen)
    for s in overview["settled"]:
        _check(client, s["closed"], s["url"], seen)
    for child in client.get(f"/api/stats/children?{q}").json()["items"]:
        for fig in child["figures"].values():
            _check(client, fig.get("numerator", fig["value"]), fig["url"], seen)
    for day in client.get(f"/api/stats/trend?{q}").json()["items"]:
        for flag in ("reported", "accepted", "closed"):
            _check(client, day[flag], day[f"{flag}_url"], seen)
    for dimension in ("channel", "category", "department"):
        for row in client.get(f"/api/stats/breakdown/{dimension}?{q}").json()["items"]:
            if row["key"]:
                _check(client, row["reported"], row["url"], seen)
    modules = client.get(f"/api/stats/modules?{q}").json()
    for item in modules["enforcement"] + [
        x for x in modules["grid"] if x["key"] == "grid_self_rate"
    ]:
        _check(client, item.get("numerator", item["value"]), item["url"], seen)
    # The dashboard page's department rows (parsed from the page's own context).
    page = client.get(f"/dashboard/?{q}")
    for d in page.context["departments"]:
        for flag in ("dispatched", "open", "dispatched_accurately", "handled", "handled_on_time"):
            _check(client, d[flag], d[f"{flag}_url"], seen)
        assert d["dispatched_url"].replace("&", "&amp;") in page.content.decode()
        # The department's name leads to its cases too (those dispatched to it).
        _check(client, d["dispatched"], d["url"], seen)
        named = f'data-figure="department" href="{d["url"]}"'.replace("&", "&amp;")
        assert named in page.content.decode()
    assert 'href=""' not in page.content.decode()
    # The world is not empty: the checks compared real numbers.
    assert sum(seen) > 40 and max(seen) == 6
    figs = {x["key"]: x for x in overview["figures"] + overview["command"]}
    assert figs["overdue"]["value"] == 2 and figs["closed"]["value"] == 2
    assert {x["key"]: x["value"] for x in modules["enforcement"]}["joint"] == 1


def test_filtered_dashboard_links_keep_the_filters(w, client):
    client.force_login(w.operator)
    for extra, reported in (("department=cg", 3), ("channel=hotline", 1), ("category=01", 6)):
        q = f"area=330103&{_window()}&{extra}"
        overview = client.get(f"/api/stats/overview?{q}").json()
        for item in overview["figures"]:
            shown = item.get("numerator", item["value"])
            assert _listed(client, item["url"]) == shown, (extra, item["key"])
        assert {x["key"]: x["value"] for x in overview["figures"]}["reported"] == reported


def test_a_figure_link_lists_only_what_the_user_sees(w, client):
    """The list behind a figure goes through the events' scope: a grid worker opening a
    district link sees the cases of their grid only."""
    client.force_login(w.operator)
    url = client.get(f"/api/stats/overview?area=330103&{_window()}").json()["figures"][0]["url"]
    assert _listed(client, url) == 6
    client.force_login(w.other_worker)
    assert _listed(client, url) == 1
    stranger = make_user("stranger")
    post(stranger, w.areas["330103002"], role="operator")
    client.force_login(stranger)
    assert _listed(client, url) == 1


def test_an_unknown_figure_flag_is_named_not_a_500(w, client):
    client.force_login(w.operator)
    response = client.get("/events/?tab=all&fact=nope")
    assert response.status_code == 200
    assert "fact" in response.context["form"].errors


def test_a_figures_list_and_the_map_say_when_the_figures_are_from(w, client):
    """数据截至 HH:MM: the cases behind a figure are read from its facts, and the map's
    figure layers from the rollups, both as of the last fill."""
    client.force_login(w.operator)
    url = client.get(f"/api/stats/overview?area=330103&{_window()}").json()["figures"][0]["url"]
    assert re.search(r"数据截至 \d\d:\d\d", client.get(url).content.decode())
    assert re.search(r"数据截至 \d\d:\d\d", client.get("/").content.decode())
    # An ordinary list (no figure) does not claim an as-of time: it reads the events.
    assert "数据截至" not in client.get("/events/?tab=all").content.decode()


# Module figures with no list of what they count (no page lists must-attend tasks by area,
# or the party's branches, members and report-ins): no link.
NO_LIST = {"attend_on_time", "branches", "members", "reporting", "report_ins", "below_two"}


def test_module_figures_link_to_their_lists_or_to_none(settings, client):
    settings.WANGGE_STATS_LAG_SECONDS = 0
    world = make_world()
    today = timezone.localdate()
    campaign = Campaign.objects.create(
        title="排查", starts_on=today, ends_on=today + timedelta(days=9), status="open"
    )
    campaign.areas.add(world.areas["330103"])
    for status in ("done", "unreachable", "pending"):
        CampaignTarget.objects.create(campaign=campaign, area=world.micro, status=status)
    # Part-time workers: two under the street, one in the other street (not counted).
    for name, grid in (("pt1", "330103001001001"), ("pt2", "330103001"), ("pt3", "330103002")):
        post(make_user(name), world.areas[grid], role="part_time")
    fill_now()
    client.force_login(world.operator)
    q = "area=330103001&period=month"
    data = client.get(f"/api/stats/modules?{q}").json()
    # 专项行动: the coverage page lists the missing targets, or those not reachable.
    [row] = data["campaigns"]
    assert row["unreachable"] == 1 and row["missing"] == 1
    for shown, url in (
        (row["unreachable"], row["unreachable_url"]),
        (row["missing"], row["url"]),
    ):
        response = client.get(url)
        assert response.status_code == 200, url
        assert len(response.context["missing"]) == shown, url
    unreachable = client.get(row["unreachable_url"]).context["missing"]
    assert [t.status for t, _label in unreachable] == ["unreachable"]
    # 网格联动's part-time workers: the roster lists them.
    part_time = next(x for x in data["grid"] if x["key"] == "part_time")
    listed = client.get(part_time["url"]).context["page"]
    assert part_time["value"] == listed.paginator.count == 2
    assert {p.user.username for p in listed} == {"pt1", "pt2"}
    # A figure without a list has no link at all, never href="" (which reloads the page).
    unlinked = {x["key"] for x in data["grid"] + data["party"] if not x["url"]}
    assert unlinked == NO_LIST
    page = client.get(f"/dashboard/?{q}").content.decode()
    assert 'href=""' not in page
    assert '<span class="figure" id="fig-branches">' in page
    assert row["unreachable_url"].replace("&", "&amp;") in page
