"""Serving while loads publish (issue 11): a page run keeps the store it started with until it ends, a new store
is picked up by the next run, no connection is closed under a running page, and the browser asks nothing of
any machine but the dashboard's own."""

from __future__ import annotations

import threading
import time
from datetime import date

import pytest

from dashboard import cache
from pipelines.ingest import ingest
from pulso.core.scope import Scope
from tests.conftest import PROJECT_ROOT
from tests.server import CHROMIUM, CHROMIUM_ARGS, require_chromium, serve

TINY = PROJECT_ROOT / "tests" / "fixtures" / "tiny_export"
DIRECTORY = PROJECT_ROOT / "tests" / "fixtures" / "directory.csv"


def people(con) -> int:
    return con.execute("SELECT count(*) FROM people").fetchall()[0][0]


def test_a_run_keeps_its_store_and_the_next_run_sees_the_new_one(tmp_path):
    db = tmp_path / "s.duckdb"
    ingest([TINY], db)  # 4 people
    with cache.run_store(db):
        with cache.cursor(db) as con:
            assert people(con) == 4
        ingest([DIRECTORY], db)  # 5 people, published while the run goes on
        with cache.cursor(db) as con:
            assert people(con) == 4  # the run's store, to its end
        frame = cache.metric_frame(db, "store_sources", Scope(date(2026, 1, 5), date(2026, 1, 11)))
        assert set(frame["source"].to_list()) == {"pulso"}
    with cache.run_store(db):
        with cache.cursor(db) as con:
            assert people(con) == 5
        frame = cache.metric_frame(db, "store_sources", Scope(date(2026, 1, 5), date(2026, 1, 11)))
        assert "directory" in frame["source"].to_list()
    assert cache.open_stores(db) == 1  # the replaced store's connection was closed when its last run ended


def test_back_to_back_publishes_never_close_a_connection_under_a_run(tmp_path):
    """Four 'sessions' run pages in a loop while the store is published again and again. Before: some page
    runs failed with 'Connection already closed' (a shared connection closed under them)."""
    db = tmp_path / "s.duckdb"
    ingest([TINY, DIRECTORY], db)
    errors: list[str] = []
    runs = [0]
    stop = threading.Event()

    def session() -> None:
        while not stop.is_set():
            try:
                with cache.run_store(db):
                    for _ in range(5):
                        with cache.cursor(db) as con:
                            assert people(con) == 5
                        time.sleep(0.002)
                runs[0] += 1
            except Exception as exc:
                errors.append(f"{type(exc).__name__}: {exc}")

    threads = [threading.Thread(target=session) for _ in range(4)]
    for thread in threads:
        thread.start()
    try:
        for _ in range(8):
            ingest([TINY, DIRECTORY], db)
    finally:
        stop.set()
        for thread in threads:
            thread.join(timeout=30)
    assert errors == [] and runs[0] > 8
    assert cache.open_stores(db) <= 1


def test_the_app_wraps_each_run_in_one_store(tmp_path, app):
    """The entry script holds one store for the whole run (the page renders after a publish in between)."""
    db = tmp_path / "s.duckdb"
    ingest([TINY, DIRECTORY], db)
    at = app(db, page="datos").run()
    assert not at.exception
    ingest([TINY, DIRECTORY], db)
    at.run()
    assert not at.exception
    assert "run_store" in (PROJECT_ROOT / "dashboard" / "app.py").read_text(encoding="utf-8")


@pytest.mark.browser
@pytest.mark.slow
def test_the_browser_requests_nothing_from_another_machine(tmp_path):
    """Chromium's network log over the pages: every request goes to the dashboard itself. Before: every page
    load fetched its icon from fonts.gstatic.com."""
    require_chromium()
    from playwright.sync_api import sync_playwright

    db = tmp_path / "s.duckdb"
    ingest([TINY, DIRECTORY], db)
    requests: list[str] = []
    with serve(db, tmp_path) as base:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(
                executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)
            page = browser.new_page()
            page.on("request", lambda request: requests.append(request.url))
            for path in ("", "comunidad", "flujos", "datos"):
                page.goto(f"{base}/{path}")
                page.wait_for_selector('[data-testid="stMainBlockContainer"]', timeout=30_000)
                page.wait_for_timeout(2500)
            browser.close()
    local = (base, "http://localhost:", "data:", "blob:", "about:")
    outside = sorted({url for url in requests if not url.startswith(local)})
    assert len(requests) > 20 and outside == []
