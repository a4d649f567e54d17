"""The real server in headless Chromium at 1,280 × 800: every page in Spanish and in English, over one week and
over one year, and each user's path -- the business director's drill-down to a person, the community manager's
list with its threshold and tab kept in the link and its CSV, the communications director's report (HTML and
PDF). It fails on a Python ``None``, ``nan`` or ``NaT``, a snake_case identifier, an English word of the list
in the Spanish interface (or a Spanish one in the English interface), an error or a warning on screen.
Screenshots of every view go to artifacts/screenshots/ for a person to look at.

Needs Debian's chromium at /usr/bin/chromium (bin/test installs it) and Playwright for Python pointed at it;
nothing is downloaded. One server and one browser serve the whole module.
"""

from __future__ import annotations

import csv
import io
import re
import time
import urllib.parse
import urllib.request
from pathlib import Path

import duckdb
import pytest

from tests.conftest import PROJECT_ROOT
from tests.server import CHROMIUM, CHROMIUM_ARGS, require_chromium, serve

pytestmark = [pytest.mark.browser, pytest.mark.slow]

SCREENSHOTS = PROJECT_ROOT / "artifacts" / "screenshots"
VIEWPORT = {"width": 1280, "height": 800}
PAGES = ("resumen", "comunidad", "regiones", "flujos", "contenido", "datos")
TITLES = {
    "es": ("Resumen", "Comunidad", "Regiones", "Flujos", "Contenido", "Datos"),
    "en": ("Overview", "Community", "Regions", "Flows", "Content", "Data"),
}
PERIODS = {"week": ("2026-11-09", "2026-11-15"), "year": ("2025-11-17", "2026-11-15")}
PROBLEM_SELECTORS = ('[data-testid="stException"], [data-testid="stAlertContentError"], '
                     '[data-testid="stAlertContentWarning"]')
PYTHON_VALUES = re.compile(r"\b(None|nan|NaN|NaT)\b")
SNAKE = re.compile(r"\b[A-Za-z0-9]+(?:_[A-Za-z0-9]+)+\b")
# Interface words that must not appear in the other language (words that also occur in the sample's own content,
# such as names, titles or group names, are left out by ``forbidden_words``).
ENGLISH = ("Download", "Select all", "unassigned", "Unassigned", "actives", "contributions", "People", "Region",
           "Office", "Role", "Week", "Share", "Replies", "Likes", "Threads", "Change", "Previous", "rows", "Period",
           "Sender", "Receiver", "Level", "Unit", "Overview", "Community", "Flows", "Definition", "Manager", "Stage",
           "Unaware", "Interested", "Regulars", "Enthusiasts", "Upward", "Downward", "Adoption", "Visits", "Active",
           "accounts", "Events", "Count", "Mentions", "Brokers", "Bridges", "hours", "days", "the", "and", "with",
           "Time", "Reply", "Page", "Report", "Key indicators", "Trends", "Alerts", "Top posts", "Inactive",
           "Dormant", "Champions", "Unanswered", "Influence", "Not in the directory", "No office", "Group by")
SPANISH = ("Descargar", "Región", "Oficina", "Personas", "Periodo", "Semana", "Cambio", "Adopción", "Todas",
           "Hilos", "Respuestas", "Definición", "Indicadores", "Sin asignar", "Fuera del directorio", "Sin oficina",
           "Jefe", "Etapa", "Activos", "Cuentas", "Lugar", "Hacia arriba", "Hacia abajo", "Interacciones",
           "Comunidades", "Horas", "días", "filas", "personas", "Resumen", "Comunidad", "Regiones", "Flujos",
           "Contenido", "Datos", "Reporte", "Tendencias", "Alertas", "Campeones", "Inactivos", "Dormidos",
           "Habituales", "Entusiastas", "Me gusta", "Menciones", "Agrupar por", "Página", "Zona horaria")


@pytest.fixture(scope="module")
def server(sample_store, tmp_path_factory):
    with serve(sample_store, tmp_path_factory.mktemp("st"),
               '[client]\nshowErrorDetails = "full"\ntoolbarMode = "minimal"\n') as base:
        yield base


@pytest.fixture(scope="module")
def page(server):
    require_chromium()
    from playwright.sync_api import sync_playwright

    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)
        context = browser.new_context(viewport=VIEWPORT, accept_downloads=True, locale="es-MX")
        yield context.new_page()
        context.close()
        browser.close()


