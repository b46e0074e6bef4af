from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from tests.factories import make_user, post
from tests.notices.world import World, build
from wangge.errors import DomainError
from wangge.events.models import Notification
from wangge.notices import escalation, selectors, services, timing
from wangge.notices.models import Notice, Receipt

pytestmark = pytest.mark.django_db
TZ = ZoneInfo("Asia/Shanghai")


def at(*args: int) -> datetime:
    return datetime(*args, tzinfo=TZ)


@pytest.fixture
def w() -> World:
    return build()


def send(w: World, **extra):
    args = {
        "sender": w.street_op,
        "title": "明天入户登记",
        "areas": [w.street],
        "roles": ["full_time", "grid_leader"],
    }
    return services.notice_send(**{**args, **extra})


def recipients(notice: Notice) -> set[str]:
    return set(Receipt.objects.filter(notice=notice).values_list("user__username", flat=True))


def client(user) -> Client:
    c = Client()
    c.force_login(user)
    return c


def test_targets_roles_in_the_subtree_plus_named_people(w):
    named = make_user("named")
    notice = send(w, user_ids=[named.pk, w.worker.pk])
    assert recipients(notice) == {"worker", "leader", "named"}  # not part-time, not elsewhere
    assert notice.recipient_count == 3
    assert notice.status == Notice.Status.SENT


def test_the_list_is_frozen_when_sent(w):
    notice = send(w)
    w.worker.posts.update(ended_on=timezone.localdate() - timedelta(days=1))  # left the post
    newcomer = make_user("newcomer")
    post(newcomer, w.micro, "full_time")
    assert recipients(notice) == {"worker", "leader"}
    paths = selectors.board_paths(w.street_op, notice)
    not_yet = {r.username for r in selectors.not_yet(notice, paths, None)}
    assert not_yet == {"worker", "leader"}
    # the newcomer cannot read it
    assert client(newcomer).get(f"/notices/{notice.pk}/").status_code == 404


def test_sender_needs_a_post_over_the_area(w):
    with pytest.raises(DomainError) as err:
        send(w, sender=w.worker)
    assert err.value.status == 403
    with pytest.raises(DomainError) as err:
        send(w, areas=[w.other_street])
    assert err.value.status == 403
    with pytest.raises(DomainError) as err:
        send(w, title=" ", roles=["king"])
    assert {p.field for p in err.value.problems} == {"title", "roles"}
    assert not Notice.objects.exists()


def test_receipts_read_confirm_and_board(w):
    notice = send(w)
    c = client(w.worker)
    assert c.get("/notices/").status_code == 200
    r = Receipt.objects.get(notice=notice, user=w.worker)
    assert r.delivered_at is not None and r.read_at is None
    page = c.get(f"/notices/{notice.pk}/")
    assert page.status_code == 200 and "收到" in page.content.decode()
    r.refresh_from_db()
    assert r.read_at is not None and r.done_at is None
    assert c.post(f"/notices/{notice.pk}/confirm/").status_code == 302
    r.refresh_from_db()
    assert r.confirmed_at is not None and r.done_at == r.confirmed_at
    board = selectors.board(notice, None, None)
    assert (board.total.total, board.total.read, board.total.done) == (2, 1, 1)
    # drill down from the street to its community, then the grid
    down = selectors.board(notice, None, w.community)
    assert [(row.area.code, row.total, row.done) for row in down.rows] == [(w.grid.code, 2, 1)]
    page = client(w.street_op).get(f"/notices/{notice.pk}/board/?area={w.grid.code}")
    assert page.status_code == 200
    assert "王网格长" in page.content.decode()  # the leader is on the not-yet list


