"""End to end, offline: a local OpenID Connect provider (oidc-provider-mock) with users carrying e-mail and group
claims, ``pulso serve`` signing in through it, and Debian's chromium signing in as each role and proving, page by
page (direct URLs), what each can and cannot see -- URL tampering included -- and that the command line with
``--viewer`` says the same. No request leaves 127.0.0.1 (the provider's page asks for a CDN stylesheet: it is
blocked). Screenshots: artifacts/screenshots/auth-<role>-<page>.png.

The organisation is tests/security/org.py; the default period is P (2026-11-02 .. 08): 8 active people, 3 of them
in Norte (N1-1 N2-2 N3-1), 2 in Oeste (O1-1 O1-2).
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from pulso.cli.main import main
from tests.conftest import PROJECT_ROOT, build_store
from tests.security import oidc, org

pytestmark = [pytest.mark.browser, pytest.mark.slow]

SCREENSHOTS = PROJECT_ROOT / "artifacts" / "screenshots"
PAGES = ("resumen", "comunidad", "regiones", "flujos", "contenido", "datos")
MARKER = "MARCADOR-7319"
USERS = [
    {"sub": "admin", "email": "admin@banco.mx", "name": "Admin"},
    {"sub": "director", "email": "dir@banco.mx", "name": "Directora"},
    {"sub": "comunidad", "email": "cm@banco.mx", "groups": ["comunidad"], "name": "Gestora"},
    {"sub": "norte", "email": "n3-2@banco.mx", "name": "Gerente Norte"},
    {"sub": "oficina", "email": "o1-1@banco.mx", "name": "Gerente O1"},
    {"sub": "nadie", "email": "nadie@banco.mx", "groups": ["otros"], "name": "Nadie"},
]


@pytest.fixture(scope="module")
def db(tmp_path_factory):
    tables = org.tables()
    tables["groups"] = [{"group_id": "sec", "name": "Comité secreto", "is_private": "true"}]
    tables["messages"] += [  # private text (never shown) and a row refused at load (a rejected row)
        {"message_id": "s1", "thread_id": "s1", "group_id": "sec", "author_id": "N1-1",
         "created_at": "2026-11-04 18:00:00", "title": MARKER, "body": f"Confidencial {MARKER}"},
        {"message_id": "bad", "thread_id": "bad", "author_id": "nadie", "created_at": "2026-11-04 18:00:00",
         "body": f"Rechazado {MARKER}"}]
    return build_store(tmp_path_factory.mktemp("e2e"), tables, org.directory(), "e2e.duckdb", org.VIEWERS)


@pytest.fixture(scope="module")
def signed_in_server(db, tmp_path_factory):
    folder = tmp_path_factory.mktemp("e2e-serve")
    with oidc.provider(USERS) as metadata, oidc.dashboard(db, folder, metadata) as base:
        yield base


@pytest.fixture(scope="module")
def browser():
    if not oidc.CHROMIUM.exists():
        pytest.fail("Debian's chromium is missing: run the README's test command (bash bin/test), which installs it")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        instance = playwright.chromium.launch(executable_path=str(oidc.CHROMIUM), headless=True,
                                              args=oidc.CHROMIUM_ARGS)
        yield instance
        instance.close()


def downloads(page) -> str:
    """Click every download button of the page (CSV lists, the report), each once, and return what was downloaded.
    Buttons are found by their widget key after the page has settled: a tab shows only its own panel, and switching
    tabs (or the rerun an audited download causes) replaces the buttons, so a position counted earlier can vanish."""
    from playwright.sync_api import expect

    out, done = [], set()
    keys_script = """els => els.filter(e => e.offsetParent !== null)
                                .map(e => [...e.parentElement.classList].find(c => c.startsWith('st-key-')))"""

    def visible_ones():
        oidc.settle(page)
        keys = page.eval_on_selector_all('[data-testid="stDownloadButton"]', keys_script)
        for key in keys:
            assert key, "a download button without a widget key"
            if key in done:
                continue
            done.add(key)
            with page.expect_download(timeout=60_000) as info:
                page.locator(f'.{key} > [data-testid="stDownloadButton"] button').first.click()  # (one with a tooltip
                # nests a second button)
            out.append(Path(info.value.path()).read_text(encoding="utf-8", errors="replace"))
            oidc.settle(page)  # a person-level download is audited: the page runs again before the next click

    visible_ones()
    tabs = page.get_by_role("tab")
    for i in range(tabs.count()):  # the lists behind each tab
        tabs.nth(i).click()
        expect(tabs.nth(i)).to_have_attribute("aria-selected", "true")
        visible_ones()
    return "\n".join(out)


def visit_all(browser, base: str, sub: str, query: str = "", pages=PAGES,
              download=("resumen", "comunidad")) -> tuple[dict[str, str], list[str]]:
    """Sign in as ``sub``, open ``pages`` by their own URLs; {page: visible text + every file the download buttons
    of the ``download`` pages give (the CSV lists, the report)}, blocked requests. (Tables are drawn on a canvas:
    their content is checked in the CSVs and, cell by cell, in tests/security/test_dashboard_access.py.)"""
    context = browser.new_context(viewport={"width": 1440, "height": 2400}, accept_downloads=True)
    blocked = oidc.offline(context)
    page = context.new_page()
    oidc.sign_in(page, base, sub)
    seen = {}
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    for name in pages:
        page.goto(f"{base}/{'' if name == 'resumen' else name}{query}")
        oidc.settle(page)
        text = page.locator("body").inner_text()
        assert "Traceback" not in text, (sub, name)
        page.screenshot(path=str(SCREENSHOTS / f"auth-{sub}-{name}.png"), full_page=True)
        seen[name] = text + ("\n" + downloads(page) if name in download else "")
    context.close()
    return seen, blocked


def card(text: str, label: str) -> str:
    found = re.search(rf"{label}\s*\n\s*([^\n]+)", text)
    return found.group(1).strip() if found else ""


def cli_active(db, email: str) -> float:
    import io
    from contextlib import redirect_stdout

    out = io.StringIO()
    with redirect_stdout(out):
        assert main(["metric", "kpi_summary", "--db", str(db), "--from", "2026-11-02", "--to", "2026-11-08",
                     "--format", "json", "--viewer", email]) == 0
    return {r["kpi"]: r["value"] for r in json.loads(out.getvalue())}["active_accounts"]


def test_each_role_page_by_page(signed_in_server, browser, db):
    results = {user["sub"]: visit_all(browser, signed_in_server, user["sub"],
                                      download=() if user["sub"] == "nadie" else ("resumen", "comunidad"))
               for user in USERS}
    for sub, (seen, blocked) in results.items():
        assert all("cdn.jsdelivr" in url for url in blocked), (sub, blocked)  # only the provider's stylesheet
        assert not any(MARKER in text for text in seen.values()), sub  # private text: nobody, anywhere
        assert not any("Comité secreto" in text for text in seen.values()) or sub in ("admin", "comunidad")

    admin, _ = results["admin"]
    assert "Nombre " in admin["comunidad"] and "Filas rechazadas" in admin["datos"]
    assert "Sin acceso" not in admin["datos"]
    assert card(admin["resumen"], "Cuentas activas") == "8"

    director, _ = results["director"]
    assert card(director["resumen"], "Cuentas activas") == "8" == f"{cli_active(db, 'dir@banco.mx'):.0f}"
    assert not any("Nombre " in text for text in director.values())  # no named person on any page
    assert "Sin acceso" in director["comunidad"] and "Sin acceso" in director["datos"]
    # Este (4 people) and Islas (1) withheld: "< 5" in the adoption CSV, and the legend under the tables
    assert re.search(r"\nEste,(\"?< 5\"?,)+", director["resumen"]) and "grupo de menos de 5 personas" in director["regiones"]

    community, _ = results["comunidad"]  # a group claim gives the community manager role
    assert "Nombre " in community["comunidad"] and "Gestor de comunidad" in community["resumen"]

    norte, _ = results["norte"]
    assert card(norte["resumen"], "Cuentas activas") == "3" == f"{cli_active(db, 'n3-2@banco.mx'):.0f}"
    assert "Nombre N" in norte["comunidad"]
    assert not any(re.search(r"Nombre [SEIO]\d", text) for text in norte.values())  # nobody outside Norte
    assert "Sin acceso" in norte["datos"]  # rejected rows: the whole store

    office, _ = results["oficina"]
    assert card(office["resumen"], "Cuentas activas") == "2" == f"{cli_active(db, 'o1-1@banco.mx'):.0f}"
    assert not any(re.search(r"Nombre [NSEI]\d", text) for text in office.values())

    nobody, _ = results["nadie"]
    for name, text in nobody.items():  # every page's own URL: the same "sin acceso" page and nothing else
        assert "Sin acceso" in text and "nadie@banco.mx" in text, name
        assert "Cuentas activas" not in text and "Filtros" not in text, name


def test_url_tampering_does_not_widen_rights(signed_in_server, browser):
    seen, _ = visit_all(browser, signed_in_server, "norte", "?region=Oeste&office=O1&group=sec&dr=Oeste",
                        pages=("resumen", "comunidad", "regiones", "datos"), download=("comunidad",))
    assert card(seen["resumen"], "Cuentas activas") == "3"  # still Norte's
    assert not any("Nombre O1" in text or "Comité secreto" in text for text in seen.values())
    seen, _ = visit_all(browser, signed_in_server, "director", "?role=staff&region=Este",
                        pages=("resumen", "comunidad"), download=())
    assert card(seen["resumen"], "Cuentas activas") == "8"  # the filters it may not use are dropped
    assert "Sin acceso" in seen["comunidad"]


def test_local_mode_says_so(db, browser, tmp_path):
    with oidc.dashboard(db, tmp_path, None) as base:
        context = browser.new_context(viewport={"width": 1440, "height": 1600})
        blocked = oidc.offline(context)
        page = context.new_page()
        page.goto(base + "/")
        page.get_by_text("Cuentas activas").first.wait_for(timeout=60_000)
        oidc.settle(page)
        text = page.locator("body").inner_text()
        page.screenshot(path=str(SCREENSHOTS / "auth-local-resumen.png"), full_page=True)
        context.close()
    assert "sin control de acceso" in text and "Cuentas activas" in text
    assert not blocked  # the dashboard itself asks nothing of the network
