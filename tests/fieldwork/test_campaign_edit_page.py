"""A campaign edited on the centre's page: a draft changes wholly; an open one keeps its areas
and questions once answered (the page says so, a forced change is refused naming the part);
closing and cancelling ask first and are audited; the list filters by state, area and period,
the filters kept in the page links. A grid worker reaches none of it."""

import datetime as dt

import pytest
from django.utils import timezone

from tests.factories import make_user, post
from tests.fieldwork.campaign_world import World, define, opened, world  # noqa: F401
from tests.fieldwork.patrol_world import client_for
from wangge.accounts.models import AuditEntry
from wangge.errors import DomainError
from wangge.fieldwork.campaigns import selectors as campaign_selectors
from wangge.fieldwork.campaigns import services as campaigns
from wangge.fieldwork.campaigns.views import CENTRE_PAGE_SIZE
from wangge.fieldwork.models import Campaign, CampaignTarget

pytestmark = pytest.mark.django_db


def form_of(c: Campaign, **changes: object) -> dict[str, object]:
    """The edit form as the page would post it back unchanged, then `changes`."""
    data: dict[str, object] = {
        "title": c.title,
        "description": c.description,
        "starts_on": c.starts_on.isoformat(),
        "ends_on": c.ends_on.isoformat(),
        "areas": [a.code for a in c.areas.all()],
        "target_kind": c.target_kind,
    }
    for i, f in enumerate(c.fields):
        data |= {
            f"name_{i}": f["name"],
            f"label_{i}": f["label"],
            f"type_{i}": f["type"],
            f"choices_{i}": ", ".join(f.get("choices", [])),
        }
        if f.get("required"):
            data[f"required_{i}"] = "1"
    return data | changes


def answer(w: World, campaign: Campaign) -> None:
    target = CampaignTarget.objects.filter(campaign=campaign, household__isnull=False).first()
    assert target is not None
    campaigns.target_unreachable(actor=w.people.admin, target=target, reason="无人在家")


def test_a_draft_changes_wholly_and_keeps_its_question_names(world):  # noqa: F811
    campaign = define(world)
    client = client_for(world.people.admin)
    page = client.get(f"/field/campaigns/{campaign.pk}/edit/").content.decode()
    assert 'name="label_0"' in page and campaign.fields[0]["label"] in page
    data = form_of(campaign, title="燃气安全排查（修订）", areas=["330103001"], label_9="新问题")
    response = client.post(f"/field/campaigns/{campaign.pk}/edit/", data)
    assert response.status_code == 302, response.content.decode()[:2000]
    campaign.refresh_from_db()
    assert campaign.title == "燃气安全排查（修订）"
    assert [a.code for a in campaign.areas.all()] == ["330103001"]
    names = [f["name"] for f in campaign.fields]
    assert len(names) == len(set(names)) and names[-1] not in names[:-1]
    assert campaign.fields[-1]["label"] == "新问题"
    entry = AuditEntry.objects.filter(object_type="campaign", object_id=str(campaign.pk)).first()
    assert entry is not None and set(entry.detail["fields"]) == {"title", "areas", "fields"}
    # Mistakes are named by field; nothing is saved.
    response = client.post(
        f"/field/campaigns/{campaign.pk}/edit/", form_of(campaign, title="", ends_on="2000-01-01")
    )
    assert response.status_code == 400
    text = response.content.decode()
    assert 'data-field="title"' in text and 'data-field="ends_on"' in text
    assert Campaign.objects.get(pk=campaign.pk).title == "燃气安全排查（修订）"


