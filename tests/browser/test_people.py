"""People pages in a real browser: search → household page → reveal with a reason."""

import pytest
from playwright.sync_api import Page, expect

from tests.browser.helpers import login
from tests.people.factories import ID_A, ID_B, PHONE_A, make_people
from wangge.accounts.models import AuditEntry

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("transactional_db")]


@pytest.fixture(autouse=True)
def _pii_key_file(settings, tmp_path, monkeypatch):
    monkeypatch.delenv("WANGGE_PII_KEY", raising=False)
    settings.WANGGE_PII_KEY_FILE = tmp_path / "pii.key"


def test_search_household_reveal(live_server, page: Page, js_errors: list[str]) -> None:
    people = make_people()
    login(page, live_server.url, people.worker_a.username, lands="/field/")
    page.click("text=人口")
    page.fill("input[name=q]", "张")
    page.click("form.filters button[type=submit]")
    results = page.locator("table.people-results")
    expect(results).to_contain_text("张三")
    expect(results).not_to_contain_text("李四")
    # A whole ID number finds the resident and is echoed masked.
    page.fill("input[name=q]", ID_A)
    page.click("form.filters button[type=submit]")
    expect(results).to_contain_text(people.resident_a.id_number_masked)
    page.click("table.people-results a:has-text('张三')")
    expect(page.locator("h1")).to_contain_text("HA")
    members = page.locator("table.members")
    expect(members).to_contain_text(people.resident_a.id_number_masked)
    expect(members).to_contain_text(people.resident_a.phone_masked)
    assert ID_A not in page.content() and PHONE_A not in page.content()
    page.click("text=查看完整身份证号和电话")
    page.fill("input[name=reason]", "入户走访核对信息")
    page.click(".reveal button[type=submit]")
    expect(page.locator(".plain-id")).to_have_text(ID_A)
    expect(page.locator(".plain-phone")).to_have_text(PHONE_A)
    assert AuditEntry.objects.filter(action="reveal", reason="入户走访核对信息").count() == 1
    # Reloading shows the masked page again: the plaintext was shown once.
    page.reload()
    assert ID_A not in page.content()
    # Grid B's household is not found.
    response = page.goto(f"/people/households/{people.household_b.pk}/")
    assert response is not None and response.status == 404
    assert ID_B not in page.content()
    assert js_errors == []


def test_tag_form_posts_to_the_chosen_resident(
    live_server, page: Page, js_errors: list[str]
) -> None:
    """The form's action is set from the chosen resident by a static script (CSP enforced)."""
    people = make_people()
    login(page, live_server.url, people.worker_a.username, lands="/field/")
    page.goto(f"/people/households/{people.household_a.pk}/")
    form = page.locator("#tag-form")
    form.locator("select[name=resident]").select_option(str(people.resident_a.pk))
    form.locator("select[name=kind]").select_option("veteran")
    form.locator("button[type=submit]").click()
    page.wait_for_load_state()
    assert list(people.resident_a.tags.values_list("kind__code", flat=True)) == ["veteran"]
    assert js_errors == []