def test_offline_confirmation_sent_twice_counts_once(w):
    notice = send(w)
    c = client(w.worker)
    headers = {"X-Offline-Form": "1"}
    first = c.post(f"/notices/{notice.pk}/confirm/", {"client_key": "n-abcdef123"}, headers=headers)
    assert first.status_code == 200 and first["X-Stored"] == "1"
    confirmed = Receipt.objects.get(notice=notice, user=w.worker).confirmed_at
    again = c.post(f"/notices/{notice.pk}/confirm/", {"client_key": "n-abcdef123"}, headers=headers)
    assert again.status_code == 200 and again["X-Stored"] == "1"
    r = Receipt.objects.get(notice=notice, user=w.worker)
    assert r.confirmed_at == confirmed
    assert Receipt.objects.filter(notice=notice, done_at__isnull=False).count() == 1
    # the API answers a resend alike
    api = c.post(
        f"/api/notices/{notice.pk}/confirm",
        {"client_key": "n-abcdef123"},
        content_type="application/json",
    )
    assert api.status_code == 200 and api.json()["done"] is True


def test_answer_kind(w):
    notice = send(w, kind=Notice.Kind.ANSWER)
    c = client(w.worker)
    refused = c.post(f"/api/notices/{notice.pk}/confirm", {}, content_type="application/json")
    assert refused.status_code == 422
    url = f"/api/notices/{notice.pk}/answer"
    ok = c.post(
        url, {"text": "已通知到户", "client_key": "k-12345678"}, content_type="application/json"
    )
    assert ok.status_code == 200 and ok.json()["answer"] == "已通知到户"
    first = Receipt.objects.get(notice=notice, user=w.worker).answered_at
    c.post(url, {"text": "重复", "client_key": "k-12345678"}, content_type="application/json")
    r = Receipt.objects.get(notice=notice, user=w.worker)
    assert r.answer == "已通知到户" and r.answered_at == first


def test_scope_nobody_outside_reads_it(w):
    notice = send(w)
    for user in (w.outsider, w.part_timer):
        c = client(user)
        assert c.get(f"/notices/{notice.pk}/").status_code == 404
        assert c.post(f"/api/notices/{notice.pk}/read").status_code == 404
        assert (
            c.post(
                f"/api/notices/{notice.pk}/confirm", {}, content_type="application/json"
            ).status_code
            == 404
        )
        assert c.get(f"/api/notices/{notice.pk}/board").status_code == 404
        assert c.get(f"/notices/{notice.pk}/board/").status_code == 404
        assert c.get("/api/notices/inbox").json()["items"] == []
    # the worker reads it but follows no board; the grid leader (a level between) follows his grid
    assert client(w.worker).get(f"/api/notices/{notice.pk}/board").status_code == 404
    board = client(w.leader).get(f"/api/notices/{notice.pk}/board").json()
    assert board["total"] == 2 and [r["area"] for r in board["rows"]] == [w.grid.code]
    sent = client(w.leader).get("/api/notices/sent").json()["items"]
    assert [n["id"] for n in sent] == [notice.pk]
    assert client(w.outsider).get("/api/notices/sent").json()["items"] == []
    other = client(w.leader).get(f"/api/notices/{notice.pk}/board?area={w.street.code}")
    assert other.status_code == 404  # above his part


def test_recall_and_edit(w):
    notice = send(w)
    c = client(w.worker)
    c.get(f"/notices/{notice.pk}/")
    edited = client(w.street_op).patch(
        f"/api/notices/{notice.pk}",
        {"title": "改期：后天入户登记"},
        content_type="application/json",
    )
    assert edited.status_code == 200 and edited.json()["version"] == 2
    item = c.get("/api/notices/inbox").json()["items"][0]
    assert item["changed"] is True and item["title"] == "改期：后天入户登记"
    assert notice.versions.get().title == "明天入户登记"
    assert client(w.worker).post(f"/api/notices/{notice.pk}/recall").status_code == 404
    # the grid leader follows the board but may not recall or edit it (a refusal, not a 500)
    assert client(w.leader).post(f"/notices/{notice.pk}/recall/").status_code == 403
    blank = client(w.street_op).post(f"/notices/{notice.pk}/edit/", {"title": " "})
    assert blank.status_code == 422
    assert client(w.street_op).post(f"/api/notices/{notice.pk}/recall").status_code == 200
    refused = c.post(f"/api/notices/{notice.pk}/confirm", {}, content_type="application/json")
    assert refused.status_code == 409
    assert c.get("/api/notices/inbox").json()["items"][0]["status"] == "recalled"
    assert escalation.run(now=timezone.now() + timedelta(days=30)) == {
        "reminded": 0,
        "escalated": 0,
    }


