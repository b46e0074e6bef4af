"""The assessors' forms and their services: the editor adds and removes indicators, edits
deductions and bonuses with caps and starts versions from a period; disputes decided with a
corrected score; manual items (上级督查) with a reason, removable before publishing; bulletin
subscriptions per area. Every rule's error names its field; scope holds; audit entries."""

from datetime import date, datetime

import pytest

from tests.assessment.helpers import fact, grid_scheme, make_assessor, street_scheme
from tests.events.factories import make_world
from tests.factories import make_user, post
from tests.sqlguard import get_lean
from wangge.accounts.models import AuditEntry
from wangge.errors import DomainError
from wangge.events.models import Notification
from wangge.stats.assessment import bulletins, disputes, editor, manual, services, subscriptions
from wangge.stats.assessment.models import Bulletin, Dispute, Run, Scheme, SchemeItem

pytestmark = pytest.mark.django_db
PUBLISHED = datetime.fromisoformat("2026-12-05T10:00+08:00")
J = "application/json"


@pytest.fixture
def w(clock, settings):
    settings.WANGGE_ASSESS_DISPUTE_DAYS = 7
    clock("2026-12-02T10:00+08:00")  # the last closed month is November
    world = make_world()
    a = world.areas["330103001"]
    fact(a, date(2026, 11, 5), accepted=True, closed=True)
    fact(a, date(2026, 11, 6), accepted=True)
    world.scheme = street_scheme()
    world.assessor = make_assessor(world.areas["330103"])
    return world


def _field(resp) -> str:
    return resp.json()["errors"][0]["field"]


def _audit(object_type: str, action: str) -> list[AuditEntry]:
    return list(AuditEntry.objects.filter(object_type=object_type, action=action))


# -- the editor --------------------------------------------------------------------------


def test_editor_adds_and_removes_indicators_with_weights_adding_up_to_100(w, client):
    run = services.publish_run(services.run_period("street", "2026-11"), now=PUBLISHED)
    a = w.areas["330103001"]
    url = f"/api/assessment/schemes/{w.scheme.pk}"
    client.force_login(w.assessor)
    lib = client.get("/api/assessment/indicators?target_type=area").json()["items"]
    assert "response" in [i["code"] for i in lib] and "return" not in [i["code"] for i in lib]
    resp = client.put(url, {"items": [{"code": "response", "weight": "10"}]}, content_type=J)
    assert resp.status_code == 422 and _field(resp) == "items"
    assert "100" in resp.json()["errors"][0]["message"]
    resp = client.put(url, {"items": [{"code": "response"}]}, content_type=J)
    assert _field(resp) == "items.response.weight"
    resp = client.put(url, {"items": [{"code": "return", "weight": "10"}]}, content_type=J)
    assert _field(resp) == "items"  # a departments' indicator
    resp = client.put(url, {"items": [{"code": "close", "weight": "0"}]}, content_type=J)
    assert _field(resp) == "items.close.weight"
    resp = client.put(
        url, {"items": [{"code": "close", "floor": "90", "target": "50"}]}, content_type=J
    )
    assert _field(resp) == "items.close.target"
    resp = client.put(url, {"remove": ["nope"]}, content_type=J)
    assert _field(resp) == "remove"
    edit = {"items": [{"code": "close", "weight": "50"}, {"code": "response", "weight": "10"}]}
    resp = client.put(url, edit, content_type=J)
    assert resp.status_code == 200, resp.content
    assert [i["code"] for i in resp.json()["items"]] == ["close", "satisfaction", "response"]
    resp = client.put(
        url, {"remove": ["response"], "items": [{"code": "close", "weight": "60"}]}, content_type=J
    )
    assert resp.status_code == 200 and len(resp.json()["items"]) == 2
    assert not SchemeItem.objects.filter(scheme=w.scheme, indicator__code="response").exists()
    entries = _audit("assessment_scheme", "update")
    assert len(entries) == 2 and entries[0].actor_name == "assessor"
    removal, adding = entries  # newest first

    def codes(state):
        return [i["code"] for i in state["items"]]

    assert codes(adding.detail["after"]) == ["close", "satisfaction", "response"]
    assert codes(removal.detail["before"]) == ["close", "satisfaction", "response"]
    assert codes(removal.detail["after"]) == ["close", "satisfaction"]
    # The published result keeps its score and the snapshot it computed with.
    assert (
        run.results.get(target_id=a.id).score
        == Run.objects.get(pk=run.pk).results.get(target_id=a.id).score
    )
    assert [i["code"] for i in Run.objects.get(pk=run.pk).snapshot["items"]] == [
        "close",
        "satisfaction",
    ]


