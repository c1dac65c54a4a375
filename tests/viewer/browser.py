"""Headless Debian Chromium driven by selenium, offline.

The machine has no internet: the flags keep Chromium from reaching for it
(updates, sync, QUIC probes), and ChromeDriver is Debian's, never downloaded.
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.support.ui import WebDriverWait

CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")
RENDER_TIMEOUT_S = 15
PAGE_LOAD_TIMEOUT_S = 30
# Any alert() a page could be tricked into calling is recorded instead of shown.
RECORD_ALERTS = "window.__alerts = []; window.alert = function (m) { window.__alerts.push(m); };"


class BrowserMissingError(RuntimeError):
    pass


def require_browser(chromium: Path = CHROMIUM, chromedriver: Path = CHROMEDRIVER) -> None:
    missing = [str(path) for path in (chromium, chromedriver) if not path.is_file()]
    if missing:
        raise BrowserMissingError(
            f"{' and '.join(missing)} not found: run `make browser-deps` "
            "(installs Debian's chromium and chromium-driver)"
        )


def chromium_options(user_data_dir: Path, *, width: int, height: int) -> webdriver.ChromeOptions:
    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for flag in (
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        # Containers often have a tiny /dev/shm, which crashes tabs.
        "--disable-dev-shm-usage",
        f"--window-size={width},{height}",
        f"--user-data-dir={user_data_dir}",
    ):
        options.add_argument(flag)
    # Console messages, so tests can see script errors and policy violations.
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    return options


def start_chromium(user_data_dir: Path, *, width: int = 1280, height: int = 900) -> WebDriver:
    require_browser()
    driver = webdriver.Chrome(
        options=chromium_options(user_data_dir, width=width, height=height),
        service=Service(str(CHROMEDRIVER)),
    )
    driver.set_page_load_timeout(PAGE_LOAD_TIMEOUT_S)
    # Headless Chromium keeps room for window decorations out of --window-size:
    # make the page's viewport itself width x height, so screenshots are that size.
    driver.execute_cdp_cmd(
        "Emulation.setDeviceMetricsOverride",
        {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": False},
    )
    return driver


@contextmanager
def chromium(width: int = 1280, height: int = 900) -> Iterator[WebDriver]:
    """A browser with a throw-away profile, closed on exit."""
    with tempfile.TemporaryDirectory(prefix="otelscope-chromium-") as profile:
        driver = start_chromium(Path(profile), width=width, height=height)
        try:
            yield driver
        finally:
            driver.quit()


def alert_recording_chromium(profile: Path, *, width: int, height: int) -> Iterator[WebDriver]:
    """A browser for a test module's fixture: the test fails, naming what to
    install, without Chromium; each page's alerts are recorded."""
    try:
        require_browser()
    except BrowserMissingError as missing:
        pytest.fail(str(missing))
    driver = start_chromium(profile, width=width, height=height)
    driver.execute_cdp_cmd("Page.addScriptToEvaluateOnNewDocument", {"source": RECORD_ALERTS})
    try:
        yield driver
    finally:
        driver.quit()


def open_waterfall(driver: WebDriver, html_path: Path) -> None:
    """Load the page and wait until its script has drawn it."""
    driver.get(html_path.resolve().as_uri())
    WebDriverWait(driver, RENDER_TIMEOUT_S).until(
        lambda current: current.execute_script("return document.body.dataset.rendered") == "true"
    )


def take_screenshot(
    html_path: Path, png_path: Path, *, width: int = 1280, height: int = 900
) -> None:
    """A PNG of the waterfall page as a `width` x `height` window shows it."""
    png_path.parent.mkdir(parents=True, exist_ok=True)
    with chromium(width, height) as driver:
        open_waterfall(driver, html_path)
        if not driver.save_screenshot(str(png_path)):
            raise RuntimeError(f"Chromium did not write {png_path}")
