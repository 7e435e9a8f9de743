"""Browser tests: Playwright drives Debian's Chromium against the live test server; screenshots are kept."""
import os
from pathlib import Path

import pytest

SCREENSHOTS = Path(__file__).resolve().parents[1] / "screenshots"
CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--no-first-run",
]
PASSWORD = "pass-for-tests-2023"

# Playwright's sync API runs an event loop in this thread; the ORM calls the tests make between
# browser steps are ordinary synchronous calls, so allow them.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


@pytest.fixture(scope="session")
def browser():
    if not Path(CHROMIUM).exists():
        pytest.fail(f"找不到 Chromium（{CHROMIUM}）：请运行 apt-get install chromium")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield browser
        browser.close()


@pytest.fixture
def page(browser, live_server):
    context = browser.new_context(locale="zh-CN", viewport={"width": 1366, "height": 900}, accept_downloads=True)
    page = context.new_page()
    page.set_default_timeout(15000)
    page.base_url = live_server.url
    yield page
    context.close()


@pytest.fixture
def shot():
    """shot(page, "name") saves tests/screenshots/name.png (git-ignored) for a person to look at."""
    SCREENSHOTS.mkdir(exist_ok=True)

    def take(page, name: str):
        page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)

    return take


def login(page, username: str, password: str = PASSWORD):
    page.goto(page.base_url + "/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    page.click("button[type=submit]")
    # Each role's landing page: "/" (a member department's account is sent on to its list of requests).
    page.wait_for_url(lambda url: url.startswith(page.base_url) and "/accounts/login/" not in url)
