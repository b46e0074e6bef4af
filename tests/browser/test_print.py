"""Print views: the event sheet and 一户一档 print the record without menus, forms or maps."""

import pytest
from playwright.sync_api import Page, expect

from tests.browser.helpers import DESKTOP, login_as
from tests.events.factories import make_world, report
from tests.people.factories import make_people

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("transactional_db")]


@pytest.fixture(autouse=True)
def _pii_key_file(settings, tmp_path, monkeypatch):
    monkeypatch.delenv("WANGGE_PII_KEY", raising=False)
    settings.WANGGE_PII_KEY_FILE = tmp_path / "pii.key"


def expect_printed(page: Page, title: str) -> None:
    expect(page.locator("button[data-print]")).to_be_visible()
    page.emulate_media(media="print")
    for hidden in ("header.topbar", "button[data-print]", "form"):
        expect(page.locator(hidden).first).to_be_hidden()
    expect(page.locator("h1")).to_contain_text(title)
    expect(page.locator(".print-only").first).to_be_visible()
    page.emulate_media(media="screen")


def test_the_event_sheet_prints_the_record(live_server, context, page: Page):
    world = make_world()
    event = report(world)
    page.set_viewport_size(DESKTOP)
    login_as(context, page, world.operator.username, f"/events/{event.code}/")
    expect_printed(page, event.title)


def test_the_household_record_prints(live_server, context, page: Page):
    people = make_people()
    page.set_viewport_size(DESKTOP)
    url = f"/people/households/{people.household_a.pk}/"
    login_as(context, page, people.worker_a.username, url)
    expect_printed(page, "一户一档")