@pytest.fixture(scope="module")
def content_words(sample_store) -> set[str]:
    """Every word of the sample's own content (names, places, titles, texts, groups, hashtags, calendar)."""
    con = duckdb.connect(str(sample_store), read_only=True)
    try:
        texts = [r[0] for query in (
            "SELECT display_name FROM people", "SELECT DISTINCT region FROM people",
            "SELECT DISTINCT office FROM people", "SELECT name FROM groups", "SELECT title FROM messages",
            "SELECT body FROM messages", "SELECT title FROM campaign_events",
            "SELECT DISTINCT unnest(hashtags) FROM messages") for r in con.execute(query).fetchall() if r[0]]
    finally:
        con.close()
    return {w for text in texts for w in re.findall(r"\w+", text)}


def forbidden_words(lang: str, content: set[str]) -> tuple[str, ...]:
    words = ENGLISH if lang == "es" else SPANISH
    kept = tuple(w for w in words if not set(re.findall(r"\w+", w)) & content)
    assert len(kept) >= 0.8 * len(words), "the word list must stay meaningful for the sample"
    return kept


SCRIPT_STATE = "() => document.querySelector('[data-testid=stApp]')?.getAttribute('data-test-script-state')"


def settle(page) -> None:
    """Wait until Streamlit has finished running the script (the app's script state) and the page has stopped
    changing (charts draw after the script ends)."""
    page.wait_for_selector('[data-testid="stApp"]', timeout=60_000)
    last, stable, deadline = None, 0, time.time() + 180
    while time.time() < deadline and stable < 2:
        page.wait_for_timeout(300)
        done = page.evaluate(SCRIPT_STATE) == "notRunning"
        busy = page.locator('[data-testid="stSkeleton"]').count()
        length = len(page.locator("body").inner_text())
        stable = stable + 1 if done and not busy and length == last else 0
        last = length
    page.wait_for_timeout(300)


def screen_text(page) -> str:
    """What a person reads in the sidebar and the main area (icons, drawn from ligature names, left out), and the
    table cells on screen."""
    page.add_style_tag(content='[data-testid="stIconMaterial"]{display:none !important}')
    parts = [page.locator(selector).first.inner_text() for selector in
             ('[data-testid="stSidebar"]', '[data-testid="stMain"]') if page.locator(selector).count()]
    cells = page.evaluate("() => Array.from(document.querySelectorAll('[role=gridcell], [role=columnheader]'))"
                          ".map(e => e.textContent)")
    return "\n".join(parts + cells)


def check_screen(page, what: str, lang: str, content: set[str]) -> None:
    problems = page.locator(PROBLEM_SELECTORS)
    texts = [problems.nth(i).inner_text()[:300] for i in range(problems.count())]
    assert not texts, f"{what}: error or warning on screen: {texts}"
    text = screen_text(page)
    assert "Traceback" not in text and "Page not found" not in text, f"{what}: a failure is shown"
    assert not PYTHON_VALUES.findall(text), f"{what}: {PYTHON_VALUES.findall(text)[:5]} on screen"
    snakes = [s for s in SNAKE.findall(text) if s not in content]
    assert not snakes, f"{what}: identifiers on screen: {snakes[:5]}"
    wrong = [w for w in forbidden_words(lang, content) if re.search(rf"(?<!\w){re.escape(w)}(?!\w)", text)]
    assert not wrong, f"{what}: words of the other language on screen: {wrong[:8]}"


def shoot(page, name: str) -> None:
    """The view at 1,280 × 800, and the whole page (the viewport stretched to the content's height)."""
    page.screenshot(path=str(SCREENSHOTS / f"{name}-view.png"))
    height = page.evaluate("() => Math.max(...['stMain', 'stAppViewContainer', 'stMainBlockContainer'].map("
                           "id => { const e = document.querySelector(`[data-testid=\"${id}\"]`);"
                           " return e ? e.scrollHeight : 0 }), document.body.scrollHeight)")
    page.set_viewport_size({"width": VIEWPORT["width"], "height": max(VIEWPORT["height"], int(height) + 40)})
    page.wait_for_timeout(1200)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)
    page.set_viewport_size(VIEWPORT)


def url(server: str, name: str, lang: str, period: str, **query) -> str:
    start, end = PERIODS[period]
    path = "" if name == "resumen" else name  # the default page is served at the root
    return f"{server}/{path}?" + urllib.parse.urlencode({"lang": lang, "start": start, "end": end, **query})


@pytest.mark.parametrize("lang", ["es", "en"])
@pytest.mark.parametrize("period", ["week", "year"])
def test_every_page_in_both_languages_over_a_week_and_a_year(server, page, content_words, lang, period):
    for name, title in zip(PAGES, TITLES[lang]):
        page.goto(url(server, name, lang, period))
        settle(page)
        heading = page.locator("h1").first.inner_text()
        assert title in heading, f"{lang}/{period}/{name}: page title {heading!r}"
        check_screen(page, f"{lang}/{period}/{name}", lang, content_words)
        shoot(page, f"{lang}-{period}-{name}")