def test_scheduled_sending(w):
    now = at(2026, 3, 9, 9, 0)
    notice = send(w, send_at=now + timedelta(hours=1), now=now)
    assert notice.status == Notice.Status.SCHEDULED and not Receipt.objects.exists()
    assert client(w.worker).get(f"/notices/{notice.pk}/").status_code == 404
    assert services.release_due(now + timedelta(minutes=59)) == 0
    assert services.release_due(now + timedelta(hours=1)) == 1
    notice.refresh_from_db()
    assert notice.status == Notice.Status.SENT and recipients(notice) == {"worker", "leader"}


@pytest.mark.parametrize(
    ("sent", "remind", "escalate"),
    [
        # Friday 16:30: one hour that day, the second on Monday (the weekend skipped)
        (at(2026, 3, 6, 16, 30), at(2026, 3, 9, 9, 30), at(2026, 3, 9, 11, 30)),
        # Friday before the Spring Festival: Saturday 02-14 is a 调休 working day
        (at(2026, 2, 13, 17, 0), at(2026, 2, 14, 10, 0), at(2026, 2, 14, 12, 0)),
        # sent on a Sunday: outside office hours, 12 plain hours (then office time again)
        (at(2026, 3, 8, 10, 0), at(2026, 3, 8, 22, 0), at(2026, 3, 9, 10, 0)),
    ],
)
def test_escalation_on_the_working_calendar(w, sent, remind, escalate):
    notice = send(w, now=sent)
    assert (notice.remind_at, notice.escalate_at) == (remind, escalate)
    services.receipt_confirm(notice=notice, user=w.leader)
    assert escalation.run(now=remind - timedelta(seconds=1)) == {"reminded": 0, "escalated": 0}
    assert escalation.run(now=remind) == {"reminded": 1, "escalated": 0}
    reminders = Notification.objects.filter(kind=Notification.Kind.REMINDER)
    assert [n.user.username for n in reminders] == ["worker"]
    page = client(w.worker).get("/inbox/").content.decode()
    assert f'href="/notices/{notice.pk}/"' in page  # the web inbox links the notice
    api = client(w.worker).get("/api/notifications").json()["items"]
    assert api[0]["event"] == "" and api[0]["link"] == f"/notices/{notice.pk}/"
    assert escalation.run(now=remind) == {"reminded": 0, "escalated": 0}
    assert escalation.run(now=escalate) == {"reminded": 0, "escalated": 1}
    told = Notification.objects.get(kind=Notification.Kind.UNCONFIRMED)
    assert told.user == w.leader and "李专职" in told.text  # the worker's grid leader
    assert told.link == f"/notices/{notice.pk}/board/"


def test_leader_unconfirmed_goes_to_the_secretary_then_secretary_to_the_street(w):
    notice = send(w, roles=["grid_leader", "secretary"], now=at(2026, 3, 9, 9, 0))
    escalation.run(now=notice.remind_at)
    escalation.run(now=notice.escalate_at)
    told = {n.user.username: n.text for n in Notification.objects.filter(kind="unconfirmed")}
    assert set(told) == {"secretary", "street_op"}
    assert "王网格长" in told["secretary"] and "书记" in told["street_op"]


def test_office_hours_predicate():
    assert timing.in_office_hours(at(2026, 3, 9, 8, 30))
    assert not timing.in_office_hours(at(2026, 3, 9, 12, 30))
    assert not timing.in_office_hours(at(2026, 3, 7, 10, 0))  # Saturday
    assert timing.in_office_hours(at(2026, 2, 14, 10, 0))  # 调休 Saturday


