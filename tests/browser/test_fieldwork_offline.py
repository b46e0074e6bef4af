"""Offline drafts in a real browser: an inspection filled and submitted without network is
kept (photo included), reaches the server exactly once when the network is back."""

import io

import pytest
from PIL import Image
from playwright.sync_api import BrowserContext, Page, expect

from tests.browser.helpers import login
from tests.fieldwork.patrol_world import make_patrol_world
from wangge.fieldwork.models import Inspection, OfflineSubmission

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("transactional_db")]


def _jpeg() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (80, 60), (30, 120, 200)).save(out, "JPEG")
    return out.getvalue()


def test_inspection_submitted_offline_is_sent_once_when_back_online(
    live_server, context: BrowserContext, page: Page, js_errors: list[str]
) -> None:
    w = make_patrol_world()
    login(page, live_server.url, w.worker_a.username, lands="/field/")
    url = f"/field/patrols/inspect/hazard/{w.hazard_a.pk}/"
    page.goto(url)
    status = page.locator("#offline-status")

    # A draft is kept while typing and comes back when the page is opened again.
    page.fill("textarea[name=note]", "护栏松动，需要加固")
    page.check("input[name=result][value=problem]")
    page.reload()
    expect(page.locator("textarea[name=note]")).to_have_value("护栏松动，需要加固")
    expect(page.locator("input[name=result][value=problem]")).to_be_checked()
    expect(status).to_have_attribute("data-state", "restored")

    # Offline: the submit is queued, nothing reaches the server.
    context.set_offline(True)
    page.set_input_files(
        "input[name=photo]", {"name": "hazard.jpg", "mimeType": "image/jpeg", "buffer": _jpeg()}
    )
    page.click("#inspection-form button[type=submit]")
    expect(status).to_have_attribute("data-state", "queued")
    expect(status).to_be_visible()
    assert page.evaluate("wanggeDrafts.pending()") == 1
    assert not Inspection.objects.exists()
    # The form is cleared for the next record; the queued one survives a reload of the tab.
    expect(page.locator("textarea[name=note]")).to_have_value("")

    # Back online: sent once, with its photo.
    context.set_offline(False)
    expect(status).to_have_attribute("data-state", "sent")
    assert page.evaluate("wanggeDrafts.pending()") == 0
    inspection = Inspection.objects.get()
    assert inspection.note == "护栏松动，需要加固" and inspection.result == "problem"
    assert inspection.photo.name.endswith(".jpg")
    assert OfflineSubmission.objects.count() == 1

    # Sending again (another tab, a reload, a flush) stores nothing new.
    page.reload()
    page.evaluate("wanggeDrafts.flush()")
    page.wait_for_timeout(300)
    assert Inspection.objects.count() == 1
    # The restored draft is gone: the form opens empty.
    expect(page.locator("textarea[name=note]")).to_have_value("")
    assert js_errors == []


def test_online_submit_goes_straight_through(live_server, page: Page, js_errors: list[str]) -> None:
    w = make_patrol_world()
    login(page, live_server.url, w.worker_a.username, lands="/field/")
    page.goto(f"/field/patrols/inspect/hazard/{w.hazard_a.pk}/")
    page.check("input[name=result][value=ok]")
    page.click("#inspection-form button[type=submit]")
    expect(page).to_have_url(f"{live_server.url}/field/")
    assert Inspection.objects.count() == 1
    # A refused form shows the server's errors and keeps what was typed.
    page.goto(f"/field/patrols/inspect/facility/{w.facility_a.pk}/")
    page.check("input[name=result][value=problem]")
    page.click("#inspection-form button[type=submit]")
    expect(page.locator(".errors")).to_be_visible()
    assert Inspection.objects.count() == 1
    assert js_errors == []