def test_deductions_and_bonuses_with_caps(w, client):
    url = f"/api/assessment/schemes/{w.scheme.pk}"
    client.force_login(w.assessor)

    def adj(**row):
        base = {"name": "督办", "flags": ["open_supervised"], "points": "-2", "cap": "-10"}
        return {"adjustments": [base | row]}

    for row, field in (
        ({"cap": "10"}, "adjustments.1.cap"),  # a deduction's cap is negative
        ({"cap": "-1"}, "adjustments.1.cap"),  # below one case's points
        ({"points": "0"}, "adjustments.1.points"),
        ({"points": "x"}, "adjustments.1.points"),
        ({"flags": ["nope"]}, "adjustments.1.flags"),
        ({"flags": []}, "adjustments.1.flags"),
        ({"name": " "}, "adjustments.1.name"),
    ):
        resp = client.put(url, adj(**row), content_type=J)
        assert resp.status_code == 422 and _field(resp) == field, (row, resp.content)
    bonus = {"name": "自处置奖励", "flags": "self_handled", "points": "1", "cap": "5"}
    resp = client.put(
        url, adj() | {"adjustments": [adj()["adjustments"][0], bonus]}, content_type=J
    )
    assert resp.status_code == 200, resp.content
    got = resp.json()["adjustments"]
    assert [(a["name"], a["points"], a["cap"]) for a in got] == [
        ("督办", "-2.00", "-10.00"),
        ("自处置奖励", "1.00", "5.00"),
    ]
    assert got[1]["flags"] == ["self_handled"]


def test_a_new_version_applies_from_a_period_and_earlier_runs_keep_theirs(w, client):
    run = services.publish_run(services.run_period("street", "2026-11"), now=PUBLISHED)
    draft = services.run_period("street", "2027-01")
    url = f"/api/assessment/schemes/{w.scheme.pk}/versions"
    client.force_login(w.street_operator)
    assert client.post(url, {"from_period": "2026-12"}, content_type=J).status_code == 403
    client.force_login(w.assessor)
    resp = client.post(url, {"from_period": "2026-11"}, content_type=J)
    assert resp.status_code == 422 and _field(resp) == "period"
    assert "2026-11" in resp.json()["errors"][0]["message"]
    resp = client.post(url, {"from_period": "2026-13"}, content_type=J)
    assert _field(resp) == "period"
    body = {"from_period": "2026-12", "items": [{"code": "close", "weight": "70"}]}
    assert _field(client.post(url, body, content_type=J)) == "items"  # 70 + 40
    body["items"].append({"code": "satisfaction", "weight": "30"})
    resp = client.post(url, body, content_type=J)
    assert resp.status_code == 200, resp.content
    new = Scheme.objects.get(pk=resp.json()["id"])
    assert (new.code, new.valid_from) == ("street", date(2026, 12, 1))
    assert SchemeItem.objects.get(scheme=new, indicator__code="close").weight == 70
    assert SchemeItem.objects.get(scheme=w.scheme, indicator__code="close").weight == 60
    assert new.adjustments.count() == 1
    assert Run.objects.get(pk=run.pk).scheme_id == w.scheme.pk  # published: its version
    assert Run.objects.get(pk=draft.pk).scheme_id == new.pk  # a later draft moves
    assert services.run_period("street", "2026-12").scheme_id == new.pk
    assert _field(client.post(url, body, content_type=J)) == "period"  # one a month
    (entry,) = _audit("assessment_scheme", "create")
    assert entry.detail["drafts_moved"] == ["2027-01"] and entry.object_id == str(new.pk)


