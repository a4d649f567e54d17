"""Bounded work: the worst requests a URL, a CLI call or a report can make, with their time and peak memory.

Every registered metric over the widest period anyone can type (0001-01-01..9999-12-31, day by day), once with
its default parameters and once with every numeric parameter at its heaviest allowed value (the maximum; the
minimum for thresholds such as ``min_weight``, where less means more work), the widest lists (every kind, a
10,000-name filter list) and the weekly report over that period. Each request's peak is the process's own
high-water mark reset before it (``/proc/self/clear_refs``), so it includes the open store and the imports, as
a server process would. Target: every request within 2 GB and 30 s on the 10M store. For the dashboard's pages
(opened by their own URLs, in local mode) ``rows`` is the number of errors on the page; for the report, the
command's exit code: either not 0 is a failed request.
"""

from __future__ import annotations

from pathlib import Path

from bench.measure import run_child

# Parameters where a smaller value means more work (a lower threshold keeps more).
HEAVY_AT_MINIMUM = {"min_weight", "min_df", "min_uses", "min_people", "min_threads", "threshold",
                    "min_history_weeks", "min_working_days", "max_ratio", "enthusiast_threads", "enthusiast_people"}

CHILD = """
from datetime import date
from metrics.registry import FactsNotAvailable, compute, load_all_metrics
from metrics.store import connect_read_only
from pulso.core.errors import PulsoError
from pulso.core.scope import Scope
HEAVY_AT_MINIMUM = {heavy!r}
con = connect_read_only({db!r})
person = con.execute("SELECT person_id FROM person_day_activity GROUP BY 1 ORDER BY sum(contributions) DESC, 1 "
                     "LIMIT 1").fetchall()[0][0]
widest = Scope(date(1, 1, 1), date(9999, 12, 31), granularity="day")
offices = tuple(r[0] for r in con.execute("SELECT DISTINCT office FROM person_facts").fetchall())
offices = (offices + tuple(f"no such office {{i}}" for i in range(10_000)))[:10_000]
listed = Scope(date(1, 1, 1), date(9999, 12, 31), offices=offices)

def reset_peak():
    with open("/proc/self/clear_refs", "w") as handle:
        handle.write("5")

def heavy(definition):
    values = {{}}
    for p in definition.parameters:
        if p.kind in ("int", "float") and p.maximum is not None:
            values[p.name] = p.minimum if p.name in HEAVY_AT_MINIMUM else p.maximum
        elif p.name == "person":
            values[p.name] = person
        elif p.name == "kinds":
            values[p.name] = None  # every kind: the most ties
    return values

for name, definition in sorted(load_all_metrics().items()):
    if {only!r} and name not in {only!r}:
        continue
    base = {{"person": person}} if any(p.name == "person" for p in definition.parameters) else {{}}
    variants = [("defaults", widest, base), ("heaviest parameters", widest, heavy(definition)),
                ("10,000 offices listed", listed, base)]
    if name == "graph_summary":  # by day it is refused past 160 days: by week, the finest it allows over a year
        variants.append(("by week, heaviest parameters", Scope(date(1, 1, 1), date(9999, 12, 31)), heavy(definition)))
    for variant, scope, params in variants:
        if variant == "10,000 offices listed" and name not in {listed_metrics!r}:
            continue
        reset_peak()
        start = time.perf_counter()
        try:
            rows = compute(con, name, scope, **params).height
            note = ""
        except FactsNotAvailable:
            rows, note = -1, "facts not available"
        except PulsoError as exc:
            rows, note = -1, "refused: " + str(exc)[:80]
        _report(time.perf_counter() - start, request=f"{{name}} ({{variant}})", rows=rows, note=note)
"""

REPORT = """
import subprocess, sys, os
start = time.perf_counter()
done = subprocess.run([os.path.join(os.path.dirname(sys.executable), "pulso"), "report", "--db", {db!r},
                       "--period", "0001-01-01..9999-12-31", "--out", {out!r}], capture_output=True, text=True)
seconds = time.perf_counter() - start
import resource
peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
_report(seconds, request="pulso report --period 0001-01-01..9999-12-31", rows=done.returncode, note=done.stderr[-120:],
        child_peak_mb=peak)
"""

DASHBOARD = """
import os
os.environ["PULSO_DB"] = {db!r}
from streamlit import config
from streamlit.testing.v1 import AppTest
from dashboard.pages import PAGES
config.set_option("server.address", "127.0.0.1")  # local mode, as `pulso serve` without sign-in
def reset_peak():
    with open("/proc/self/clear_refs", "w") as handle:
        handle.write("5")
for page in (p.key for p in PAGES):
    reset_peak()
    at = AppTest.from_file({app!r}, default_timeout=600)
    for key, value in {{"start": "0001-01-01", "end": "9999-12-31", "gran": "day"}}.items():
        at.query_params[key] = value
    if page != "resumen":  # the page's own URL
        at.switch_page(f"views/{{page}}.py")
    start = time.perf_counter()
    at.run()
    errors = [str(e.value)[:60] for e in list(at.exception) + list(at.error)]
    _report(time.perf_counter() - start, request=f"dashboard {{page}} ?start=0001-01-01&end=9999-12-31&gran=day",
            rows=len(errors), note="; ".join(errors))
"""

# Metrics worth asking with a 10,000-name office list (the people-in-scope filter every metric shares).
LISTED = ("kpi_summary", "daily_actives", "participation_ladder", "network_centrality", "interaction_edges")


def bench_bounded(db: Path, work: Path, only: tuple[str, ...] = ()) -> list[dict]:
    rows = []
    for report in run_child(CHILD.format(db=str(db), heavy=sorted(HEAVY_AT_MINIMUM), only=list(only),
                                         listed_metrics=list(LISTED)), timeout=7200):
        rows.append({"request": report["request"], "seconds": round(report["seconds"], 2),
                     "peak_rss_mb": round(report["peak_rss_mb"]), "rows": report["rows"], "note": report["note"]})
    if not only:
        app = str(Path(__file__).resolve().parents[1] / "dashboard" / "app.py")
        for report in run_child(DASHBOARD.format(db=str(db), app=app)):
            rows.append({"request": report["request"], "seconds": round(report["seconds"], 2),
                         "peak_rss_mb": round(report["peak_rss_mb"]), "rows": report["rows"], "note": report["note"]})
        report = run_child(REPORT.format(db=str(db), out=str(work / "bounded-report.html")))[0]
        rows.append({"request": report["request"], "seconds": round(report["seconds"], 2),
                     "peak_rss_mb": round(report["child_peak_mb"]), "rows": report["rows"], "note": report["note"]})
    return rows
