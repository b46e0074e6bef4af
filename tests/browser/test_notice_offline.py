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
    login(page, live_server.url, w.worker.username, lands="/field/")
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
