"""Notices answered with a small form: the campaign form's fields (`wangge.form_fields`),
checked like a campaign's answers, shown to the sender and each level between."""

import json

import pytest
from django.test import Client

from tests.notices.world import World, build
from wangge.errors import DomainError
from wangge.notices import services
from wangge.notices.models import Notice, Receipt

pytestmark = pytest.mark.django_db

FORM = [
    {"name": "on_duty", "label": "已到岗", "type": "yes_no", "required": True},
    {"name": "people", "label": "值班人数", "type": "number", "min": 1, "max": 20},
    {"name": "shift", "label": "班次", "type": "choice", "choices": ["白班", "夜班"]},
    {"name": "kit", "label": "物资", "type": "multi_choice", "choices": ["沙袋", "雨衣", "手电"]},
]


@pytest.fixture
def w() -> World:
    return build()


def client(user) -> Client:
    c = Client()
    c.force_login(user)
    return c


def send(w: World, **extra) -> Notice:
    args = {
        "sender": w.street_op,
        "title": "防汛值班到岗情况",
        "areas": [w.street],
        "roles": ["full_time", "grid_leader"],
        "kind": Notice.Kind.FORM,
        "form": FORM,
    }
    return services.notice_send(**{**args, **extra})


def fields_of(exc: pytest.ExceptionInfo[DomainError]) -> set[str]:
    return {p.field for p in exc.value.problems}


def test_the_form_is_checked_like_a_campaign_form_when_sent(w):
    with pytest.raises(DomainError) as exc:
        send(w, form=[{"name": "x", "label": "签名", "type": "signature"}, {"name": "x"}])
    assert exc.value.status == 422
    assert {"form[0].type", "form[1].name", "form[1].type"} <= fields_of(exc)
    with pytest.raises(DomainError) as exc:
        send(w, form=[])
    assert fields_of(exc) == {"form"}
    with pytest.raises(DomainError) as exc:
        send(w, kind=Notice.Kind.CONFIRM)  # a form on a notice that asks none
    assert fields_of(exc) == {"form"}
    assert not Notice.objects.exists()
    notice = send(w, form=[{**FORM[0], "label": "  已到岗 "}])
    assert notice.form == [
        {"name": "on_duty", "label": "已到岗", "type": "yes_no", "required": True}
    ]


def test_answers_are_checked_stored_and_a_resend_counts_once(w):
    notice = send(w)
    with pytest.raises(DomainError) as exc:
        services.receipt_confirm(notice=notice, user=w.worker)
    assert exc.value.status == 422
    with pytest.raises(DomainError) as exc:
        services.receipt_answer(
            notice=notice,
            user=w.worker,
            answers={"people": 50, "shift": "早班", "extra": 1},
        )
    assert exc.value.status == 422
    assert fields_of(exc) == {
        "answers.on_duty",
        "answers.people",
        "answers.shift",
        "answers.extra",
    }
    assert Receipt.objects.get(notice=notice, user=w.worker).answered_at is None
    receipt, changed = services.receipt_answer(
        notice=notice,
        user=w.worker,
        answers={"on_duty": "是", "people": "3", "kit": ["手电", "沙袋"]},
        client_key="f-1234567890",
    )
    assert changed and receipt.done_at is not None
    assert receipt.answers == {"on_duty": True, "people": 3, "kit": ["沙袋", "手电"]}
    again, changed = services.receipt_answer(
        notice=notice, user=w.worker, answers={"on_duty": "否"}, client_key="f-1234567890"
    )
    assert not changed and again.answers["on_duty"] is True
    later, changed = services.receipt_answer(
        notice=notice, user=w.worker, answers={"on_duty": "否"}, client_key="f-0987654321"
    )
    assert (
        changed and later.answers == {"on_duty": False} and later.answered_at == receipt.answered_at
    )


