"""The public pages in a real browser: Debian's headless Chromium, driven by selenium.

What a person sees: the server page, then a board, a member and a prediction by following
links; every image loaded, no console error, one h1 and ordered headings, landmarks, alt text,
the keyboard's order, light and dark themes with readable contrast, a phone's width, and a
screenshot of each page kept (in $CALLEDIT_ARTIFACTS, else pytest's temporary folder).
Without chromium and chromedriver the tests are skipped, saying why; with CI=true they fail.
"""

from __future__ import annotations

import asyncio
import base64
import itertools
import os
import re
import shutil
import sys
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.web.conftest import GUILD, Site

CHROMIUM = "/usr/bin/chromium"
CHROMEDRIVER = "/usr/bin/chromedriver"
FLAGS = (
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
)
PHONE = {"width": 390, "height": 844, "deviceScaleFactor": 2, "mobile": True}
#: WCAG AA for body text.
CONTRAST = 4.5

#: The browser tests run on SQLite only: the pages' reads run on both in tests/web/test_pages.py.
on_sqlite = pytest.mark.parametrize("backend", ["sqlite"], indirect=True)


def _unavailable(reason: str) -> None:
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(f"{reason} (CI=true: the browser tests must run)")
    pytest.skip(reason)


def require_browser() -> None:
    """Skip (fail under CI=true) with the reason when chromium or chromedriver is missing."""
    missing = [p for p in (CHROMIUM, CHROMEDRIVER) if not Path(p).exists()]
    if missing:
        _unavailable(
            f"no {' or '.join(missing)}: apt-get install chromium chromium-driver to run them"
        )


@pytest.fixture
def browser() -> Iterator[Any]:
    """Start headless Chromium through the system's chromedriver (nothing downloaded)."""
    require_browser()
    try:
        from selenium import webdriver
        from selenium.webdriver.chrome.service import Service
    except ImportError:
        _unavailable("selenium is not installed: pip install -e '.[dev]'")
    profile = tempfile.mkdtemp(prefix="calledit-chromium-")
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in (*FLAGS, f"--user-data-dir={profile}", "--window-size=1280,900"):
        options.add_argument(flag)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    driver.set_page_load_timeout(30)
    try:
        yield driver
    finally:
        driver.quit()
        shutil.rmtree(profile, ignore_errors=True)


@pytest.fixture
def artifacts(tmp_path: Path) -> Path:
    """Return the folder the screenshots go to, and print it."""
    folder = Path(os.environ.get("CALLEDIT_ARTIFACTS") or tmp_path) / "web-screenshots"
    folder.mkdir(parents=True, exist_ok=True)
    print(f"screenshots of the public pages: {folder}")
    return folder


async def in_thread(work: Callable[[], None]) -> None:
    """Drive the browser off the event loop, which keeps serving the pages meanwhile."""
    await asyncio.to_thread(work)


def shoot(driver: Any, path: Path) -> None:
    """Save a screenshot of the whole page."""
    size = driver.execute_cdp_cmd("Page.getLayoutMetrics", {})["cssContentSize"]
    shot = driver.execute_cdp_cmd(
        "Page.captureScreenshot",
        {
            "format": "png",
            "captureBeyondViewport": True,
            "clip": {"x": 0, "y": 0, "width": size["width"], "height": size["height"], "scale": 1},
        },
    )
    path.write_bytes(base64.b64decode(shot["data"]))


def errors(driver: Any) -> list[str]:
    """Return the console's errors since the last call."""
    return [e["message"] for e in driver.get_log("browser") if e["level"] == "SEVERE"]


def check_page(driver: Any) -> None:
    """Check what every page owes a person: images, headings, landmarks, alt text, no errors."""
    facts = driver.execute_script(
        """
        const imgs = [...document.images];
        return {
          images: imgs.map(i => [i.getAttribute('src'), i.complete && i.naturalWidth, i.alt]),
          headings: [...document.querySelectorAll('h1,h2,h3,h4,h5,h6')].map(h => +h.tagName[1]),
          landmarks: ['header', 'nav', 'main', 'footer'].map(t => document.querySelectorAll(t).length),
          lang: document.documentElement.lang,
          viewport: !!document.querySelector('meta[name=viewport]'),
          scripts: document.scripts.length,
        };
        """
    )
    for src, width, alt in facts["images"]:
        assert width and width > 0, f"image not loaded: {src}"
        assert alt.strip(), f"image without alt text: {src}"
    levels = facts["headings"]
    assert levels.count(1) == 1 and levels[0] == 1, levels
    assert all(b - a <= 1 for a, b in itertools.pairwise(levels)), levels
    assert all(facts["landmarks"]), facts["landmarks"]
    assert facts["lang"] == "en" and facts["viewport"] and facts["scripts"] == 0
    assert errors(driver) == []


def luminance(css: str) -> float:
    """Return the relative luminance of a computed rgb() colour."""
    r, g, b = (int(v) / 255 for v in re.findall(r"\d+", css)[:3])
    lin = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in (r, g, b)]
    return 0.2126 * lin[0] + 0.7152 * lin[1] + 0.0722 * lin[2]


def contrast(a: str, b: str) -> float:
    """Return the WCAG contrast ratio of two colours."""
    hi, lo = sorted((luminance(a), luminance(b)), reverse=True)
    return (hi + 0.05) / (lo + 0.05)


def colours(driver: Any) -> dict[str, str]:
    """Return the computed background, text, muted text and link colours."""
    return driver.execute_script(
        """
        const get = (sel, p) => getComputedStyle(document.querySelector(sel))[p];
        return {bg: get('body', 'backgroundColor'), fg: get('body', 'color'),
                link: get('main a', 'color'), muted: get('.foot', 'color')};
        """
    )