def test_the_editor_page_adds_removes_and_starts_a_version(w, client):
    page_url = f"/assessment/schemes/{w.scheme.pk}/"
    client.force_login(w.assessor)
    page = client.get(page_url).content.decode()
    assert 'name="add_code"' in page and 'value="response"' in page and 'value="return"' not in page
    form = {
        "codes": ["close", "satisfaction"],
        "adj_rows": "1",
        "adj_name_0": "超期案件",
        "adj_flags_0": "overdue_ever",
        "adj_points_0": "-5",
        "adj_cap_0": "-10",
    }
    resp = client.post(
        page_url, form | {"action": "add", "add_code": "response", "add_weight": "10"}
    )
    page = resp.content.decode()
    assert resp.status_code == 200 and 'name="weight_response"' in page
    assert "110.00" in page  # the draft's total, shown before saving
    assert not SchemeItem.objects.filter(indicator__code="response").exists()
    resp = client.post(
        page_url,
        form
        | {
            "codes": ["close", "satisfaction", "response"],
            "action": "save",
            "weight_response": "10",
        },
    )
    assert resp.status_code == 422 and "100" in resp.content.decode()
    resp = client.post(
        page_url,
        form
        | {
            "codes": ["close", "satisfaction", "response"],
            "weight_close": "50",
            "weight_response": "10",
            "action": "save",
        },
    )
    assert resp.status_code == 302
    assert SchemeItem.objects.filter(scheme=w.scheme).count() == 3
    form3 = form | {
        "codes": ["close", "satisfaction", "response"],
        "remove": "response",
        "weight_close": "60",
    }
    resp = client.post(page_url, form3 | {"action": "preview"})
    assert resp.status_code == 200 and 'name="weight_response"' not in resp.content.decode()
    resp = client.post(
        page_url,
        form3
        | {
            "adj_name_1": "督办",
            "adj_flags_1": "reopened",
            "adj_points_1": "-1",
            "adj_cap_1": "-3",
            "action": "version",
            "from_period": "2027-01",
        },
    )
    assert resp.status_code == 302
    new = Scheme.objects.get(code="street", valid_from=date(2027, 1, 1))
    assert resp["Location"] == f"/assessment/schemes/{new.pk}/"
    assert sorted(new.items.values_list("indicator__code", flat=True)) == ["close", "satisfaction"]
    assert sorted(new.adjustments.values_list("name", flat=True)) == ["督办", "超期案件"]
    assert "2027-01" in client.get(page_url).content.decode()  # the versions line


def test_a_grid_worker_cannot_open_the_editor(w, client):
    client.force_login(w.worker)
    assert client.get("/assessment/schemes/").status_code == 403
    assert client.get(f"/assessment/schemes/{w.scheme.pk}/").status_code == 403
    resp = client.post(f"/api/assessment/schemes/{w.scheme.pk}/preview", {}, content_type=J)
    assert resp.status_code == 403
    client.force_login(w.street_operator)  # a command centre previews its own
    assert client.get(f"/assessment/schemes/{w.scheme.pk}/").status_code == 200
    with pytest.raises(DomainError) as e:
        editor.save(w.street_operator, w.scheme, {"items": []})
    assert e.value.status == 403


# -- manual items ------------------------------------------------------------------------


