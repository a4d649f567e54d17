"""Network answers: the precomputation at publish, the answers served from it (warm), and on demand.

* ``precompute``: what ``pulso ingest`` adds to a publish -- ``metrics.network_precompute.network_tables``
  computed and written into the store (``pipelines.ingest.build_extra``) -- in a fresh process (time, peak RSS,
  how many standard scopes; the slowest scope);
* ``served``: each network metric for the whole organisation's year, quarter and week, and one region's year
  (standard scopes): the second call in a process (warm);
* ``on demand``: the same metrics over a period that is not standard (the year less its first day), one fresh
  process: the first metric builds the scope's graph, the others share it; the total is what a user waits for
  the whole set; ``graph_summary`` by week over that period in its own process.
"""

from __future__ import annotations

from pathlib import Path

from bench.measure import run_child

METRICS = ("network_centrality", "network_communities", "community_region_match", "silos", "region_bridges",
           "graph_summary")

PRECOMPUTE = """
import duckdb
from metrics.network_precompute import network_tables
from pipelines.ingest import build_extra
con = duckdb.connect({db!r})
start = time.perf_counter()
build_extra(con, (network_tables,))  # what `pulso ingest` adds to a publish: compute and write the tables
con.execute("CHECKPOINT")
seconds = time.perf_counter() - start
scopes = con.sql("SELECT * FROM network_scopes").pl()
rows = sum(con.execute(f"SELECT count(*) FROM {{t}}").fetchall()[0][0] for t in
           ("network_centrality", "network_communities", "network_match", "network_silos", "network_bridges",
            "network_summary"))
con.close()
slowest = scopes.sort("seconds", descending=True).row(0, named=True)
by_period = {{p: round(s, 2) for p, s in scopes.group_by("period").agg(__import__("polars").col("seconds").sum()).iter_rows()}}
_report(seconds, scopes=scopes.height, rows=rows,
        slowest=f"{{slowest['period']}} {{slowest['region'] or 'organisation'}} {{slowest['kinds'] or 'all kinds'}}: "
                f"{{slowest['seconds']:.1f}} s, {{slowest['edges']:,}} ties",
        by_period=by_period)
"""

SERVED = """
from datetime import date
from metrics.network_precompute import standard_periods
from metrics.registry import compute
from metrics.store import connect_read_only, data_span
from pulso.core.scope import Scope
con = connect_read_only({db!r})
periods = standard_periods(data_span(con)[1])
region = con.execute("SELECT region FROM person_facts WHERE NOT is_bot GROUP BY 1 ORDER BY count(*) DESC LIMIT 1"
                     ).fetchall()[0][0]
cases = [("year", ()), ("quarter", ()), ("week", ()), ("year", (region,))]
for label, regions in cases:
    first, last = periods[label]
    scope = Scope(first, last, regions=regions)
    for name in {metrics!r}:
        compute(con, name, scope)
        start = time.perf_counter()
        frame = compute(con, name, scope)
        _report(time.perf_counter() - start, metric=name, scope=label + (" " + region if regions else ""),
                rows=frame.height)
"""

ON_DEMAND = """
from datetime import timedelta
from metrics.network_precompute import standard_periods
from metrics.registry import compute
from metrics.store import connect_read_only, data_span
from pulso.core.scope import Scope
con = connect_read_only({db!r})
first, last = standard_periods(data_span(con)[1])["year"]
scope = Scope(first + timedelta(days=1), last)  # not a standard scope
total = time.perf_counter()
for name in {metrics!r}:
    start = time.perf_counter()
    frame = compute(con, name, scope)
    _report(time.perf_counter() - start, metric=name, rows=frame.height,
            tie_min_weight=float(frame["tie_min_weight"][0]) if "tie_min_weight" in frame.columns and frame.height else None)
_report(time.perf_counter() - total, metric="all of them, sharing one graph")
"""


def bench_network(db: Path, runs: int) -> dict:
    """Precomputes the network measures into ``db`` (written in place, as a publish would), then measures."""
    precompute = run_child(PRECOMPUTE.format(db=str(db)), timeout=3600)[0]
    served: dict[tuple, list] = {}
    for _ in range(runs):
        for report in run_child(SERVED.format(db=str(db), metrics=METRICS)):
            served.setdefault((report["metric"], report["scope"]), []).append(report)
    served_rows = []
    for (metric, scope), reports in served.items():
        times = sorted(r["seconds"] for r in reports)
        served_rows.append({"metric": metric, "scope": scope, "rows": reports[0]["rows"],
                            "warm_median_s": round(times[len(times) // 2], 3), "warm_max_s": round(times[-1], 3)})
    on_demand = [{"metric": r["metric"], "seconds": round(r["seconds"], 2), "rows": r.get("rows"),
                  "tie_min_weight": r.get("tie_min_weight"), "peak_rss_mb": round(r["peak_rss_mb"])}
                 for r in run_child(ON_DEMAND.format(db=str(db), metrics=METRICS[:-1]))]
    summary = run_child(ON_DEMAND.format(db=str(db), metrics=("graph_summary",)))[0]
    on_demand.append({"metric": "graph_summary (by week, own process)", "seconds": round(summary["seconds"], 2),
                      "rows": summary.get("rows"), "peak_rss_mb": round(summary["peak_rss_mb"])})
    return {"precompute": {"seconds": round(precompute["seconds"], 1), "peak_rss_mb": round(precompute["peak_rss_mb"]),
                           "scopes": precompute["scopes"], "rows": precompute["rows"],
                           "slowest": precompute["slowest"], "seconds_by_period": precompute["by_period"]},
            "served": served_rows, "on_demand": on_demand}
