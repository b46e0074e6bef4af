"""The campaign form on a phone-sized screen: the resident signs on the canvas with the
pointer, the form is sent, and the signature is stored as a real PNG with ink on it."""

import datetime as dt
import io

import pytest
from django.core.files.storage import default_storage
from django.utils import timezone
from PIL import Image
from playwright.sync_api import Page, expect

from tests.browser.helpers import login
from tests.fieldwork.campaign_world import FORM, make_world
from wangge.fieldwork.campaigns import services as campaigns
from wangge.fieldwork.models import CampaignFile, CampaignTarget

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("transactional_db")]


@pytest.fixture(autouse=True)
def _env(settings, tmp_path, monkeypatch):
    monkeypatch.delenv("WANGGE_PII_KEY", raising=False)
    settings.WANGGE_PII_KEY_FILE = tmp_path / "pii.key"
    settings.MEDIA_ROOT = tmp_path / "media"


def test_signature_drawn_on_the_canvas_is_stored_as_png(
    live_server, page: Page, js_errors: list[str]
) -> None:
    world = make_world()
    p = world.people
    campaign = campaigns.campaign_define(
        actor=p.admin,
        title="流动人员信息排查",
        starts_on=timezone.localdate(),
        ends_on=timezone.localdate() + dt.timedelta(days=10),
        area_codes=["330103"],
        fields=FORM,
    )
    campaigns.campaign_open(actor=p.admin, campaign=campaign)
    target = CampaignTarget.objects.get(campaign=campaign, household=p.household_a)
    page.set_viewport_size({"width": 390, "height": 844})
    login(page, live_server.url, p.worker_a.username, lands="/field/")
    page.goto("/field/campaigns/")
    page.click(f"a:has-text('{campaign.title}')")
    page.click(f"a[href='/field/campaigns/targets/{target.pk}/']")
    expect(page.locator("h1")).to_have_text(p.household_a.code)
    pad = page.locator("[data-signature] canvas")
    expect(page.locator("[data-signature]")).to_have_attribute("data-ready", "true")
    pad.scroll_into_view_if_needed()
    box = pad.bounding_box()
    assert box is not None
    # A signature: two strokes drawn with the pointer.
    x0, y0 = box["x"], box["y"]
    page.mouse.move(x0 + 20, y0 + 120)
    page.mouse.down()
    for i in range(1, 25):
        page.mouse.move(x0 + 20 + i * 10, y0 + 120 - (i % 6) * 15, steps=2)
    page.mouse.up()
    page.mouse.move(x0 + 60, y0 + 40)
    page.mouse.down()
    page.mouse.move(x0 + 200, y0 + 150, steps=10)
    page.mouse.up()
    value = page.locator("[data-signature-input]").input_value()
    assert value.startswith("data:image/png;base64,")
    page.fill("input[name=count]", "3")
    page.check("input[name=kind][value=流动]")
    page.click("form.campaign-form button[type=submit]")
    expect(page).to_have_url(f"{live_server.url}/field/campaigns/{campaign.pk}/")
    target.refresh_from_db()
    assert target.status == "done" and target.answers["count"] == 3
    stored = CampaignFile.objects.get(pk=target.answers["sign"])
    assert stored.kind == "signature" and stored.uploaded_by == p.worker_a
    with default_storage.open(stored.file.name) as fh:
        data = fh.read()
    with Image.open(io.BytesIO(data)) as img:
        assert img.format == "PNG"
        assert img.width >= 300 and img.height >= 150  # the canvas, at device resolution
        flat = Image.alpha_composite(
            Image.new("RGBA", img.size, (255, 255, 255, 255)), img.convert("RGBA")
        ).convert("L")
        inked = sum(flat.histogram()[:128])
        assert inked > 200  # the strokes are there
    # Back on the form, the stored signature is shown (and kept unless signed again).
    page.goto(f"/field/campaigns/targets/{target.pk}/")
    expect(page.locator(".signature-kept img")).to_be_visible()
    assert js_errors == []


def test_coverage_map_draws_the_areas(live_server, page: Page, js_errors: list[str]) -> None:
    """The coverage map runs from a static script under the enforced CSP."""
    world = make_world()
    p = world.people
    campaign = campaigns.campaign_define(
        actor=p.admin,
        title="流动人员信息排查",
        starts_on=timezone.localdate(),
        ends_on=timezone.localdate() + dt.timedelta(days=10),
        area_codes=["330103"],
        fields=FORM,
    )
    campaigns.campaign_open(actor=p.admin, campaign=campaign)
    login(page, live_server.url, p.admin.username)
    page.goto(f"/field/campaigns/{campaign.pk}/coverage/?area={p.micro_a.code[:12]}")
    expect(page.locator("#coverage-map")).to_have_attribute("data-loaded", "4")
    expect(page.locator("#coverage-map path.cover-area")).to_have_count(4)
    assert js_errors == []