def test_manual_items_named_with_a_reason_removable_before_publishing(w, client):
    a = w.areas["330103001"]
    run = services.run_period("street", "2026-11")
    before = run.results.get(target_id=a.id).score
    url = f"/api/assessment/runs/{run.pk}/manual"
    client.force_login(w.street_operator)
    body = {"target_id": a.id, "points": "-3", "reason": "上级督查：台账缺失"}
    assert client.post(url, body, content_type=J).status_code == 403
    client.force_login(w.assessor)
    resp = client.post(url, body | {"reason": " "}, content_type=J)
    assert resp.status_code == 422 and _field(resp) == "reason"
    resp = client.post(url, body | {"points": "abc"}, content_type=J)
    assert _field(resp) == "points"
    resp = client.post(url, body | {"points": "101"}, content_type=J)
    assert _field(resp) == "points"
    resp = client.post(url, body | {"reason": "x" * 201}, content_type=J)
    assert _field(resp) == "reason"
    # The page form: the breakdown shows who and why.
    resp = client.post(
        f"/assessment/{run.pk}/{a.id}/manual/", {"points": "-3", "reason": "上级督查：台账缺失"}
    )
    assert resp.status_code == 302
    page = client.get(f"/assessment/{run.pk}/{a.id}/").content.decode()
    assert "台账缺失" in page and "assessor" in page and "-3.00" in page
    assert run.results.get(target_id=a.id).score == before - 3
    (entry,) = _audit("assessment_manual", "create")
    assert (entry.actor_name, entry.reason) == ("assessor", "上级督查：台账缺失")
    item = run.manual_items.get()
    listed = client.get(f"{url}?target_id={a.id}").json()["items"]
    assert [(m["id"], m["assessor"]) for m in listed] == [(item.pk, "assessor")]
    resp = client.post(f"/assessment/{run.pk}/{a.id}/manual/{item.pk}/remove/")
    assert resp.status_code == 302 and not run.manual_items.exists()
    assert run.results.get(target_id=a.id).score == before
    (gone,) = _audit("assessment_manual", "delete")
    assert gone.detail["points"] == "-3.00" and gone.detail["assessor"] == "assessor"
    # Published: neither added nor removed.
    item = manual.manual_add(run, user=w.assessor, target_id=a.id, points="2", reason="表扬")
    services.publish_run(run, now=PUBLISHED)
    resp = client.delete(f"{url}/{item.pk}")
    assert resp.status_code == 409
    assert client.post(url, body, content_type=J).status_code == 409
    assert 'id="manual-form"' not in client.get(f"/assessment/{run.pk}/{a.id}/").content.decode()


# -- disputes ----------------------------------------------------------------------------


