"""Dashboard: each page's first render and a filter change (region), with
Streamlit's AppTest on the benchmark store, in one process per page; and the
peak RSS of that process. "First render, warm" = the second full render of the
page in a fresh app session after the store's pages have been opened once
(DuckDB buffers warm, Streamlit's caches empty for that scope); "filter change"
= choosing one region on the rendered page."""

from __future__ import annotations

from pathlib import Path

from bench.measure import run_child

from dashboard.pages import PAGES

CHILD = """
import os
os.environ["PULSO_DB"] = {db!r}
from streamlit.testing.v1 import AppTest
APP = {app!r}
page = {page!r}

def open_page():
    at = AppTest.from_file(APP, default_timeout=600)
    at.run()
    if page != "resumen":
        at.switch_page(f"views/{{page}}.py").run()
    return at

start = time.perf_counter(); at = open_page(); cold = time.perf_counter() - start
errors = [e.value for e in at.exception]
start = time.perf_counter(); at = open_page(); first = time.perf_counter() - start
regions = at.multiselect(key="f_region").options
start = time.perf_counter()
at.multiselect(key="f_region").set_value([regions[1]]).run()
change = time.perf_counter() - start
errors += [e.value for e in at.exception]
_report(first, cold=cold, change=change, errors=len(errors))
"""


def bench_dashboard(db: Path, runs: int) -> list[dict]:
    app = str(Path(__file__).resolve().parents[1] / "dashboard" / "app.py")
    rows = []
    for page in (p.key for p in PAGES):
        reports = [run_child(CHILD.format(db=str(db), app=app, page=page))[0] for _ in range(runs)]
        firsts = sorted(r["seconds"] for r in reports)
        changes = sorted(r["change"] for r in reports)
        rows.append({"page": page, "cold_s": round(min(r["cold"] for r in reports), 2),
                     "first_render_s": round(firsts[len(firsts) // 2], 2),
                     "filter_change_s": round(changes[len(changes) // 2], 2),
                     "peak_rss_mb": round(max(r["peak_rss_mb"] for r in reports)),
                     "errors": sum(r["errors"] for r in reports)})
    return rows
