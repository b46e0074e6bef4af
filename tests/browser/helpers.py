"""Steps the browser tests share: logging in as a person does, reading an event's status."""

import re

from playwright.sync_api import BrowserContext, Page, expect

PASSWORD = "pw-Wangge-2026"  # what tests.factories.make_user gives everyone


def login(page: Page, base_url: str, username: str, lands: str = "/") -> None:
    """Log in through the form and land on the start page: `lands` is the map ("/") for
    the command centre, "/field/" (today's tasks) for a grid worker."""
    page.goto("/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    expect(page).to_have_url(f"{base_url}{lands}")


def login_as(context: BrowserContext, page: Page, username: str, next_url: str) -> None:
    """Log in as `username` (ending whoever was logged in) and land on `next_url`."""
    context.clear_cookies()
    page.goto(f"/login/?next={next_url}")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(re.compile(re.escape(next_url) + "$"))


def expect_status(page: Page, status: str) -> None:
    expect(page.locator("#event-status [data-status]")).to_have_attribute("data-status", status)
