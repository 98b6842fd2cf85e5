"""Browser tests: Playwright drives Debian's Chromium (never a downloaded browser)."""

import os
import shutil
from pathlib import Path

import pytest
from playwright.sync_api import Browser

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
SCREENSHOTS = Path(
    os.environ.get("SCREENSHOT_DIR", Path(__file__).resolve().parents[2] / "var" / "screenshots")
)


def pytest_collection_modifyitems(items):
    for item in items:
        if "tests/e2e/" in str(item.fspath):
            item.add_marker(pytest.mark.e2e)


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    if not shutil.which(CHROMIUM):
        pytest.fail(
            f"Chromium is not installed at {CHROMIUM} (make setup installs Debian's chromium)"
        )
    return {
        **browser_type_launch_args,
        "executable_path": CHROMIUM,
        "args": [
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
        ],
    }


CSP_MARKERS = ("Content Security Policy", "Content-Security-Policy", "Refused to")


@pytest.fixture(autouse=True)
def _no_csp_violations(monkeypatch):
    """Every browser context a test opens (its own or the ``page`` fixture's) reports its
    console; a message of the Content-Security-Policy refusing something fails the test
    (an inline script or handler that the policy blocks would silently do nothing)."""
    violations = []
    original = Browser.new_context

    def new_context(self, *args, **kwargs):
        context = original(self, *args, **kwargs)

        def on_console(message):
            if any(marker in message.text for marker in CSP_MARKERS):
                violations.append(f"{message.location.get('url', '')}: {message.text}")

        context.on("console", on_console)
        return context

    monkeypatch.setattr(Browser, "new_context", new_context)
    yield
    assert violations == [], "the Content-Security-Policy refused something:\n" + "\n".join(
        violations)


@pytest.fixture
def shot():
    """``shot(page, name)``: a full-page screenshot into var/screenshots/ (SCREENSHOT_DIR)."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)

    def take(page, name):
        path = SCREENSHOTS / f"{name}.png"
        page.screenshot(path=str(path), full_page=True)
        return path

    return take


@pytest.fixture
def phone_page(browser):
    context = browser.new_context(
        viewport={"width": 390, "height": 844},
        device_scale_factor=2,
        is_mobile=True,
        has_touch=True,
        locale="zh-CN",
    )
    page = context.new_page()
    yield page
    context.close()


@pytest.fixture(autouse=True)
def _page_cache_on(settings):
    """The walks run with the page cache on (``tenancy.pagecache``; off in the rest of the
    suite): every page after an act, a consultant's or a client's, must show it."""
    settings.PAGE_CACHE = True