def test_the_phone_page_shows_the_form_and_posts_it_offline_once(w):
    notice = send(w)
    c = client(w.worker)
    page = c.get(f"/notices/{notice.pk}/").content.decode()
    assert 'name="on_duty"' in page and 'value="夜班"' in page and "data-offline-form" in page
    url = f"/notices/{notice.pk}/answer/"
    bad = c.post(url, {"people": "0", "shift": "夜班"})
    assert bad.status_code == 422
    text = bad.content.decode()
    assert "已到岗" in text and "值班人数" in text
    assert 'value="夜班" checked' in text  # what was typed is kept
    headers = {"X-Offline-Form": "1"}
    data = {"client_key": "n-offline-1", "on_duty": "yes", "kit": ["雨衣", "沙袋"]}
    first = c.post(url, data, headers=headers)
    assert first.status_code == 200 and first["X-Stored"] == "1"
    stamp = Receipt.objects.get(notice=notice, user=w.worker).answered_at
    again = c.post(url, {**data, "on_duty": "no"}, headers=headers)
    assert again.status_code == 200 and again["X-Stored"] == "1"
    r = Receipt.objects.get(notice=notice, user=w.worker)
    assert r.answers == {"on_duty": True, "kit": ["沙袋", "雨衣"]} and r.answered_at == stamp
    assert Receipt.objects.filter(notice=notice, done_at__isnull=False).count() == 1
    refused = c.post(url, {"client_key": "n-offline-2"}, headers=headers)
    assert refused.status_code == 422
    assert [e["field"] for e in refused.json()["errors"]] == ["answers.on_duty"]
    shown = c.get(f"/notices/{notice.pk}/").content.decode()
    assert 'value="yes" checked' in shown


def test_the_sender_and_the_levels_between_see_the_answers(w):
    notice = send(w)
    services.receipt_answer(notice=notice, user=w.worker, answers={"on_duty": True, "people": 2})
    services.receipt_answer(notice=notice, user=w.leader, answers={"on_duty": False})
    board = client(w.street_op).get(f"/notices/{notice.pk}/board/").content.decode()
    assert "值班人数: 2" in board and "已到岗: 否" in board and "李专职" in board
    api = client(w.street_op).get(f"/api/notices/{notice.pk}/answers").json()
    assert [(i["user"], i["answers"]) for i in api["items"]] == [
        ("leader", {"on_duty": False}),
        ("worker", {"on_duty": True, "people": 2}),
    ]
    # the grid leader follows his grid's part; the worker (a recipient) follows none
    assert client(w.leader).get(f"/api/notices/{notice.pk}/answers").status_code == 200
    for user in (w.worker, w.outsider):
        assert client(user).get(f"/api/notices/{notice.pk}/answers").status_code == 404


def test_the_api_sends_a_form_notice_and_takes_answers(w):
    c = client(w.street_op)
    sent = c.post(
        "/api/notices",
        {
            "title": "到岗",
            "kind": "form",
            "areas": [w.street.code],
            "roles": ["full_time"],
            "form": FORM[:2],
        },
        content_type="application/json",
    )
    assert sent.status_code == 201 and [f["name"] for f in sent.json()["form"]] == [
        "on_duty",
        "people",
    ]
    bad = c.post(
        "/api/notices",
        {"title": "到岗", "kind": "form", "areas": [w.street.code], "roles": ["full_time"]},
        content_type="application/json",
    )
    assert bad.status_code == 422 and "form" in bad.content.decode()
    pk = sent.json()["id"]
    worker = client(w.worker)
    inbox = worker.get("/api/notices/inbox").json()["items"]
    assert inbox[0]["form"][0]["label"] == "已到岗" and inbox[0]["answers"] == {}
    url = f"/api/notices/{pk}/answer"
    refused = worker.post(url, {"answers": {"people": "many"}}, content_type="application/json")
    assert refused.status_code == 422
    assert {p["field"] for p in refused.json()["errors"]} == {"answers.on_duty", "answers.people"}
    ok = worker.post(
        url, {"answers": {"on_duty": True, "people": 4}}, content_type="application/json"
    )
    assert ok.status_code == 200 and ok.json()["answers"] == {"on_duty": True, "people": 4}
    assert ok.json()["done"] is True


def test_the_send_page_takes_the_form_as_json(w):
    c = client(w.street_op)
    base = {"title": "到岗", "kind": "form", "areas": w.street.code, "roles": ["full_time"]}
    bad = c.post("/notices/send/", {**base, "form": "[{'name': oops"})
    assert bad.status_code == 422 and "JSON" in bad.content.decode()
    wrong = c.post("/notices/send/", {**base, "form": '[{"name": "x", "label": "X"}]'})
    assert wrong.status_code == 422 and "X" in wrong.content.decode()
    assert not Notice.objects.exists()
    ok = c.post("/notices/send/", {**base, "form": json.dumps(FORM)})
    assert ok.status_code == 302
    assert Notice.objects.get().form[3]["choices"] == ["沙袋", "雨衣", "手电"]