def test_dispute_raised_on_the_page_decided_by_the_assessor(w, client):
    a = w.areas["330103001"]
    run = services.publish_run(services.run_period("street", "2026-11"), now=PUBLISHED)
    client.force_login(w.street_operator)
    page = client.get(f"/assessment/{run.pk}/{a.id}/").content.decode()
    assert 'id="dispute-form"' in page and "2026-12-12" in page  # the window's end
    resp = client.post(f"/assessment/{run.pk}/{a.id}/dispute/", {"reason": "  "})
    assert resp.status_code == 422
    client.post(f"/assessment/{run.pk}/{a.id}/dispute/", {"reason": "一件已结案未计"})
    d = Dispute.objects.get()
    assert 'id="dispute-form"' not in client.get(f"/assessment/{run.pk}/{a.id}/").content.decode()
    assert Notification.objects.filter(
        user=w.assessor, link=f"/assessment/{run.pk}/{a.id}/"
    ).exists()
    assert client.get("/assessment/disputes/").status_code == 200  # their own
    assert (
        client.post(
            f"/assessment/disputes/{d.pk}/decide/", {"outcome": "rejected", "decision": "x"}
        ).status_code
        == 403
    )
    client.force_login(w.assessor)
    page = client.get("/assessment/disputes/").content.decode()
    assert "一件已结案未计" in page and f"/assessment/disputes/{d.pk}/decide/" in page
    decide = f"/assessment/disputes/{d.pk}/decide/"
    resp = client.post(decide, {"outcome": "upheld", "decision": "属实"})
    assert resp.status_code == 422  # upheld without the corrected score
    with pytest.raises(DomainError) as e:
        disputes.decide(d, user=w.assessor, upheld=True, decision="属实")
    assert e.value.problems[0].field == "new_score"
    with pytest.raises(DomainError) as e:
        disputes.decide(d, user=w.assessor, upheld=False, decision="不属实", new_score="80")
    assert e.value.problems[0].field == "new_score"
    with pytest.raises(DomainError) as e:
        disputes.decide(d, user=w.assessor, upheld=True, decision="属实", new_score="-1")
    assert e.value.problems[0].field == "new_score"
    assert client.post(decide, {"outcome": "", "decision": "属实"}).status_code == 422
    resp = client.post(decide, {"outcome": "upheld", "new_score": "85", "decision": "核实属实"})
    assert resp.status_code == 302
    assert client.post(decide, {"outcome": "rejected", "decision": "x"}).status_code == 409
    page = client.get(f"/assessment/{run.pk}/{a.id}/").content.decode()
    assert 'id="corrected"' in page and "85.00" in page and "核实属实" in page
    assert run.results.get(target_id=a.id).score != 85  # the published result stays
    raised = _audit("assessment_dispute", "create")
    decided = _audit("assessment_dispute", "update")
    assert raised[0].actor_name == "street_op" and raised[0].reason == "一件已结案未计"
    assert decided[0].actor_name == "assessor" and decided[0].detail["new_score"] == "85.00"
    assert Notification.objects.filter(user=w.street_operator, text__contains="核实属实").exists()


def test_no_dispute_form_after_the_window(w, client, clock):
    a = w.areas["330103001"]
    run = services.publish_run(services.run_period("street", "2026-11"), now=PUBLISHED)
    clock("2026-12-13T09:00+08:00")
    client.force_login(w.street_operator)
    assert 'id="dispute-form"' not in client.get(f"/assessment/{run.pk}/{a.id}/").content.decode()
    assert (
        client.post(f"/assessment/{run.pk}/{a.id}/dispute/", {"reason": "晚了"}).status_code == 409
    )


# -- scope -------------------------------------------------------------------------------


def test_a_community_secretary_sees_only_results_under_the_community(w, client):
    community = w.areas["330103001001"]
    secretary = make_user("secretary")
    post(secretary, community, role="secretary")
    grid_scheme()
    for g in ("330103001001001", "330103002001001"):
        fact(w.areas[g], date(2026, 11, 5), accepted=True)
    run = services.run_period("grid", "2026-11")
    client.force_login(secretary)
    items = client.get(f"/api/assessment/runs/{run.pk}/ranking").json()["items"]
    codes = {i["code"] for i in items}
    assert codes and all(c.startswith(community.code) for c in codes)
    inside, outside = w.areas["330103001001001"], w.areas["330103002001001"]
    assert client.get(f"/assessment/{run.pk}/{inside.id}/").status_code == 200
    assert client.get(f"/assessment/{run.pk}/{outside.id}/").status_code == 404
    assert client.get(f"/api/assessment/runs/{run.pk}/results/{outside.id}").status_code == 404
    assessor = make_assessor(w.areas["330103001"], "street_assessor")
    with pytest.raises(DomainError) as e:  # an assessor acts within their sight too
        manual.manual_add(run, user=assessor, target_id=outside.id, points="1", reason="x")
    assert e.value.status == 404


# -- subscriptions -----------------------------------------------------------------------