def test_an_answered_campaign_keeps_its_areas_and_questions(world):  # noqa: F811
    campaign = opened(world)
    client = client_for(world.people.admin)
    # Open, no answers yet: the questions may change.
    response = client.post(
        f"/field/campaigns/{campaign.pk}/edit/", form_of(campaign, label_0="是否独居（核实）")
    )
    assert response.status_code == 302
    campaign.refresh_from_db()
    answer(world, campaign)
    page = client.get(f"/field/campaigns/{campaign.pk}/edit/").content.decode()
    assert 'id="edit-rules"' in page and 'name="label_0"' not in page
    ends = campaign.ends_on + dt.timedelta(days=7)
    response = client.post(
        f"/field/campaigns/{campaign.pk}/edit/",
        form_of(campaign, ends_on=ends.isoformat(), areas=["330103001"], label_0="改了"),
    )
    assert response.status_code == 302  # the page does not post locked parts
    campaign.refresh_from_db()
    assert campaign.ends_on == ends and campaign.fields[0]["label"] == "是否独居（核实）"
    assert [a.code for a in campaign.areas.all()] == ["330103"]
    # Through the service a locked change is refused naming the part.
    with pytest.raises(DomainError) as caught:
        campaigns.campaign_update(
            actor=world.people.admin,
            campaign=campaign,
            title=campaign.title,
            starts_on=campaign.starts_on,
            ends_on=campaign.ends_on,
            area_codes=["330103001"],
            fields=campaign.fields,
        )
    assert caught.value.status == 409
    assert [(p.field, p.code) for p in caught.value.problems] == [("areas", "locked")]


def test_close_and_cancel_ask_first(world):  # noqa: F811
    open_one, draft = opened(world), define(world, title="草稿")
    client = client_for(world.people.admin)
    page = client.get(f"/field/campaigns/{open_one.pk}/end/")
    assert page.status_code == 200 and 'id="end-form"' in page.content.decode()
    assert (
        Campaign.objects.get(pk=open_one.pk).status == Campaign.Status.OPEN
    )  # GET changes nothing
    assert client.post(f"/field/campaigns/{open_one.pk}/end/").status_code == 302
    assert client.post(f"/field/campaigns/{draft.pk}/end/").status_code == 302
    open_one.refresh_from_db()
    draft.refresh_from_db()
    assert open_one.status == draft.status == Campaign.Status.CLOSED
    assert campaign_selectors.is_cancelled(draft) and not campaign_selectors.is_cancelled(open_one)
    details = sorted(e.detail["status"] for e in AuditEntry.objects.filter(object_type="campaign"))
    assert details == ["cancelled", "closed"]
    # Closed: neither edited nor ended again.
    assert client.get(f"/field/campaigns/{open_one.pk}/end/").status_code == 404
    response = client.post(f"/field/campaigns/{open_one.pk}/edit/", form_of(open_one, title="x"))
    assert response.status_code == 409


def test_the_list_filters_and_pages(world):  # noqa: F811
    today = timezone.localdate()
    for i in range(CENTRE_PAGE_SIZE + 2):
        define(world, title=f"排查{i:02d}", area_codes=["330103001"])
    opened(world, title="开放的", starts_on=today - dt.timedelta(days=60), ends_on=today)
    define(world, title="乙街道的", area_codes=["330103002"])
    client = client_for(world.people.admin)
    first = client.get("/field/campaigns/centre/?status=draft&area=330103001").content.decode()
    assert "开放的" not in first and "乙街道的" not in first
    assert 'rel="next"' in first and "status=draft&amp;area=330103001&amp;page=2" in first
    second = client.get("/field/campaigns/centre/?status=draft&area=330103001&page=2")
    text = second.content.decode()
    assert text.count("排查") >= 2 and "乙街道的" not in text and 'rel="prev"' in text
    running = client.get(
        f"/field/campaigns/centre/?status=open&since={(today - dt.timedelta(days=90)).isoformat()}"
        f"&until={(today - dt.timedelta(days=30)).isoformat()}"
    ).content.decode()
    assert "开放的" in running and "排查00" not in running
    bad = client.get("/field/campaigns/centre/?status=nope&since=2026-99-01")
    assert bad.status_code == 400 and 'data-field="since"' in bad.content.decode()


def test_others_get_404(world):  # noqa: F811
    campaign = define(world)
    worker = client_for(world.people.worker_a)
    for url in (f"/field/campaigns/{campaign.pk}/edit/", f"/field/campaigns/{campaign.pk}/end/"):
        assert worker.get(url).status_code == 404
        assert worker.post(url, form_of(campaign, title="x")).status_code == 404
    # An operator of one community does not cover the district's campaign.
    op = make_user("op_a")
    post(op, world.people.areas[world.people.micro_a.code[:12]], role="operator")
    operator = client_for(op)
    assert operator.get(f"/field/campaigns/{campaign.pk}/edit/").status_code == 404
    assert operator.post(f"/field/campaigns/{campaign.pk}/end/").status_code == 404
    assert Campaign.objects.get(pk=campaign.pk).status == Campaign.Status.DRAFT
