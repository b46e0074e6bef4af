"""On the grid worker's phone (390×844) today's finished work is not mixed into the list: it
waits folded at the bottom as "已完成 (N)", below every open group, and opens with a tap."""

import re

import pytest
from playwright.sync_api import Browser, expect

from tests.browser.helpers import login, phone_context
from tests.fieldwork.patrol_world import make_patrol_world
from tests.fieldwork.visits_factories import tag
from wangge.fieldwork.patrols import services as patrols
from wangge.fieldwork.visits import schedule

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("transactional_db")]


@pytest.fixture(autouse=True)
def _pii_key_file(settings, tmp_path, monkeypatch):
    monkeypatch.delenv("WANGGE_PII_KEY", raising=False)
    settings.WANGGE_PII_KEY_FILE = tmp_path / "pii.key"


def test_done_work_waits_folded_at_the_bottom(live_server, browser: Browser, js_errors):
    w = make_patrol_world()
    p = w.people
    tag(p.resident_a, "unemployed")  # a quarterly visit: open work above the done group
    schedule.generate()
    patrols.inspection_record(actor=p.worker_a, target=w.hazard_a, result="ok")
    context = phone_context(browser, live_server.url)
    page = context.new_page()
    page.on("pageerror", lambda exc: js_errors.append(str(exc)))
    try:
        login(page, live_server.url, p.worker_a.username, lands="/field/")
        groups = page.locator("#today-list details.task-group")
        expect(groups.last).to_have_attribute("data-kind", "done")
        assert groups.count() >= 2  # open work above it
        done = page.locator("#today-done")
        expect(done.locator("summary")).to_have_text("已完成 (1)")
        expect(done).not_to_have_attribute("open", re.compile(".*"))
        card = done.locator(".task-card")
        expect(card).to_be_hidden()
        # Nothing of the open groups shows the finished check.
        open_titles = page.locator("details.task-group:not(.done) .task-title").all_inner_texts()
        assert not any(t.startswith("河道A") for t in open_titles)
        done.locator("summary").click()
        expect(card).to_be_visible()
        expect(card.locator(".task-title")).to_have_text("河道A")
        box = done.locator("summary").bounding_box()
        assert box is not None and box["height"] >= 44 and box["width"] <= 390
        assert js_errors == []
    finally:
        context.close()