def test_subscriptions_per_area_in_scope(w, client, settings):
    settings.WANGGE_BULLETIN_LEVELS = 2
    street, other = w.areas["330103001"], w.areas["330103002"]
    client.force_login(w.street_operator)
    page = client.get("/assessment/bulletins/subscriptions/").content.decode()
    assert f'value="{street.code}"' in page and f'value="{other.code}"' not in page
    resp = client.post(
        "/assessment/bulletins/subscriptions/", {"kind": "weekly", "area": street.code}
    )
    assert resp.status_code == 302
    assert street.name in client.get("/assessment/bulletins/subscriptions/").content.decode()
    resp = client.post(
        "/api/assessment/bulletins/subscriptions",
        {"kind": "weekly", "area": other.code},
        content_type=J,
    )
    assert resp.status_code == 422 and _field(resp) == "area"
    resp = client.post(
        "/api/assessment/bulletins/subscriptions",
        {"kind": "hourly", "area": street.code},
        content_type=J,
    )
    assert _field(resp) == "kind"
    resp = client.post(
        "/api/assessment/bulletins/subscriptions",
        {"kind": "daily", "area": street.code},
        content_type=J,
    )
    assert resp.status_code == 200
    got = client.get("/api/assessment/bulletins/subscriptions").json()
    assert sorted(x["kind"] for x in got["items"]) == ["daily", "weekly"]
    assert [a["code"] for a in got["areas"]] == [street.code]
    # Told of their area's weekly bulletin only.
    mine = Bulletin.objects.create(
        kind="weekly",
        period="2026-W48",
        area=street,
        date_from=date(2026, 11, 23),
        date_to=date(2026, 11, 29),
    )
    theirs = Bulletin.objects.create(
        kind="weekly",
        period="2026-W48",
        area=other,
        date_from=date(2026, 11, 23),
        date_to=date(2026, 11, 29),
    )
    assert bulletins.notify_subscribers(mine) == 1 and bulletins.notify_subscribers(theirs) == 0
    # Unsubscribe: one's own only.
    sub = next(x for x in got["items"] if x["kind"] == "daily")
    client.force_login(w.worker)
    assert client.delete(f"/api/assessment/bulletins/subscriptions/{sub['id']}").status_code == 404
    client.force_login(w.street_operator)
    resp = client.post(
        "/assessment/bulletins/subscriptions/", {"action": "remove", "id": str(sub["id"])}
    )
    assert resp.status_code == 302
    assert [x.kind for x in subscriptions.of(w.street_operator)] == ["weekly"]


def test_the_disputes_and_subscriptions_pages_read_lean(w, client, settings):
    settings.WANGGE_BULLETIN_LEVELS = 2
    run = services.publish_run(services.run_period("street", "2026-11"), now=PUBLISHED)
    streets = [w.areas[c] for c in ("330103001", "330103002", "330103003", "330103004")]
    disputes.raise_dispute(run, target_id=streets[0].id, user=w.operator, reason="一")
    client.force_login(w.operator)
    subscriptions.subscription_add(user=w.operator, kind="daily", area_code=streets[0].code)
    _r, one = get_lean(client, "/assessment/disputes/")
    _r, one_sub = get_lean(client, "/assessment/bulletins/subscriptions/")
    _r, one_api = get_lean(client, "/api/assessment/bulletins/subscriptions")
    _r, lib = get_lean(client, "/api/assessment/indicators")
    for s in streets[1:]:
        disputes.raise_dispute(run, target_id=s.id, user=w.operator, reason="多")
        subscriptions.subscription_add(user=w.operator, kind="weekly", area_code=s.code)
    resp, many = get_lean(client, "/assessment/disputes/")
    assert many == one and resp.content.decode().count("data-dispute=") == 4
    resp, many_sub = get_lean(client, "/assessment/bulletins/subscriptions/")
    assert many_sub == one_sub and resp.content.decode().count('name="id"') == 4
    resp, many_api = get_lean(client, "/api/assessment/bulletins/subscriptions")
    assert many_api == one_api and len(resp.json()["items"]) == 4
    assert lib <= 3  # the library: one read
