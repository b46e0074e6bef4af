"""An operator exports the filtered queue as a person would: the 导出 button, then 我的下载
with the ready file, downloaded by a click."""

import io

import openpyxl
import pytest
from playwright.sync_api import BrowserContext, Page, expect

from tests.browser.helpers import login_as
from tests.events.factories import make_world, report

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("transactional_db")]


def test_the_queue_export_is_prepared_then_downloaded(
    live_server, context: BrowserContext, page: Page, js_errors: list[str], settings, tmp_path
):
    settings.DATA_DIR = tmp_path
    world = make_world()
    wanted = report(world, title="路边暴露垃圾")
    report(world, "0503", title="占道经营")
    login_as(context, page, world.operator.username, "/events/")
    page.goto("/events/?tab=reported&category=01")
    with page.expect_navigation():
        page.get_by_role("button", name="导出 Excel").click()
    expect(page.get_by_role("heading", name="我的下载")).to_be_visible()
    row = page.locator("table.downloads tbody tr").first
    expect(row).to_have_attribute("data-state", "done")
    expect(row).to_contain_text("事件列表")
    with page.expect_download() as info:
        row.get_by_role("link").click()
    book = openpyxl.load_workbook(io.BytesIO(info.value.path().read_bytes()))
    assert [r[0] for r in book.active.iter_rows(min_row=2, values_only=True)] == [wanted.code]
    assert js_errors == []
