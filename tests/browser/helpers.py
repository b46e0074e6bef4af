"""Steps the browser tests share: logging in as a person does, reading an event's status."""

import re
from pathlib import Path
from typing import Any

from playwright.sync_api import Browser, BrowserContext, Page, expect

PASSWORD = "pw-Wangge-2026"  # what tests.factories.make_user gives everyone


def login(page: Page, base_url: str, username: str, lands: str = "/") -> None:
    """Log in through the form and land on the start page: `lands` is the map ("/") for
    the command centre, "/field/" (today's tasks) for a grid worker."""
    page.goto("/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    # The today page may add the phone's position to its address (nearest first) at once.
    expect(page).to_have_url(re.compile(re.escape(f"{base_url}{lands}") + r"(\?.*)?$"))


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


PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 800}


def phone_context(
    browser: Browser, base_url: str, lon: float | None = None, lat: float | None = None
) -> BrowserContext:
    """A 390×844 touch phone in Chinese, offline but for the live server; with a position
    (geolocation allowed) when lon/lat are given. The caller closes it."""
    options: dict[str, Any] = {
        "base_url": base_url,
        "viewport": PHONE,
        "locale": "zh-CN",
        "is_mobile": True,
        "has_touch": True,
    }
    if lon is not None and lat is not None:
        options |= {
            "geolocation": {"longitude": lon, "latitude": lat},
            "permissions": ["geolocation"],
        }
    context = browser.new_context(**options)
    context.set_default_timeout(15_000)
    context.route(lambda url: not url.startswith(base_url), lambda route: route.abort())
    return context


def box_of(page: Page, selector: str) -> dict[str, float]:
    page.wait_for_load_state("load")  # sizes once the stylesheets are in, not the defaults
    box = page.locator(selector).first.bounding_box()
    assert box is not None, f"{selector} is not shown"
    return box


AXE = Path(__file__).parent / "vendor" / "axe-core" / "axe.min.js"


def axe_violations(page: Page, impacts: tuple[str, ...] = ("serious", "critical")) -> list[str]:
    """axe-core's violations of the page as it stands, of the given impacts, one line each
    (rule, impact, the first offending elements)."""
    if not page.evaluate("() => !!window.axe"):
        page.evaluate(AXE.read_text(encoding="utf-8") + "\n;0")
    result = page.evaluate(
        """async () => {
            const r = await axe.run(document, { resultTypes: ["violations"] });
            return r.violations.map(v => ({ id: v.id, impact: v.impact,
                nodes: v.nodes.slice(0, 3).map(n => n.target.join(" ")) }));
        }"""
    )
    return [
        f"{v['id']} ({v['impact']}): {', '.join(v['nodes'])}"
        for v in result
        if v["impact"] in impacts
    ]


# Latin words a Chinese page may show: units, names of standards and products.
LATIN_ALLOWED = {
    "m", "km", "MB", "GB", "Open311", "GeoReport", "OTP", "TOTP", "ID", "PNG", "JPEG", "xlsx",
    "Excel", "API",
}  # fmt: skip
VISIBLE_TEXT = """() => {
    const out = [];
    const walk = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
    for (let n = walk.nextNode(); n; n = walk.nextNode()) {
        const el = n.parentElement;
        if (!el || el.closest('[aria-hidden="true"], script, style, noscript')) continue;
        if (!el.checkVisibility()) continue;
        out.push(n.textContent);
    }
    return out.join(" ");
}"""


def latin_words(page: Page, allowed: set[str] | frozenset[str] = frozenset()) -> list[str]:
    """Words in Latin letters in the text a person sees on the page (not what is hidden from
    them, like a honeypot), outside the allow-list and the given words (usernames, the codes
    of the test's own data)."""
    text = page.evaluate(VISIBLE_TEXT)
    # What a person is to type is not English prose: a `command` in backquotes, an API path.
    text = re.sub(r"`[^`]*`|(?:GET|POST|PUT|PATCH|DELETE)?\s*/api/\S*", " ", text)
    words = set(re.findall(r"(?<![A-Za-z0-9])[A-Za-z][A-Za-z0-9]*", text))
    return sorted(w for w in words if w not in LATIN_ALLOWED and w not in allowed)
