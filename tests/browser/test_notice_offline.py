"""The recipient's 收到 in a real browser: pressed offline, queued, sent once when the
network is back, counted once however often the queue sends it."""

import pytest
from playwright.sync_api import BrowserContext, Page, expect

from tests.browser.helpers import login
from tests.notices.world import build
from wangge.notices import services
from wangge.notices.models import Receipt

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("transactional_db")]


def test_confirmation_pressed_offline_is_sent_once(
    live_server, context: BrowserContext, page: Page, js_errors: list[str]
) -> None:
    w = build()
    notice = services.notice_send(
        sender=w.street_op, title="今晚防汛值班", areas=[w.street], roles=["full_time"]
    )
    login(page, live_server.url, w.worker.username)
    page.goto(f"/notices/{notice.pk}/")
    status = page.locator("#offline-status")

    context.set_offline(True)
    page.click(f"#confirm-{notice.pk} button[type=submit]")
    expect(status).to_have_attribute("data-state", "queued")
    assert Receipt.objects.get(user=w.worker).confirmed_at is None

    context.set_offline(False)
    expect(status).to_have_attribute("data-state", "sent")
    confirmed = Receipt.objects.get(user=w.worker).confirmed_at
    assert confirmed is not None

    page.evaluate("wanggeDrafts.flush()")
    page.wait_for_timeout(300)
    page.reload()
    expect(page.locator(".done")).to_be_visible()
    assert Receipt.objects.get(user=w.worker).confirmed_at == confirmed
    assert Receipt.objects.filter(notice=notice, done_at__isnull=False).count() == 1
    assert js_errors == []


def test_a_form_answer_filled_offline_is_sent_once_typed(
    live_server, context: BrowserContext, page: Page, js_errors: list[str]
) -> None:
    w = build()
    notice = services.notice_send(
        sender=w.street_op,
        title="防汛值班到岗情况",
        areas=[w.street],
        roles=["full_time"],
        kind="form",
        form=[
            {"name": "on_duty", "label": "已到岗", "type": "yes_no", "required": True},
            {"name": "people", "label": "值班人数", "type": "number", "min": 1},
            {"name": "kit", "label": "物资", "type": "multi_choice", "choices": ["沙袋", "雨衣"]},
        ],
    )
    login(page, live_server.url, w.worker.username)
    page.goto(f"/notices/{notice.pk}/")
    status = page.locator("#offline-status")
    form = page.locator(f"#form-{notice.pk}")
    form.locator("input[name=on_duty][value=yes]").check()
    form.locator("input[name=people]").fill("3")
    form.locator("input[name=kit][value=雨衣]").check()

    context.set_offline(True)
    form.locator("button[type=submit]").click()
    expect(status).to_have_attribute("data-state", "queued")
    assert Receipt.objects.get(user=w.worker).answered_at is None

    context.set_offline(False)
    expect(status).to_have_attribute("data-state", "sent")
    receipt = Receipt.objects.get(user=w.worker)
    assert receipt.answers == {"on_duty": True, "people": 3, "kit": ["雨衣"]}

    page.evaluate("wanggeDrafts.flush()")
    page.wait_for_timeout(300)
    page.reload()
    expect(page.locator(".done")).to_be_visible()
    expect(page.locator("input[name=people]")).to_have_value("3")
    again = Receipt.objects.get(user=w.worker)
    assert again.answered_at == receipt.answered_at and again.answers == receipt.answers
    assert js_errors == []


def test_the_inbox_confirm_button_works_offline(
    live_server, context: BrowserContext, page: Page, js_errors: list[str]
) -> None:
    w = build()
    notice = services.notice_send(
        sender=w.street_op, title="今晚防汛值班", areas=[w.street], roles=["full_time"]
    )
    login(page, live_server.url, w.worker.username)
    page.goto("/notices/")
    status = page.locator("#offline-status")
    context.set_offline(True)
    page.click(f"#confirm-{notice.pk} button[type=submit]")
    expect(status).to_have_attribute("data-state", "queued")
    assert Receipt.objects.get(user=w.worker).confirmed_at is None
    context.set_offline(False)
    expect(status).to_have_attribute("data-state", "sent")
    assert Receipt.objects.get(user=w.worker).confirmed_at is not None
    page.reload()
    expect(page.locator(f"#confirm-{notice.pk}")).to_have_count(0)
    assert Receipt.objects.filter(notice=notice, done_at__isnull=False).count() == 1
    assert js_errors == []
