"""The real server in headless Chromium: every page in both languages and a
drill-down, no error element on screen, screenshots saved for a person to look at.

Needs Debian's chromium at /usr/bin/chromium (bin/test installs it) and
Playwright for Python pointed at it; nothing is downloaded.
Screenshots: artifacts/screenshots/<lang>-<page>.png
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from tests.conftest import PROJECT_ROOT

pytestmark = [pytest.mark.browser, pytest.mark.slow]

CHROMIUM = Path("/usr/bin/chromium")
SCREENSHOTS = PROJECT_ROOT / "artifacts" / "screenshots"
PAGES = ("resumen", "comunidad", "regiones", "flujos", "contenido", "datos")
TITLES = {
    "es": ("Resumen", "Comunidad", "Regiones", "Flujos", "Contenido", "Datos"),
    "en": ("Overview", "Community", "Regions", "Flows", "Content", "Data"),
}
ERROR_SELECTORS = ('[data-testid="stException"], [data-testid="stAlertContentError"], '
                   '[data-testid="stAlertContainer"] .stAlertContentError')


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def server(sample_store, tmp_path_factory):
    port = free_port()
    config = tmp_path_factory.mktemp("st") / "streamlit_config.toml"
    config.write_text(f'[server]\nport = {port}\naddress = "127.0.0.1"\nheadless = true\n'
                      f'[browser]\ngatherUsageStats = false\n[client]\nshowErrorDetails = "full"\n')
    process = subprocess.Popen(
        [sys.executable, "-m", "pulso.cli", "serve", "--db", str(sample_store), "--streamlit-config", str(config)],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=dict(os.environ), cwd=PROJECT_ROOT,
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.time() + 60
    while time.time() < deadline:
        try:
            with urllib.request.urlopen(base + "/_stcore/health", timeout=2) as response:
                if response.read() == b"ok":
                    break
        except OSError:
            time.sleep(0.5)
    else:
        process.terminate()
        pytest.fail("the dashboard server did not start")
    yield base
    process.terminate()
    process.wait(timeout=20)


@pytest.fixture(scope="module")
def browser():
    if not CHROMIUM.exists():
        pytest.fail("Debian's chromium is missing: run the README's test command (bash bin/test), which installs it")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        instance = playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True,
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                  "--disable-sync", "--no-first-run", "--disable-quic"],
        )
        yield instance
        instance.close()


def settle(page) -> None:
    """Wait until Streamlit has finished running the script and drawing."""
    page.wait_for_selector('[data-testid="stApp"]', timeout=60_000)
    page.wait_for_timeout(500)
    deadline = time.time() + 90
    while time.time() < deadline:
        running = page.locator('[data-testid="stStatusWidget"]').count()
        skeletons = page.locator('[data-testid="stSkeleton"]').count()
        if not running and not skeletons:
            break
        page.wait_for_timeout(300)
    page.wait_for_timeout(1200)  # plotly draws after the script has finished


def assert_no_error(page, what: str) -> None:
    errors = page.locator(ERROR_SELECTORS)
    texts = [errors.nth(i).inner_text()[:300] for i in range(errors.count())]
    assert not texts, f"{what}: error on screen: {texts}"
    body = page.locator("body").inner_text()
    assert "Traceback" not in body, f"{what}: a traceback is shown"
    assert "Page not found" not in body, f"{what}: Streamlit says the page does not exist"


@pytest.mark.parametrize("lang", ["es", "en"])
def test_every_page_renders_without_error(server, browser, lang):
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page = browser.new_page(viewport={"width": 1440, "height": 2600})
    for name, title in zip(PAGES, TITLES[lang]):
        path = "" if name == "resumen" else name  # the default page is served at the root
        page.goto(f"{server}/{path}?lang={lang}")
        settle(page)
        assert_no_error(page, f"{lang}/{name}")
        heading = page.locator("h1").first.inner_text()
        assert title in heading, f"{lang}/{name}: page title {heading!r}"
        page.screenshot(path=str(SCREENSHOTS / f"{lang}-{name}.png"), full_page=True)
    page.close()


def choose(page, label: str, option_index: int = 1) -> str:
    """Open the selectbox labelled ``label`` and pick its option number ``option_index``."""
    box = page.locator('[data-testid="stSelectbox"]').filter(has_text=label).first
    box.click()
    options = page.locator('[role="option"]')
    options.first.wait_for(timeout=10_000)
    chosen = options.nth(option_index).inner_text()
    options.nth(option_index).click()
    settle(page)
    return chosen


def test_drill_down_region_office_person_and_back(server, browser):
    page = browser.new_page(viewport={"width": 1440, "height": 2600})
    page.goto(f"{server}/regiones?lang=es")
    settle(page)
    region = choose(page, "Bajar a")
    assert_no_error(page, "drill to region")
    assert f"dr={urllib.request.quote(region)}" in page.url or "dr=" in page.url
    crumbs = page.locator("button").filter(has_text="⬆")
    assert crumbs.count() >= 1, "a breadcrumb button leads back up"
    page.screenshot(path=str(SCREENSHOTS / "es-regiones-region.png"), full_page=True)
    office = choose(page, "Bajar a")
    assert_no_error(page, "drill to office")
    assert "do=" in page.url
    page.screenshot(path=str(SCREENSHOTS / "es-regiones-office.png"), full_page=True)
    page.locator("button").filter(has_text="⬆").first.click()
    settle(page)
    assert "dr=" not in page.url and "do=" not in page.url, "the breadcrumb goes back to the top"
    assert_no_error(page, "back to the top")
    page.close()
    assert region and office