def choose(page, label: str, option: str) -> None:
    """Pick ``option`` in the selectbox labelled ``label`` by typing it, as a person searching the list would."""
    box = page.locator('[data-testid="stSelectbox"]').filter(has_text=label).first.locator("input")
    box.click()
    box.type(option, delay=10)
    page.locator('[role="option"]').filter(has_text=option).first.wait_for(timeout=10_000)
    page.keyboard.press("Enter")
    settle(page)


def test_business_director_drills_down_to_a_person_and_back(server, page, content_words):
    page.goto(url(server, "regiones", "es", "week"))
    settle(page)
    choose(page, "Ver región", "Golfo")
    assert "dr=Golfo" in page.url
    choose(page, "Ver oficina", "Orizaba Oriente")
    assert "do=Orizaba" in page.url
    check_screen(page, "es/office", "es", content_words)
    shoot(page, "es-week-regiones-office")
    choose(page, "Ver persona", "Alejandra Morales Mendoza")
    assert "dp=E00515" in page.url
    settle(page)
    text = screen_text(page)
    for heading in ("A quién responde", "Quién le responde", "Su lugar en la red", "Etapa en la escalera"):
        assert heading in text, heading
    check_screen(page, "es/person", "es", content_words)
    shoot(page, "es-week-regiones-person")
    shared = page.url
    page.locator("button").filter(has_text="⬆ Golfo").first.click()
    settle(page)
    assert "dp=" not in page.url and "do=" not in page.url and "dr=Golfo" in page.url
    page.goto(shared)  # the shared link opens the same person
    settle(page)
    assert "Alejandra Morales Mendoza" in screen_text(page)
    page.goto(url(server, "regiones", "en", "year", dr="Bajío", dp="E00216"))  # no office: straight from the region
    settle(page)
    check_screen(page, "en/person", "en", content_words)
    assert "Regional manager · Bajío" in screen_text(page)
    shoot(page, "en-year-regiones-person")


def test_community_manager_keeps_the_threshold_and_tab_in_the_link_and_downloads_the_list(server, page,
                                                                                            content_words):
    page.goto(url(server, "comunidad", "es", "week"))
    settle(page)
    box = page.locator('[data-testid="stNumberInput"]').filter(has_text="Días sin actividad").locator("input")
    box.fill("60")
    box.press("Enter")
    settle(page)
    assert "dias=60" in page.url
    page.get_by_role("tab", name="Dormidos").click()
    settle(page)
    assert "lista=dormant" in page.url
    shared = page.url
    page.goto(shared)
    settle(page)
    assert page.locator('[data-testid="stNumberInput"] input').first.input_value() == "60"
    assert page.get_by_role("tab", name="Dormidos").get_attribute("aria-selected") == "true"
    check_screen(page, "es/comunidad dormant", "es", content_words)
    shoot(page, "es-week-comunidad-dormant")
    with page.expect_download() as download:
        page.locator('[data-testid="stDownloadButton"]').filter(has_text="Descargar CSV").first.click()
    text = Path(download.value.path()).read_text(encoding="utf-8")
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0][:5] == ["ID", "Nombre", "Región", "Oficina", "Rol"]
    assert len(rows) > 1 and not PYTHON_VALUES.search(text)
    assert not any("unassigned" in cell for row in rows for cell in row)


def test_communications_director_downloads_the_report_as_html_and_pdf(server, page, content_words):
    page.goto(url(server, "resumen", "es", "week"))
    settle(page)
    with page.expect_download(timeout=60_000) as download:
        page.locator('[data-testid="stDownloadButton"]').filter(has_text="Reporte en HTML").first.click()
    html = Path(download.value.path()).read_text(encoding="utf-8")
    assert "Indicadores clave" in html and "Qué significa cada indicador" in html
    # the sample's silent offices are alerted, each with its reason in Spanish
    assert "Sin actividad desde el" in html and not PYTHON_VALUES.search(re.sub(r"<script.*?</script>", "", html,
                                                                              flags=re.S))
    with page.expect_download(timeout=120_000) as download:
        page.locator('[data-testid="stDownloadButton"]').filter(has_text="Reporte en PDF").first.click()
    assert Path(download.value.path()).read_bytes().startswith(b"%PDF")
    page.goto(url(server, "flujos", "es", "week"))
    settle(page)
    page.locator('[data-testid="stRadio"]').filter(has_text="Nivel de la red").get_by_text("oficinas").click()
    settle(page)
    assert "nivel=office" in page.url
    check_screen(page, "es/flujos offices", "es", content_words)