def test_lists_take_constant_queries(w):
    notice = send(w)

    def count(url: str, user) -> int:
        c = client(user)
        c.get(url)  # warm the session
        with CaptureQueriesContext(connection) as ctx:
            assert c.get(url).status_code == 200
        return len(ctx.captured_queries)

    urls = [
        (f"/api/notices/{notice.pk}/not-yet", w.street_op),
        (f"/api/notices/{notice.pk}/board", w.street_op),
        (f"/notices/{notice.pk}/board/", w.street_op),
        ("/api/notices/inbox", w.worker),
        ("/notices/", w.worker),
        ("/api/notices/sent", w.leader),
        ("/notices/sent/", w.street_op),
    ]
    before = [count(u, user) for u, user in urls]
    for i in range(6):
        extra = make_user(f"extra{i}")
        post(extra, w.micro if i % 2 else w.other_grid, "full_time")
        send(w, title=f"第{i}号")
    notice_big = send(w, title="大名单")
    urls_big = [(u.replace(str(notice.pk), str(notice_big.pk)), user) for u, user in urls]
    after = [count(u, user) for u, user in urls_big]
    assert before == after


def test_send_page(w):
    c = client(w.street_op)
    assert c.get("/notices/send/").status_code == 200
    bad = c.post("/notices/send/", {"title": "", "areas": "999999", "roles": ["full_time"]})
    assert bad.status_code == 422 and not Notice.objects.exists()
    ok = c.post(
        "/notices/send/",
        {"title": "防汛值班", "areas": w.street.code, "roles": ["full_time"], "kind": "confirm"},
    )
    notice = Notice.objects.get()
    assert ok.status_code == 302 and ok["Location"] == f"/notices/{notice.pk}/board/"
    assert recipients(notice) == {"worker"}
    assert "防汛值班" in c.get("/notices/sent/").content.decode()


def test_the_worker_task_sends_and_chases(w):
    from wangge.notices.tasks import notices_every_minute

    notice = send(w, send_at=timezone.now() + timedelta(days=400))
    assert notices_every_minute.call_local() == {"sent": 0, "reminded": 0, "escalated": 0}
    Notice.objects.filter(pk=notice.pk).update(send_at=timezone.now() - timedelta(minutes=1))
    assert notices_every_minute.call_local()["sent"] == 1


def test_back_office_lists_notices(w):
    send(w)
    c = client(w.admin)
    for url in ("/admin/notices/notice/", "/admin/notices/activitykind/"):
        assert c.get(url).status_code == 200
    assert c.get("/admin/notices/notice/add/").status_code == 403


def test_the_inbox_has_one_large_confirm_button_per_notice_to_confirm(w):
    notice = send(w)
    read_only = send(w, title="阅知", kind=Notice.Kind.READ)
    c = client(w.worker)
    page = c.get("/notices/").content.decode()
    assert f'id="confirm-{notice.pk}"' in page and f'id="confirm-{read_only.pk}"' not in page
    assert page.count('class="big-button"') == 1 and "data-offline-form" in page
    headers = {"X-Offline-Form": "1"}
    data = {"client_key": f"n-{notice.pk}-abc", "next": "inbox"}
    sent = c.post(f"/notices/{notice.pk}/confirm/", data, headers=headers)
    assert sent.status_code == 200 and sent.json()["url"] == "/notices/"
    again = c.post(f"/notices/{notice.pk}/confirm/", data, headers=headers)
    assert again.status_code == 200 and again["X-Stored"] == "1"
    assert Receipt.objects.filter(notice=notice, done_at__isnull=False).count() == 1
    assert 'class="big-button"' not in c.get("/notices/").content.decode()
    assert c.post(f"/notices/{notice.pk}/confirm/", {"next": "inbox"})["Location"] == "/notices/"
