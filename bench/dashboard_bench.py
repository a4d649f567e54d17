"""Dashboard: each page's render times with Streamlit's AppTest, one fresh process per page and run, and the
peak RSS of that process. Each page is opened by its own URL (not after Resumen), in local mode (127.0.0.1, as
``pulso serve`` without sign-in); an error on the page counts in ``errors``.

* ``cold_s``: the very first render in the process (imports, the store opened, every metric computed);
* ``first_render_s``: the first render of the page for a period not seen before, once the process is warm
  (the page was rendered for another week first: modules imported, DuckDB's buffers warm, but every metric of
  this view computed afresh -- what a user opening the page on a running server waits for);
* ``filter_change_s``: choosing one region on that rendered page (a scope not computed before either).
"""

from __future__ import annotations

from pathlib import Path

from bench.measure import run_child

from dashboard.pages import PAGES

CHILD = """
import os
os.environ["PULSO_DB"] = {db!r}
from streamlit import config
from streamlit.testing.v1 import AppTest
config.set_option("server.address", "127.0.0.1")  # local mode, as `pulso serve` without sign-in
APP = {app!r}
page = {page!r}

def open_page(**query):
    at = AppTest.from_file(APP, default_timeout=600)
    for key, value in query.items():
        at.query_params[key] = value
    if page != "resumen":  # the page's own URL, as a person opens it (not Resumen first)
        at.switch_page(f"views/{{page}}.py")
    at.run()
    return at

start = time.perf_counter(); at = open_page(**{warm}); cold = time.perf_counter() - start
errors = [e.value for e in at.exception] + [e.value for e in at.error]
start = time.perf_counter(); at = open_page(**{view}); first = time.perf_counter() - start
errors += [e.value for e in at.exception] + [e.value for e in at.error]
regions = at.multiselect(key="f_region").options
start = time.perf_counter()
at.multiselect(key="f_region").set_value([regions[1]]).run()
change = time.perf_counter() - start
errors += [e.value for e in at.exception] + [e.value for e in at.error]
_report(first, cold=cold, change=change, errors=len(errors))
"""


def bench_dashboard(db: Path, runs: int, view: dict | None = None, warm: dict | None = None) -> list[dict]:
    """``view``: the query of the measured view (default: the store's default week); ``warm``: the query of the
    warm-up render (default: the week before)."""
    from metrics.store import connect_read_only, data_span
    from pulso.core.periods import last_complete_week

    if view is None or warm is None:
        con = connect_read_only(db)
        try:
            start, end = last_complete_week(data_span(con)[1])
        finally:
            con.close()
        from datetime import timedelta

        view = view or {"start": start.isoformat(), "end": end.isoformat()}
        warm = warm or {"start": (start - timedelta(days=7)).isoformat(), "end": (end - timedelta(days=7)).isoformat()}
    app = str(Path(__file__).resolve().parents[1] / "dashboard" / "app.py")
    rows = []
    for page in (p.key for p in PAGES):
        reports = [run_child(CHILD.format(db=str(db), app=app, page=page, view=view, warm=warm))[0]
                   for _ in range(runs)]
        firsts = sorted(r["seconds"] for r in reports)
        changes = sorted(r["change"] for r in reports)
        rows.append({"page": page, "cold_s": round(min(r["cold"] for r in reports), 2),
                     "first_render_s": round(firsts[len(firsts) // 2], 2),
                     "filter_change_s": round(changes[len(changes) // 2], 2),
                     "peak_rss_mb": round(max(r["peak_rss_mb"] for r in reports)),
                     "errors": sum(r["errors"] for r in reports)})
    return rows
