"""The edit forms as people use them. A grid worker on a 390×844 phone, from the household
page, corrects a resident's phone (a wrong one first: named in Chinese under its field) and
moves a resident to another household; a command-centre operator on a desktop edits a
campaign and filters the campaign list, paging with the filter kept."""

import datetime as dt

import pytest
from django.utils import timezone
from playwright.sync_api import Browser, Page, expect

from tests.browser.helpers import axe_violations, latin_words, login, phone_context
from tests.factories import make_user, post
from tests.fieldwork.campaign_world import FORM
from tests.people.factories import PHONE_A, household_at, make_people
from wangge.accounts.actors import SYSTEM
from wangge.accounts.models import AuditEntry
from wangge.fieldwork.campaigns import services as campaigns
from wangge.fieldwork.campaigns.views import CENTRE_PAGE_SIZE
from wangge.fieldwork.models import Campaign
from wangge.people import pii
from wangge.people.models import Residence, Resident

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("transactional_db")]

NEW_PHONE = "13700001111"


@pytest.fixture(autouse=True)
def _pii_key_file(settings, tmp_path, monkeypatch):
    monkeypatch.delenv("WANGGE_PII_KEY", raising=False)
    settings.WANGGE_PII_KEY_FILE = tmp_path / "pii.key"


def no_sideways_scroll(page: Page) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, f"the page is {width}px wide on a 390px phone"


# The test data's own Latin text: usernames, household and house codes, masked numbers' X.
OWN = {"worker", "a", "op", "district", "HA", "HA2", "H", "HB", "X"}


def well_made(page: Page) -> None:
    """No serious or critical axe-core violation, no English left on the page."""
    assert axe_violations(page) == []
    assert latin_words(page, OWN) == []


def test_a_worker_edits_a_phone_and_moves_a_resident_on_the_phone(
    live_server, browser: Browser, js_errors: list[str]
) -> None:
    people = make_people()
    other = household_at(people.areas["330103001001001002"], "HA2")
    r = people.resident_a
    context = phone_context(browser, live_server.url)
    page = context.new_page()
    page.on("pageerror", lambda exc: js_errors.append(str(exc)))
    try:
        login(page, live_server.url, people.worker_a.username, lands="/field/")
        page.goto(f"/people/households/{people.household_a.pk}/")
        page.click(f'a[data-edit="{r.pk}"]')
        expect(page.locator("h1")).to_contain_text("编辑人员信息")
        no_sideways_scroll(page)
        phone = page.locator("input[name=phone]")
        expect(phone).to_have_value("")  # never filled in clear
        expect(phone).to_have_attribute("placeholder", r.phone_masked)
        assert PHONE_A not in page.content()
        phone.fill("12345")
        page.click("#resident-form button[type=submit]")
        errors = page.locator("#form-errors")
        expect(errors.locator('li[data-field="phone"]')).to_contain_text("电话")
        expect(page.locator("#err-phone")).to_be_visible()
        no_sideways_scroll(page)
        well_made(page)
        page.locator("input[name=phone]").fill(NEW_PHONE)
        page.locator("#resident-form button[type=submit]").tap()
        expect(page).to_have_url(f"{live_server.url}/people/households/{people.household_a.pk}/")
        expect(page.locator(".messages")).to_contain_text("已保存")
        r.refresh_from_db()
        assert pii.open_sealed(r, "phone", pii.PHONE_CONTEXT) == NEW_PHONE
        assert NEW_PHONE not in page.content()

        # Move the resident into household HA2 of the neighbouring micro-grid.
        page.click(f'a[data-move="{r.pk}"]')
        expect(page.locator("h1")).to_contain_text("迁移")
        no_sideways_scroll(page)
        well_made(page)
        page.fill("input[name=household_code]", "HA2")
        page.select_option("select[name=relation]", "child")
        page.locator("#move-form button[type=submit]").tap()
        expect(page).to_have_url(f"{live_server.url}/people/households/{other.pk}/")
        expect(page.locator("table.members")).to_contain_text("张三")
        r.refresh_from_db()
        assert r.household_id == other.pk
        assert Residence.objects.filter(resident=r, ended_on__isnull=False).count() == 1
        assert AuditEntry.objects.filter(object_type="resident", object_id=str(r.pk)).count() >= 2
    finally:
        context.close()
    assert js_errors == []


def test_an_operator_edits_a_campaign_and_filters_the_list(
    live_server, page: Page, js_errors: list[str]
) -> None:
    people = make_people()
    operator = make_user("op_district")
    post(operator, people.areas["330103"], role="operator")
    today = timezone.localdate()

    def define(title: str, area: str) -> Campaign:
        return campaigns.campaign_define(
            actor=SYSTEM,
            title=title,
            starts_on=today,
            ends_on=today + dt.timedelta(days=30),
            area_codes=[area],
            fields=FORM,
        )

    for i in range(CENTRE_PAGE_SIZE + 1):
        define(f"草稿{i:02d}", "330103001")
    campaigns.campaign_open(actor=SYSTEM, campaign=define("已启动的排查", "330103002"))
    target = define("燃气安全排查", "330103002")  # the newest: first in the list
    assert Resident.objects.exists()

    login(page, live_server.url, operator.username)
    page.goto("/field/campaigns/centre/")
    page.click(f'a[data-edit="{target.pk}"]')
    expect(page.locator("#edit-rules")).to_contain_text("草稿")
    well_made(page)
    page.fill("input[name=title]", "燃气安全排查（第二轮）")
    page.fill("input[name=label_3]", "灭火器是否有效")
    page.click("#campaign-form button[type=submit]")
    expect(page).to_have_url(f"{live_server.url}/field/campaigns/centre/")
    expect(page.locator(".messages")).to_contain_text("燃气安全排查（第二轮）")
    target.refresh_from_db()
    assert target.title == "燃气安全排查（第二轮）"
    assert "灭火器是否有效" in [f["label"] for f in target.fields]

    # Filter: drafts in street 1; then the second page keeps the filter.
    filters = page.locator("#campaign-filters")
    filters.locator("select[name=status]").select_option("draft")
    filters.locator("select[name=area]").select_option("330103001")
    filters.locator("button[type=submit]").click()
    table = page.locator("table.campaigns")
    expect(table).not_to_contain_text("已启动的排查")
    expect(page.locator("#campaign-count")).to_contain_text(str(CENTRE_PAGE_SIZE + 1))
    page.click('nav.pager a[rel="next"]')
    expect(page).to_have_url(
        f"{live_server.url}/field/campaigns/centre/?status=draft&area=330103001&page=2"
    )
    expect(table.locator("tbody tr")).to_have_count(1)
    expect(filters.locator("select[name=status]")).to_have_value("draft")
    well_made(page)
    assert js_errors == []