def tab_order(driver: Any, count: int) -> list[str]:
    """Load the page afresh, press Tab `count` times; return what got focus each time."""
    from selenium.webdriver.common.action_chains import ActionChains
    from selenium.webdriver.common.keys import Keys

    driver.get(driver.current_url)
    seen = []
    for _ in range(count):
        ActionChains(driver).send_keys(Keys.TAB).perform()
        seen.append(
            driver.execute_script(
                "const a = document.activeElement;"
                "return (a.getAttribute('href') || a.tagName) + ' ' + a.textContent.trim();"
            )
        )
    return seen


@on_sqlite
async def test_a_visit_through_the_pages(site: Site, browser: Any, artifacts: Path) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys

    base = f"/s/{GUILD}"
    shots: list[Path] = []

    def visit() -> None:
        driver = browser
        driver.get(site.url + base)
        assert driver.find_element(By.TAG_NAME, "h1").text == "Forecasters <b>&amp;</b>"
        assert "No poll is open" not in driver.page_source
        check_page(driver)
        shots.append(artifacts / "server.png")
        shoot(driver, shots[-1])
        # The keyboard: the skip link first, then the header's links, then the main content's.
        order = tab_order(driver, 4)
        assert order[0] == "#main Skip to content"
        assert order[1].startswith(f"{base} Forecasters")
        assert order[2] == f"{base}/board/all-time All-time board"
        assert order[3].startswith(f"{base}/p/3 #3")
        # The skip link moves the focus to the main content; the next Tab is its first link.
        assert tab_order(driver, 1) == [order[0]]
        driver.switch_to.active_element.send_keys(Keys.ENTER)
        assert driver.execute_script("return document.activeElement.id") == "main"
        assert driver.switch_to.active_element.get_attribute("id") == "main"
        outline = driver.execute_script(
            "const a = document.querySelector('main a'); a.focus();"
            "return getComputedStyle(a).outlineStyle + ' ' + getComputedStyle(a).outlineWidth;"
        )
        assert outline == "solid 3px"

        # A board, by its link.
        driver.find_element(By.LINK_TEXT, "The whole board of November 2025").click()
        assert driver.find_element(By.TAG_NAME, "h1").text == "Leaderboard · November 2025"
        check_page(driver)
        shots.append(artifacts / "board.png")
        shoot(driver, shots[-1])
        # A member, from the board.
        driver.find_element(By.CSS_SELECTOR, f'a[href="{base}/m/1"]').click()
        assert driver.find_element(By.TAG_NAME, "h1").text == "Ada"
        assert "Scored votes" in driver.page_source
        check_page(driver)
        shots.append(artifacts / "member.png")
        shoot(driver, shots[-1])
        # A prediction, from the member's scored votes.
        driver.find_element(By.CSS_SELECTOR, f'main a[href="{base}/p/2"]').click()
        assert driver.find_element(By.TAG_NAME, "h1").text.startswith("#2 ")
        body = driver.find_element(By.TAG_NAME, "main").text
        assert "Open disputes (1)" in body and 'It did! <b>"really"</b>' in body
        assert '<script>alert("x")</script> & "Bo"' in body
        check_page(driver)
        shots.append(artifacts / "prediction.png")
        shoot(driver, shots[-1])

        # Light and dark, each readable.
        for scheme in ("light", "dark"):
            driver.execute_cdp_cmd(
                "Emulation.setEmulatedMedia",
                {"features": [{"name": "prefers-color-scheme", "value": scheme}]},
            )
            for page in ("", "/board/all-time", "/p/1"):
                driver.get(site.url + base + page)
                check_page(driver)
                seen = colours(driver)
                dark = luminance(seen["bg"]) < 0.1
                assert dark is (scheme == "dark"), (scheme, seen)
                for part in ("fg", "link", "muted"):
                    ratio = contrast(seen[part], seen["bg"])
                    assert ratio >= CONTRAST, (scheme, page, part, ratio)
            shots.append(artifacts / f"prediction-{scheme}.png")
            shoot(driver, shots[-1])

        # A phone: nothing wider than the screen, the card shrunk to fit.
        driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", PHONE)
        for page in ("", "/board/2025-11", "/m/4", "/p/1"):
            driver.get(site.url + base + page)
            check_page(driver)
            wide = driver.execute_script("return document.documentElement.scrollWidth")
            assert wide <= PHONE["width"], (page, wide)
            name = page.strip("/").replace("/", "-") or "server"
            shots.append(artifacts / f"phone-{name}.png")
            shoot(driver, shots[-1])

    await in_thread(visit)
    for shot in shots:
        assert shot.stat().st_size > 5000, shot
    print("\n".join(str(s) for s in shots))


@on_sqlite
async def test_a_page_of_a_server_with_pages_off_says_not_found(
    site: Site, browser: Any, artifacts: Path
) -> None:
    from tests.web.conftest import OTHER

    def visit() -> None:
        browser.get(f"{site.url}/s/{OTHER}")
        assert browser.find_element("tag name", "body").text == "404: Not Found"

    await in_thread(visit)


def test_without_chromium_the_tests_skip_saying_why_and_fail_under_ci(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(sys.modules[__name__], "CHROMIUM", "/nowhere/chromium")
    monkeypatch.delenv("CI", raising=False)
    with pytest.raises(pytest.skip.Exception, match="no /nowhere/chromium: apt-get install"):
        require_browser()
    monkeypatch.setenv("CI", "true")
    with pytest.raises(pytest.fail.Exception, match="CI=true: the browser tests must run"):
        require_browser()
